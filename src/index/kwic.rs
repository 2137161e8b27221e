//! Keyword-in-context lines and snippets, cut by characters (not bytes: Cyrillic letters take
//! two) at word boundaries, with the matched words marked.

use crate::model::Span;

/// A keyword-in-context line: the context before the match, the match, the context after.
/// Line breaks are shown as spaces; a cut context starts or ends with "…".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kwic {
    /// Context before the match.
    pub left: String,
    /// The matched words.
    pub matched: String,
    /// Context after the match.
    pub right: String,
}

/// The KWIC line of `hit` (a byte span of `text`) with about `width` characters each side.
pub fn kwic(text: &str, hit: Span, width: usize) -> Kwic {
    let (start, end) = window(text, hit, width);
    let mut left = flat(&text[start..hit.start]);
    if start > 0 {
        left.insert(0, '…');
    }
    let mut right = flat(&text[hit.end..end]);
    if end < text.len() {
        right.push('…');
    }
    Kwic {
        left,
        matched: flat(&text[hit.range()]),
        right,
    }
}

/// The first of `spans` (byte spans of `text`, in order) joined with the ones that follow it
/// across white space only: the words of a phrase make one KWIC centre.
pub fn first_run(text: &str, spans: &[Span]) -> Option<Span> {
    let mut run = *spans.first()?;
    for s in &spans[1..] {
        if s.start >= run.end && text[run.end..s.start].trim().is_empty() {
            run.end = s.end;
        } else {
            break;
        }
    }
    Some(run)
}

/// A snippet of `text` around the first of `spans` (byte spans, in order), with about
/// `width` characters each side, and the code point ranges of the spans inside it. With no
/// spans, the start of the text.
pub fn snippet(text: &str, spans: &[Span], width: usize) -> (String, Vec<(usize, usize)>) {
    let first = spans.first().copied().unwrap_or_default();
    let (start, end) = window(text, first, width);
    let mut out = String::new();
    let mut chars = 0usize;
    if start > 0 {
        out.push('…');
        chars += 1;
    }
    let mut marks = Vec::new();
    let mut at = start;
    for s in spans {
        if s.start < start || s.end > end || s.start < at {
            continue;
        }
        let before = flat(&text[at..s.start]);
        chars += before.chars().count();
        out.push_str(&before);
        let m = flat(&text[s.range()]);
        let n = m.chars().count();
        marks.push((chars, chars + n));
        chars += n;
        out.push_str(&m);
        at = s.end;
    }
    out.push_str(&flat(&text[at..end]));
    if end < text.len() {
        out.push('…');
    }
    (out, marks)
}

/// `text` with `spans` (byte spans, in order, not overlapping) wrapped in `open` / `close`.
pub fn mark(text: &str, spans: &[Span], open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len() + spans.len() * (open.len() + close.len()));
    let mut at = 0;
    for s in spans {
        if s.start < at || s.end > text.len() {
            continue;
        }
        out.push_str(&text[at..s.start]);
        out.push_str(open);
        out.push_str(&text[s.range()]);
        out.push_str(close);
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Columns a string takes on a terminal: characters, without combining marks (stress
/// marks, U+0301) and zero-width characters.
pub fn columns(s: &str) -> usize {
    s.chars()
        .filter(|&c| !matches!(c, '\u{300}'..='\u{36f}' | '\u{200b}'..='\u{200d}' | '\u{feff}'))
        .count()
}

/// Pads `s` on the left to `width` columns.
pub fn pad_left(s: &str, width: usize) -> String {
    let n = columns(s);
    let mut out = " ".repeat(width.saturating_sub(n));
    out.push_str(s);
    out
}

/// The byte window around `hit`: about `width` characters each side, widened or narrowed to
/// the nearest word boundary so no word is cut in half.
fn window(text: &str, hit: Span, width: usize) -> (usize, usize) {
    // Left: step back `width` characters, then forward to the start of a word.
    let mut start = hit.start;
    let mut n = 0;
    for (i, _) in text[..hit.start].char_indices().rev() {
        if n == width {
            break;
        }
        start = i;
        n += 1;
    }
    if start > 0 && n == width {
        let rest = &text[start..hit.start];
        start = match rest.find(char::is_whitespace) {
            Some(ws) => start + ws + rest[ws..].chars().next().map_or(1, char::len_utf8),
            None => hit.start,
        };
        start = skip_space(text, start, hit.start);
    }
    // Right: step forward `width` characters, then back to the end of a word.
    let mut end = hit.end;
    let mut n = 0;
    for (i, c) in text[hit.end..].char_indices() {
        if n == width {
            break;
        }
        end = hit.end + i + c.len_utf8();
        n += 1;
    }
    if end < text.len() && n == width {
        let rest = &text[hit.end..end];
        end = match rest.rfind(char::is_whitespace) {
            Some(ws) => hit.end + ws,
            None => hit.end,
        };
        end = hit.end + text[hit.end..end].trim_end().len();
    }
    (start, end)
}

fn skip_space(text: &str, from: usize, limit: usize) -> usize {
    from + text[from..limit].len() - text[from..limit].trim_start().len()
}

/// Line breaks and runs of white space as one space.
fn flat(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of(text: &str, word: &str) -> Span {
        let s = text.find(word).expect("word in text");
        Span::new(s, s + word.len())
    }

    #[test]
    fn kwic_cuts_cyrillic_by_characters_at_word_boundaries() {
        let text =
            "Ну вот честно скажу, с отсрочкой платежа у нас всегда были вопросы к финансистам.";
        let k = kwic(text, span_of(text, "отсрочкой"), 12);
        // 12 characters back is "честно скажу, с " minus its head: the cut lands inside
        // "скажу," so the window starts at the next word.
        assert_eq!(k.left, "…скажу, с ");
        assert_eq!(k.matched, "отсрочкой");
        assert_eq!(k.right, " платежа у…");
        assert!(columns(&k.left) <= 13);
    }

    #[test]
    fn kwic_keeps_short_contexts_whole() {
        let text = "Оплата\nвовремя.";
        let k = kwic(text, span_of(text, "Оплата"), 40);
        assert_eq!(
            k,
            Kwic {
                left: String::new(),
                matched: "Оплата".into(),
                right: " вовремя.".into()
            }
        );
    }

    #[test]
    fn snippet_marks_every_match_in_code_points() {
        let text = "Сроки поставки, ну, сроки — это боль, поставки ё-моё срываются.";
        let second = text.rfind("поставки").expect("second поставки");
        let spans = [
            span_of(text, "Сроки"),
            Span::new(second, second + "поставки".len()),
        ];
        let (s, marks) = snippet(text, &spans, 100);
        assert_eq!(s, text);
        let chars: Vec<char> = s.chars().collect();
        let got: Vec<String> = marks
            .iter()
            .map(|&(a, b)| chars[a..b].iter().collect())
            .collect();
        assert_eq!(got, ["Сроки", "поставки"]);
    }

    #[test]
    fn a_phrase_is_one_centre() {
        let text = "Сроки  поставки, и сроки оплаты.";
        let second = text.rfind("сроки").expect("second сроки");
        let spans = [
            span_of(text, "Сроки"),
            span_of(text, "поставки"),
            Span::new(second, second + "сроки".len()),
        ];
        let run = first_run(text, &spans).expect("a run");
        assert_eq!(&text[run.range()], "Сроки  поставки");
        assert_eq!(first_run(text, &[]), None);
    }

    #[test]
    fn columns_ignore_stress_marks() {
        assert_eq!(columns("заме\u{301}чание"), 9);
        assert_eq!(pad_left("до\u{301}", 4), "  до\u{301}");
    }

    #[test]
    fn mark_wraps_spans() {
        let text = "Цена выросла, цены кусаются.";
        let spans = [span_of(text, "Цена"), span_of(text, "цены")];
        assert_eq!(
            mark(text, &spans, "[", "]"),
            "[Цена] выросла, [цены] кусаются."
        );
    }
}
