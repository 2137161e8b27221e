//! XML or HTML saved under `.txt` / `.md` (a corpus export, a web page saved as text): the
//! tags are stripped so that neither they nor their attributes (`gr="S,m,inan=nom,sg"`)
//! reach the speech text. Block elements (`p`, `br`, `div`, `li`, `tr`, headings, corpus
//! sentences `se`) become line breaks, so speaker labels at line starts are still found;
//! `head`, `script` and `style` are dropped with their content; entities are decoded.

use super::subtitles::decode_entities;

/// Whether `text` is markup rather than text: it opens with an XML declaration, a doctype or
/// an `<html>` / `<body>` tag, or starts with a tag and is thick with them (a tag every 80
/// bytes or more often).
pub fn is_markup(text: &str) -> bool {
    let head = text.trim_start();
    if !head.starts_with('<') {
        return false;
    }
    let lower: String = head.chars().take(20).flat_map(char::to_lowercase).collect();
    if ["<?xml", "<!doctype", "<html", "<body"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }
    let sample = &text[..floor(text, 64 * 1024)];
    let tags = sample.matches('<').count();
    let closing = sample.matches("</").count() + sample.matches("/>").count();
    closing > 0 && tags * 80 >= sample.len()
}

fn floor(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

const BLOCKS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "se",
    "s",
    "para",
    "speech",
    "utterance",
    "u",
    "turn",
    "line",
    "l",
    "sp",
    "table",
    "ul",
    "ol",
    "title",
    "section",
    "article",
    "body",
    "td",
    "dd",
    "dt",
    "blockquote",
];

const SKIPPED: &[&str] = &["head", "script", "style", "ana"];

/// The text of markup: tags stripped (block elements as line breaks), entities decoded,
/// and the number of tags removed.
pub fn strip(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() / 2);
    let mut tags = 0;
    let mut rest = text;
    let mut skip_until: Option<String> = None;
    while let Some(open) = rest.find('<') {
        if skip_until.is_none() {
            out.push_str(&decode_entities(&rest[..open]));
        }
        let after = &rest[open + 1..];
        // Comments, CDATA, declarations.
        let end = if after.starts_with("!--") {
            after.find("-->").map(|i| i + 3)
        } else {
            after.find('>').map(|i| i + 1)
        };
        let Some(end) = end else {
            // A lone `<`: text.
            if skip_until.is_none() {
                out.push('<');
            }
            rest = after;
            continue;
        };
        tags += 1;
        let tag = &after[..end - 1];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == ':' || *c == '-')
            .flat_map(char::to_lowercase)
            .collect();
        let name = name.rsplit(':').next().unwrap_or("").to_string();
        match &skip_until {
            Some(until) if closing && *until == name => skip_until = None,
            Some(_) => {}
            None if !closing && SKIPPED.contains(&name.as_str()) && !tag.ends_with('/') => {
                skip_until = Some(name.clone());
            }
            None if BLOCKS.contains(&name.as_str()) && !out.ends_with('\n') && !out.is_empty() => {
                out.push('\n');
            }
            None => {}
        }
        rest = &after[end..];
    }
    if skip_until.is_none() {
        out.push_str(&decode_entities(rest));
    }
    // Lines trimmed, runs of blank lines to one.
    let mut clean = String::with_capacity(out.len());
    let mut blank = true;
    for line in out.lines() {
        let l = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if l.is_empty() {
            if !blank {
                clean.push('\n');
            }
            blank = true;
            continue;
        }
        clean.push_str(&l);
        clean.push('\n');
        blank = false;
    }
    (clean, tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_xml_loses_its_tags_and_attributes() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<html><head><title>Интервью</title></head><body>\n<p><se>Интервьюер: <w><ana lex=\"как\" gr=\"ADVPRO\"/>Как</w> <w><ana lex=\"срок\" gr=\"S,m,inan=pl,nom\"/>сроки</w>?</se></p>\n<p><se>Респондент: <w>Нормально</w> &amp; <w>ровно</w>.</se></p></body></html>";
        assert!(is_markup(xml));
        let (text, tags) = strip(xml);
        assert_eq!(
            text,
            "Интервьюер: Как сроки?\n\nРеспондент: Нормально & ровно.\n"
        );
        assert!(tags > 10);
        assert!(!is_markup(
            "Интервьюер: <пауза> Как сроки?\nРеспондент: Нормально.\n"
        ));
    }
}
