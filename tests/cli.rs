//! End-to-end tests of the `citata` binary on files written into temporary folders, and
//! property tests of ingestion on the library.
//!
//! - `feature`: every input format and speaker-label variant, metadata, exit codes on the
//!   demo corpus, huge lines;
//! - `json`: the NDJSON output schema and its code point offsets;
//! - `encodings`: one transcript in every supported encoding;
//! - `bad_input`: a batch with broken files, malformed respondents.csv, missing paths;
//! - `tag`: `citata tag` on small codebooks written here: keyword and context codings,
//!   polarity, wishes, comparisons, code point offsets, CSV and table output, exit codes,
//!   broken codebooks, deterministic output, the summary on stderr;
//! - `codebook`: `citata codebook check | explain | audit`;
//! - `quotes`: `citata quotes` on small codebooks written here: the NDJSON schema, ranks,
//!   attributions, polarities and code point spans, masking of names, phones and e-mails,
//!   `--top`, `--param`, `--polarity`, diversity, cut marks, Markdown and table output,
//!   `--weights`, bad input, and the demo corpus with the embedded codebook;
//! - `prop`: proptest invariants of spans, sentences, tokens and canonicalization, and of
//!   the codings of tagging.
//! - `refi`: `citata export qdpx` (round trip through `import qdpx` against `tag` and
//!   `quotes`, the XSD via xmllint, byte-identical output), `import qdpx` of another tool's
//!   project (CRLF, emoji, `Sources/`) and of broken packages, the `.qdc` round trip, and
//!   `citata agree` on a hand-made project with figures computed by hand.
//! - `office`: `citata report --out .docx | .xlsx` unzipped and read: headings, tables and
//!   quotes against the Markdown report, the sheets against the JSON report, the coding
//!   matrix against `ingest` and `tag`; byte-identical reruns; a failed run keeps the old file.

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
                    "Ну, по-разному бывает.\nКто-то срывает сроки, кто-то нет."
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
    fn demo_corpus_exits_0_and_the_summary_counts_16_transcripts() {
        let run = citata(["ingest".as_ref(), demo().as_os_str()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
        let last = run.stdout.lines().last().expect("a summary line");
        assert!(last.starts_with("16 transcript(s), "), "{last}");
        assert!(last.ends_with("; 0 failed"), "{last}");
        let headers = run.stdout.lines().filter(|l| l.starts_with("w2")).count();
        assert_eq!(headers, 16, "one header line per transcript");
    }

    #[test]
    fn demo_corpus_as_ndjson_has_every_file_once_in_order() {
        let docs = ingest_ok(&demo());
        let names: Vec<&str> = docs.iter().map(|t| t.doc.as_str()).collect();
        let mut expected: Vec<String> = std::fs::read_dir(demo())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            // The metadata, the study file, pins and hidden folders (an index) are not
            // transcripts.
            .filter(|n| {
                n != "respondents.csv"
                    && n != "citata.toml"
                    && n != "pins.toml"
                    && !n.starts_with('.')
            })
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

// See: issue #13. One fixture per label style seen in real transcripts
// (tests/fixtures/styles/, written for these tests): speakers and roles, turn count, a phrase
// inside a respondent turn and one inside an interviewer turn, and no label, timestamp or
// markup inside any turn's text.
mod styles {
    use std::path::PathBuf;

    use super::testenv::*;

    struct Case {
        file: &'static str,
        speakers: &'static [(&'static str, &'static str)],
        turns: usize,
        respondent_says: &'static str,
        interviewer_says: Option<&'static str>,
        warning: Option<&'static str>,
    }

    const CASES: &[Case] = &[
        Case {
            file: "bold-timestamp.md",
            speakers: &[("Интервьюер", "interviewer"), ("Респондент", "respondent")],
            turns: 4,
            respondent_says: "Склад рядом — это прям спасение.",
            interviewer_says: Some("А по десятибалльной?"),
            warning: None,
        },
        Case {
            file: "bold-speaker-number.md",
            speakers: &[("Speaker 1", "interviewer"), ("Speaker 2", "respondent")],
            turns: 4,
            respondent_says: "Сейчас через Диадок, полегче.",
            interviewer_says: Some("А оригиналы паспортов?"),
            warning: None,
        },
        Case {
            file: "bracket-roles.txt",
            speakers: &[
                ("Модератор (Анастасия)", "interviewer"),
                ("Анна Юрьевна (Эксперт)", "respondent"),
            ],
            turns: 6,
            respondent_says: "Дорого. Каждый год плюс пятнадцать процентов,\nа сервис лучше не становится.",
            interviewer_says: Some("Как вы оцениваете цены?"),
            warning: None,
        },
        Case {
            file: "placeholder-bold.md",
            speakers: &[
                ("[имя] (Интервьюер)", "interviewer"),
                ("[имя] (Респондент)", "respondent"),
            ],
            turns: 4,
            respondent_says: "Ну, шесть.",
            interviewer_says: Some("Как вам работа менеджера?"),
            warning: None,
        },
        Case {
            file: "at-signs.txt",
            speakers: &[("Даша", "interviewer"), ("Мама", "respondent")],
            turns: 6,
            respondent_says: "Поначалу нет. Цех шумный",
            interviewer_says: Some("А тебе нравилось?"),
            warning: None,
        },
        Case {
            file: "int-resp.txt",
            speakers: &[("ИНТ", "interviewer"), ("РЕСП", "respondent")],
            turns: 6,
            respondent_says: "Без этой истории было бы девять",
            interviewer_says: Some("Это повлияло на оценку?"),
            warning: None,
        },
        Case {
            file: "vo-letters.txt",
            speakers: &[("В", "interviewer"), ("О", "respondent")],
            turns: 6,
            respondent_says: "Приезжает Саныч",
            interviewer_says: Some("Оценка?"),
            warning: None,
        },
        Case {
            file: "header-speaker.txt",
            speakers: &[("Спикер 1", "interviewer"), ("Спикер 2", "respondent")],
            turns: 4,
            respondent_says: "Многие старые, по пятнадцать-двадцать лет.",
            interviewer_says: Some("Как вы оцениваете модернизацию парка?"),
            warning: None,
        },
        Case {
            file: "header-range.txt",
            speakers: &[("Speaker 1", "interviewer"), ("Speaker 2", "respondent")],
            turns: 4,
            respondent_says: "Менеджер поменялся.",
            interviewer_says: Some("А почему замедлилось?"),
            warning: None,
        },
        Case {
            file: "speaker-paren.txt",
            speakers: &[("SPEAKER_00", "interviewer"), ("SPEAKER_01", "respondent")],
            turns: 4,
            respondent_says: "Раньше Ковалёв сам звонил",
            interviewer_says: Some("А раньше?"),
            warning: None,
        },
        Case {
            file: "otter.txt",
            speakers: &[("Speaker 1", "interviewer"), ("Speaker 2", "respondent")],
            turns: 4,
            respondent_says: "Рамочный договор с ценой на год",
            interviewer_says: Some("Что-то ещё?"),
            warning: None,
        },
        Case {
            file: "scribe.txt",
            speakers: &[("speaker_0", "interviewer"), ("speaker_1", "respondent")],
            turns: 4,
            respondent_says: "Рекламацию месяц оформляли.",
            interviewer_says: Some("Как вам логистика?"),
            warning: None,
        },
        Case {
            file: "inline-timecodes.txt",
            speakers: &[("Интервьюер", "interviewer"), ("Респондент", "respondent")],
            turns: 4,
            respondent_says: "Долго. Весной подали по подшипникам, так три месяца тянулось. Никто не отвечал. Потом уже через директора решили.",
            interviewer_says: Some("Давайте про рекламации."),
            warning: None,
        },
        Case {
            file: "stacked.txt",
            speakers: &[("Интервьюер", "interviewer"), ("Респондент", "respondent")],
            turns: 5,
            respondent_says: "Ну и бумажные оригиналы теперь не теряются.",
            interviewer_says: Some("Какую оценку вы бы поставили?"),
            warning: None,
        },
        Case {
            file: "alternating.txt",
            speakers: &[
                ("Спикер А (вопросы)", "interviewer"),
                ("Спикер Б (ответы)", "respondent"),
            ],
            turns: 10,
            respondent_says: "Семь. Он вежливый, но сам никогда не звонит.",
            interviewer_says: Some("А что не нравится?"),
            warning: Some("alternate question / answer"),
        },
        Case {
            file: "captions.txt",
            speakers: &[("Респондент (без метки)", "respondent")],
            turns: 1,
            respondent_says: "перевести всю документацию в электронный вид",
            interviewer_says: None,
            warning: Some("no speaker labels found"),
        },
        Case {
            file: "mixed.txt",
            speakers: &[("Даша", "interviewer"), ("Бабушка", "respondent")],
            turns: 6,
            respondent_says: "В: общем, стеснялась.",
            interviewer_says: Some("И ты согласилась?"),
            warning: None,
        },
        Case {
            file: "whisperx.srt",
            speakers: &[("SPEAKER_00", "interviewer"), ("SPEAKER_01", "respondent")],
            turns: 4,
            respondent_says: "Консигнационный склад очень помог.",
            interviewer_says: Some("А по десятибалльной шкале?"),
            warning: None,
        },
        Case {
            file: "names-brackets.srt",
            speakers: &[("Марина", "interviewer"), ("Олег", "respondent")],
            turns: 4,
            respondent_says: "Тогда звоню напрямую",
            interviewer_says: Some("А если что-то срочное?"),
            warning: Some("credit the translator"),
        },
        Case {
            file: "dashes.vtt",
            speakers: &[("Респондент (без метки)", "respondent")],
            turns: 4,
            respondent_says: "Обещали к пятнице.",
            interviewer_says: None,
            warning: Some("no speaker marks"),
        },
        Case {
            file: "speechkit-v2.json",
            speakers: &[("Канал 1", "interviewer"), ("Канал 2", "respondent")],
            turns: 5,
            respondent_says: "склад рядом помогает",
            interviewer_says: Some("а как вы оцениваете сроки"),
            warning: Some("sentence boundaries are inferred"),
        },
        Case {
            file: "speechkit-v3.json",
            speakers: &[("Канал 0", "interviewer"), ("Канал 1", "respondent")],
            turns: 4,
            respondent_says: "После перехода на ЭДО стало лучше. Семь.",
            interviewer_says: Some("А что мешает поставить выше?"),
            warning: None,
        },
        Case {
            file: "whisperx.json",
            speakers: &[("SPEAKER_00", "interviewer"), ("SPEAKER_01", "respondent")],
            turns: 4,
            respondent_says: "Раньше всё решалось одним звонком. Сейчас пишем письма",
            interviewer_says: Some("А какую оценку поставите?"),
            warning: None,
        },
        Case {
            file: "elevenlabs.json",
            speakers: &[("speaker_0", "interviewer"), ("speaker_1", "respondent")],
            turns: 2,
            respondent_says: "Золото, а не человек.",
            interviewer_says: Some("Как вам сервис?"),
            warning: None,
        },
        Case {
            file: "xml-saved.txt",
            speakers: &[("Интервьюер", "interviewer"), ("Респондент", "respondent")],
            turns: 2,
            respondent_says: "Сервис хороший, инженер приезжает быстро.",
            interviewer_says: Some("Как вы оцениваете сервис?"),
            warning: Some("XML/HTML saved as .txt"),
        },
    ];

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/styles")
            .join(name)
    }

    /// Markup that must never be inside speech: bold, timestamps, labels' colons at the start.
    fn assert_clean(file: &str, speaker: &str, text: &str) {
        for bad in ["**", "__", "[00:", "(00:", "gr=", "<w>", "-->"] {
            assert!(
                !text.contains(bad),
                "{file}: {bad:?} in the turn of {speaker}: {text:?}"
            );
        }
        for label in [
            "Интервьюер:",
            "Респондент:",
            "Модератор",
            "Эксперт)",
            "SPEAKER_",
            "Speaker ",
            "Спикер ",
            "speaker_",
            "ИНТ:",
            "РЕСП:",
            "Даша@",
            "Мама@",
            "Перевод:",
            "Субтитры:",
        ] {
            assert!(
                !text.contains(label),
                "{file}: label {label:?} in the turn of {speaker}: {text:?}"
            );
        }
        assert!(
            !text.trim_start().starts_with(|c: char| c.is_ascii_digit()) || !text.contains(':'),
            "{file}: a timestamp opens the turn of {speaker}: {text:?}"
        );
    }

    #[test]
    fn every_style_gives_its_speakers_roles_turns_and_clean_speech() {
        let mut failures = Vec::new();
        for case in CASES {
            let t = ingest_one(&fixture(case.file));
            let speakers: Vec<(&str, &str)> = t
                .speakers
                .iter()
                .map(|s| (s.label.as_str(), s.role.as_str()))
                .collect();
            if speakers != case.speakers {
                failures.push(format!(
                    "{}: speakers {speakers:?}, want {:?}",
                    case.file, case.speakers
                ));
                continue;
            }
            if t.turns.len() != case.turns {
                failures.push(format!(
                    "{}: {} turns, want {}",
                    case.file,
                    t.turns.len(),
                    case.turns
                ));
            }
            let texts = t.turn_texts();
            let said_by = |role: &str, phrase: &str| {
                texts
                    .iter()
                    .zip(&t.turns)
                    .any(|((_, text), turn)| turn.role == role && text.contains(phrase))
            };
            if !said_by("respondent", case.respondent_says) {
                failures.push(format!(
                    "{}: no respondent turn says {:?}: {texts:?}",
                    case.file, case.respondent_says
                ));
            }
            if let Some(q) = case.interviewer_says
                && !said_by("interviewer", q)
            {
                failures.push(format!(
                    "{}: no interviewer turn says {q:?}: {texts:?}",
                    case.file
                ));
            }
            if let Some(w) = case.warning
                && !t.warnings.iter().any(|x| x.contains(w))
            {
                failures.push(format!(
                    "{}: no warning with {w:?}: {:?}",
                    case.file, t.warnings
                ));
            }
            for (speaker, text) in &texts {
                assert_clean(case.file, speaker, text);
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn turn_start_times_from_every_timestamp_style() {
        let times = |file: &str| {
            ingest_one(&fixture(file))
                .turns
                .iter()
                .map(|t| t.start_time)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            times("bold-timestamp.md"),
            [Some(0.0), Some(9.0), Some(62.0), Some(65.0)]
        );
        assert_eq!(times("header-range.txt")[3], Some(113.66));
        assert_eq!(times("inline-timecodes.txt")[..2], [Some(2.0), Some(6.0)]);
        assert_eq!(times("otter.txt")[2], Some(75.0));
        assert_eq!(times("speechkit-v2.json")[0], Some(0.5));
        let dir = tmp();
        let path = write(
            dir.path(),
            "clock.srt",
            "1\n0:00:03,700 --> 0:00:05,100\nСпикер 1: Да.\n\n2\n00:00:02.82 --> 00:00:09.00\nСпикер 2: Нет.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.turns.iter().map(|t| t.start_time).collect::<Vec<_>>(),
            [Some(3.7), Some(2.82)]
        );
        let path = write(
            dir.path(),
            "long.txt",
            "[01:28:36] Интервьюер: Вопрос?\n[02:37] Респондент: Ответ.\n",
        );
        let t = ingest_one(&path);
        assert_eq!(
            t.turns.iter().map(|t| t.start_time).collect::<Vec<_>>(),
            [Some(5316.0), Some(157.0)]
        );
    }

    #[test]
    fn check_names_speakers_roles_sources_and_doubts() {
        let run = citata([
            "ingest".as_ref(),
            "--check".as_ref(),
            fixture("speechkit-v2.json").as_os_str(),
            fixture("bold-timestamp.md").as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let out = &run.stdout;
        assert!(
            out.contains("Канал 1  interviewer heuristic     3 turns"),
            "{out}"
        );
        assert!(
            out.contains("unsure: the role of «Канал 2» (respondent) is guessed"),
            "{out}"
        );
        assert!(
            out.contains("Респондент  respondent  label         2 turns"),
            "{out}"
        );
        assert!(out.contains("  ok\n"), "{out}");
    }

    #[test]
    fn the_user_names_the_interviewer() {
        let run = citata([
            "ingest".as_ref(),
            "--check".as_ref(),
            "--interviewer".as_ref(),
            "Speaker 2".as_ref(),
            fixture("otter.txt").as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains("Speaker 2  interviewer user "),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("Speaker 1  respondent  user "),
            "{}",
            run.stdout
        );
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
        assert_eq!(docs.len(), 16);
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

mod tag {
    use std::ffi::OsStr;
    use std::path::{Path, PathBuf};

    use serde::Deserialize;

    use crate::testenv::*;

    // -----------------------------------------------------------------------------------
    // The pinned NDJSON schema of `citata tag` (mirrors WireCoding and WireTerm in
    // src/cli/tag.rs)

    /// One line of `citata tag --format ndjson`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Coding {
        pub r#type: String,
        pub doc: String,
        pub turn: usize,
        pub sentence: usize,
        pub speaker: String,
        pub role: String,
        pub start: usize,
        pub end: usize,
        pub text: String,
        pub param: Option<String>,
        pub level: Option<String>,
        pub source: String,
        pub terms: Vec<Term>,
        pub polarity: String,
        pub polarity_score: f64,
        pub wish: bool,
        pub comparison: bool,
        pub decision: Option<String>,
        pub coder: Option<String>,
    }

    /// One matched term of a coding.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Term {
        pub entry: String,
        pub start: usize,
        pub end: usize,
        pub text: String,
    }

    impl Coding {
        /// `(entry, text)` per matched term.
        pub fn term_texts(&self) -> Vec<(&str, &str)> {
            self.terms
                .iter()
                .map(|h| (h.entry.as_str(), h.text.as_str()))
                .collect()
        }
    }

    /// Decodes one line of `citata tag --format ndjson` (unknown fields are an error).
    pub fn decode_coding(line: &str) -> Coding {
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line does not fit the coding schema: {e}\n{line}"))
    }

    /// `citata tag PATH [--codebook CB] EXTRA...`.
    pub fn tag_run(path: &Path, codebook: Option<&Path>, extra: &[&str]) -> Run {
        let mut args: Vec<&OsStr> = vec!["tag".as_ref(), path.as_os_str()];
        if let Some(cb) = codebook {
            args.extend(["--codebook".as_ref(), cb.as_os_str()]);
        }
        args.extend(extra.iter().map(OsStr::new));
        citata(&args)
    }

    /// `citata tag --format ndjson`: the decoded codings and the run.
    pub fn tag_ndjson(path: &Path, codebook: Option<&Path>, extra: &[&str]) -> (Vec<Coding>, Run) {
        let mut args = vec!["--format", "ndjson"];
        args.extend_from_slice(extra);
        let run = tag_run(path, codebook, &args);
        let codings = run.stdout.lines().map(decode_coding).collect();
        (codings, run)
    }

    /// Tags one path that must succeed with `--quiet` and nothing on stderr.
    pub fn tag_ok(path: &Path, codebook: Option<&Path>) -> Vec<Coding> {
        let (codings, run) = tag_ndjson(path, codebook, &["--quiet"]);
        assert_eq!(run.code, 0, "citata tag failed: {}", run.stderr);
        assert_eq!(run.stderr, "", "unexpected stderr");
        codings
    }

    /// The text between two code point offsets, the way a consumer of the JSON counts.
    pub fn chars(text: &str, start: usize, end: usize) -> String {
        assert!(start <= end, "span {start}..{end} is reversed");
        text.chars().skip(start).take(end - start).collect()
    }

    // -----------------------------------------------------------------------------------
    // Fixtures

    /// A small codebook: three parameters on two levels, each with term and question
    /// entries of different kinds (phrase, lemma, exact form with ё = е).
    pub const CODEBOOK: &str = r#"name = "Закупки: тест"
version = "t1"

[[levels]]
id = "proc"
name = "Процессный уровень"

[[levels]]
id = "pers"
name = "Личностный уровень"

[[parameters]]
id = "delivery"
level = "proc"
name = "Сроки поставки"
terms = ["срок поставки", "вовремя", "опаздывать"]
questions = ["сроки"]

[[parameters]]
id = "price"
level = "proc"
name = "Цены"
terms = ["цена", "дорого"]
questions = ["деньги"]

[[parameters]]
id = "manager"
level = "pers"
name = "Менеджер"
terms = ["менеджер", "=Олег", "=Ковалев"]
questions = ["на связи"]
"#;

    /// An interview: the interviewer asks about delivery (twice), money (a question cue
    /// only, no term) and the manager; the answers mostly do not name the topic. A stress
    /// mark and ё shift code points against bytes.
    pub const INTERVIEW: &str = "Интервьюер: Давайте начнём. Как вы оцениваете сроки поставки?\n\
        Респондент: Ну, честно, не очень доволен. Всё время опаздывают, то одно, то другое. Хотелось бы, чтобы хоть предупреждали заранее.\n\
        Интервьюер: Понятно. А какие пожелания по срокам поставки?\n\
        Респондент: Да я вроде всё сказал.\n\
        Интервьюер: А по деньгам что скажете?\n\
        Респондент: Цены кусаются, очень дорого. У конкурентов процентов на десять дешевле.\n\
        Интервьюер: А менеджер как, на связи?\n\
        Респондент: Олег — отличный парень, всегда на связи, спасибо ему. Звони\u{301}шь — сразу берёт трубку, не то что Ковалёв.\n\
        Да и отгрузки при нём вовремя.\n";

    /// The summary line `citata tag` prints for `INTERVIEW` with `CODEBOOK`.
    pub const SUMMARY: &str = "1 transcript(s), 15 sentences: 8 keyword and 5 context codings, 1 wishes, 1 comparisons; 0 failed";

    /// A folder with `cb.toml` (`CODEBOOK`) and `zakupki.txt` (`INTERVIEW`).
    pub fn fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let file = write(dir.path(), "zakupki.txt", INTERVIEW);
        (dir, cb, file)
    }

    type Row<'a> = (
        usize,
        &'a str,
        Option<&'a str>,
        &'a str,
        Vec<(&'a str, &'a str)>,
        bool,
        bool,
    );

    /// `(turn, text, param, source, terms, wish, comparison)` per coding.
    fn rows(codings: &[Coding]) -> Vec<Row<'_>> {
        codings
            .iter()
            .map(|c| {
                (
                    c.turn,
                    c.text.as_str(),
                    c.param.as_deref(),
                    c.source.as_str(),
                    c.term_texts(),
                    c.wish,
                    c.comparison,
                )
            })
            .collect()
    }

    /// The polarity of the (first) coding of a sentence.
    fn polarity_of<'a>(codings: &'a [Coding], text: &str) -> &'a str {
        &codings
            .iter()
            .find(|c| c.text == text)
            .unwrap_or_else(|| panic!("no coding for {text:?}"))
            .polarity
    }

    // -----------------------------------------------------------------------------------
    // NDJSON

    #[test]
    fn ndjson_codes_keywords_and_the_context_of_each_question() {
        let (_dir, cb, file) = fixture();
        let codings = tag_ok(&file, Some(&cb));
        let no = Vec::new;
        assert_eq!(
            rows(&codings),
            vec![
                (
                    0,
                    "Как вы оцениваете сроки поставки?",
                    Some("delivery"),
                    "keyword",
                    vec![("срок поставки", "сроки поставки")],
                    false,
                    false
                ),
                // The answer never names delivery: context.
                (
                    1,
                    "Ну, честно, не очень доволен.",
                    Some("delivery"),
                    "context",
                    no(),
                    false,
                    false
                ),
                (
                    1,
                    "Всё время опаздывают, то одно, то другое.",
                    Some("delivery"),
                    "keyword",
                    vec![("опаздывать", "опаздывают")],
                    false,
                    false
                ),
                (
                    1,
                    "Хотелось бы, чтобы хоть предупреждали заранее.",
                    Some("delivery"),
                    "context",
                    no(),
                    true,
                    false
                ),
                // «пожелания» from the interviewer is not a wish.
                (
                    2,
                    "А какие пожелания по срокам поставки?",
                    Some("delivery"),
                    "keyword",
                    vec![("срок поставки", "срокам поставки")],
                    false,
                    false
                ),
                (
                    3,
                    "Да я вроде всё сказал.",
                    Some("delivery"),
                    "context",
                    no(),
                    false,
                    false
                ),
                // «по деньгам» is only a question cue: the question is not coded itself, but
                // it changes the topic to price.
                (
                    5,
                    "Цены кусаются, очень дорого.",
                    Some("price"),
                    "keyword",
                    vec![("цена", "Цены"), ("дорого", "дорого")],
                    false,
                    false
                ),
                (
                    5,
                    "У конкурентов процентов на десять дешевле.",
                    Some("price"),
                    "context",
                    no(),
                    false,
                    true
                ),
                (
                    6,
                    "А менеджер как, на связи?",
                    Some("manager"),
                    "keyword",
                    vec![("менеджер", "менеджер")],
                    false,
                    false
                ),
                (
                    7,
                    "Олег — отличный парень, всегда на связи, спасибо ему.",
                    Some("manager"),
                    "keyword",
                    vec![("=Олег", "Олег")],
                    false,
                    false
                ),
                (
                    7,
                    "Звони\u{301}шь — сразу берёт трубку, не то что Ковалёв.",
                    Some("manager"),
                    "keyword",
                    vec![("=Ковалев", "Ковалёв")],
                    false,
                    false
                ),
                // Keyword for the parameter it names, context for the topic; codebook order.
                (
                    7,
                    "Да и отгрузки при нём вовремя.",
                    Some("delivery"),
                    "keyword",
                    vec![("вовремя", "вовремя")],
                    false,
                    false
                ),
                (
                    7,
                    "Да и отгрузки при нём вовремя.",
                    Some("manager"),
                    "context",
                    no(),
                    false,
                    false
                ),
            ]
        );
        assert_eq!(
            polarity_of(&codings, "Ну, честно, не очень доволен."),
            "negative"
        );
        assert_eq!(
            polarity_of(&codings, "Цены кусаются, очень дорого."),
            "negative"
        );
        assert_eq!(
            polarity_of(
                &codings,
                "Олег — отличный парень, всегда на связи, спасибо ему."
            ),
            "positive"
        );
        for c in &codings {
            let (score, label) = (c.polarity_score, c.polarity.as_str());
            assert!((-1.0..=1.0).contains(&score), "{score}");
            match label {
                "positive" => assert!(score > 0.0, "{label} {score}"),
                "negative" => assert!(score < 0.0, "{label} {score}"),
                "neutral" | "mixed" => {}
                other => panic!("unknown polarity {other}"),
            }
        }
    }

    /// Sentence and term offsets are code points into the canonical text that `citata
    /// ingest --format ndjson` prints for the same file; the rest of each line agrees with it.
    #[test]
    fn ndjson_offsets_are_code_points_into_the_ingested_text() {
        let (_dir, cb, file) = fixture();
        let codings = tag_ok(&file, Some(&cb));
        let t = ingest_one(&file);
        assert_eq!(t.text, INTERVIEW);
        assert_ne!(t.text.len(), t.text.chars().count());
        let mut terms = 0;
        for c in &codings {
            assert_eq!(c.r#type, "coding");
            assert_eq!(c.doc, "zakupki.txt");
            assert_eq!(chars(&t.text, c.start, c.end), c.text);
            let s = &t.sentences[c.sentence];
            assert_eq!((s.start, s.end, s.turn), (c.start, c.end, c.turn));
            let turn = &t.turns[c.turn];
            assert_eq!(
                (c.speaker.as_str(), c.role.as_str()),
                (turn.speaker.as_str(), turn.role.as_str())
            );
            let level = match c.param.as_deref() {
                Some("delivery" | "price") => Some("proc"),
                Some("manager") => Some("pers"),
                None => None,
                Some(other) => panic!("unknown parameter {other}"),
            };
            assert_eq!(c.level.as_deref(), level);
            assert_eq!(c.source == "keyword", !c.terms.is_empty(), "{c:?}");
            for h in &c.terms {
                assert!(c.start <= h.start && h.end <= c.end, "{h:?} outside {c:?}");
                assert_eq!(chars(&t.text, h.start, h.end), h.text);
                terms += 1;
            }
        }
        assert_eq!(terms, 9);
        // After the stress mark, a byte or UTF-16 count would be off.
        let kovalev = codings
            .iter()
            .flat_map(|c| &c.terms)
            .find(|h| h.entry == "=Ковалев")
            .unwrap();
        let at = INTERVIEW.find("Ковалёв").unwrap();
        assert_eq!(kovalev.start, INTERVIEW[..at].chars().count());
        assert_eq!(kovalev.end, kovalev.start + 7);
    }

    /// `context_sentences = 1`: only the first sentence of each answer gets context; a wish
    /// or comparison beyond it is printed alone (no parameter, source `none`).
    #[test]
    fn context_sentences_setting_limits_the_answer() {
        let (dir, _, file) = fixture();
        let cb = write(
            dir.path(),
            "cb1.toml",
            CODEBOOK.replace(
                "version = \"t1\"\n",
                "version = \"t1\"\n\n[settings]\ncontext_sentences = 1\n",
            ),
        );
        let codings = tag_ok(&file, Some(&cb));
        let got: Vec<(usize, Option<&str>, &str, bool, bool)> = codings
            .iter()
            .map(|c| {
                (
                    c.sentence,
                    c.param.as_deref(),
                    c.source.as_str(),
                    c.wish,
                    c.comparison,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, Some("delivery"), "keyword", false, false),
                (2, Some("delivery"), "context", false, false),
                (3, Some("delivery"), "keyword", false, false),
                (4, None, "none", true, false),
                (6, Some("delivery"), "keyword", false, false),
                (7, Some("delivery"), "context", false, false),
                (9, Some("price"), "keyword", false, false),
                (10, None, "none", false, true),
                (11, Some("manager"), "keyword", false, false),
                (12, Some("manager"), "keyword", false, false),
                (13, Some("manager"), "keyword", false, false),
                (14, Some("delivery"), "keyword", false, false),
            ]
        );
        let alone = codings.iter().find(|c| c.sentence == 4).unwrap();
        assert_eq!((alone.level.as_deref(), alone.terms.len()), (None, 0));
    }

    /// The question sentences of an interviewer turn decide its topic: a price mentioned in
    /// passing is not asked about. Russian questions also end in `?!` and `?..`.
    #[test]
    fn questions_ending_in_interrobang_or_ellipsis_decide_the_topic() {
        let (dir, cb, _) = fixture();
        for end in ["?", "?!", "?.."] {
            let file = write(
                dir.path(),
                "q.txt",
                format!(
                    "Интервьюер: С ценами понятно. А сроки поставки как{end}\nРеспондент: Ну, терпимо.\n"
                ),
            );
            let codings = tag_ok(&file, Some(&cb));
            let answer: Vec<(&str, &str)> = codings
                .iter()
                .filter(|c| c.text == "Ну, терпимо.")
                .map(|c| (c.param.as_deref().unwrap_or("-"), c.source.as_str()))
                .collect();
            assert_eq!(
                answer,
                [("delivery", "context")],
                "question ending in {end:?}"
            );
        }
    }

    // -----------------------------------------------------------------------------------
    // CSV and table

    /// Commas and double quotes in the sentence, a long sentence for the table.
    const QUOTES: &str = "Интервьюер: А по ценам что?\n\
        Респондент: Менеджер сказал: \"цены поднимем\", и всё, дорого.\n\
        Ну вот смотрите, цены у них выросли в прошлом году, потом ещё раз весной, а мы бюджет на год вперёд утверждаем и крутимся как можем.\n";

    const LONG: &str = "Ну вот смотрите, цены у них выросли в прошлом году, потом ещё раз весной, а мы бюджет на год вперёд утверждаем и крутимся как можем.";

    #[test]
    fn csv_has_a_header_quotes_fields_and_one_row_per_coding() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let file = write(dir.path(), "ceny.txt", QUOTES);
        let codings = tag_ok(&file, Some(&cb));
        assert_eq!(codings.len(), 4, "{codings:#?}");
        let run = tag_run(&file, Some(&cb), &["--format", "csv", "-q"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut lines = run.stdout.lines();
        assert_eq!(
            lines.next(),
            Some(
                "doc,turn,sentence,start,end,speaker,role,param,level,source,polarity,polarity_score,wish,comparison,decision,coder,terms,text"
            )
        );
        assert_eq!(lines.count(), codings.len(), "one row per coding");
        assert!(
            run.stdout.contains(
                ",цены; дорого,\"Менеджер сказал: \"\"цены поднимем\"\", и всё, дорого.\"\n"
            ),
            "{}",
            run.stdout
        );
        let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(records.len(), codings.len());
        for (r, c) in records.iter().zip(&codings) {
            assert_eq!(r.len(), 18, "{r:?}");
            let terms: Vec<&str> = c.terms.iter().map(|h| h.text.as_str()).collect();
            let expected = [
                c.doc.clone(),
                c.turn.to_string(),
                c.sentence.to_string(),
                c.start.to_string(),
                c.end.to_string(),
                c.speaker.clone(),
                c.role.clone(),
                c.param.clone().unwrap_or_default(),
                c.level.clone().unwrap_or_default(),
                c.source.clone(),
                c.polarity.clone(),
            ];
            let got: Vec<&str> = r.iter().take(11).collect();
            assert_eq!(got, expected.iter().map(String::as_str).collect::<Vec<_>>());
            let score: f64 = r[11].parse().unwrap();
            assert!(
                (score - c.polarity_score).abs() < 1e-9,
                "{} vs {}",
                &r[11],
                c.polarity_score
            );
            assert_eq!(&r[12], c.wish.to_string());
            assert_eq!(&r[13], c.comparison.to_string());
            // No decisions in this folder: null in ndjson, empty in csv.
            assert_eq!((&c.decision, &c.coder), (&None, &None));
            assert_eq!((&r[14], &r[15]), ("", ""));
            assert_eq!(&r[16], terms.join("; "));
            assert_eq!(&r[17], c.text);
        }
        assert_eq!(
            &records[1][17],
            "Менеджер сказал: \"цены поднимем\", и всё, дорого."
        );
        assert_eq!(&records[3][17], LONG);
    }

    #[test]
    fn table_has_one_line_per_coding_starting_with_doc_and_turn() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        write(dir.path(), "zakupki.txt", INTERVIEW);
        write(dir.path(), "ceny.txt", QUOTES);
        let codings = tag_ok(dir.path(), Some(&cb));
        let run = tag_run(dir.path(), Some(&cb), &["-q"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), codings.len());
        assert_eq!(lines.len(), 13 + 4);
        for (line, c) in lines.iter().zip(&codings) {
            let head = format!(
                "{}:{}\t{}\t{}\t{}",
                c.doc,
                c.turn,
                c.param.as_deref().unwrap_or("-"),
                c.source,
                c.polarity
            );
            assert!(
                line.starts_with(&head),
                "{line:?} does not start with {head:?}"
            );
            assert_eq!(line.contains(" [пожелание]\t"), c.wish, "{line}");
            assert_eq!(line.contains(" [сравнение]\t"), c.comparison, "{line}");
        }
        // ceny.txt sorts before zakupki.txt.
        assert!(
            lines[0].starts_with("ceny.txt:0\tprice\tkeyword\t"),
            "{}",
            lines[0]
        );
        assert!(lines[4].starts_with("zakupki.txt:0\t"), "{}", lines[4]);
        assert!(lines.contains(
            &"zakupki.txt:1\tdelivery\tcontext\tnegative\tНу, честно, не очень доволен."
        ));
        assert!(lines.contains(
            &"zakupki.txt:7\tmanager\tkeyword\tpositive\tОлег — отличный парень, всегда на связи, спасибо ему."
        ));
        let wish = lines.iter().find(|l| l.contains("Хотелось бы")).unwrap();
        assert!(
            wish.starts_with("zakupki.txt:1\tdelivery\tcontext\t"),
            "{wish}"
        );
        assert!(
            wish.ends_with(" [пожелание]\tХотелось бы, чтобы хоть предупреждали заранее."),
            "{wish}"
        );
        // A long sentence is cut at 110 characters with an ellipsis.
        assert!(LONG.chars().count() > 110);
        let cut: String = LONG.chars().take(110).collect();
        assert!(lines[3].ends_with(&format!("\t{cut}…")), "{}", lines[3]);
    }

    // -----------------------------------------------------------------------------------
    // Exit codes, bad input, stderr

    #[test]
    fn batch_with_bad_files_exits_2_and_keeps_the_good_codings() {
        let (dir, cb, _) = fixture();
        let batch = dir.path().join("batch");
        write(&batch, "01-good.txt", INTERVIEW);
        write(&batch, "02-empty.txt", "");
        write(
            &batch,
            "03-picture.txt",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0",
        );
        let (codings, run) = tag_ndjson(&batch, Some(&cb), &[]);
        assert_eq!(run.code, 2);
        let alone = tag_ok(&batch.join("01-good.txt"), Some(&cb));
        assert_eq!(codings.len(), alone.len());
        assert_eq!(codings.len(), 13);
        assert!(codings.iter().all(|c| c.doc == "01-good.txt"));
        let sep = std::path::MAIN_SEPARATOR;
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(errors.len(), 2, "{}", run.stderr);
        assert!(
            errors[0].contains(&format!("{sep}02-empty.txt:")) && errors[0].contains("empty"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].contains(&format!("{sep}03-picture.txt:")) && errors[1].contains("binary"),
            "{}",
            errors[1]
        );
        assert_eq!(
            run.stderr.lines().last(),
            Some(SUMMARY.replace("; 0 failed", "; 2 failed").as_str())
        );
    }

    #[test]
    fn a_single_bad_file_exits_2_with_nothing_on_stdout() {
        let (dir, cb, _) = fixture();
        let empty = write(dir.path(), "пусто.txt", "");
        let run = tag_run(&empty, Some(&cb), &["--format", "csv"]);
        assert_eq!(run.code, 2);
        assert_eq!(
            run.stdout.lines().count(),
            1,
            "only the CSV header: {}",
            run.stdout
        );
        assert!(
            run.stderr.contains("пусто.txt: file is empty"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.ends_with("; 1 failed\n"), "{}", run.stderr);
    }

    /// `(what, codebook TOML, "line L, column C: reason")`: each kind of error, in a
    /// parameter that starts on line 13 after `BROKEN_HEAD`.
    pub const BROKEN: &[(&str, &str, &str)] = &[
        (
            "unknown level",
            "id = \"delivery\"\nlevel = \"process\"\nname = \"Сроки\"\nterms = [\"вовремя\"]\n",
            "line 15, column 9: parameter `delivery` has unknown level `process`; levels are: proc",
        ),
        (
            "duplicate id",
            "id = \"price\"\nlevel = \"proc\"\nname = \"Цены ещё раз\"\nterms = [\"дорого\"]\n",
            "line 14, column 6: duplicate parameter id `price`",
        ),
        (
            "no terms",
            "id = \"docs\"\nlevel = \"proc\"\nname = \"Документы\"\n",
            "line 14, column 6: parameter `docs` has no terms",
        ),
        (
            "bad regex",
            "id = \"edo\"\nlevel = \"proc\"\nname = \"ЭДО\"\nterms = [\"ЭДО\", \"/эдо(/\"]\n",
            // Columns count characters: the regex starts at byte 20 of the line.
            "line 17, column 17: term entry `/эдо(/` of `edo`: bad regex",
        ),
        (
            "TOML syntax",
            "id = \"edo\"\nlevel = \"proc\"\nname = \"ЭДО\"\nterms = [\"ЭДО\" \"Диадок\"]\n",
            "line 17, column 16: missing comma between array elements",
        ),
    ];

    /// Lines 1–13 of every broken codebook: one level, one good parameter, the header of
    /// the broken one.
    pub const BROKEN_HEAD: &str = "name = \"Сломанный\"\n\n[[levels]]\nid = \"proc\"\nname = \"Процесс\"\n\n[[parameters]]\nid = \"price\"\nlevel = \"proc\"\nname = \"Цены\"\nterms = [\"цена\"]\n\n[[parameters]]\n";

    #[test]
    fn broken_codebook_exits_2_with_line_column_and_reason() {
        let (dir, _, file) = fixture();
        for (what, body, expected) in BROKEN {
            let cb = write(dir.path(), "broken.toml", format!("{BROKEN_HEAD}{body}"));
            let run = tag_run(&file, Some(&cb), &["--format", "ndjson"]);
            assert_eq!(run.code, 2, "{what}");
            assert_eq!(run.stdout, "", "{what}");
            let mut lines = run.stderr.lines();
            let first = lines.next().unwrap_or_default();
            assert!(
                first.starts_with("error: codebook "),
                "{what}: {}",
                run.stderr
            );
            assert!(first.contains("broken.toml"), "{what}: {}", run.stderr);
            let errors: Vec<&str> = lines.collect();
            assert_eq!(errors.len(), 1, "{what}: one error in {}", run.stderr);
            assert!(
                errors[0].starts_with(expected),
                "{what}: {:?} does not start with {expected:?}",
                errors[0]
            );
        }
    }

    #[test]
    fn every_error_of_a_codebook_is_reported_in_line_order() {
        let (dir, _, file) = fixture();
        let body: String = BROKEN[..4]
            .iter()
            .map(|(_, b, _)| format!("{b}\n[[parameters]]\n"))
            .collect();
        let body = body.trim_end_matches("\n[[parameters]]\n");
        let cb = write(dir.path(), "broken.toml", format!("{BROKEN_HEAD}{body}\n"));
        let run = tag_run(&file, Some(&cb), &[]);
        assert_eq!(run.code, 2);
        let lines: Vec<&str> = run.stderr.lines().skip(1).collect();
        let at: Vec<&str> = lines
            .iter()
            .map(|l| l.split(": ").next().unwrap_or_default())
            .collect();
        assert_eq!(
            at,
            [
                "line 15, column 9",
                "line 20, column 6",
                "line 26, column 6",
                "line 34, column 17"
            ],
            "{}",
            run.stderr
        );
    }

    #[test]
    fn missing_codebook_exits_2_and_names_it() {
        let (dir, _, file) = fixture();
        let missing = dir.path().join("нет-кодбука.toml");
        let run = tag_run(&file, Some(&missing), &[]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        assert!(run.stderr.contains("нет-кодбука.toml"), "{}", run.stderr);
    }

    /// The OS reason is printed twice: `Error::Io` puts its `source` in its message and
    /// also returns it as the error's source, and main prints the whole chain (`{e:#}`).
    #[test]
    fn missing_codebook_reason_is_printed_once() {
        let (dir, _, file) = fixture();
        let missing = dir.path().join("нет-кодбука.toml");
        let run = tag_run(&file, Some(&missing), &[]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        let os = std::fs::read(&missing).unwrap_err().to_string();
        assert_eq!(run.stderr.matches(&os).count(), 1, "{}", run.stderr);
    }

    #[test]
    fn codebook_in_windows_1251_is_refused_and_a_bom_is_accepted() {
        let (dir, _, file) = fixture();
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(CODEBOOK);
        assert!(!unmappable);
        let cp1251 = write(dir.path(), "cp1251.toml", &bytes);
        let run = tag_run(&file, Some(&cp1251), &[]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains("cp1251.toml"), "{}", run.stderr);
        // `name = "` is 8 ASCII bytes, then the first Cyrillic letter.
        assert!(
            run.stderr
                .contains("not UTF-8 (byte 8); save the codebook as UTF-8"),
            "{}",
            run.stderr
        );

        let bom = write(dir.path(), "bom.toml", format!("\u{feff}{CODEBOOK}"));
        let plain = write(dir.path(), "plain.toml", CODEBOOK);
        let with_bom = tag_run(&file, Some(&bom), &["--format", "ndjson", "-q"]);
        assert_eq!(with_bom.code, 0, "{}", with_bom.stderr);
        assert_eq!(
            with_bom.stdout,
            tag_run(&file, Some(&plain), &["--format", "ndjson", "-q"]).stdout
        );
    }

    #[test]
    fn bad_arguments_exit_2() {
        let (_dir, cb, file) = fixture();
        assert_eq!(citata(["tag"]).code, 2);
        assert_eq!(tag_run(&file, Some(&cb), &["--format", "xml"]).code, 2);
        assert_eq!(tag_run(&file, Some(&cb), &["-j", "два"]).code, 2);
    }

    // -----------------------------------------------------------------------------------
    // Determinism, stderr

    fn demo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo")
    }

    /// The embedded codebook, no flags but the format: one thread, two threads and a second
    /// run give the same bytes, in the order of the sorted file names.
    #[test]
    fn demo_output_is_the_same_for_any_number_of_threads() {
        let one = tag_run(&demo(), None, &["--format", "ndjson", "-j", "1"]);
        assert_eq!(one.code, 0, "{}", one.stderr);
        let two = tag_run(&demo(), None, &["--format", "ndjson", "-j", "2"]);
        assert_eq!(two.code, 0, "{}", two.stderr);
        let again = tag_run(&demo(), None, &["--format", "ndjson", "-j", "2"]);
        assert!(one.stdout == two.stdout, "-j 1 and -j 2 differ");
        assert!(two.stdout == again.stdout, "two runs differ");
        assert_eq!(one.stderr, two.stderr, "the same summary");

        let codings: Vec<Coding> = one.stdout.lines().map(decode_coding).collect();
        let mut docs: Vec<&str> = codings.iter().map(|c| c.doc.as_str()).collect();
        docs.dedup();
        let mut sorted = docs.clone();
        sorted.sort();
        assert_eq!(docs, sorted, "files in sorted order, each once");
        assert_eq!(docs.len(), 16);
        for w in codings.windows(2) {
            if w[0].doc == w[1].doc {
                assert!(
                    w[0].sentence <= w[1].sentence,
                    "sentence order in {}",
                    w[0].doc
                );
            }
        }
    }

    #[test]
    fn quiet_prints_nothing_on_stderr_and_the_default_ends_with_the_summary() {
        let (_dir, cb, file) = fixture();
        let quiet = tag_run(&file, Some(&cb), &["--quiet"]);
        assert_eq!(quiet.code, 0);
        assert_eq!(quiet.stderr, "");
        let short = tag_run(&file, Some(&cb), &["-q"]);
        assert_eq!(short.stderr, "");
        assert_eq!(short.stdout, quiet.stdout);

        let loud = tag_run(&file, Some(&cb), &[]);
        assert_eq!(loud.code, 0);
        assert_eq!(loud.stdout, quiet.stdout, "stderr only");
        assert!(
            loud.stderr.ends_with(&format!("\n{SUMMARY}\n"))
                || loud.stderr == format!("{SUMMARY}\n"),
            "{:?}",
            loud.stderr
        );
        assert!(!loud.stderr.contains("error"), "{:?}", loud.stderr);
    }

    /// The summary counts agree with the NDJSON it goes with (a wish counts once per
    /// sentence, however many codings the sentence has).
    #[test]
    fn summary_counts_match_the_codings_of_the_demo() {
        let (codings, run) = tag_ndjson(&demo(), None, &["-j", "3"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let sentences: usize = ingest_ok(&demo()).iter().map(|t| t.sentences.len()).sum();
        let count = |src: &str| codings.iter().filter(|c| c.source == src).count();
        let mut per_sentence = std::collections::BTreeMap::new();
        for c in &codings {
            per_sentence.insert((c.doc.as_str(), c.sentence), (c.wish, c.comparison));
        }
        let wishes = per_sentence.values().filter(|v| v.0).count();
        let comparisons = per_sentence.values().filter(|v| v.1).count();
        assert!(wishes > 0 && comparisons > 0 && count("context") > 0);
        assert_eq!(
            run.stderr.lines().last().unwrap_or_default(),
            format!(
                "16 transcript(s), {sentences} sentences: {} keyword and {} context codings, {wishes} wishes, {comparisons} comparisons; 0 failed",
                count("keyword"),
                count("context")
            )
        );
    }

    /// With no `--codebook`, codings use the embedded codebook's parameters and levels, as
    /// `citata codebook check` lists them.
    #[test]
    fn embedded_codebook_is_the_default() {
        let (_dir, _, file) = fixture();
        let check = citata(["codebook", "check"]);
        assert_eq!(check.code, 0, "{}", check.stderr);
        let mut params = std::collections::BTreeMap::new();
        for line in check.stdout.lines().filter(|l| l.starts_with("  ")) {
            let (level, rest) = line.trim_start().split_once(' ').unwrap();
            let (_, list) = rest.split_once(": ").unwrap();
            for p in list.split(", ") {
                params.insert(p.to_string(), level.to_string());
            }
        }
        assert_eq!(params.len(), 24, "{}", check.stdout);
        let codings = tag_ok(&file, None);
        assert!(codings.iter().any(|c| c.source == "keyword"));
        assert!(codings.iter().any(|c| c.source == "context"));
        for c in &codings {
            match c.param.as_deref() {
                Some(p) => assert_eq!(params.get(p), c.level.as_ref(), "{p}"),
                None => assert_eq!((c.level.as_deref(), c.source.as_str()), (None, "none")),
            }
        }
        // The markers are there too.
        assert!(
            codings
                .iter()
                .any(|c| c.wish && c.text.starts_with("Хотелось бы"))
        );
        assert!(
            codings
                .iter()
                .any(|c| c.comparison && c.text.starts_with("У конкурентов"))
        );
    }
}

mod codebook {
    use std::ffi::OsStr;
    use std::path::Path;

    use crate::tag::{BROKEN, BROKEN_HEAD};
    use crate::testenv::*;

    fn check(file: &Path) -> Run {
        citata(["codebook".as_ref(), "check".as_ref(), file.as_os_str()])
    }

    #[test]
    fn check_of_the_embedded_codebook_names_3_levels_and_24_parameters() {
        let run = citata(["codebook", "check"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert!(
            lines[0].ends_with("(b2b-cx.ru.toml (embedded))"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("3 levels, 24 parameters, "),
            "{}",
            lines[1]
        );
        let levels: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("  "))
            .map(|l| l.trim_start().split(' ').next().unwrap())
            .collect();
        assert_eq!(levels, ["org", "process", "personal"]);
        let params: usize = lines
            .iter()
            .filter(|l| l.starts_with("  "))
            .map(|l| l.split_once(": ").unwrap().1.split(", ").count())
            .sum();
        assert_eq!(params, 24);
        assert!(
            lines.last().unwrap().ends_with(" warning(s), no errors"),
            "{}",
            run.stdout
        );
    }

    #[test]
    fn check_of_a_broken_codebook_exits_2_with_line_and_column() {
        let dir = tmp();
        for (what, body, expected) in BROKEN {
            let cb = write(dir.path(), "broken.toml", format!("{BROKEN_HEAD}{body}"));
            let run = check(&cb);
            assert_eq!(run.code, 2, "{what}");
            assert_eq!(run.stdout, "", "{what}");
            let lines: Vec<&str> = run.stderr.lines().collect();
            assert_eq!(
                lines[0],
                format!("error: codebook {} has errors:", cb.display()),
                "{what}"
            );
            assert_eq!(lines.len(), 2, "{what}: {}", run.stderr);
            assert!(lines[1].starts_with(expected), "{what}: {:?}", lines[1]);
        }
        let missing = dir.path().join("нет.toml");
        let run = check(&missing);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("нет.toml"), "{}", run.stderr);
    }

    const WARNINGS: &str = r#"name = "Предупреждения"
version = "0.1"

[[levels]]
id = "org"
name = "Организация"

[[parameters]]
id = "price"
level = "org"
name = "Цены"
terms = [
  "цена",
  "ст*",
  "стали",
]

[[parameters]]
id = "value"
level = "org"
name = "Ценность"
terms = [
  "ценность",
  "цены",
]
"#;

    #[test]
    fn check_warns_of_short_prefixes_ambiguous_words_and_shared_lemmas() {
        let dir = tmp();
        let cb = write(dir.path(), "warn.toml", WARNINGS);
        let run = check(&cb);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 7, "{}", run.stdout);
        assert_eq!(lines[0], format!("Предупреждения 0.1 ({})", cb.display()));
        assert_eq!(
            lines[1],
            "1 levels, 2 parameters, 5 terms (0 phrases), 0 question cues, 0 exclusions"
        );
        assert_eq!(lines[2], "  org «Организация»: price, value");
        assert_eq!(
            lines[3],
            "warning: line 14, column 3: term entry `ст*` of `price`: prefix `ст*` is shorter than 3 letters and will match many unrelated words"
        );
        assert!(
            lines[4].starts_with(
                "warning: line 15, column 3: term entry `стали` of `price`: `стали` is ambiguous: it matches every form of "
            ),
            "{}",
            lines[4]
        );
        assert!(
            lines[4].contains("«стать»") && lines[4].contains("«сталь»"),
            "{}",
            lines[4]
        );
        assert!(lines[5].starts_with("warning: line 24: "), "{}", lines[5]);
        assert!(
            lines[5].ends_with(
                "lemma `цена` codes for several parameters: `price` (line 13: `цена`), `value` (line 24: `цены`); a sentence with it is coded for all of them"
            ),
            "{}",
            lines[5]
        );
        assert_eq!(lines[6], "3 warning(s), no errors");
    }

    /// A diagnostic without a known column (the shared-lemma warning) prints `column 0`,
    /// though columns are 1-based; it should print the line alone.
    #[test]
    fn warnings_never_print_column_0() {
        let dir = tmp();
        let cb = write(dir.path(), "warn.toml", WARNINGS);
        let run = check(&cb);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.stdout.contains("column 0"), "{}", run.stdout);
    }

    const EXPLAIN: &str = r#"name = "Объяснение"
version = "1"

[[levels]]
id = "org"
name = "Организация"

[[parameters]]
id = "price"
level = "org"
name = "Цены"
terms = [
  "цена",
  "~цена",
]
questions = [
  "цены",
]

[[parameters]]
id = "edo"
level = "org"
name = "ЭДО"
terms = [
  "Диадок",
  "=ЭДО",
]
"#;

    #[test]
    fn explain_shows_the_reading_and_which_entries_match() {
        let dir = tmp();
        let cb = write(dir.path(), "explain.toml", EXPLAIN);
        let words = ["ценами", "ценный", "Диадоком", "Це\u{301}нами", "скидка"];
        let mut args: Vec<&OsStr> = vec![
            "codebook".as_ref(),
            "explain".as_ref(),
            "--codebook".as_ref(),
            cb.as_os_str(),
        ];
        args.extend(words.iter().map(OsStr::new));
        let run = citata(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
        assert_eq!(
            run.stdout,
            "ценами: normal form «ценами», lemmas: цена, stem: цен\n\
             \x20 matches price (Цены): term `цена` (line 13)\n\
             \x20 matches price (Цены): term `~цена` (line 14)\n\
             \x20 matches price (Цены): question cue `цены` (line 17)\n\
             ценный: normal form «ценный», lemmas: ценный, stem: цен\n\
             \x20 matches price (Цены): term `~цена` (line 14)\n\
             Диадоком: normal form «диадоком», lemmas: not in the dictionary (matched by stem), stem: диадок\n\
             \x20 matches edo (ЭДО): term `Диадок` (line 25)\n\
             Це\u{301}нами: normal form «ценами», lemmas: цена, stem: цен\n\
             \x20 matches price (Цены): term `цена` (line 13)\n\
             \x20 matches price (Цены): term `~цена` (line 14)\n\
             \x20 matches price (Цены): question cue `цены` (line 17)\n\
             скидка: normal form «скидка», lemmas: скидка, stem: скидк\n\
             \x20 matches nothing\n"
        );
    }

    #[test]
    fn explain_with_the_embedded_codebook_needs_no_flags() {
        let run = citata(["codebook", "explain", "Диадоком"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(
            lines[0],
            "Диадоком: normal form «диадоком», lemmas: not in the dictionary (matched by stem), stem: диадок"
        );
        assert!(
            lines.len() > 1 && lines[1..].iter().all(|l| l.starts_with("  matches ")),
            "{}",
            run.stdout
        );
        assert_eq!(
            citata(["codebook", "explain"]).code,
            2,
            "a word is required"
        );
    }

    const AUDIT: &str = r#"name = "Аудит"

[[levels]]
id = "proc"
name = "Процесс"

[[parameters]]
id = "delivery"
level = "proc"
name = "Поставки"
terms = [
  "поставка",
  "опаздывать",
  "=УПД",
]
questions = [
  "сроки",
]

[[parameters]]
id = "docs"
level = "proc"
name = "Документы"
terms = [
  "паспорт*",
  "акт сверки",
]
"#;

    fn audit_corpus(dir: &Path) -> std::path::PathBuf {
        let corpus = dir.join("corpus");
        write(
            &corpus,
            "a.txt",
            "Интервьюер: Как у вас с поставками? Сроки устраивают?\n\
             Респондент: Поставки идут, но поставки по срочным заказам опаздывают. По поставкам вопросов меньше стало. Сроки плавают, паспорта тоже опаздывают.\n",
        );
        write(
            &corpus,
            "b.txt",
            "И: А по срокам поставки?\nР: Опоздали раз, с поставкой бывало. Акты сверки присылают вовремя, паспортами довольны.\n",
        );
        corpus
    }

    /// Per entry: matched forms (normalized) with counts, most frequent first; question
    /// cues only in the interviewer's sentences («Сроки плавают» is the respondent's);
    /// «опоздали» is another lemma than «опаздывать».
    #[test]
    fn audit_lists_matched_forms_with_counts_and_dead_entries() {
        let dir = tmp();
        let cb = write(dir.path(), "audit.toml", AUDIT);
        let corpus = audit_corpus(dir.path());
        let run = citata([
            "codebook".as_ref(),
            "audit".as_ref(),
            "--codebook".as_ref(),
            cb.as_os_str(),
            corpus.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
        assert_eq!(
            run.stdout,
            "delivery (Поставки)\n\
             \x20 term `поставка` (line 12): 6 — поставки ×3, поставкам ×1, поставками ×1, поставкой ×1\n\
             \x20 term `опаздывать` (line 13): 2 — опаздывают ×2\n\
             \x20 term `=УПД` (line 14): no match\n\
             \x20 question `сроки` (line 17): 2 — срокам ×1, сроки ×1\n\
             docs (Документы)\n\
             \x20 term `паспорт*` (line 25): 2 — паспорта ×1, паспортами ×1\n\
             \x20 term `акт сверки` (line 26): 1 — акты сверки ×1\n\
             8 sentences; 6 entries, 1 matched nothing\n"
        );
    }

    #[test]
    fn audit_dead_shows_only_entries_that_matched_nothing() {
        let dir = tmp();
        let cb = write(dir.path(), "audit.toml", AUDIT);
        let corpus = audit_corpus(dir.path());
        let run = citata([
            "codebook".as_ref(),
            "audit".as_ref(),
            "--dead".as_ref(),
            "--codebook".as_ref(),
            cb.as_os_str(),
            corpus.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stdout,
            "delivery (Поставки)\n\
             \x20 term `=УПД` (line 14): no match\n\
             docs (Документы)\n\
             8 sentences; 6 entries, 1 matched nothing\n"
        );
    }

    #[test]
    fn audit_reports_a_bad_file_and_exits_2() {
        let dir = tmp();
        let cb = write(dir.path(), "audit.toml", AUDIT);
        let corpus = audit_corpus(dir.path());
        write(&corpus, "c.txt", "");
        let run = citata([
            "codebook".as_ref(),
            "audit".as_ref(),
            "--codebook".as_ref(),
            cb.as_os_str(),
            corpus.as_os_str(),
        ]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("c.txt: file is empty"),
            "{}",
            run.stderr
        );
        assert!(
            run.stdout
                .ends_with("8 sentences; 6 entries, 1 matched nothing\n"),
            "the good files are audited: {}",
            run.stdout
        );
    }
}

mod prop {
    use citata::codebook::Codebook;
    use citata::ingest::{IngestConfig, canonicalize, ingest_bytes};
    use citata::model::{Format, Role};
    use citata::tag::polarity::Lexicon;
    use citata::tag::{Source, TagState, Tagger, markers_codebook};
    use citata::text::{Analyzer, normalize};
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

    // -----------------------------------------------------------------------------------
    // Tagging

    /// Every kind of entry: lemma, phrase with a gap, stem, prefix, exact form, NEAR,
    /// regex, exclusions and question cues.
    const TAG_CODEBOOK: &str = r#"name = "prop"
[[levels]]
id = "proc"
name = "Процесс"
[[parameters]]
id = "delivery"
level = "proc"
name = "Поставки"
terms = ["поставка", "срок поставки", "вовремя", "опаздывать"]
questions = ["сроки"]
[[parameters]]
id = "price"
level = "proc"
name = "Цены"
terms = ["цена", "~цена", "дорого", "цена NEAR/3 дорого", "предоплат*"]
exclude = ["ценный опыт"]
questions = ["деньги"]
[[parameters]]
id = "edo"
level = "proc"
name = "ЭДО"
terms = ["=ЭДО", "Диадок", '/\bэдо\b/', '/поставк\w*/', "кто-то"]
[[parameters]]
id = "manager"
level = "proc"
name = "Менеджер"
terms = ["менеджер", "=Ковалев", "качество оборудования"]
exclude = ["менеджер по продажам"]
"#;

    const MARKERS: &str = "wish = [\"хотелось бы\", \"не хватает\", \"=хотел бы\"]\ncomparison = [\"конкурент\", \"=чем у\", \"у других\"]\n";

    static TAGGER: std::sync::LazyLock<Tagger> = std::sync::LazyLock::new(|| {
        let mut a = Analyzer::new();
        let cb = Codebook::parse(TAG_CODEBOOK, "prop.toml", &mut a).expect("the codebook is valid");
        let markers = markers_codebook(MARKERS, &mut a).expect("the markers are valid");
        Tagger::with(cb, markers, Lexicon::embedded())
    });

    /// Interview Russian: codebook terms in several forms, markers, sentiment words,
    /// stress marks, ё, soft hyphens, hyphenated words, labels and punctuation.
    const TAG_PIECES: &[&str] = &[
        "Интервьюер: ",
        "Респондент: ",
        "И: ",
        "Р: ",
        "\n",
        "\n",
        "\n\n",
        ". ",
        ". ",
        "? ",
        "! ",
        ", ",
        ",",
        "… ",
        " — ",
        "«",
        "»",
        "\"",
        "(пауза) ",
        "[смеется] ",
        "\u{301}",
        "\u{ad}",
        "ё",
        "Ё",
        "-",
        " ",
        "поставки",
        "поставкам",
        "Поставка",
        "сроки",
        "сро\u{301}ки",
        "срокам",
        "поставки\u{301}",
        "вовремя",
        "опаздывают",
        "опа\u{301}здывали",
        "цены",
        "Цены",
        "ценами",
        "цена\u{301}",
        "ценный",
        "опыт",
        "дорого",
        "дорого\u{301}",
        "предоплата",
        "предоплатный",
        "ЭДО",
        "эдо",
        "Э\u{301}ДО",
        "Диадок",
        "Диадоком",
        "кто-то",
        "Кто-то",
        "менеджер",
        "менеджеру",
        "по",
        "продажам",
        "Ковалёв",
        "Ковалев",
        "КОВАЛЁВ",
        "качество",
        "этого",
        "оборудования",
        "хотелось",
        "бы",
        "не",
        "хватает",
        "хотел",
        "конкурентов",
        "чем",
        "у",
        "других",
        "очень",
        "доволен",
        "хорошо",
        "плохо",
        "ужасно",
        "спасибо",
        "ну",
        "вот",
        "как",
        "вам",
        "деньгам",
        "всё",
        "ещё",
        "ёлки",
        "бизнес-процесс",
        "т.е.",
        "8.5",
        "по-моему",
    ];

    fn tag_transcript() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            8 => prop::sample::select(TAG_PIECES).prop_map(str::to_string),
            4 => Just(" ".to_string()),
            1 => "[а-яё]{1,6}",
        ];
        prop::collection::vec(piece, 0..160).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn codings_cover_sentences_and_terms_lie_inside_them(raw in tag_transcript()) {
            let t = match ingest_bytes("p.txt", Format::Txt, raw.as_bytes(), &IngestConfig::default()) {
                Ok(t) => t,
                Err(e) => {
                    prop_assert!(raw.trim().is_empty(), "refused {raw:?}: {e}");
                    return Ok(());
                }
            };
            let tagger = &*TAGGER;
            let cb = tagger.matcher().codebook();
            let codings = tagger.tag(&mut TagState::default(), &t);
            let mut last = 0;
            for c in &codings {
                let s = &t.sentences[c.sentence];
                prop_assert_eq!(c.span, s.span, "the coding's span is its sentence's");
                prop_assert_eq!(c.turn, s.turn);
                prop_assert!(!s.non_speech);
                prop_assert!(last <= c.sentence, "codings in sentence order");
                last = c.sentence;
                let respondent = t.turn_speaker(&t.turns[c.turn]).role == Role::Respondent;
                prop_assert!(respondent || !(c.wish || c.comparison || c.source == Source::Context));
                prop_assert_eq!(c.source == Source::Keyword, !c.terms.is_empty());
                prop_assert_eq!(c.source == Source::None, c.param.is_none());
                prop_assert!(c.param.is_some() || c.wish || c.comparison);
                prop_assert!((-1.0..=1.0).contains(&c.polarity_score));
                for h in &c.terms {
                    let p = &cb.parameters[c.param.unwrap()];
                    prop_assert!(h.entry < p.terms.len());
                    prop_assert!(h.span.start < h.span.end);
                    prop_assert!(c.span.contains(h.span), "term {:?} outside its sentence {:?}", h.span, c.span);
                    prop_assert!(t.text.is_char_boundary(h.span.start) && t.text.is_char_boundary(h.span.end));
                    let text = t.slice(h.span);
                    prop_assert!(!normalize(text).trim().is_empty(), "term {:?} of `{}` normalizes to nothing", text, p.terms[h.entry].raw);
                }
            }
            // The same again, with a fresh state and with a state that tagged before.
            let mut state = TagState::default();
            prop_assert_eq!(&tagger.tag(&mut state, &t), &codings);
            prop_assert_eq!(&tagger.tag(&mut state, &t), &codings);
            prop_assert_eq!(&tagger.with_thread_state(|st| tagger.tag(st, &t)), &codings);
        }
    }
}

/// Golden files: the demo corpus coded with the shipped codebook, per parameter.
/// Regenerate with `CITATA_BLESS=1 cargo test --test cli golden`, then read the diff.
mod golden {
    use std::collections::BTreeMap;
    use std::path::Path;

    use crate::testenv::citata;

    /// Respondent codings per parameter (keyword, context, positive, negative) and the first
    /// three keyword-coded respondent sentences of each, from `citata tag --format ndjson`.
    fn summary() -> String {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let run = citata([
            "tag".as_ref(),
            demo.as_os_str(),
            "--format".as_ref(),
            "ndjson".as_ref(),
            "-q".as_ref(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        #[derive(Default)]
        struct Param {
            counts: [usize; 4],
            examples: Vec<String>,
        }
        let mut params: BTreeMap<String, Param> = BTreeMap::new();
        let mut wishes = Vec::new();
        for line in run.stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            if v["role"] != "respondent" {
                continue;
            }
            let text = v["text"].as_str().unwrap_or_default();
            let place = format!("{}:{}", v["doc"].as_str().unwrap_or_default(), v["turn"]);
            if v["wish"] == true && wishes.last() != Some(&format!("{place} {text}")) {
                wishes.push(format!("{place} {text}"));
            }
            let Some(param) = v["param"].as_str() else {
                continue;
            };
            let p = params.entry(param.to_string()).or_default();
            let source = v["source"].as_str().unwrap_or_default();
            p.counts[usize::from(source == "context")] += 1;
            match v["polarity"].as_str() {
                Some("positive") => p.counts[2] += 1,
                Some("negative") => p.counts[3] += 1,
                _ => {}
            }
            if source == "keyword" && p.examples.len() < 3 {
                let terms: Vec<&str> = v["terms"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t["text"].as_str())
                    .collect();
                let short: String = text.chars().take(120).collect();
                p.examples
                    .push(format!("    {place} [{}] {short}", terms.join(", ")));
            }
        }
        let mut out = String::from(
            "# citata tag corpora/demo (shipped codebook): respondent codings per parameter\n# keyword context positive negative, then the first keyword-coded sentences [matched terms]\n",
        );
        for (id, p) in &params {
            let [k, c, pos, neg] = p.counts;
            out.push_str(&format!("{id}: {k} {c} {pos} {neg}\n"));
            for e in &p.examples {
                out.push_str(e);
                out.push('\n');
            }
        }
        out.push_str(&format!("# wishes: {}\n", wishes.len()));
        for w in wishes.iter().take(12) {
            let short: String = w.chars().take(140).collect();
            out.push_str(&format!("    {short}\n"));
        }
        out
    }

    #[test]
    fn demo_codings_per_parameter() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/demo/tag-per-parameter.txt");
        let got = summary();
        if std::env::var_os("CITATA_BLESS").is_some() {
            std::fs::write(&path, &got).expect("write the golden file");
            return;
        }
        let want = std::fs::read_to_string(&path)
            .expect("the golden file exists (CITATA_BLESS=1 makes it)");
        if got != want {
            let diff: Vec<String> = want
                .lines()
                .zip(got.lines())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .take(10)
                .map(|(i, (a, b))| format!("line {}:\n  want: {a}\n  got:  {b}", i + 1))
                .collect();
            panic!(
                "demo codings differ from {} ({} vs {} lines); first differences:\n{}\nIf the change is intended, run CITATA_BLESS=1 cargo test --test cli golden and read the diff.",
                path.display(),
                want.lines().count(),
                got.lines().count(),
                diff.join("\n")
            );
        }
    }
}

mod quotes {
    use std::collections::BTreeMap;
    use std::ffi::OsStr;
    use std::io::{BufRead, BufReader};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};

    use serde::Deserialize;

    use crate::tag::tag_ok;
    use crate::testenv::*;

    // -----------------------------------------------------------------------------------
    // The pinned NDJSON schema of `citata quotes` (mirrors WireQuote in src/cli/quotes.rs)

    /// One line of `citata quotes --format ndjson`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Quote {
        pub r#type: String,
        pub param: String,
        pub level: String,
        pub rank: usize,
        pub text: String,
        pub doc: String,
        pub turn: usize,
        pub start: usize,
        pub end: usize,
        pub attribution: String,
        pub polarity: String,
        pub score: f64,
        pub features: BTreeMap<String, f64>,
    }

    /// The eight features of docs/quotes.md.
    const FEATURES: [&str; 8] = [
        "relevance",
        "emotion",
        "concreteness",
        "first_person",
        "comparison",
        "self_contained",
        "length",
        "filler",
    ];

    /// The Russian feature names of the Markdown breakdown, by feature.
    const FEATURES_RU: [(&str, &str); 8] = [
        ("релевантность", "relevance"),
        ("эмоциональность", "emotion"),
        ("конкретность", "concreteness"),
        ("от первого лица", "first_person"),
        ("сравнение с конкурентами", "comparison"),
        ("незаконченность", "self_contained"),
        ("длина", "length"),
        ("слова-паразиты", "filler"),
    ];

    /// Decodes one line of `citata quotes --format ndjson` (unknown fields are an error).
    fn decode_quote(line: &str) -> Quote {
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line does not fit the quote schema: {e}\n{line}"))
    }

    /// `citata quotes PATH [--codebook CB] EXTRA...`.
    fn quotes_run(path: &Path, codebook: Option<&Path>, extra: &[&str]) -> Run {
        let mut args: Vec<&OsStr> = vec!["quotes".as_ref(), path.as_os_str()];
        if let Some(cb) = codebook {
            args.extend(["--codebook".as_ref(), cb.as_os_str()]);
        }
        args.extend(extra.iter().map(OsStr::new));
        citata(&args)
    }

    /// `citata quotes --format ndjson`: the decoded quotes and the run.
    fn quotes_ndjson(path: &Path, codebook: Option<&Path>, extra: &[&str]) -> (Vec<Quote>, Run) {
        let mut args = vec!["--format", "ndjson"];
        args.extend_from_slice(extra);
        let run = quotes_run(path, codebook, &args);
        let quotes = run.stdout.lines().map(decode_quote).collect();
        (quotes, run)
    }

    /// Quotes of a path that must succeed with `--quiet` and nothing on stderr.
    fn quotes_ok(path: &Path, codebook: Option<&Path>, extra: &[&str]) -> Vec<Quote> {
        let mut args = vec!["--quiet"];
        args.extend_from_slice(extra);
        let (quotes, run) = quotes_ndjson(path, codebook, &args);
        assert_eq!(run.code, 0, "citata quotes failed: {}", run.stderr);
        assert_eq!(run.stderr, "", "unexpected stderr");
        quotes
    }

    /// The texts of the quotes of one parameter, in rank order.
    fn texts_of<'a>(quotes: &'a [Quote], param: &str) -> Vec<&'a str> {
        quotes
            .iter()
            .filter(|q| q.param == param)
            .map(|q| q.text.as_str())
            .collect()
    }

    /// How many quotes each parameter got.
    fn counts(quotes: &[Quote]) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for q in quotes {
            *out.entry(q.param.as_str()).or_default() += 1;
        }
        out
    }

    /// What the quote's span shows by docs/quotes.md: the canonical text between `start` and
    /// `end` (code points), non-speech marks left out, whitespace collapsed.
    fn span_shows(t: &Wire, q: &Quote) -> String {
        let mut marks: Vec<[usize; 2]> = t
            .sentences
            .iter()
            .flat_map(|s| s.marks.iter().flatten().copied())
            .filter(|m| q.start <= m[0] && m[1] <= q.end)
            .collect();
        marks.sort_unstable();
        let mut out = String::new();
        let mut pos = q.start;
        for [a, b] in marks {
            out.push_str(&t.slice(pos, a));
            pos = b;
        }
        out.push_str(&t.slice(pos, q.end));
        // Marks left out, whitespace collapsed, no space before punctuation (docs/quotes.md).
        out.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" ,", ",")
            .replace(" .", ".")
            .replace(" ;", ";")
            .replace(" :", ":")
            .replace(" !", "!")
            .replace(" ?", "?")
    }

    /// The quote's text with the cut marks undone: no leading "…", and a final "…" that
    /// stands for a cut is dropped (or is the period it replaced).
    fn uncut(text: &str, span: &str) -> String {
        let mut shown = text.strip_prefix('…').unwrap_or(text).to_string();
        if shown.ends_with('…') && !span.ends_with('…') {
            shown.pop();
            if span.ends_with('.') {
                shown.push('.');
            }
        }
        shown
    }

    // -----------------------------------------------------------------------------------
    // Fixtures

    /// A small codebook: three parameters on two levels.
    const CODEBOOK: &str = r#"name = "Тест цитат"
version = "q1"

[[levels]]
id = "proc"
name = "Процессный уровень"

[[levels]]
id = "pers"
name = "Личностный уровень"

[[parameters]]
id = "delivery"
level = "proc"
name = "Сроки поставки"
terms = ["срок поставки", "поставка", "задержка", "вовремя", "опаздывать"]
questions = ["сроки"]

[[parameters]]
id = "price"
level = "proc"
name = "Цены"
terms = ["цена", "дорого"]
questions = ["по деньгам"]

[[parameters]]
id = "manager"
level = "pers"
name = "Работа менеджера"
terms = ["менеджер"]
questions = ["на связи"]
"#;

    /// Procurement, with its division in front matter: fillers at the start of an answer, a
    /// rating in its middle, a laugh inside a sentence.
    const ZAKUPKI: &str = "---\ndivision: Служба закупок\n---\n\
        Интервьюер: Как вы оцениваете сроки поставки?\n\
        Респондент: Ну, вот, короче, поставка у нас вечно опаздывает, в марте ждали насосы три недели. Я уже и звонить устала. Восемь. Хотя нет, поставка в целом нормальная, если заранее заказывать, по графику приходит.\n\
        Интервьюер: А по деньгам что скажете?\n\
        Респондент: Цены, честно говоря, кусаются [смеется], очень дорого для нас. У конкурентов процентов на десять дешевле, мы сравнивали в прошлом году.\n\
        Интервьюер: А менеджер как, на связи?\n\
        Респондент: Менеджер у нас отличный, всегда на связи, мы им очень довольны!\n";

    /// The workshop, with its division and role in respondents.csv.
    const CEH: &str = "Интервьюер: Скажите, а со сроками как?\n\
        Респондент: Да нормально всё со сроками. Поставка приходит вовремя, мы по ней план ремонтов строим, претензий особых нет.\n\
        Интервьюер: А менеджер?\n\
        Респондент: Менеджер толковый, но трубку берёт через раз, это очень неудобно.\n";

    /// No division, no role: attributed by its number.
    const ANON: &str = "Интервьюер: Что скажете про сроки поставки?\n\
        Респондент: Поставка у нас была ужасная в этом году, задержка на месяц, линия стояла две недели!\n";

    /// A folder with `cb.toml` and `corpus/` (three transcripts and respondents.csv).
    fn fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let corpus = dir.path().join("corpus");
        write(&corpus, "01-zakupki.txt", ZAKUPKI);
        write(&corpus, "02-ceh.txt", CEH);
        write(&corpus, "03-anon.txt", ANON);
        write(
            &corpus,
            "respondents.csv",
            "file,division,role\n02-ceh.txt,Производство,Начальник цеха\n",
        );
        (dir, cb, corpus)
    }

    // -----------------------------------------------------------------------------------
    // NDJSON

    #[test]
    fn ndjson_ranks_attributes_and_polarities_per_parameter() {
        let (_dir, cb, corpus) = fixture();
        let quotes = quotes_ok(&corpus, Some(&cb), &[]);
        let rows: Vec<(&str, &str, usize, &str, &str, &str)> = quotes
            .iter()
            .map(|q| {
                (
                    q.param.as_str(),
                    q.level.as_str(),
                    q.rank,
                    q.doc.as_str(),
                    q.attribution.as_str(),
                    q.polarity.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    "delivery",
                    "proc",
                    1,
                    "01-zakupki.txt",
                    "Служба закупок",
                    "mixed"
                ),
                (
                    "delivery",
                    "proc",
                    2,
                    "03-anon.txt",
                    "Респондент 3",
                    "negative"
                ),
                (
                    "delivery",
                    "proc",
                    3,
                    "02-ceh.txt",
                    "Производство",
                    "positive"
                ),
                // «кусаются», «очень дорого», and competitors «на десять дешевле» is no
                // praise of the supplier: criticism.
                (
                    "price",
                    "proc",
                    1,
                    "01-zakupki.txt",
                    "Служба закупок",
                    "negative"
                ),
                (
                    "manager",
                    "pers",
                    1,
                    "01-zakupki.txt",
                    "Служба закупок",
                    "positive"
                ),
                (
                    "manager",
                    "pers",
                    2,
                    "02-ceh.txt",
                    "Производство",
                    "negative"
                ),
            ]
        );
        assert_eq!(
            texts_of(&quotes, "delivery"),
            vec![
                // The fillers "Ну, вот, короче," were trimmed: a lowercase start is no fragment
                // for the score, and the quote opens with «…» (issue 15: it begins
                // mid-sentence).
                "…поставка у нас вечно опаздывает, в марте ждали насосы три недели. Я уже и звонить устала. Восемь. Хотя нет, поставка в целом нормальная, если заранее заказывать, по графику приходит.",
                "Поставка у нас была ужасная в этом году, задержка на месяц, линия стояла две недели!",
                "…нормально всё со сроками. Поставка приходит вовремя, мы по ней план ремонтов строим, претензий особых нет.",
            ]
        );
        assert_eq!(
            texts_of(&quotes, "manager"),
            vec![
                "Менеджер у нас отличный, всегда на связи, мы им очень довольны!",
                "Менеджер толковый, но трубку берёт через раз, это очень неудобно.",
            ]
        );
        for q in &quotes {
            assert_eq!(q.r#type, "quote");
            let names: Vec<&str> = q.features.keys().map(String::as_str).collect();
            let mut want = FEATURES.to_vec();
            want.sort_unstable();
            assert_eq!(names, want, "{q:?}");
            let sum: f64 = q.features.values().sum();
            assert!(
                (sum - q.score).abs() <= 0.01,
                "features sum to {sum}, score {}: {q:?}",
                q.score
            );
            assert!(q.score > 0.0, "{q:?}");
        }
        // Within a parameter, scores never rise with the rank here (no penalty reorders).
        for w in quotes.windows(2) {
            if w[0].param == w[1].param {
                assert_eq!(w[1].rank, w[0].rank + 1);
                assert!(w[0].score >= w[1].score, "{w:?}");
            } else {
                assert_eq!(w[1].rank, 1);
            }
        }
        // The comparison with competitors and the exclamation show in the features.
        let price = quotes.iter().find(|q| q.param == "price").unwrap();
        assert_eq!(price.features["comparison"], 0.5);
        assert_eq!(price.features["first_person"], 0.4);
        let anon = &quotes[0];
        assert!(anon.features["emotion"] > 0.5, "{anon:?}");
        assert_eq!(anon.features["length"], 0.0);
    }

    /// `start`/`end` are code points into the canonical text of `citata ingest`: the text
    /// there, marks left out, is the quote without its cut marks; fillers are outside.
    #[test]
    fn ndjson_offsets_are_code_points_into_the_ingested_text() {
        let (_dir, cb, corpus) = fixture();
        let quotes = quotes_ok(&corpus, Some(&cb), &["--top", "5"]);
        let docs = ingest_ok(&corpus);
        let by_doc: BTreeMap<&str, &Wire> = docs.iter().map(|t| (t.doc.as_str(), t)).collect();
        assert!(quotes.len() >= 6, "{quotes:?}");
        let mut with_marks = 0;
        for q in &quotes {
            let t = by_doc[q.doc.as_str()];
            let turn = &t.turns[q.turn];
            assert_eq!(turn.role, "respondent", "{q:?}");
            assert!(
                turn.start <= q.start && q.start < q.end && q.end <= turn.end,
                "{q:?} outside its turn {}..{}",
                turn.start,
                turn.end
            );
            let raw = t.slice(q.start, q.end);
            let span = span_shows(t, q);
            if raw.contains("[смеется]") {
                with_marks += 1;
                assert!(!q.text.contains("[смеется]"), "{q:?}");
            }
            assert_eq!(uncut(&q.text, &span), span, "{q:?}");
        }
        assert!(with_marks > 0, "the laugh inside a quote is in its span");
        // The fillers at the start of the answer are outside the span.
        let zakupki = by_doc["01-zakupki.txt"];
        let q = quotes
            .iter()
            .find(|q| q.doc == "01-zakupki.txt" && q.turn == 1)
            .unwrap();
        let answer = &zakupki.turn_texts()[1].1;
        assert!(answer.starts_with("Ну, вот, короче, поставка"), "{answer}");
        assert_eq!(
            q.start,
            zakupki.turns[1].start + "Ну, вот, короче, ".chars().count()
        );
        assert!(zakupki.slice(q.start, q.end).starts_with("поставка у нас"));
    }

    // -----------------------------------------------------------------------------------
    // Masking

    /// Ирина Львовна names her managers in several cases and gives a phone and an e-mail.
    const IRINA: &str = "Интервьюер: Ирина Львовна, а менеджер у вас сейчас на связи?\n\
        Ирина Львовна: Менеджер новый, Дима, парень вежливый, но я по старой памяти всё равно звоню Ивану Петровичу. Раньше мы с Сидоровым любой вопрос за день решали, а теперь менеджер неделю письма пишет.\n\
        Интервьюер: А если срочно что-то нужно?\n\
        Ирина Львовна: Тогда звоню сервису, там Саныч, он всегда на связи, его мобильный +7 846 123-45-67, я его наизусть помню. А менеджеру пишу на почту sidorov@techpump.ru, и он отвечает через два дня, это для нас очень долго. Мне менеджер прямо так и сказал: Львовна, ждите, я не успеваю.\n";

    #[test]
    fn names_phones_and_emails_are_masked_unless_no_mask() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let file = write(dir.path(), "irina.txt", IRINA);
        let masked = quotes_ok(&file, Some(&cb), &["--top", "5"]);
        assert_eq!(
            texts_of(&masked, "manager"),
            vec![
                "Менеджер новый, [имя], парень вежливый, но я по старой памяти всё равно звоню [имя]. Раньше мы с [имя] любой вопрос за день решали, а теперь менеджер неделю письма пишет.",
                "Тогда звоню сервису, там [имя], он всегда на связи, его мобильный [телефон], я его наизусть помню. А менеджеру пишу на почту [e-mail], и он отвечает через два дня, это для нас очень долго. Мне менеджер прямо так и сказал: [имя], ждите, я не успеваю.",
            ]
        );
        for q in &masked {
            assert_eq!(q.attribution, "Респондент 1", "never a name");
        }
        let plain = quotes_ok(&file, Some(&cb), &["--top", "5", "--no-mask"]);
        assert_eq!(
            texts_of(&plain, "manager"),
            vec![
                "Менеджер новый, Дима, парень вежливый, но я по старой памяти всё равно звоню Ивану Петровичу. Раньше мы с Сидоровым любой вопрос за день решали, а теперь менеджер неделю письма пишет.",
                "Тогда звоню сервису, там Саныч, он всегда на связи, его мобильный +7 846 123-45-67, я его наизусть помню. А менеджеру пишу на почту sidorov@techpump.ru, и он отвечает через два дня, это для нас очень долго. Мне менеджер прямо так и сказал: Львовна, ждите, я не успеваю.",
            ]
        );
        // Masking changes the text only: the same passages, spans and scores.
        let key = |q: &Quote| (q.param.clone(), q.rank, q.start, q.end, q.score.to_bits());
        assert_eq!(
            masked.iter().map(key).collect::<Vec<_>>(),
            plain.iter().map(key).collect::<Vec<_>>()
        );
    }

    /// A surname the dictionary reads as a common noun ("жмых") is masked only because it is
    /// the speaker's own label.
    #[test]
    fn the_speakers_own_name_from_the_label_is_masked() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let answer = "Менеджер мне так и сказал: Жмых, ждите до пятницы, я не успеваю. Менеджер вообще пропадает неделями, это для нас очень плохо.";
        let labelled = write(
            dir.path(),
            "label/zhmykh.txt",
            format!("Интервьюер: А менеджер у вас на связи?\nИрина Жмых: {answer}\n"),
        );
        let anonymous = write(
            dir.path(),
            "role/zhmykh.txt",
            format!("Интервьюер: А менеджер у вас на связи?\nРеспондент: {answer}\n"),
        );
        let own = quotes_ok(&labelled, Some(&cb), &[]);
        assert_eq!(
            texts_of(&own, "manager"),
            vec![answer.replace("Жмых", "[имя]")]
        );
        assert_eq!(own[0].attribution, "Респондент 1");
        // The same words under a role label: "Жмых" is no name to the dictionary.
        let other = quotes_ok(&anonymous, Some(&cb), &[]);
        assert_eq!(texts_of(&other, "manager"), vec![answer]);
    }

    /// "Сан Саныч" is one person: one mask, and nothing of the name is left.
    #[test]
    fn san_sanych_is_masked_whole() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let file = write(
            dir.path(),
            "sanych.txt",
            "Интервьюер: А менеджер на связи?\nРеспондент: Менеджер у них теперь Сан Саныч, мы с ним давно знакомы, всегда на связи.\n",
        );
        let quotes = quotes_ok(&file, Some(&cb), &[]);
        assert_eq!(
            texts_of(&quotes, "manager"),
            vec!["Менеджер у них теперь [имя], мы с ним давно знакомы, всегда на связи."]
        );
    }

    // -----------------------------------------------------------------------------------
    // --top, --param, --polarity

    #[test]
    fn top_k_takes_the_first_k_of_each_parameter() {
        let (_dir, cb, corpus) = fixture();
        let three = quotes_ok(&corpus, Some(&cb), &[]);
        let one = quotes_ok(&corpus, Some(&cb), &["--top", "1"]);
        let two = quotes_ok(&corpus, Some(&cb), &["--top", "2"]);
        assert_eq!(
            counts(&three),
            BTreeMap::from([("delivery", 3), ("manager", 2), ("price", 1)])
        );
        assert_eq!(
            counts(&one),
            BTreeMap::from([("delivery", 1), ("manager", 1), ("price", 1)])
        );
        assert_eq!(
            counts(&two),
            BTreeMap::from([("delivery", 2), ("manager", 2), ("price", 1)])
        );
        assert!(one.iter().all(|q| q.rank == 1));
        assert!(two.iter().all(|q| q.rank <= 2));
        // Greedy selection: the first k quotes do not depend on k.
        let head = |qs: &[Quote], k: usize| -> Vec<(String, String)> {
            qs.iter()
                .filter(|q| q.rank <= k)
                .map(|q| (q.param.clone(), q.text.clone()))
                .collect()
        };
        assert_eq!(head(&one, 1), head(&three, 1));
        assert_eq!(head(&two, 2), head(&three, 2));
    }

    #[test]
    fn param_limits_the_output_and_an_unknown_one_exits_2() {
        let (_dir, cb, corpus) = fixture();
        let all = quotes_ok(&corpus, Some(&cb), &[]);
        let manager = quotes_ok(&corpus, Some(&cb), &["--param", "manager"]);
        assert_eq!(counts(&manager), BTreeMap::from([("manager", 2)]));
        assert_eq!(texts_of(&manager, "manager"), texts_of(&all, "manager"));
        let two = quotes_ok(
            &corpus,
            Some(&cb),
            &["--param", "price", "--param", "manager"],
        );
        assert_eq!(counts(&two), BTreeMap::from([("manager", 2), ("price", 1)]));

        let run = quotes_run(&corpus, Some(&cb), &["--param", "delivery_time"]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.contains("`delivery_time`")
                && run.stderr.contains("delivery, price, manager"),
            "{}",
            run.stderr
        );
    }

    #[test]
    fn polarity_keeps_praise_or_criticism_and_mixed_quotes_in_both() {
        let (_dir, cb, corpus) = fixture();
        let all = quotes_ok(&corpus, Some(&cb), &["--top", "5"]);
        let polarities: std::collections::BTreeSet<&str> =
            all.iter().map(|q| q.polarity.as_str()).collect();
        assert!(
            polarities.is_superset(&["positive", "negative", "mixed"].into()),
            "{polarities:?}"
        );
        for (flag, keep) in [("negative", "negative"), ("positive", "positive")] {
            let kept = quotes_ok(&corpus, Some(&cb), &["--top", "5", "--polarity", flag]);
            assert!(!kept.is_empty());
            for q in &kept {
                assert!(
                    q.polarity == keep || q.polarity == "mixed",
                    "--polarity {flag} kept {q:?}"
                );
            }
            // Every quote of the right polarity from the unfiltered run is still there.
            for q in all.iter().filter(|q| q.polarity == keep) {
                assert!(
                    kept.iter()
                        .any(|k| k.doc == q.doc && k.start == q.start && k.end == q.end),
                    "--polarity {flag} lost {q:?}"
                );
            }
            assert!(kept.iter().any(|q| q.polarity == "mixed"), "{flag}");
        }
        let negative = quotes_ok(&corpus, Some(&cb), &["--polarity", "negative"]);
        assert_eq!(
            texts_of(&negative, "manager"),
            vec!["Менеджер толковый, но трубку берёт через раз, это очень неудобно."]
        );
        let positive = quotes_ok(&corpus, Some(&cb), &["--polarity", "positive"]);
        assert_eq!(
            texts_of(&positive, "manager"),
            vec!["Менеджер у нас отличный, всегда на связи, мы им очень довольны!"]
        );
        let any = quotes_ok(&corpus, Some(&cb), &["--polarity", "any", "--top", "5"]);
        assert_eq!(
            any.iter().map(|q| &q.text).collect::<Vec<_>>(),
            all.iter().map(|q| &q.text).collect::<Vec<_>>()
        );
    }

    // -----------------------------------------------------------------------------------
    // Diversity

    #[test]
    fn the_second_quote_comes_from_another_division() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let corpus = dir.path().join("corpus");
        let head = "Интервьюер: Как у вас со сроками поставки?\nРеспондент: ";
        write(
            &corpus,
            "01-zakupki.txt",
            format!(
                "---\ndivision: Служба закупок\n---\n{head}Поставка у нас просто ужасная, в марте ждали насосы три недели, линия стояла!\n"
            ),
        );
        write(
            &corpus,
            "02-zakupki.txt",
            format!(
                "---\ndivision: Служба закупок\n---\n{head}Поставка у нас просто ужасная, в марте ждали насосы три недели, цех стоял!\n"
            ),
        );
        write(
            &corpus,
            "03-ceh.txt",
            format!(
                "---\ndivision: Производство\n---\n{head}Поставка бывает с задержкой на пару дней, но в целом терпимо, мы привыкли.\n"
            ),
        );
        let all = quotes_ok(&corpus, Some(&cb), &["--top", "3"]);
        let score = |doc: &str| all.iter().find(|q| q.doc == doc).unwrap().score;
        assert!(
            score("02-zakupki.txt") > score("03-ceh.txt") + 1.0,
            "the twin is the stronger quote: {all:?}"
        );
        let two = quotes_ok(&corpus, Some(&cb), &["--top", "2"]);
        let picked: Vec<(&str, &str)> = two
            .iter()
            .map(|q| (q.doc.as_str(), q.attribution.as_str()))
            .collect();
        assert_eq!(
            picked,
            vec![
                ("01-zakupki.txt", "Служба закупок"),
                ("03-ceh.txt", "Производство")
            ]
        );
        // Without the penalties the twin takes the second slot.
        let flat = write(
            dir.path(),
            "flat.toml",
            "top = 2\noverlap_penalty = 0.0\nsame_division_penalty = 0.0\n",
        );
        let flat = quotes_ok(&corpus, Some(&cb), &["--weights", flat.to_str().unwrap()]);
        let docs: Vec<&str> = flat.iter().map(|q| q.doc.as_str()).collect();
        assert_eq!(docs, vec!["01-zakupki.txt", "02-zakupki.txt"]);
    }

    // -----------------------------------------------------------------------------------
    // Cut marks

    /// A long answer that turns to delivery in its middle; a rating that opens an answer
    /// about delivery and one about money; fillers opening an answer about the manager.
    const CUTS: &str = "Интервьюер: Расскажите немного, чем занимается ваш отдел.\n\
        Респондент: Мы отвечаем за ремонт насосов на всём заводе. Людей у нас немного, человек двадцать на три цеха. Поставка запчастей у нас вечно с задержкой, в марте ждали подшипники три недели. А так работаем потихоньку, справляемся.\n\
        Интервьюер: Как бы вы оценили сроки поставки по десятибалльной шкале?\n\
        Респондент: Восемь. Обычно всё приходит, как договаривались, без сюрпризов, по графику.\n\
        Интервьюер: А цены? Как оцените по деньгам?\n\
        Респондент: Ну, семь из десяти. Цены у них средние по рынку, не дешёвые, но и не грабёж.\n\
        Интервьюер: Понятно. А менеджер на связи?\n\
        Респондент: Ну, вот, короче, менеджер у нас хороший, всегда перезванивает в течение часа.\n";

    #[test]
    fn cuts_inside_a_turn_are_marked_and_trimmed_fillers_leave_an_opening_mark() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let file = write(dir.path(), "cuts.txt", CUTS);
        let quotes = quotes_ok(&file, Some(&cb), &["--top", "10"]);
        assert_eq!(
            texts_of(&quotes, "delivery"),
            vec![
                // From the middle of a turn: cut at both ends.
                "…Поставка запчастей у нас вечно с задержкой, в марте ждали подшипники три недели…",
                // After the bare rating: cut at the start, the end of the turn at the end.
                "…Обычно всё приходит, как договаривались, без сюрпризов, по графику.",
            ]
        );
        assert_eq!(
            texts_of(&quotes, "price"),
            vec!["…Цены у них средние по рынку, не дешёвые, но и не грабёж."]
        );
        // Fillers at the start of a turn: trimmed, and the quote opens with «…»: it begins
        // mid-sentence and in lower case (issue 15).
        assert_eq!(
            texts_of(&quotes, "manager"),
            vec!["…менеджер у нас хороший, всегда перезванивает в течение часа."]
        );
        // The ratings are coded (context of the question), yet open no quote.
        let codings = tag_ok(&file, Some(&cb));
        for rating in ["Восемь.", "Ну, семь из десяти."] {
            assert!(
                codings
                    .iter()
                    .any(|c| c.text == rating && c.source == "context"),
                "{rating} is coded"
            );
        }
        for q in &quotes {
            let open = q.text.trim_start_matches('…');
            assert!(
                !open.starts_with("Восемь") && !open.starts_with("семь"),
                "{q:?}"
            );
        }
    }

    /// A non-speech mark is no speech: a laugh alone before or after the quoted sentence is
    /// not a cut.
    #[test]
    fn a_laugh_before_or_after_the_answer_is_no_cut() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let file = write(
            dir.path(),
            "laugh.txt",
            "Интервьюер: А менеджер на связи?\n\
             Респондент: [смеется]. Менеджер у нас хороший, всегда перезванивает в течение часа, мы довольны.\n\
             Интервьюер: А по деньгам?\n\
             Респондент: Цены нормальные, мы их с рынком сравнивали в прошлом году, всё честно.\n[смеется]\n",
        );
        let quotes = quotes_ok(&file, Some(&cb), &[]);
        // Both the words of each answer, whole: no "…" before the first, none after the last.
        assert_eq!(
            (texts_of(&quotes, "manager"), texts_of(&quotes, "price")),
            (
                vec!["Менеджер у нас хороший, всегда перезванивает в течение часа, мы довольны."],
                vec!["Цены нормальные, мы их с рынком сравнивали в прошлом году, всё честно."]
            )
        );
    }

    // -----------------------------------------------------------------------------------
    // Markdown and table

    #[test]
    fn markdown_has_levels_parameters_numbered_quotes_and_score_breakdowns() {
        let (_dir, cb, corpus) = fixture();
        let quotes = quotes_ok(&corpus, Some(&cb), &[]);
        let run = quotes_run(&corpus, Some(&cb), &["-q"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let md = run.stdout;
        assert!(
            md.starts_with("<!-- generator: citata -->\n# Цитаты по параметрам\n"),
            "{md}"
        );
        let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("##")).collect();
        assert_eq!(
            headings,
            vec![
                "## Процессный уровень",
                "### Сроки поставки",
                "### Цены",
                "## Личностный уровень",
                "### Работа менеджера",
            ]
        );
        let items: Vec<&str> = md
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
            .collect();
        let want: Vec<String> = quotes
            .iter()
            .map(|q| format!("{}. «{}» — {}", q.rank, q.text, q.attribution))
            .collect();
        assert_eq!(items, want);
        let subs: Vec<&str> = md
            .lines()
            .filter(|l| l.trim_start().starts_with("<sub>"))
            .collect();
        assert_eq!(subs.len(), quotes.len());
        let polarity_ru = |p: &str| match p {
            "positive" => "позитив",
            "negative" => "негатив",
            "mixed" => "смешанно",
            _ => "нейтрально",
        };
        for (sub, q) in subs.iter().zip(&quotes) {
            let body = sub
                .strip_prefix("   <sub>")
                .and_then(|s| s.strip_suffix("</sub>"))
                .unwrap_or_else(|| panic!("{sub:?}"));
            let (score, rest) = body.split_once(" = ").unwrap();
            assert_eq!(score, format!("{:.2}", q.score));
            let (parts, tail) = rest.rsplit_once("; ").unwrap();
            assert_eq!(tail, format!("{}, {}", polarity_ru(&q.polarity), q.doc));
            // "релевантность 1.20 + эмоциональность 0.98 − слова-паразиты 0.22"
            let mut seen = BTreeMap::new();
            let mut sign = 1.0;
            let mut name = Vec::new();
            for word in parts.split(' ') {
                match word {
                    "+" => sign = 1.0,
                    "−" => sign = -1.0,
                    _ => match word.parse::<f64>() {
                        Ok(v) => {
                            let ru = name.join(" ");
                            let en = FEATURES_RU
                                .iter()
                                .find(|(r, _)| *r == ru)
                                .unwrap_or_else(|| panic!("unknown feature {ru:?} in {sub}"))
                                .1;
                            seen.insert(en, sign * v);
                            name.clear();
                        }
                        Err(_) => name.push(word),
                    },
                }
            }
            let nonzero: BTreeMap<&str, f64> = q
                .features
                .iter()
                .filter(|(_, v)| **v != 0.0)
                .map(|(k, v)| (k.as_str(), *v))
                .collect();
            assert_eq!(
                seen.keys().collect::<Vec<_>>(),
                nonzero.keys().collect::<Vec<_>>(),
                "{sub}"
            );
            for (k, v) in &seen {
                assert!((v - nonzero[k]).abs() <= 0.005, "{k}: {v} in {sub}");
            }
            let sum: f64 = seen.values().sum();
            assert!((sum - q.score).abs() <= 0.03, "{sub}");
        }
    }

    #[test]
    fn table_has_one_tab_separated_line_per_quote() {
        let (_dir, cb, corpus) = fixture();
        let quotes = quotes_ok(&corpus, Some(&cb), &[]);
        let run = quotes_run(&corpus, Some(&cb), &["--format", "table", "-q"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), quotes.len());
        for (line, q) in lines.iter().zip(&quotes) {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                fields,
                vec![
                    q.param.clone(),
                    q.rank.to_string(),
                    format!("{:.2}", q.score),
                    q.attribution.clone(),
                    format!("{}:{}", q.doc, q.turn),
                    q.text.clone(),
                ],
                "{line}"
            );
        }
        assert!(lines[0].starts_with("delivery\t1\t3."), "{}", lines[0]);
    }

    // -----------------------------------------------------------------------------------
    // Settings file

    /// Strong criticism without comparison, and a plain comparison with competitors.
    fn price_corpus(dir: &Path) -> PathBuf {
        let corpus = dir.join("price");
        let q = "Интервьюер: А по деньгам что скажете?\nРеспондент: ";
        write(
            &corpus,
            "01.txt",
            format!(
                "{q}Цены у них просто грабительские, за год подняли на двадцать процентов, мы в шоке!\n"
            ),
        );
        write(
            &corpus,
            "02.txt",
            format!("{q}Цены нормальные, у конкурентов примерно так же выходит.\n"),
        );
        corpus
    }

    #[test]
    fn weights_file_changes_the_winner() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let corpus = price_corpus(dir.path());
        let default = quotes_ok(&corpus, Some(&cb), &[]);
        assert_eq!(
            texts_of(&default, "price"),
            vec![
                "Цены у них просто грабительские, за год подняли на двадцать процентов, мы в шоке!",
                "Цены нормальные, у конкурентов примерно так же выходит.",
            ]
        );
        assert_eq!(default[1].features["comparison"], 0.5);
        let weights = write(
            dir.path(),
            "weights.toml",
            "top = 1\n\n[weights]\ncomparison = 5.0\n",
        );
        let weighted = quotes_ok(
            &corpus,
            Some(&cb),
            &["--weights", weights.to_str().unwrap()],
        );
        assert_eq!(
            texts_of(&weighted, "price"),
            vec!["Цены нормальные, у конкурентов примерно так же выходит."]
        );
        let q = &weighted[0];
        assert_eq!(q.features["comparison"], 5.0);
        assert!((q.score - default[1].score - 4.5).abs() <= 0.01, "{q:?}");
        // `--top` on the command line wins over the file.
        let both = quotes_ok(
            &corpus,
            Some(&cb),
            &["--weights", weights.to_str().unwrap(), "--top", "2"],
        );
        assert_eq!(both.len(), 2);
    }

    #[test]
    fn weights_file_with_an_unknown_key_exits_2_and_names_the_file() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let corpus = price_corpus(dir.path());
        for (name, src, key) in [
            (
                "яркость.toml",
                "top = 1\n[weights]\nvividness = 2.0\n",
                "vividness",
            ),
            ("colour.toml", "top = 1\ncolour = 2\n", "colour"),
        ] {
            let weights = write(dir.path(), name, src);
            let run = quotes_run(
                &corpus,
                Some(&cb),
                &["--weights", weights.to_str().unwrap()],
            );
            assert_eq!(run.code, 2, "{name}");
            assert_eq!(run.stdout, "", "{name}");
            assert!(run.stderr.contains(name), "{}", run.stderr);
            assert!(run.stderr.contains(&format!("`{key}`")), "{}", run.stderr);
        }
        let missing = dir.path().join("нет.toml");
        let run = quotes_run(
            &corpus,
            Some(&cb),
            &["--weights", missing.to_str().unwrap()],
        );
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("нет.toml"), "{}", run.stderr);
    }

    // -----------------------------------------------------------------------------------
    // Bad input, determinism

    #[test]
    fn a_batch_with_an_empty_file_exits_2_and_keeps_the_good_quotes() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let batch = dir.path().join("batch");
        write(&batch, "01-empty.txt", "");
        write(&batch, "02-good.txt", ANON);
        let (quotes, run) = quotes_ndjson(&batch, Some(&cb), &[]);
        assert_eq!(run.code, 2);
        let sep = std::path::MAIN_SEPARATOR;
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(errors.len(), 1, "{}", run.stderr);
        assert!(
            errors[0].contains(&format!("{sep}01-empty.txt:")) && errors[0].contains("empty"),
            "{}",
            errors[0]
        );
        assert_eq!(
            texts_of(&quotes, "delivery"),
            vec![
                "Поставка у нас была ужасная в этом году, задержка на месяц, линия стояла две недели!"
            ]
        );
        assert!(quotes.iter().all(|q| q.doc == "02-good.txt"));
        assert!(
            run.stderr
                .ends_with("1 quote(s) for 1 parameter(s) from 1 transcript(s); 1 failed\n"),
            "{}",
            run.stderr
        );
    }

    fn demo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo")
    }

    #[test]
    fn demo_output_is_the_same_for_any_number_of_threads() {
        let one = quotes_run(&demo(), None, &["--format", "ndjson", "-j", "1"]);
        assert_eq!(one.code, 0, "{}", one.stderr);
        let two = quotes_run(&demo(), None, &["--format", "ndjson", "-j", "2"]);
        assert_eq!(two.code, 0, "{}", two.stderr);
        assert!(one.stdout == two.stdout, "-j 1 and -j 2 differ");
        assert_eq!(one.stderr, two.stderr);
        let quotes: Vec<Quote> = one.stdout.lines().map(decode_quote).collect();
        assert_eq!(quotes.len(), 72, "3 quotes for each of 24 parameters");
    }

    /// `--wave` and `--division` keep the quotes of the transcripts whose metadata holds
    /// them (from respondents.csv here; case does not matter); a value no transcript has is
    /// an error listing the values there are (issue 17).
    #[test]
    fn wave_and_division_filter_the_transcripts_quoted() {
        let docs = |quotes: &[Quote]| -> Vec<String> {
            let set: std::collections::BTreeSet<String> =
                quotes.iter().map(|q| q.doc.clone()).collect();
            set.into_iter().collect()
        };
        let (w25, run) = quotes_ndjson(&demo(), None, &["--wave", "2025"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            docs(&w25),
            [
                "w25-finansy.txt",
                "w25-kachestvo.docx",
                "w25-kapstroy.json",
                "w25-mekhanik.md",
                "w25-proizvodstvo.srt",
                "w25-zakupki.txt"
            ]
        );
        assert!(
            run.stderr.ends_with(&format!(
                "{} quote(s) for 24 parameter(s) from 6 of 16 transcript(s); 0 failed\n",
                w25.len()
            )),
            "{}",
            run.stderr
        );
        let buying = quotes_ok(&demo(), None, &["--division", "служба закупок"]);
        assert_eq!(docs(&buying), ["w25-zakupki.txt", "w26-zakupki.txt"]);
        assert!(
            buying
                .iter()
                .all(|q| q.attribution.contains("Служба закупок")),
            "{buying:?}"
        );
        let both = quotes_ok(
            &demo(),
            None,
            &["--division", "Служба закупок", "--wave", " 2026 "],
        );
        assert_eq!(docs(&both), ["w26-zakupki.txt"]);
        let none = quotes_run(&demo(), None, &["--wave", "2027", "--quiet"]);
        assert_eq!(none.code, 2);
        assert_eq!(
            none.stderr,
            "error: no transcript matches --wave 2027 (the transcripts' waves: 2025, 2026)\n"
        );
    }

    /// The embedded codebook's levels and parameters, read from the shipped file.
    #[derive(Deserialize)]
    struct Shipped {
        levels: Vec<ShippedItem>,
        parameters: Vec<ShippedParam>,
    }

    #[derive(Deserialize)]
    struct ShippedItem {
        id: String,
        name: String,
    }

    #[derive(Deserialize)]
    struct ShippedParam {
        id: String,
        level: String,
        name: String,
    }

    #[test]
    fn demo_report_covers_every_parameter_and_masks_the_names() {
        let src = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries/b2b-cx.ru.toml"),
        )
        .expect("the shipped codebook");
        let shipped: Shipped = toml::from_str(&src).expect("the shipped codebook parses");
        assert_eq!(shipped.parameters.len(), 24);
        let mut want = Vec::new();
        for level in &shipped.levels {
            want.push(format!("## {}", level.name));
            for p in shipped.parameters.iter().filter(|p| p.level == level.id) {
                want.push(format!("### {}", p.name));
            }
        }
        assert_eq!(want.len(), 24 + shipped.levels.len());

        let run = citata(["quotes".as_ref(), demo().as_os_str()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.ends_with("from 16 transcript(s); 0 failed\n"),
            "{}",
            run.stderr
        );
        let headings: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("##")).collect();
        assert_eq!(headings, want);
        let items: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()) && l.contains(". «"))
            .collect();
        assert_eq!(items.len(), 72, "3 quotes per parameter");
        let names = ["Ковалёв", "Ковалев", "Сафин", "Саныч"];
        for item in &items {
            for name in names {
                assert!(!item.contains(name), "{name} in {item}");
            }
        }
        assert!(items.iter().any(|i| i.contains("[имя]")));
        // Unmasked, the same report does quote them: the masking is what hides them.
        let plain = citata(["quotes".as_ref(), demo().as_os_str(), "--no-mask".as_ref()]);
        assert_eq!(plain.code, 0, "{}", plain.stderr);
        for name in ["Ковалёв", "Сафин", "Саныч"] {
            assert!(plain.stdout.contains(name), "{name} is quoted in the demo");
        }
        // The NDJSON agrees: every parameter id, three ranks each.
        let quotes = quotes_ok(&demo(), None, &[]);
        for p in &shipped.parameters {
            let ranks: Vec<usize> = quotes
                .iter()
                .filter(|q| q.param == p.id)
                .map(|q| q.rank)
                .collect();
            assert_eq!(ranks, vec![1, 2, 3], "{}", p.id);
        }
    }

    /// Like `citata tag`, the NDJSON output ends quietly when the reader goes away (`| head`).
    #[test]
    fn ndjson_into_a_closed_pipe_exits_0_quietly() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_citata"))
            .args(["quotes".as_ref(), demo().as_os_str()])
            .args(["--format", "ndjson", "--top", "50", "-q"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("citata starts");
        let mut first = String::new();
        {
            let stdout = child.stdout.take().expect("piped stdout");
            BufReader::new(stdout)
                .read_line(&mut first)
                .expect("a first line");
        }
        decode_quote(first.trim_end());
        let out = child.wait_with_output().expect("citata ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, "");
        assert_eq!(out.status.code(), Some(0));
    }
}

/// `citata ratings`: extraction through the binary and ratings.csv overrides.
mod ratings {
    use crate::testenv::{citata, tmp, write};

    const CODEBOOK: &str = "name = \"t\"\n[[levels]]\nid = \"proc\"\nname = \"Процесс\"\n[[parameters]]\nid = \"price\"\nlevel = \"proc\"\nname = \"Цены\"\nterms = [\"цена\"]\nquestions = [\"цены\"]\n[[parameters]]\nid = \"delivery\"\nlevel = \"proc\"\nname = \"Сроки\"\nterms = [\"срок\"]\nquestions = [\"сроки\"]\n";

    const INTERVIEW: &str = "---\nwave: 2026\n---\nИнтервьюер: Цены — как оцените?\nРеспондент: Подняли на пятнадцать процентов. Пять. Нет, пожалуй, шесть.\nИнтервьюер: А сроки? Сколько баллов?\nРеспондент: Ждали три недели, но в целом восемь с половиной.\n";

    fn values(stdout: &str) -> Vec<(String, f64, String)> {
        stdout
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["param"].as_str().unwrap().to_string(),
                    v["value"].as_f64().unwrap(),
                    v["source"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// Every record of a CSV output, parsed by the csv crate (RFC 4180 quoting).
    fn csv_records(stdout: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(stdout.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    // See: issue #20
    #[test]
    fn csv_quotes_a_file_name_with_a_comma_and_quotes() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        let name = "Иванов, ООО \"Ромашка\".txt";
        write(&corpus, name, INTERVIEW);
        for (command, columns) in [("ratings", 8), ("tag", 18)] {
            let run = citata([
                command.as_ref(),
                corpus.as_os_str(),
                "--codebook".as_ref(),
                cb.as_os_str(),
                "--format".as_ref(),
                "csv".as_ref(),
            ]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let records = csv_records(&run.stdout);
            assert_eq!(records[0].len(), columns, "{command}: the header");
            assert!(records.len() > 2, "{command}: {}", run.stdout);
            for r in &records[1..] {
                assert_eq!(r.len(), columns, "{command}: {r:?}");
                assert_eq!(r[0], name, "{command}: the doc field is the whole name");
            }
        }
    }

    #[test]
    fn ratings_are_read_and_a_csv_overrides_them() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        write(&corpus, "a.txt", INTERVIEW);
        let run = citata([
            "ratings".as_ref(),
            corpus.as_os_str(),
            "--codebook".as_ref(),
            cb.as_os_str(),
            "--format".as_ref(),
            "ndjson".as_ref(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            values(&run.stdout),
            vec![
                ("price".to_string(), 6.0, "transcript".to_string()),
                ("delivery".to_string(), 8.5, "transcript".to_string())
            ]
        );
        write(&corpus, "ratings.csv", "file,param,value\na.txt,price,7\n");
        let run = citata([
            "ratings".as_ref(),
            corpus.as_os_str(),
            "--codebook".as_ref(),
            cb.as_os_str(),
            "--format".as_ref(),
            "ndjson".as_ref(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            values(&run.stdout)[0],
            ("price".to_string(), 7.0, "csv".to_string())
        );
        assert!(
            run.stderr
                .contains("a.txt price: 6 (transcript) replaced by 7 (csv)"),
            "{}",
            run.stderr
        );
        let table = citata([
            "ratings".as_ref(),
            corpus.as_os_str(),
            "--codebook".as_ref(),
            cb.as_os_str(),
        ]);
        assert!(
            table
                .stdout
                .lines()
                .any(|l| l.contains("(price)") && l.contains("7.0 (n=1)")),
            "{}",
            table.stdout
        );
        assert!(
            table
                .stdout
                .lines()
                .any(|l| l.starts_with("Процесс") && l.contains("7.8")),
            "{}",
            table.stdout
        );
    }

    #[test]
    fn a_csv_with_an_unknown_parameter_names_its_line() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CODEBOOK);
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        write(&corpus, "a.txt", INTERVIEW);
        write(
            &corpus,
            "ratings.csv",
            "file,param,value\na.txt,price,7\na.txt,quality,9\n",
        );
        let run = citata([
            "ratings".as_ref(),
            corpus.as_os_str(),
            "--codebook".as_ref(),
            cb.as_os_str(),
        ]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr
                .contains("ratings.csv: line 3: unknown parameter `quality`"),
            "{}",
            run.stderr
        );
    }
}

/// `citata report`: the golden Markdown report of the demo corpus, the HTML page, the JSON
/// model.
mod report {
    use std::path::Path;

    use crate::testenv::{citata, tmp, write};

    pub(super) fn demo() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo")
    }

    fn report(ext: &str) -> String {
        String::from_utf8(report_bytes(ext)).unwrap()
    }

    /// `citata report corpora/demo --out report.EXT`: the bytes; nothing else is left in
    /// the folder.
    pub(super) fn report_bytes(ext: &str) -> Vec<u8> {
        // A copy of the demo's files: pins a user made in corpora/demo (`citata serve
        // corpora/demo` keeps them in its .citata/) never reach the golden files.
        let copy = tmp();
        let study = demo_copy(copy.path());
        let dir = tmp();
        let out = dir.path().join(format!("report.{ext}"));
        let run = citata([
            "report".as_ref(),
            study.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stderr.contains("report written to"), "{}", run.stderr);
        // No temporary file is left beside it.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![format!("report.{ext}")]);
        std::fs::read(out).unwrap()
    }

    /// Copies the demo study (without its index folder) into a temporary folder.
    fn demo_copy(to: &Path) -> std::path::PathBuf {
        let study = to.join("study");
        std::fs::create_dir(&study).unwrap();
        for e in std::fs::read_dir(demo()).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), study.join(e.file_name())).unwrap();
            }
        }
        study
    }

    /// Issue 15: a pin's trim is the passage's words, or the report shows the whole passage
    /// (with a note naming the file, the document and the parameter); names are masked.
    #[test]
    fn pinned_quotes_come_first_with_their_trimming() {
        let dir = tmp();
        let study = demo_copy(dir.path());
        // Quotes citata picks for delivery times in this wave (2026: the report quotes the
        // wave it reports), and one that is not a candidate.
        let q = citata([
            "quotes".as_ref(),
            study.as_os_str(),
            "--param".as_ref(),
            "delivery_time".as_ref(),
            "--top".as_ref(),
            "20".as_ref(),
            "--format".as_ref(),
            "ndjson".as_ref(),
        ]);
        let w26: Vec<serde_json::Value> = q
            .stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["doc"].as_str().unwrap().starts_with("w26-"))
            .collect();
        let (third, fourth) = (&w26[2], &w26[3]);
        // Words 2 to 6 of the third quote: a range of its passage.
        let text = third["text"].as_str().unwrap().trim_matches('…');
        let words: Vec<&str> = text.split_whitespace().collect();
        assert!(words.len() > 7, "{text}");
        let trim = words[1..6].join(" ");
        let pin = |q: &serde_json::Value, text: &str| {
            format!(
                "[[pin]]\nparam = \"delivery_time\"\ndoc = \"{}\"\nstart = {}\nend = {}\ntext = \"{text}\"\n\n",
                q["doc"].as_str().unwrap(),
                q["start"],
                q["end"]
            )
        };
        std::fs::create_dir(study.join(".citata")).unwrap();
        std::fs::write(
            study.join(".citata/pins.toml"),
            format!(
                "{}{}[[pin]]\nparam = \"delivery_time\"\ndoc = \"nowhere.txt\"\nstart = 1\nend = 2\n",
                pin(third, &trim),
                pin(fourth, "Поставщик полностью провалил сроки…")
            ),
        )
        .unwrap();
        let out = dir.path().join("r.json");
        let r = citata([
            "report".as_ref(),
            study.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let pins_file = study.join(".citata").join("pins.toml");
        assert!(
            r.stderr.contains(&format!(
                "{}: the pin of `delivery_time` in `{}` (from {}): the trimmed text is not the transcript's words: «Поставщик полностью провалил сроки» is not in the passage",
                pins_file.display(),
                fourth["doc"].as_str().unwrap(),
                fourth["start"]
            )),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("the whole passage is shown instead"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("in `nowhere.txt` (from 1): skipped: no such transcript"),
            "{}",
            r.stderr
        );
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let delivery = model["levels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["parameters"].as_array().unwrap())
            .find(|p| p["id"] == "delivery_time")
            .unwrap();
        let quotes = delivery["quotes"].as_array().unwrap();
        assert_eq!(quotes[0]["text"], format!("…{trim}…"));
        assert_eq!(quotes[0]["doc"], third["doc"]);
        assert_eq!(quotes[0]["attribution"], third["attribution"]);
        // The invented trim gave way to the passage citata cut (as the quotes command shows
        // it, but for the «…» the report adds where the turn goes on).
        let strip =
            |v: &serde_json::Value| v.as_str().unwrap().trim_matches(['…', '.']).to_string();
        assert_eq!(strip(&quotes[1]["text"]), strip(&fourth["text"]));
        assert!(
            !quotes
                .iter()
                .any(|x| x["text"].as_str().unwrap().contains("Поставщик"))
        );
        // The pinned passages are not shown twice; the pin with no transcript is left out;
        // the section keeps its size.
        for p in [third, fourth] {
            assert_eq!(
                quotes
                    .iter()
                    .filter(|x| x["start"] == p["start"] && x["doc"] == p["doc"])
                    .count(),
                1
            );
        }
        assert!(quotes.iter().all(|x| x["doc"] != "nowhere.txt"));
        assert_eq!(quotes.len(), 3);
    }

    /// `citata report DIR --out DIR/report.EXT`: the exit code, stderr and the JSON model
    /// (read from a JSON report written beside, outside the folder).
    fn report_in(dir: &Path, out: &Path) -> (i32, String) {
        let r = citata([
            "report".as_ref(),
            dir.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        (r.code, r.stderr)
    }

    /// Issue 15: in a folder with one transcript, the reports citata writes there (md, json,
    /// docx) are never read back as interviews, nor the file being written.
    #[test]
    fn the_report_never_reads_its_own_output() {
        let dir = tmp();
        let study = dir.path().join("study");
        std::fs::create_dir(&study).unwrap();
        std::fs::copy(
            demo().join("w26-zakupki.txt"),
            study.join("w26-zakupki.txt"),
        )
        .unwrap();
        let md = study.join("report.md");
        let (code, first_err) = report_in(&study, &md);
        assert_eq!(code, 0, "{first_err}");
        assert!(first_err.contains("1 interview)"), "{first_err}");
        let first = std::fs::read(&md).unwrap();
        assert!(first.starts_with(b"<!-- generator: citata -->\n# "));
        for ext in ["json", "docx", "html", "xlsx"] {
            let (code, err) = report_in(&study, &study.join(format!("report.{ext}")));
            assert_eq!(code, 0, "{ext}: {err}");
            assert!(err.contains("(wave ; 1 interview"), "{ext}: {err}");
        }
        let json = std::fs::read_to_string(study.join("report.json")).unwrap();
        assert!(
            json.starts_with("{\n  \"generator\": \"citata\",\n  \"title\""),
            "{json}"
        );
        // The second run reads the one transcript: the same report, byte for byte, and a
        // note for every file skipped.
        let (code, err) = report_in(&study, &md);
        assert_eq!(code, 0, "{err}");
        assert_eq!(std::fs::read(&md).unwrap(), first);
        for name in ["report.md", "report.json", "report.docx"] {
            assert!(
                err.contains(&format!(
                    "{}: skipped: a report citata wrote (citata never reads its own output as a transcript)",
                    study.join(name).display()
                )),
                "{name}: {err}"
            );
        }
        assert!(err.contains("(wave ; 1 interview"), "{err}");
        assert!(!err.contains("compared with"), "{err}");
        // Without its marker, the file being written is still not read.
        let text = String::from_utf8(first).unwrap();
        std::fs::write(
            &md,
            text.strip_prefix("<!-- generator: citata -->\n").unwrap(),
        )
        .unwrap();
        let (code, err) = report_in(&study, &md);
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains(&format!(
                "{}: skipped: it is the report being written",
                md.display()
            )),
            "{err}"
        );
        assert!(err.contains("(wave ; 1 interview"), "{err}");
        // A search index kept in the folder is not read either.
        std::fs::write(&md, &text).unwrap();
        let idx = study.join("idx");
        let r = citata([
            "index".as_ref(),
            "add".as_ref(),
            study.as_os_str(),
            "--index".as_ref(),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let (code, err) = report_in(&study, &dir.path().join("r.md"));
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("meta.json: skipped: a search index's metadata"),
            "{err}"
        );
        assert!(err.contains("(wave ; 1 interview"), "{err}");
    }

    /// Issue 15: a transcript without a wave is not taken for the previous wave; each wave's
    /// transcripts are named.
    #[test]
    fn a_transcript_without_a_wave_is_never_the_previous_wave() {
        let dir = tmp();
        let study = dir.path().join("study");
        let text = |wave: &str| {
            format!(
                "{wave}Интервьюер: Как вы оцените цены по десятибалльной шкале?\nРеспондент: Цены — на семь. Дороговато, но терпимо.\n"
            )
        };
        write(&study, "a.txt", text("---\nwave: 2025\n---\n"));
        write(&study, "b.txt", text("---\nwave: 2026\n---\n"));
        write(&study, "c.txt", text(""));
        let out = dir.path().join("r.json");
        let (code, err) = report_in(&study, &out);
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("c.txt: left out: no wave in its metadata (`wave:` in the front matter or respondents.csv), and the other transcripts are in waves 2025, 2026"),
            "{err}"
        );
        assert!(
            err.contains("wave 2025 (compared with): 1 transcript: a.txt"),
            "{err}"
        );
        assert!(
            err.contains("wave 2026 (reported): 1 transcript: b.txt"),
            "{err}"
        );
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(model["wave"], "2026");
        assert_eq!(model["previous_wave"], "2025");
        assert_eq!(model["interviews"], 1);
        // With one wave named and one transcript without: no comparison with "no wave".
        std::fs::remove_file(study.join("a.txt")).unwrap();
        let (code, err) = report_in(&study, &out);
        assert_eq!(code, 0, "{err}");
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(model["wave"], "2026");
        assert_eq!(model["previous_wave"], serde_json::Value::Null);
        assert_eq!(model["interviews"], 1);
        // No transcript with a wave: all are the one wave reported.
        std::fs::remove_file(study.join("b.txt")).unwrap();
        write(&study, "d.txt", text(""));
        let (code, err) = report_in(&study, &out);
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("wave (none) (reported): 2 transcripts: c.txt, d.txt"),
            "{err}"
        );
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(model["interviews"], 2);
    }

    #[test]
    fn demo_markdown_report_is_golden() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/demo/report.md");
        let got = report("md");
        if std::env::var_os("CITATA_BLESS").is_some() {
            std::fs::write(&path, &got).unwrap();
            return;
        }
        let want =
            std::fs::read_to_string(&path).expect("the golden report (CITATA_BLESS=1 makes it)");
        if got != want {
            let first = want
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(want.lines().count().min(got.lines().count()));
            panic!(
                "the demo report differs from {} at line {}:\n  want: {}\n  got:  {}\nIf intended: CITATA_BLESS=1 cargo test --test cli report, then read the diff.",
                path.display(),
                first + 1,
                want.lines().nth(first).unwrap_or(""),
                got.lines().nth(first).unwrap_or("")
            );
        }
    }

    /// The wishes section: from its heading to the next `## ` (Markdown).
    fn md_wishes(md: &str) -> &str {
        let start = md.find("## Идеи и пожелания клиента").unwrap();
        let rest = &md[start + 3..];
        &rest[..rest.find("\n## ").unwrap()]
    }

    /// Issue 14: whole proposals, merged across respondents, grouped by parameter in md,
    /// html and json alike (docx and xlsx: `office::wishes_are_grouped_in_docx_and_xlsx`).
    #[test]
    fn wishes_are_whole_merged_and_grouped_by_parameter() {
        let json: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
        let groups = json["wishes"].as_array().unwrap();
        // Groups in codebook order (the order of the levels' parameters), «Общее» last.
        let order: Vec<&str> = json["levels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["parameters"].as_array().unwrap())
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        let ids: Vec<Option<&str>> = groups.iter().map(|g| g["param"].as_str()).collect();
        let positions: Vec<usize> = ids
            .iter()
            .map(|id| {
                id.map_or(order.len(), |id| {
                    order.iter().position(|o| *o == id).unwrap()
                })
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert_eq!(groups.last().unwrap()["name"], "Общее");
        assert!(groups.len() >= 5, "{ids:?}");
        let wishes: Vec<&serde_json::Value> = groups
            .iter()
            .flat_map(|g| g["wishes"].as_array().unwrap())
            .collect();
        let text = |w: &serde_json::Value| w["text"].as_str().unwrap().to_string();
        // The manager who should call on his own: one wish, asked in several divisions.
        let call = wishes
            .iter()
            .find(|w| text(w).contains("менеджер сам звонил") && w["count"].as_u64().unwrap() >= 2)
            .expect("the merged «менеджер сам звонил»");
        let divisions = call["divisions"].as_array().unwrap();
        assert_eq!(
            divisions.len() as u64,
            call["count"].as_u64().unwrap(),
            "{call}"
        );
        assert!(
            call["sources"].as_array().unwrap().len() as u64 >= call["count"].as_u64().unwrap()
        );
        assert_eq!(
            wishes
                .iter()
                .filter(|w| text(w).contains("менеджер сам звонил"))
                .count(),
            wishes
                .iter()
                .filter(|w| text(w).contains("менеджер сам звонил") && w["count"] == 1)
                .count()
                + 1,
            "one merged wish, the others are other proposals"
        );
        // Fragments are whole, satisfied wishes are gone.
        assert!(wishes.iter().any(|w| text(w).starts_with(
            "Ну вот датчики первое. Чтоб не отвёрткой слушать. Хотя бы на циркуляцию"
        )));
        for gone in ["Вот бы так и дальше", "Передайте Марине Юрьевне привет"]
        {
            assert!(!wishes.iter().any(|w| text(w).contains(gone)), "{gone}");
        }
        assert!(!wishes.iter().any(|w| text(w) == "Хотя бы раз в квартал."));
        assert_eq!(json["wishes_total"].as_u64().unwrap(), wishes.len() as u64);
        // Markdown: one `###` per group, in the same order, every item under one.
        let md = report("md");
        let section = md_wishes(&md);
        let headings: Vec<&str> = section
            .lines()
            .filter_map(|l| l.strip_prefix("### "))
            .collect();
        let names: Vec<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
        assert_eq!(headings, names);
        let items = section.lines().filter(|l| l.starts_with("- «")).count();
        assert_eq!(items, wishes.len());
        let first_item = section.lines().position(|l| l.starts_with("- «")).unwrap();
        let first_heading = section.lines().position(|l| l.starts_with("### ")).unwrap();
        assert!(first_heading < first_item);
        assert!(section.contains(&format!(
            "(респондентов: {})_",
            call["count"].as_u64().unwrap()
        )));
        // HTML: an <h3> and a list per group.
        let html = report("html");
        let start = html.find("<h2>Идеи и пожелания клиента</h2>").unwrap();
        let end = start + html[start..].find("<h2>Рекомендации</h2>").unwrap();
        let section = &html[start..end];
        let h3: Vec<&str> = section
            .split("<h3>")
            .skip(1)
            .map(|s| &s[..s.find("</h3>").unwrap()])
            .collect();
        assert_eq!(h3, names);
        assert_eq!(section.matches("</h3><ul>").count(), names.len());
        assert_eq!(section.matches("<li>").count(), wishes.len());
    }

    #[test]
    fn html_is_well_formed_and_loads_nothing() {
        let html = report("html");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ru\">"));
        // Well-formed: every tag closed, every attribute quoted (checked as XML).
        let body = html.split_once('\n').unwrap().1;
        let mut reader = quick_xml::Reader::from_str(body);
        let mut depth = 0i32;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
            }
        }
        assert_eq!(depth, 0);
        // Nothing external: no scripts, links, images, imports or remote URLs (the SVG
        // namespace is a name, not a request).
        for needle in [
            "<script", "<link", "<img", "src=", "@import", "url(", "https://",
        ] {
            assert!(!html.contains(needle), "the page contains {needle}");
        }
        assert_eq!(
            html.matches("http://").count(),
            html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        );
        // Russian labels, the sections, a chart per level, changes coloured.
        for section in [
            "Общая оценка",
            "Оценки по параметрам",
            "Идеи и пожелания клиента",
            "Поддерживать",
            "Развивать",
            "Приложение: покрытие",
        ] {
            assert!(html.contains(section), "no section {section}");
        }
        assert_eq!(html.matches("<svg").count(), 3);
        assert!(html.contains("class=\"up\"") && html.contains("class=\"down\""));
        // Names are masked in the quotes.
        for name in ["Ковалёв", "Ковалев", "Сафин"] {
            assert!(!html.contains(name), "{name} is not masked");
        }
    }

    #[test]
    fn json_model_has_the_levels_and_the_changes() {
        let json = report("json");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["wave"], "2026");
        assert_eq!(v["previous_wave"], "2025");
        assert_eq!(v["interviews"], 10);
        let levels = v["levels"].as_array().unwrap();
        assert_eq!(levels.len(), 3);
        let delivery = levels[1]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "delivery_time")
            .unwrap();
        // 2025: 5.6 on average, 2026: 7.6; the change is shown.
        assert_eq!(
            delivery["previous"]
                .as_f64()
                .map(|x| (x * 10.0).round() / 10.0),
            Some(5.6)
        );
        assert!(delivery["change"].as_f64().unwrap() >= 1.0);
        assert_eq!(delivery["change_shown"], true);
    }

    fn copy_wave(to: &Path, prefix: &str) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(demo()).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) || name == "respondents.csv" {
                std::fs::copy(e.path(), to.join(&name)).unwrap();
            }
        }
    }

    fn json_report(folder: &Path, out: &Path, extra: &[&std::ffi::OsStr]) -> serde_json::Value {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "report".as_ref(),
            folder.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend_from_slice(extra);
        let run = citata(args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
    }

    fn change_of(v: &serde_json::Value, id: &str) -> Option<f64> {
        v["levels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["parameters"].as_array().unwrap())
            .find(|p| p["id"] == id)
            .and_then(|p| p["change"].as_f64())
    }

    #[test]
    fn a_saved_report_of_the_previous_wave_gives_the_same_changes() {
        let dir = tmp();
        let (w25, w26) = (dir.path().join("w25"), dir.path().join("w26"));
        copy_wave(&w25, "w25-");
        copy_wave(&w26, "w26-");
        let old = json_report(&w25, &dir.path().join("old.json"), &[]);
        assert_eq!(old["wave"], "2025");
        let old_json = dir.path().join("old.json");
        let new = json_report(
            &w26,
            &dir.path().join("new.json"),
            &["--previous".as_ref(), old_json.as_os_str()],
        );
        assert_eq!(new["previous_wave"], "2025");
        let both = json_report(&demo(), &dir.path().join("both.json"), &[]);
        for id in ["delivery_time", "claims", "document_flow", "availability"] {
            assert!(
                change_of(&both, id).is_some(),
                "{id} has a change in the demo"
            );
            assert_eq!(change_of(&new, id), change_of(&both, id), "{id}");
        }
    }

    #[test]
    fn a_ratings_csv_overrides_the_transcripts_in_the_report() {
        let dir = tmp();
        let w26 = dir.path().join("w26");
        copy_wave(&w26, "w26-");
        std::fs::write(
            w26.join("ratings.csv"),
            "file,param,value\nw26-zakupki.txt,pricing,2\n",
        )
        .unwrap();
        let out = dir.path().join("r.json");
        let run = citata([
            "report".as_ref(),
            w26.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains("w26-zakupki.txt pricing:")
                && run.stderr.contains("replaced by 2 (csv)"),
            "{}",
            run.stderr
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let pricing = v["levels"][0]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "pricing")
            .unwrap()
            .clone();
        let without = {
            std::fs::remove_file(w26.join("ratings.csv")).unwrap();
            let out2 = dir.path().join("r2.json");
            let run = citata([
                "report".as_ref(),
                w26.as_os_str(),
                "--out".as_ref(),
                out2.as_os_str(),
            ]);
            assert_eq!(run.code, 0);
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&out2).unwrap()).unwrap();
            v["levels"][0]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == "pricing")
                .unwrap()
                .clone()
        };
        assert_eq!(pricing["n"], without["n"]);
        assert!(pricing["score"].as_f64().unwrap() < without["score"].as_f64().unwrap());
    }

    #[test]
    fn an_unknown_extension_is_refused() {
        let dir = tmp();
        let out = dir.path().join("report.pdf");
        let run = citata([
            "report".as_ref(),
            demo().as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr
                .contains("unknown report format `.pdf`; use .html, .md, .json, .docx or .xlsx"),
            "{}",
            run.stderr
        );
        // Refused before any work: nothing written, not even a temporary file.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

/// `citata report --out .docx | .xlsx`: the files are unzipped and their XML read here.
///
/// The docx is compared with the Markdown report of the same corpus: the same headings at
/// the same levels (Heading1–3), the same table cells, and every Quote paragraph a quote of
/// the Markdown. The xlsx has its three sheets; the coding matrix has one row per sentence
/// of every transcript (the rule: all sentences `citata ingest --format ndjson` lists,
/// interviewer and respondent alike), and a 1 wherever `citata tag` codes the sentence.
mod office {
    use std::collections::BTreeMap;

    use quick_xml::events::Event;

    use crate::report::{demo, report_bytes as report};
    use crate::testenv::{citata, ingest_ok, tmp};

    /// Every entry of a zip as text.
    fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
        let mut out = BTreeMap::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut f, &mut text).expect("UTF-8 XML");
            out.insert(f.name().unwrap().into_owned(), text);
        }
        out
    }

    enum Node {
        Start(String, BTreeMap<String, String>),
        End(String),
        Text(String),
    }

    /// The XML as a flat list of elements (by qualified name), attributes and text; fails
    /// when it is not well-formed.
    fn nodes(xml: &str) -> Vec<Node> {
        let mut reader = quick_xml::Reader::from_str(xml);
        reader.config_mut().expand_empty_elements = true;
        let mut out = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            let key = a.key.as_ref().to_string();
                            let value = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .into_owned();
                            (key, value)
                        })
                        .collect();
                    let name = e.name().as_ref().to_string();
                    out.push(Node::Start(name, attrs));
                }
                Ok(Event::End(e)) => {
                    out.push(Node::End(e.name().as_ref().to_string()));
                }
                Ok(Event::Text(t)) => out.push(Node::Text(t.xml10_content().into_owned())),
                Ok(Event::GeneralRef(r)) => {
                    let s = match &*r {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    out.push(Node::Text(s.to_string()));
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
            }
        }
        out
    }

    /// A Word paragraph: its style and text.
    struct Para {
        style: String,
        text: String,
    }

    /// The paragraphs outside tables and the tables (rows of cell texts) of document.xml.
    fn word(xml: &str) -> (Vec<Para>, Vec<Vec<Vec<String>>>) {
        let mut paras = Vec::new();
        let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
        let mut depth = 0;
        let mut para: Option<Para> = None;
        let mut in_text = false;
        for n in nodes(xml) {
            match n {
                Node::Start(name, attrs) => match name.as_str() {
                    "w:tbl" => {
                        depth += 1;
                        tables.push(Vec::new());
                    }
                    "w:tr" => tables.last_mut().unwrap().push(Vec::new()),
                    "w:tc" => tables
                        .last_mut()
                        .unwrap()
                        .last_mut()
                        .unwrap()
                        .push(String::new()),
                    "w:p" => {
                        para = Some(Para {
                            style: String::new(),
                            text: String::new(),
                        })
                    }
                    "w:pStyle" => para.as_mut().unwrap().style = attrs["w:val"].clone(),
                    "w:t" => in_text = true,
                    _ => {}
                },
                Node::End(name) => match name.as_str() {
                    "w:tbl" => depth -= 1,
                    "w:t" => in_text = false,
                    "w:p" => {
                        let p = para.take().unwrap();
                        if depth == 0 {
                            paras.push(p);
                        } else {
                            let cell = tables
                                .last_mut()
                                .unwrap()
                                .last_mut()
                                .unwrap()
                                .last_mut()
                                .unwrap();
                            cell.push_str(&p.text);
                        }
                    }
                    _ => {}
                },
                Node::Text(t) if in_text => para.as_mut().unwrap().text.push_str(&t),
                Node::Text(_) => {}
            }
        }
        (paras, tables)
    }

    /// The headings of a Markdown text: (level, text).
    fn md_headings(md: &str) -> Vec<(usize, String)> {
        md.lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| {
                let level = l.chars().take_while(|c| *c == '#').count();
                (level, l[level..].trim().to_string())
            })
            .collect()
    }

    /// The rows of the Markdown tables, cells trimmed, separator rows left out.
    fn md_table_rows(md: &str) -> Vec<Vec<String>> {
        md.lines()
            .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
            .map(|l| {
                l.trim_matches('|')
                    .split('|')
                    .map(|c| c.trim().to_string())
                    .collect()
            })
            .collect()
    }

    fn md_report() -> String {
        String::from_utf8(report("md")).unwrap()
    }

    #[test]
    fn docx_has_the_headings_tables_and_quotes_of_the_markdown_report() {
        let md = md_report();
        let bytes = report("docx");
        // citata's own .docx reader reads it back: the title, then the text.
        let dir = tmp();
        let path = dir.path().join("report.docx");
        std::fs::write(&path, &bytes).unwrap();
        let back = ingest_ok(&path);
        assert!(
            back[0]
                .text
                .contains("Удовлетворённость компании АО «Северхимпром»"),
            "{}",
            back[0].text
        );
        let parts = unzip(&bytes);
        for part in [
            "[Content_Types].xml",
            "_rels/.rels",
            "word/_rels/document.xml.rels",
            "word/styles.xml",
            "docProps/core.xml",
        ] {
            nodes(&parts[part]);
        }
        let (paras, tables) = word(&parts["word/document.xml"]);
        // Headings: the Markdown's #, ##, ### at Heading1, 2, 3, in the same order.
        let headings: Vec<(usize, String)> = paras
            .iter()
            .filter_map(|p| {
                let level = p.style.strip_prefix("Heading")?.parse().ok()?;
                Some((level, p.text.clone()))
            })
            .collect();
        assert_eq!(headings, md_headings(&md));
        assert_eq!(
            headings[0],
            (
                1,
                "Удовлетворённость компании АО «Северхимпром» сотрудничеством с ООО «ТехноПривод»"
                    .to_string()
            )
        );
        for level in [
            "Организационный уровень — 6,9",
            "Процессный уровень — 7,1",
            "Личностный уровень — 7,5",
        ] {
            assert!(headings.contains(&(2, level.to_string())), "{level}");
        }
        // Tables: every cell of every Markdown table, in order.
        let rows: Vec<Vec<String>> = tables.into_iter().flatten().collect();
        assert_eq!(rows, md_table_rows(&md));
        assert!(rows.contains(&vec![
            "PR совместных проектов".to_string(),
            "5,8".to_string(),
            String::new(),
            "зона развития".to_string()
        ]));
        // The display-rule colours of the HTML: zones on red, a shown fall in red.
        let doc = &parts["word/document.xml"];
        assert!(doc.contains("w:fill=\"FDECEA\""));
        assert!(doc.contains("<w:color w:val=\"C62828\"/>"));
        // Quotes: the Quote style, each one a quote of the Markdown report.
        let quotes: Vec<&Para> = paras.iter().filter(|p| p.style == "Quote").collect();
        assert!(quotes.len() > 20, "{} quotes", quotes.len());
        for q in &quotes {
            let (text, who) = q.text.rsplit_once("» — ").expect("«quote» — attribution");
            let in_md = format!("{text}» — _{who}_");
            assert!(md.contains(&in_md), "not in the Markdown report: {in_md}");
        }
        let styles = &parts["word/styles.xml"];
        let quote_style = styles
            .split("<w:style ")
            .find(|s| s.contains("w:styleId=\"Quote\""))
            .expect("a Quote style");
        assert!(quote_style.contains("<w:i/>") && quote_style.contains("<w:ind w:left="));
        for level in 1..=3 {
            assert!(styles.contains(&format!(
                "w:styleId=\"Heading{level}\"><w:name w:val=\"heading {level}\"/>"
            )));
            assert!(styles.contains(&format!("<w:outlineLvl w:val=\"{}\"/>", level - 1)));
        }
    }

    /// Issue 15: the Word document keeps a line that introduces quotes with them, numbers
    /// its pages, lists its sections in a TOC field that Word updates on opening, and draws
    /// each level's scores as a chart (a DrawingML chart part with the JSON's scores).
    #[test]
    fn docx_keeps_lines_together_numbers_pages_has_a_toc_and_charts() {
        let model: serde_json::Value = serde_json::from_slice(&report("json")).unwrap();
        let parts = unzip(&report("docx"));
        for xml in parts.values() {
            nodes(xml);
        }
        let doc = &parts["word/document.xml"];
        // Paragraphs of the body, in order (cells' paragraphs included, none nested).
        let paras: Vec<&str> = doc
            .split("<w:p>")
            .skip(1)
            .map(|p| p.split("</w:p>").next().unwrap())
            .collect();
        let text = |p: &str| -> String {
            p.split("<w:t xml:space=\"preserve\">")
                .skip(1)
                .map(|t| t.split("</w:t>").next().unwrap())
                .collect()
        };
        let quote = |p: &str| p.contains("<w:pStyle w:val=\"Quote\"/>");
        let mut introduced = 0;
        for w in paras.windows(2) {
            if quote(w[1]) && !quote(w[0]) {
                // Its own keepNext, or a heading's (from the style, checked below).
                assert!(
                    w[0].contains("<w:keepNext/>") || w[0].contains("<w:pStyle w:val=\"Heading"),
                    "{}",
                    text(w[0])
                );
                introduced += 1;
            }
        }
        assert!(introduced > 30, "{introduced}");
        let claims = paras
            .iter()
            .find(|p| text(p) == "Рекламации — 5,5")
            .expect("the zone's line");
        assert!(claims.contains("<w:keepNext/>"));
        let styles = &parts["word/styles.xml"];
        for level in 1..=3 {
            let style = styles
                .split("<w:style ")
                .find(|s| s.contains(&format!("w:styleId=\"Heading{level}\"")))
                .unwrap();
            assert!(style.contains("<w:keepNext/>"), "Heading{level}");
        }

        // Page numbers: the footer's PAGE and NUMPAGES fields, referenced by the section.
        let rels = &parts["word/_rels/document.xml.rels"];
        assert!(rels.contains("Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer1.xml\""));
        assert!(doc.contains("<w:footerReference w:type=\"default\" r:id=\"rId3\"/>"));
        let footer = &parts["word/footer1.xml"];
        assert!(footer.contains("<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>"));
        assert!(footer.contains("<w:instrText xml:space=\"preserve\"> NUMPAGES </w:instrText>"));

        // The TOC field: updated on opening; until then it lists the level-2 headings.
        assert!(parts["word/settings.xml"].contains("<w:updateFields w:val=\"true\"/>"));
        assert!(doc.contains(" TOC \\o \"2-2\" \\h \\z \\u "));
        let (word_paras, _) = word(doc);
        let toc: Vec<&str> = word_paras
            .iter()
            .filter(|p| p.style == "TOC2")
            .map(|p| p.text.as_str())
            .collect();
        let h2: Vec<&str> = word_paras
            .iter()
            .filter(|p| p.style == "Heading2")
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(toc, h2);
        assert_eq!(toc.len(), 8);

        // A chart per level: the parameters its table shows by name, their scores, the
        // previous wave.
        let types = &parts["[Content_Types].xml"];
        let levels = model["levels"].as_array().unwrap();
        for (i, level) in levels.iter().enumerate() {
            let n = i + 1;
            assert!(types.contains(&format!("PartName=\"/word/charts/chart{n}.xml\"")));
            assert!(rels.contains(&format!(
                "Id=\"rIdChart{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart\" Target=\"charts/chart{n}.xml\""
            )));
            assert!(doc.contains(&format!("<c:chart r:id=\"rIdChart{n}\"/>")));
            let chart = &parts[&format!("word/charts/chart{n}.xml")];
            let series: Vec<&str> = chart.split("<c:ser>").skip(1).collect();
            assert_eq!(series.len(), 2, "this wave and 2025");
            assert!(series[0].contains("<c:v>Волна 2026</c:v>"));
            assert!(series[1].contains("<c:v>Волна 2025</c:v>"));
            let points = |xml: &str, tag: &str| -> Vec<String> {
                let part = xml.split(&format!("<c:{tag}>")).nth(1).unwrap();
                let part = part.split(&format!("</c:{tag}>")).next().unwrap();
                part.split("<c:v>")
                    .skip(1)
                    .map(|v| v.split("</c:v>").next().unwrap().to_string())
                    .collect()
            };
            let rated: Vec<&serde_json::Value> = level["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| !p["score"].is_null() && p["shown"] == true)
                .collect();
            let names: Vec<String> = rated
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            let scores: Vec<String> = rated
                .iter()
                .map(|p| format!("{:.1}", p["score"].as_f64().unwrap()))
                .collect();
            assert_eq!(points(series[0], "cat"), names);
            assert_eq!(points(series[0], "val"), scores);
            // Zones are drawn red (C62828), as in the HTML chart.
            let zones = rated.iter().filter(|p| p["class"] == "zone").count();
            assert_eq!(
                series[0].matches("<a:srgbClr val=\"C62828\"/>").count(),
                zones
            );
        }
        assert!(!parts.contains_key(&format!("word/charts/chart{}.xml", levels.len() + 1)));
    }

    /// The shared strings of a workbook.
    fn shared_strings(xml: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut in_t = false;
        for n in nodes(xml) {
            match n {
                Node::Start(name, _) if name == "si" => out.push(String::new()),
                Node::Start(name, _) if name == "t" => in_t = true,
                Node::End(name) if name == "t" => in_t = false,
                Node::Text(t) if in_t => out.last_mut().unwrap().push_str(&t),
                _ => {}
            }
        }
        out
    }

    /// A sheet as rows of cell texts (shared strings resolved; numbers as written).
    fn sheet(xml: &str, strings: &[String]) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut cell: Option<(usize, bool)> = None;
        let mut in_v = false;
        for n in nodes(xml) {
            match n {
                Node::Start(name, attrs) if name == "c" => {
                    let r = &attrs["r"];
                    let letters: String = r.chars().take_while(char::is_ascii_uppercase).collect();
                    let row: usize = r[letters.len()..].parse().unwrap();
                    let col = letters
                        .bytes()
                        .fold(0, |acc, b| acc * 26 + usize::from(b - b'A' + 1))
                        - 1;
                    while rows.len() < row {
                        rows.push(Vec::new());
                    }
                    let cells = &mut rows[row - 1];
                    while cells.len() <= col {
                        cells.push(String::new());
                    }
                    cell = Some((col, attrs.get("t").is_some_and(|t| t == "s")));
                }
                Node::Start(name, _) if name == "v" => in_v = true,
                Node::End(name) if name == "v" => in_v = false,
                Node::Text(t) if in_v => {
                    let (col, shared) = cell.unwrap();
                    let value = if shared {
                        strings[t.parse::<usize>().unwrap()].clone()
                    } else {
                        t
                    };
                    rows.last_mut().unwrap()[col] = value;
                }
                _ => {}
            }
        }
        rows
    }

    /// Issue 14: the wishes are grouped by parameter in the Word document (a Heading 3 per
    /// group, as the Markdown's `###`) and in the workbook's «Пожелания» sheet (a row per
    /// wish, with its group, the respondents who asked and their divisions).
    #[test]
    fn wishes_are_grouped_in_docx_and_xlsx() {
        let model: serde_json::Value = serde_json::from_slice(&report("json")).unwrap();
        let groups = model["wishes"].as_array().unwrap();
        let names: Vec<String> = groups
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect();
        assert!(
            names.len() >= 5 && names.last().unwrap() == "Общее",
            "{names:?}"
        );
        // Word: the headings after «Идеи и пожелания клиента» up to «Рекомендации».
        let parts = unzip(&report("docx"));
        let (paras, _) = word(&parts["word/document.xml"]);
        let start = paras
            .iter()
            .position(|p| p.style == "Heading2" && p.text == "Идеи и пожелания клиента")
            .unwrap();
        let end = start
            + paras[start..]
                .iter()
                .position(|p| p.style == "Heading2" && p.text == "Рекомендации")
                .unwrap();
        let section = &paras[start + 1..end];
        let h3: Vec<String> = section
            .iter()
            .filter(|p| p.style == "Heading3")
            .map(|p| p.text.clone())
            .collect();
        assert_eq!(h3, names);
        let wishes: Vec<&serde_json::Value> = groups
            .iter()
            .flat_map(|g| g["wishes"].as_array().unwrap())
            .collect();
        assert_eq!(
            section.iter().filter(|p| p.style == "Quote").count(),
            wishes.len()
        );
        // Excel: header, then a row per wish in the groups' order.
        let parts = unzip(&report("xlsx"));
        let strings = shared_strings(&parts["xl/sharedStrings.xml"]);
        let rows = sheet(&parts["xl/worksheets/sheet4.xml"], &strings);
        assert_eq!(
            rows[0],
            [
                "Параметр",
                "Код",
                "Пожелание",
                "Атрибуция",
                "Респондентов",
                "Подразделения",
                "Файл",
                "Начало",
                "Конец"
            ]
        );
        assert_eq!(rows.len() - 1, wishes.len());
        let mut expected = Vec::new();
        for g in groups {
            for w in g["wishes"].as_array().unwrap() {
                expected.push(vec![
                    g["name"].as_str().unwrap().to_string(),
                    g["param"].as_str().unwrap_or("").to_string(),
                    w["text"].as_str().unwrap().to_string(),
                    w["count"].to_string(),
                    w["divisions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d.as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join(", "),
                ]);
            }
        }
        let got: Vec<Vec<String>> = rows[1..]
            .iter()
            .map(|r| {
                vec![
                    r[0].clone(),
                    r[1].clone(),
                    r[2].clone(),
                    r[4].clone(),
                    r[5].clone(),
                ]
            })
            .collect();
        assert_eq!(got, expected);
        assert!(
            got.iter()
                .any(|r| r[3].parse::<u32>().unwrap() >= 2 && r[4].contains(", "))
        );
    }

    #[test]
    fn xlsx_has_scores_quotes_and_the_coding_matrix() {
        let parts = unzip(&report("xlsx"));
        let names: Vec<String> = nodes(&parts["xl/workbook.xml"])
            .into_iter()
            .filter_map(|n| match n {
                Node::Start(name, attrs) if name == "sheet" => Some(attrs["name"].clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            ["Оценки", "Цитаты", "Матрица кодирования", "Пожелания"]
        );
        let strings = shared_strings(&parts["xl/sharedStrings.xml"]);
        let scores = sheet(&parts["xl/worksheets/sheet1.xml"], &strings);
        let quotes = sheet(&parts["xl/worksheets/sheet2.xml"], &strings);
        let matrix = sheet(&parts["xl/worksheets/sheet3.xml"], &strings);
        assert_eq!(
            scores[0],
            [
                "Уровень",
                "Параметр",
                "Код",
                "Волна",
                "Оценка",
                "n",
                "Мин",
                "Макс",
                "Прошлая волна",
                "Оценка в прошлой волне",
                "Δ",
                "Класс",
                "Упоминаний",
                "Цитат"
            ]
        );
        assert_eq!(
            quotes[0],
            [
                "Параметр",
                "Код",
                "Подразделение",
                "Полярность",
                "Балл цитаты",
                "Файл",
                "Начало",
                "Конец",
                "Атрибуция",
                "Текст"
            ]
        );
        // The HTML's display-rule colours: strength and zone fills, rise and fall fonts.
        for argb in ["FFE8F5E9", "FFFDECEA", "FF1A7F37", "FFC62828"] {
            assert!(parts["xl/styles.xml"].contains(argb), "{argb}");
        }
        // Header rows frozen, autofilters on every sheet.
        for i in 1..=4 {
            let xml = &parts[&format!("xl/worksheets/sheet{i}.xml")];
            assert!(xml.contains("<pane ySplit=\"1\""), "sheet{i}");
            assert!(xml.contains("<autoFilter ref=\"A1:"), "sheet{i}");
        }

        // Scores as in the JSON report, per parameter and level, with Δ.
        let model: serde_json::Value = serde_json::from_slice(&report("json")).unwrap();
        let one = |v: &serde_json::Value| format!("{:.1}", v.as_f64().unwrap());
        let cell = |s: &str| format!("{:.1}", s.parse::<f64>().unwrap());
        let mut checked = 0;
        for level in model["levels"].as_array().unwrap() {
            let row = scores
                .iter()
                .find(|r| r[2] == level["id"].as_str().unwrap())
                .unwrap();
            assert_eq!(cell(&row[4]), one(&level["score"]));
            for p in level["parameters"].as_array().unwrap() {
                let row = scores
                    .iter()
                    .find(|r| r[2] == p["id"].as_str().unwrap())
                    .unwrap();
                assert_eq!(row[1], p["name"].as_str().unwrap());
                assert_eq!(row[3], "2026");
                assert_eq!(row[8], "2025");
                if !p["score"].is_null() {
                    assert_eq!(cell(&row[4]), one(&p["score"]), "{}", p["id"]);
                    checked += 1;
                }
                if !p["change"].is_null() {
                    assert_eq!(cell(&row[10]), one(&p["change"]), "{}", p["id"]);
                }
                assert_eq!(row[13], p["quotes"].as_array().unwrap().len().to_string());
            }
        }
        assert!(checked > 10);
        let pr = scores.iter().find(|r| r[2] == "joint_pr").unwrap();
        assert_eq!((pr[4].as_str(), pr[11].as_str()), ("5.8", "зона развития"));

        // Quotes: the report's, with their spans and attributions.
        let json_params: Vec<&serde_json::Value> = model["levels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["parameters"].as_array().unwrap())
            .collect();
        let json_quotes: Vec<&serde_json::Value> = json_params
            .iter()
            .flat_map(|p| p["quotes"].as_array().unwrap())
            .collect();
        assert_eq!(quotes.len() - 1, json_quotes.len());
        for (row, q) in quotes[1..].iter().zip(&json_quotes) {
            assert_eq!(row[2], q["division"].as_str().unwrap());
            assert_eq!(row[5], q["doc"].as_str().unwrap());
            assert_eq!(row[6], q["start"].to_string());
            assert_eq!(row[7], q["end"].to_string());
            assert_eq!(row[8], q["attribution"].as_str().unwrap());
            assert_eq!(row[9], q["text"].as_str().unwrap());
        }

        // The matrix: one row per sentence that `citata ingest` lists, in file order.
        let docs = ingest_ok(&demo());
        let sentences: Vec<(String, usize, usize, usize, String)> = docs
            .iter()
            .flat_map(|d| {
                d.sentences.iter().map(move |s| {
                    (
                        d.doc.clone(),
                        s.turn,
                        s.start,
                        s.end,
                        d.slice(s.start, s.end),
                    )
                })
            })
            .collect();
        assert_eq!(matrix.len() - 1, sentences.len());
        assert_eq!(sentences.len(), 3362, "the demo corpus's sentences");
        let header = &matrix[0];
        assert_eq!(
            header[..7],
            [
                "Документ",
                "Волна",
                "Реплика",
                "Роль",
                "Начало",
                "Конец",
                "Текст"
            ]
        );
        // Issue 15: the parameters by name, in codebook order, then the two flags; no ids,
        // no `_wish` / `_comparison` columns.
        let names: Vec<&str> = json_params
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 24);
        assert_eq!(header[7..7 + names.len()], names[..]);
        assert_eq!(
            header[7 + names.len()..],
            ["Пожелание", "Сравнение с конкурентами"]
        );
        let mut index = BTreeMap::new();
        let mut masked = 0;
        for (row, (doc, turn, start, end, text)) in matrix[1..].iter().zip(&sentences) {
            assert_eq!(
                (&row[0], &row[2], &row[4], &row[5]),
                (doc, &turn.to_string(), &start.to_string(), &end.to_string())
            );
            // The text as spoken, or masked where it names someone.
            if row[6] != *text {
                assert!(row[6].contains("[имя]"), "{} vs {text}", row[6]);
                masked += 1;
            }
            assert!(row[3] == "интервьюер" || row[3] == "респондент");
            assert!(row[7..].iter().all(|v| v == "0" || v == "1"));
            index.insert((doc.clone(), *start), row);
        }
        // Every coding of `citata tag` is a 1 in its sentence's row.
        let tag = citata([
            "tag".as_ref(),
            demo().as_os_str(),
            "--format".as_ref(),
            "ndjson".as_ref(),
        ]);
        let mut ones = std::collections::BTreeSet::new();
        for line in tag.stdout.lines() {
            let c: serde_json::Value = serde_json::from_str(line).unwrap();
            let Some(param) = c["param"].as_str() else {
                continue;
            };
            let row = index[&(
                c["doc"].as_str().unwrap().to_string(),
                c["start"].as_u64().unwrap() as usize,
            )];
            let name = json_params.iter().find(|p| p["id"] == param).unwrap()["name"]
                .as_str()
                .unwrap();
            let col = header.iter().position(|h| h == name).unwrap();
            assert_eq!(row[col], "1", "{line}");
            ones.insert((row[0].clone(), row[4].clone(), col));
        }
        assert!(ones.len() > 1000, "{}", ones.len());
        let total: usize = matrix[1..]
            .iter()
            .map(|r| r[7..r.len() - 2].iter().filter(|v| *v == "1").count())
            .sum();
        assert_eq!(total, ones.len(), "every 1 is a coding of `citata tag`");
        assert!(masked >= 40, "{masked} sentences name someone");
    }

    #[test]
    fn office_files_are_byte_identical_run_to_run() {
        assert!(report("docx") == report("docx"));
        assert!(report("xlsx") == report("xlsx"));
    }

    #[test]
    fn a_failed_run_leaves_the_previous_file_whole() {
        let dir = tmp();
        let out = dir.path().join("report.xlsx");
        std::fs::write(&out, b"last year's workbook").unwrap();
        let run = citata([
            "report".as_ref(),
            demo().as_os_str(),
            "--codebook".as_ref(),
            dir.path().join("missing.toml").as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(std::fs::read(&out).unwrap(), b"last year's workbook");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

/// `citata index` and `citata search` (issue 6, first step).
mod index {
    use std::path::Path;

    use crate::testenv::{citata, tmp, write};

    const CB: &str = "name = \"t\"\n[[levels]]\nid = \"org\"\nname = \"Орг\"\n[[parameters]]\nid = \"payment\"\nlevel = \"org\"\nname = \"Оплата\"\nterms = [\"оплата\", \"отсрочка\"]\nquestions = [\"оплата\"]\n[[parameters]]\nid = \"delivery\"\nlevel = \"org\"\nname = \"Сроки\"\nterms = [\"срок\", \"задержка\"]\n";

    fn run(args: &[&std::ffi::OsStr]) -> crate::testenv::Run {
        citata(args)
    }

    fn os(s: &str) -> &std::ffi::OsStr {
        s.as_ref()
    }

    fn search(idx: &Path, extra: &[&str]) -> (i32, Vec<String>) {
        let mut args = vec![os("search")];
        args.extend(extra.iter().map(|s| os(s)));
        args.extend([os("--index"), idx.as_os_str(), os("--format"), os("ndjson")]);
        let r = run(&args);
        let texts = r
            .stdout
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["text"].as_str().unwrap().to_string()
            })
            .collect();
        (r.code, texts)
    }

    fn corpus(dir: &Path) -> std::path::PathBuf {
        let c = dir.join("corpus");
        std::fs::create_dir(&c).unwrap();
        write(
            &c,
            "a.txt",
            "---\ndivision: Финансы\n---\nИнтервьюер: Как с оплатой?\nРеспондент: Оплаты проходят вовремя. Отсрочкой довольны. С оплатами по счетам бывают задержки.\n",
        );
        write(
            &c,
            "b.txt",
            "---\ndivision: Закупки\n---\nИнтервьюер: Сроки?\nРеспондент: Сроки поставки срывают. Задержка на две недели была. Оплатой не занимаюсь.\n",
        );
        c
    }

    fn add(c: &Path, idx: &Path, cb: &Path) -> crate::testenv::Run {
        run(&[
            os("index"),
            os("add"),
            c.as_os_str(),
            os("--index"),
            idx.as_os_str(),
            os("--codebook"),
            cb.as_os_str(),
        ])
    }

    /// Respondents' passages rank before the interviewer's by default (issue 14: 9 of 15 web
    /// hits for «оплата» were questions); the interviewer's are still found, after them or
    /// with `--role interviewer`.
    #[test]
    fn respondents_rank_first_on_the_demo() {
        let dir = tmp();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let study = dir.path().join("demo");
        std::fs::create_dir(&study).unwrap();
        for e in std::fs::read_dir(&demo).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), study.join(e.file_name())).unwrap();
            }
        }
        let idx = dir.path().join("idx");
        let r = run(&[
            os("index"),
            os("add"),
            study.as_os_str(),
            os("--index"),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let roles = |extra: &[&str]| -> Vec<String> {
            let mut args = vec![os("search"), os("оплата")];
            args.extend(extra.iter().map(|s| os(s)));
            args.extend([os("--index"), idx.as_os_str(), os("--format"), os("ndjson")]);
            let r = run(&args);
            assert_eq!(r.code, 0, "{}", r.stderr);
            r.stdout
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    v["role"].as_str().unwrap().to_string()
                })
                .collect()
        };
        let all = roles(&["--limit", "100"]);
        let respondents = all.iter().filter(|r| *r == "respondent").count();
        let interviewer = all.iter().filter(|r| *r == "interviewer").count();
        assert!(respondents > 0 && interviewer > 0, "{all:?}");
        // Every respondent hit comes before the first interviewer hit.
        let first_interviewer = all.iter().position(|r| r == "interviewer").unwrap();
        assert_eq!(first_interviewer, respondents, "{all:?}");
        // The first 15 (the web page's worth) hold all the respondents' hits there are.
        let top = roles(&["--limit", "15"]);
        assert_eq!(
            top.iter().filter(|r| *r == "respondent").count(),
            respondents.min(15),
            "{top:?}"
        );
        // The interviewer's passages are still findable.
        let asked = roles(&["--role", "interviewer", "--limit", "100"]);
        assert_eq!(asked.len(), interviewer, "{asked:?}");
        assert!(asked.iter().all(|r| r == "interviewer"));
    }

    #[test]
    fn inflections_phrases_booleans_and_filters() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = corpus(dir.path());
        let idx = dir.path().join("idx");
        let r = add(&c, &idx, &cb);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout
                .starts_with("2 transcript(s) indexed (8 sentences), 0 unchanged"),
            "{}",
            r.stdout
        );
        // "оплата" finds every inflection: оплатой, Оплаты, оплатами.
        let (code, texts) = search(&idx, &["оплата", "--limit", "10"]);
        assert_eq!(code, 0);
        assert_eq!(texts.len(), 4, "{texts:?}");
        // A phrase, and a boolean.
        let (_, texts) = search(&idx, &["\"сроки поставки\""]);
        assert_eq!(texts, vec!["Сроки поставки срывают."]);
        let (_, texts) = search(&idx, &["оплата AND задержка"]);
        assert_eq!(texts, vec!["С оплатами по счетам бывают задержки."]);
        // Filters: code, metadata, role.
        let (_, texts) = search(
            &idx,
            &[
                "",
                "--code",
                "delivery",
                "--where",
                "division=Закупки",
                "--role",
                "respondent",
            ],
        );
        // The whole answer to "Сроки?" is coded for delivery (by keyword or by context).
        assert_eq!(
            texts,
            vec![
                "Сроки поставки срывают.",
                "Задержка на две недели была.",
                "Оплатой не занимаюсь."
            ]
        );
        // Fields inside the query: code:ID, role:…
        let (_, mut texts) = search(&idx, &["оплата AND code:delivery AND role:respondent"]);
        texts.sort();
        // "задержки" codes the first for delivery by keyword, the answer to "Сроки?" the
        // second by context.
        assert_eq!(
            texts,
            vec![
                "Оплатой не занимаюсь.",
                "С оплатами по счетам бывают задержки."
            ]
        );
        // Nothing: exit 1.
        let (code, texts) = search(&idx, &["абракадабра"]);
        assert_eq!((code, texts.len()), (1, 0));
    }

    /// A code, level, role or metadata field the index does not know is an error naming the
    /// nearest known names (exit 2), not "no passage matched"; a query the grammar cannot read
    /// says where and what (issue 17).
    #[test]
    fn unknown_names_and_syntax_errors_say_what_is_wrong() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = corpus(dir.path());
        let idx = dir.path().join("idx");
        assert_eq!(add(&c, &idx, &cb).code, 0);
        let refused = |extra: &[&str]| {
            let r = lines(&idx, extra);
            assert_eq!(r.code, 2, "{extra:?}: {}", r.stderr);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
            r.stderr
        };
        assert_eq!(
            refused(&["", "--code", "deliver"]),
            "error: unknown code `deliver`; did you mean `delivery` (Сроки)?\n"
        );
        assert_eq!(
            refused(&["оплата", "--where", "divison=Закупки"]),
            "error: unknown metadata field `divison`; did you mean `division`? (to search for a word with a colon, quote it: \"10:30\")\n"
        );
        // In the query: nothing near, so the known codes, in codebook order.
        assert_eq!(
            refused(&["оплата AND code:nonexistent"]),
            "error: unknown code `nonexistent`; known: `payment` (Оплата), `delivery` (Сроки)\n"
        );
        assert!(
            refused(&["", "--level", "orgg"])
                .contains("unknown level `orgg`; did you mean `org` (Орг)?"),
        );
        assert!(
            refused(&["", "--role", "respondant"])
                .contains("unknown role `respondant`; did you mean `respondent`?"),
        );
        // A misspelt field in the query: the query's own fields are offered too.
        assert!(
            refused(&["cod:payment"])
                .contains("unknown metadata field `cod`; did you mean `code`?"),
        );
        assert_eq!(
            refused(&["цена AND (сроки"]),
            "error: cannot read the query `цена AND (сроки` at character 10: the parenthesis opened there is not closed; quote words with special characters, e.g. \"1:0\"\n"
        );
        // Known names that match nothing: exit 1, as before.
        let r = lines(
            &idx,
            &[
                "абракадабра",
                "--code",
                "payment",
                "--where",
                "division=Закупки",
            ],
        );
        assert_eq!((r.code, r.stderr.as_str()), (1, "no passage matched\n"));
        let r = lines(&idx, &["", "--where", "division=Нет такого"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
    }

    #[test]
    fn incremental_add_change_and_remove() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = corpus(dir.path());
        let idx = dir.path().join("idx");
        assert_eq!(add(&c, &idx, &cb).code, 0);
        let again = add(&c, &idx, &cb);
        assert!(
            again
                .stdout
                .starts_with("0 transcript(s) indexed (0 sentences), 2 unchanged"),
            "{}",
            again.stdout
        );
        let stats = run(&[os("index"), os("stats"), os("--index"), idx.as_os_str()]);
        assert!(
            stats.stdout.starts_with("2 transcript(s), 8 sentence(s)"),
            "{}",
            stats.stdout
        );
        // A changed file is replaced, not duplicated.
        write(
            &c,
            "b.txt",
            "---\ndivision: Закупки\n---\nИнтервьюер: Сроки?\nРеспондент: Теперь сроки соблюдают.\n",
        );
        let changed = add(&c, &idx, &cb);
        assert!(
            changed
                .stdout
                .starts_with("1 transcript(s) indexed (2 sentences), 1 unchanged"),
            "{}",
            changed.stdout
        );
        let (_, mut texts) = search(&idx, &["срок", "--limit", "10"]);
        texts.sort();
        // The old answer is gone, the question and the new answer are there once each.
        assert_eq!(texts, vec!["Сроки?", "Теперь сроки соблюдают."]);
        let removed = run(&[
            os("index"),
            os("remove"),
            c.join("b.txt").as_os_str(),
            os("--index"),
            idx.as_os_str(),
        ]);
        assert_eq!(removed.stdout.trim(), "1 transcript(s) removed");
        let stats = run(&[os("index"), os("stats"), os("--index"), idx.as_os_str()]);
        assert!(
            stats.stdout.starts_with("1 transcript(s), 4 sentence(s)"),
            "{}",
            stats.stdout
        );
    }

    #[test]
    fn a_second_writer_is_told_the_index_is_locked() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = corpus(dir.path());
        let idx = dir.path().join("idx");
        let held = citata::index::CitataIndex::open_or_create(&idx).unwrap();
        let _writer = held.writer().unwrap();
        let r = add(&c, &idx, &cb);
        assert_eq!(r.code, 2);
        assert!(
            r.stderr.contains("locked by another process"),
            "{}",
            r.stderr
        );
    }

    fn lines(idx: &Path, extra: &[&str]) -> crate::testenv::Run {
        let mut args = vec![os("search")];
        args.extend(extra.iter().map(|s| os(s)));
        args.extend([os("--index"), idx.as_os_str()]);
        run(&args)
    }

    #[test]
    fn prefixes_kwic_facets_and_negation() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = corpus(dir.path());
        let idx = dir.path().join("idx");
        assert_eq!(add(&c, &idx, &cb).code, 0);
        // A prefix is matched against dictionary forms: "Отсрочкой" is «отсрочка».
        let (_, texts) = search(&idx, &["отсроч*"]);
        assert_eq!(texts, vec!["Отсрочкой довольны."]);
        let (_, texts) = search(&idx, &["\"сроки постав\"*"]);
        assert_eq!(texts, vec!["Сроки поставки срывают."]);
        // KWIC: the left context right-aligned to --width + 1 columns, cut at a word
        // boundary by characters (Cyrillic), the match in brackets without colour.
        let r = lines(
            &idx,
            &["задержка", "--kwic", "--width", "12", "--color", "never"],
        );
        assert_eq!(
            r.stdout,
            "b.txt:1               [Задержка] на две…\na.txt:1       …бывают [задержки].\n"
        );
        // Only exclusions: everything else of the respondents.
        let (_, mut texts) = search(&idx, &["НЕ оплата", "--role", "respondent"]);
        texts.sort();
        assert_eq!(
            texts,
            vec![
                "Задержка на две недели была.",
                "Отсрочкой довольны.",
                "Сроки поставки срывают."
            ]
        );
        // Facets over the whole result set, not just the hits shown.
        let r = lines(
            &idx,
            &[
                "",
                "--role",
                "respondent",
                "--facets",
                "--limit",
                "1",
                "--format",
                "ndjson",
            ],
        );
        let last: serde_json::Value =
            serde_json::from_str(r.stdout.lines().last().unwrap()).unwrap();
        assert_eq!(last["type"], "facets");
        assert_eq!(last["total"], 6);
        assert_eq!(
            last["codes"],
            serde_json::json!([
                {"group": "org", "value": "delivery", "count": 4},
                {"group": "org", "value": "payment", "count": 4}
            ])
        );
        assert_eq!(
            last["meta"],
            serde_json::json!([
                {"group": "division", "value": "Закупки", "count": 3},
                {"group": "division", "value": "Финансы", "count": 3}
            ])
        );
        // Metadata filters ignore case, in the query and in --where.
        let (_, texts) = search(&idx, &["division:финансы AND отсрочка"]);
        assert_eq!(texts, vec!["Отсрочкой довольны."]);
        let (_, texts) = search(&idx, &["отсрочка", "--where", "DIVISION=финансы"]);
        assert_eq!(texts, vec!["Отсрочкой довольны."]);
    }

    /// Metadata lives on the transcripts: a file whose division changed is found by the new
    /// division only (the old one's term stays in the dictionary until a merge, on a deleted
    /// document), NOT works on it, and an index laid out by an older citata is refused with
    /// the command that brings it up to date.
    #[test]
    fn metadata_filters_follow_the_live_transcripts() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = corpus(dir.path());
        let idx = dir.path().join("idx");
        assert_eq!(add(&c, &idx, &cb).code, 0);
        write(
            &c,
            "a.txt",
            "---\ndivision: Казначейство\n---\nИнтервьюер: Как с оплатой?\nРеспондент: Отсрочкой довольны.\n",
        );
        assert_eq!(add(&c, &idx, &cb).code, 0);
        let (code, texts) = search(&idx, &["отсрочка", "--where", "division=Финансы"]);
        assert_eq!((code, texts.len()), (1, 0), "{texts:?}");
        let (_, texts) = search(&idx, &["division:казначейство AND отсрочка"]);
        assert_eq!(texts, vec!["Отсрочкой довольны."]);
        let (_, mut texts) = search(&idx, &["оплата AND NOT division:закупки", "--limit", "10"]);
        texts.sort();
        assert_eq!(texts, vec!["Как с оплатой?"]);
        // An unknown value matches nothing, and says so with exit 1.
        let (code, _) = search(&idx, &["", "--where", "division=Нет такого"]);
        assert_eq!(code, 1);
        // The payload of an index written before metadata moved has no layout.
        let meta_json = idx.join("meta.json");
        let mut meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&meta_json).unwrap()).unwrap();
        let mut payload: serde_json::Value =
            serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
        payload.as_object_mut().unwrap().remove("layout");
        meta["payload"] = serde_json::Value::String(payload.to_string());
        std::fs::write(&meta_json, meta.to_string()).unwrap();
        let old = run(&[os("search"), os("отсрочка"), os("--index"), idx.as_os_str()]);
        assert_eq!(old.code, 2, "{}", old.stderr);
        assert!(
            old.stderr.contains("older citata") && old.stderr.contains("citata index retag"),
            "{}",
            old.stderr
        );
        let refused = add(&c, &idx, &cb);
        assert!(
            refused.stderr.contains("citata index retag"),
            "{}",
            refused.stderr
        );
        let retag = run(&[os("index"), os("retag"), os("--index"), idx.as_os_str()]);
        assert_eq!(retag.code, 0, "{}", retag.stderr);
        let (_, texts) = search(&idx, &["отсрочка", "--where", "division=казначейство"]);
        assert_eq!(texts, vec!["Отсрочкой довольны."]);
    }

    #[test]
    fn match_offsets_point_into_the_canonical_text() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = dir.path().join("corpus");
        std::fs::create_dir(&c).unwrap();
        // ё, a stress mark and an emoji before the match: offsets are code points.
        let f = write(
            &c,
            "e.txt",
            "Интервьюер: Ещё\u{301} вопрос 🙂 про оплату?\nРеспондент: Всё ок, оплата идёт, ёлки, без задержек.\n",
        );
        let idx = dir.path().join("idx");
        assert_eq!(add(&c, &idx, &cb).code, 0);
        let ingest = run(&[os("ingest"), f.as_os_str(), os("--format"), os("ndjson")]);
        let v: serde_json::Value = serde_json::from_str(ingest.stdout.trim()).unwrap();
        let canonical: Vec<char> = v["text"].as_str().unwrap().chars().collect();
        let r = lines(&idx, &["оплата", "--format", "ndjson"]);
        let mut found = Vec::new();
        for l in r.stdout.lines() {
            let h: serde_json::Value = serde_json::from_str(l).unwrap();
            for m in h["matches"].as_array().unwrap() {
                let (a, b) = (
                    m[0].as_u64().unwrap() as usize,
                    m[1].as_u64().unwrap() as usize,
                );
                found.push(canonical[a..b].iter().collect::<String>());
            }
            let snippet: Vec<char> = h["snippet"].as_str().unwrap().chars().collect();
            for m in h["snippet_matches"].as_array().unwrap() {
                let (a, b) = (
                    m[0].as_u64().unwrap() as usize,
                    m[1].as_u64().unwrap() as usize,
                );
                let w: String = snippet[a..b].iter().collect();
                assert!(w.to_lowercase().starts_with("оплат"), "{w}");
            }
        }
        found.sort();
        assert_eq!(found, vec!["оплата", "оплату"]);
    }

    const CB2: &str = "name = \"t2\"\n[[levels]]\nid = \"org\"\nname = \"Орг\"\n[[parameters]]\nid = \"payment\"\nlevel = \"org\"\nname = \"Оплата\"\nterms = [\"оплата\"]\n[[parameters]]\nid = \"promptness\"\nlevel = \"org\"\nname = \"Сроки и задержки\"\nterms = [\"задержка\", \"срывать\"]\n";

    #[test]
    fn retag_codes_the_stored_texts_with_a_new_codebook() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let cb2 = write(dir.path(), "cb2.toml", CB2);
        let c = corpus(dir.path());
        let idx = dir.path().join("idx");
        assert_eq!(add(&c, &idx, &cb).code, 0);
        // The index's codebook has no such parameter yet: an unknown code (issue 17).
        let before = lines(&idx, &["", "--code", "promptness"]);
        assert_eq!(before.code, 2, "{}", before.stderr);
        assert!(
            before.stderr.contains("unknown code `promptness`"),
            "{}",
            before.stderr
        );
        // Adding with another codebook would mix two codings in one index: refused.
        let mixed = add(&c, &idx, &cb2);
        assert_eq!(mixed.code, 2);
        assert!(
            mixed.stderr.contains("citata index retag --codebook"),
            "{}",
            mixed.stderr
        );
        // Retag needs only the index: the transcripts are gone.
        std::fs::remove_dir_all(&c).unwrap();
        let r = run(&[
            os("index"),
            os("retag"),
            os("--index"),
            idx.as_os_str(),
            os("--codebook"),
            cb2.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.starts_with("2 transcript(s) coded again with"),
            "{}",
            r.stdout
        );
        let (_, mut texts) = search(&idx, &["", "--code", "promptness"]);
        texts.sort();
        assert_eq!(
            texts,
            vec![
                "Задержка на две недели была.",
                "С оплатами по счетам бывают задержки.",
                "Сроки поставки срывают."
            ]
        );
        // The old code is gone: unknown, the new codebook's offered.
        let gone = lines(&idx, &["", "--code", "delivery"]);
        assert_eq!(gone.code, 2, "{}", gone.stderr);
        assert_eq!(
            gone.stderr,
            "error: unknown code `delivery`; known: `payment` (Оплата), `promptness` (Сроки и задержки)\n"
        );
        let stats = run(&[os("index"), os("stats"), os("--index"), idx.as_os_str()]);
        assert!(stats.stdout.contains("codebook: "), "{}", stats.stdout);
        assert!(stats.stdout.contains("cb2.toml"), "{}", stats.stdout);
        // Later adds use the index's codebook without being told.
        let c = corpus(dir.path());
        write(&c, "c.txt", "Респондент: Сроки срывают постоянно.\n");
        let r = run(&[
            os("index"),
            os("add"),
            c.as_os_str(),
            os("--index"),
            idx.as_os_str(),
        ]);
        assert!(
            r.stdout
                .starts_with("1 transcript(s) indexed (1 sentences), 2 unchanged"),
            "{}",
            r.stdout
        );
        let (_, texts) = search(&idx, &["постоянно AND code:promptness"]);
        assert_eq!(texts, vec!["Сроки срывают постоянно."]);
    }

    #[test]
    fn readers_work_while_a_writer_holds_the_lock() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = corpus(dir.path());
        let idx = dir.path().join("idx");
        assert_eq!(add(&c, &idx, &cb).code, 0);
        let held = citata::index::CitataIndex::open_or_create(&idx).unwrap();
        let writer = held.writer().unwrap();
        // An uncommitted change is not seen; the committed state is.
        held.remove(&writer, "a.txt");
        let (code, texts) = search(&idx, &["отсрочка"]);
        assert_eq!((code, texts), (0, vec!["Отсрочкой довольны.".to_string()]));
        let stats = run(&[os("index"), os("stats"), os("--index"), idx.as_os_str()]);
        assert!(
            stats.stdout.starts_with("2 transcript(s)"),
            "{}",
            stats.stdout
        );
    }

    /// A batch `index add` killed with SIGKILL part-way, after some of its commits: the index
    /// opens, and every transcript in it is whole, in its old or its new version.
    #[test]
    fn a_killed_writer_leaves_whole_transcripts() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let c = dir.path().join("big");
        std::fs::create_dir(&c).unwrap();
        let answer = "Респондент: Ну, по оплате скажу так: отсрочка нас устраивает, а сроки поставки иногда срывают, задержка бывает на неделю. ";
        let version = |v: usize, n: usize| -> String {
            let mut s = String::from("Интервьюер: Как с оплатой?\n");
            for i in 0..n {
                s.push_str(answer);
                s.push_str(&format!("Это версия {v}, абзац {i}.\n"));
            }
            s
        };
        // 40 files of about 60 KB; version 1 has 300 answers a file, version 2 has 330.
        for i in 0..40 {
            write(&c, &format!("t{i:02}.txt"), version(1, 300));
        }
        let idx = dir.path().join("idx");
        assert_eq!(add(&c, &idx, &cb).code, 0);
        for i in 0..40 {
            write(&c, &format!("t{i:02}.txt"), version(2, 330));
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_citata"))
            .args([
                os("index"),
                os("add"),
                c.as_os_str(),
                os("--index"),
                idx.as_os_str(),
            ])
            .args(["--commit-mb", "1", "-q", "-j", "1"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the first commit after the start (meta.json is rewritten), then kill.
        let meta = idx.join("meta.json");
        let before = std::fs::read(&meta).unwrap();
        let started = std::time::Instant::now();
        while std::fs::read(&meta).unwrap_or_default() == before
            && started.elapsed() < std::time::Duration::from_secs(60)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let opened = citata::index::CitataIndex::open_or_create(&idx).unwrap();
        let hashes = opened.hashes().unwrap();
        assert_eq!(hashes.len(), 40, "every transcript is there");
        let (mut old, mut new) = (0, 0);
        for doc in hashes.keys() {
            let count = |q: &str| {
                opened
                    .search(&citata::index::SearchQuery {
                        text: format!("doc:\"{doc}\" AND \"{q}\""),
                        limit: 0,
                        ..Default::default()
                    })
                    .unwrap()
                    .total
            };
            let (v1, v2) = (count("версия 1"), count("версия 2"));
            match (v1, v2) {
                (300, 0) => old += 1,
                (0, 330) => new += 1,
                other => panic!("{doc} is partly written: {other:?}"),
            }
        }
        eprintln!("killed ({status}): {new} transcripts new, {old} old");
        assert!(
            new >= 1,
            "the first commit after the start holds new transcripts"
        );
        // Running again finishes the job.
        let r = add(&c, &idx, &cb);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout
                .starts_with(&format!("{old} transcript(s) indexed")),
            "{}",
            r.stdout
        );
    }

    #[test]
    fn searching_without_an_index_says_how_to_make_one() {
        let dir = tmp();
        let r = run(&[
            os("search"),
            os("цена"),
            os("--index"),
            dir.path().join("none").as_os_str(),
        ]);
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("citata index add"), "{}", r.stderr);
    }
}

/// `citata export qdpx`, `import qdpx`, `codebook export | import` (.qdc) and `agree`.
mod refi {
    use std::collections::BTreeMap;
    use std::ffi::OsStr;
    use std::io::Read;
    use std::path::{Path, PathBuf};

    use crate::testenv::{Run, citata, tmp, write, zip_with};

    const CB: &str = "name = \"Тест\"\nversion = \"1\"\n\n[[levels]]\nid = \"service\"\nname = \"Сервис\"\n\n[[parameters]]\nid = \"delivery\"\nlevel = \"service\"\nname = \"Сроки поставки\"\ndescription = \"Когда привозят\"\nterms = [\"срок\", \"задержка\", \"вовремя\", \"опоздать\"]\nquestions = [\"сроки\"]\n\n[[parameters]]\nid = \"pricing\"\nlevel = \"service\"\nname = \"Цены\"\nterms = [\"цена\", \"дорого\", \"скидка\", \"подорожать\"]\n";

    /// A transcript with CRLF line ends, emoji and ё, a wish, a comparison and a rating.
    const CRLF_EMOJI: &str = "Интервьюер: Добрый день! Расскажите, как у вас со сроками поставки?\r\n\
Респондент: Ой, сроки — это боль 😤. Задержка на задержке, ёлки-палки. Хотелось бы, чтобы предупреждали заранее.\r\n\
Интервьюер: Оцените сроки по шкале от одного до десяти.\r\n\
Респондент: Ну, твёрдая шестёрка.\r\n\
Интервьюер: А цены?\r\n\
Респондент: Цены выше, чем у «Гидромаша» 🙂, процентов на десять. Но скидку дают, если объём большой.\r\n";

    const PLAIN: &str = "Интервьюер: Как вам работа с поставщиком?\n\
Респондент: Всё вовремя привозят, документы в порядке. Цена, конечно, кусается, но терпимо.\n";

    const RESPONDENTS: &str = "file,respondent,division,role,wave\n\
a.txt,Р-01,Служба закупок,Начальник службы закупок,2026\n\
b.txt,Р-02,Служба главного механика,Главный механик,2026\n";

    fn os(s: &str) -> &OsStr {
        s.as_ref()
    }

    /// A study folder (a.txt with CRLF, b.txt, respondents.csv) and the codebook.
    fn study(dir: &Path) -> (PathBuf, PathBuf) {
        let s = dir.join("study");
        write(&s, "a.txt", CRLF_EMOJI);
        write(&s, "b.txt", PLAIN);
        write(&s, "respondents.csv", RESPONDENTS);
        (s, write(dir, "cb.toml", CB))
    }

    fn export(study: &Path, cb: &Path, out: &Path, extra: &[&str]) -> Run {
        let mut args = vec![
            os("export"),
            os("qdpx"),
            study.as_os_str(),
            os("--codebook"),
            cb.as_os_str(),
            os("--out"),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(|s| os(s)));
        citata(args)
    }

    fn json_lines(s: &str) -> Vec<serde_json::Value> {
        s.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// `(source, code, start, end, text)` of `citata import qdpx --format ndjson`.
    fn imported(file: &Path) -> Vec<(String, String, u64, u64, String)> {
        let run = citata([
            os("import"),
            os("qdpx"),
            file.as_os_str(),
            os("--format"),
            os("ndjson"),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut v: Vec<_> = json_lines(&run.stdout)
            .into_iter()
            .map(|j| {
                (
                    j["source"].as_str().unwrap().to_string(),
                    j["code"].as_str().unwrap().to_string(),
                    j["start"].as_u64().unwrap(),
                    j["end"].as_u64().unwrap(),
                    j["text"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    }

    fn zip_entries(file: &Path) -> BTreeMap<String, Vec<u8>> {
        let bytes = std::fs::read(file).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = BTreeMap::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).unwrap();
            out.insert(f.name().unwrap().to_string(), buf);
        }
        out
    }

    #[test]
    fn export_then_import_gives_back_the_sources_codes_and_codings_of_tag_and_quotes() {
        let dir = tmp();
        let (s, cb) = study(dir.path());
        let out = dir.path().join("study.qdpx");
        let run = export(&s, &cb, &out, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!(
                "wrote {}: 2 source(s), 2 case(s), ",
                out.display()
            )),
            "{}",
            run.stderr
        );

        // Sources: each turn of citata's canonical text as `Speaker: text` and a blank line
        // (here every turn is one line), LF only, emoji and ё kept.
        let entries = zip_entries(&out);
        let names: Vec<&String> = entries.keys().collect();
        assert_eq!(names[0], "project.qde");
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(
            names[1..]
                .iter()
                .all(|n| n.starts_with("sources/") && n.ends_with(".txt"))
        );
        let ingest = citata([os("ingest"), os("--format"), os("ndjson"), s.as_os_str()]);
        let texts: Vec<String> = json_lines(&ingest.stdout)
            .iter()
            .map(|j| j["text"].as_str().unwrap().to_string())
            .collect();
        let mut stored: Vec<String> = names[1..]
            .iter()
            .map(|n| String::from_utf8(entries[*n].clone()).unwrap())
            .collect();
        stored.sort();
        let mut want: Vec<String> = texts.iter().map(|t| t.replace('\n', "\n\n")).collect();
        want.sort();
        assert_eq!(stored, want);
        assert!(
            stored
                .iter()
                .any(|t| t.contains("боль 😤") && t.contains("ёлки"))
        );
        assert!(stored.iter().all(|t| !t.contains('\r')));

        // Codings: exactly the respondent codings of `citata tag`, on the same sentences
        // (the import's text is the slice at the exported offsets).
        let tag = citata([
            os("tag"),
            os("--format"),
            os("ndjson"),
            os("--codebook"),
            cb.as_os_str(),
            s.as_os_str(),
        ]);
        let names_of = [("delivery", "Сроки поставки"), ("pricing", "Цены")];
        let mut expected = Vec::new();
        let mut last = (String::new(), u64::MAX);
        for j in json_lines(&tag.stdout) {
            if j["role"] != "respondent" {
                continue;
            }
            let doc = j["doc"].as_str().unwrap().to_string();
            let (start, end) = (j["start"].as_u64().unwrap(), j["end"].as_u64().unwrap());
            let text = j["text"].as_str().unwrap().to_string();
            if let Some(p) = j["param"].as_str() {
                let name = names_of.iter().find(|(id, _)| *id == p).unwrap().1;
                let code = match j["source"].as_str().unwrap() {
                    "keyword" => format!("Сервис/{name}"),
                    _ => format!("Сервис/{name}/{name}: по контексту"),
                };
                expected.push((doc.clone(), code, start, end, text.clone()));
            }
            let sentence = j["sentence"].as_u64().unwrap();
            if (doc.clone(), sentence) != last {
                last = (doc.clone(), sentence);
                if j["wish"] == true {
                    expected.push((
                        doc.clone(),
                        "Идеи и пожелания".into(),
                        start,
                        end,
                        text.clone(),
                    ));
                }
                if j["comparison"] == true {
                    expected.push((
                        doc.clone(),
                        "Сравнение с конкурентами".into(),
                        start,
                        end,
                        text,
                    ));
                }
            }
        }
        let mut expected: Vec<(String, String, String)> =
            expected.into_iter().map(|c| (c.0, c.1, c.4)).collect();
        expected.sort();
        let got = imported(&out);
        let (quotes, codings): (Vec<_>, Vec<_>) = got
            .into_iter()
            .partition(|c| c.1.starts_with("Цитаты для отчёта/"));
        let mut codings: Vec<(String, String, String)> =
            codings.into_iter().map(|c| (c.0, c.1, c.4)).collect();
        codings.sort();
        assert_eq!(codings, expected);
        // The fixture has keyword, context, wish and comparison codings.
        for code in [
            "Сервис/Сроки поставки",
            "Сервис/Сроки поставки/Сроки поставки: по контексту",
            "Идеи и пожелания",
            "Сравнение с конкурентами",
        ] {
            assert!(
                codings.iter().any(|c| c.1 == code),
                "no {code} in {codings:#?}"
            );
        }
        assert!(
            codings.iter().any(|c| c.2 == "Ой, сроки — это боль 😤."),
            "{codings:#?}"
        );

        // Quotes: the ones `citata quotes` ranks, at the same spans.
        let q = citata([
            os("quotes"),
            os("--format"),
            os("ndjson"),
            os("--codebook"),
            cb.as_os_str(),
            s.as_os_str(),
        ]);
        let canonical: BTreeMap<String, String> = json_lines(&ingest.stdout)
            .iter()
            .map(|j| {
                (
                    j["doc"].as_str().unwrap().to_string(),
                    j["text"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut want_q: Vec<(String, String)> = json_lines(&q.stdout)
            .iter()
            .map(|j| {
                let doc = j["doc"].as_str().unwrap().to_string();
                let (a, b) = (
                    j["start"].as_u64().unwrap() as usize,
                    j["end"].as_u64().unwrap() as usize,
                );
                let passage: String = canonical[&doc].chars().skip(a).take(b - a).collect();
                (doc, passage)
            })
            .collect();
        want_q.sort();
        let mut got_q: Vec<(String, String)> =
            quotes.iter().map(|c| (c.0.clone(), c.4.clone())).collect();
        got_q.sort();
        assert!(!want_q.is_empty());
        assert_eq!(got_q, want_q);

        // Cases, variables, the rating and a quote's score breakdown.
        let qde = String::from_utf8(entries["project.qde"].clone()).unwrap();
        assert!(qde.contains(" name=\"Р-01\">"), "{qde}");
        assert!(
            qde.contains("name=\"Подразделение\" typeOfVariable=\"Text\""),
            "{qde}"
        );
        assert!(
            qde.contains("<TextValue>Служба главного механика</TextValue>"),
            "{qde}"
        );
        assert!(
            qde.contains("name=\"Оценка: Сроки поставки\" typeOfVariable=\"Float\""),
            "{qde}"
        );
        assert!(qde.contains("<FloatValue>6</FloatValue>"), "{qde}");
        assert!(qde.contains("<Description>score "), "{qde}");
        assert!(qde.contains(" + "), "{qde}");
        assert!(qde.contains("Сроки поставки\" isCodable=\"true\""), "{qde}");
        assert!(qde.contains("name=\"Сервис\" isCodable=\"false\""), "{qde}");

        // The summary counts the same.
        let summary = citata([os("import"), os("qdpx"), out.as_os_str()]);
        assert_eq!(summary.code, 0, "{}", summary.stderr);
        assert!(
            summary.stdout.contains(
                "cases:\n  Р-01: 1 source(s); Подразделение = Служба закупок, Роль = Начальник службы закупок, Волна = 2026, Оценка: Сроки поставки = 6\n  Р-02: 1 source(s); Подразделение = Служба главного механика"
            ),
            "{}",
            summary.stdout
        );
        assert!(
            summary.stdout.contains(&format!(
                "2 text source(s), 10 code(s), 2 case(s), {} coding(s)",
                codings.len() + quotes.len()
            )),
            "{}",
            summary.stdout
        );
    }

    /// `citata code` decisions: `tag` marks, drops and shows them, a changed text is warned
    /// about while a moved one still applies, and `export qdpx` writes them under the coder.
    #[test]
    fn coding_decisions_reach_tag_and_the_qdpx_under_their_coder() {
        let dir = tmp();
        let (s, cb) = study(dir.path());
        let code = |args: &[&str]| {
            let mut v = vec![os("code")];
            v.extend(args.iter().map(|a| os(a)));
            v.extend([os("--codebook"), cb.as_os_str()]);
            let mut with_study = v.clone();
            with_study.insert(2, s.as_os_str());
            let run = citata(with_study);
            assert_eq!(run.code, 0, "{}", run.stderr);
            run.stdout
        };
        let said = code(&[
            "reject",
            "--doc",
            "b.txt",
            "--sentence",
            "1",
            "--param",
            "delivery",
            "--coder",
            "Анна",
        ]);
        assert!(said.contains("reject `delivery` on «Всё вовремя привозят, документы в порядке.» (b.txt 54..96) by Анна"), "{said}");
        code(&[
            "add",
            "--doc",
            "b.txt",
            "--sentence",
            "1",
            "--param",
            "pricing",
            "--coder",
            "Борис",
        ]);
        code(&[
            "accept", "--doc", "b.txt", "--span", "97..133", "--param", "pricing", "--coder",
            "Анна",
        ]);
        let file = std::fs::read_to_string(s.join("decisions.tsv")).unwrap();
        assert_eq!(file.lines().count(), 5, "{file}");
        assert!(
            file.contains("\nadd\tb.txt\t54\t96\tpricing\tБорис\t"),
            "{file}"
        );

        let tag = |extra: &[&str]| {
            let mut args = vec![
                os("tag"),
                os("--format"),
                os("ndjson"),
                os("--codebook"),
                cb.as_os_str(),
                s.as_os_str(),
            ];
            args.extend(extra.iter().map(|a| os(a)));
            let run = citata(args);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let rows: Vec<(u64, String, String, String, String)> = json_lines(&run.stdout)
                .into_iter()
                .filter(|j| j["doc"] == "b.txt")
                .map(|j| {
                    let f = |k: &str| j[k].as_str().unwrap_or("-").to_string();
                    (
                        j["sentence"].as_u64().unwrap(),
                        f("param"),
                        f("source"),
                        f("decision"),
                        f("coder"),
                    )
                })
                .collect();
            (rows, run.stderr)
        };
        let row = |n: u64, p: &str, src: &str, d: &str, c: &str| {
            (
                n,
                p.to_string(),
                src.to_string(),
                d.to_string(),
                c.to_string(),
            )
        };
        let (rows, _) = tag(&[]);
        assert_eq!(
            rows,
            [
                row(1, "pricing", "human", "add", "Борис"),
                row(2, "pricing", "keyword", "accept", "Анна"),
            ]
        );
        let table = citata([
            os("tag"),
            os("-q"),
            os("--codebook"),
            cb.as_os_str(),
            s.as_os_str(),
        ]);
        assert!(
            table
                .stdout
                .contains("b.txt:1\tpricing\thuman\tpositive [добавлено: Борис]\tВсё вовремя"),
            "{}",
            table.stdout
        );
        let (rows, _) = tag(&["--show-rejected"]);
        assert_eq!(rows[0], row(1, "delivery", "keyword", "reject", "Анна"));
        assert_eq!(rows.len(), 3);

        // The qdpx: the coders are users, their codings theirs; the rejected one is gone.
        let out = dir.path().join("study.qdpx");
        let run = export(&s, &cb, &out, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let qde = String::from_utf8(zip_entries(&out)["project.qde"].clone()).unwrap();
        let user = |name: &str| {
            let at = qde
                .find(&format!("\" name=\"{name}\"/>"))
                .unwrap_or_else(|| panic!("no user {name}: {qde}"));
            qde[at - 36..at].to_string()
        };
        let (anna, boris) = (user("Анна"), user("Борис"));
        let with = |g: &str| {
            qde.lines()
                .filter(|l| l.contains(&format!("creatingUser=\"{g}\"")))
                .count()
        };
        // Борис: the added selection and its coding; Анна: the accepted coding and its selection.
        assert_eq!(with(&boris), 2, "{qde}");
        assert_eq!(with(&anna), 2, "{qde}");
        let codings = imported(&out);
        assert!(
            !codings
                .iter()
                .any(|c| c.0 == "b.txt" && c.1 == "Сервис/Сроки поставки"),
            "{codings:#?}"
        );
        assert!(codings.iter().any(|c| c.0 == "b.txt"
            && c.1 == "Сервис/Цены"
            && c.4 == "Всё вовремя привозят, документы в порядке."));

        // `agree` with the decisions as the reference: b.txt alone is compared (2 respondent
        // sentences); the rejected delivery coding is an FP, the added pricing one an FN.
        let run = citata([
            os("agree"),
            os("--decisions"),
            s.as_os_str(),
            os("--codebook"),
            cb.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let got = self::rows(&run.stdout);
        let n_tp_fp_fn = |id: &str| got[id][1..5].join(" ");
        assert_eq!(n_tp_fp_fn("delivery"), "2 0 1 0", "{}", run.stdout);
        assert_eq!(n_tp_fp_fn("pricing"), "2 1 0 1", "{}", run.stdout);

        // The text moves (a line before it) and one sentence changes: the moved decisions
        // still apply, the changed one is said and not applied.
        write(
            &s,
            "b.txt",
            format!(
                "Интервьюер: Начнём.\n{}",
                PLAIN.replace("Цена, конечно, кусается", "Цена кусается")
            ),
        );
        let (rows, stderr) = tag(&[]);
        assert_eq!(
            rows,
            [
                row(2, "pricing", "human", "add", "Борис"),
                row(3, "pricing", "keyword", "-", "-")
            ]
        );
        assert!(
            stderr.contains("warning: b.txt: decisions.tsv: accept of `pricing` by Анна on «Цена, конечно, кусается, но терпимо.» at 97..133: the text there changed; the decision is not applied"),
            "{stderr}"
        );
        let list = citata([os("code"), os("list"), s.as_os_str()]);
        assert!(
            list.stdout.contains("\tmoved to 74\t«Всё вовремя"),
            "{}",
            list.stdout
        );
        assert!(
            list.stdout.contains("\tchanged\t«Цена, конечно"),
            "{}",
            list.stdout
        );
        assert!(
            list.stderr.contains("1 decision(s) no longer fit"),
            "{}",
            list.stderr
        );
    }

    /// `citata code ACTION` by Анна on sentence 1 of b.txt («Всё вовремя привозят, …»).
    fn decide_on_b(study: &Path, cb: &Path, action: &str, param: &str) {
        let run = citata([
            os("code"),
            os(action),
            study.as_os_str(),
            os("--doc"),
            os("b.txt"),
            os("--sentence"),
            os("1"),
            os("--param"),
            os(param),
            os("--coder"),
            os("Анна"),
            os("--codebook"),
            cb.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    /// The report counts what the coders decided: a rejected coding is no longer a coding of
    /// its parameter, an added one is; a decision whose text changed is said.
    #[test]
    fn the_report_honours_coding_decisions() {
        let dir = tmp();
        let (s, cb) = study(dir.path());
        let counts = || {
            let out = dir.path().join("report.json");
            let run = citata([
                os("report"),
                s.as_os_str(),
                os("--codebook"),
                cb.as_os_str(),
                os("--out"),
                out.as_os_str(),
            ]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let j: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
            let n = |id: &str| {
                j["levels"][0]["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["id"] == id)
                    .unwrap_or_else(|| panic!("no {id}: {j}"))["codings"]
                    .as_u64()
                    .unwrap()
            };
            (n("delivery"), n("pricing"), run.stderr)
        };
        let (delivery, pricing, _) = counts();
        decide_on_b(&s, &cb, "reject", "delivery");
        decide_on_b(&s, &cb, "add", "pricing");
        let (d, p, _) = counts();
        assert_eq!((d, p), (delivery - 1, pricing + 1));

        // The sentence is edited: the decisions no longer apply, and the report says so.
        write(
            &s,
            "b.txt",
            PLAIN.replace("Всё вовремя привозят", "Привозят всё вовремя"),
        );
        let (d, p, stderr) = counts();
        assert_eq!((d, p), (delivery, pricing));
        assert!(
            stderr.contains("warning: b.txt: decisions.tsv: reject of `delivery` by Анна"),
            "{stderr}"
        );
    }

    /// The search index codes as the coders decided: `index add` codes a transcript again
    /// when a decision on it changed (its file did not), `source:human` finds the codings
    /// coders added, a rejected coding is not found by its code, and `index retag` keeps them.
    #[test]
    fn the_index_follows_the_coding_decisions() {
        let dir = tmp();
        let (s, cb) = study(dir.path());
        let idx = dir.path().join("index");
        let add = || {
            let run = citata([
                os("index"),
                os("add"),
                s.as_os_str(),
                os("--index"),
                idx.as_os_str(),
                os("--codebook"),
                cb.as_os_str(),
            ]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            run.stdout
        };
        let search = |q: &str| -> Vec<String> {
            let run = citata([
                os("search"),
                os(q),
                os("--index"),
                idx.as_os_str(),
                os("--format"),
                os("ndjson"),
            ]);
            assert!(run.code <= 1, "{}", run.stderr);
            json_lines(&run.stdout)
                .iter()
                .filter(|j| j["doc"] == "b.txt")
                .map(|j| j["text"].as_str().unwrap().to_string())
                .collect()
        };
        let sentence = "Всё вовремя привозят, документы в порядке.";
        add();
        assert_eq!(search("code:delivery"), [sentence]);
        assert!(search("source:human").is_empty());
        decide_on_b(&s, &cb, "reject", "delivery");
        decide_on_b(&s, &cb, "add", "pricing");
        let said = add();
        assert!(
            said.starts_with("1 transcript(s) indexed (3 sentences), 1 unchanged"),
            "{said}"
        );
        assert!(search("code:delivery").is_empty());
        assert_eq!(search("source:human"), [sentence]);
        assert_eq!(search("source:human AND code:pricing"), [sentence]);
        let run = citata([
            os("search"),
            os(""),
            os("--source"),
            os("human"),
            os("--index"),
            idx.as_os_str(),
            os("--format"),
            os("ndjson"),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(json_lines(&run.stdout).len(), 1, "{}", run.stdout);
        // Nothing changed since: nothing is coded again.
        assert!(add().starts_with("0 transcript(s) indexed"));
        // retag reads the decisions of the folder the transcripts came from.
        let run = citata([
            os("index"),
            os("retag"),
            os("--index"),
            idx.as_os_str(),
            os("--codebook"),
            cb.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(search("code:delivery").is_empty());
        assert_eq!(search("source:human"), [sentence]);
        // A misspelt source is named, with the ones there are.
        let run = citata([
            os("search"),
            os("source:humen"),
            os("--index"),
            idx.as_os_str(),
        ]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("human"), "{}", run.stderr);
    }

    /// `xmllint --schema` of the `project.qde` in a package: success and its stderr.
    fn validate(dir: &Path, package: &Path) -> (bool, String) {
        let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/refi/Project.xsd");
        let qde = write(dir, "project.qde", &zip_entries(package)["project.qde"]);
        let check = std::process::Command::new("xmllint")
            .args([
                os("--noout"),
                os("--schema"),
                xsd.as_os_str(),
                qde.as_os_str(),
            ])
            .output()
            .unwrap();
        (
            check.status.success(),
            String::from_utf8_lossy(&check.stderr).into_owned(),
        )
    }

    #[test]
    fn export_is_valid_against_the_refi_project_schema() {
        let xmllint = std::process::Command::new("xmllint")
            .arg("--version")
            .output();
        if xmllint.is_err() {
            println!("skipped: xmllint is not installed (Debian: apt-get install libxml2-utils)");
            return;
        }
        let dir = tmp();
        let (s, cb) = study(dir.path());
        let out = dir.path().join("study.qdpx");
        assert_eq!(export(&s, &cb, &out, &["-q"]).code, 0);
        let (ok, stderr) = validate(dir.path(), &out);
        assert!(ok, "{stderr}");
        assert!(stderr.contains("validates"), "{stderr}");
        // And the embedded codebook's tree, with the demo corpus's quotes and cases.
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let out = dir.path().join("demo.qdpx");
        let run = citata([
            os("export"),
            os("qdpx"),
            demo.as_os_str(),
            os("--out"),
            out.as_os_str(),
            os("-q"),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let (ok, stderr) = validate(dir.path(), &out);
        assert!(ok, "{stderr}");
    }

    #[test]
    fn export_twice_gives_the_same_bytes_and_writes_no_temporary_files() {
        let dir = tmp();
        let (s, cb) = study(dir.path());
        let one = dir.path().join("one").join("study.qdpx");
        let two = dir.path().join("two").join("study.qdpx");
        std::fs::create_dir_all(one.parent().unwrap()).unwrap();
        std::fs::create_dir_all(two.parent().unwrap()).unwrap();
        assert_eq!(export(&s, &cb, &one, &["-q", "-j", "1"]).code, 0);
        assert_eq!(export(&s, &cb, &two, &["-q", "-j", "2"]).code, 0);
        let (a, b) = (std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
        assert!(a.len() > 1000);
        assert!(a == b, "the two packages differ");
        let left: Vec<_> = std::fs::read_dir(one.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["study.qdpx"]);
        // Into a folder that does not exist: an error, and nothing written.
        let nowhere = dir.path().join("no-such-folder").join("x.qdpx");
        let run = export(&s, &cb, &nowhere, &["-q"]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("writing "), "{}", run.stderr);
    }

    #[test]
    fn a_broken_file_is_reported_and_the_rest_exported_with_exit_2() {
        let dir = tmp();
        let (s, cb) = study(dir.path());
        write(&s, "c.docx", "not a zip at all");
        let out = dir.path().join("study.qdpx");
        let run = export(&s, &cb, &out, &[]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("c.docx: not a valid .docx"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("2 source(s)"), "{}", run.stderr);
        assert!(run.stderr.ends_with("; 1 failed\n"), "{}", run.stderr);
        assert!(out.is_file());
    }

    #[test]
    fn import_of_broken_packages_names_the_file_and_what_is_wrong() {
        let dir = tmp();
        let import = |p: &Path| citata([os("import"), os("qdpx"), p.as_os_str()]);
        let broken = write(dir.path(), "broken.qdpx", b"PK\x03\x04this is not a zip");
        let run = import(&broken);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.starts_with(&format!(
                "error: {}: not a .qdpx package: not a readable zip archive",
                broken.display()
            )),
            "{}",
            run.stderr
        );
        let no_qde = write(
            dir.path(),
            "no-qde.qdpx",
            zip_with(&[("sources/x.txt", "Ну да."), ("readme.md", "hi")]),
        );
        let run = import(&no_qde);
        assert_eq!(run.code, 2);
        assert_eq!(
            run.stderr,
            format!(
                "error: {}: no project.qde (nor any .qde file) in the archive, so it is not a REFI-QDA project; it holds: sources/x.txt, readme.md\n",
                no_qde.display()
            )
        );
        let bad_xml = write(
            dir.path(),
            "bad-xml.qdpx",
            zip_with(&[("project.qde", "<Project name=\"x\"><Sources></Project>")]),
        );
        let run = import(&bad_xml);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.starts_with(&format!(
                "error: {}: project.qde: not well-formed XML (at byte",
                bad_xml.display()
            )),
            "{}",
            run.stderr
        );
        let run = import(&dir.path().join("missing.qdpx"));
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("missing.qdpx"), "{}", run.stderr);
    }

    /// Code points of `needle` in `text` (the first occurrence), shifted by `early`.
    fn chars_of(text: &str, needle: &str, early: usize) -> (usize, usize) {
        let b = text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in the text"));
        let start = text[..b].chars().count();
        (start - early, start + needle.chars().count())
    }

    const A: &str = "Интервьюер: Давайте начнём со сроков. Как они у вас соблюдаются?\n\
Респондент: Ну, по-разному бывает. Сроки вечно плывут, задержка на задержке. В прошлом месяце ждали уплотнения три недели. Линия стояла.\n\
Интервьюер: Понятно. А что с ценами?\n\
Респондент: Цены кусаются, честно говоря. После Нового года всё подорожало процентов на пятнадцать. Скидку нам так и не дали. Хотя менеджер обещал.\n\
Интервьюер: А как вам их склад?\n\
Респондент: Склад нормальный, чистый. Привезли всё вовремя, без претензий.\n";

    /// Stored with CRLF and an emoji: offsets are code points of this text as stored.
    const B: &str = "Интервьюер: Что скажете про поставщика в целом?\r\n\
Респондент: Работаем давно, лет пять уже. Ребята толковые 👍, отвечают быстро. Бывает, опаздывают с отгрузкой на день-два. Но это не критично.\r\n\
Интервьюер: А по деньгам?\r\n\
Респондент: Дорого, конечно. У конкурентов дешевле процентов на десять. Но качество у них хуже, так что терпим.\r\n";

    /// A project as another tool would write it: sources/ in upper case (Sources/), CRLF
    /// in one source, codes «Сроки поставки» (a parameter's name), «Деньги» (mapped to
    /// `pricing` by a map file) and «Прочее» (no parameter).
    fn human_project(dir: &Path) -> PathBuf {
        let g = |n: u32| format!("{n:08x}-0000-4000-8000-000000000000");
        let (sroki, dengi, other) = (g(1), g(2), g(3));
        let mut sel = Vec::new();
        let mut k = 100;
        let mut add = |src: usize, text: &str, span: (usize, usize), code: &str| {
            k += 1;
            sel.push((
                src,
                format!(
                    "<PlainTextSelection guid=\"{}\" startPosition=\"{}\" endPosition=\"{}\"><Coding guid=\"{}\"><CodeRef targetGUID=\"{code}\"/></Coding></PlainTextSelection>",
                    g(k),
                    span.0,
                    span.1,
                    g(k + 1000)
                ),
            ));
            let _ = text;
        };
        // Сроки: a3 and a4 in one selection; a word inside a14; b3 starting 3 characters
        // early («о. », the end of b2); and the interviewer's a0 (not compared).
        let a34 = (
            chars_of(A, "Сроки вечно", 0).0,
            chars_of(A, "ждали уплотнения три недели.", 0).1,
        );
        add(0, A, a34, &sroki);
        add(0, A, chars_of(A, "вовремя", 0), &sroki);
        add(
            1,
            B,
            chars_of(B, "Бывает, опаздывают с отгрузкой на день-два.", 3),
            &sroki,
        );
        add(0, A, chars_of(A, "Давайте начнём со сроков.", 0), &sroki);
        // Деньги: a8 and a9 in one selection, a10, b6, and b7 (a comparison citata does not
        // code for pricing).
        let a89 = (
            chars_of(A, "Цены кусаются", 0).0,
            chars_of(A, "процентов на пятнадцать.", 0).1,
        );
        add(0, A, a89, &dengi);
        add(0, A, chars_of(A, "Скидку нам так и не дали.", 0), &dengi);
        add(1, B, chars_of(B, "Дорого, конечно.", 0), &dengi);
        add(
            1,
            B,
            chars_of(B, "У конкурентов дешевле процентов на десять.", 0),
            &dengi,
        );
        // Прочее: b8.
        add(1, B, chars_of(B, "Но качество у них хуже", 0), &other);
        let source = |i: usize, name: &str| {
            let body: String = sel
                .iter()
                .filter(|(s, _)| *s == i)
                .map(|(_, x)| x.as_str())
                .collect();
            format!(
                "<TextSource guid=\"{}\" name=\"{name}\" plainTextPath=\"internal://{}.txt\">{body}</TextSource>",
                g(10 + i as u32),
                g(10 + i as u32)
            )
        };
        let qde = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Кодирование вручную\" origin=\"hand\"><CodeBook><Codes><Code guid=\"{sroki}\" name=\"Сроки поставки\" isCodable=\"true\"/><Code guid=\"{}\" name=\"Финансы\" isCodable=\"false\"><Code guid=\"{dengi}\" name=\"Деньги\" isCodable=\"true\"/></Code><Code guid=\"{other}\" name=\"Прочее\" isCodable=\"true\"/></Codes></CodeBook><Sources>{}{}</Sources></Project>",
            g(4),
            source(0, "a.txt"),
            source(1, "b.txt")
        );
        let a_name = format!("Sources/{}.txt", g(10));
        let b_name = format!("Sources/{}.txt", g(11));
        write(
            dir,
            "human.qdpx",
            zip_with(&[("project.qde", &qde), (&a_name, A), (&b_name, B)]),
        )
    }

    #[test]
    fn import_of_another_tools_project_keeps_crlf_and_emoji_offsets() {
        let dir = tmp();
        let p = human_project(dir.path());
        let got = imported(&p);
        assert_eq!(got.len(), 9);
        let texts: Vec<(&str, &str)> = got.iter().map(|c| (c.1.as_str(), c.4.as_str())).collect();
        assert!(
            texts.contains(&(
                "Сроки поставки",
                "о. Бывает, опаздывают с отгрузкой на день-два."
            )),
            "{texts:#?}"
        );
        assert!(
            texts.contains(&("Финансы/Деньги", "Дорого, конечно.")),
            "{texts:#?}"
        );
        assert!(
            texts.contains(&("Прочее", "Но качество у них хуже")),
            "{texts:#?}"
        );
        // After the emoji and two CRLFs: offsets are code points of the stored text.
        let b3 = got.iter().find(|c| c.4.ends_with("день-два.")).unwrap();
        assert_eq!(
            (b3.2, b3.3),
            (
                chars_of(B, "о. Бывает", 0).0 as u64,
                chars_of(B, "день-два.", 0).1 as u64
            )
        );
        let summary = citata([os("import"), os("qdpx"), p.as_os_str()]);
        assert_eq!(
            summary.stdout,
            format!(
                "project «Кодирование вручную» from hand ({})\n2 text source(s), 4 code(s), 0 case(s), 9 coding(s)\nsources:\n  a.txt: {} characters, 5 selection(s)\n  b.txt: {} characters, 4 selection(s)\ncodes (codings):\n  Сроки поставки (4)\n  Финансы (0) [category]\n    Деньги (4)\n  Прочее (1)\n",
                p.display(),
                A.chars().count(),
                B.chars().count()
            )
        );
    }

    #[test]
    fn crlf_as_one_reads_offsets_that_count_a_crlf_as_one_character() {
        let dir = tmp();
        let (start, end) = chars_of(B, "Дорого, конечно.", 0);
        let crs = B[..B.find("Дорого").unwrap()].matches("\r\n").count();
        assert_eq!(crs, 3);
        let g = "00000001-0000-4000-8000-000000000000";
        let qde = format!(
            "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"a\" origin=\"ATLAS.ti\"><CodeBook><Codes><Code guid=\"{g}\" name=\"Цены\" isCodable=\"true\"/></Codes></CodeBook><Sources><TextSource guid=\"{g}\" name=\"b.txt\" plainTextPath=\"internal://b.txt\"><PlainTextSelection guid=\"{g}\" startPosition=\"{}\" endPosition=\"{}\"><Coding guid=\"{g}\"><CodeRef targetGUID=\"{g}\"/></Coding></PlainTextSelection></TextSource></Sources></Project>",
            start - crs,
            end - crs
        );
        let p = write(
            dir.path(),
            "atlas.qdpx",
            zip_with(&[("project.qde", &qde), ("sources/b.txt", B)]),
        );
        let text = |extra: &[&str]| {
            let mut args = vec![
                os("import"),
                os("qdpx"),
                p.as_os_str(),
                os("--format"),
                os("ndjson"),
            ];
            args.extend(extra.iter().map(|s| os(s)));
            let run = citata(args);
            assert_eq!(run.code, 0, "{}", run.stderr);
            (
                json_lines(&run.stdout)[0]["text"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                run.stderr,
            )
        };
        // Read as stored, the selection cuts words: the reading is kept, and said.
        let (misread, stderr) = text(&[]);
        assert_eq!(misread, "т: Дорого, конеч");
        assert!(
            stderr.contains(&format!(
                "warning: {}: 1 of 1 selection(s) in 1 source(s) with CRLF line ends fall on word boundaries only when a CRLF counts as one character (0 as stored)",
                p.display()
            )),
            "{stderr}"
        );
        assert!(stderr.contains("read them with --crlf-as-one"), "{stderr}");
        let (read, stderr) = text(&["--crlf-as-one"]);
        assert_eq!(read, "Дорого, конечно.");
        assert!(!stderr.contains("CRLF"), "{stderr}");
    }

    /// The figures of the table rows of `citata agree`: `[id, n, TP, FP, FN, P, R, F1, κ]`.
    fn rows(stdout: &str) -> BTreeMap<String, Vec<String>> {
        let table = stdout.split("\ndisagreements").next().unwrap_or_default();
        table
            .lines()
            .filter(|l| {
                l.starts_with("delivery ")
                    || l.starts_with("pricing ")
                    || l.starts_with("micro-average ")
            })
            .map(|l| {
                let v: Vec<String> = l.split_whitespace().map(str::to_string).collect();
                (v[0].clone(), v)
            })
            .collect()
    }

    fn agree(project: &Path, cb: &Path, map: Option<&Path>) -> Run {
        let mut args = vec![
            os("agree"),
            project.as_os_str(),
            os("--codebook"),
            cb.as_os_str(),
        ];
        if let Some(m) = map {
            args.extend([os("--map"), m.as_os_str()]);
        }
        citata(args)
    }

    #[test]
    fn agreement_on_a_hand_made_project() {
        let dir = tmp();
        let p = human_project(dir.path());
        let cb = write(dir.path(), "cb.toml", CB);
        let map = write(dir.path(), "map.toml", "\"Деньги\" = \"pricing\"\n");
        let run = agree(&p, &cb, Some(&map));
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
        // 17 respondent sentences: a.txt 10 (a2–a5, a8–a11, a13, a14), b.txt 7 (b1–b4, b6–b8).
        // citata (keyword or context), by `citata tag` on these texts:
        //   delivery: a2 ctx, a3 kw, a4 ctx, a5 ctx, a14 kw («вовремя»); not b3 («опаздывают»
        //   is «опаздывать», not the entry's «опоздать»).
        //   pricing: a8, a9, a10 kw, a11 ctx, a13 and a14 ctx (the follow-up question about
        //   the warehouse keeps the topic), b6 kw; b7 is a comparison only.
        // Humans: delivery a3, a4 (one selection), a14 (a word), b3 (starts 3 characters
        // early: b2 is covered by 2 of its 33 characters, so not counted); a0 is the
        // interviewer's. pricing («Деньги» by the map): a8, a9 (one selection), a10, b6, b7.
        //
        // delivery: TP 3 (a3 a4 a14), FP 2 (a2 a5), FN 1 (b3), TN 11.
        //   P = 3/5 = 0.60; R = 3/4 = 0.75; F1 = 6/9 = 0.67;
        //   po = 14/17, pe = (5·4 + 12·13)/17² = 176/289, κ = (238 − 176)/(289 − 176) = 62/113 = 0.55.
        // pricing: TP 4 (a8 a9 a10 b6), FP 3 (a11 a13 a14), FN 1 (b7), TN 9.
        //   P = 4/7 = 0.57; R = 4/5 = 0.80; F1 = 8/12 = 0.67;
        //   po = 13/17, pe = (7·5 + 10·12)/289 = 155/289, κ = (221 − 155)/(289 − 155) = 66/134 = 0.49.
        // micro: TP 7, FP 5, FN 2, TN 20, n 34.
        //   P = 7/12 = 0.58; R = 7/9 = 0.78; F1 = 14/21 = 0.67;
        //   po = 27/34, pe = (12·9 + 22·25)/34² = 658/1156, κ = (918 − 658)/(1156 − 658) = 260/498 = 0.52.
        let r = rows(&run.stdout);
        let v = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            r["delivery"],
            v("delivery 17 3 2 1 0.60 0.75 0.67 0.55"),
            "{}",
            run.stdout
        );
        assert_eq!(
            r["pricing"],
            v("pricing 17 4 3 1 0.57 0.80 0.67 0.49"),
            "{}",
            run.stdout
        );
        assert_eq!(
            r["micro-average"],
            v("micro-average 34 7 5 2 0.58 0.78 0.67 0.52"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.starts_with(&format!(
            "agreement with the human coding in {}: 2 source(s), 17 respondent sentence(s) compared\n  delivery ← «Сроки поставки»\n  pricing ← «Финансы/Деньги»\n  not matched to a parameter: «Прочее» (1 coding(s))\n  1 human coding(s) on interviewer sentences not compared\n",
            p.display()
        )), "{}", run.stdout);
        // The most telling disagreements first: FN with no citata coding, then FP.
        let tail = run.stdout.split("disagreements").nth(1).unwrap();
        let lines: Vec<&str> = tail.lines().skip(1).collect();
        assert_eq!(
            lines,
            [
                "delivery (Сроки поставки), 3 in all",
                "  FN  b.txt #4  «Бывает, опаздывают с отгрузкой на день-два.»  citata: nothing",
                "  FP  a.txt #3  «Ну, по-разному бывает.»  citata: context (answer to a question about it)",
                "  FP  a.txt #6  «Линия стояла.»  citata: context (answer to a question about it)",
                "pricing (Цены), 4 in all",
                "  FN  b.txt #8  «У конкурентов дешевле процентов на десять.»  citata: nothing",
                "  FP  a.txt #12  «Хотя менеджер обещал.»  citata: context (answer to a question about it)",
                "  FP  a.txt #14  «Склад нормальный, чистый.»  citata: context (answer to a question about it)",
                "  FP  a.txt #15  «Привезли всё вовремя, без претензий.»  citata: context (answer to a question about it); humans: delivery",
            ],
            "{}",
            run.stdout
        );
    }

    #[test]
    fn agree_without_matching_codes_or_with_a_bad_map_says_how_to_fix_it() {
        let dir = tmp();
        let p = human_project(dir.path());
        let cb = write(dir.path(), "cb.toml", CB);
        let bad = write(dir.path(), "map.toml", "\"Деньги\" = \"money\"\n");
        let run = agree(&p, &cb, Some(&bad));
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("`Деньги` = `money`: no parameter `money` in the codebook; the ids are: delivery, pricing"),
            "{}",
            run.stderr
        );
        let other = write(
            dir.path(),
            "other.toml",
            "name = \"x\"\n[[levels]]\nid = \"l\"\nname = \"L\"\n[[parameters]]\nid = \"staff\"\nlevel = \"l\"\nname = \"Персонал\"\nterms = [\"менеджер\"]\n",
        );
        let run = agree(&p, &other, None);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr
                .contains("no human code matches a parameter of the codebook"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("--map MAP.toml"), "{}", run.stderr);
    }

    #[test]
    fn a_qdc_codebook_goes_out_and_comes_back_as_a_skeleton_that_checks() {
        let dir = tmp();
        let cb = write(dir.path(), "cb.toml", CB);
        let qdc = dir.path().join("cb.qdc");
        let run = citata([
            os("codebook"),
            os("export"),
            os("--format"),
            os("qdc"),
            os("--codebook"),
            cb.as_os_str(),
            os("--out"),
            qdc.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let xml = std::fs::read_to_string(&qdc).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\""), "{xml}");
        assert!(xml.contains("name=\"Сервис\" isCodable=\"false\""), "{xml}");
        assert!(xml.contains("name=\"Цены\" isCodable=\"true\""), "{xml}");
        assert!(!xml.contains("<Sets"), "{xml}");
        let toml = dir.path().join("skeleton.toml");
        let run = citata([
            os("codebook"),
            os("import"),
            qdc.as_os_str(),
            os("--out"),
            toml.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let skeleton = std::fs::read_to_string(&toml).unwrap();
        assert!(
            skeleton.contains("[[levels]]\nid = \"service\"\nname = \"Сервис\"\n"),
            "{skeleton}"
        );
        assert!(
            skeleton.contains("[[parameters]]\nid = \"delivery\"\nlevel = \"service\"\nname = \"Сроки поставки\"\ndescription = \"Когда привозят\"\nterms = []\nquestions = []\n"),
            "{skeleton}"
        );
        let check = citata([os("codebook"), os("check"), toml.as_os_str()]);
        assert_eq!(check.code, 0, "{}", check.stderr);
        assert!(
            check.stdout.contains("1 levels, 2 parameters, 0 terms"),
            "{}",
            check.stdout
        );
        assert_eq!(
            check
                .stdout
                .matches("has no terms yet (terms = [])")
                .count()
                + check
                    .stderr
                    .matches("has no terms yet (terms = [])")
                    .count(),
            2,
            "{}{}",
            check.stdout,
            check.stderr
        );
        // A project's code tree gives a skeleton too (to stdout).
        let p = human_project(dir.path());
        let run = citata([os("codebook"), os("import"), p.as_os_str()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains("id = \"finansy\"\nname = \"Финансы\""),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("id = \"dengi\"\nlevel = \"finansy\"\nname = \"Деньги\""),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("id = \"other\"\nname = \"Без уровня\""),
            "{}",
            run.stdout
        );
    }
}

/// `citata serve`: every page and endpoint over HTTP (issue 8, first step), through the router
/// without a socket.
mod serve {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use citata::serve::{App, router};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use crate::testenv::{citata, tmp, write};

    /// A study with a transcript that tries to inject a script.
    fn app(token: Option<&str>) -> (tempfile::TempDir, Arc<App>) {
        app_with(token, &[])
    }

    /// The same study with more files.
    fn app_with(token: Option<&str>, extra: &[(&str, &str)]) -> (tempfile::TempDir, Arc<App>) {
        let dir = tmp();
        let c = dir.path().join("study");
        std::fs::create_dir(&c).unwrap();
        write(
            &c,
            "a.txt",
            "---\ndivision: Финансы\nwave: 2026\n---\nИнтервьюер: Как с оплатой?\nРеспондент: Оплата вовремя, отсрочка шестьдесят дней. <script>alert(1)</script> Сроки поставки срывают.\n",
        );
        write(
            &c,
            "sub/b.txt",
            "---\ndivision: Закупки\nwave: 2026\n---\nИнтервьюер: Сроки поставки?\nРеспондент: Задержки бывают, оплату не обсуждаю.\n",
        );
        for (name, text) in extra {
            write(&c, name, text);
        }
        let idx = dir.path().join("idx");
        let r = citata([
            "index".as_ref(),
            "add".as_ref(),
            c.as_os_str(),
            "--index".as_ref(),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let app = App::open(c, &idx, token.map(str::to_string)).unwrap();
        (dir, Arc::new(app))
    }

    async fn get(
        app: &Arc<App>,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String, Vec<String>) {
        let mut req = Request::get(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = router(app.clone())
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let cookies = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap(), cookies)
    }

    fn enc(s: &str) -> String {
        citata::serve::url_encode(s)
    }

    #[tokio::test]
    async fn study_search_and_transcript_pages() {
        let (_dir, app) = app(None);
        let (status, body, _) = get(&app, "/", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("Условия оплаты"),
            "the study lists parameters"
        );
        assert!(body.contains("2 интервью"), "{body}");
        // No ratings in this study: scores are dashes; coverage counts the coded passages.
        assert!(body.contains("<th class=\"num\">Оценка</th>"), "{body}");
        assert!(body.contains("<td class=\"num\">—</td>"), "{body}");
        // Search: every inflection, the match marked, links to the transcript at the hit.
        let (status, body, _) = get(&app, &format!("/search?q={}", enc("оплата")), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("<mark>Оплата</mark>"), "{body}");
        assert!(body.contains("<mark>оплату</mark>"), "{body}");
        assert!(body.contains("Найдено: 3"), "{body}");
        assert!(body.contains("href=\"/transcripts/sub/b.txt?at="), "{body}");
        // Facet links keep the query and add the filter.
        assert!(
            body.contains(&format!(
                "/search?q={}&amp;division={}",
                enc("оплата"),
                enc("Закупки")
            )),
            "{body}"
        );
        // Filters.
        let (_, body, _) = get(
            &app,
            &format!("/search?q={}&division={}", enc("оплата"), enc("закупки")),
            &[],
        )
        .await;
        assert!(body.contains("Найдено: 1"), "{body}");
        // A transcript opened at an offset: that sentence is marked.
        let (_, json, _) = get(&app, &format!("/api/search?q={}", enc("отсрочка")), &[]).await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["total"], 1);
        let start = v["hits"][0]["start"].as_u64().unwrap();
        let (status, body, _) =
            get(&app, &format!("/transcripts/a.txt?at={}", start + 3), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains(&format!("id=\"s{start}\" class=\"s coded here\"")),
            "{body}"
        );
        assert!(
            body.contains("style=\"background-image:linear-gradient("),
            "coding stripes"
        );
        // JSON versions.
        let (_, json, _) = get(
            &app,
            &format!("/search?q={}", enc("сроки")),
            &[("accept", "application/json")],
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["total"], 2, "{json}");
        assert_eq!(v["facets"]["type"], "facets");
        let (status, json, _) = get(&app, "/api/transcripts/sub/b.txt", &[]).await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["transcript"]["doc"], "sub/b.txt");
    }

    /// The search page says in Russian what the index does not know, with the nearest names,
    /// and where a query cannot be read, the place marked (issue 17).
    #[tokio::test]
    async fn search_page_explains_unknown_names_and_syntax_errors_in_russian() {
        let (_dir, app) = app(None);
        let (status, body, _) =
            get(&app, &format!("/search?q={}", enc("code:delivery")), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains(
                "<p class=\"err\">Параметра «delivery» нет в кодовой книге. Возможно, имелось в виду: «Сроки поставки комплектующих» (<code>delivery_time</code>).</p>"
            ),
            "{body}"
        );
        assert!(!body.contains("Найдено"), "{body}");
        // The same from the form's fields.
        let (_, body, _) = get(&app, "/search?q=&param=delivery", &[]).await;
        assert!(body.contains("Параметра «delivery» нет"), "{body}");
        let (_, body, _) = get(&app, &format!("/search?q={}", enc("divison:Закупки")), &[]).await;
        assert!(
            body.contains(
                "Поля «divison» нет в данных интервью. Возможно, имелось в виду: <code>division</code>."
            ),
            "{body}"
        );
        let (status, body, _) =
            get(&app, &format!("/search?q={}", enc("цена AND (сроки")), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains(
                "Запрос не читается: открытая здесь скобка не закрыта (символ 10).</p><p><code class=\"query\">цена AND <mark>(</mark>сроки</code>"
            ),
            "{body}"
        );
        assert!(!body.contains("cannot read"), "{body}");
        let (_, body, _) = get(&app, &format!("/search?q={}", enc("цена ИЛИ")), &[]).await;
        assert!(
            body.contains("у «ИЛИ» должно быть слово с каждой стороны (символ 6)"),
            "{body}"
        );
        let (_, body, _) = get(
            &app,
            &format!("/search?q={}", enc("wave:[2025 TO 2026]")),
            &[],
        )
        .await;
        assert!(
            body.contains(
                "Запрос не читается: диапазоны (<code>[a TO b]</code>) не поддерживаются."
            ),
            "{body}"
        );
    }

    #[tokio::test]
    async fn transcript_text_is_escaped_and_paths_do_not_reach_files() {
        let (_dir, app) = app(None);
        for uri in [
            "/transcripts/a.txt".to_string(),
            format!("/search?q={}", enc("script")),
        ] {
            let (_, body, _) = get(&app, &uri, &[]).await;
            assert!(!body.contains("<script>alert"), "{uri}: {body}");
            assert!(!body.contains("</script> "), "{uri}: {body}");
            assert!(body.contains("alert(1)&lt;/script&gt;"), "{uri}: {body}");
        }
        // A query that tries to close the attribute comes back escaped in the form.
        let (_, body, _) = get(&app, &format!("/search?q={}", enc("\"><img src=x>")), &[]).await;
        assert!(!body.contains("<img src=x>"), "{body}");
        for uri in [
            "/transcripts/../../../../etc/passwd",
            "/transcripts/%2e%2e/%2e%2e/etc/passwd",
            "/transcripts/..%2F..%2Fetc%2Fpasswd",
            "/api/transcripts/%2Fetc%2Fpasswd",
        ] {
            let (status, body, _) = get(&app, uri, &[]).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
            assert!(!body.contains("root:"), "{uri}");
        }
        // Bounded queries, and a query that cannot be read says why.
        let long = "а".repeat(600);
        let (status, _, _) = get(&app, &format!("/api/search?q={}", enc(&long)), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, body, _) =
            get(&app, &format!("/api/search?q={}", enc("цена AND (")), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("cannot read the query"), "{body}");
    }

    #[tokio::test]
    async fn a_token_guards_every_route() {
        let (_dir, app) = app(Some("s3cret"));
        let (status, _, _) = get(&app, "/", &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) = get(&app, "/api/search?q=x&token=wrong", &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, cookies) = get(&app, "/?token=s3cret", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            cookies[0].starts_with("citata_token=s3cret;"),
            "{cookies:?}"
        );
        assert!(cookies[0].contains("HttpOnly"), "{cookies:?}");
        let (status, _, _) = get(&app, "/search", &[("cookie", "a=b; citata_token=s3cret")]).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = get(
            &app,
            "/api/search?q=x",
            &[("authorization", "Bearer s3cret")],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    async fn post(app: &Arc<App>, uri: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        let resp = router(app.clone())
            .oneshot(
                Request::post(uri)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(body.join("&")))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = resp.status();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location)
    }

    /// A POST of a form: the status and the body (`accept`: the Accept header).
    async fn post_page(
        app: &Arc<App>,
        uri: &str,
        form: &[(&str, &str)],
        accept: Option<&str>,
    ) -> (StatusCode, String) {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        let mut req =
            Request::post(uri).header("content-type", "application/x-www-form-urlencoded");
        if let Some(a) = accept {
            req = req.header(header::ACCEPT, a);
        }
        let resp = router(app.clone())
            .oneshot(req.body(Body::from(body.join("&"))).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// A decision posted from the transcript page reaches every page at once: the quote
    /// board, search by code, the study page's counts and the report; refusals say why in
    /// Russian.
    #[tokio::test]
    async fn a_coding_decision_reaches_every_page_at_once() {
        let (dir, app) = app(None);
        // The respondent's whole answer about payment (two sentences, coded by keyword and
        // as the answer to the question).
        let passage = "Оплата вовремя, отсрочка шестьдесят дней. <script>alert(1)</script> Сроки поставки срывают.";
        let (_, board, _) = get(&app, "/quotes/payment_terms?wave=all", &[]).await;
        assert!(board.contains("doc\" value=\"a.txt\""), "{board}");
        let (_, report, _) = get(&app, "/report.json", &[]).await;
        let codings = |report: &str| -> u64 {
            let j: serde_json::Value = serde_json::from_str(report).unwrap();
            j["levels"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|l| l["parameters"].as_array().unwrap())
                .find(|p| p["id"] == "payment_terms")
                .unwrap()["codings"]
                .as_u64()
                .unwrap()
        };
        let before = codings(&report);
        let (_, hits, _) = get(&app, "/api/search?q=code:payment_terms", &[]).await;
        assert!(hits.contains("Оплата вовремя"), "{hits}");
        let (_, v, _) = get(&app, "/api/transcripts/a.txt", &[]).await;
        let v: serde_json::Value = serde_json::from_str(&v).unwrap();
        let text = v["transcript"]["text"].as_str().unwrap();
        let start = text[..text.find(passage).unwrap()].chars().count();
        let coded = v["codes"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(at, codes)| {
                let at: usize = at.parse().unwrap();
                at >= start
                    && at < start + passage.chars().count()
                    && codes
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|c| c == "payment_terms")
            })
            .count();
        assert_eq!(coded, 2, "{v}");
        let (start, end) = (
            start.to_string(),
            (start + passage.chars().count()).to_string(),
        );
        let form = |decide: &'static str, coder: &'static str| {
            vec![
                ("csrf", app.csrf.clone()),
                ("doc", "a.txt".to_string()),
                ("start", start.clone()),
                ("end", end.clone()),
                ("decide", decide.to_string()),
                ("coder", coder.to_string()),
            ]
        };
        let send = |f: Vec<(&'static str, String)>| {
            let app = app.clone();
            async move {
                let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post_page(&app, "/decisions", &f, None).await
            }
        };
        // Refusals: no coder, an unknown parameter, a forged form.
        let (status, page) = send(form("reject:payment_terms", " ")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("<h1>Решение не записано</h1>"), "{page}");
        assert!(page.contains("поле «Кодировщик» пусто"), "{page}");
        let (status, page) = send(form("reject:payment_term", "Анна")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("Параметра «payment_term» нет в кодовой книге."),
            "{page}"
        );
        let mut forged = form("reject:payment_terms", "Анна");
        forged[0].1 = "forged".into();
        assert_eq!(send(forged).await.0, StatusCode::FORBIDDEN);
        assert!(!dir.path().join("study/decisions.tsv").exists());

        let (status, location) = post(
            &app,
            "/decisions",
            &form("reject:payment_terms", "Анна")
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.starts_with("/transcripts/a.txt?at="), "{location}");
        let file = std::fs::read_to_string(dir.path().join("study/decisions.tsv")).unwrap();
        assert!(
            file.contains(&format!(
                "reject\ta.txt\t{start}\t{end}\tpayment_terms\tАнна\t"
            )),
            "{file}"
        );
        let (_, board, _) = get(&app, "/quotes/payment_terms?wave=all", &[]).await;
        assert!(!board.contains("doc\" value=\"a.txt\""), "{board}");
        assert!(board.contains("doc\" value=\"sub/b.txt\""), "{board}");
        let (_, hits, _) = get(&app, "/api/search?q=code:payment_terms", &[]).await;
        assert!(!hits.contains("Оплата вовремя"), "{hits}");
        assert!(hits.contains("Как с оплатой?"), "{hits}");
        assert!(hits.contains("\"sub/b.txt\""), "{hits}");
        let (_, report, _) = get(&app, "/report.json", &[]).await;
        assert_eq!(codings(&report), before - 2);
        // The transcript page offers to take it back.
        let (_, page, _) = get(&app, &format!("/transcripts/a.txt?at={start}"), &[]).await;
        assert!(
            page.contains(&format!("value=\"undo:{start}:{end}:payment_terms\"")),
            "{page}"
        );
        assert!(page.contains("отклонено: Анна"), "{page}");
    }

    #[tokio::test]
    async fn quote_board_pins_and_unpins_into_the_study_folder() {
        let (_dir, app) = app(None);
        let (status, body, _) = get(&app, "/quotes/payment_terms", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Закрепить"), "{body}");
        let (_, json, _) = get(&app, "/api/quotes/payment_terms", &[]).await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let first = &v["quotes"][0];
        let (doc, start, end) = (
            first["doc"].as_str().unwrap().to_string(),
            first["start"].as_u64().unwrap().to_string(),
            first["end"].as_u64().unwrap().to_string(),
        );
        assert_eq!(first["pinned"], false);
        // A form without the page's token is refused, and nothing is written.
        let (status, _) = post(
            &app,
            "/quotes/payment_terms/pin",
            &[
                ("csrf", "forged"),
                ("doc", &doc),
                ("start", &start),
                ("end", &end),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let pins_file = app.study.join(".citata/pins.toml");
        assert!(!pins_file.exists());
        // A trim that is not the respondent's words is refused, in Russian, and nothing is
        // written (issue 15).
        let invented = [
            ("csrf", app.csrf.as_str()),
            ("doc", &doc),
            ("start", &start),
            ("end", &end),
            ("text", "Отсрочка шестьдесят дней — <b>это</b> хорошо."),
        ];
        let (status, page) = post_page(&app, "/quotes/payment_terms/pin", &invented, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Цитата не закреплена"), "{page}");
        assert!(
            page.contains("Этого нет в исходном фрагменте: «Отсрочка шестьдесят дней — &lt;b&gt;это&lt;/b&gt; хорошо.»"),
            "{page}"
        );
        assert!(page.contains("href=\"/quotes/payment_terms\""), "{page}");
        let (status, json) = post_page(
            &app,
            "/quotes/payment_terms/pin",
            &invented,
            Some("application/json"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .starts_with("Цитата должна быть словами респондента"),
            "{json}"
        );
        // A passage that is not a respondent's is refused too.
        let (status, page) = post_page(
            &app,
            "/quotes/payment_terms/pin",
            &[
                ("csrf", &app.csrf),
                ("doc", &doc),
                ("start", "0"),
                ("end", "5"),
            ],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("одной реплике респондента"), "{page}");
        assert!(!pins_file.exists());
        // Pin with a trimming that only shortens: the cut is marked «…».
        let (status, location) = post(
            &app,
            "/quotes/payment_terms/pin",
            &[
                ("csrf", &app.csrf),
                ("doc", &doc),
                ("start", &start),
                ("end", &end),
                ("text", "отсрочка  шестьдесят дней."),
            ],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/quotes/payment_terms")
        );
        assert!(pins_file.is_file());
        let pins = citata::report::pins::Pins::load(&app.study).unwrap();
        assert_eq!(pins.pins.len(), 1);
        assert_eq!(pins.pins[0].doc, doc);
        assert_eq!(
            pins.pins[0].text.as_deref(),
            Some("…отсрочка шестьдесят дней…")
        );
        let (_, body, _) = get(&app, "/quotes/payment_terms", &[]).await;
        assert!(body.contains("Закреплённые"), "{body}");
        assert!(body.contains("…отсрочка шестьдесят дней…"), "{body}");
        let (_, json, _) = get(&app, "/api/quotes/payment_terms", &[]).await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["quotes"][0]["pinned"], true);
        // Unpin.
        let (status, _) = post(
            &app,
            "/quotes/payment_terms/unpin",
            &[("csrf", &app.csrf), ("doc", &doc), ("start", &start)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            citata::report::pins::Pins::load(&app.study)
                .unwrap()
                .pins
                .is_empty()
        );
        let (status, _, _) = get(&app, "/quotes/no_such_param", &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A pins.toml that cannot be read is an error in the page and the API alike.
        std::fs::write(&pins_file, "[[pin]]\nparam = ").unwrap();
        let (status, body, _) = get(&app, "/quotes/payment_terms", &[]).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("pins.toml"), "{body}");
        let (status, json, _) = get(&app, "/api/quotes/payment_terms", &[]).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(v["error"].as_str().unwrap().contains("pins.toml"), "{json}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_report_page_and_downloads_follow_the_pins() {
        let (_dir, app) = app(None);
        let (status, body, _) = get(&app, "/report", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Скачать:"), "{body}");
        assert!(body.contains("href=\"/report.docx\""), "{body}");
        assert!(body.contains("<h1>"), "{body}");
        let resp = router(app.clone())
            .oneshot(Request::get("/report.docx").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"report.docx\""
        );
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..2], b"PK", "a zip package");
        let (status, _, _) = get(&app, "/report.pdf", &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A pinned quote with an edited trimming is in the next report.
        let (_, json, _) = get(&app, "/api/quotes/payment_terms", &[]).await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let q = &v["quotes"][0];
        let (status, _) = post(
            &app,
            "/quotes/payment_terms/pin",
            &[
                ("csrf", &app.csrf),
                ("doc", q["doc"].as_str().unwrap()),
                ("start", &q["start"].to_string()),
                ("end", &q["end"].to_string()),
                ("text", "отсрочка шестьдесят дней."),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, md, _) = get(&app, "/report.md", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(md.contains("…отсрочка шестьдесят дней…"), "{md}");
    }

    #[tokio::test]
    async fn the_quote_board_shows_the_reported_wave_unless_asked() {
        let (_dir, app) = app_with(
            None,
            &[(
                "old.txt",
                "---\ndivision: Финансы\nwave: 2025\n---\nИнтервьюер: Как с оплатой?\nРеспондент: Оплата в прошлом году задерживалась постоянно, отсрочка была всего десять дней.\n",
            )],
        );
        let docs = |json: &str| -> (serde_json::Value, Vec<String>) {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            let mut d: Vec<String> = v["quotes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q["doc"].as_str().unwrap().to_string())
                .collect();
            d.sort();
            d.dedup();
            (v["wave"].clone(), d)
        };
        // The report is about the latest wave, 2026: the board shows its quotes.
        let (_, json, _) = get(&app, "/api/quotes/payment_terms", &[]).await;
        let (wave, d) = docs(&json);
        assert_eq!(wave, "2026");
        assert!(
            !d.is_empty() && !d.contains(&"old.txt".to_string()),
            "{d:?}"
        );
        let (_, json, _) = get(&app, "/api/quotes/payment_terms?wave=2025", &[]).await;
        assert_eq!(docs(&json).1, vec!["old.txt"]);
        let (_, json, _) = get(&app, "/api/quotes/payment_terms?wave=all", &[]).await;
        let (wave, d) = docs(&json);
        assert_eq!(wave, serde_json::Value::Null);
        assert!(d.contains(&"old.txt".to_string()) && d.len() >= 2, "{d:?}");
        let (_, body, _) = get(&app, "/quotes/payment_terms", &[]).await;
        assert!(
            body.contains(
                "Волна: <a href=\"/quotes/payment_terms?wave=2025\">2025</a> <b>2026</b>"
            ),
            "{body}"
        );
        // Quote scores and their features with a decimal comma, negatives with U+2212
        // (issue 15).
        let scores: Vec<String> = body
            .split("· оценка ")
            .skip(1)
            .map(|s| {
                s.chars()
                    .take_while(|c| !matches!(c, '<' | '='))
                    .collect::<String>()
            })
            .collect();
        assert!(!scores.is_empty(), "{body}");
        for score in &scores {
            let score = score.trim();
            assert!(
                score.contains(',') && !score.contains('.') && !score.contains('-'),
                "{score}"
            );
        }
        let features = body
            .split(" = ")
            .nth(1)
            .map(|s| s.chars().take_while(|c| *c != '<').collect::<String>())
            .unwrap();
        assert!(
            features.contains(',') && !features.contains('.'),
            "{features}"
        );
    }
}

/// Hostile and unlucky input from issue 18: queries that nest too deep, DNS rebinding,
/// failed writes, crashes in the middle of an index commit, the report routes under load.
mod hardening {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use crate::testenv::{citata, tmp, write};

    /// A child process killed when dropped.
    struct Kill(Child);

    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// A small study: two transcripts with metadata.
    fn study(dir: &Path) -> PathBuf {
        let c = dir.join("study");
        write(
            &c,
            "a.txt",
            "---\ndivision: Финансы\nwave: 2026\n---\nИнтервьюер: Как с оплатой?\nРеспондент: Оплата вовремя, отсрочка шестьдесят дней. Сроки поставки срывают.\n",
        );
        write(
            &c,
            "b.txt",
            "---\ndivision: Закупки\nwave: 2026\n---\nИнтервьюер: Сроки поставки?\nРеспондент: Задержки бывают, оплату не обсуждаю.\n",
        );
        c
    }

    fn index(study: &Path, idx: &Path) {
        let r = citata([
            "index".as_ref(),
            "add".as_ref(),
            study.as_os_str(),
            "--index".as_ref(),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }

    /// `citata serve STUDY` on a free port of 127.0.0.1 (the index built first); the port.
    fn serve(study: &Path, idx: &Path) -> (Kill, u16) {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Kill(
            Command::new(env!("CARGO_BIN_EXE_citata"))
                .arg("serve")
                .arg(study)
                .arg("--index")
                .arg(idx)
                .args(["--port", &port.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut line = String::new();
        BufReader::new(child.0.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
        (child, port)
    }

    /// An answer: the status, the headers (names in lower case) and the body.
    type Answer = (u16, Vec<(String, String)>, String);

    /// One HTTP/1.1 request.
    fn http(port: u16, request: &str) -> std::io::Result<Answer> {
        let mut s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        s.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Ok((status, headers, body.to_string()))
    }

    fn get(port: u16, path: &str) -> Answer {
        http(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
        )
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    // See: issue #18
    #[test]
    fn a_query_nested_300_levels_gets_400_and_the_server_keeps_serving() {
        let dir = tmp();
        let c = study(dir.path());
        let idx = dir.path().join("idx");
        index(&c, &idx);
        let (mut server, port) = serve(&c, &idx);
        // `-(` 300 times around `a`: 901 bytes, under the 1,000-byte limit.
        let q = format!("{}a{}", "-(".repeat(300), ")".repeat(300));
        assert_eq!(q.len(), 901);
        let (status, _, body) = get(
            port,
            &format!("/api/search?q={}", citata::serve::url_encode(&q)),
        );
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("at most 32 are allowed"), "{body}");
        let (status, _, body) = get(port, "/search?q=-(-(-(a)))");
        assert_eq!(status, 200, "{body}");
        let (status, _, body) = get(port, "/api/search?q=%D0%BE%D0%BF%D0%BB%D0%B0%D1%82%D0%B0");
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"total\":3"), "{body}");
        assert!(server.0.try_wait().unwrap().is_none(), "the server runs");
    }

    // See: issue #18
    #[test]
    fn the_cli_refuses_deep_queries_with_exit_2() {
        let dir = tmp();
        let c = study(dir.path());
        let idx = dir.path().join("idx");
        index(&c, &idx);
        for q in [
            "(".repeat(10_000),
            format!("{}a{}", "-(".repeat(1000), ")".repeat(1000)),
            format!("{}a", "NOT ".repeat(10_000)),
        ] {
            let r = citata([
                "search".as_ref(),
                "--index".as_ref(),
                idx.as_os_str(),
                "--".as_ref(),
                q.as_ref(),
            ]);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(
                r.stderr.contains("levels deep; at most 32 are allowed"),
                "{}",
                r.stderr
            );
        }
        // 32 levels are still a query.
        let q = format!("{}оплата{}", "(".repeat(32), ")".repeat(32));
        let r = citata([
            "search".as_ref(),
            q.as_ref(),
            "--index".as_ref(),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }

    // See: issue #18
    #[test]
    fn a_near_distance_too_large_says_so_and_the_maximum() {
        let dir = tmp();
        let cb = |n: &str| {
            write(
                dir.path(),
                &format!("cb{n}.toml"),
                format!(
                    "name = \"t\"\n[[levels]]\nid = \"org\"\nname = \"Орг\"\n[[parameters]]\nid = \"price\"\nlevel = \"org\"\nname = \"Цена\"\nterms = [\"цена NEAR/{n} высокий\"]\n"
                ),
            )
        };
        for n in ["99999999999999999999", "1001"] {
            let r = citata(["codebook".as_ref(), "check".as_ref(), cb(n).as_os_str()]);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(
                r.stderr.contains(&format!(
                    "`NEAR/{n}`: the distance is too large; at most NEAR/1000"
                )),
                "{}",
                r.stderr
            );
            assert!(!r.stderr.contains("goes at the end"), "{}", r.stderr);
        }
        let r = citata([
            "codebook".as_ref(),
            "check".as_ref(),
            cb("1000").as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    // See: issue #18
    #[test]
    fn dns_rebinding_another_host_gets_421_and_another_origin_403() {
        let dir = tmp();
        let c = study(dir.path());
        let idx = dir.path().join("idx");
        index(&c, &idx);
        let (_server, port) = serve(&c, &idx);
        let request = |method: &str, path: &str, host: &str, extra: &str, body: &str| {
            http(
                port,
                &format!(
                    "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            )
            .unwrap()
        };
        // A page of evil.example whose name now points at 127.0.0.1 reads nothing.
        for path in [
            "/",
            "/api/search?q=x",
            "/quotes/payment_terms",
            "/report.md",
        ] {
            for host in ["evil.example", &format!("evil.example:{port}")] {
                let (status, headers, body) = request("GET", path, host, "", "");
                assert_eq!(status, 421, "{path} {host}: {body}");
                assert!(!body.contains("csrf"), "{body}");
                assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
            }
        }
        // Localhost names and the address are served, with the security headers.
        for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
            let (status, headers, body) = request("GET", "/quotes/payment_terms", &host, "", "");
            assert_eq!(status, 200, "{host}: {body}");
            assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
            assert_eq!(header(&headers, "referrer-policy"), Some("same-origin"));
            let csp = header(&headers, "content-security-policy").unwrap_or_default();
            assert!(csp.starts_with("default-src 'none';"), "{csp}");
            assert!(csp.contains("form-action 'self'"), "{csp}");
            assert!(!csp.contains("http"), "nothing external: {csp}");
        }
        // A pin from another origin is refused even with the form token; from the page's own
        // origin it is written.
        let (_, _, page) = get(port, "/quotes/payment_terms");
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the page has the form token")
            .to_string();
        let (_, _, json) = get(port, "/api/quotes/payment_terms");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let q = &v["quotes"][0];
        let form = format!(
            "csrf={csrf}&doc={}&start={}&end={}",
            citata::serve::url_encode(q["doc"].as_str().unwrap()),
            q["start"],
            q["end"]
        );
        let typ = "Content-Type: application/x-www-form-urlencoded\r\n";
        let me = format!("127.0.0.1:{port}");
        for (host, origin) in [
            (me.clone(), "http://evil.example".to_string()),
            (me.clone(), format!("http://evil.example:{port}")),
            (me.clone(), "null".to_string()),
            (me.clone(), format!("https://127.0.0.1:{port}")),
            (
                format!("evil.example:{port}"),
                format!("http://evil.example:{port}"),
            ),
        ] {
            let (status, _, body) = request(
                "POST",
                "/quotes/payment_terms/pin",
                &host,
                &format!("{typ}Origin: {origin}\r\n"),
                &form,
            );
            assert!(
                status == 403 || status == 421,
                "{host} {origin}: {status} {body}"
            );
            assert!(!c.join(".citata/pins.toml").exists(), "{host} {origin}");
        }
        let (status, _, body) = request(
            "POST",
            "/quotes/payment_terms/pin",
            &me,
            &format!("{typ}Origin: http://{me}\r\n"),
            &form,
        );
        assert_eq!(status, 303, "{body}");
        assert!(c.join(".citata/pins.toml").is_file());
    }

    /// A folder on a small tmpfs (`size`: 32k), unmounted when dropped: a real full disk.
    /// `None` (the test says it is skipped) where mounting is not allowed (not root).
    struct FullDisk {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    impl FullDisk {
        fn new(size: &str) -> Option<FullDisk> {
            let dir = tmp();
            let path = dir.path().join("full");
            std::fs::create_dir(&path).ok()?;
            let mounted = Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
                .arg(&path)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !mounted {
                eprintln!("SKIPPED: cannot mount a small tmpfs here (needs root)");
                return None;
            }
            Some(FullDisk { _dir: dir, path })
        }
    }

    impl Drop for FullDisk {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.path).status();
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    // See: issue #18
    #[test]
    fn a_full_disk_leaves_no_temporary_file_and_the_error_names_the_output() {
        let Some(disk) = FullDisk::new("32k") else {
            return;
        };
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        // The old report stays as it was.
        std::fs::write(disk.path.join("report.html"), "old").unwrap();
        for (args, out) in [
            (vec!["report"], "report.html"),
            (vec!["export", "qdpx"], "study.qdpx"),
        ] {
            let out = disk.path.join(out);
            let mut a: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_ref()).collect();
            a.extend([demo.as_os_str(), "--out".as_ref(), out.as_os_str()]);
            let r = citata(&a);
            assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains(&format!(
                    "writing {}: no space left on device",
                    out.display()
                )),
                "{args:?}: {}",
                r.stderr
            );
            assert!(!r.stderr.contains(".tmp-"), "{}", r.stderr);
            assert_eq!(names(&disk.path), ["report.html"], "{args:?}");
        }
        assert_eq!(
            std::fs::read_to_string(disk.path.join("report.html")).unwrap(),
            "old"
        );
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }

    /// The files of an index that its `meta.json` does not reference, and temporary files.
    fn orphans(idx: &Path) -> Vec<String> {
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(idx.join("meta.json")).unwrap()).unwrap();
        let mut living = std::collections::BTreeSet::new();
        for seg in meta["segments"].as_array().unwrap() {
            let id = seg["segment_id"].as_str().unwrap().replace('-', "");
            for ext in ["fast", "fieldnorm", "idx", "pos", "store", "term"] {
                living.insert(format!("{id}.{ext}"));
            }
            if let Some(stamp) = seg["deletes"]["opstamp"].as_u64() {
                living.insert(format!("{id}.{stamp}.del"));
            }
        }
        names(idx)
            .into_iter()
            .filter(|n| !n.starts_with('.') || n.starts_with(".tmp"))
            .filter(|n| n != "meta.json" && !living.contains(n))
            .collect()
    }

    /// `index stats` without the folder and size, and the hits of a search.
    fn counts(idx: &Path) -> (String, usize) {
        let r = citata([
            "index".as_ref(),
            "stats".as_ref(),
            "--index".as_ref(),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let stats = r.stdout.lines().next().unwrap_or_default();
        let stats = stats.split(", ").take(3).collect::<Vec<_>>().join(", ");
        let r = citata([
            "search".as_ref(),
            "оплата OR сроки".as_ref(),
            "--limit".as_ref(),
            "100".as_ref(),
            "--index".as_ref(),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        (stats, r.stdout.lines().count())
    }

    // See: issue #18
    #[test]
    fn a_kill_at_any_stage_of_a_commit_is_recovered_by_the_next_add() {
        use std::os::unix::process::ExitStatusExt;
        let dir = tmp();
        let c = study(dir.path());
        let before = dir.path().join("before");
        index(&c, &before);
        // A changed transcript: the next add replaces it, deleting its sentences from the
        // committed segment (a delete bitset, `<segment>.<opstamp>.del`).
        let a = c.join("a.txt");
        let mut text = std::fs::read_to_string(&a).unwrap();
        text.push_str("Интервьюер: Что ещё?\nРеспондент: Оплата задерживается, сроки тоже.\n");
        std::fs::write(&a, text).unwrap();
        let clean = dir.path().join("clean");
        copy_dir(&before, &clean);
        index(&c, &clean);
        let expected = counts(&clean);
        assert!(expected.0.starts_with("2 transcript(s), "), "{expected:?}");
        for stage in citata::index::FAILPOINTS {
            let idx = dir.path().join(stage);
            copy_dir(&before, &idx);
            let killed = Command::new(env!("CARGO_BIN_EXE_citata"))
                .args(["index", "add"])
                .arg(&c)
                .arg("--index")
                .arg(&idx)
                .env(citata::index::FAILPOINT_ENV, stage)
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert_eq!(
                killed.signal(),
                Some(6),
                "{stage}: stopped at the failpoint"
            );
            let r = citata([
                "index".as_ref(),
                "add".as_ref(),
                c.as_os_str(),
                "--index".as_ref(),
                idx.as_os_str(),
            ]);
            assert_eq!(r.code, 0, "{stage}: {}", r.stderr);
            assert_eq!(counts(&idx), expected, "{stage}");
            assert_eq!(orphans(&idx), Vec::<String>::new(), "{stage}");
            // And the index goes on working: the next change commits too.
            let b = c.join("b.txt");
            let old_b = std::fs::read_to_string(&b).unwrap();
            std::fs::write(&b, format!("{old_b}Респондент: И ещё одно.\n")).unwrap();
            let r = citata([
                "index".as_ref(),
                "add".as_ref(),
                c.as_os_str(),
                "--index".as_ref(),
                idx.as_os_str(),
            ]);
            std::fs::write(&b, old_b).unwrap();
            assert_eq!(r.code, 0, "{stage}: {}", r.stderr);
            assert!(
                r.stdout.starts_with("1 transcript(s) indexed"),
                "{}",
                r.stdout
            );
        }
    }

    // See: issue #18
    #[test]
    fn a_full_disk_while_indexing_says_so_and_the_next_add_recovers() {
        let Some(disk) = FullDisk::new("256k") else {
            return;
        };
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let idx = disk.path.join("idx");
        let add = || {
            citata([
                "index".as_ref(),
                "add".as_ref(),
                demo.as_os_str(),
                "--index".as_ref(),
                idx.as_os_str(),
                "--quiet".as_ref(),
            ])
        };
        let r = add();
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "{}: index: no space left on device; free some space",
                idx.display()
            )),
            "{}",
            r.stderr
        );
        // Space freed: the next add starts from the last commit, with no orphan left.
        let grown = Command::new("mount")
            .args(["-o", "remount,size=64m"])
            .arg(&disk.path)
            .status()
            .unwrap();
        assert!(grown.success());
        let r = add();
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(orphans(&idx), Vec::<String>::new());
        let clean = tmp();
        let clean_idx = clean.path().join("idx");
        index(&demo, &clean_idx);
        assert_eq!(counts(&idx), counts(&clean_idx));
    }

    // See: issue #18
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_report_is_built_once_per_state_of_the_study_however_many_ask() {
        use axum::body::Body;
        use axum::http::Request;
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let dir = tmp();
        let c = study(dir.path());
        let idx = dir.path().join("idx");
        index(&c, &idx);
        let app = std::sync::Arc::new(citata::serve::App::open(c.clone(), &idx, None).unwrap());
        let fetch = |uri: &'static str| {
            let app = app.clone();
            async move {
                let resp = citata::serve::router(app)
                    .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let body = resp.into_body().collect().await.unwrap().to_bytes();
                (status, body)
            }
        };
        let mut asked = Vec::new();
        for i in 0..60 {
            let uri = ["/report", "/report.md", "/report.docx"][i % 3];
            asked.push(tokio::spawn(fetch(uri)));
        }
        let mut md = Vec::new();
        for a in asked {
            let (status, body) = a.await.unwrap();
            assert_eq!(status, 200);
            md.push(body);
        }
        assert_eq!(app.report_builds(), 3, "one build per form");
        // The same bytes for everyone.
        assert!(md.chunks(3).all(|c| c == &md[..3]));
        // A pin changes the study: the next report is built again, with it.
        let (_, json) = fetch("/api/quotes/payment_terms").await;
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let q = &v["quotes"][0];
        let form = format!(
            "csrf={}&doc={}&start={}&end={}&text={}",
            app.csrf,
            citata::serve::url_encode(q["doc"].as_str().unwrap()),
            q["start"],
            q["end"],
            citata::serve::url_encode("отсрочка шестьдесят дней.")
        );
        let resp = citata::serve::router(app.clone())
            .oneshot(
                Request::post("/quotes/payment_terms/pin")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(form))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 303);
        let (status, body) = fetch("/report.md").await;
        assert_eq!(status, 200);
        assert!(
            String::from_utf8_lossy(&body).contains("…отсрочка шестьдесят дней…"),
            "the pin is in the report"
        );
        assert_eq!(app.report_builds(), 4);
        // A transcript changed on disk is seen too (the folder is looked at again after 1 s).
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = c.join("b.txt");
        let text = std::fs::read_to_string(&b).unwrap();
        std::fs::write(
            &b,
            format!("{text}Респондент: Оплата — отдельный разговор.\n"),
        )
        .unwrap();
        let (status, _) = fetch("/report.md").await;
        assert_eq!(status, 200);
        assert_eq!(app.report_builds(), 5);
    }
}

/// Issue 17: memos on a transcript, a span of it, or a parameter (`citata memo`), kept in
/// the study's memos.tsv.
mod memos {
    use std::ffi::OsStr;
    use std::path::{Path, PathBuf};

    use crate::testenv::{Run, citata, ingest_one, tmp, write};

    fn os(s: &str) -> &OsStr {
        s.as_ref()
    }

    /// Copies the demo study's files into `to/study`.
    fn demo_copy(to: &Path) -> PathBuf {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let study = to.join("study");
        std::fs::create_dir(&study).unwrap();
        for e in std::fs::read_dir(demo).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), study.join(e.file_name())).unwrap();
            }
        }
        study
    }

    fn memo(study: &Path, args: &[&str]) -> Run {
        let mut v = vec![os("memo"), os(args[0]), study.as_os_str()];
        v.extend(args[1..].iter().map(|a| os(a)));
        citata(v)
    }

    fn json_lines(s: &str) -> Vec<serde_json::Value> {
        s.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn add_list_and_remove_memos_on_a_document_a_sentence_a_span_and_a_parameter() {
        let dir = tmp();
        let s = demo_copy(dir.path());
        let doc = ingest_one(&s.join("w25-zakupki.txt"));
        let third = doc.sentence_texts()[3].clone();
        let ok = |args: &[&str]| {
            let r = memo(&s, args);
            assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
            r.stdout
        };
        let said = ok(&[
            "add",
            "--doc",
            "w25-zakupki.txt",
            "--text",
            "Связь прерывалась\tдважды.\nКонец — по памяти.",
            "--author",
            "Анна",
            "--date",
            "2026-12-05",
        ]);
        assert!(
            said.contains("memo ") && said.ends_with(" on w25-zakupki.txt by Анна\n"),
            "{said}"
        );
        let said = ok(&[
            "add",
            "--doc",
            "w25-zakupki.txt",
            "--sentence",
            "3",
            "--text",
            "Ключевая фраза",
            "--author",
            "Борис",
            "--date",
            "2026-12-05T10:00:00Z",
        ]);
        assert!(said.contains(&format!("«{third}»")), "{said}");
        ok(&[
            "add",
            "--doc",
            "w25-zakupki.txt",
            "--span",
            "10..20",
            "--text",
            "Проверить",
            "--author",
            "Борис",
            "--date",
            "2026-12-06",
        ]);
        ok(&[
            "add",
            "--param",
            "delivery_time",
            "--text",
            "Сроки ругают все,\nкроме склада.",
            "--author",
            "Анна",
            "--date",
            "2026-12-06",
        ]);
        let file = std::fs::read_to_string(s.join("memos.tsv")).unwrap();
        assert_eq!(file.lines().count(), 6, "{file}");
        assert!(
            file.contains("\nparam\tdelivery_time\t\t\t\t\tАнна\t2026-12-06T00:00:00Z\tСроки ругают все,\\nкроме склада.\n"),
            "{file}"
        );
        assert!(
            file.contains("\tСвязь прерывалась\\tдважды.\\nКонец — по памяти.\n"),
            "{file}"
        );
        let list = memo(&s, &["list", "--format", "ndjson"]);
        assert_eq!(list.code, 0, "{}", list.stderr);
        assert_eq!(list.stderr, "");
        let memos = json_lines(&list.stdout);
        assert_eq!(memos.len(), 4);
        let doc_memo = memos.iter().find(|m| m["on"] == "doc").unwrap();
        assert_eq!(
            doc_memo["text"],
            "Связь прерывалась\tдважды.\nКонец — по памяти."
        );
        assert_eq!(doc_memo["date"], "2026-12-05T00:00:00Z");
        assert_eq!(doc_memo["status"], "ok");
        let sentence = memos
            .iter()
            .find(|m| m["text"] == "Ключевая фраза")
            .unwrap();
        assert_eq!(sentence["span"], third.as_str());
        assert_eq!(
            doc.slice(
                sentence["start"].as_u64().unwrap() as usize,
                sentence["end"].as_u64().unwrap() as usize
            ),
            third
        );
        let span = memos.iter().find(|m| m["text"] == "Проверить").unwrap();
        assert_eq!(
            (span["start"].as_u64(), span["end"].as_u64()),
            (Some(10), Some(20))
        );
        assert_eq!(span["span"], doc.slice(10, 20).as_str());
        let param = memos.iter().find(|m| m["on"] == "param").unwrap();
        assert_eq!(
            (param["param"].as_str(), param["status"].as_str()),
            (Some("delivery_time"), Some("ok"))
        );
        // Text: one line per memo, line ends shown as \n.
        let text = memo(&s, &["list"]);
        assert_eq!(text.stdout.lines().count(), 4, "{}", text.stdout);
        assert!(text.stdout.contains("\tparameter `delivery_time`\tok\tАнна\t2026-12-06T00:00:00Z\tСроки ругают все,\\nкроме склада.\n"), "{}", text.stdout);
        // Remove by id prefix.
        let id = span["id"].as_str().unwrap();
        let gone = ok(&["remove", &id[..5]]);
        assert!(
            gone.contains(&format!("removed memo {id} on w25-zakupki.txt 10..20")),
            "{gone}"
        );
        let after = json_lines(&memo(&s, &["list", "--format", "ndjson"]).stdout);
        assert_eq!(after.len(), 3);
        assert!(after.iter().all(|m| m["id"] != id));
        let again = memo(&s, &["remove", id]);
        assert_eq!(again.code, 2);
        assert!(
            again.stderr.contains(&format!("no memo with id `{id}`")),
            "{}",
            again.stderr
        );
    }

    #[test]
    fn unknown_documents_parameters_sentences_and_spans_are_errors_that_say_why() {
        let dir = tmp();
        let s = demo_copy(dir.path());
        let bad = |args: &[&str], want: &str| {
            let r = memo(&s, args);
            assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
            assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
        };
        bad(
            &["add", "--doc", "nope.txt", "--text", "x"],
            "no transcript `nope.txt` in ",
        );
        bad(
            &["add", "--param", "delivery", "--text", "x"],
            "no parameter `delivery` in the codebook; the ids are: ",
        );
        bad(
            &[
                "add",
                "--doc",
                "w25-zakupki.txt",
                "--sentence",
                "100000",
                "--text",
                "x",
            ],
            "w25-zakupki.txt has ",
        );
        bad(
            &[
                "add",
                "--doc",
                "w25-zakupki.txt",
                "--span",
                "5..999999",
                "--text",
                "x",
            ],
            "--span 5..999999: expected START..END, code points with START < END <= ",
        );
        bad(
            &[
                "add",
                "--doc",
                "w25-zakupki.txt",
                "--span",
                "9..3",
                "--text",
                "x",
            ],
            "--span 9..3: expected START..END",
        );
        bad(
            &["add", "--doc", "w25-zakupki.txt", "--text", "  "],
            "the memo's text is empty",
        );
        bad(
            &[
                "add",
                "--doc",
                "w25-zakupki.txt",
                "--text",
                "x",
                "--date",
                "вчера",
            ],
            "--date вчера: expected YYYY-MM-DD",
        );
        assert!(!s.join("memos.tsv").exists(), "nothing written on an error");
    }

    #[test]
    fn a_span_memo_follows_its_text_and_a_changed_one_is_kept_with_a_warning() {
        let dir = tmp();
        let s = dir.path().join("study");
        let text =
            "Интервьюер: Как со сроками?\nРеспондент: Сроки — это боль. Задержка на задержке.\n";
        write(&s, "a.txt", text);
        let start = text[..text.find("Задержка").unwrap()].chars().count();
        let end = start + "Задержка на задержке.".chars().count();
        let span = format!("{start}..{end}");
        let r = memo(
            &s,
            &[
                "add",
                "--doc",
                "a.txt",
                "--span",
                &span,
                "--text",
                "Главное",
                "--author",
                "А",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        // A line more above it: the memo moves with its text.
        write(&s, "a.txt", format!("Интервьюер: Добрый день.\n{text}"));
        let list = memo(&s, &["list"]);
        let moved = start + "Интервьюер: Добрый день.\n".chars().count();
        assert!(
            list.stdout.contains(&format!("\tmoved to {moved}\t")),
            "{}",
            list.stdout
        );
        assert_eq!(list.stderr, "");
        // The words changed: kept, marked, and warned about.
        write(
            &s,
            "a.txt",
            text.replace("Задержка на задержке", "Задержек нет"),
        );
        let list = memo(&s, &["list"]);
        assert_eq!(list.code, 0);
        assert!(list.stdout.contains("\tchanged\tА\t"), "{}", list.stdout);
        assert!(
            list.stderr.contains("1 memo(s) no longer fit"),
            "{}",
            list.stderr
        );
        assert!(
            std::fs::read_to_string(s.join("memos.tsv"))
                .unwrap()
                .contains("\tГлавное\n")
        );
    }

    fn zip_entries(file: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        use std::io::Read;
        let bytes = std::fs::read(file).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = std::collections::BTreeMap::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).unwrap();
            out.insert(f.name().unwrap().to_string(), buf);
        }
        out
    }

    /// The value of attribute `name` in the tag that starts at `xml`.
    fn attr<'a>(xml: &'a str, name: &str) -> &'a str {
        let tag = &xml[..xml.find('>').unwrap()];
        let at = tag
            .find(&format!(" {name}=\""))
            .unwrap_or_else(|| panic!("no {name} in {tag}"))
            + name.len()
            + 3;
        &tag[at..at + tag[at..].find('"').unwrap()]
    }

    /// The opening tag of the innermost `element` around the `NoteRef` to `note`.
    fn owner<'a>(xml: &'a str, note: &str, element: &str) -> &'a str {
        let at = xml
            .find(&format!("<NoteRef targetGUID=\"{note}\"/>"))
            .unwrap_or_else(|| panic!("no NoteRef to {note}"));
        let open = xml[..at].rfind(&format!("<{element} ")).unwrap();
        assert!(
            !xml[open..at].contains(&format!("</{element}>")),
            "the NoteRef to {note} is not inside a {element}"
        );
        &xml[open..]
    }

    /// Issue 17: memos reach the REFI-QDA export as notes, referred to from the source, the
    /// selection of their span or the parameter's code; the project stays valid, and
    /// `import qdpx` reads them back.
    #[test]
    fn memos_are_exported_as_notes_with_note_refs_on_the_right_elements() {
        let dir = tmp();
        let s = dir.path().join("study");
        let text = "Интервьюер: Как со сроками поставки?\nРеспондент: Сроки — это боль. Задержка на задержке, постоянно опаздывают.\nИнтервьюер: Понятно.\n";
        write(&s, "a.txt", text);
        let at = |part: &str| {
            let a = text[..text.find(part).unwrap()].chars().count();
            format!("{a}..{}", a + part.chars().count())
        };
        let add = |args: &[&str]| {
            let mut v = vec!["add"];
            v.extend(args);
            v.extend(["--author", "Анна", "--date", "2026-12-05T18:20:00Z"]);
            let r = memo(&s, &v);
            assert_eq!(r.code, 0, "{}", r.stderr);
        };
        add(&[
            "--doc",
            "a.txt",
            "--text",
            "Связь прерывалась.\nКонец — по памяти & <без записи>.",
        ]);
        let coded = at("Задержка на задержке, постоянно опаздывают.");
        add(&[
            "--doc",
            "a.txt",
            "--span",
            &coded,
            "--text",
            "Главная жалоба",
        ]);
        add(&[
            "--doc",
            "a.txt",
            "--span",
            &at("Понятно."),
            "--text",
            "Интервьюер торопился",
        ]);
        add(&[
            "--param",
            "delivery_time",
            "--text",
            "Сроки: сравнить с 2025",
        ]);
        let out = dir.path().join("a.qdpx");
        let r = citata([
            os("export"),
            os("qdpx"),
            s.as_os_str(),
            os("--out"),
            out.as_os_str(),
            os("-q"),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let entries = zip_entries(&out);
        let xml = String::from_utf8(entries["project.qde"].clone()).unwrap();
        // Each memo is a note by its author, dated, with its text.
        let note = |text: &str| -> String {
            let at = xml
                .find(&format!("<PlainTextContent>{text}</PlainTextContent>"))
                .unwrap_or_else(|| panic!("no note «{text}» in\n{xml}"));
            let open = xml[..at].rfind("<Note ").unwrap();
            attr(&xml[open..], "guid").to_string()
        };
        let doc_note = note("Связь прерывалась.\nКонец — по памяти &amp; &lt;без записи&gt;.");
        let open = xml.find(&format!("<Note guid=\"{doc_note}\"")).unwrap();
        assert_eq!(
            attr(&xml[open..], "creationDateTime"),
            "2026-12-05T18:20:00Z"
        );
        let anna = attr(&xml[open..], "creatingUser").to_string();
        assert!(
            xml.contains(&format!("<User guid=\"{anna}\" name=\"Анна\"/>")),
            "{xml}"
        );
        assert!(xml.find("</Sources>").unwrap() < xml.find("<Notes>").unwrap());
        // The document memo on the source.
        let source = owner(&xml, &doc_note, "TextSource");
        assert_eq!(attr(source, "name"), "a.txt");
        let plain =
            String::from_utf8(entries[&format!("sources/{}.txt", attr(source, "guid"))].clone())
                .unwrap();
        let selected = |sel: &str| -> String {
            let (a, b): (usize, usize) = (
                attr(sel, "startPosition").parse().unwrap(),
                attr(sel, "endPosition").parse().unwrap(),
            );
            plain.chars().skip(a).take(b - a).collect()
        };
        // The span memo on a coded sentence: on its coded selection.
        let sel = owner(&xml, &note("Главная жалоба"), "PlainTextSelection");
        assert_eq!(selected(sel), "Задержка на задержке, постоянно опаздывают.");
        let body = &sel[..sel.find("</PlainTextSelection>").unwrap()];
        assert!(body.contains("<Coding "), "{body}");
        // On an interviewer's sentence (no selection there): a selection of its own, uncoded.
        let sel = owner(&xml, &note("Интервьюер торопился"), "PlainTextSelection");
        assert_eq!(selected(sel), "Понятно.");
        assert_eq!(attr(sel, "creatingUser"), anna);
        assert!(!sel[..sel.find("</PlainTextSelection>").unwrap()].contains("<Coding "));
        // The parameter memo on the parameter's code.
        let code = owner(&xml, &note("Сроки: сравнить с 2025"), "Code");
        assert_eq!(attr(code, "name"), "Сроки поставки комплектующих");
        // Valid against the schema.
        if std::process::Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok()
        {
            let qde = write(dir.path(), "project.qde", &xml);
            let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/refi/Project.xsd");
            let check = std::process::Command::new("xmllint")
                .args([
                    os("--noout"),
                    os("--schema"),
                    xsd.as_os_str(),
                    qde.as_os_str(),
                ])
                .output()
                .unwrap();
            assert!(
                check.status.success(),
                "{}",
                String::from_utf8_lossy(&check.stderr)
            );
        } else {
            println!("skipped the schema: xmllint is not installed");
        }
        // Read back.
        let back = citata([
            os("import"),
            os("qdpx"),
            out.as_os_str(),
            os("--format"),
            os("ndjson"),
        ]);
        assert_eq!(back.code, 0, "{}", back.stderr);
        let notes: Vec<serde_json::Value> = json_lines(&back.stdout)
            .into_iter()
            .filter(|j| j["type"] == "note")
            .collect();
        assert_eq!(notes.len(), 4);
        let param = notes
            .iter()
            .find(|n| n["text"] == "Сроки: сравнить с 2025")
            .unwrap();
        assert_eq!(param["author"], "Анна");
        assert_eq!(
            param["on"][0].as_str().unwrap(),
            "code Процессный уровень/Сроки поставки комплектующих"
        );
        let doc = notes.iter().find(|n| n["on"][0] == "source a.txt").unwrap();
        assert_eq!(
            doc["text"],
            "Связь прерывалась.\nКонец — по памяти & <без записи>."
        );
    }

    /// Issue 17: the Word report lists the memos in an appendix, the quoted span masked.
    #[test]
    fn the_word_report_has_an_appendix_of_memos_with_masked_spans() {
        let dir = tmp();
        let s = demo_copy(dir.path());
        let doc = ingest_one(&s.join("w26-logistika.txt"));
        let k = doc
            .sentence_texts()
            .iter()
            .position(|t| t.contains("Игорь Валентинович"))
            .unwrap();
        let add = |args: &[&str]| {
            let mut v = vec!["add"];
            v.extend(args);
            let r = memo(&s, &v);
            assert_eq!(r.code, 0, "{}", r.stderr);
        };
        add(&[
            "--doc",
            "w26-logistika.txt",
            "--sentence",
            &k.to_string(),
            "--text",
            "Кто такой Игорь Валентинович?\nУточнить у заказчика.",
            "--author",
            "Анна",
            "--date",
            "2026-12-05",
        ]);
        add(&[
            "--param",
            "delivery_time",
            "--text",
            "Сроки ругают все, кроме склада.",
            "--author",
            "Борис",
            "--date",
            "2026-12-06T09:00:00Z",
        ]);
        add(&[
            "--doc",
            "w25-zakupki.txt",
            "--text",
            "Запись с помехами.",
            "--author",
            "Анна",
            "--date",
            "2026-12-04",
        ]);
        let out = dir.path().join("r.docx");
        let r = citata([os("report"), s.as_os_str(), os("--out"), out.as_os_str()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let xml = String::from_utf8(zip_entries(&out)["word/document.xml"].clone()).unwrap();
        let at = xml
            .rfind(">Приложение: заметки исследователя<")
            .unwrap_or_else(|| panic!("no appendix"));
        let appendix = &xml[at..];
        let text = |from: &str| -> Vec<String> {
            from.split("<w:t xml:space=\"preserve\">")
                .skip(1)
                .map(|t| t[..t.find("</w:t>").unwrap()].to_string())
                .collect()
        };
        let words = text(appendix);
        // Parameters first, then transcripts in file order.
        let want = [
            "Параметр «Сроки поставки комплектующих»",
            " — Борис, 06.12.2026",
            "Сроки ругают все, кроме склада.",
            "Интервью w25-zakupki.txt",
            " — Анна, 04.12.2026",
            "Запись с помехами.",
            "Интервью w26-logistika.txt, фрагмент",
            " — Анна, 05.12.2026",
        ];
        assert_eq!(&words[..want.len()], want, "{words:?}");
        let quote = &words[want.len()];
        assert!(
            quote.starts_with("«Да, я знаю, мне [имя]") && quote.ends_with("что вы позвоните.»"),
            "{quote}"
        );
        assert!(!appendix.contains("Игорь") && !appendix.contains("Валентинович"));
        // The memo is masked too (the report goes to the client); its two lines, a line break
        // between them.
        assert!(
            appendix.contains(
                "Кто такой [имя]?</w:t><w:br/><w:t xml:space=\"preserve\">Уточнить у заказчика."
            ),
            "{appendix}"
        );
        assert_eq!(words.len(), want.len() + 3, "{words:?}");
    }

    async fn serve_call(
        app: &std::sync::Arc<citata::serve::App>,
        req: axum::http::Request<axum::body::Body>,
    ) -> (axum::http::StatusCode, String, String) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let resp = citata::serve::router(app.clone())
            .oneshot(req)
            .await
            .unwrap();
        let status = resp.status();
        let location = resp
            .headers()
            .get(axum::http::header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap(), location)
    }

    async fn page(app: &std::sync::Arc<citata::serve::App>, uri: &str) -> String {
        let req = axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        let (status, body, _) = serve_call(app, req).await;
        assert_eq!(status, 200, "{uri}: {body}");
        body
    }

    async fn post_memo(
        app: &std::sync::Arc<citata::serve::App>,
        form: &[(&str, &str)],
    ) -> (axum::http::StatusCode, String) {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", citata::serve::url_encode(v)))
            .collect();
        let req = axum::http::Request::post("/memos")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body.join("&")))
            .unwrap();
        let (status, _, location) = serve_call(app, req).await;
        (status, location)
    }

    /// Issue 17: the transcript page shows the memos on the interview at the top and a span
    /// memo after its sentence; the quote board shows the parameter's; a memo written in the
    /// browser lands in memos.tsv and on the page, escaped.
    #[tokio::test]
    async fn the_web_app_shows_memos_and_writes_them() {
        let dir = tmp();
        let s = dir.path().join("study");
        let text = "Интервьюер: Как с оплатой?\nРеспондент: Отсрочка шестьдесят дней. Сроки поставки срывают.\n";
        write(&s, "a.txt", text);
        let start = text[..text.find("Отсрочка").unwrap()].chars().count();
        let end = start + "Отсрочка шестьдесят дней.".chars().count();
        let add = |args: &[&str]| {
            let mut v = vec!["add"];
            v.extend(args);
            v.extend(["--author", "Анна"]);
            let r = memo(&s, &v);
            assert_eq!(r.code, 0, "{}", r.stderr);
        };
        add(&["--doc", "a.txt", "--text", "Запись <с помехами>"]);
        add(&[
            "--doc",
            "a.txt",
            "--span",
            &format!("{start}..{end}"),
            "--text",
            "Про оплату",
        ]);
        add(&["--param", "payment_terms", "--text", "Отсрочка — главное"]);
        let idx = dir.path().join("idx");
        let r = citata([
            os("index"),
            os("add"),
            s.as_os_str(),
            os("--index"),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let app = std::sync::Arc::new(citata::serve::App::open(s.clone(), &idx, None).unwrap());
        let body = page(&app, "/transcripts/a.txt").await;
        let first_turn = body.find("<div class=\"turn\"").unwrap();
        let doc_memo = body
            .find("✎ Запись &lt;с помехами&gt;")
            .unwrap_or_else(|| panic!("{body}"));
        assert!(doc_memo < first_turn, "the interview's memos come first");
        assert!(
            body[doc_memo..]
                .starts_with("✎ Запись &lt;с помехами&gt;<span class=\"muted\"> — Анна, ")
        );
        let sentence = body.find(&format!("<span id=\"s{start}\"")).unwrap();
        let note = body.find("✎ Про оплату").unwrap();
        let next = body[sentence + 1..]
            .find("<span id=\"s")
            .map_or(body.len(), |k| sentence + 1 + k);
        assert!(
            sentence < note && note < next,
            "the span memo follows its sentence"
        );
        // Nothing else on the quote board of another parameter; this one's there.
        let board = page(&app, "/quotes/payment_terms").await;
        assert!(board.contains("✎ Отсрочка — главное"), "{board}");
        assert!(board.contains("action=\"/memos\""));
        assert!(!page(&app, "/quotes/delivery_time").await.contains("✎ "));
        // Opened at the sentence, the form writes a memo on it.
        let at = page(&app, &format!("/transcripts/a.txt?at={}", end + 2)).await;
        assert!(
            at.contains("Добавить заметку к предложению «Сроки поставки срывают.»"),
            "{at}"
        );
        let csrf = app.csrf.clone();
        let (s2, e2) = (end + 1, end + 1 + "Сроки поставки срывают.".chars().count());
        let (status, location) = post_memo(
            &app,
            &[
                ("csrf", &csrf),
                ("doc", "a.txt"),
                ("start", &s2.to_string()),
                ("end", &e2.to_string()),
                ("text", "Две\r\nстроки <script>"),
                ("author", "Борис"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(location, format!("/transcripts/a.txt?at={s2}#s{s2}"));
        let file = std::fs::read_to_string(s.join("memos.tsv")).unwrap();
        assert!(
            file.contains(&format!("\nspan\ta.txt\t{s2}\t{e2}\t")),
            "{file}"
        );
        assert!(
            file.contains("\tБорис\t") && file.contains("\tДве\\nстроки <script>\n"),
            "{file}"
        );
        let body = page(&app, "/transcripts/a.txt").await;
        assert!(body.contains("✎ Две&#10;строки &lt;script&gt;"), "{body}");
        // A forged form, an unknown parameter, a span outside the text: refused, nothing written.
        let before = std::fs::read_to_string(s.join("memos.tsv")).unwrap();
        let (status, _) =
            post_memo(&app, &[("csrf", "forged"), ("doc", "a.txt"), ("text", "x")]).await;
        assert_eq!(status, 403);
        let (status, _) =
            post_memo(&app, &[("csrf", &csrf), ("param", "nope"), ("text", "x")]).await;
        assert_eq!(status, 404);
        let (status, _) = post_memo(
            &app,
            &[
                ("csrf", &csrf),
                ("doc", "a.txt"),
                ("start", "5"),
                ("end", "100000"),
                ("text", "x"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        let (status, _) =
            post_memo(&app, &[("csrf", &csrf), ("doc", "a.txt"), ("text", "  ")]).await;
        assert_eq!(status, 422);
        assert_eq!(
            std::fs::read_to_string(s.join("memos.tsv")).unwrap(),
            before
        );
        // A memo on a parameter goes back to its board.
        let (status, location) = post_memo(
            &app,
            &[("csrf", &csrf), ("param", "payment_terms"), ("text", "Ещё")],
        )
        .await;
        assert_eq!(
            (status.as_u16(), location.as_str()),
            (303, "/quotes/payment_terms")
        );
    }
}

/// Issue 14: the demo ratings that used to be wrong, one test each, read from
/// `citata ratings corpora/demo --format ndjson`.
mod demo_ratings {
    use crate::testenv::*;
    use std::path::Path;
    use std::sync::OnceLock;

    /// (doc, param, speaker, value, confidence, rejected values) of every demo rating.
    type Row = (String, String, String, f64, f64, Vec<(f64, String)>);

    fn ratings() -> &'static [Row] {
        static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
        ROWS.get_or_init(|| {
            let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
            let run = citata([
                "ratings".as_ref(),
                demo.as_os_str(),
                "--format".as_ref(),
                "ndjson".as_ref(),
            ]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            run.stdout
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    (
                        v["doc"].as_str().unwrap().to_string(),
                        v["param"].as_str().unwrap().to_string(),
                        v["speaker"].as_str().unwrap().to_string(),
                        v["value"].as_f64().unwrap(),
                        v["confidence"].as_f64().unwrap(),
                        v["rejected"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| {
                                (
                                    r["value"].as_f64().unwrap(),
                                    r["why"].as_str().unwrap().to_string(),
                                )
                            })
                            .collect(),
                    )
                })
                .collect()
        })
    }

    /// The values of one parameter in one document, with their speakers.
    fn of(doc: &str, param: &str) -> Vec<(String, f64)> {
        ratings()
            .iter()
            .filter(|r| r.0 == doc && r.1 == param)
            .map(|r| (r.2.clone(), r.3))
            .collect()
    }

    fn rejected(doc: &str, param: &str) -> Vec<(f64, String)> {
        ratings()
            .iter()
            .filter(|r| r.0 == doc && r.1 == param)
            .flat_map(|r| r.5.clone())
            .collect()
    }

    fn value(doc: &str, param: &str) -> f64 {
        let v = of(doc, param);
        assert_eq!(v.len(), 1, "{doc} {param}: {v:?}");
        v[0].1
    }

    #[test]
    fn w25_finansy_pricing_is_the_answer_not_the_count_of_reasons() {
        assert_eq!(value("w25-finansy.txt", "pricing"), 5.0);
        assert!(rejected("w25-finansy.txt", "pricing").contains(&(2.0, "count".into())));
    }

    #[test]
    fn w26_kapstroy_joint_pr_is_six_not_three_lines() {
        assert_eq!(value("w26-kapstroy.docx", "joint_pr"), 6.0);
    }

    #[test]
    fn w26_kapstroy_modernization_is_seven_not_the_counterfactual_ten() {
        assert_eq!(value("w26-kapstroy.docx", "modernization"), 7.0);
        let r = rejected("w26-kapstroy.docx", "modernization");
        assert!(r.contains(&(10.0, "counterfactual".into())), "{r:?}");
        assert!(r.contains(&(9.0, "counterfactual".into())), "{r:?}");
    }

    #[test]
    fn w26_kapstroy_document_flow_is_eight_not_the_future_nine() {
        assert_eq!(value("w26-kapstroy.docx", "document_flow"), 8.0);
        assert!(rejected("w26-kapstroy.docx", "document_flow").contains(&(9.0, "future".into())));
    }

    #[test]
    fn w26_kachestvo_claims_is_five_not_minus_three() {
        assert_eq!(value("w26-kachestvo.json", "claims"), 5.0);
        let r = rejected("w26-kachestvo.json", "claims");
        assert!(r.contains(&(3.0, "arithmetic".into())), "{r:?}");
        assert!(r.contains(&(8.0, "past".into())), "{r:?}");
    }

    #[test]
    fn w26_kachestvo_equipment_quality_is_eight_not_without_bearings_nine() {
        assert_eq!(value("w26-kachestvo.json", "equipment_quality"), 8.0);
        assert!(
            rejected("w26-kachestvo.json", "equipment_quality")
                .contains(&(9.0, "counterfactual".into()))
        );
    }

    #[test]
    fn w26_mekhanik_claims_is_five_not_under_kovalev_eight() {
        assert_eq!(value("w26-mekhanik.vtt", "claims"), 5.0);
        assert!(rejected("w26-mekhanik.vtt", "claims").contains(&(8.0, "counterfactual".into())));
    }

    #[test]
    fn w26_mekhanik_equipment_quality_is_eight_not_without_them_nine() {
        assert_eq!(value("w26-mekhanik.vtt", "equipment_quality"), 8.0);
        assert!(
            rejected("w26-mekhanik.vtt", "equipment_quality")
                .contains(&(9.0, "counterfactual".into()))
        );
    }

    #[test]
    fn w26_mekhanik_modernization_is_seven_not_last_years_six() {
        assert_eq!(value("w26-mekhanik.vtt", "modernization"), 7.0);
        assert!(rejected("w26-mekhanik.vtt", "modernization").contains(&(6.0, "past".into())));
    }

    #[test]
    fn w26_finansy_two_respondents_keep_their_own_ratings() {
        let mut v = of("w26-finansy.md", "document_flow");
        v.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            v,
            vec![
                ("ОЛЬГА НИКОЛАЕВНА".to_string(), 9.0),
                ("ТИМУР РАШИДОВИЧ".to_string(), 8.0)
            ]
        );
        let mut p = of("w26-finansy.md", "pricing");
        p.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            p,
            vec![
                ("ОЛЬГА НИКОЛАЕВНА".to_string(), 5.0),
                ("ТИМУР РАШИДОВИЧ".to_string(), 6.0)
            ]
        );
    }

    #[test]
    fn every_demo_rating_keeps_its_evidence_and_a_confidence() {
        assert!(ratings().len() > 150);
        for r in ratings() {
            assert!((0.0..=1.0).contains(&r.4), "{r:?}");
            assert!(!r.2.is_empty(), "{r:?}");
        }
    }
}

/// Issue 14: ratings read with low confidence are listed in the report's coverage appendix.
mod report_uncertain_ratings {
    use crate::testenv::*;

    #[test]
    fn a_wavering_rating_is_listed_for_checking() {
        let dir = tmp();
        let corpus = dir.path().join("study");
        write(
            &corpus,
            "a.txt",
            "Интервьюер: Тактичность — ваша оценка?\nРеспондент: Тут восемь, даже девять. Вежливый очень.\nИнтервьюер: Сервис — оценка?\nРеспондент: Девять.\n",
        );
        let out = dir.path().join("report.md");
        let run = citata([
            "report".as_ref(),
            corpus.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let md = std::fs::read_to_string(&out).unwrap();
        assert!(
            md.contains("Оценки, прочитанные с низкой уверенностью (проверьте по расшифровке): 1"),
            "{md}"
        );
        assert!(
            md.contains(
                "- «Тактичность» = 8,0 (a.txt, уверенность 0,45): «Тут восемь, даже девять.»"
            ),
            "{md}"
        );
        assert!(!md.contains("«Сервис» = 9,0 (a.txt"), "{md}");
    }
}

/// Issue 14: contentless answers are not coded by question context.
mod context_needs_content {
    use crate::testenv::*;
    use std::path::Path;

    #[test]
    fn demo_refusals_are_not_coded_by_context() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo/w25-finansy.txt");
        let run = citata([
            "tag".as_ref(),
            file.as_os_str(),
            "--format".as_ref(),
            "ndjson".as_ref(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let texts: Vec<String> = run
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["source"] == "context")
            .map(|v| v["text"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(!texts.is_empty());
        for refusal in ["Честно.", "Пропустим.", "Не возьмусь."] {
            assert!(
                !texts.iter().any(|t| t == refusal),
                "{refusal} is context-coded"
            );
        }
    }
}

/// Issue 15: the seed's display rules exactly, Russian that reads right, one rounding, a
/// study without ratings and thin evidence.
mod display_and_russian {
    use std::path::Path;

    use crate::testenv::{citata, tmp};

    /// A study folder of `files` (name, wave, division) whose answers praise or criticise
    /// without any number, and a ratings.csv with `ratings` (file, param, value) when given.
    fn study(dir: &Path, files: &[(&str, &str, &str)], ratings: &[(&str, &str, f32)]) {
        let mut csv = String::from("file,respondent,division,wave\n");
        for (i, (name, wave, division)) in files.iter().enumerate() {
            std::fs::write(
                dir.join(name),
                "Интервьюер: Как вам качество оборудования?\nРеспондент: Качество хорошее, насосы надёжные, мы довольны.\n\
Интервьюер: А сертификаты и паспорта?\nРеспондент: Паспорта приходят поздно, это плохо, очень неудобно.\n\
Интервьюер: А цены?\nРеспондент: Цены высокие, дорого, это большая проблема для нас.\n",
            )
            .unwrap();
            csv.push_str(&format!("{name},Р{i},{division},{wave}\n"));
        }
        std::fs::write(dir.join("respondents.csv"), csv).unwrap();
        if !ratings.is_empty() {
            let mut r = String::from("file,param,value\n");
            for (f, p, v) in ratings {
                r.push_str(&format!("{f},{p},{v}\n"));
            }
            std::fs::write(dir.join("ratings.csv"), r).unwrap();
        }
    }

    fn report(dir: &Path, ext: &str) -> String {
        let out = dir.join(format!("out.{ext}"));
        let run = citata([
            "report".as_ref(),
            dir.join("study").as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        std::fs::read_to_string(out).unwrap()
    }

    /// The level section of a Markdown report: from `## name` to the next `## `.
    fn section<'a>(md: &'a str, heading: &str) -> &'a str {
        let start = md.find(&format!("## {heading}")).expect(heading);
        let rest = &md[start + 3..];
        &rest[..rest.find("\n## ").unwrap_or(rest.len())]
    }

    /// Two waves: 8,5 that rose by 1,2 is in the level table with its change; 8,5 that
    /// rose by 1,0 is not, and the line under the table names it; the chart shows what the
    /// table shows; a score on two ratings is marked and claims no change.
    #[test]
    fn a_middle_score_that_moved_by_more_than_one_is_in_the_table() {
        let dir = tmp();
        let s = dir.path().join("study");
        std::fs::create_dir(&s).unwrap();
        let files = [
            ("a.txt", "2025", "Снабжение"),
            ("b.txt", "2025", "Склад"),
            ("c.txt", "2025", "Финансы"),
            ("d.txt", "2025", "Сервис"),
            ("e.txt", "2026", "Снабжение"),
            ("f.txt", "2026", "Склад"),
            ("g.txt", "2026", "Финансы"),
            ("h.txt", "2026", "Сервис"),
        ];
        let mut ratings = Vec::new();
        // Качество: 2025 7, 7, 8 (7,3); 2026 8, 9, 8, 9 (8,5): +1,2.
        for (f, v) in [("a.txt", 7.0), ("b.txt", 7.0), ("c.txt", 8.0)] {
            ratings.push((f, "equipment_quality", v));
        }
        // Сертификаты: 2025 7, 8, 7, 8 (7,5); 2026 8, 9, 8, 9 (8,5): +1,0, hidden.
        for (f, v) in [
            ("a.txt", 7.0),
            ("b.txt", 8.0),
            ("c.txt", 7.0),
            ("d.txt", 8.0),
        ] {
            ratings.push((f, "certificates", v));
        }
        for (f, v) in [
            ("e.txt", 8.0),
            ("f.txt", 9.0),
            ("g.txt", 8.0),
            ("h.txt", 9.0),
        ] {
            ratings.push((f, "equipment_quality", v));
            ratings.push((f, "certificates", v));
        }
        // Модернизация: 2025 7, 7,5, 7, 7,5 (7,25: 7,3); 2026 8, 9, 8,3, 8,5 (8,45, which
        // f32 holds as 8,4499998: 8,5 rounded half away from zero), +1,2.
        for (f, v) in [
            ("a.txt", 7.0),
            ("b.txt", 7.5),
            ("c.txt", 7.0),
            ("d.txt", 7.5),
        ] {
            ratings.push((f, "modernization", v));
        }
        for (f, v) in [
            ("e.txt", 8.0),
            ("f.txt", 9.0),
            ("g.txt", 8.3),
            ("h.txt", 8.5),
        ] {
            ratings.push((f, "modernization", v));
        }
        // Цены: 2025 7, 7, 7; 2026 8, 9 (8,5 on two ratings): shown as it moved, marked,
        // no change claimed.
        for f in ["a.txt", "b.txt", "c.txt"] {
            ratings.push((f, "pricing", 7.0));
        }
        ratings.push(("e.txt", "pricing", 8.0));
        ratings.push(("f.txt", "pricing", 9.0));
        study(&s, &files, &ratings);
        let md = report(dir.path(), "md");
        let org = section(&md, "Организационный уровень");
        assert!(
            org.contains("| Качество оборудования | 8,5 | +1,2 |  |"),
            "{org}"
        );
        assert!(
            org.contains("| Модернизация установленного парка | 8,5 | +1,2 |  |"),
            "{org}"
        );
        assert!(!org.contains("| Сертификаты"), "{org}");
        assert!(org.contains(
            "_Не показаны параметры с оценкой от 8,0 до 9,0 без изменения больше чем на 1,0: «Сертификаты и разрешительная документация» (8,5)._"
        ), "{org}");
        assert!(org.contains("| Цены | 8,5; n = 2 |  |  |"), "{org}");
        assert!(md.contains("**Цены** — 8,5 (n = 2, мало оценок)\n"), "{md}");
        assert!(md.contains("помечены числом оценок n; изменение для них не указывается"));
        // A change of 1,0 is shown (at least 1), though it does not bring 8,5 into the table.
        assert!(md.contains("Выросли: «Сертификаты и разрешительная документация» (+1,0), «Качество оборудования» (+1,2), «Модернизация установленного парка» (+1,2)."), "{md}");
        assert!(!md.contains("«Цены» (+"), "{md}");
        // The chart has the table's parameters, no more.
        let html = report(dir.path(), "html");
        let chart = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
        assert!(chart.contains(">Качество оборудования<") && chart.contains(">Цены<"));
        assert!(!chart.contains("Сертификаты"), "{chart}");
        // The rule is the study file's: a wider band hides Качество too.
        std::fs::write(
            s.join("citata.toml"),
            "[thresholds]\nshow_if_changed = 1.5\n",
        )
        .unwrap();
        let md = report(dir.path(), "md");
        let org = section(&md, "Организационный уровень");
        assert!(!org.contains("| Качество оборудования"), "{org}");
        assert!(
            org.contains("без изменения больше чем на 1,5: «Сертификаты и разрешительная документация» (8,5), «Качество оборудования» (8,5)"),
            "{org}"
        );
    }

    /// A study without ratings says so and shows mentions, praise and criticism, quotes.
    #[test]
    fn a_study_without_ratings_falls_back_to_what_there_is() {
        let dir = tmp();
        let s = dir.path().join("study");
        std::fs::create_dir(&s).unwrap();
        study(
            &s,
            &[
                ("a.txt", "2026", "Снабжение"),
                ("b.txt", "2026", "Склад"),
                ("c.txt", "2026", "Финансы"),
            ],
            &[],
        );
        let md = report(dir.path(), "md");
        assert!(
            md.contains("## Общая оценка\n\nОценок по шкале в интервью этой волны нет: отчёт построен на упоминаниях, похвале и критике, цитатах и пожеланиях. Чаще всего обсуждали: "),
            "{md}"
        );
        assert!(!md.contains("(n = 0)") && !md.contains("— —"), "{md}");
        assert!(
            md.contains("| Параметр | Упоминаний | Похвала | Критика |"),
            "{md}"
        );
        assert!(md.contains("Чаще всего обсуждали:"), "{md}");
        assert!(md.contains("Разобрать критику по параметру «Цены»"), "{md}");
        assert!(md.contains("\n## Организационный уровень\n"), "{md}");
        // The per-parameter section lists what was discussed, and names the rest in a line.
        assert!(md.contains("\n## Параметры\n") && !md.contains("## Оценки по параметрам"));
        assert!(
            md.contains("**Цены** — нет оценок; 3 упоминания, похвала: 0, критика: 3\n"),
            "{md}"
        );
        assert!(!md.contains("**Сервис**"), "{md}");
        assert!(
            md.contains("_Не оценивались и не обсуждались: «Документооборот», "),
            "{md}"
        );
        assert!(
            md.contains("_Параметры этого уровня в интервью не обсуждались._"),
            "{md}"
        );
        let json: serde_json::Value = serde_json::from_str(&report(dir.path(), "json")).unwrap();
        assert_eq!(json["ratings"], 0);
        let pricing = json["levels"][0]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "pricing")
            .unwrap();
        assert!(pricing["criticism"].as_u64().unwrap() > pricing["praise"].as_u64().unwrap());
        assert!(!pricing["quotes"].as_array().unwrap().is_empty());
    }

    /// `citata ratings` and `citata report` show the same numbers for every parameter.
    #[test]
    fn ratings_and_report_round_the_same_way() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let table = citata(["ratings".as_ref(), demo.as_os_str()]).stdout;
        let dir = tmp();
        let out = dir.path().join("r.json");
        let run = citata([
            "report".as_ref(),
            demo.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
        let mut checked = 0;
        for p in json["levels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["parameters"].as_array().unwrap())
        {
            let (Some(score), Some(change)) = (p["score"].as_f64(), p["change"].as_f64()) else {
                continue;
            };
            let id = p["id"].as_str().unwrap();
            // The table cuts names at 52 characters: «… (certifi».
            let line = table
                .lines()
                .find(|l| {
                    let head: String = l.chars().take(52).collect();
                    head.rfind('(').is_some_and(|i| {
                        let shown = head[i + 1..].trim_end().trim_end_matches(')');
                        !shown.is_empty() && id.starts_with(shown)
                    })
                })
                .unwrap_or_else(|| panic!("{id} in\n{table}"));
            let cells: Vec<&str> = line.split_whitespace().collect();
            let delta: f64 = cells.last().unwrap().parse().unwrap();
            assert_eq!(delta, (change * 10.0).round() / 10.0, "{line}");
            assert!(
                line.contains(&format!("{score:.1} (n={})", p["n"])),
                "{line} vs {score}"
            );
            checked += 1;
        }
        assert!(checked >= 15, "{checked}");
        // Technology level: 7.25 on average, 7,3 in both.
        assert!(table.contains("7.3 (n=8)"), "{table}");
    }

    /// The demo report: minus signs, decimal commas, «…», quotes that never open in lower
    /// case, the ties and the recommendations' wording.
    #[test]
    fn the_demo_report_reads_right() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let dir = tmp();
        let out = dir.path().join("r.md");
        let run = citata([
            "report".as_ref(),
            demo.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let md = std::fs::read_to_string(out).unwrap();
        assert!(
            md.contains("(\u{2212}2,9)") && !md.contains("(-2,9)"),
            "U+2212"
        );
        assert!(!md.contains("..."), "three dots");
        assert!(!md.contains("упоминаний)") || !md.contains("(2 упоминаний"));
        assert!(md.contains("Развивать параметр «Цены» (5,3)."));
        assert!(md.contains("Остановить снижение параметра «Тактичность» (8,1, было 9,5)."));
        assert!(!md.contains("Развивать «") && !md.contains("снижение «"));
        assert!(md.contains("Удовлетворённость") && !md.contains("Удовлетворенность"));
        for line in md.lines() {
            let quote = line
                .strip_prefix("> «")
                .or_else(|| line.strip_prefix("- «"));
            if let Some(q) = quote {
                assert!(
                    !q.chars().next().unwrap().is_lowercase(),
                    "a quote opens in lower case: {line}"
                );
            }
        }
    }
}

/// Issue 15: every output a client may receive masks the demo's names the same way.
mod masking {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use citata::serve::{App, router};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use crate::testenv::{citata, tmp};

    /// An output as text: a zip package (docx, xlsx) as the text of all its entries.
    fn text_of(bytes: &[u8]) -> String {
        if !bytes.starts_with(b"PK") {
            return String::from_utf8(bytes.to_vec()).unwrap();
        }
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = String::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
            out.push_str(&String::from_utf8_lossy(&bytes));
            out.push('\n');
        }
        out
    }

    /// The whole words of a text.
    fn words(text: &str) -> std::collections::BTreeSet<&str> {
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .collect()
    }

    /// The demo's names, derived from the masking component: every word that masking takes
    /// out of a sentence of the demo's transcripts and masks when it stands alone (with the
    /// transcript's own names, from its labels and metadata).
    fn demo_names(folder: &std::path::Path) -> (Vec<String>, String) {
        use citata::quotes::mask;
        let sources = citata::ingest::discover(&[folder.to_path_buf()]).unwrap();
        let mut names = std::collections::BTreeSet::new();
        let mut all = String::new();
        for s in &sources {
            let t = citata::ingest::ingest_source(s, &Default::default()).unwrap();
            let private = mask::private_words(&t);
            for sentence in &t.sentences {
                let text = t.slice(sentence.span);
                let kept = mask::mask(text, &private);
                let kept = words(&kept);
                for w in words(text) {
                    // A name is masked alone too ("Ну" goes in «Ну Саныч», not alone).
                    if !kept.contains(w) && mask::mask(w, &private) == mask::NAME {
                        names.insert(w.to_string());
                    }
                }
            }
            all.push_str(&t.text);
        }
        (names.into_iter().collect(), all)
    }

    async fn fetch(app: &Arc<App>, uri: &str) -> Vec<u8> {
        let resp = router(app.clone())
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn no_output_names_the_demos_people() {
        let dir = tmp();
        let study = dir.path().join("study");
        std::fs::create_dir(&study).unwrap();
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        for e in std::fs::read_dir(&demo).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), study.join(e.file_name())).unwrap();
            }
        }
        let (names, transcripts) = demo_names(&study);
        // The list is real: the people the issue found in the workbook are in it, and the
        // transcripts do name them (so the test fails when an output does not mask).
        for known in ["Саныч", "Ковалёв", "Львовна", "Ирина"] {
            assert!(names.iter().any(|n| n == known), "{known} not in {names:?}");
        }
        assert!(names.len() >= 10, "{names:?}");
        let spoken = words(&transcripts);
        for n in &names {
            assert!(spoken.contains(n.as_str()), "{n}");
        }

        let mut outputs: Vec<(String, String)> = Vec::new();
        for ext in ["html", "md", "json", "docx", "xlsx"] {
            let out = dir.path().join(format!("report.{ext}"));
            let run = citata([
                "report".as_ref(),
                study.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
            ]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            outputs.push((
                format!("citata report --out report.{ext}"),
                text_of(&std::fs::read(&out).unwrap()),
            ));
        }
        let idx = dir.path().join("idx");
        let r = citata([
            "index".as_ref(),
            "add".as_ref(),
            study.as_os_str(),
            "--index".as_ref(),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let app = Arc::new(App::open(study.clone(), &idx, None).unwrap());
        for uri in [
            "/report",
            "/report.html",
            "/report.md",
            "/report.json",
            "/report.docx",
            "/report.xlsx",
            // A search list exported: every sentence of either role.
            "/search.xlsx?role=respondent",
            "/search.docx?role=respondent",
            "/search.xlsx?role=interviewer",
            "/search.docx?role=interviewer",
        ] {
            outputs.push((uri.to_string(), text_of(&fetch(&app, uri).await)));
        }
        let mut leaks = Vec::new();
        for (what, text) in &outputs {
            assert!(text.contains("[имя]"), "{what} masks nothing");
            let found = words(text);
            for n in &names {
                if found.contains(n.as_str()) {
                    leaks.push(format!("{what}: {n}"));
                }
            }
        }
        assert!(leaks.is_empty(), "{leaks:#?}");
    }
}

/// The web app's pages for a working day (issue 17): the transcript list, lists without a
/// search word, the parameter tables, exports of a list, labels, the quote board's filters.
mod serve_pages {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use citata::serve::{App, router};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use crate::testenv::{citata, tmp, write};

    /// A study of three interviews in two divisions and two waves, plus a file that is no
    /// .docx (indexing it fails); the index built.
    fn study() -> (tempfile::TempDir, Arc<App>) {
        let dir = tmp();
        let c = dir.path().join("study");
        std::fs::create_dir(&c).unwrap();
        write(
            &c,
            "a.txt",
            "---\ndivision: Финансы\nwave: 2026\n---\nАудиозапись от 12.03, связь прерывалась\nИнтервьюер: Как с оплатой?\nРеспондент: Оплата вовремя, отсрочка шестьдесят дней. Цены высокие, и сроки поставки срывают. Дмитрий Ковалёв обещал склад.\n",
        );
        write(
            &c,
            "sub/b.txt",
            "---\ndivision: Закупки\nwave: 2025\n---\nИнтервьюер: Сроки поставки?\nРеспондент: Сроки поставки срывают постоянно, поставки опаздывают. Цены высокие.\n",
        );
        write(
            &c,
            "c.txt",
            "---\ndivision: Закупки\nwave: 2026\n---\nСпикер 1: Как вам сроки поставки?\nСпикер 2: Сроки поставки срывают, ждём по месяцу. Цены тоже высокие, дороже, чем у других.\nСпикер 1: Спасибо.\n",
        );
        write(&c, "broken.docx", "not a zip at all");
        let idx = dir.path().join("idx");
        let r = citata([
            "index".as_ref(),
            "add".as_ref(),
            c.as_os_str(),
            "--index".as_ref(),
            idx.as_os_str(),
        ]);
        assert_eq!(r.code, 2, "broken.docx fails: {}", r.stderr);
        assert!(r.stderr.contains("broken.docx"), "{}", r.stderr);
        let app = App::open(c, &idx, None).unwrap();
        (dir, Arc::new(app))
    }

    async fn get_bytes(app: &Arc<App>, uri: &str) -> (StatusCode, Vec<u8>, String) {
        let resp = router(app.clone())
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let kind = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map_or(String::new(), |v| v.to_str().unwrap().to_string());
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, body.to_vec(), kind)
    }

    async fn get(app: &Arc<App>, uri: &str) -> (StatusCode, String) {
        let (status, body, _) = get_bytes(app, uri).await;
        (status, String::from_utf8(body).unwrap())
    }

    fn enc(s: &str) -> String {
        citata::serve::url_encode(s)
    }

    /// The text of one entry of a zip package.
    fn entry(bytes: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
        let mut f = z.by_name(name).expect(name);
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        s
    }

    #[tokio::test]
    async fn the_transcript_list_shows_attributes_coverage_and_files_not_read() {
        let (_dir, app) = study();
        let (status, body) = get(&app, "/transcripts").await;
        assert_eq!(status, StatusCode::OK);
        // Attributes under Russian headings, one row per transcript, linked.
        assert!(body.contains("<th>Подразделение</th>"), "{body}");
        assert!(body.contains("<th>Волна</th>"), "{body}");
        assert!(!body.contains("<th>division</th>"), "{body}");
        assert!(body.contains("3 интервью в индексе"), "{body}");
        for doc in ["a.txt", "sub/b.txt", "c.txt"] {
            assert!(
                body.contains(&format!("<a href=\"/transcripts/{doc}\">{doc}</a>")),
                "{doc}: {body}"
            );
        }
        // Coverage: the coded sentences and the codings, as the transcript's own JSON says.
        let (_, json) = get(&app, "/api/transcripts/sub/b.txt").await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let codes = v["codes"].as_object().unwrap();
        let sentences = v["transcript"]["sentences"].as_array().unwrap().len();
        let codings: usize = codes.values().map(|c| c.as_array().unwrap().len()).sum();
        assert!(codes.len() >= 2 && codings > codes.len(), "{json}");
        let percent = (100 * codes.len() + sentences / 2) / sentences;
        let row = body
            .split("<tr>")
            .find(|r| r.contains("/transcripts/sub/b.txt"))
            .unwrap();
        assert!(
            row.contains(&format!(
                "<td class=\"num\">{sentences}</td><td class=\"num\">{} ({percent} %)</td><td class=\"num\">{codings}</td>",
                codes.len()
            )),
            "{row}"
        );
        assert!(row.contains("<td>Закупки</td><td>2025</td>"), "{row}");
        // A warning says what it means in Russian, the reader's words under it.
        let row = body
            .split("<tr>")
            .find(|r| r.contains("/transcripts/a.txt"))
            .unwrap();
        assert!(
            row.contains("<summary>1 предупреждение</summary><ul><li>Строки вне реплик (до первой метки говорящего или после заголовка) не кодируются и не цитируются; если это речь, добавьте метку говорящего.<br><small class=\"muted\">1 line outside any speaker's turn"),
            "{row}"
        );
        // The file that failed is listed with the reason in Russian.
        assert!(body.contains("не прочитано: 1 файл"), "{body}");
        let unread = &body[body.find("id=\"unread\"").expect("the unread table")..];
        assert!(
            unread.contains(
                "<td>broken.docx</td><td class=\"err\">Файл Word повреждён или не читается</td>"
            ),
            "{unread}"
        );
        assert!(unread.contains("not a zip archive"), "{unread}");
        // Reached from the home page and the bar of every page.
        let (_, home) = get(&app, "/").await;
        assert!(
            home.contains("<a href=\"/transcripts\">3 интервью</a>"),
            "{home}"
        );
        assert!(
            home.contains("<a href=\"/transcripts\">Интервью</a>"),
            "{home}"
        );
    }

    #[tokio::test]
    async fn a_list_without_a_search_word_shows_whole_sentences_in_context() {
        let (_dir, app) = study();
        let (status, body) = get(&app, "/search?param=payment_terms&role=respondent").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!body.contains("<table class=\"kwic\">"), "{body}");
        // The sentence whole, the question before it and the next sentence dimmed.
        assert!(
            body.contains(
                "<p><span class=\"ctx\"><b>Интервьюер:</b> Как с оплатой?</span> <span class=\"hit\">Оплата вовремя, отсрочка шестьдесят дней.</span> \
<span class=\"ctx\">Цены высокие, и сроки поставки срывают.</span></p>"
            ),
            "{body}"
        );
        assert!(
            body.contains("<title>Фрагменты: Условия оплаты · респонденты — citata</title>"),
            "{body}"
        );
        // Codes in the query are no words either.
        let (_, body) = get(&app, &format!("/search?q={}", enc("code:payment_terms"))).await;
        assert!(!body.contains("<table class=\"kwic\">"), "{body}");
        assert!(
            body.contains("<span class=\"hit\">Оплата вовремя, отсрочка шестьдесят дней.</span>"),
            "{body}"
        );
        // With a search word: KWIC lines as before.
        let (_, body) = get(&app, &format!("/search?q={}", enc("отсрочка"))).await;
        assert!(body.contains("<table class=\"kwic\">"), "{body}");
        assert!(!body.contains("class=\"ctx\""), "{body}");
    }

    #[tokio::test]
    async fn parameters_by_division_and_wave_with_pairs_of_codes() {
        let (_dir, app) = study();
        let (status, body) = get(&app, "/matrix").await;
        assert_eq!(status, StatusCode::OK);
        let (divisions, rest) = body.split_once("<h2>По волнам</h2>").unwrap();
        let (waves, pairs) = rest.split_once("<h2>Совпадения параметров</h2>").unwrap();
        // Columns: the divisions with their interviews, then the total.
        assert!(
            divisions.contains("<th>Закупки<br><small>2 интервью</small></th><th>Финансы<br><small>1 интервью</small></th><th>Всего<br><small>3 интервью</small></th>"),
            "{divisions}"
        );
        assert!(
            waves.contains("<th>2025<br><small>1 интервью</small></th><th>2026<br><small>2 интервью</small></th>"),
            "{waves}"
        );
        // Prices: said in all three interviews, once each: Закупки 2 passages in 2 of 2.
        let (_, json) = get(&app, "/api/search?param=pricing&role=respondent&limit=100").await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let in_division = |d: &str| {
            v["hits"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|h| {
                    let doc = h["doc"].as_str().unwrap();
                    (d == "Закупки") == (doc != "a.txt")
                })
                .count()
        };
        let row = divisions
            .split("<tr>")
            .find(|r| r.contains("> Цены</td>"))
            .expect("a row for prices");
        let link = format!(
            "/search?param=pricing&amp;role=respondent&amp;division={}",
            enc("Закупки")
        );
        assert!(
            row.contains(&format!(
                "title=\"2 из 2 интервью\"><a href=\"{link}\">{}<br><small>100 %</small></a></td>",
                in_division("Закупки")
            )),
            "{row}"
        );
        assert!(in_division("Закупки") >= 2, "{json}");
        // Pairs: prices and delivery times on one sentence, as many as the search finds.
        let (_, json) = get(
            &app,
            &format!(
                "/api/search?q={}&role=respondent&limit=100",
                enc("code:pricing И code:delivery_time")
            ),
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let hits = v["hits"].as_array().unwrap();
        let docs: std::collections::BTreeSet<&str> =
            hits.iter().map(|h| h["doc"].as_str().unwrap()).collect();
        assert!(hits.len() >= 2, "{json}");
        let pair = pairs
            .split("<tr>")
            .find(|r| r.contains("Цены") && r.contains("Сроки поставки"))
            .expect("the pair of prices and delivery times");
        assert!(
            pair.contains(&format!(
                "<a href=\"/search?q={}&amp;role=respondent\">",
                enc("code:pricing И code:delivery_time")
            )),
            "{pair}"
        );
        assert!(
            pair.ends_with(&format!(
                "\">{}</a></td><td class=\"num\">{}</td></tr>",
                hits.len(),
                docs.len()
            )),
            "{pair}"
        );
        let (_, home) = get(&app, "/").await;
        assert!(home.contains("href=\"/matrix\""), "{home}");
    }

    #[tokio::test]
    async fn a_list_exports_to_xlsx_and_docx_with_names_masked() {
        let (_dir, app) = study();
        let (_, page) = get(&app, "/search?param=delivery_time&role=respondent").await;
        let query = "param=delivery_time&amp;role=respondent";
        assert!(
            page.contains(&format!(
                "<a href=\"/search.xlsx?{query}\" download>xlsx</a>"
            )),
            "{page}"
        );
        assert!(page.contains(&format!(
            "<a href=\"/search.docx?{query}\" download>docx</a>"
        )));
        // The page is the researcher's own view: a name shows there …
        let (status, xlsx, kind) =
            get_bytes(&app, "/search.xlsx?param=delivery_time&role=respondent").await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.contains("spreadsheetml"), "{kind}");
        let strings = entry(&xlsx, "xl/sharedStrings.xml");
        assert!(
            strings.contains("Сроки поставки срывают постоянно, поставки опаздывают."),
            "{strings}"
        );
        assert!(strings.contains("<t>Текст</t>"), "{strings}");
        let sheet = entry(&xlsx, "xl/workbook.xml");
        assert!(sheet.contains("name=\"Фрагменты\""), "{sheet}");
        let (status, docx, kind) =
            get_bytes(&app, "/search.docx?param=delivery_time&role=respondent").await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.contains("wordprocessingml"), "{kind}");
        let doc = entry(&docx, "word/document.xml");
        assert!(
            doc.contains("Фрагменты: Сроки поставки комплектующих · респонденты"),
            "{doc}"
        );
        assert!(
            doc.contains("«Сроки поставки срывают постоянно, поставки опаздывают.»"),
            "{doc}"
        );
        // … and masked in both files when the passage is listed.
        let (_, page) = get(&app, &format!("/search?q={}", enc("склад"))).await;
        assert!(
            page.contains("<bdi>Дмитрий Ковалёв обещал </bdi>"),
            "{page}"
        );
        let (_, xlsx) = {
            let (s, b, _) = get_bytes(&app, "/search.xlsx?q=склад").await;
            (s, entry(&b, "xl/sharedStrings.xml"))
        };
        let (_, docx) = {
            let (s, b, _) = get_bytes(&app, "/search.docx?q=склад").await;
            (s, entry(&b, "word/document.xml"))
        };
        for out in [&xlsx, &docx] {
            assert!(out.contains("[имя] обещал склад."), "{out}");
            assert!(!out.contains("Ковалёв"), "{out}");
        }
        let (status, _) = get(&app, "/search.pdf?q=склад").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = get(&app, "/search.xlsx").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("Задайте запрос или фильтр"), "{body}");
    }

    #[tokio::test]
    async fn the_transcript_page_labels_in_russian_one_label_a_speaker_stripes_per_sentence() {
        let (_dir, app) = study();
        let (status, body) = get(&app, "/transcripts/c.txt").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("Подразделение: Закупки · Волна: 2026"),
            "{body}"
        );
        assert!(!body.contains("division:"), "{body}");
        // «Спикер 1» asks: the interviewer; «Спикер 2» answers: the respondent, one label.
        assert!(
            body.contains("<div class=\"who\" title=\"в файле: Спикер 1\">Интервьюер</div>"),
            "{body}"
        );
        assert!(
            body.contains("<div class=\"who\" title=\"в файле: Спикер 2\">Респондент</div>"),
            "{body}"
        );
        assert!(!body.contains(">Спикер 2<"), "{body}");
        // Each coded sentence carries its own stripes: two codes, two layers.
        let (_, json) = get(&app, "/api/transcripts/c.txt").await;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let (start, codes) = v["codes"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, c)| c.as_array().unwrap().len() == 2)
            .expect("a sentence with two codes");
        let span = &body[body.find(&format!("id=\"s{start}\"")).unwrap()..];
        let span = &span[..span.find('>').unwrap()];
        assert_eq!(span.matches("linear-gradient(").count(), 2, "{span}");
        assert!(
            span.contains("0 calc(100% - 0px),0 calc(100% - 4px)"),
            "{span}"
        );
        // In the colours of its two codes, as the legend shows them.
        let colours: Vec<&str> = span
            .split("linear-gradient(")
            .skip(1)
            .map(|s| s.split(',').next().unwrap())
            .collect();
        assert_ne!(colours[0], colours[1], "{span}");
        for c in codes.as_array().unwrap() {
            let id = c.as_str().unwrap();
            let (_, page) = get(&app, "/").await;
            let name = page
                .split("<tr>")
                .find(|r| r.contains(&format!("/quotes/{id}\"")))
                .and_then(|r| r.split("</i> ").nth(1))
                .and_then(|r| r.split("</td>").next())
                .unwrap()
                .to_string();
            let shown = colours.iter().any(|col| {
                body.contains(&format!(
                    "<span><i style=\"background:{col}\"></i>{name}</span>"
                ))
            });
            assert!(shown, "{id} {name}: {span}");
        }
        // No stripes per turn any more.
        assert!(!body.contains("class=\"stripe\""), "{body}");
    }

    #[tokio::test]
    async fn the_quote_board_filters_by_wave_and_division() {
        let (_dir, app) = study();
        let docs = |json: &str| -> Vec<String> {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            v["quotes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q["doc"].as_str().unwrap().to_string())
                .collect()
        };
        let (_, all) = get(&app, "/api/quotes/delivery_time?wave=all").await;
        let all = docs(&all);
        assert!(all.iter().any(|d| d == "a.txt"), "{all:?}");
        assert!(all.iter().any(|d| d != "a.txt"), "{all:?}");
        // As `citata quotes --division`: case and spaces ignored.
        let (_, json) = get(
            &app,
            &format!(
                "/api/quotes/delivery_time?wave=all&division={}",
                enc(" закупки ")
            ),
        )
        .await;
        let got = docs(&json);
        assert!(
            !got.is_empty() && got.iter().all(|d| d != "a.txt"),
            "{got:?}"
        );
        let (_, json) = get(
            &app,
            &format!(
                "/api/quotes/delivery_time?wave=2026&division={}",
                enc("Закупки")
            ),
        )
        .await;
        assert_eq!(docs(&json), vec!["c.txt".to_string()], "{json}");
        // The page offers the divisions and marks the one shown.
        let (_, page) = get(
            &app,
            &format!("/quotes/delivery_time?wave=all&division={}", enc("Закупки")),
        )
        .await;
        assert!(page.contains("<p>Подразделение: <b>Закупки</b> · <a href=\"/quotes/delivery_time?wave=all&amp;division="), "{page}");
        assert!(
            page.contains("<a href=\"/quotes/delivery_time?wave=all\">все</a>"),
            "{page}"
        );
        assert!(!page.contains("a.txt"), "{page}");
        // Its passages with the same filters, one link away (and exportable there).
        assert!(
            page.contains(&format!(
                "<a href=\"/search?param=delivery_time&amp;role=respondent&amp;division={}\">Все фрагменты параметра с этими фильтрами</a>",
                enc("Закупки")
            )),
            "{page}"
        );
    }
}
