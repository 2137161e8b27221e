//! Speaker labels at line starts, in the forms transcribers use.
//!
//! A label line is `[timestamp] LABEL: text`, where the timestamp is optional (`[00:12:31]`,
//! `00:12:31`, `(12:31)`), the label may be bold (`**И:**`, `**Интервьюер**:`, `__Р:__`)
//! or in caps, and LABEL is either a known role word (`Интервьюер`, `И`, `Р`, `Респондент`,
//! `Модератор`, `Q`, `A`, `Вопрос`, `Спикер 1`, `Speaker 2`, ...) or a name of one to three
//! capitalized words (`Анна Петрова`, `Петров А.`, `ИРИНА ЛЬВОВНА`). A name is accepted when
//! it labels at least two lines, or when it is a two- or three-word name in a file that has
//! other labels; common words that end with a colon ("Например:", "Итого:") never are.
//! Lines without a label continue the previous turn; Markdown headings end it.

use rustc_hash::FxHashMap;

use super::subtitles::parse_clock;

use crate::model::{Role, RoleSource, Span, Speaker, Turn};

/// The label given to text with no speaker label at all.
pub const UNKNOWN_SPEAKER: &str = "Респондент (без метки)";

/// Labels, turns and warnings found in a labeled text.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Speakers in order of first appearance (roles not yet decided).
    pub speakers: Vec<Speaker>,
    /// Turns with spans into the text.
    pub turns: Vec<Turn>,
    /// Problems worth telling the user.
    pub warnings: Vec<String>,
}

/// The role a known label word implies, or `None` for a label that is known to be a
/// speaker but says nothing of the role (`Спикер 1`).
pub fn label_role(label: &str) -> Option<Role> {
    known_label(label).flatten()
}

/// `Some(role)` for a known label word: `Some(Some(role))` when the word implies the role,
/// `Some(None)` for a numbered speaker; `None` for anything else.
fn known_label(label: &str) -> Option<Option<Role>> {
    let l = label.trim().to_lowercase().replace('ё', "е");
    let l = l.trim_end_matches('.');
    let word = l.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '_');
    let numbered = word.len() < l.len();
    match word {
        "интервьюер"
        | "интервьюэр"
        | "модератор"
        | "ведущий"
        | "ведущая"
        | "и"
        | "q"
        | "в"
        | "вопрос"
        | "interviewer"
        | "moderator"
        | "int" => Some(Some(Role::Interviewer)),
        "респондент" | "р" | "a" | "о" | "ответ" | "клиент" | "respondent" | "resp" => {
            if numbered && word != "респондент" && word != "respondent" {
                None
            } else {
                Some(Some(Role::Respondent))
            }
        }
        "спикер" | "speaker" | "участник" | "участница" | "говорящий" | "голос" if numbered => {
            Some(None)
        }
        _ => None,
    }
}

/// Words that often stand before a colon at a line start but are not speakers.
const NOT_NAMES: &[&str] = &[
    "например",
    "итого",
    "итак",
    "примечание",
    "комментарий",
    "тема",
    "дата",
    "время",
    "место",
    "важно",
    "цитата",
    "вывод",
    "выводы",
    "главное",
    "минус",
    "минусы",
    "плюс",
    "плюсы",
    "проблема",
    "во-первых",
    "во-вторых",
    "в-третьих",
    "внимание",
    "задача",
    "цель",
    "результат",
    "оценка",
    "итог",
    "пример",
    "note",
    "nb",
    "p.s",
    "ps",
    "компания",
    "должность",
    "подразделение",
    "длительность",
    "продолжительность",
    "формат",
    "интервью",
    "блок",
    "раздел",
];

/// A name of one to three capitalized words, initials allowed (`Петров А.`, `И.И. Петров`).
fn name_words(label: &str) -> Option<usize> {
    let words: Vec<&str> = label.split_whitespace().collect();
    if words.is_empty() || words.len() > 3 {
        return None;
    }
    if NOT_NAMES.contains(&label.to_lowercase().as_str()) {
        return None;
    }
    for w in &words {
        let mut chars = w.chars();
        let first = chars.next()?;
        if !first.is_uppercase() {
            return None;
        }
        if !w
            .chars()
            .all(|c| c.is_alphabetic() || c == '.' || c == '-' || c == '\u{301}')
            || w.chars().count() > 20
        {
            return None;
        }
    }
    Some(words.len())
}

/// Key under which two spellings of one label are the same speaker.
fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('ё', "е")
}

/// Index of the speaker with this label in `speakers`, adding it if new (role decided later).
pub fn speaker_index(speakers: &mut Vec<Speaker>, label: &str) -> usize {
    let key = label_key(label);
    if let Some(i) = speakers.iter().position(|s| label_key(&s.label) == key) {
        return i;
    }
    speakers.push(Speaker {
        label: label.to_string(),
        role: Role::Respondent,
        role_source: RoleSource::Default,
    });
    speakers.len() - 1
}

/// A candidate label line.
struct LabelLine<'a> {
    label: &'a str,
    /// Byte offset of the text after the label, relative to the line.
    rest: usize,
    time: Option<f64>,
}

fn label_line(line: &str) -> Option<LabelLine<'_>> {
    // Cheap filter: a label's colon comes early in the line.
    let head = &line[..floor_char_boundary(line, 100)];
    if !head.contains([':', '：']) {
        return None;
    }
    let mut p = Cursor { s: line, i: 0 };
    p.blanks();
    // An optional timestamp: [00:12:31], (12:31), 00:12:31, 00:12:31.5, then an optional dash.
    let mut time = None;
    let save = p.i;
    let open = p.eat_any(&['[', '(']);
    if let Some(ts) = p.clock() {
        if open {
            p.eat_any(&[']', ')']);
        }
        time = parse_clock(ts);
        p.blanks();
        if p.eat_any(&['-', '–', '—']) {
            p.blanks();
        }
    } else {
        p.i = save;
    }
    p.bold();
    p.blanks();
    // The label: up to 40 chars that are not markup or a colon.
    let label_start = p.i;
    let mut chars = 0;
    while let Some(c) = p.peek() {
        // An underscore inside a word (`SPEAKER_00` of diarization exports) is part of the
        // label; around it, markup.
        let inner_underscore = c == '_'
            && line[label_start..p.i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
            && line[p.i + 1..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
        if (matches!(c, ':' | '：' | '*' | '_' | '[' | ']' | '(' | ')') && !inner_underscore)
            || chars >= 40
        {
            break;
        }
        p.i += c.len_utf8();
        chars += 1;
    }
    let label = line[label_start..p.i].trim();
    p.blanks();
    p.bold();
    p.blanks();
    if !p.eat_any(&[':', '：']) {
        return None;
    }
    p.blanks();
    p.bold();
    p.blanks();
    // An optional timestamp after the label: "Спикер 1 (00:01:02): ..." is rare, "Спикер 1: [00:01:02] ..." common.
    let save = p.i;
    let after = if p.eat_any(&['[', '(']) {
        p.clock().filter(|_| p.eat_any(&[']', ')']))
    } else {
        None
    };
    match after {
        Some(ts) => {
            time = time.or_else(|| parse_clock(ts));
            p.blanks();
        }
        None => p.i = save,
    }
    if label.is_empty() || label.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(LabelLine {
        label,
        rest: p.i,
        time,
    })
}

/// A tiny scanner over one line.
struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn blanks(&mut self) {
        while let Some(c @ (' ' | '\t' | '\u{a0}')) = self.peek() {
            self.i += c.len_utf8();
        }
    }

    fn eat_any(&mut self, set: &[char]) -> bool {
        match self.peek() {
            Some(c) if set.contains(&c) => {
                self.i += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    /// Bold or italic markup: `**`, `__`, `*`.
    fn bold(&mut self) {
        let rest = &self.s[self.i..];
        if rest.starts_with("**") || rest.starts_with("__") {
            self.i += 2;
        } else if rest.starts_with('*') {
            self.i += 1;
        }
    }

    fn digits(&mut self, min: usize, max: usize) -> bool {
        let n = self.s[self.i..]
            .bytes()
            .take(max + 1)
            .take_while(u8::is_ascii_digit)
            .count();
        if n < min || n > max {
            return false;
        }
        self.i += n;
        true
    }

    /// `H:MM`, `HH:MM:SS`, with an optional `.mmm` / `,mmm` fraction.
    fn clock(&mut self) -> Option<&'a str> {
        let start = self.i;
        let ok = self.digits(1, 2) && self.eat_any(&[':']) && self.digits(2, 2);
        if !ok {
            self.i = start;
            return None;
        }
        let save = self.i;
        if !(self.eat_any(&[':']) && self.digits(2, 2)) {
            self.i = save;
        }
        let save = self.i;
        if !(self.eat_any(&['.', ',']) && self.digits(1, 3)) {
            self.i = save;
        }
        Some(&self.s[start..self.i])
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Finds speaker labels and turns in `text` (already canonical, front matter removed).
/// `markdown` makes `#` headings end the current turn instead of continuing it.
pub fn parse(text: &str, markdown: bool) -> Parsed {
    // Pass 1: which candidate labels are accepted.
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for line in text.split('\n') {
        if let Some(l) = label_line(line) {
            *counts.entry(l.label).or_default() += 1;
        }
    }
    let known: usize = counts
        .iter()
        .filter(|(l, _)| known_label(l).is_some())
        .count();
    let names: usize = counts
        .iter()
        .filter(|(l, n)| known_label(l).is_none() && **n >= 2 && name_words(l).is_some())
        .count();
    let others = known + names;
    // Each distinct label is judged once, and gets its speaker index on first use.
    let accepted: FxHashMap<&str, bool> = counts
        .iter()
        .map(|(&label, &n)| {
            let ok = known_label(label).is_some()
                || name_words(label).is_some_and(|words| n >= 2 || (words >= 2 && others >= 1));
            (label, ok)
        })
        .collect();
    let mut indices: FxHashMap<&str, usize> = FxHashMap::default();

    // Pass 2: turns.
    let mut out = Parsed::default();
    let mut current: Option<Turn> = None;
    let mut preamble_lines = 0usize;
    let mut pos = 0usize;
    for line in text.split('\n') {
        let line_start = pos;
        pos += line.len() + 1;
        let trimmed = line.trim();
        if markdown && trimmed.starts_with('#') {
            if let Some(t) = current.take() {
                out.turns.push(t);
            }
            continue;
        }
        if let Some(l) = label_line(line).filter(|l| accepted.get(l.label) == Some(&true)) {
            if let Some(t) = current.take() {
                out.turns.push(t);
            }
            let speaker = *indices
                .entry(l.label)
                .or_insert_with(|| speaker_index(&mut out.speakers, l.label));
            let start = line_start + l.rest;
            let rest = line[l.rest..].trim_end();
            current = Some(Turn {
                speaker,
                span: Span::new(start, start + rest.len()),
                start_time: l.time,
                end_time: None,
            });
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        match current.as_mut() {
            Some(t) => {
                let end = line_start + line.trim_end().len();
                if t.span.is_empty() {
                    // "Интервьюер:" alone on its line: the turn starts on the next line.
                    let lead = line.len() - line.trim_start().len();
                    t.span.start = line_start + lead;
                }
                t.span.end = end;
            }
            None => preamble_lines += 1,
        }
    }
    if let Some(t) = current.take() {
        out.turns.push(t);
    }
    out.turns.retain(|t| !t.span.is_empty());

    if out.turns.is_empty() {
        out.speakers.clear();
        let lead = text.len() - text.trim_start().len();
        let end = text.trim_end().len();
        if end > lead {
            let speaker = speaker_index(&mut out.speakers, UNKNOWN_SPEAKER);
            out.turns.push(Turn {
                speaker,
                span: Span::new(lead, end),
                start_time: None,
                end_time: None,
            });
        }
        out.warnings.push(
            "no speaker labels found (such as `Интервьюер:` / `Респондент:`); the whole text is taken as one respondent's turn".into(),
        );
    } else if preamble_lines > 2 {
        out.warnings.push(format!(
            "{preamble_lines} lines before the first speaker label are not part of any turn"
        ));
    }
    // Speakers that only had empty turns are dropped, indices remapped.
    let mut used = vec![false; out.speakers.len()];
    for t in &out.turns {
        used[t.speaker] = true;
    }
    if used.iter().any(|u| !u) {
        let mut remap = vec![0; used.len()];
        let mut next = 0;
        for (i, u) in used.iter().enumerate() {
            remap[i] = next;
            if *u {
                next += 1;
            }
        }
        let mut i = 0;
        out.speakers.retain(|_| {
            i += 1;
            used[i - 1]
        });
        for t in &mut out.turns {
            t.speaker = remap[t.speaker];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(text: &str, md: bool) -> Vec<(String, String)> {
        let p = parse(text, md);
        p.turns
            .iter()
            .map(|t| {
                (
                    p.speakers[t.speaker].label.clone(),
                    text[t.span.range()].to_string(),
                )
            })
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn plain_role_labels_with_timestamps_and_continuations() {
        let text = "[00:00:05] Интервьюер: Как вам сроки поставки?\n[00:00:09] Респондент: Ну, э-э, по-разному.\nВ первом квартале встали на две недели.\n\nА так нормально.\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("Интервьюер", "Как вам сроки поставки?"),
                (
                    "Респондент",
                    "Ну, э-э, по-разному.\nВ первом квартале встали на две недели.\n\nА так нормально."
                ),
            ])
        );
        let p = parse(text, false);
        assert_eq!(p.turns[1].start_time, Some(9.0));
    }

    #[test]
    fn short_bold_caps_and_qa_labels() {
        assert_eq!(
            turns("**И:** Оценка?\n\n**Р:** Восемь.\n", true),
            pairs(&[("И", "Оценка?"), ("Р", "Восемь.")])
        );
        assert_eq!(
            turns("**Интервьюер**: Да?\n__Р__: Нет.\n", true),
            pairs(&[("Интервьюер", "Да?"), ("Р", "Нет.")])
        );
        assert_eq!(
            turns("Q: Почему?\nA: Потому что.\n", false),
            pairs(&[("Q", "Почему?"), ("A", "Потому что.")])
        );
        assert_eq!(
            turns("**АННА СОКОЛОВА:** Начнём?\n\n**ОЛЬГА НИКОЛАЕВНА:** Давайте.\n\n**ТИМУР РАШИДОВИЧ:** Ага.\n\n**АННА СОКОЛОВА:** Хорошо.\n", true).len(),
            4
        );
    }

    #[test]
    fn numbered_speakers_and_bare_timestamps() {
        let text = "00:00:01 Спикер 1: Добрый день.\n00:00:03 Спикер 2: Здрасьте.\n00:01:10 Speaker 2: Ok.\n";
        let got = turns(text, false);
        assert_eq!(got[0], ("Спикер 1".into(), "Добрый день.".into()));
        assert_eq!(got[2], ("Speaker 2".into(), "Ok.".into()));
        assert_eq!(parse(text, false).turns[2].start_time, Some(70.0));
        // Diarization exports: SPEAKER_00; an underscore as markup around a label stays markup.
        let text =
            "SPEAKER_00: Как с оплатой?\nSPEAKER_01: Платим вовремя.\n__Интервьюер__: А сроки?\n";
        let got = turns(text, false);
        assert_eq!(
            got,
            vec![
                ("SPEAKER_00".into(), "Как с оплатой?".into()),
                ("SPEAKER_01".into(), "Платим вовремя.".into()),
                ("Интервьюер".into(), "А сроки?".into()),
            ]
        );
    }

    #[test]
    fn names_need_to_recur_and_common_words_are_not_names() {
        let text = "Анна Соколова: Что скажете про цены?\nИрина Львовна: Дорого.\nНапример: ГидроМаш дешевле на треть.\nАнна Соколова: Понятно.\nИрина Львовна: Вот.\n";
        let got = turns(text, false);
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[1],
            (
                "Ирина Львовна".into(),
                "Дорого.\nНапример: ГидроМаш дешевле на треть.".into()
            )
        );
    }

    #[test]
    fn label_alone_on_its_line() {
        let text = "Интервьюер:\nРасскажите про сервис.\nРеспондент:\nСаныч приезжает ночью.\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("Интервьюер", "Расскажите про сервис."),
                ("Респондент", "Саныч приезжает ночью.")
            ])
        );
    }

    #[test]
    fn markdown_headings_are_not_turn_text() {
        let text = "# Интервью\n\n**И:** Начнём.\n\n## Блок 1\n\n**Р:** Давайте.\n";
        assert_eq!(
            turns(text, true),
            pairs(&[("И", "Начнём."), ("Р", "Давайте.")])
        );
    }

    #[test]
    fn no_labels_is_one_respondent_turn_with_a_warning() {
        let text = "\nНу мы с ними давно работаем.\nВ целом довольны.\n";
        let p = parse(text, false);
        assert_eq!(p.turns.len(), 1);
        assert_eq!(
            &text[p.turns[0].span.range()],
            "Ну мы с ними давно работаем.\nВ целом довольны."
        );
        assert_eq!(p.speakers[0].label, UNKNOWN_SPEAKER);
        assert!(p.warnings[0].starts_with("no speaker labels found"));
    }

    #[test]
    fn known_labels_imply_roles() {
        assert_eq!(label_role("Интервьюер"), Some(Role::Interviewer));
        assert_eq!(label_role("Модератор"), Some(Role::Interviewer));
        assert_eq!(label_role("Р"), Some(Role::Respondent));
        assert_eq!(label_role("Респондент 2"), Some(Role::Respondent));
        assert_eq!(label_role("Спикер 1"), None);
        assert!(known_label("Спикер 1").is_some());
        assert!(known_label("Анна").is_none());
    }
}
