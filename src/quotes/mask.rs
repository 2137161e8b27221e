//! Anonymization of quote text: personal names, phone numbers and e-mails.
//!
//! A word is a person's name when it is capitalized and either the OpenCorpora dictionary
//! reads it (with its case) mostly as a first name, patronymic or surname ("Ивану
//! Петровичу", "с Петровым", "Саныч"), or its lemma is in the shipped list of given names and
//! their colloquial forms (`dictionaries/names.ru.txt`: "Дима", "Иришка"), or it is one of the
//! transcript's own names (speaker labels that are names, metadata `name` / `fio` / `имя`).
//! Neighbouring name words become one `[имя]`. Phones become `[телефон]`, e-mails
//! `[e-mail]`.

use std::sync::OnceLock;

use regex::Regex;
use rustc_hash::FxHashSet;

use crate::ingest::labels::label_role;
use crate::model::Transcript;
use crate::text::{WordSpans, dictionary, normalize};

/// The shipped list of given names (lowercase nominative, `#` comments).
pub const NAMES: &str = include_str!("../../dictionaries/names.ru.txt");

/// What a name is replaced with.
pub const NAME: &str = "[имя]";
/// What a phone number is replaced with.
pub const PHONE: &str = "[телефон]";
/// What an e-mail address is replaced with.
pub const EMAIL: &str = "[e-mail]";

fn names() -> &'static FxHashSet<String> {
    static NAMES_SET: OnceLock<FxHashSet<String>> = OnceLock::new();
    NAMES_SET.get_or_init(|| {
        NAMES
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(normalize)
            .collect()
    })
}

fn patterns() -> &'static (Regex, Regex) {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        (
            Regex::new(r"[\w.+-]+@[\w-]+(\.[\w-]+)+").expect("e-mail regex"),
            Regex::new(
                r"(\+7|\b8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b|\b\d{3}-\d{2}-\d{2}\b",
            )
            .expect("phone regex"),
        )
    })
}

/// The private words of one transcript: names in speaker labels and metadata.
pub fn private_words(t: &Transcript) -> Vec<String> {
    let mut out = Vec::new();
    for s in &t.speakers {
        if label_role(&s.label).is_none() && !s.label.chars().any(|c| c.is_ascii_digit()) {
            out.extend(s.label.split_whitespace().map(normalize));
        }
    }
    for key in ["name", "fio", "фио", "имя", "respondent_name", "person"] {
        if let Some(v) = t.meta.get(key) {
            out.extend(v.split_whitespace().map(normalize));
        }
    }
    out.retain(|w| w.chars().count() > 1);
    out.sort();
    out.dedup();
    out
}

/// True when the dictionary reads the word, as written, mostly as a name, patronymic or
/// surname.
fn looks_like_name(word: &str) -> bool {
    let mut name = 0.0;
    let mut total = 0.0;
    let dict = dictionary();
    for a in dict.analyze(word) {
        // Guesses for unknown words ("Нордпамп") are not evidence of a name.
        if a.source != rumorph::Source::Dictionary {
            continue;
        }
        total += a.prob;
        if let Some(tag) = a.tag.and_then(|t| dict.tag(t))
            && (tag.contains("Name") || tag.contains("Surn") || tag.contains("Patr"))
        {
            name += a.prob;
        }
    }
    total > 0.0 && name / total >= 0.5
}

/// Whether the dictionary reads `word` first as a function word (a conjunction, particle,
/// preposition, interjection, pronoun, adverb or predicative): never part of a name.
fn is_function_word(word: &str) -> bool {
    let dict = dictionary();
    dict.analyze(&normalize(word))
        .iter()
        .find(|a| a.source == rumorph::Source::Dictionary)
        .and_then(|a| a.tag.and_then(|t| dict.tag(t)))
        .is_some_and(|tag| {
            ["CONJ", "PRCL", "PREP", "INTJ", "NPRO", "ADVB", "PRED"]
                .iter()
                .any(|pos| tag.split([',', ' ']).next() == Some(pos))
        })
}

/// Whether `word` is a name. In text written with capitals, a name is capitalized; in
/// all-lowercase text (ASR output such as SpeechKit's) `lowercase` lets lowercase words be
/// names too, by the same lists and dictionary marks.
fn is_name(word: &str, private: &[String], lowercase: bool) -> bool {
    let first = word.chars().next();
    if !(lowercase || first.is_some_and(char::is_uppercase)) {
        return false;
    }
    if lowercase && !first.is_some_and(char::is_uppercase) && word.chars().count() < 3 {
        // "а", "я", "ну": initials only exist in capitals.
        return false;
    }
    let norm = normalize(word);
    if private.contains(&norm) {
        return true;
    }
    // Interjections the dictionary reads as names ("Эмм" as «Эмма»).
    if matches!(
        norm.as_str(),
        "эмм"
            | "эм"
            | "эмм-м"
            | "ммм"
            | "мм"
            | "ээ"
            | "эээ"
            | "ага"
            | "угу"
            | "ой"
            | "ах"
    ) {
        return false;
    }
    // "ТЭО", "УПД", "ОТК": abbreviations, not names.
    if word.chars().filter(|c| c.is_alphabetic()).count() > 1
        && !word.chars().any(char::is_lowercase)
    {
        return false;
    }
    if names().contains(&norm) {
        return true;
    }
    if looks_like_name(word) {
        return true;
    }
    dictionary()
        .analyze(&norm)
        .first()
        .is_some_and(|a| names().contains(&normalize(&a.lemma)))
}

/// Masks names, phones and e-mails in `text`; `private` are the transcript's own names
/// (normalized), from [`private_words`].
pub fn mask(text: &str, private: &[String]) -> String {
    let (email, phone) = patterns();
    let text = email.replace_all(text, EMAIL);
    let text = phone.replace_all(&text, PHONE);
    let words: Vec<crate::model::Span> = WordSpans::new(&text).collect();
    let lowercase = !text.chars().any(char::is_uppercase);
    let mut names: Vec<bool> = words
        .iter()
        .map(|s| is_name(&text[s.range()], private, lowercase))
        .collect();
    // "Сан Саныч", "Иван Петрович": a capitalized word right before a patronymic is part of
    // the name even when the dictionary reads it otherwise — unless it is a function word
    // opening the sentence («Ну Саныч…», «И Ирина Львовна…»): a quote loses no word.
    for i in (0..words.len().saturating_sub(1)).rev() {
        let next = &text[words[i + 1].range()];
        let gap = &text[words[i].end..words[i + 1].start];
        if !names[i]
            && names[i + 1]
            && gap.trim().is_empty()
            && !is_function_word(&text[words[i].range()])
            && ((lowercase && text[words[i].range()].chars().count() >= 3)
                || text[words[i].range()]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase))
            && ["ич", "ыч", "вна", "чна"]
                .iter()
                .any(|e| normalize(next).ends_with(e))
        {
            names[i] = true;
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut last_was_name = false;
    for (span, name) in words.iter().zip(names) {
        let word = &text[span.range()];
        let between = &text[pos..span.start];
        if name {
            if last_was_name && between.trim().is_empty() {
                // "Ирина Львовна": one mask.
            } else {
                out.push_str(between);
                out.push_str(NAME);
            }
            last_was_name = true;
        } else {
            out.push_str(between);
            out.push_str(word);
            last_was_name = false;
        }
        pos = span.end;
    }
    out.push_str(&text[pos..]);
    // "[телефон]" and "[e-mail]" are words too: they came through unchanged.
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_every_case_are_masked() {
        let cases = [
            (
                "Позвонил Ивану Петровичу, он всё решил.",
                "Позвонил [имя], он всё решил.",
            ),
            (
                "Договорились с Петровым на среду.",
                "Договорились с [имя] на среду.",
            ),
            ("Саныч приехал ночью.", "[имя] приехал ночью."),
            ("Сан Саныч приехал ночью.", "[имя] приехал ночью."),
            ("Раньше Дима сам звонил.", "Раньше [имя] сам звонил."),
            ("Спросите у Ирины Львовны.", "Спросите у [имя]."),
            (
                "Цены выросли, ГидроМаш дешевле.",
                "Цены выросли, ГидроМаш дешевле.",
            ),
            (
                "Когда делали ТЭО по насосной.",
                "Когда делали ТЭО по насосной.",
            ),
            (
                "Вместо «Нордпампа» поставили свои.",
                "Вместо «Нордпампа» поставили свои.",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(mask(text, &[]), want, "{text}");
        }
    }

    #[test]
    fn a_name_in_all_six_cases() {
        let forms = [
            "Иван Петрович Сидоров приехал.",
            "Нет Ивана Петровича Сидорова.",
            "Позвонили Ивану Петровичу Сидорову.",
            "Видели Ивана Петровича Сидорова.",
            "Говорили с Иваном Петровичем Сидоровым.",
            "Думали об Иване Петровиче Сидорове.",
        ];
        for text in forms {
            let masked = mask(text, &[]);
            assert_eq!(masked.matches(NAME).count(), 1, "{text} -> {masked}");
            assert!(
                !masked.contains("Иван") && !masked.contains("Сидор"),
                "{text} -> {masked}"
            );
        }
        for text in [
            "Ирина, Ирины, Ирине, Ирину, Ириной, об Ирине.",
            "Саня, Сани, Сане, Саню, Саней.",
        ] {
            let masked = mask(text, &[]);
            assert!(
                !masked.contains("Ирин") && !masked.contains("Сан"),
                "{text} -> {masked}"
            );
        }
    }

    #[test]
    fn phones_emails_and_private_words() {
        assert_eq!(
            mask(
                "Пишите на ivanov@technoprivod.ru или звоните +7 (846) 123-45-67.",
                &[]
            ),
            "Пишите на [e-mail] или звоните [телефон]."
        );
        assert_eq!(
            mask(
                "Тут Ковальчук сказал, что Зюзин в курсе.",
                &["зюзин".to_string()]
            ),
            "Тут [имя] сказал, что [имя] в курсе."
        );
        // Lowercase words are never names: "роман" is a novel here.
        assert_eq!(mask("Это целый роман был.", &[]), "Это целый роман был.");
    }

    // See: issue #13. ASR output (SpeechKit) is all lowercase: its names are masked too.
    #[test]
    fn a_function_word_before_a_patronymic_stays() {
        for (text, want) in [
            ("Ну Саныч обещал.", "Ну [имя] обещал."),
            ("И Ирина Львовна сказала.", "И [имя] сказала."),
            ("Но Петрович не приехал.", "Но [имя] не приехал."),
            ("Вот Саныч знает.", "Вот [имя] знает."),
            ("Если Саныч скажет, сделают.", "Если [имя] скажет, сделают."),
            ("Пусть Саныч решает.", "Пусть [имя] решает."),
            ("Сан Саныч обещал.", "[имя] обещал."),
            ("Звонил Иван Петрович.", "Звонил [имя]."),
        ] {
            assert_eq!(mask(text, &[]), want, "{text}");
        }
    }

    #[test]
    fn names_in_lowercase_asr_text_are_masked() {
        assert_eq!(
            mask(
                "ковалёва уже не было сафин сказал что уточнит а саныч приехал",
                &[]
            ),
            "[имя] уже не было [имя] сказал что уточнит а [имя] приехал"
        );
        // In ordinary text a lowercase word stays a word.
        assert_eq!(
            mask("Роман читаю, а роман не дочитал.", &[]),
            "[имя] читаю, а роман не дочитал."
        );
    }
}
