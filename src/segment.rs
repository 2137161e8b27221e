//! Sentences inside turns, for Russian speech, and non-speech marks.
//!
//! A sentence ends at a line break, or at `.`, `!`, `?`, `…` (and runs such as `?!`, `...`),
//! with closing quotes or brackets, followed by a space and a word that does not begin in
//! lowercase. A period does not end a sentence after an abbreviation (`т.е.`, `т.к.`, `г.`,
//! `руб.`, `тыс.`, `млн.`, `см.`, `напр.`; `т.д.`, `т.п.`, `др.` only when a capitalized word
//! follows), after an initial (`А. С. Петров`), or inside a number (`8.5`). Sentences longer
//! than [`MAX_WORDS`] words, common in run-on speech, are cut at the most natural place:
//! before a discourse marker after a comma ("…, а потом", "…, ну вот"), else at a comma,
//! else at a space.
//!
//! Non-speech marks of the transcriber (`[смеется]`, `(пауза)`, `(неразборчиво)`) are kept in
//! the text and reported per sentence, so quotes can leave them out.

use crate::model::{Sentence, Span, Turn};
use crate::text::is_letter;

const SPACE: u8 = 1;
const NEWLINE: u8 = 2;
const TERMINATOR: u8 = 3;

/// Bytes of class [`SPACE`]: ASCII space and tab, and the bytes 0xA0 and 0xAF that end the
/// no-break spaces U+00A0 and U+202F — they also end some Cyrillic letters, which only makes
/// the space count an upper bound.
const SPACE_BYTES: [u8; 4] = [b' ', b'\t', 0xA0, 0xAF];

/// Bytes of class [`TERMINATOR`]: '.', '!', '?', and 0xE2 which starts '…'.
const TERMINATOR_BYTES: [u8; 4] = [b'.', b'!', b'?', 0xE2];

/// Byte classes for the sentence scan: [`SPACE_BYTES`], the line break, [`TERMINATOR_BYTES`].
const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut k = 0;
    while k < SPACE_BYTES.len() {
        t[SPACE_BYTES[k] as usize] = SPACE;
        k += 1;
    }
    let mut k = 0;
    while k < TERMINATOR_BYTES.len() {
        t[TERMINATOR_BYTES[k] as usize] = TERMINATOR;
        k += 1;
    }
    t[b'\n' as usize] = NEWLINE;
    t
};

/// Sentences longer than this many words are cut.
pub const MAX_WORDS: usize = 45;

/// Speech without any punctuation (ASR output) is cut into sentences of at most this many
/// words...
pub const UNPUNCTUATED_MAX: usize = 20;

/// ...preferably about this long, before a discourse marker.
const UNPUNCTUATED_TARGET: usize = 12;

/// Preferred length of the pieces a long sentence is cut into, in words.
const TARGET_WORDS: usize = 25;

/// Abbreviations after which a period never ends a sentence (lowercased, without the final dot).
const ABBREVIATIONS: &[&str] = &[
    "т.е", "т.к", "т.н", "т.ч", "г", "гг", "руб", "тыс", "млн", "млрд", "см", "напр", "ок", "им",
    "ул", "д", "стр", "рис", "коп", "мин", "макс", "проц", "шт", "кв", "ср", "мл", "ст", "пр",
    "зам", "нач", "ген", "тел", "e.g", "i.e", "vs",
];

/// Abbreviations that often end a sentence: a period after them ends it when a capitalized
/// word follows.
const END_ABBREVIATIONS: &[&str] = &["т.д", "т.п", "др", "пр", "etc"];

/// Words before which a long run-on sentence is best cut (after a comma or dash).
const MARKERS: &[&str] = &[
    "а",
    "но",
    "и",
    "вот",
    "ну",
    "короче",
    "потому",
    "поэтому",
    "так",
    "просто",
    "значит",
    "кстати",
    "слушайте",
    "хотя",
    "однако",
    "причем",
    "причём",
    "то",
    "тогда",
    "потом",
    "то есть",
    "в общем",
    "вообще",
];

/// Words that make a parenthesized aside a non-speech mark (compared by prefix, ё → е).
/// Words that open a new thought in unpunctuated speech, where a long stretch may be cut
/// before them even without a comma.
const UNPUNCTUATED_MARKERS: &[&str] = &[
    "ну",
    "вот",
    "значит",
    "короче",
    "кстати",
    "слушайте",
    "поэтому",
    "однако",
    "потом",
    "вообще",
    "допустим",
    "например",
    "во-первых",
    "во-вторых",
    "в-третьих",
];

/// Words that open a clause: in unpunctuated speech, a cut before one of them is better
/// than one inside a phrase.
const CONJUNCTIONS: &[&str] = &[
    "а",
    "и",
    "но",
    "потому",
    "когда",
    "если",
    "что",
    "чтобы",
    "который",
    "которая",
    "которые",
    "которое",
    "где",
    "тогда",
    "или",
    "зато",
    "хотя",
    "так",
    "пока",
    "после",
];

/// How many of `sentences` end where no punctuation or line break does: boundaries inferred
/// in run-on or unpunctuated speech.
pub fn inferred_boundaries(text: &str, sentences: &[Sentence]) -> usize {
    sentences
        .iter()
        .filter(|s| {
            let sentence = &text[s.span.range()];
            let after = text[s.span.end..].trim_start_matches([' ', '\t']);
            !sentence.ends_with(['.', '!', '?', '…', '»', '"', ')', ':', ';'])
                && !after.is_empty()
                && !after.starts_with('\n')
                && after.chars().next().is_some_and(char::is_alphanumeric)
        })
        .count()
}

const NON_SPEECH: &[&str] = &[
    "музык",
    "аплодисмент",
    "песня",
    "поет",
    "поёт",
    "music",
    "applause",
    "смеет",
    "смеют",
    "смех",
    "улыба",
    "усмеха",
    "пауза",
    "молчит",
    "молчание",
    "неразборчиво",
    "нрзб",
    "неразб",
    "вздыха",
    "вздох",
    "кашля",
    "кашель",
    "шум",
    "перебива",
    "говорят одновременно",
    "одновременно",
    "звонит",
    "звонок",
    "стучит",
    "вышел",
    "вышла",
    "запись",
    "помехи",
    "inaudible",
    "laughs",
    "pause",
    "crosstalk",
];

/// Splits every turn of `text` into sentences.
pub fn sentences(text: &str, turns: &[Turn]) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (i, turn) in turns.iter().enumerate() {
        let marks = non_speech_marks(text, turn.span);
        for span in split_turn(text, turn.span) {
            let inside: Vec<Span> = marks
                .iter()
                .copied()
                .filter(|m| span.contains(*m))
                .collect();
            let non_speech = is_non_speech(text, span, &inside);
            out.push(Sentence {
                turn: i,
                span,
                marks: inside,
                non_speech,
            });
        }
    }
    out
}

fn is_non_speech(text: &str, span: Span, marks: &[Span]) -> bool {
    let mut pos = span.start;
    for m in marks {
        if text[pos..m.start].chars().any(is_letter) {
            return false;
        }
        pos = m.end;
    }
    !text[pos..span.end].chars().any(is_letter)
}

/// Non-speech marks inside `span`: every `[…]` on one line, and `(…)` whose words name a
/// sound or an event (see `NON_SPEECH`).
pub fn non_speech_marks(text: &str, span: Span) -> Vec<Span> {
    let s = &text[span.range()];
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr::memchr2(b'[', b'(', &s.as_bytes()[i..]) {
        let open = i + off;
        let close_ch = if s.as_bytes()[open] == b'[' { ']' } else { ')' };
        let Some(len) = s[open + 1..].find([close_ch, '\n', '[', '(']) else {
            break;
        };
        let close = open + 1 + len;
        if s[close..].starts_with(close_ch) && len <= 120 {
            let inner = &s[open + 1..close];
            if close_ch == ']' || is_sound(inner) {
                out.push(Span::new(span.start + open, span.start + close + 1));
                i = close + 1;
                continue;
            }
        }
        i = open + 1;
    }
    out
}

pub(crate) fn is_sound(inner: &str) -> bool {
    let norm = inner.trim().to_lowercase().replace('ё', "е");
    norm.split_whitespace().count() <= 4 && NON_SPEECH.iter().any(|w| norm.starts_with(w))
}

/// Sentence spans of one turn.
fn split_turn(text: &str, turn: Span) -> Vec<Span> {
    let s = &text[turn.range()];
    let raw = raw_pieces(s);
    let mut out = Vec::new();
    for (a, b, spaces) in raw {
        let piece = &s[a..b];
        let lead = piece.len() - piece.trim_start().len();
        let trail = piece.trim_end().len();
        if trail <= lead {
            continue;
        }
        let (a, b) = (a + lead, a + trail);
        let piece = &s[a..b];
        let bare =
            spaces >= UNPUNCTUATED_MAX && !piece.contains([',', '.', '!', '?', ';', ':', '—', '…']);
        if bare {
            cut_long(
                piece,
                turn.start + a,
                UNPUNCTUATED_MAX,
                UNPUNCTUATED_TARGET,
                &mut out,
            );
        } else if spaces < MAX_WORDS {
            out.push(Span::new(turn.start + a, turn.start + b));
        } else {
            cut_long(piece, turn.start + a, MAX_WORDS, TARGET_WORDS, &mut out);
        }
    }
    out
}

/// The pieces of a turn between line breaks and sentence ends, before trimming and cutting:
/// `(start, end, spaces)`, where `spaces` is the number of bytes of class [`SPACE`] in
/// `s[start..end]` (bounding the word count for `cut_long`).
fn raw_pieces(s: &str) -> Vec<(usize, usize, usize)> {
    let mut raw = Vec::new();
    let mut start = 0usize;
    let mut spaces = 0usize;
    let bytes = s.as_bytes();
    let mut i = 0usize;
    // The 8 bytes before `plain_from` failed the test: they are read one by one.
    let mut plain_from = 0usize;
    while i < s.len() {
        // Most runs of 8 bytes hold no line break or terminator: skipped at once, their
        // spaces counted.
        if i >= plain_from {
            while let Some(chunk) = bytes.get(i..i + 8) {
                let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
                if stops(x) != 0 {
                    plain_from = i + 8;
                    break;
                }
                spaces += spaces_in(x);
                i += 8;
            }
            if i >= s.len() {
                break;
            }
        }
        // Most bytes are none of: a space, a line break, a terminator ('.', '!', '?', or
        // '…' = E2 80 A6); one table lookup skips them.
        let b = bytes[i];
        match BYTE_CLASS[b as usize] {
            0 => {
                i += 1;
                continue;
            }
            SPACE => {
                spaces += 1;
                i += 1;
                continue;
            }
            NEWLINE => {
                raw.push((start, i, spaces));
                start = i + 1;
                spaces = 0;
                i += 1;
                continue;
            }
            _ => {}
        }
        if b == 0xE2 && !bytes[i..].starts_with("…".as_bytes()) {
            i += 1;
            continue;
        }
        // The whole run of terminators and closing marks.
        let mut j = i;
        while let Some(n) = s[j..].chars().next() {
            if matches!(
                n,
                '.' | '!' | '?' | '…' | '»' | '"' | '”' | '\'' | ')' | ']'
            ) {
                j += n.len_utf8();
            } else {
                break;
            }
        }
        let followed_by_space = j >= s.len() || bytes[j].is_ascii_whitespace();
        if (followed_by_space && ends_sentence(s, i, j)) || (!followed_by_space && glued(s, i, j)) {
            raw.push((start, j, spaces));
            start = j;
            spaces = 0;
        }
        i = j;
    }
    raw.push((start, s.len(), spaces));
    raw
}

/// Bit 7 of each byte of `x` that equals `b`, the other bits clear (exact for every byte,
/// no borrow between bytes).
#[inline]
fn bytes_equal(x: u64, b: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let y = x ^ (u64::from(b) * 0x0101_0101_0101_0101);
    !(((y & LOW7) + LOW7) | y | LOW7)
}

/// Non-zero when the 8 bytes of `x` hold a line break or a terminator byte
/// ([`TERMINATOR_BYTES`]).
#[inline]
fn stops(x: u64) -> u64 {
    TERMINATOR_BYTES
        .iter()
        .fold(bytes_equal(x, b'\n'), |m, &b| m | bytes_equal(x, b))
}

/// How many of the 8 bytes of `x` are of class [`SPACE`] ([`SPACE_BYTES`]).
#[inline]
fn spaces_in(x: u64) -> usize {
    let ones = SPACE_BYTES.iter().fold(0, |m, &b| m | bytes_equal(x, b)) >> 7;
    // The sum of the eight bytes (each 0 or 1) in the top byte: no `popcnt`, which the
    // baseline x86-64 target lacks.
    (ones.wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

/// Whether the terminator run `s[i..j]` (followed by whitespace or the end) ends a sentence.
fn ends_sentence(s: &str, i: usize, j: usize) -> bool {
    let rest = s[j..].trim_start_matches([' ', '\t', '\u{a0}']);
    let next = rest.chars().next();
    let Some(next) = next else {
        return true;
    };
    if next == '\n' {
        return true;
    }
    // "Да... ну, как сказать" and "т.е. мы": a lowercase continuation is the same sentence.
    if matches!(next, 'а'..='я' | 'ё' | 'a'..='z') || (!next.is_ascii() && next.is_lowercase()) {
        return false;
    }
    let run = &s[i..j];
    if run != "." {
        return true;
    }
    let word = last_word(&s[..i]);
    let mut buf = [0u8; SHORT_WORD];
    let lower = lower_short(word, &mut buf).unwrap_or("");
    if END_ABBREVIATIONS.contains(&lower) {
        return next.is_uppercase();
    }
    if ABBREVIATIONS.contains(&lower) {
        return false;
    }
    // An initial: one capital letter ("А. С. Петров"), possibly after another ("И.И.").
    let mut letters = word.split('.').filter(|p| !p.is_empty());
    let initial = letters.all(|p| {
        let mut cs = p.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if c.is_uppercase())
    });
    if initial && !word.is_empty() && next.is_uppercase() {
        return false;
    }
    true
}

/// The word (letters and inner dots) right before byte `end`.
/// Two sentences glued without a space (`технологиях.Кампания`, `хорошие...Поправки`): the
/// terminator run `s[i..j]` follows a word of lowercase letters (at least two; not an
/// initial, an abbreviation with dots or a brand such as `Яндекс.Маркет`) and precedes a
/// capitalized Cyrillic word.
fn glued(s: &str, i: usize, j: usize) -> bool {
    let mut next = s[j..].chars();
    let (Some(a), Some(b)) = (next.next(), next.next()) else {
        return false;
    };
    if !(matches!(a, 'А'..='Я' | 'Ё') && (matches!(b, 'а'..='я' | 'ё'))) {
        return false;
    }
    let word = last_word(&s[..i]);
    if word.contains('.') || word.chars().count() < 2 {
        return false;
    }
    let single_dot = &s[i..j] == ".";
    let starts_lower = word.chars().next().is_some_and(char::is_lowercase);
    word.chars().skip(1).all(|c| !c.is_uppercase()) && (starts_lower || !single_dot)
}

fn last_word(s: &str) -> &str {
    let start = s
        .char_indices()
        .rev()
        .find(|(_, c)| !(is_letter(*c) || *c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &s[start..]
}

/// Cuts a long sentence into pieces of about [`TARGET_WORDS`] words, pushing their spans
/// (`s` starts at byte `base` of the text) to `out`.
fn cut_long(s: &str, base: usize, max: usize, target: usize, out: &mut Vec<Span>) {
    let words: Vec<(usize, usize)> = word_spans(s);
    if words.len() <= max {
        out.push(Span::new(base, base + s.len()));
        return;
    }
    let mut first = 0usize; // index of the first word of the current piece
    let mut piece_start = 0usize; // byte
    while words.len() - first > max {
        let lo = first + target / 2;
        let hi = (first + max).min(words.len() - 1);
        let best = (lo..=hi)
            .filter_map(|k| cut_quality(s, &words, k).map(|q| (q, k)))
            .max_by_key(|&(q, k)| (q, usize::MAX - k.abs_diff(first + target)))
            .map_or((first + target + target / 2).min(hi), |(_, k)| k);
        let cut = words[best].0;
        let end = s[..cut].trim_end().len();
        out.push(Span::new(base + piece_start, base + end));
        piece_start = cut;
        first = best;
    }
    out.push(Span::new(base + piece_start, base + s.len()));
}

/// Room for the lowercase of a word that may be in one of the lists above (all are far
/// shorter); a longer word is in none of them.
const SHORT_WORD: usize = 48;

/// `word` lowercased into `buf` without allocating (this runs for every word where a long
/// sentence may be cut, and at every full stop); `None` when it does not fit, and then it is
/// in no list.
fn lower_short<'b>(word: &str, buf: &'b mut [u8; SHORT_WORD]) -> Option<&'b str> {
    let mut len = 0;
    // Russian and ASCII capitals directly (`char::to_lowercase` searches a table for every
    // letter outside ASCII), anything else as Unicode says.
    let lower = word.chars().flat_map(|c| {
        let fast = match c {
            'А'..='Я' => char::from_u32(c as u32 + 0x20),
            'Ё' => Some('ё'),
            'а'..='я' | 'ё' => Some(c),
            c if c.is_ascii() => Some(c.to_ascii_lowercase()),
            _ => None,
        };
        fast.into_iter().chain(
            fast.is_none()
                .then(|| c.to_lowercase())
                .into_iter()
                .flatten(),
        )
    });
    for c in lower {
        let n = c.len_utf8();
        if len + n > SHORT_WORD {
            return None;
        }
        c.encode_utf8(&mut buf[len..]);
        len += n;
    }
    std::str::from_utf8(&buf[..len]).ok()
}

/// How good a cut before word `k` is: 3 = punctuation then a discourse marker, 2 = after a
/// semicolon or dash, 1 = after a comma, `None` = between two words.
fn cut_quality(s: &str, words: &[(usize, usize)], k: usize) -> Option<u8> {
    let gap = s[words[k - 1].1..words[k].0].trim();
    let mut buf = [0u8; SHORT_WORD];
    let next = lower_short(&s[words[k].0..words[k].1], &mut buf).unwrap_or("");
    let marker = MARKERS.contains(&next);
    if gap.is_empty() {
        // Unpunctuated speech (ASR): a discourse marker opens the next thought.
        return if UNPUNCTUATED_MARKERS.contains(&next) {
            Some(1)
        } else if CONJUNCTIONS.contains(&next) {
            Some(0)
        } else {
            None
        };
    }
    if gap.contains([',', ';', ':', '—', '–', '-']) && marker {
        return Some(3);
    }
    if gap.contains([';', '—', '–']) {
        return Some(2);
    }
    if gap.contains(',') {
        return Some(1);
    }
    None
}

/// Byte ranges of the words (alphanumeric runs, hyphens inside kept) in `s`.
fn word_spans(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let inner = is_letter(c) || ((c == '-' || c == '\u{301}') && start.is_some());
        match (inner, start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                out.push((st, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The 8-byte skip counts spaces as the byte-by-byte scan does, and the pieces
        /// cover the turn in order, a line break between two of them or none.
        #[test]
        fn raw_pieces_tile_the_turn_and_count_its_spaces(
            s in "[ \t\u{a0}\u{202f}аяАЯРп.!?…»—\n-]{0,300}"
        ) {
            let mut at = 0;
            for (a, b, spaces) in raw_pieces(&s) {
                proptest::prop_assert!(a == at || (a == at + 1 && s.as_bytes()[at] == b'\n'));
                let counted = s.as_bytes()[a..b]
                    .iter()
                    .filter(|&&x| BYTE_CLASS[x as usize] == SPACE)
                    .count();
                proptest::prop_assert_eq!(spaces, counted, "{:?}", &s[a..b]);
                at = b;
            }
            proptest::prop_assert_eq!(at, s.len());
        }
    }

    #[test]
    fn the_eight_byte_test_finds_each_byte_of_interest_wherever_it_is() {
        for b in [b'\n', b'.', b'!', b'?', 0xE2] {
            for k in 0..8 {
                let mut x = *b"abcdefgh";
                x[k] = b;
                assert_ne!(stops(u64::from_le_bytes(x)), 0, "{b:#x} at {k}");
            }
        }
        assert_eq!(stops(u64::from_le_bytes(*b"abc defg")), 0);
        // Bytes next to a stop byte in value are not stops (no borrow between bytes).
        assert_eq!(
            stops(u64::from_le_bytes([
                0x0b, 0x2f, 0x22, 0x40, 0xE1, 0xE3, 0x2d, 0x0d
            ])),
            0
        );
        assert_eq!(spaces_in(u64::from_le_bytes(*b" a\tb \xa0\xafc")), 5);
    }

    fn split(s: &str) -> Vec<&str> {
        let turn = Turn {
            speaker: 0,
            span: Span::new(0, s.len()),
            start_time: None,
            end_time: None,
        };
        sentences(s, &[turn])
            .into_iter()
            .map(|x| &s[x.span.range()])
            .collect()
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        assert_eq!(
            split("Ну т.е. мы платим 1,5 млн. руб. в месяц, т.к. объём большой. Это много."),
            vec![
                "Ну т.е. мы платим 1,5 млн. руб. в месяц, т.к. объём большой.",
                "Это много."
            ]
        );
        assert_eq!(
            split("Насосы, уплотнения и т.д. Потом ещё ЗИП."),
            vec!["Насосы, уплотнения и т.д.", "Потом ещё ЗИП."]
        );
        assert_eq!(
            split("В 2025 г. Ковалёв ушёл. См. письмо."),
            vec!["В 2025 г. Ковалёв ушёл.", "См. письмо."]
        );
    }

    #[test]
    fn initials_decimals_and_ellipses() {
        assert_eq!(
            split("Звонил А. С. Петров, оценка 8.5 баллов. Да... ну, как сказать… Нормально!"),
            vec![
                "Звонил А. С. Петров, оценка 8.5 баллов.",
                "Да... ну, как сказать…",
                "Нормально!"
            ]
        );
    }

    #[test]
    fn question_exclamation_quotes_and_lines() {
        assert_eq!(
            split("Серьёзно?! Он сказал: «Сделаем к пятнице.» И сделал.\nВторая строка"),
            vec![
                "Серьёзно?!",
                "Он сказал: «Сделаем к пятнице.»",
                "И сделал.",
                "Вторая строка"
            ]
        );
    }

    #[test]
    fn run_on_speech_is_cut_before_discourse_markers() {
        let s = "ну мы тогда позвонили Ковалёву он сразу всё понял и приехал сам с инженером посмотрели насос разобрали прямо на месте уплотнение поменяли за два часа, а потом ещё неделю звонил спрашивал как работает всё ли нормально и вот это я считаю правильный подход к клиенту когда человек не бросает тебя после продажи и не ждёт пока ты напишешь официальное письмо";
        let parts = split(s);
        assert!(parts.len() >= 2, "{parts:?}");
        assert!(parts[1].starts_with("а потом"), "{parts:?}");
        assert!(
            parts
                .iter()
                .all(|p| p.split_whitespace().count() <= MAX_WORDS)
        );
        assert_eq!(parts.concat().replace(' ', ""), s.replace(' ', ""));
    }

    #[test]
    fn non_speech_marks_are_flagged() {
        let s =
            "Ну [смеется] это отдельная история. (пауза) Мы (в смысле завод) ждали. [неразборчиво]";
        let turn = Turn {
            speaker: 0,
            span: Span::new(0, s.len()),
            start_time: None,
            end_time: None,
        };
        let got = sentences(s, &[turn]);
        let marks: Vec<&str> = got
            .iter()
            .flat_map(|x| x.marks.iter().map(|m| &s[m.range()]))
            .collect();
        assert_eq!(marks, vec!["[смеется]", "(пауза)", "[неразборчиво]"]);
        assert_eq!(got.len(), 3);
        assert!(!got[0].non_speech);
        assert_eq!(
            &s[got[1].span.range()],
            "(пауза) Мы (в смысле завод) ждали."
        );
        assert!(got[2].non_speech);
    }

    #[test]
    fn glued_sentences_are_split_but_brands_and_initials_are_not() {
        assert_eq!(
            split("Работаем на новых технологиях.Кампания идёт. Всё хорошие...Поправки внесли."),
            vec![
                "Работаем на новых технологиях.",
                "Кампания идёт.",
                "Всё хорошие...",
                "Поправки внесли."
            ]
        );
        assert_eq!(
            split("Заказываем через Яндекс.Маркет и через А.С.Петрова."),
            vec!["Заказываем через Яндекс.Маркет и через А.С.Петрова."]
        );
    }

    #[test]
    fn unpunctuated_speech_is_cut_before_discourse_markers() {
        let s = "мы с ними работаем уже лет пять наверное с девятнадцатого года и в целом всё устраивает \
                 ну бывают задержки по срокам особенно зимой когда дороги заметает и машины стоят \
                 вот в прошлом году две недели ждали подшипники а производство стояло";
        let got = split(s);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[1].starts_with("ну бывают задержки"), "{got:?}");
        assert!(got[2].starts_with("вот в прошлом году"), "{got:?}");
        let turn = Turn {
            speaker: 0,
            span: Span::new(0, s.len()),
            start_time: None,
            end_time: None,
        };
        assert_eq!(inferred_boundaries(s, &sentences(s, &[turn])), 2);
    }
}
