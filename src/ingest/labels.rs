//! Speaker labels in the forms transcribers and transcription services use.
//!
//! A label line is `[timestamp] LABEL (bracket): text` in any of these shapes (each seen in
//! real files; docs/formats.md lists them with an example each):
//!
//! - a timestamp before the label, inside or outside bold: `[00:12:31] Интервьюер:`,
//!   `**[00:00] Speaker 1:**`, `00:12:31 - Спикер 1:`, `[00:01:53.660 - 00:02:11.960]`;
//! - bold, italic or caps labels: `**И:**`, `**Интервьюер**:`, `__Р:__`, `ИНТ:`, `Инт.:`;
//! - a role or a name in brackets after the label, which is metadata of the speaker, never
//!   speech: `Модератор (Анастасия):`, `Анна Юрьевна (Эксперт):`, `** [имя] (Интервьюер):**`;
//! - a timestamp after the label: `SPEAKER_00 (00:00:01):`, `Спикер 1: [00:01:02] текст`;
//! - other separators: `Даша@ текст`, `Мама@`;
//! - a label alone on its line with a timestamp, speech on the next lines (`Спикер 1
//!   [00:00:05]`, `Speaker 1  00:03`, `[00:01:53.660 - 00:02:11.960] Speaker 2`), or a
//!   bracketed speaker alone on its line (`[SPEAKER_01]`);
//! - stacked labels left by a labelling tool (`Респондент: Интервьюер: Какую?`): the last
//!   one is the speaker.
//!
//! LABEL is a known role word (`Интервьюер`, `И`, `Р`, `Респондент`, `Модератор`, `Q`, `A`,
//! `Вопрос`, `Спикер 1`, `Speaker 2`, `SPEAKER_00`, ...) or a name of one to three
//! capitalized words (`Анна Петрова`, `Петров А.`, `ИРИНА ЛЬВОВНА`). A name is accepted when
//! it labels at least two lines, or when it is a two- or three-word name in a file that has
//! other labels; common words that end with a colon ("Например:", "Итого:") never are. The
//! one-letter pairs `И`/`Р`, `В`/`О`, `Q`/`A` are labels only where the file uses both
//! letters of the pair.
//!
//! Lines without a label continue the previous turn; Markdown headings end it. Inside turns,
//! timecodes (`(00:01:13)`, `[00:05:16]`, `00:05` between sentences), emphasis markup (`**`,
//! `__`) and rule lines (`---`) are not speech: they are returned as cuts, which
//! [`super::assemble`] removes from the canonical text. Every line that ends up in no turn
//! is named in a warning.
//!
//! A text without any label is one respondent's turn, unless its paragraphs alternate
//! question / answer: then two speakers by alternation, with a warning that says so.

use rustc_hash::{FxHashMap, FxHashSet};

use super::subtitles::parse_clock;

use crate::model::{Role, RoleSource, Span, Speaker, Turn};

/// The label given to text with no speaker label at all.
pub const UNKNOWN_SPEAKER: &str = "Респондент (без метки)";

/// The label of the questioning speaker when unlabelled paragraphs alternate question /
/// answer (the answering one is [`ANSWERS_SPEAKER`]).
pub const QUESTIONS_SPEAKER: &str = "Спикер А (вопросы)";

/// The label of the answering speaker when unlabelled paragraphs alternate question / answer.
pub const ANSWERS_SPEAKER: &str = "Спикер Б (ответы)";

/// Labels, turns and warnings found in a labeled text.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Speakers in order of first appearance (roles not yet decided).
    pub speakers: Vec<Speaker>,
    /// Turns with spans into the text.
    pub turns: Vec<Turn>,
    /// Byte ranges inside turns that are not speech (timecodes, markup), sorted and
    /// disjoint: the canonical text leaves them out.
    pub cuts: Vec<Span>,
    /// Problems worth telling the user.
    pub warnings: Vec<String>,
}

/// The role a known label word implies, or `None` for a label that is known to be a
/// speaker but says nothing of the role (`Спикер 1`) and for anything else.
pub fn label_role(label: &str) -> Option<Role> {
    known_label(label).flatten()
}

/// `Some(role)` for a known label: `Some(Some(role))` when the label (or the role in its
/// brackets) implies the role, `Some(None)` for a numbered speaker; `None` for anything else.
fn known_label(label: &str) -> Option<Option<Role>> {
    let (main, inner) = label_parts(label);
    let a = known_word(main);
    let b = inner.and_then(known_word);
    match (a, b) {
        (Some(Some(r)), _) | (_, Some(Some(r))) => Some(Some(r)),
        (Some(None), _) | (_, Some(None)) => Some(None),
        _ => None,
    }
}

/// The label's main part and the text of its trailing bracket: `Модератор (Анастасия)` →
/// (`Модератор`, `Анастасия`); `[имя] (Интервьюер)` → (`имя`, `Интервьюер`).
pub(crate) fn label_parts(label: &str) -> (&str, Option<&str>) {
    let label = label.trim();
    let (main, inner) = match label.strip_suffix(')').and_then(|l| l.rsplit_once('(')) {
        Some((main, inner)) if !main.trim().is_empty() => (main.trim(), Some(inner.trim())),
        _ => (label, None),
    };
    let main = main
        .strip_prefix('[')
        .and_then(|m| m.strip_suffix(']'))
        .unwrap_or(main)
        .trim();
    (main, inner)
}

/// A known label word (see [`known_label`]).
fn known_word(label: &str) -> Option<Option<Role>> {
    let l = label.trim().to_lowercase().replace('ё', "е");
    let l = l.trim_end_matches('.');
    let word = l.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '_' || c == '-');
    let numbered = word.len() < l.len();
    match word {
        "интервьюер"
        | "интервьюэр"
        | "интервьюерка"
        | "интервьер"
        | "модератор"
        | "ведущий"
        | "ведущая"
        | "и"
        | "q"
        | "в"
        | "вопрос"
        | "interviewer"
        | "moderator"
        | "int"
        | "инт"
        | "интер"
        | "иссл"
        | "исследователь"
        | "исследовательница"
        | "корреспондент"
        | "журналист"
        | "журналистка"
        | "фасилитатор" => {
            if numbered && word.chars().count() == 1 && word != "и" {
                None
            } else {
                Some(Some(Role::Interviewer))
            }
        }
        "респондент"
        | "респондентка"
        | "респ"
        | "рес"
        | "р"
        | "a"
        | "о"
        | "ответ"
        | "клиент"
        | "respondent"
        | "resp"
        | "эксперт"
        | "информант"
        | "информантка"
        | "интервьюируемый"
        | "интервьюируемая"
        | "собеседник"
        | "собеседница"
        | "участник"
        | "участница"
        | "гость"
        | "гостья" => {
            if numbered && word.chars().count() == 1 && word != "р" {
                None
            } else {
                Some(Some(Role::Respondent))
            }
        }
        "спикер" | "speaker" | "говорящий" | "голос" | "диктор" | "spk" | "spkr" | "s" | "с"
        | "person" | "персона"
            if numbered =>
        {
            Some(None)
        }
        _ => None,
    }
}

/// The other letter of a one-letter label pair (`И`/`Р`, `В`/`О`, `Q`/`A`).
fn partner(letter: &str) -> Option<&'static str> {
    Some(match letter {
        "и" => "р",
        "р" => "и",
        "в" => "о",
        "о" => "в",
        "q" => "a",
        "a" => "q",
        _ => return None,
    })
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
    "перевод",
    "субтитры",
    "вопросы",
    "ответы",
    "участники",
    "примечания",
    "источник",
    "файл",
    "запись",
];

/// A name of one to three capitalized words, initials allowed (`Петров А.`, `И.И. Петров`).
fn name_words(label: &str) -> Option<usize> {
    let mut n = 0;
    for w in label.split_whitespace() {
        n += 1;
        if n > 3 {
            return None;
        }
        if !w.chars().next()?.is_uppercase()
            || !w
                .chars()
                .all(|c| c.is_alphabetic() || c == '.' || c == '-' || c == '\u{301}')
            || w.chars().count() > 20
        {
            return None;
        }
    }
    if n == 0 || NOT_NAMES.contains(&label.to_lowercase().as_str()) {
        return None;
    }
    Some(n)
}

/// The parts of a label that has a sentence end inside («Шервинский. Николка», «Короче.
/// Итог»), split there, each without its full stop; `None` for a label without one. A play's
/// label of several speakers at once has such parts, each a speaker's label elsewhere in the
/// file; a line that begins with a sentence and then a word and a colon («Короче. Итог: …»)
/// does not, and is the speaker's own text.
fn sentence_parts(label: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let words: Vec<(usize, &str)> = label
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - label.as_ptr() as usize, w))
        .collect();
    for (k, &(at, w)) in words.iter().enumerate() {
        if k + 1 < words.len() && ends_sentence(w) {
            parts.push(label[start..at + w.len() - 1].trim());
            start = words[k + 1].0;
        }
    }
    if parts.is_empty() {
        return None;
    }
    parts.push(label[start..].trim().trim_end_matches('.'));
    Some(parts)
}

/// A word with a full stop that ends a sentence rather than an abbreviation or an initial
/// (`А.`, `Д.С.`, `Проф.`, `Ген.`): Russian abbreviations end in a consonant, so a word that
/// ends in a vowel before the stop («Короче.», «Понятно.») ends a sentence, and so does one
/// of six letters or more, or one of the short answers and fillers that end in a consonant
/// («Итак.», «Нет.», «Вот.»).
fn ends_sentence(word: &str) -> bool {
    let Some(letters) = word.strip_suffix('.') else {
        return false;
    };
    let count = letters.chars().count();
    count >= 2
        && !letters.contains('.')
        && (count >= 6
            || letters
                .chars()
                .next_back()
                .is_some_and(|c| "аеёиоуыэюяАЕЁИОУЫЭЮЯaeiouyAEIOUY".contains(c))
            || matches!(
                letters.to_lowercase().as_str(),
                "итак" | "так" | "вот" | "нет" | "хм" | "ок" | "угм"
            ))
}

/// Key under which two spellings of one label are the same speaker (`ИНТ` and `Инт.`,
/// `Ирина Львовна` and `ирина  львовна`).
pub(crate) fn label_key(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for w in label.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in w.chars().flat_map(char::to_lowercase) {
            out.push(if c == 'ё' { 'е' } else { c });
        }
    }
    if out.ends_with('.') && out.len() > 2 {
        out.pop();
    }
    out
}

/// Speakers by label, each added once (roles decided later): a hash of the label keys, so
/// that thousands of distinct labels cost no more than their number.
#[derive(Debug, Default)]
pub struct SpeakerTable {
    /// Speakers in order of first appearance.
    pub speakers: Vec<Speaker>,
    keys: FxHashMap<String, usize>,
}

impl SpeakerTable {
    /// Index of the speaker with this label, adding it if new.
    pub fn index(&mut self, label: &str) -> usize {
        let key = label_key(label);
        if let Some(&i) = self.keys.get(&key) {
            return i;
        }
        self.speakers.push(Speaker {
            label: label.to_string(),
            role: Role::Respondent,
            role_source: RoleSource::Default,
        });
        self.keys.insert(key, self.speakers.len() - 1);
        self.speakers.len() - 1
    }
}

/// How a label is set off from the speech.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Sep {
    /// `Label:` (or `：`).
    Colon,
    /// `Label@`.
    At,
    /// A label alone on its line with a timestamp or in brackets; speech on the next lines.
    Header,
}

/// A candidate label line.
#[derive(Debug)]
struct LabelLine<'a> {
    label: &'a str,
    /// Byte offset of the text after the label, relative to the line.
    rest: usize,
    time: Option<f64>,
    sep: Sep,
}

/// Whether the first 120 bytes of `line` hold a label's separator (`:`, `：`, `@`) or, with
/// `bracket`, a `[`: one pass over bytes (a char-set `contains` decodes every character).
fn early_separator(line: &str, bracket: bool) -> bool {
    let head = &line.as_bytes()[..line.len().min(120)];
    head.iter().enumerate().any(|(i, &b)| {
        matches!(b, b':' | b'@')
            || (bracket && b == b'[')
            // U+FF1A FULLWIDTH COLON, as long as all three bytes are within the line's head
            // (the char test it replaces stopped at a char boundary at or before byte 120).
            || (b == 0xEF && head.get(i + 1) == Some(&0xBC) && head.get(i + 2) == Some(&0x9A))
    })
}

fn label_line(line: &str) -> Option<LabelLine<'_>> {
    // Cheap filter: a label's separator or bracket comes early in the line.
    if !early_separator(line, true) && line.trim().len() > 48 {
        return None;
    }
    let mut p = Cursor { s: line, i: 0 };
    p.blanks();
    p.bold();
    p.blanks();
    // An optional timestamp (or a range of two) before the label, then an optional dash.
    let lead_time = p.time_group();
    let mut had_time = lead_time.is_some();
    let mut time = lead_time.flatten();
    if had_time {
        p.blanks();
        if p.eat_any(&['-', '–', '—']) {
            p.blanks();
        }
        p.bold();
        p.blanks();
    }
    // The label: an optional bracketed placeholder (`[имя]`, `[SPEAKER_00]`), then up to
    // 40 chars that are not markup, brackets or a separator.
    let label_start = p.i;
    let mut bracketed_only = false;
    if p.peek() == Some('[') {
        let inner_len = line[p.i + 1..].find(']')?;
        let inner = &line[p.i + 1..p.i + 1 + inner_len];
        if inner.is_empty() || inner.chars().count() > 40 || inner.contains(['[', '(', ')']) {
            return None;
        }
        p.i += inner_len + 2;
        bracketed_only = true;
    }
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
        if (matches!(c, ':' | '：' | '*' | '_' | '[' | ']' | '(' | ')' | '@') && !inner_underscore)
            || chars >= 40
        {
            break;
        }
        // A clock after a space ends the label (`Speaker 1  00:03`).
        if c.is_ascii_digit() && line[..p.i].ends_with([' ', '\t']) {
            let mut q = Cursor { s: line, i: p.i };
            if q.clock().is_some() {
                break;
            }
        }
        if !c.is_whitespace() {
            bracketed_only = false;
        }
        p.i += c.len_utf8();
        chars += 1;
    }
    let mut label_end = label_start + line[label_start..p.i].trim_end().len();
    // A bracket after the label: a timestamp, or a role or name (part of the label).
    loop {
        let save = p.i;
        p.blanks();
        if !matches!(p.peek(), Some('(' | '[')) {
            p.i = save;
            break;
        }
        if let Some(t) = p.time_group() {
            had_time = true;
            time = time.or(t);
            continue;
        }
        let open = p.i;
        let close = if line[open..].starts_with('(') {
            ')'
        } else {
            ']'
        };
        let Some(len) = line[open + 1..].find(close) else {
            p.i = save;
            break;
        };
        let inner = &line[open + 1..open + 1 + len];
        let plain = inner.chars().all(|c| {
            c.is_alphabetic()
                || matches!(c, ' ' | '.' | '-' | '_' | '\u{301}')
                || c.is_ascii_digit()
        });
        if inner.trim().is_empty()
            || inner.chars().count() > 40
            || !plain
            || label_end == label_start
        {
            p.i = save;
            break;
        }
        p.i = open + len + 2;
        label_end = p.i;
        bracketed_only = false;
    }
    let label = line[label_start..label_end].trim();
    p.blanks();
    p.bold();
    p.blanks();
    let sep = if p.eat_any(&[':', '：']) {
        Sep::Colon
    } else if p.peek() == Some('@') {
        p.i += 1;
        match p.peek() {
            None | Some(' ' | '\t' | '\u{a0}' | '*') => Sep::At,
            _ => return None,
        }
    } else {
        // A header line: the label alone on its line, with a timestamp or in brackets.
        if let Some(t) = p.time_group() {
            had_time = true;
            time = time.or(t);
        }
        p.blanks();
        p.bold();
        p.blanks();
        if p.i < line.trim_end().len() {
            return None;
        }
        // A known speaker label alone on its line (`Speaker 1`, `speaker_0`, `Интервьюер`)
        // needs no timestamp.
        if !(had_time
            || bracketed_only
            || known_label(line[label_start..label_end].trim()).is_some())
        {
            return None;
        }
        Sep::Header
    };
    p.blanks();
    p.bold();
    p.blanks();
    // An optional timestamp after the separator: "Спикер 1: [00:01:02] ...".
    let save = p.i;
    if matches!(p.peek(), Some('[' | '(')) {
        match p.time_group() {
            Some(t) => {
                time = time.or(t);
                p.blanks();
            }
            None => p.i = save,
        }
    }
    if label.is_empty() || label.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    Some(LabelLine {
        label,
        rest: p.i,
        time,
        sep,
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
        // A clock is not followed by another digit or a letter.
        if self.peek().is_some_and(char::is_alphanumeric) {
            self.i = start;
            return None;
        }
        Some(&self.s[start..self.i])
    }

    /// A timestamp or a range of two, bare or in `[]` / `()`: `[00:12:31]`, `(12:31)`,
    /// `00:12:31`, `[00:01:53.660 - 00:02:11.960]`, `00:00:01 --> 00:00:04`. Returns the start
    /// time (`Some(None)` never: `None` when there is no timestamp, position unchanged).
    fn time_group(&mut self) -> Option<Option<f64>> {
        let start = self.i;
        let open = self.eat_any(&['[', '(']);
        self.blanks();
        let Some(first) = self.clock() else {
            self.i = start;
            return None;
        };
        let save = self.i;
        self.blanks();
        let dash = if self.s[self.i..].starts_with("-->") {
            self.i += 3;
            true
        } else {
            self.eat_any(&['-', '–', '—'])
        };
        if dash {
            self.blanks();
            if self.clock().is_none() {
                self.i = save;
            }
        } else {
            self.i = save;
        }
        if open {
            self.blanks();
            if !self.eat_any(&[']', ')']) {
                self.i = start;
                return None;
            }
        }
        Some(parse_clock(first))
    }
}

/// Whether a label seen `n` times (as `sep`) is accepted, given the other labels (`keys`:
/// the [`label_key`]s of every candidate label of the file).
fn accept(
    label: &str,
    n: usize,
    header: bool,
    others: usize,
    letters: &[String],
    keys: &FxHashSet<String>,
) -> bool {
    // A label with a sentence end inside counts only when each of its parts is a label of
    // the file (see `sentence_parts`).
    if sentence_parts(label)
        .is_some_and(|parts| parts.iter().any(|p| !keys.contains(&label_key(p))))
    {
        return false;
    }
    let (main, inner) = label_parts(label);
    if let Some(known) = known_label(label) {
        let key = label_key(main).trim_end_matches('.').to_string();
        if known.is_some() && key.chars().count() == 1 && inner.is_none() {
            // One-letter labels only where the file uses both letters of the pair.
            return partner(&key).is_some_and(|p| letters.iter().any(|l| l == p));
        }
        return true;
    }
    if crate::segment::is_sound(main) {
        return false;
    }
    match name_words(main) {
        Some(words) if header => n >= 2 && words <= 3,
        Some(words) => n >= 2 || (words >= 2 && others >= 1),
        None => false,
    }
}

/// Finds speaker labels and turns in `text` (already canonical, front matter removed).
/// `markdown` makes `#` headings end the current turn instead of continuing it.
pub fn parse(text: &str, markdown: bool) -> Parsed {
    // Pass 1: which candidate labels are accepted.
    // Stacked labels (`Респондент: Интервьюер: ...`) count only when they also open lines.
    let mut counts: FxHashMap<&str, (usize, bool)> = FxHashMap::default();
    // Each line's candidate label, read once for both passes.
    let candidates: Vec<Option<LabelLine<'_>>> = text.split('\n').map(label_line).collect();
    for l in candidates.iter().flatten() {
        let e = counts.entry(l.label).or_default();
        e.0 += 1;
        e.1 |= l.sep == Sep::Header;
    }
    let letters: Vec<String> = counts
        .keys()
        .map(|l| label_key(l).trim_end_matches('.').to_string())
        .filter(|k| k.chars().count() == 1)
        .collect();
    let others = counts
        .iter()
        .filter(|(l, (n, _))| {
            known_label(l).is_some() || (*n >= 2 && name_words(label_parts(l).0).is_some())
        })
        .count();
    // Each distinct label is judged once, and gets its speaker index on first use.
    let keys: FxHashSet<String> = counts.keys().map(|l| label_key(l)).collect();
    let accepted: FxHashMap<&str, bool> = counts
        .iter()
        .map(|(&label, &(n, header))| (label, accept(label, n, header, others, &letters, &keys)))
        .collect();
    let is_accepted = |l: &LabelLine<'_>| accepted.get(l.label) == Some(&true);
    let mut table = SpeakerTable::default();
    let mut indices: FxHashMap<&str, usize> = FxHashMap::default();

    // Pass 2: turns.
    let mut out = Parsed::default();
    let mut current: Option<Turn> = None;
    // Cuts inside the current turn (committed when the turn ends within them).
    let mut pending_cuts: Vec<Span> = Vec::new();
    let mut stray: Vec<usize> = Vec::new();
    // Lines with text, and those that open a turn with a label (see `RARE_LABELS`).
    let (mut lines, mut label_lines) = (0usize, 0usize);
    let mut pos = 0usize;
    for ((no, line), candidate) in text.split('\n').enumerate().zip(candidates) {
        let line_start = pos;
        pos += line.len() + 1;
        let trimmed = line.trim();
        if markdown && trimmed.starts_with('#') {
            finish(&mut out, &mut current, &mut pending_cuts);
            continue;
        }
        lines += usize::from(!trimmed.is_empty());
        if let Some(mut l) = candidate.filter(is_accepted) {
            label_lines += 1;
            // Stacked labels: the last one is the speaker.
            let mut offset = 0;
            while l.sep != Sep::Header {
                let rest_at = offset + l.rest;
                let rest = &line[rest_at..];
                if !early_separator(rest, false) {
                    break;
                }
                match label_line(rest).filter(is_accepted) {
                    Some(next) => {
                        offset = rest_at;
                        let time = l.time;
                        l = next;
                        l.time = l.time.or(time);
                    }
                    None => break,
                }
            }
            finish(&mut out, &mut current, &mut pending_cuts);
            let speaker = *indices
                .entry(l.label)
                .or_insert_with(|| table.index(l.label));
            let start = line_start + offset + l.rest;
            let rest = line[offset + l.rest..].trim_end();
            let mut turn = Turn {
                speaker,
                span: Span::new(start, start + rest.len()),
                start_time: l.time,
                end_time: None,
            };
            if !rest.is_empty() {
                speech_cuts(text, turn.span, &mut turn, &mut pending_cuts);
            }
            current = Some(turn);
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let content = Span::new(line_start + lead, line_start + line.trim_end().len());
        match current.as_mut() {
            Some(t) if is_rule(trimmed) => {
                if !t.span.is_empty() {
                    pending_cuts.push(content);
                }
            }
            Some(t) => {
                if t.span.is_empty() {
                    // "Интервьюер:" alone on its line: the turn starts on the next line.
                    t.span.start = content.start;
                }
                t.span.end = content.end;
                speech_cuts(text, content, t, &mut pending_cuts);
            }
            None if is_rule(trimmed) => {}
            None => stray.push(no + 1),
        }
    }
    finish(&mut out, &mut current, &mut pending_cuts);
    out.speakers = table.speakers;

    if !out.turns.is_empty() && rare_labels(label_lines, lines) {
        // The speaker table holds each label that opened a line, in order of first use.
        let said = &out.speakers;
        let shown = said.len().min(5);
        out.warnings.push(format!(
            "only {label_lines} of {lines} lines begin with what reads as a speaker label \
             ({}{}): too few to be a transcript's labels (at least one line in {} has one), so \
             they are read as speech and the file as one without labels",
            said[..shown]
                .iter()
                .map(|s| format!("«{}:»", s.label))
                .collect::<Vec<_>>()
                .join(", "),
            if said.len() > shown { ", …" } else { "" },
            RARE_LABELS.1
        ));
        out.turns.clear();
    }
    if out.turns.is_empty() {
        out.speakers.clear();
        out.cuts.clear();
        unlabelled(text, &mut out);
        return out;
    }
    if !stray.is_empty() {
        out.warnings.push(format!(
            "{} outside any speaker's turn (before the first label or after a heading): {}; \
             they are not coded or quoted — add a label if they are speech",
            plural_lines(stray.len()),
            line_ranges(&stray)
        ));
    }
    drop_unused_speakers(&mut out);
    out
}

/// A file of at least `.0` lines with text, fewer than one in `.1` of them opening a turn with
/// a label, is not a labelled transcript: its "labels" are lines of prose that happen to
/// begin like one («Говорит: …», «Михевна: …» twice in 30,000 lines), and reading them as
/// labels would make turns of thousands of lines and leave every line before the first one
/// out. Interview transcripts have a label every few lines; a short file with a label or
/// two (a question, then a long written answer) stays as it is.
const RARE_LABELS: (usize, usize) = (1_000, 100);

fn rare_labels(label_lines: usize, lines: usize) -> bool {
    lines >= RARE_LABELS.0 && label_lines * RARE_LABELS.1 < lines
}

/// Ends the current turn: kept when it has text, with the cuts inside it.
fn finish(out: &mut Parsed, current: &mut Option<Turn>, pending: &mut Vec<Span>) {
    if let Some(t) = current.take()
        && !t.span.is_empty()
    {
        out.cuts
            .extend(pending.drain(..).filter(|c| t.span.contains(*c)));
        out.turns.push(t);
    }
    pending.clear();
}

/// A line of rule markup (`---`, `***`, `___`, `===`): not speech.
fn is_rule(trimmed: &str) -> bool {
    trimmed.len() >= 3
        && trimmed
            .bytes()
            .all(|b| matches!(b, b'-' | b'*' | b'_' | b'=' | b'~'))
}

/// Timecodes and emphasis markup inside `span` (one line of a turn): pushed as cuts; a
/// timecode at the start of the turn becomes its start time.
fn speech_cuts(text: &str, span: Span, turn: &mut Turn, cuts: &mut Vec<Span>) {
    let s = &text[span.range()];
    // A timecode has a colon, markup `*` or `_`: most lines have none.
    if memchr::memchr3(b':', b'*', b'_', s.as_bytes()).is_none() {
        return;
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'*' | b'_' if b.get(i + 1) == Some(&b[i]) => {
                let mut j = i + 2;
                while j < b.len() && b[j] == b[i] {
                    j += 1;
                }
                cuts.push(Span::new(span.start + i, span.start + j));
                i = j;
            }
            b'*' if i == 0 || i + 1 == b.len() => {
                cuts.push(Span::new(span.start + i, span.start + i + 1));
                i += 1;
            }
            b'[' | b'(' | b'0'..=b'9' => {
                let at_boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
                let mut p = Cursor { s, i };
                let bracketed = matches!(b[i], b'[' | b'(');
                match p.time_group().filter(|_| at_boundary) {
                    Some(time) => {
                        let end = p.i;
                        // A bare clock is speech ("в 12:30") unless it stands at a line
                        // start, after a sentence's end or at the line's end.
                        let before = s[..i].trim_end();
                        let free = bracketed
                            || before.is_empty()
                            || before.ends_with(['.', '!', '?', '…'])
                            || s[end..].trim().is_empty();
                        if free {
                            // Take the spaces after it too, so no double space is left.
                            let mut e = end;
                            while e < b.len() && matches!(b[e], b' ' | b'\t') {
                                e += 1;
                            }
                            if e == b.len() {
                                e = end;
                            }
                            let abs = Span::new(span.start + i, span.start + e);
                            if abs.start == turn.span.start {
                                turn.start_time = turn.start_time.or(time);
                            }
                            cuts.push(abs);
                            i = e;
                        } else {
                            i = end;
                        }
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
}

/// "1 line" / "3 lines".
fn plural_lines(n: usize) -> String {
    if n == 1 {
        "1 line".into()
    } else {
        format!("{n} lines")
    }
}

/// `1–3, 7, 10–12` for sorted 1-based line numbers; at most ten ranges, then `…`.
pub(crate) fn line_ranges(lines: &[usize]) -> String {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for &n in lines {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => ranges.push((n, n)),
        }
    }
    let mut parts: Vec<String> = ranges
        .iter()
        .take(10)
        .map(|&(a, b)| {
            if a == b {
                format!("{a}")
            } else {
                format!("{a}–{b}")
            }
        })
        .collect();
    if ranges.len() > 10 {
        parts.push("…".into());
    }
    let word = if lines.len() == 1 { "line" } else { "lines" };
    format!("{word} {}", parts.join(", "))
}

/// Paragraphs of an unlabelled text: blocks between blank lines, or lines when the text has
/// no blank lines.
fn paragraphs(text: &str) -> Vec<Span> {
    let mut blocks = Vec::new();
    let mut lines = Vec::new();
    let mut block: Option<Span> = None;
    let mut pos = 0;
    for line in text.split('\n') {
        let start = pos;
        pos += line.len() + 1;
        let t = line.trim();
        if t.is_empty() || is_rule(t) {
            blocks.extend(block.take());
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let span = Span::new(start + lead, start + line.trim_end().len());
        lines.push(span);
        match block.as_mut() {
            Some(b) => b.end = span.end,
            None => block = Some(span),
        }
    }
    blocks.extend(block);
    if blocks.len() * 2 < lines.len() && blocks.len() < 4 {
        lines
    } else {
        blocks
    }
}

/// Whether a paragraph or turn asks: it has a question mark, or opens with a request to tell
/// ("Расскажите", "Оцените", "Как вы оцениваете").
pub(crate) fn asks(text: &str) -> bool {
    if text.contains('?') {
        return true;
    }
    // The openers below start with one of these letters: most turns are done here.
    let lead = text
        .trim_start_matches(|c: char| !c.is_alphabetic())
        .chars()
        .next()
        .map(|c| c.to_lowercase().next().unwrap_or(c));
    let unpunctuated =
        memchr::memchr2(b'.', b'!', text.as_bytes()).is_none() && !text.contains('…');
    if !unpunctuated && !lead.is_some_and(|c| "ронпскву".contains(c)) {
        return false;
    }
    let first: String = text
        .trim_start_matches(|c: char| !c.is_alphabetic())
        .chars()
        .take(24)
        .flat_map(char::to_lowercase)
        .collect();
    const OPENERS: &[&str] = &[
        "расскажите",
        "расскажи",
        "оцените",
        "опишите",
        "назовите",
        "поделитесь",
        "скажите",
        "как вы оцениваете",
        "как бы вы оценили",
        "вспомните",
        "объясните",
        "уточните",
    ];
    if OPENERS.iter().any(|o| first.starts_with(o)) {
        return true;
    }
    // Unpunctuated speech (ASR) has no question marks: the interviewer's cues.
    if text.len() < 600 && unpunctuated {
        let lower = text.to_lowercase();
        const CUES: &[&str] = &[
            "расскажите",
            "скажите",
            "оцените",
            "как вы ",
            "как бы вы",
            "что вы ",
            "что бы вы",
            "почему вы",
            "какую оценку",
            "по десятибалльной",
            "по шкале",
            "как у вас",
            "какие у вас",
            "опишите",
            "можете рассказать",
        ];
        const STARTS: &[&str] = &[
            "а ",
            "давайте",
            "хорошо ",
            "теперь",
            "понятно ",
            "оценка",
            "ваша оценка",
            "и последнее",
            "последний вопрос",
            "следующий",
            "перейдём",
            "перейдем",
            "как ",
            "что ",
            "какие",
            "какой",
            "какая",
            "почему",
            "сколько",
            "есть ли",
            "были ли",
        ];
        let start = lower.trim_start();
        return CUES.iter().any(|c| lower.contains(c))
            || STARTS.iter().any(|c| start.starts_with(c));
    }
    false
}

/// A text with no label: two speakers when its paragraphs alternate question / answer,
/// else one respondent's turn. Both with a warning.
fn unlabelled(text: &str, out: &mut Parsed) {
    let paras = paragraphs(text);
    let mut asked = [0usize; 2];
    let mut total = [0usize; 2];
    for (i, p) in paras.iter().enumerate() {
        total[i % 2] += 1;
        asked[i % 2] += usize::from(asks(&text[p.range()]));
    }
    let share = |k: usize| asked[k] as f64 / total[k].max(1) as f64;
    let q = if share(0) >= share(1) { 0 } else { 1 };
    let alternating = paras.len() >= 6 && share(q) >= 0.35 && share(1 - q) <= 0.12;
    let mut table = SpeakerTable::default();
    if alternating {
        let questions = table.index(QUESTIONS_SPEAKER);
        let answers = table.index(ANSWERS_SPEAKER);
        for (i, p) in paras.iter().enumerate() {
            out.turns.push(Turn {
                speaker: if i % 2 == q { questions } else { answers },
                span: *p,
                start_time: None,
                end_time: None,
            });
        }
        out.warnings.push(format!(
            "no speaker labels found; the paragraphs alternate question / answer ({} of {} {} \
             paragraphs ask, {} of {} of the others), so they are read as two speakers by \
             alternation — check the turns, or add labels such as `Интервьюер:` / `Респондент:`",
            asked[q],
            total[q],
            if q == 0 { "odd" } else { "even" },
            asked[1 - q],
            total[1 - q]
        ));
    } else {
        let lead = text.len() - text.trim_start().len();
        let end = text.trim_end().len();
        if end > lead {
            let speaker = table.index(UNKNOWN_SPEAKER);
            out.turns.push(Turn {
                speaker,
                span: Span::new(lead, end),
                start_time: None,
                end_time: None,
            });
        }
        out.warnings.push(
            "no speaker labels found (such as `Интервьюер:` / `Респондент:`) and nothing else \
             tells speakers apart; the whole text is taken as one speaker's turn (role \
             respondent, no interviewer)"
                .into(),
        );
    }
    out.speakers = table.speakers;
}

/// Speakers that only had empty turns are dropped, indices remapped.
fn drop_unused_speakers(out: &mut Parsed) {
    let mut used = vec![false; out.speakers.len()];
    for t in &out.turns {
        used[t.speaker] = true;
    }
    if used.iter().all(|u| *u) {
        return;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A separator counts within the first 120 bytes of a line only; a fullwidth colon only
    /// when all its three bytes are there; a bracket only when asked for.
    #[test]
    fn separators_count_in_the_head_of_a_line_only() {
        let pad = |n: usize| "ж".repeat(n / 2) + &"x".repeat(n % 2);
        assert!(early_separator(&format!("{}:", pad(119)), false));
        assert!(!early_separator(&format!("{}:", pad(120)), false));
        assert!(early_separator(&format!("{}@ и дальше", pad(60)), false));
        assert!(early_separator(&format!("{}\u{ff1a}", pad(117)), false));
        assert!(!early_separator(&format!("{}\u{ff1a}", pad(118)), false));
        assert!(early_separator("[00:01] ", true) && early_separator("[Иван] ", true));
        assert!(!early_separator("[Иван] ", false));
        assert!(!early_separator(&pad(400), true));
    }

    /// (speaker, turn text with the cuts removed) per turn.
    fn turns(text: &str, md: bool) -> Vec<(String, String)> {
        let p = parse(text, md);
        p.turns
            .iter()
            .map(|t| {
                let mut s = String::new();
                let mut pos = t.span.start;
                for c in p.cuts.iter().filter(|c| t.span.contains(**c)) {
                    s.push_str(&text[pos..c.start]);
                    pos = c.end;
                }
                s.push_str(&text[pos..t.span.end]);
                (p.speakers[t.speaker].label.clone(), s)
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
            turns("**Интервьюер**: Да?\n__Р__: Нет.\n__И__: Ясно.\n", true),
            pairs(&[("Интервьюер", "Да?"), ("Р", "Нет."), ("И", "Ясно.")])
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
    fn one_letter_labels_need_their_pair() {
        // `В:` alone among name labels is speech, not «Вопрос».
        let text =
            "Даша: Мам, а ты помнишь?\nМама: Помню.\nВ: общем, да.\nДаша: Ну?\nМама: Ну вот.\n";
        let got = turns(text, false);
        assert_eq!(got.len(), 4);
        assert_eq!(got[1], ("Мама".into(), "Помню.\nВ: общем, да.".into()));
        let text = "В: Как сроки?\nО: Нормально.\nВ: А цены?\nО: Дорого.\n";
        assert_eq!(turns(text, false).len(), 4);
        assert_eq!(label_role("В"), Some(Role::Interviewer));
        assert_eq!(label_role("О"), Some(Role::Respondent));
    }

    #[test]
    fn timestamp_inside_the_bold() {
        let text = "**[00:00] Интервьюер:** Добрый день.\n\n**[00:04] Респондент:** Здравствуйте.\n\n**[01:28:36] Speaker 1:** Ага.\n";
        let p = parse(text, true);
        assert_eq!(
            turns(text, true),
            pairs(&[
                ("Интервьюер", "Добрый день."),
                ("Респондент", "Здравствуйте."),
                ("Speaker 1", "Ага.")
            ])
        );
        assert_eq!(p.turns[1].start_time, Some(4.0));
        assert_eq!(p.turns[2].start_time, Some(5316.0));
    }

    #[test]
    fn roles_and_names_in_brackets_are_part_of_the_label() {
        let text = "Модератор (Анастасия): Расскажите про поставки.\n[00:00:12] Анна Юрьевна (Эксперт): Ну, с поставками всё ровно.\n** [имя] (Интервьюер):** А цены?\nАнна Юрьевна (Эксперт): Дорого.\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("Модератор (Анастасия)", "Расскажите про поставки."),
                ("Анна Юрьевна (Эксперт)", "Ну, с поставками всё ровно."),
                ("[имя] (Интервьюер)", "А цены?"),
                ("Анна Юрьевна (Эксперт)", "Дорого."),
            ])
        );
        assert_eq!(label_role("Модератор (Анастасия)"), Some(Role::Interviewer));
        assert_eq!(label_role("Анна Юрьевна (Эксперт)"), Some(Role::Respondent));
        assert_eq!(label_role("[имя] (Интервьюер)"), Some(Role::Interviewer));
        assert_eq!(label_role("Анна Юрьевна (менеджер)"), None);
    }

    #[test]
    fn at_signs_and_abbreviated_roles() {
        let text = "Даша@ Мам, расскажи, как вы познакомились?\nМама@ Ой, это долгая история.\nМама@\nНа танцах.\nДаша@ Правда? Пиши мне на dasha@mail.ru\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("Даша", "Мам, расскажи, как вы познакомились?"),
                ("Мама", "Ой, это долгая история."),
                ("Мама", "На танцах."),
                ("Даша", "Правда? Пиши мне на dasha@mail.ru"),
            ])
        );
        let text = "ИНТ: Как оплата?\nРЕСП: Платим.\nИнт.: Вовремя?\nРесп.: Почти.\n";
        let got = turns(text, false);
        assert_eq!(got.len(), 4);
        assert_eq!(label_role("Инт."), Some(Role::Interviewer));
        assert_eq!(label_role("РЕСП"), Some(Role::Respondent));
    }

    #[test]
    fn a_label_alone_on_its_line_with_a_timestamp() {
        let text = "Спикер 1 [00:00:05]\nДобрый день. Расскажите о себе.\n\nСпикер 2 [00:00:09]\nЯ главный механик.\nРаботаю давно.\n";
        let p = parse(text, false);
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("Спикер 1", "Добрый день. Расскажите о себе."),
                ("Спикер 2", "Я главный механик.\nРаботаю давно.")
            ])
        );
        assert_eq!(p.turns[1].start_time, Some(9.0));
        let text = "[00:01:53.660 - 00:02:11.960] Speaker 2\nНу, цены высокие.\n[00:02:12.000 - 00:02:15.100] Speaker 1\nПочему?\n";
        assert_eq!(
            turns(text, false),
            pairs(&[("Speaker 2", "Ну, цены высокие."), ("Speaker 1", "Почему?")])
        );
        assert_eq!(parse(text, false).turns[0].start_time, Some(113.66));
        let text =
            "SPEAKER_00 (00:00:01):\nКак с оплатой?\nSPEAKER_01 (00:00:03):\nПлатим вовремя.\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("SPEAKER_00", "Как с оплатой?"),
                ("SPEAKER_01", "Платим вовремя.")
            ])
        );
        // Otter: two spaces and a clock without brackets.
        let text = "Speaker 1  00:03\nКак вам сервис?\n\nSpeaker 2  00:07\nНормально.\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("Speaker 1", "Как вам сервис?"),
                ("Speaker 2", "Нормально.")
            ])
        );
        assert_eq!(parse(text, false).turns[1].start_time, Some(7.0));
        let text =
            "speaker_0\nДобрый день, как сроки?\n\nspeaker_1\nНормально.\n\nИнтервьюер\nА цены?\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("speaker_0", "Добрый день, как сроки?"),
                ("speaker_1", "Нормально."),
                ("Интервьюер", "А цены?")
            ])
        );
        let text = "[speaker_0]\nДобрый день.\n[speaker_1]\nЗдравствуйте.\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("[speaker_0]", "Добрый день."),
                ("[speaker_1]", "Здравствуйте.")
            ])
        );
    }

    #[test]
    fn inline_timecodes_and_markup_are_cut_from_speech() {
        let text = "Интервьюер: (00:01:13) Как сроки?\nРеспондент: Ну, нормально. [00:05:16] Иногда **сильно** опаздывают. 00:05 Но в 12:30 всегда звонят.\n";
        let p = parse(text, false);
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("Интервьюер", "Как сроки?"),
                (
                    "Респондент",
                    "Ну, нормально. Иногда сильно опаздывают. Но в 12:30 всегда звонят."
                ),
            ])
        );
        assert_eq!(p.turns[0].start_time, Some(73.0));
    }

    #[test]
    fn stacked_labels_take_the_last() {
        let text =
            "Респондент: Интервьюер: Какую оценку поставите?\nИнтервьюер: Респондент: Восемь.\n";
        assert_eq!(
            turns(text, false),
            pairs(&[
                ("Интервьюер", "Какую оценку поставите?"),
                ("Респондент", "Восемь.")
            ])
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

    /// A line that starts with a sentence and then a word and a colon («Короче. Итог: …») is
    /// the speaker's own; names with initials and abbreviations stay labels.
    #[test]
    fn a_sentence_before_a_colon_is_not_a_name() {
        let text = "Интервьюер: Как сроки?\nРеспондент: Тут сложнее.\nКороче. Итог: документы идут долго.\nПонятно. Следующее: склад.\nНет. Вопрос: кто платит?\nИнтервьюер: Спасибо.\n";
        let got = turns(text, false);
        assert_eq!(
            got,
            pairs(&[
                ("Интервьюер", "Как сроки?"),
                (
                    "Респондент",
                    "Тут сложнее.\nКороче. Итог: документы идут долго.\nПонятно. Следующее: склад.\nНет. Вопрос: кто платит?"
                ),
                ("Интервьюер", "Спасибо.")
            ])
        );
        for name in [
            "Петров А.",
            "А. Петров",
            "Д.С. Лихачёв",
            "Проф. Иванов",
            "Ген. Директор",
        ] {
            assert_eq!(sentence_parts(name), None, "{name}");
        }
        assert_eq!(
            sentence_parts("Студзинский. Лариосик. Мышлаевский"),
            Some(vec!["Студзинский", "Лариосик", "Мышлаевский"])
        );
        assert_eq!(
            sentence_parts("Иван Петрович. Мария."),
            Some(vec!["Иван Петрович", "Мария"])
        );
    }

    /// A play's label of several speakers at once («Елена. Николка:»), each of whom has lines
    /// of their own, stays a label.
    #[test]
    fn speakers_in_unison_stay_a_label() {
        let text = "Елена: Где он?\nНиколка: Не знаю.\nЕлена. Николка: Ну вот!\nЕлена: Тише.\nНиколка: Молчу.\n";
        let got = turns(text, false);
        assert_eq!(
            got,
            pairs(&[
                ("Елена", "Где он?"),
                ("Николка", "Не знаю."),
                ("Елена. Николка", "Ну вот!"),
                ("Елена", "Тише."),
                ("Николка", "Молчу.")
            ])
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
    fn markdown_headings_are_not_turn_text_and_stray_lines_are_named() {
        let text =
            "# Интервью\n\n**И:** Начнём.\n\n## Блок 1\n\nвводная строка\n\n**Р:** Давайте.\n";
        assert_eq!(
            turns(text, true),
            pairs(&[("И", "Начнём."), ("Р", "Давайте.")])
        );
        let p = parse(text, true);
        assert!(
            p.warnings[0].starts_with("1 line outside any speaker's turn"),
            "{:?}",
            p.warnings
        );
        assert!(p.warnings[0].contains("line 7"), "{:?}", p.warnings);
        // Two opening lines before the first label are named too.
        let p = parse(
            "Интервью с клиентом\nМосква, 2026\nИ: Начнём?\nР: Да.\n",
            false,
        );
        assert!(p.warnings[0].contains("lines 1–2"), "{:?}", p.warnings);
    }

    /// `n` lines of a long written account (no labels, no blank lines), with `labels` put
    /// in at the given 0-based lines.
    fn account(n: usize, labels: &[(usize, &str)]) -> String {
        const LINES: [&str; 6] = [
            "Ну вот, значит, приехали мы на склад, а там опять никого.",
            "Кладовщик говорит, что машина будет только к вечеру, ждите.",
            "Мы, конечно, подождали, чё делать, документы-то не подписаны.",
            "Потом уже ближе к ночи всё разгрузили, но акт так и не дали.",
            "Я считаю, это не дело, сроки у нас горят, клиент ругается.",
            "В общем, поставил бы им тройку за эту историю, не больше.",
        ];
        let mut out = String::new();
        for i in 0..n {
            match labels.iter().find(|(at, _)| *at == i) {
                Some((_, line)) => out.push_str(line),
                None => out.push_str(LINES[i % LINES.len()]),
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn a_name_and_colon_twice_in_a_long_text_is_not_a_label() {
        let text = account(
            1_200,
            &[
                (500, "Михевна: а я ему и говорю, где накладная?"),
                (900, "Михевна: ну так и не нашли её, конечно."),
            ],
        );
        let p = parse(&text, false);
        // Nothing is left out: the first line is speech, and so is the name.
        assert!(
            p.speakers.iter().all(|s| s.label != "Михевна"),
            "{:?}",
            p.speakers
        );
        let covered: usize = p.turns.iter().map(|t| t.span.len()).sum();
        assert_eq!(covered, text.trim_end().len());
        assert!(
            p.warnings[0].starts_with(
                "only 2 of 1200 lines begin with what reads as a speaker label («Михевна:»)"
            ),
            "{:?}",
            p.warnings
        );
        assert!(
            p.warnings
                .iter()
                .all(|w| !w.contains("outside any speaker's turn"))
        );
    }

    #[test]
    fn labels_every_few_dozen_lines_of_a_long_file_stay_labels() {
        // One label line in 50: a transcript whose answers run to paragraphs.
        let labels: Vec<(usize, String)> = (0..24)
            .map(|k| {
                let who = if k % 2 == 0 {
                    "Интервьюер"
                } else {
                    "Респондент"
                };
                (k * 50, format!("{who}: Так, а что со сроками?"))
            })
            .collect();
        let labels: Vec<(usize, &str)> = labels.iter().map(|(i, l)| (*i, l.as_str())).collect();
        let p = parse(&account(1_200, &labels), false);
        assert_eq!(p.turns.len(), 24);
        let names: Vec<&str> = p.speakers.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(names, ["Интервьюер", "Респондент"]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn rare_labels_threshold_and_short_files() {
        // One label line in 100 is enough; fewer is not; under 1,000 lines nothing changes.
        assert!(!rare_labels(10, 1_000));
        assert!(rare_labels(9, 1_000));
        assert!(!rare_labels(1, 999));
        let q = (0, "Интервьюер: Расскажите, как у вас с поставщиком.");
        let a = (1, "Респондент:");
        // A question and a long written answer: 999 lines, two labels, both kept.
        let p = parse(&account(999, &[q, a]), false);
        let names: Vec<&str> = p.speakers.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(names, ["Интервьюер", "Респондент"]);
        assert_eq!(p.turns.len(), 2);
        // The same at 1,000 lines is read as a text without labels.
        let p = parse(&account(1_000, &[q, a]), false);
        assert!(
            p.warnings[0].starts_with("only 2 of 1000 lines"),
            "{:?}",
            p.warnings
        );
        assert!(p.speakers.iter().all(|s| s.label != "Интервьюер"));
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
    fn unlabelled_paragraphs_that_alternate_are_two_speakers() {
        let text = "Как давно вы работаете с поставщиком?\n\nЛет пять, наверное. С девятнадцатого года.\n\nА как оцените сроки поставки?\n\nНу, нормально, на восьмёрку.\n\nРасскажите про сервис.\n\nСервис хороший, Саныч приезжает быстро.\n\nЧто бы вы улучшили?\n\nДокументы. Вечно акты теряются.\n";
        let p = parse(text, false);
        assert_eq!(p.turns.len(), 8);
        assert_eq!(p.speakers[p.turns[0].speaker].label, QUESTIONS_SPEAKER);
        assert_eq!(p.speakers[p.turns[1].speaker].label, ANSWERS_SPEAKER);
        assert_eq!(&text[p.turns[4].span.range()], "Расскажите про сервис.");
        assert!(
            p.warnings[0].contains("alternate question / answer"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn many_distinct_labels_are_linear() {
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!("Спикер {i}: Реплика номер {i}.\n"));
        }
        let started = std::time::Instant::now();
        let p = parse(&text, false);
        assert_eq!(p.speakers.len(), 20_000);
        assert_eq!(p.turns.len(), 20_000);
        // Quadratic label lookup took tens of seconds here; linear is well under one.
        assert!(started.elapsed().as_secs_f64() < 5.0);
    }

    #[test]
    fn known_labels_imply_roles() {
        assert_eq!(label_role("Интервьюер"), Some(Role::Interviewer));
        assert_eq!(label_role("Модератор"), Some(Role::Interviewer));
        assert_eq!(label_role("Р"), Some(Role::Respondent));
        assert_eq!(label_role("Респондент 2"), Some(Role::Respondent));
        assert_eq!(label_role("Спикер 1"), None);
        assert!(known_label("Спикер 1").is_some());
        assert!(known_label("SPEAKER_00").is_some());
        assert!(known_label("Анна").is_none());
    }

    mod prop {
        use proptest::prelude::*;

        use crate::ingest::{IngestConfig, ingest_bytes};
        use crate::model::{Format, Role};

        /// A label line in one of the styles real files use.
        fn label_line(style: u8, who: &str, secs: u32, speech: &str) -> String {
            let ts = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
            let short = format!("{:02}:{:02}", secs / 60 % 60, secs % 60);
            match style % 9 {
                0 => format!("{who}: {speech}"),
                1 => format!("[{ts}] {who}: {speech}"),
                2 => format!("**[{short}] {who}:** {speech}"),
                3 => format!("**{who}:** {speech}"),
                4 => format!("{who} [{ts}]\n{speech}"),
                5 => format!("{who} ({ts}):\n{speech}"),
                6 => format!("{ts} - {who}: {speech}"),
                7 => format!("{who}: [{ts}] {speech}"),
                _ => format!("{who}:\n({ts}) {speech}"),
            }
        }

        const WORDS: &[&str] = &[
            "ну",
            "поставки",
            "сроки",
            "восемь",
            "дорого",
            "склад",
            "Саныч",
            "приезжает",
            "ночью",
            "документы",
            "э-э",
            "короче",
            "рекламация",
            "цены",
            "нормально",
            "вот",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]

            /// Labels, timestamps and markup never reach a respondent turn's text, and every
            /// labelled turn is a turn.
            #[test]
            fn labels_and_timestamps_stay_out_of_speech(
                style in 0u8..9,
                pair in 0usize..4,
                turns in prop::collection::vec((prop::collection::vec(0usize..16, 1..12), 0u32..20_000, any::<bool>()), 2..12),
            ) {
                let (q, a) = [("Интервьюер", "Респондент"), ("Спикер 1", "Спикер 2"), ("SPEAKER_00", "SPEAKER_01"), ("Модератор (Анна)", "Ирина Львовна (Эксперт)")][pair];
                let mut text = String::new();
                for (i, (words, secs, inline)) in turns.iter().enumerate() {
                    let mut speech: Vec<String> = words.iter().map(|w| WORDS[*w].to_string()).collect();
                    if *inline && speech.len() > 2 {
                        speech.insert(speech.len() / 2, format!("[{:02}:{:02}:{:02}]", secs / 3600, secs / 60 % 60, secs % 60));
                    }
                    let speech = if i % 2 == 0 { format!("{}?", speech.join(" ")) } else { format!("{}.", speech.join(" ")) };
                    text.push_str(&label_line(style, if i % 2 == 0 { q } else { a }, *secs, &speech));
                    text.push_str("\n\n");
                }
                let t = ingest_bytes("x.md", Format::Md, text.as_bytes(), &IngestConfig::default()).unwrap();
                prop_assert_eq!(t.turns.len(), turns.len(), "{}", text);
                for turn in &t.turns {
                    let speech = t.slice(turn.span);
                    if t.speakers[turn.speaker].role != Role::Respondent && pair != 1 && pair != 2 {
                        continue;
                    }
                    for bad in ["**", "[0", "(0", q, a, "Модератор", "Эксперт"] {
                        prop_assert!(!speech.contains(bad), "{:?} in {:?}\n{}", bad, speech, text);
                    }
                    prop_assert!(!speech.chars().any(|c| c == ':'), "a colon in {:?}\n{}", speech, text);
                }
            }
        }
    }
}
