//! End-to-end tests of the `citata` binary on files written into temporary folders, and
//! property tests of ingestion on the library.
//!
//! - `feature`: every input format and speaker-label variant, metadata, exit codes on the
//!   demo corpus, huge lines;
//! - `json`: the NDJSON output schema and its code point offsets;
//! - `encodings`: one transcript in every supported encoding;
//! - `bad_input`: a batch with broken files, malformed respondents.csv, missing paths;
//! - `prop`: proptest invariants of spans, sentences, tokens and canonicalization.

mod testenv;

mod feature {
    use crate::testenv::*;

    #[test]
    fn txt_full_role_labels_with_bracketed_timestamps() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "zakupki.txt",
            "[00:00:05] Интервьюер: Добрый день! Расскажите, как у вас с поставками?\n\
             [00:01:02] Респондент: Ну, по-разному. В прошлом году уплотнения ждали полтора месяца.\n\
             Линия стояла две недели.\n\
             \n\
             [01:02:30] Интервьюер: А сейчас?\n\
             [01:02:33] Респондент: Сейчас получше, склад рядом.\n",
        );
        let t = ingest_one(&path);
        assert_eq!((t.doc.as_str(), t.format.as_str()), ("zakupki.txt", "txt"));
        assert_eq!(
            t.speakers(),
            [
                ("Интервьюер", "interviewer", "label"),
                ("Респондент", "respondent", "label")
            ]
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                (
                    "Интервьюер",
                    "Добрый день! Расскажите, как у вас с поставками?"
                ),
                (
                    "Респондент",
                    "Ну, по-разному. В прошлом году уплотнения ждали полтора месяца.\nЛиния стояла две недели."
                ),
                ("Интервьюер", "А сейчас?"),
                ("Респондент", "Сейчас получше, склад рядом."),
            ])
        );
        assert_eq!(
            t.turn_times(),
            [
                (Some(5.0), None),
                (Some(62.0), None),
                (Some(3750.0), None),
                (Some(3753.0), None)
            ]
        );
        assert_eq!(
            t.sentences_of(1),
            [
                "Ну, по-разному.",
                "В прошлом году уплотнения ждали полтора месяца.",
                "Линия стояла две недели."
            ]
        );
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    }

    #[test]
    fn txt_short_labels_i_and_r() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "short.txt",
            "И: Как оцените документооборот?\nР: Ну, на шестёрку. УПД вечно с ошибками.\nИ: Понятно.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.speakers(),
            [("И", "interviewer", "label"), ("Р", "respondent", "label")]
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("И", "Как оцените документооборот?"),
                ("Р", "Ну, на шестёрку. УПД вечно с ошибками."),
                ("И", "Понятно."),
            ])
        );
        assert_eq!(
            t.sentence_texts(),
            [
                "Как оцените документооборот?",
                "Ну, на шестёрку.",
                "УПД вечно с ошибками.",
                "Понятно."
            ]
        );
    }

    #[test]
    fn txt_q_and_a_labels() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "qa.txt",
            "Q: Что с ценами?\nA: Дорого. ГидроМаш дешевле на треть, честно говоря.\nQ: А качество?\nA: Качество отличное, насосы пашут по двадцать лет.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.speakers(),
            [("Q", "interviewer", "label"), ("A", "respondent", "label")]
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("Q", "Что с ценами?"),
                ("A", "Дорого. ГидроМаш дешевле на треть, честно говоря."),
                ("Q", "А качество?"),
                ("A", "Качество отличное, насосы пашут по двадцать лет."),
            ])
        );
    }

    #[test]
    fn moderator_label_makes_the_other_speaker_a_respondent() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "kapstroy.txt",
            "Модератор: Елена Викторовна, как вам работа с ТехноПриводом?\n\
             Елена Викторовна: Ну как, по-разному. А вы сами-то как думаете?\n\
             Модератор: Мы пока слушаем.\n\
             Елена Викторовна: А, ну ладно. Монтаж в срок, это главное.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.speakers(),
            [
                ("Модератор", "interviewer", "label"),
                ("Елена Викторовна", "respondent", "heuristic")
            ]
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                (
                    "Модератор",
                    "Елена Викторовна, как вам работа с ТехноПриводом?"
                ),
                (
                    "Елена Викторовна",
                    "Ну как, по-разному. А вы сами-то как думаете?"
                ),
                ("Модератор", "Мы пока слушаем."),
                (
                    "Елена Викторовна",
                    "А, ну ладно. Монтаж в срок, это главное."
                ),
            ])
        );
    }

    #[test]
    fn numbered_speakers_get_roles_by_who_asks() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "proizvodstvo.txt",
            "00:00:01 Спикер 1: Добрый день. Как вам сервис?\n\
             00:00:04 Спикер 2: Да хорошо, Саныч приезжает даже ночью, это прям спасибо.\n\
             00:01:10 Спикер 1: А с документами как?\n\
             00:01:15 Спикер 2: С документами хуже, паспорта опаздывают.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.speakers(),
            [
                ("Спикер 1", "interviewer", "heuristic"),
                ("Спикер 2", "respondent", "heuristic")
            ]
        );
        assert_eq!(
            t.turn_texts()[1],
            (
                "Спикер 2".to_string(),
                "Да хорошо, Саныч приезжает даже ночью, это прям спасибо.".to_string()
            )
        );
        assert_eq!(t.turn_times()[2], (Some(70.0), None));
        assert_eq!(t.turns.len(), 4);
    }

    const TIME_AFTER_LABEL: &str = "Спикер 1: [00:00:03] Добрый день. Как вам сервис?\n\
        Спикер 2: [00:00:07] Хорошо, Саныч молодец.\n";

    #[test]
    fn timestamp_after_the_label_is_not_turn_text() {
        let dir = tmp();
        let t = ingest_one(&write(dir.path(), "after.txt", TIME_AFTER_LABEL));
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("Спикер 1", "Добрый день. Как вам сервис?"),
                ("Спикер 2", "Хорошо, Саныч молодец.")
            ])
        );
    }

    /// `Turn::start_time` is "start time in seconds, when the source has one"; labels.rs
    /// recognizes `Спикер 1: [00:00:03] ...` ("common") and strips the timestamp.
    #[test]
    fn timestamp_after_the_label_sets_the_start_time() {
        let dir = tmp();
        let t = ingest_one(&write(dir.path(), "after.txt", TIME_AFTER_LABEL));
        assert_eq!(t.turn_times(), [(Some(3.0), None), (Some(7.0), None)]);
    }

    #[test]
    fn names_as_labels_and_common_words_are_not_speakers() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "names.txt",
            "Анна Петрова: Что скажете про цены?\n\
             Игорь Семёнович: Дорого, что тут скажешь.\n\
             Например: ГидроМаш дешевле на треть.\n\
             Анна Петрова: А сроки?\n\
             Игорь Семёнович: Сроки наладились, склад рядом.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.speakers(),
            [
                ("Анна Петрова", "interviewer", "heuristic"),
                ("Игорь Семёнович", "respondent", "heuristic")
            ]
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("Анна Петрова", "Что скажете про цены?"),
                (
                    "Игорь Семёнович",
                    "Дорого, что тут скажешь.\nНапример: ГидроМаш дешевле на треть."
                ),
                ("Анна Петрова", "А сроки?"),
                ("Игорь Семёнович", "Сроки наладились, склад рядом."),
            ])
        );
    }

    #[test]
    fn markdown_bold_labels_and_headings() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "mekhanik.md",
            "# Интервью с главным механиком\n\n\
             **И:** Как вам насосы?\n\n\
             **Р:** Пашут по двадцать лет, грех жаловаться.\n\n\
             ## Блок 2: сервис\n\n\
             **И:** А сервис?\n\n\
             **Р:** Саныч приезжает даже ночью!\n",
        );
        let t = ingest_one(&path);
        assert_eq!(t.format, "md");
        assert_eq!(
            t.speakers(),
            [("И", "interviewer", "label"), ("Р", "respondent", "label")]
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("И", "Как вам насосы?"),
                ("Р", "Пашут по двадцать лет, грех жаловаться."),
                ("И", "А сервис?"),
                ("Р", "Саныч приезжает даже ночью!"),
            ])
        );
    }

    #[test]
    fn caps_labels_role_words_and_names() {
        let dir = tmp();
        write(
            dir.path(),
            "caps-roles.txt",
            "ИНТЕРВЬЮЕР: Что скажете про цены?\nРЕСПОНДЕНТ: Дорого. Плюс пятнадцать процентов за год!\n",
        );
        write(
            dir.path(),
            "caps-names.md",
            "**АННА СОКОЛОВА:** Начнём? Как вам новый менеджер?\n\n\
             **ОЛЬГА НИКОЛАЕВНА:** Вежливый, но всё через почту.\n\n\
             **АННА СОКОЛОВА:** А раньше как было?\n\n\
             **ОЛЬГА НИКОЛАЕВНА:** Раньше Ковалёв сам звонил.\n",
        );
        let docs = ingest_ok(dir.path());
        let names: Vec<&str> = docs.iter().map(|t| t.doc.as_str()).collect();
        assert_eq!(names, ["caps-names.md", "caps-roles.txt"]);
        assert_eq!(
            docs[1].speakers(),
            [
                ("ИНТЕРВЬЮЕР", "interviewer", "label"),
                ("РЕСПОНДЕНТ", "respondent", "label")
            ]
        );
        assert_eq!(
            docs[1].turn_texts()[1].1,
            "Дорого. Плюс пятнадцать процентов за год!"
        );
        assert_eq!(
            docs[0].speakers(),
            [
                ("АННА СОКОЛОВА", "interviewer", "heuristic"),
                ("ОЛЬГА НИКОЛАЕВНА", "respondent", "heuristic")
            ]
        );
        assert_eq!(
            docs[0].turn_texts(),
            pairs(&[
                ("АННА СОКОЛОВА", "Начнём? Как вам новый менеджер?"),
                ("ОЛЬГА НИКОЛАЕВНА", "Вежливый, но всё через почту."),
                ("АННА СОКОЛОВА", "А раньше как было?"),
                ("ОЛЬГА НИКОЛАЕВНА", "Раньше Ковалёв сам звонил."),
            ])
        );
    }

    /// Front matter goes to `meta`, is cut from the text, and its `interviewer` decides the
    /// roles even against the question heuristic (here the respondent asks more).
    #[test]
    fn front_matter_metadata_decides_roles() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "fm.txt",
            "---\ninterviewer: Анна Петрова\ndivision: Служба закупок\nWave: 2025\n---\n\
             Анна Петрова: Расскажите про поставки.\n\
             Ирина Львовна: А что именно рассказать? Про сроки?\n\
             Анна Петрова: Да, про сроки.\n\
             Ирина Львовна: Ну а что сроки? Хромают.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.meta(),
            [
                ("division", "Служба закупок"),
                ("interviewer", "Анна Петрова"),
                ("wave", "2025")
            ]
        );
        assert!(
            t.text.starts_with("Анна Петрова: Расскажите"),
            "{:?}",
            t.text
        );
        assert_eq!(
            t.speakers(),
            [
                ("Анна Петрова", "interviewer", "metadata"),
                ("Ирина Львовна", "respondent", "metadata")
            ]
        );
        assert_eq!(t.turn_texts()[3].1, "Ну а что сроки? Хромают.");
    }

    #[test]
    fn respondents_csv_adds_meta_and_names_the_interviewer() {
        let dir = tmp();
        write(
            dir.path(),
            "respondents.csv",
            "file,respondent,division,wave,interviewer\n\
             int-01.txt,Р-01,Служба закупок,2025,Павел Громов\n\
             sub/int-02.md,Р-02,Производство,2026,Анна Соколова\n",
        );
        // The respondent asks more: only metadata makes Павел Громов the interviewer.
        write(
            dir.path(),
            "int-01.txt",
            "Павел Громов: Расскажите про рекламации.\n\
             Ирина Львовна: Про какую? Про подшипник?\n\
             Павел Громов: Да, про неё.\n\
             Ирина Львовна: Три месяца тянули, представляете?\n",
        );
        // Front matter wins over the csv row; role labels win over metadata.
        write(
            dir.path(),
            "sub/int-02.md",
            "---\ndivision: Цех № 3\n---\nИнтервьюер: Как смена?\nРеспондент: Нормально, работаем.\n",
        );
        write(
            dir.path(),
            "int-03.txt",
            "Спикер 1: Как оцените сервис?\nСпикер 2: На девятку, Саныч молодец.\n",
        );
        let docs = ingest_ok(dir.path());
        let names: Vec<&str> = docs.iter().map(|t| t.doc.as_str()).collect();
        assert_eq!(names, ["int-01.txt", "int-03.txt", "sub/int-02.md"]);
        assert_eq!(
            docs[0].meta(),
            [
                ("division", "Служба закупок"),
                ("interviewer", "Павел Громов"),
                ("respondent", "Р-01"),
                ("wave", "2025")
            ]
        );
        assert_eq!(
            docs[0].speakers(),
            [
                ("Павел Громов", "interviewer", "metadata"),
                ("Ирина Львовна", "respondent", "metadata")
            ]
        );
        assert!(docs[1].meta.is_empty(), "{:?}", docs[1].meta);
        assert_eq!(docs[1].speakers[0].role_source, "heuristic");
        assert_eq!(
            docs[2].meta(),
            [
                ("division", "Цех № 3"),
                ("interviewer", "Анна Соколова"),
                ("respondent", "Р-02"),
                ("wave", "2026")
            ]
        );
        assert_eq!(
            docs[2].speakers(),
            [
                ("Интервьюер", "interviewer", "label"),
                ("Респондент", "respondent", "label")
            ]
        );
    }

    #[test]
    fn respondents_csv_with_semicolons_in_windows_1251() {
        let dir = tmp();
        let csv = "file;respondent;interviewer\nint.txt;Р-07;Анна Соколова\n";
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(csv);
        assert!(!unmappable);
        write(dir.path(), "respondents.csv", bytes);
        write(
            dir.path(),
            "int.txt",
            "Анна Соколова: Начнём.\nИрина Львовна: Давайте, а про что?\n\
             Анна Соколова: Про сроки.\nИрина Львовна: Ну, сроки так себе.\n",
        );
        let docs = ingest_ok(dir.path());
        assert_eq!(
            docs[0].meta(),
            [("interviewer", "Анна Соколова"), ("respondent", "Р-07")]
        );
        assert_eq!(
            docs[0].speakers()[0],
            ("Анна Соколова", "interviewer", "metadata")
        );
    }

    #[test]
    fn vtt_voice_tags_merge_consecutive_cues() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "mekhanik.vtt",
            "WEBVTT\n\n\
             1\n00:00:01.000 --> 00:00:04.000\n<v Павел Громов>Как работает сервис?\n\n\
             2\n00:00:04.500 --> 00:00:09.000\n<v Светлана Игоревна>Саныч приезжает даже ночью.\n\n\
             3\n00:00:09.000 --> 00:00:12.500\n<v Светлана Игоревна>Это, конечно, золото, а не человек.\n\n\
             4\n00:00:13.000 --> 00:00:15.000\n<v Павел Громов>А документы?</v>\n",
        );
        let t = ingest_one(&path);
        assert_eq!(t.format, "vtt");
        assert_eq!(
            t.speakers(),
            [
                ("Павел Громов", "interviewer", "heuristic"),
                ("Светлана Игоревна", "respondent", "heuristic")
            ]
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("Павел Громов", "Как работает сервис?"),
                (
                    "Светлана Игоревна",
                    "Саныч приезжает даже ночью. Это, конечно, золото, а не человек."
                ),
                ("Павел Громов", "А документы?"),
            ])
        );
        assert_eq!(
            t.turn_times(),
            [
                (Some(1.0), Some(4.0)),
                (Some(4.5), Some(12.5)),
                (Some(13.0), Some(15.0))
            ]
        );
        assert_eq!(
            t.text,
            "Павел Громов: Как работает сервис?\n\n\
             Светлана Игоревна: Саныч приезжает даже ночью. Это, конечно, золото, а не человек.\n\n\
             Павел Громов: А документы?\n\n"
        );
    }

    #[test]
    fn srt_name_prefix_and_unlabeled_cues_continue_the_speaker() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "proizvodstvo.srt",
            "1\n00:00:01,000 --> 00:00:03,500\nИнтервьюер: Как оцениваете цены?\n\n\
             2\n00:00:04,000 --> 00:00:07,000\nРеспондент: Дорого, честно говоря.\n\n\
             3\n00:00:07,000 --> 00:00:09,200\nГидроМаш дешевле на треть.\n\n\
             4\n00:00:09,500 --> 00:00:11,000\nРеспондент: Но сервис у них слабее.\n\n\
             5\n00:00:11,500 --> 00:00:12,000\nИнтервьюер: Понятно.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.speakers(),
            [
                ("Интервьюер", "interviewer", "label"),
                ("Респондент", "respondent", "label")
            ]
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("Интервьюер", "Как оцениваете цены?"),
                (
                    "Респондент",
                    "Дорого, честно говоря. ГидроМаш дешевле на треть. Но сервис у них слабее."
                ),
                ("Интервьюер", "Понятно."),
            ])
        );
        assert_eq!(
            t.turn_times(),
            [
                (Some(1.0), Some(3.5)),
                (Some(4.0), Some(11.0)),
                (Some(11.5), Some(12.0))
            ]
        );
        assert_eq!(t.sentences_of(1).len(), 3);
    }

    #[test]
    fn json_citata_schema() {
        let dir = tmp();
        let path = write(
            dir.path(),
            "kapstroy.json",
            r#"{
  "meta": {"respondent": "Р-04", "wave": 2025, "pilot": true, "note": null},
  "turns": [
    {"speaker": "Интервьюер", "text": "Как идёт стройка?", "start": 0, "end": 3.5},
    {"speaker": "Респондент", "text": "Да снабжение, блин.  Бетон вовремя не везут.", "start": "00:00:04", "end": 9.25},
    {"speaker": "Респондент", "text": "А насосы ваши — нормально.", "start": 9.25, "end": 12},
    {"speaker": "Интервьюер", "text": "Понятно, спасибо."}
  ]
}"#,
        );
        let t = ingest_one(&path);
        assert_eq!((t.format.as_str(), t.encoding.as_str()), ("json", "UTF-8"));
        assert_eq!(
            t.meta(),
            [("pilot", "true"), ("respondent", "Р-04"), ("wave", "2025")]
        );
        assert_eq!(
            t.text,
            "Интервьюер: Как идёт стройка?\n\n\
             Респондент: Да снабжение, блин. Бетон вовремя не везут. А насосы ваши — нормально.\n\n\
             Интервьюер: Понятно, спасибо.\n\n"
        );
        assert_eq!(
            t.turn_times(),
            [
                (Some(0.0), Some(3.5)),
                (Some(4.0), Some(12.0)),
                (None, None)
            ]
        );
        assert_eq!(
            t.speakers(),
            [
                ("Интервьюер", "interviewer", "label"),
                ("Респондент", "respondent", "label")
            ]
        );
        assert_eq!(
            t.sentences_of(1),
            [
                "Да снабжение, блин.",
                "Бетон вовремя не везут.",
                "А насосы ваши — нормально."
            ]
        );
    }

    #[test]
    fn json_whisper_segments_without_and_with_speakers() {
        let dir = tmp();
        write(
            dir.path(),
            "whisper.json",
            r#"{"text": " Ну, в целом нормально. Но сроки, конечно, хромают.", "language": "ru",
  "segments": [
    {"id": 0, "seek": 0, "start": 0.0, "end": 2.4, "text": " Ну, в целом нормально.", "tokens": [1, 2]},
    {"id": 1, "seek": 0, "start": 2.4, "end": 5.0, "text": " Но сроки, конечно, хромают."}
  ]}"#,
        );
        write(
            dir.path(),
            "whisperx.json",
            r#"{"segments": [
    {"start": 1.0, "end": 2.0, "text": " Как вам доставка?", "speaker": "SPEAKER_00"},
    {"start": 2.5, "end": 6.0, "text": " Ой, ну курьеры опаздывают постоянно.", "speaker": "SPEAKER_01"},
    {"start": 6.5, "end": 7.0, "text": " А почему?", "speaker": "SPEAKER_00"},
    {"start": 7.2, "end": 9.0, "text": " Да кто ж их знает.", "speaker": "SPEAKER_01"}
  ]}"#,
        );
        let docs = ingest_ok(dir.path());
        let whisper = &docs[0];
        assert_eq!(whisper.doc, "whisper.json");
        assert_eq!(whisper.meta(), [("language", "ru")]);
        assert_eq!(
            whisper.speakers(),
            [("Респондент (без метки)", "respondent", "default")]
        );
        assert_eq!(
            whisper.turn_texts(),
            pairs(&[(
                "Респондент (без метки)",
                "Ну, в целом нормально. Но сроки, конечно, хромают."
            )])
        );
        assert_eq!(whisper.turn_times(), [(Some(0.0), Some(5.0))]);

        let x = &docs[1];
        assert_eq!(
            x.speakers(),
            [
                ("SPEAKER_00", "interviewer", "heuristic"),
                ("SPEAKER_01", "respondent", "heuristic")
            ]
        );
        assert_eq!(x.turns.len(), 4);
        assert_eq!(x.turn_times()[1], (Some(2.5), Some(6.0)));
    }

    #[test]
    fn docx_paragraphs() {
        let dir = tmp();
        let body = [
            para("Интервьюер: Расскажите, как у вас устроена приёмка?"),
            para("Респондент: Ну, смотрите. Сначала склад, потом ОТК."),
            "<w:p/>".to_string(),
            para("Интервьюер: А паспорта на оборудование?"),
            para("Респондент: Паспорта опаздывают &amp; это бесит."),
        ]
        .concat();
        let path = write(dir.path(), "kachestvo.docx", docx(&body));
        let t = ingest_one(&path);
        assert_eq!(
            (t.format.as_str(), t.encoding.as_str()),
            ("docx", "UTF-8 (docx)")
        );
        assert_eq!(
            t.text,
            "Интервьюер: Расскажите, как у вас устроена приёмка?\n\
             Респондент: Ну, смотрите. Сначала склад, потом ОТК.\n\n\
             Интервьюер: А паспорта на оборудование?\n\
             Респондент: Паспорта опаздывают & это бесит."
        );
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("Интервьюер", "Расскажите, как у вас устроена приёмка?"),
                ("Респондент", "Ну, смотрите. Сначала склад, потом ОТК."),
                ("Интервьюер", "А паспорта на оборудование?"),
                ("Респондент", "Паспорта опаздывают & это бесит."),
            ])
        );
        assert_eq!(t.speakers[0].role_source, "label");
    }

    #[test]
    fn docx_speaker_text_tables() {
        let dir = tmp();
        let two = table(&[
            &["Спикер", "Текст"],
            &["Интервьюер", "Как вам работа с подрядчиками?"],
            &["Респондент", "Ну, по-разному бывает."],
            &["", "Кто-то срывает сроки, кто-то нет."],
            &["Интервьюер:", "А почему?"],
            &["Респондент", "Да снабжение хромает."],
        ]);
        write(dir.path(), "a-two-columns.docx", docx(&two));
        let three = table(&[
            &["Время", "Спикер", "Текст"],
            &[
                "00:00:05",
                "Спикер 1",
                "Добрый день, начнём? Как вам сервис?",
            ],
            &[
                "00:01:02",
                "Спикер 2",
                "Да нормально, Саныч выручает постоянно.",
            ],
            &["[00:01:10]", "Спикер 1", "А цены?"],
            &["01:15", "Спикер 2", "Цены кусаются."],
        ]);
        write(dir.path(), "b-three-columns.docx", docx(&three));
        let docs = ingest_ok(dir.path());

        let t = &docs[0];
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("Интервьюер", "Как вам работа с подрядчиками?"),
                (
                    "Респондент",
                    "Ну, по-разному бывает. Кто-то срывает сроки, кто-то нет."
                ),
                ("Интервьюер", "А почему?"),
                ("Респондент", "Да снабжение хромает."),
            ])
        );
        assert!(
            t.text
                .starts_with("Интервьюер: Как вам работа с подрядчиками?\n\nРеспондент: Ну,")
        );
        assert_eq!(t.speakers[1].role, "respondent");

        let t = &docs[1];
        assert_eq!(
            t.speakers(),
            [
                ("Спикер 1", "interviewer", "heuristic"),
                ("Спикер 2", "respondent", "heuristic")
            ]
        );
        assert_eq!(
            t.turn_times(),
            [
                (Some(5.0), None),
                (Some(62.0), None),
                (Some(70.0), None),
                (Some(75.0), None)
            ]
        );
        assert_eq!(t.turn_texts()[3].1, "Цены кусаются.");
    }

    fn demo() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo")
    }

    #[test]
    fn demo_corpus_exits_0_and_the_summary_counts_12_transcripts() {
        let run = citata(["ingest".as_ref(), demo().as_os_str()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
        let last = run.stdout.lines().last().expect("a summary line");
        assert!(last.starts_with("12 transcript(s), "), "{last}");
        assert!(last.ends_with("; 0 failed"), "{last}");
        let headers = run.stdout.lines().filter(|l| l.starts_with("w2")).count();
        assert_eq!(headers, 12, "one header line per transcript");
    }

    #[test]
    fn demo_corpus_as_ndjson_has_every_file_once_in_order() {
        let docs = ingest_ok(&demo());
        let names: Vec<&str> = docs.iter().map(|t| t.doc.as_str()).collect();
        let mut expected: Vec<String> = std::fs::read_dir(demo())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "respondents.csv")
            .collect();
        expected.sort();
        assert_eq!(names, expected);
        let formats: std::collections::BTreeSet<&str> =
            docs.iter().map(|t| t.format.as_str()).collect();
        assert_eq!(
            formats.into_iter().collect::<Vec<_>>(),
            ["docx", "json", "md", "srt", "txt", "vtt"]
        );
        let cp1251 = docs.iter().filter(|t| t.encoding == "windows-1251").count();
        assert_eq!(cp1251, 1, "the demo has one Windows-1251 file");
        for t in &docs {
            assert!(t.meta.contains_key("respondent"), "{}: csv meta", t.doc);
            let roles: Vec<&str> = t.speakers.iter().map(|s| s.role.as_str()).collect();
            assert!(roles.contains(&"interviewer"), "{}: {roles:?}", t.doc);
            assert!(roles.contains(&"respondent"), "{}: {roles:?}", t.doc);
        }
    }

    /// Colloquial words for run-on speech, no punctuation.
    const RUN_ON: &[&str] = &[
        "ну",
        "вот",
        "значит",
        "мы",
        "с",
        "ними",
        "работаем",
        "давно",
        "и",
        "в",
        "целом",
        "довольны",
        "хотя",
        "бывает",
        "всякое",
        "сроки",
        "поставки",
        "плавают",
        "документы",
        "опаздывают",
        "Саныч",
        "приезжает",
        "ночью",
        "короче",
        "нормально",
        "так",
        "сказать",
        "ёлки",
        "зелёные",
    ];

    fn run_on_words(bytes: usize, seed: u64) -> String {
        let mut out = String::with_capacity(bytes + 32);
        let mut x = seed;
        while out.len() < bytes {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(RUN_ON[(x >> 33) as usize % RUN_ON.len()]);
        }
        out
    }

    /// A 2 MB respondent turn on one line without punctuation is cut into sentences of at
    /// most `MAX_WORDS` words, and no word is lost or repeated.
    #[test]
    fn huge_line_without_punctuation_is_cut_into_short_sentences() {
        let dir = tmp();
        let line = run_on_words(2 << 20, 7);
        let path = write(
            dir.path(),
            "run-on.txt",
            format!("Интервьюер: Расскажите подробно?\nРеспондент: {line}\n"),
        );
        let t = ingest_one(&path);
        assert_eq!(t.turns.len(), 2);
        assert_eq!(t.turn_texts()[1].1, line);
        let sentences = t.sentences_of(1);
        let longest = sentences
            .iter()
            .map(|s| s.split_whitespace().count())
            .max()
            .unwrap();
        assert!(
            longest <= citata::segment::MAX_WORDS,
            "a sentence of {longest} words"
        );
        let words = line.split_whitespace().count();
        assert!(sentences.len() >= words / citata::segment::MAX_WORDS);
        let rejoined: Vec<&str> = sentences
            .iter()
            .flat_map(|s| s.split_whitespace())
            .collect();
        assert!(rejoined.iter().copied().eq(line.split_whitespace()));
    }

    /// Word exports bind short words with no-break spaces ("в\u{a0}целом"); those are word
    /// gaps too, so a long sentence is still cut at `MAX_WORDS`.
    #[test]
    fn long_sentence_with_no_break_spaces_is_still_cut() {
        let dir = tmp();
        let sentence = run_on_words(2000, 11)
            .split(' ')
            .take(60)
            .enumerate()
            .map(|(i, w)| {
                if i % 3 == 0 {
                    format!("{w}\u{a0}")
                } else {
                    format!("{w} ")
                }
            })
            .collect::<String>();
        let sentence = sentence.trim_end();
        assert_eq!(sentence.split_whitespace().count(), 60);
        let path = write(
            dir.path(),
            "nbsp.txt",
            format!("Интервьюер: Как вам?\nРеспондент: {sentence}\n"),
        );
        let t = ingest_one(&path);
        for s in t.sentences_of(1) {
            let n = s.split_whitespace().count();
            assert!(n <= citata::segment::MAX_WORDS, "{n} words: {s}");
        }
    }
}

mod json {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use crate::testenv::*;

    /// ё written decomposed (е + U+0308) is composed; the stress mark U+0301 stays a code
    /// point of its own (there is no precomposed и́), so byte and code point offsets differ.
    const STRESS: &str = "Интервьюер: Как вам новый менеджер? Только честно.\n\
        Респондент: Ну, Олег — парень вежливый, но все\u{308} через почту. Звони\u{301}шь ему, а он: «Напишите письмо». [смеется]\n\
        Раньше Ковалёв сам звонил!\n\
        Интервьюер: Понятно. (пауза) А сервис?\n\
        Респондент: Саныч — золото, приезжает даже ночью.\n";

    fn stress_doc() -> Wire {
        let dir = tmp();
        ingest_one(&write(dir.path(), "stress.txt", STRESS))
    }

    #[test]
    fn offsets_are_code_points_into_the_canonical_text() {
        let t = stress_doc();
        assert_eq!(t.text, STRESS.replace("е\u{308}", "ё"));
        assert_ne!(t.text.len(), t.text.chars().count());
        let spans = t.turns.iter().map(|x| (x.start, x.end));
        for (start, end) in spans.chain(t.sentences.iter().map(|s| (s.start, s.end))) {
            let literal: String = t.text.chars().skip(start).take(end - start).collect();
            assert_eq!(t.slice(start, end), literal);
        }
        assert!(t.text.contains("Звони\u{301}шь"));
        assert_eq!(t.turns[0].start, "Интервьюер: ".chars().count());
        assert_eq!(
            t.turn_texts(),
            pairs(&[
                ("Интервьюер", "Как вам новый менеджер? Только честно."),
                (
                    "Респондент",
                    "Ну, Олег — парень вежливый, но всё через почту. Звони\u{301}шь ему, а он: «Напишите письмо». [смеется]\nРаньше Ковалёв сам звонил!"
                ),
                ("Интервьюер", "Понятно. (пауза) А сервис?"),
                ("Респондент", "Саныч — золото, приезжает даже ночью."),
            ])
        );
        let roles: Vec<&str> = t.turns.iter().map(|x| x.role.as_str()).collect();
        assert_eq!(
            roles,
            ["interviewer", "respondent", "interviewer", "respondent"]
        );
        assert_eq!(
            t.sentence_texts(),
            [
                "Как вам новый менеджер?",
                "Только честно.",
                "Ну, Олег — парень вежливый, но всё через почту.",
                "Звони\u{301}шь ему, а он: «Напишите письмо».",
                "[смеется]",
                "Раньше Ковалёв сам звонил!",
                "Понятно.",
                "(пауза) А сервис?",
                "Саныч — золото, приезжает даже ночью.",
            ]
        );
        let turns: Vec<usize> = t.sentences.iter().map(|s| s.turn).collect();
        assert_eq!(turns, [0, 0, 1, 1, 1, 1, 2, 2, 3]);
    }

    #[test]
    fn marks_and_non_speech_flags() {
        let t = stress_doc();
        let marks: Vec<(usize, String)> = t
            .sentences
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.marks
                    .iter()
                    .flatten()
                    .map(move |m| (i, m))
                    .collect::<Vec<_>>()
            })
            .map(|(i, m)| (i, t.slice(m[0], m[1])))
            .collect();
        assert_eq!(
            marks,
            [(4, "[смеется]".to_string()), (7, "(пауза)".to_string())]
        );
        let flags: Vec<Option<bool>> = t.sentences.iter().map(|s| s.non_speech).collect();
        let mut expected = vec![None; 9];
        expected[4] = Some(true);
        assert_eq!(flags, expected);
    }

    /// Optional fields are left out (not `null`, not empty) when they carry nothing, and the
    /// key sets are exactly the documented ones.
    #[test]
    fn key_sets_are_pinned_and_empty_options_are_omitted() {
        let dir = tmp();
        write(dir.path(), "a.txt", STRESS);
        write(
            dir.path(),
            "b.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nИнтервьюер: Как вы?\n\n2\n00:00:02,500 --> 00:00:04,000\nРеспондент: Хорошо.\n",
        );
        let run = citata([
            "ingest".as_ref(),
            "--format".as_ref(),
            "ndjson".as_ref(),
            dir.path().as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let values: Vec<Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(values.len(), 2);
        let keys =
            |v: &Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
        let set = |ks: &[&str]| -> BTreeSet<String> { ks.iter().map(|k| k.to_string()).collect() };
        for v in &values {
            assert_eq!(
                keys(v),
                set(&[
                    "type",
                    "doc",
                    "format",
                    "encoding",
                    "meta",
                    "text",
                    "speakers",
                    "turns",
                    "sentences",
                    "warnings"
                ])
            );
            assert_eq!(v["type"], "transcript");
            for s in v["speakers"].as_array().unwrap() {
                assert_eq!(keys(s), set(&["label", "role", "role_source"]));
            }
        }
        // The txt has no times: start_time/end_time are absent.
        for turn in values[0]["turns"].as_array().unwrap() {
            assert_eq!(keys(turn), set(&["speaker", "role", "start", "end"]));
        }
        for turn in values[1]["turns"].as_array().unwrap() {
            assert_eq!(
                keys(turn),
                set(&["speaker", "role", "start", "end", "start_time", "end_time"])
            );
        }
        let sentences = values[0]["sentences"].as_array().unwrap();
        assert_eq!(keys(&sentences[0]), set(&["turn", "start", "end"]));
        assert_eq!(
            keys(&sentences[4]),
            set(&["turn", "start", "end", "marks", "non_speech"])
        );
        assert_eq!(keys(&sentences[7]), set(&["turn", "start", "end", "marks"]));
        assert_eq!(sentences[4]["non_speech"], true);
        assert_eq!(values[1]["turns"][1]["start_time"], 2.5);
    }

    /// Every line of the demo corpus fits the schema (decoding denies unknown fields) and
    /// is consistent: enum values, speakers of turns, spans inside the text and the turns.
    #[test]
    fn demo_corpus_lines_fit_the_pinned_schema() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let docs = ingest_ok(&demo);
        assert_eq!(docs.len(), 12);
        for t in &docs {
            assert_eq!(t.r#type, "transcript");
            let len = t.text.chars().count();
            for s in &t.speakers {
                assert!(["interviewer", "respondent"].contains(&s.role.as_str()));
                assert!(
                    ["label", "metadata", "heuristic", "default"].contains(&s.role_source.as_str())
                );
            }
            let mut prev_end = 0;
            for turn in &t.turns {
                let s = t
                    .speakers
                    .iter()
                    .find(|s| s.label == turn.speaker)
                    .unwrap_or_else(|| panic!("{}: unknown speaker {}", t.doc, turn.speaker));
                assert_eq!(s.role, turn.role);
                assert!(prev_end <= turn.start && turn.start < turn.end && turn.end <= len);
                prev_end = turn.end;
            }
            let mut prev_end = 0;
            for s in &t.sentences {
                let turn = &t.turns[s.turn];
                assert!(turn.start <= s.start && s.end <= turn.end, "{}", t.doc);
                assert!(prev_end <= s.start && s.start < s.end, "{}", t.doc);
                prev_end = s.end;
                let text = t.slice(s.start, s.end);
                assert_eq!(text.trim(), text, "{}: sentences are trimmed", t.doc);
                for m in s.marks.iter().flatten() {
                    assert!(s.start <= m[0] && m[0] < m[1] && m[1] <= s.end);
                }
                assert_ne!(
                    s.marks.as_ref().map(Vec::len),
                    Some(0),
                    "empty marks omitted"
                );
                assert_ne!(s.non_speech, Some(false), "false non_speech omitted");
            }
        }
    }
}

mod encodings {
    use crate::testenv::*;

    /// No «» or — here: KOI8-R has neither.
    const INTERVIEW: &str = "Интервьюер: Как вы оцениваете сроки поставки?\n\
        Респондент: Ну, если честно, твёрдая шестёрка. Уплотнения ждали полтора месяца!\n\
        Линия стояла, ёлки-палки, две недели.\n\
        Интервьюер: А что с документами?\n\
        Респондент: ЭДО запустили, стало получше.\n";

    fn crlf(s: &str) -> String {
        s.replace('\n', "\r\n")
    }

    fn utf16(s: &str, bom: [u8; 2], to_bytes: fn(u16) -> [u8; 2]) -> Vec<u8> {
        let mut out = bom.to_vec();
        s.encode_utf16().for_each(|u| out.extend(to_bytes(u)));
        out
    }

    fn single_byte(s: &str, enc: &'static encoding_rs::Encoding) -> Vec<u8> {
        let (bytes, _, unmappable) = enc.encode(s);
        assert!(!unmappable, "{} cannot encode the fixture", enc.name());
        bytes.into_owned()
    }

    #[test]
    fn every_encoding_gives_the_same_canonical_text() {
        let dir = tmp();
        let files: [(&str, Vec<u8>, &str); 8] = [
            ("utf8.txt", INTERVIEW.into(), "UTF-8"),
            ("utf8-crlf.txt", crlf(INTERVIEW).into(), "UTF-8"),
            (
                "utf8-bom.txt",
                [b"\xEF\xBB\xBF".as_slice(), INTERVIEW.as_bytes()].concat(),
                "UTF-8",
            ),
            (
                "utf16le.txt",
                utf16(&crlf(INTERVIEW), [0xFF, 0xFE], u16::to_le_bytes),
                "UTF-16LE",
            ),
            (
                "utf16be.txt",
                utf16(INTERVIEW, [0xFE, 0xFF], u16::to_be_bytes),
                "UTF-16BE",
            ),
            (
                "cp1251.txt",
                single_byte(&crlf(INTERVIEW), encoding_rs::WINDOWS_1251),
                "windows-1251",
            ),
            (
                "koi8r.txt",
                single_byte(INTERVIEW, encoding_rs::KOI8_R),
                "KOI8-R",
            ),
            (
                "koi8r-crlf.txt",
                single_byte(&crlf(INTERVIEW), encoding_rs::KOI8_R),
                "KOI8-R",
            ),
        ];
        for (name, bytes, _) in &files {
            write(dir.path(), name, bytes);
        }
        let docs = ingest_ok(dir.path());
        assert_eq!(docs.len(), files.len());
        for (name, _, encoding) in &files {
            let t = docs
                .iter()
                .find(|t| t.doc == *name)
                .unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(t.encoding, *encoding, "{name}");
            assert_eq!(t.text, INTERVIEW, "{name}: canonical text");
            assert_eq!(
                t.turn_texts()[1],
                (
                    "Респондент".to_string(),
                    "Ну, если честно, твёрдая шестёрка. Уплотнения ждали полтора месяца!\nЛиния стояла, ёлки-палки, две недели.".to_string()
                ),
                "{name}"
            );
            assert_eq!(t.sentences.len(), 6, "{name}");
        }
    }

    /// Word exports in Windows-1251 carry «», — and №, which are bytes outside the letters.
    #[test]
    fn windows_1251_with_typographic_punctuation() {
        let text = "Интервьюер: Что скажете про цех № 3?\n\
            Респондент: Ну, «ГидроМаш» дешевле — это факт. А ваши насосы пашут по двадцать лет.\n";
        let dir = tmp();
        let t = ingest_one(&write(
            dir.path(),
            "cp1251.txt",
            single_byte(text, encoding_rs::WINDOWS_1251),
        ));
        assert_eq!(t.encoding, "windows-1251");
        assert_eq!(t.text, text);
        assert_eq!(
            t.sentences_of(1),
            [
                "Ну, «ГидроМаш» дешевле — это факт.",
                "А ваши насосы пашут по двадцать лет."
            ]
        );
    }

    #[test]
    fn lone_carriage_returns_become_line_feeds() {
        let dir = tmp();
        let path = write(dir.path(), "mac.txt", INTERVIEW.replace('\n', "\r"));
        let t = ingest_one(&path);
        assert_eq!(t.text, INTERVIEW);
        assert_eq!(t.turns.len(), 4);
    }
}

mod bad_input {
    use crate::testenv::*;

    /// The stderr line that names `file`; exactly one.
    fn error_for<'a>(stderr: &'a str, file: &str) -> &'a str {
        let sep = std::path::MAIN_SEPARATOR;
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains(&format!("{sep}{file}:")))
            .collect();
        assert_eq!(lines.len(), 1, "one error line for {file} in:\n{stderr}");
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        lines[0]
    }

    fn good_files(dir: &std::path::Path) {
        write(
            dir,
            "01-good.txt",
            "Интервьюер: Как вам сервис?\nРеспондент: Саныч приезжает даже ночью.\n",
        );
        write(
            dir,
            "02-good.vtt",
            "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Интервьюер>А цены?\n\n00:03.500 --> 00:06.000\n<v Респондент>Кусаются, честно говоря.\n",
        );
        write(
            dir,
            "03-good.docx",
            docx(&[para("И: Документы как?"), para("Р: С ЭДО получше.")].concat()),
        );
        write(
            dir,
            "04-no-labels.txt",
            "Ну мы с ними давно работаем, лет десять уже.\nВ целом довольны, но цены кусаются.\n",
        );
    }

    fn bad_files(dir: &std::path::Path) {
        write(dir, "empty.txt", "");
        write(dir, "blank.md", "  \n\t\n   \r\n");
        write(
            dir,
            "picture.txt",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0",
        );
        let mut broken = "Интервьюер: Как вам поставки?\nРеспондент: Ну, нормально.\n"
            .as_bytes()
            .to_vec();
        broken.extend_from_slice(b"\xD0 \xFF\xFE ");
        broken
            .extend_from_slice("ещё строка, и ещё много нормального текста по-русски\n".as_bytes());
        write(dir, "broken-utf8.txt", broken);
        write(
            dir,
            "old-word.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old Word 97 file",
        );
        write(
            dir,
            "not-word.docx",
            zip_with(&[("content.xml", "<office:document/>")]),
        );
        let line = "Респондент: ну да, да, вот так.\n";
        write(dir, "huge.txt", line.repeat((2 << 20) / line.len() + 1));
        write(
            dir,
            "bad-timing.vtt",
            "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Интервьюер>Как вам?\n\n2\n00:03.500 --> 00.06.000\n<v Респондент>Нормально.\n",
        );
        write(
            dir,
            "broken.json",
            "{\n  \"turns\": [\n    {\"speaker\": \"Р\" \"text\": \"да\"}\n  ]\n}\n",
        );
    }

    #[test]
    fn a_batch_reports_each_bad_file_and_keeps_the_good_ones() {
        let dir = tmp();
        good_files(dir.path());
        bad_files(dir.path());
        write(dir.path(), "README.txt", "");
        write(dir.path(), "notes.pdf", b"%PDF-1.4\0\0");
        let huge = std::fs::metadata(dir.path().join("huge.txt"))
            .unwrap()
            .len();
        assert!(huge > 2_000_000, "{huge}");
        let before = snapshot(dir.path());

        let (docs, run) = ingest_ndjson(dir.path(), &["--max-file-mb", "1"]);
        assert_eq!(run.code, 2);
        let names: Vec<&str> = docs.iter().map(|t| t.doc.as_str()).collect();
        assert_eq!(
            names,
            [
                "01-good.txt",
                "02-good.vtt",
                "03-good.docx",
                "04-no-labels.txt"
            ]
        );
        let reasons: &[(&str, &[&str])] = &[
            ("empty.txt", &["empty"]),
            ("blank.md", &["empty"]),
            ("picture.txt", &["binary"]),
            ("broken-utf8.txt", &["invalid UTF-8 at line 3"]),
            ("old-word.docx", &["not a zip"]),
            ("not-word.docx", &["no word/document.xml"]),
            ("huge.txt", &["over the limit", "--max-file-mb"]),
            ("bad-timing.vtt", &["line 7", "malformed timing line"]),
            ("broken.json", &["invalid JSON at line 3"]),
        ];
        for (file, words) in reasons {
            let line = error_for(&run.stderr, file);
            for w in *words {
                assert!(line.contains(w), "{file}: expected {w:?} in {line}");
            }
        }
        assert_eq!(run.stderr.lines().count(), reasons.len(), "{}", run.stderr);
        assert!(!run.stderr.contains("README") && !run.stderr.contains("notes.pdf"));
        assert_eq!(
            snapshot(dir.path()),
            before,
            "nothing is written into the input folder"
        );

        // The text summary counts the same.
        let run = citata([
            "ingest".as_ref(),
            "--max-file-mb".as_ref(),
            "1".as_ref(),
            dir.path().as_os_str(),
        ]);
        assert_eq!(run.code, 2);
        let last = run.stdout.lines().last().unwrap();
        assert!(last.starts_with("4 transcript(s), "), "{last}");
        assert!(last.ends_with("; 9 failed"), "{last}");
        assert_eq!(snapshot(dir.path()), before);
    }

    #[test]
    fn text_without_labels_is_one_respondent_turn_with_a_warning() {
        let dir = tmp();
        good_files(dir.path());
        let t = ingest_one(&dir.path().join("04-no-labels.txt"));
        assert_eq!(
            t.speakers(),
            [("Респондент (без метки)", "respondent", "default")]
        );
        assert_eq!(
            t.turn_texts()[0].1,
            "Ну мы с ними давно работаем, лет десять уже.\nВ целом довольны, но цены кусаются."
        );
        assert_eq!(t.warnings.len(), 1);
        assert!(
            t.warnings[0].contains("no speaker labels"),
            "{:?}",
            t.warnings
        );
    }

    #[test]
    fn the_bomb_builder_makes_a_valid_docx() {
        let bytes = bomb_docx(2);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
            .expect("inflates, and the CRC matches");
        assert_eq!(xml.len() as u64, bomb_xml_len(2));
        assert_eq!(xml, bomb_xml(2));
    }

    /// A real bomb: ~2 MB of .docx whose document.xml inflates to just over the 256 MiB
    /// default cap (the CLI has no flag for the cap). Refused, the rest of the batch read.
    #[test]
    fn docx_zip_bomb_over_the_default_cap_is_refused() {
        let cap: u64 = citata::ingest::IngestConfig::default().max_docx_xml_bytes;
        let blocks = bomb_blocks_over(cap);
        assert!(bomb_xml_len(blocks) > cap && bomb_xml_len(blocks) < cap + (1 << 20));
        let bytes = bomb_docx(blocks);
        assert!(bytes.len() < 3 << 20, "{} bytes", bytes.len());
        let dir = tmp();
        write(dir.path(), "bomb.docx", &bytes);
        good_files(dir.path());
        let (docs, run) = ingest_ndjson(dir.path(), &[]);
        assert_eq!(run.code, 2);
        assert_eq!(docs.len(), 4);
        let line = error_for(&run.stderr, "bomb.docx");
        assert!(line.contains("zip bomb"), "{line}");
        assert!(line.contains(&cap.to_string()), "{line}");
    }

    #[test]
    fn malformed_respondents_csv_aborts_with_its_line() {
        let dir = tmp();
        good_files(dir.path());
        write(
            dir.path(),
            "respondents.csv",
            "file,respondent,division\n01-good.txt,Р-01,Закупки\n02-good.vtt,Р-02,Производство,лишнее\n",
        );
        let run = citata(["ingest".as_ref(), dir.path().as_os_str()]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        let line = run.stderr.lines().next().unwrap_or_default();
        assert!(line.contains("respondents.csv"), "{}", run.stderr);
        assert!(line.contains("line 3"), "{}", run.stderr);

        write(
            dir.path(),
            "respondents.csv",
            "name,division\n01-good.txt,Закупки\n",
        );
        let run = citata(["ingest".as_ref(), dir.path().as_os_str()]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("respondents.csv"), "{}", run.stderr);
        assert!(run.stderr.contains("no `file` column"), "{}", run.stderr);
    }

    #[test]
    fn missing_path_exits_2_and_names_it() {
        let dir = tmp();
        let missing = dir.path().join("нет-такого.txt");
        let run = citata(["ingest".as_ref(), missing.as_os_str()]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains("нет-такого.txt"), "{}", run.stderr);
    }

    #[test]
    fn folder_without_transcripts_exits_2_with_a_clear_message() {
        let dir = tmp();
        write(dir.path(), "notes.pdf", b"%PDF-1.4");
        write(dir.path(), "README.md", "# Интервью\n");
        write(dir.path(), ".hidden.txt", "Респондент: да\n");
        let run = citata(["ingest".as_ref(), dir.path().as_os_str()]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.contains("no transcripts found in"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(".txt, .md, .docx"), "{}", run.stderr);
    }

    #[test]
    fn bad_arguments_exit_2() {
        assert_eq!(citata(["ingest"]).code, 2);
        let dir = tmp();
        let run = citata([
            "ingest".as_ref(),
            "--max-file-mb".as_ref(),
            "много".as_ref(),
            dir.path().as_os_str(),
        ]);
        assert_eq!(run.code, 2);
        assert_eq!(citata(["ingest", "--format", "xml", "."]).code, 2);
    }
}

mod prop {
    use citata::ingest::{IngestConfig, canonicalize, ingest_bytes};
    use citata::model::Format;
    use citata::text::Analyzer;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    const PIECES: &[&str] = &[
        "Интервьюер: ",
        "Респондент: ",
        "И: ",
        "Р:",
        "Q: ",
        "A: ",
        "Модератор: ",
        "Спикер 1: ",
        "Спикер 2:",
        "Анна Петрова: ",
        "**И:** ",
        "**Р:**",
        "[00:01:02] ",
        "00:12:31 ",
        "\n",
        "\n\n",
        "\r\n",
        "\r",
        ". ",
        "! ",
        "? ",
        "… ",
        "...",
        "?!",
        ".",
        "«",
        "»",
        " — ",
        ", ",
        ",",
        "\u{301}",
        "ё",
        "Ё",
        "[смеется]",
        "(пауза)",
        "(",
        "]",
        "т.е. ",
        "8.5",
        "# ",
        "---\n",
        ":",
        "-",
        "\t",
        "\u{a0}",
        "ну ",
        "вот ",
    ];

    fn transcript() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            6 => "[а-яА-ЯёЁ]{1,9}",
            3 => Just(" ".to_string()),
            5 => prop::sample::select(PIECES).prop_map(str::to_string),
        ];
        prop::collection::vec(piece, 0..300).prop_map(|v| v.concat())
    }

    fn mixed_text() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            4 => prop::char::range('а', 'я'),
            1 => prop::char::range('А', 'Я'),
            1 => prop::char::range('\u{400}', '\u{4ff}'),
            2 => prop::char::range('a', 'z'),
            1 => prop::char::range('\u{c0}', '\u{17f}'),
            3 => prop::char::range('\u{300}', '\u{36f}'),
            2 => prop::char::range('\u{483}', '\u{489}'),
            2 => prop::char::range('\u{2000}', '\u{2050}'),
            1 => prop::char::range('\u{1100}', '\u{1112}'),
            1 => prop::char::range('\u{1161}', '\u{1175}'),
            1 => prop::char::range('\u{11a8}', '\u{11c2}'),
            1 => prop::char::range('\u{ac00}', '\u{d7a3}'),
            1 => prop::sample::select(vec![' ', '\n', '\r', 'ё', 'е', 'и', 'e']),
        ];
        (any::<bool>(), prop::collection::vec(ch, 0..80)).prop_map(|(bom, chars)| {
            let body: String = chars.into_iter().collect();
            if bom { format!("\u{feff}{body}") } else { body }
        })
    }

    fn on_boundaries(text: &str, start: usize, end: usize) -> bool {
        start <= end
            && end <= text.len()
            && text.is_char_boundary(start)
            && text.is_char_boundary(end)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn spans_are_consistent(raw in transcript(), md in any::<bool>()) {
            let format = if md { Format::Md } else { Format::Txt };
            let t = match ingest_bytes("p.txt", format, raw.as_bytes(), &IngestConfig::default()) {
                Ok(t) => t,
                Err(e) => {
                    prop_assert!(raw.trim().is_empty(), "refused {raw:?}: {e}");
                    return Ok(());
                }
            };
            let text = &t.text;
            prop_assert!(!text.contains('\r'));
            let mut prev = 0;
            for turn in &t.turns {
                prop_assert!(on_boundaries(text, turn.span.start, turn.span.end));
                prop_assert!(prev <= turn.span.start, "turns overlap");
                prop_assert!(turn.speaker < t.speakers.len());
                prev = turn.span.end;
            }
            let mut prev = (0, 0);
            let mut analyzer = Analyzer::new();
            for s in &t.sentences {
                prop_assert!(on_boundaries(text, s.span.start, s.span.end));
                prop_assert!(s.span.start < s.span.end, "empty sentence");
                prop_assert!(t.turns[s.turn].span.contains(s.span), "sentence outside its turn");
                prop_assert!((prev.0 <= s.turn) && prev.1 <= s.span.start, "sentences out of order");
                prev = (s.turn, s.span.end);
                let mut mark_end = s.span.start;
                for m in &s.marks {
                    prop_assert!(on_boundaries(text, m.start, m.end));
                    prop_assert!(s.span.contains(*m) && mark_end <= m.start);
                    mark_end = m.end;
                }
                let sentence = t.slice(s.span);
                let mut tok_end = 0;
                for tok in analyzer.tokens(sentence) {
                    let (a, b) = (tok.span.start, tok.span.end);
                    prop_assert!(a < b && tok_end <= a, "token spans in order");
                    prop_assert!(on_boundaries(sentence, a, b));
                    prop_assert!(!sentence[a..b].chars().any(char::is_whitespace), "{:?}", &sentence[a..b]);
                    tok_end = b;
                }
            }
        }

        #[test]
        fn canonicalize_is_nfc_with_lf_and_no_bom(s in mixed_text()) {
            let expected: String = s
                .strip_prefix('\u{feff}')
                .unwrap_or(&s)
                .replace("\r\n", "\n")
                .replace('\r', "\n")
                .nfc()
                .collect();
            prop_assert_eq!(canonicalize(s.clone()), expected);
        }
    }
}
