//! The wire form of a coding: one line of `citata tag --format ndjson` (docs/formats.md),
//! written by the CLI and by the Python package from this one writer.

use std::io::Write;

use serde::Serialize;

use crate::model::{CharIndex, Transcript};
use crate::tag::{Coding, Tagger};

/// One line of `citata tag --format ndjson`. Offsets are code points into the canonical text
/// (`citata ingest --format ndjson` prints it).
#[derive(Serialize)]
pub struct WireCoding<'a> {
    /// Always "coding".
    pub r#type: &'static str,
    /// The document id.
    pub doc: &'a str,
    /// Index of the turn.
    pub turn: usize,
    /// Index of the sentence.
    pub sentence: usize,
    /// The speaker's label.
    pub speaker: &'a str,
    /// The speaker's role: `interviewer` or `respondent`.
    pub role: &'static str,
    /// First code point of the sentence.
    pub start: usize,
    /// Code point after the sentence.
    pub end: usize,
    /// The sentence.
    pub text: &'a str,
    /// The parameter's id (none for a sentence coded only as a wish or comparison).
    pub param: Option<&'a str>,
    /// The parameter's level id.
    pub level: Option<&'a str>,
    /// `keyword`, `context`, `none`, or `human` (added by a coder).
    pub source: &'static str,
    /// The terms found.
    pub terms: Vec<WireTerm<'a>>,
    /// `positive`, `negative`, `neutral` or `mixed`.
    pub polarity: &'static str,
    /// The polarity score, −1…1, rounded to three decimals.
    pub polarity_score: f32,
    /// The sentence is a wish.
    pub wish: bool,
    /// The sentence is a comparison.
    pub comparison: bool,
    /// A coder's decision on the coding: `accept`, `reject` (shown with
    /// `--show-rejected`), `add`; null when nobody decided.
    pub decision: Option<&'static str>,
    /// The coder who decided; null when nobody did.
    pub coder: Option<&'a str>,
}

impl WireCoding<'_> {
    /// The JSON line, written by hand: the same fields, order and values as serde_json
    /// would give (a test pins them), at a fraction of the cost on large corpora.
    pub fn write_json(&self, o: &mut Vec<u8>) {
        fn s(o: &mut Vec<u8>, key: &str, v: &str) {
            o.extend_from_slice(b",\"");
            o.extend_from_slice(key.as_bytes());
            o.extend_from_slice(b"\":");
            json_str(o, v);
        }
        fn n(o: &mut Vec<u8>, key: &str, v: impl std::fmt::Display) {
            let _ = write!(o, ",\"{key}\":{v}");
        }
        fn u(o: &mut Vec<u8>, key: &str, v: usize) {
            o.extend_from_slice(b",\"");
            o.extend_from_slice(key.as_bytes());
            o.extend_from_slice(b"\":");
            let mut digits = [0u8; 20];
            let mut i = digits.len();
            let mut v = v;
            loop {
                i -= 1;
                digits[i] = b'0' + (v % 10) as u8;
                v /= 10;
                if v == 0 {
                    break;
                }
            }
            o.extend_from_slice(&digits[i..]);
        }
        o.extend_from_slice(b"{\"type\":");
        json_str(o, self.r#type);
        s(o, "doc", self.doc);
        u(o, "turn", self.turn);
        u(o, "sentence", self.sentence);
        s(o, "speaker", self.speaker);
        s(o, "role", self.role);
        u(o, "start", self.start);
        u(o, "end", self.end);
        s(o, "text", self.text);
        match self.param {
            Some(p) => s(o, "param", p),
            None => o.extend_from_slice(b",\"param\":null"),
        }
        match self.level {
            Some(l) => s(o, "level", l),
            None => o.extend_from_slice(b",\"level\":null"),
        }
        s(o, "source", self.source);
        o.extend_from_slice(b",\"terms\":[");
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                o.push(b',');
            }
            o.extend_from_slice(b"{\"entry\":");
            json_str(o, t.entry);
            u(o, "start", t.start);
            u(o, "end", t.end);
            s(o, "text", t.text);
            o.push(b'}');
        }
        o.push(b']');
        s(o, "polarity", self.polarity);
        // `{:?}` prints f32 as serde_json does: shortest form, with ".0" for whole numbers.
        n(
            o,
            "polarity_score",
            format_args!("{:?}", self.polarity_score),
        );
        n(o, "wish", self.wish);
        n(o, "comparison", self.comparison);
        match self.decision {
            Some(d) => s(o, "decision", d),
            None => o.extend_from_slice(b",\"decision\":null"),
        }
        match self.coder {
            Some(c) => s(o, "coder", c),
            None => o.extend_from_slice(b",\"coder\":null"),
        }
        o.extend_from_slice(b"}\n");
    }
}

/// A JSON string literal: runs of plain bytes copied, `"`, `\\` and control characters escaped.
fn json_str(o: &mut Vec<u8>, v: &str) {
    o.push(b'"');
    let b = v.as_bytes();
    // Most text needs no escaping: one scan, one copy.
    if !b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\') {
        o.extend_from_slice(b);
        o.push(b'"');
        return;
    }
    let mut from = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                o.extend_from_slice(&b[from..i]);
                let _ = write!(o, "\\u{c:04x}");
                from = i + 1;
                continue;
            }
            _ => continue,
        };
        o.extend_from_slice(&b[from..i]);
        o.extend_from_slice(esc);
        from = i + 1;
    }
    o.extend_from_slice(&b[from..]);
    o.push(b'"');
}

/// A term of a coding: the entry and the words it matched.
#[derive(Serialize)]
pub struct WireTerm<'a> {
    /// The codebook entry, as written there.
    pub entry: &'a str,
    /// First code point of the match.
    pub start: usize,
    /// Code point after the match.
    pub end: usize,
    /// The words matched.
    pub text: &'a str,
}

/// The wire form of each coding of `t`, in order.
pub fn wire_codings<'a>(
    tagger: &'a Tagger,
    t: &'a Transcript,
    codings: &'a [Coding],
) -> impl Iterator<Item = WireCoding<'a>> + 'a {
    let cb = tagger.matcher().codebook();
    let ix = CharIndex::new(&t.text);
    codings.iter().map(move |c| {
        let speaker = t.turn_speaker(&t.turns[c.turn]);
        let param = c.param.map(|p| &cb.parameters[p]);
        WireCoding {
            r#type: "coding",
            doc: &t.doc,
            turn: c.turn,
            sentence: c.sentence,
            speaker: &speaker.label,
            role: speaker.role.as_str(),
            start: ix.char_offset(c.span.start),
            end: ix.char_offset(c.span.end),
            text: t.slice(c.span),
            param: param.map(|p| p.id.as_str()),
            level: param.map(|p| cb.levels[p.level].id.as_str()),
            source: c.source.as_str(),
            terms: c
                .terms
                .iter()
                .map(|h| WireTerm {
                    entry: param.map_or("", |p| p.terms[h.entry].raw.as_str()),
                    start: ix.char_offset(h.span.start),
                    end: ix.char_offset(h.span.end),
                    text: t.slice(h.span),
                })
                .collect(),
            polarity: c.polarity.as_str(),
            polarity_score: (c.polarity_score * 1000.0).round() / 1000.0,
            wish: c.wish,
            comparison: c.comparison,
            decision: c.decision.as_ref().map(|d| d.action.as_str()),
            coder: c.decision.as_ref().map(|d| d.coder.as_str()),
        }
    })
}

/// Appends the `citata tag --format ndjson` lines of `t`'s codings to `out`.
pub fn write_ndjson(tagger: &Tagger, t: &Transcript, codings: &[Coding], out: &mut Vec<u8>) {
    for wire in wire_codings(tagger, t, codings) {
        wire.write_json(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_json_is_what_serde_json_writes() {
        let wire = WireCoding {
            r#type: "coding",
            doc: "dir/ф\"айл.txt",
            turn: 3,
            sentence: 17,
            speaker: "Ирина Львовна",
            role: "respondent",
            start: 120,
            end: 180,
            text: "Цены «кусаются»,\tочень!\n\\ \u{1} ё",
            param: Some("pricing"),
            level: None,
            source: "keyword",
            terms: vec![
                WireTerm {
                    entry: "цена",
                    start: 120,
                    end: 124,
                    text: "Цены",
                },
                WireTerm {
                    entry: "=\"x\"",
                    start: 1,
                    end: 2,
                    text: "x",
                },
            ],
            polarity: "negative",
            polarity_score: -0.527,
            wish: false,
            comparison: true,
            decision: Some("accept"),
            coder: Some("Анна \"А\""),
        };
        let mut hand = Vec::new();
        wire.write_json(&mut hand);
        let mut serde = serde_json::to_vec(&wire).unwrap();
        serde.push(b'\n');
        assert_eq!(
            String::from_utf8(hand).unwrap(),
            String::from_utf8(serde).unwrap()
        );
        for score in [0.0f32, 1.0, -1.0, 0.333, 0.1] {
            let w = WireCoding {
                polarity_score: score,
                terms: Vec::new(),
                ..wire_clone(&wire)
            };
            let mut hand = Vec::new();
            w.write_json(&mut hand);
            let mut serde = serde_json::to_vec(&w).unwrap();
            serde.push(b'\n');
            assert_eq!(hand, serde, "score {score}");
        }
    }

    fn wire_clone<'a>(w: &WireCoding<'a>) -> WireCoding<'a> {
        WireCoding {
            r#type: w.r#type,
            doc: w.doc,
            turn: w.turn,
            sentence: w.sentence,
            speaker: w.speaker,
            role: w.role,
            start: w.start,
            end: w.end,
            text: w.text,
            param: w.param,
            level: w.level,
            source: w.source,
            terms: Vec::new(),
            polarity: w.polarity,
            polarity_score: w.polarity_score,
            wish: w.wish,
            comparison: w.comparison,
            decision: None,
            coder: None,
        }
    }
}
