//! The wire form of a transcript: one line of `citata ingest --format ndjson`
//! (docs/formats.md), written by the CLI and by the Python package from this one writer.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{CharIndex, Transcript};

/// Appends the `citata ingest --format ndjson` line of `t` to `out`.
///
/// # Errors
/// When serde_json fails (it does not on these types; kept for the caller to report).
pub fn write_ndjson(t: &Transcript, out: &mut Vec<u8>) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, &WireTranscript::new(t))?;
    out.push(b'\n');
    Ok(())
}

/// One line of `citata ingest --format ndjson`. Offsets are code points into `text`.
#[derive(Serialize)]
struct WireTranscript<'a> {
    r#type: &'static str,
    doc: &'a str,
    format: &'static str,
    encoding: &'a str,
    meta: &'a BTreeMap<String, String>,
    text: &'a str,
    speakers: Vec<WireSpeaker<'a>>,
    turns: Vec<WireTurn<'a>>,
    sentences: Vec<WireSentence>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct WireSpeaker<'a> {
    label: &'a str,
    role: &'static str,
    role_source: &'static str,
}

#[derive(Serialize)]
struct WireTurn<'a> {
    speaker: &'a str,
    role: &'static str,
    start: usize,
    end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<f64>,
}

#[derive(Serialize)]
struct WireSentence {
    turn: usize,
    start: usize,
    end: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    marks: Vec<[usize; 2]>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    non_speech: bool,
}

impl<'a> WireTranscript<'a> {
    fn new(t: &'a Transcript) -> Self {
        let ix = CharIndex::new(&t.text);
        let c = |b: usize| ix.char_offset(b);
        WireTranscript {
            r#type: "transcript",
            doc: &t.doc,
            format: t.format.as_str(),
            encoding: &t.encoding,
            meta: &t.meta,
            text: &t.text,
            speakers: t
                .speakers
                .iter()
                .map(|s| WireSpeaker {
                    label: &s.label,
                    role: s.role.as_str(),
                    role_source: s.role_source.as_str(),
                })
                .collect(),
            turns: t
                .turns
                .iter()
                .map(|turn| {
                    let s = &t.speakers[turn.speaker];
                    WireTurn {
                        speaker: &s.label,
                        role: s.role.as_str(),
                        start: c(turn.span.start),
                        end: c(turn.span.end),
                        start_time: turn.start_time,
                        end_time: turn.end_time,
                    }
                })
                .collect(),
            sentences: t
                .sentences
                .iter()
                .map(|s| WireSentence {
                    turn: s.turn,
                    start: c(s.span.start),
                    end: c(s.span.end),
                    marks: s.marks.iter().map(|m| [c(m.start), c(m.end)]).collect(),
                    non_speech: s.non_speech,
                })
                .collect(),
            warnings: &t.warnings,
        }
    }
}
