//! The types that flow between stages. This module depends on nothing else in the crate.
//!
//! Every span is a byte range into [`Transcript::text`], the canonical text (decoded to
//! UTF-8, BOM stripped, CRLF → LF, NFC). Code point offsets are produced only at the
//! output edges (see [`CharIndex`]).

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A byte range into a transcript's canonical text, end-exclusive.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }

    /// The span as a `Range<usize>`.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// True when the span covers nothing.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// True when `other` lies inside this span.
    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// The file format a transcript was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain text with speaker labels.
    Txt,
    /// Markdown with speaker labels (bold labels, headings ignored).
    Md,
    /// Word document: paragraphs or a speaker | text table.
    Docx,
    /// WebVTT subtitles.
    Vtt,
    /// SubRip subtitles.
    Srt,
    /// citata's JSON schema or Whisper-style `segments`.
    Json,
}

impl Format {
    /// The format for a file extension (lowercase, without the dot), if citata reads it.
    pub fn from_extension(ext: &str) -> Option<Format> {
        Some(match ext.to_ascii_lowercase().as_str() {
            "txt" | "text" => Format::Txt,
            "md" | "markdown" => Format::Md,
            "docx" => Format::Docx,
            "vtt" => Format::Vtt,
            "srt" => Format::Srt,
            "json" => Format::Json,
            _ => return None,
        })
    }

    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Md => "md",
            Format::Docx => "docx",
            Format::Vtt => "vtt",
            Format::Srt => "srt",
            Format::Json => "json",
        }
    }
}

/// Who a speaker is in the interview.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Asks the questions (interviewer, moderator).
    Interviewer,
    /// Answers them (the client's stakeholder).
    Respondent,
}

impl Role {
    /// `interviewer` or `respondent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Interviewer => "interviewer",
            Role::Respondent => "respondent",
        }
    }
}

/// How a speaker's role was decided; shown in the output so a researcher can check it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleSource {
    /// The label says it ("Интервьюер", "Р", "Q", "Модератор").
    Label,
    /// Metadata names the interviewer (`interviewer:` in front matter or respondents.csv).
    Metadata,
    /// Guessed: the speaker who asks the most questions is the interviewer.
    Heuristic,
    /// No label at all: the whole text is taken as one respondent's.
    Default,
    /// The user said it: `--interviewer` on the command line, or a `speakers` entry in
    /// front matter or respondents.csv (`speakers: Анна Соколова=interviewer`).
    User,
}

impl RoleSource {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleSource::Label => "label",
            RoleSource::Metadata => "metadata",
            RoleSource::Heuristic => "heuristic",
            RoleSource::Default => "default",
            RoleSource::User => "user",
        }
    }
}

/// One speaker of a transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Speaker {
    /// The label as written (trimmed, markup removed), e.g. "Интервьюер", "Спикер 2".
    pub label: String,
    /// Interviewer or respondent.
    pub role: Role,
    /// How the role was decided.
    pub role_source: RoleSource,
}

/// One speaker turn: what one speaker said until another spoke.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Index into [`Transcript::speakers`].
    pub speaker: usize,
    /// The spoken text of the turn (label and timestamp excluded).
    pub span: Span,
    /// Start time in seconds, when the source has one.
    pub start_time: Option<f64>,
    /// End time in seconds, when the source has one.
    pub end_time: Option<f64>,
}

/// One sentence inside a turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    /// Index into [`Transcript::turns`].
    pub turn: usize,
    /// The sentence text, trimmed of surrounding whitespace.
    pub span: Span,
    /// Non-speech marks inside the sentence (`[смеется]`, `(пауза)`), for quotes to leave out.
    pub marks: Vec<Span>,
    /// True when the sentence is nothing but non-speech marks and punctuation.
    pub non_speech: bool,
}

/// A transcript in canonical form: the text and everything that points into it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Stable document id: the path relative to the folder it was found in, with `/`.
    pub doc: String,
    /// The format it was read from.
    pub format: Format,
    /// The detected encoding ("UTF-8", "UTF-16LE", "windows-1251", "KOI8-R", ...).
    pub encoding: String,
    /// Metadata: respondents.csv row, then front matter (which wins).
    pub meta: BTreeMap<String, String>,
    /// The canonical text.
    pub text: String,
    /// Speakers in order of first appearance.
    pub speakers: Vec<Speaker>,
    /// Turns in text order; spans do not overlap.
    pub turns: Vec<Turn>,
    /// Sentences in text order; each lies inside its turn.
    pub sentences: Vec<Sentence>,
    /// Non-fatal problems found while reading (no labels, odd lines, ...).
    pub warnings: Vec<String>,
}

impl Transcript {
    /// The text of a span.
    ///
    /// # Panics
    /// When the span is out of bounds or not on character boundaries, which cannot happen
    /// for spans produced by citata for this transcript.
    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    /// The speaker of a turn.
    pub fn turn_speaker(&self, turn: &Turn) -> &Speaker {
        &self.speakers[turn.speaker]
    }

    /// The number of words (letter runs) in the turns of the transcript.
    pub fn word_count(&self) -> usize {
        self.turns
            .iter()
            .map(|t| {
                // Russian letters first: `char::is_alphanumeric` takes a slow table lookup
                // for every non-ASCII character.
                let word_char = |c: char| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё')
                        || (!c.is_ascii() && c.is_alphanumeric())
                };
                self.slice(t.span)
                    .split(|c: char| !word_char(c))
                    .filter(|w| !w.is_empty())
                    .count()
            })
            .sum()
    }
}

/// Converts byte offsets of one text into zero-based Unicode code point offsets.
pub struct CharIndex<'a> {
    bytes: &'a [u8],
    /// Code points before every `STEP`-th byte.
    checkpoints: Vec<u32>,
}

const STEP: usize = 256;

/// Code points starting in `bytes` (bytes that are not UTF-8 continuation bytes).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

impl<'a> CharIndex<'a> {
    /// Builds the index for `text` (one pass; memory 1/64 of the text).
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut checkpoints = Vec::with_capacity(bytes.len() / STEP + 1);
        let mut n = 0usize;
        for chunk in bytes.chunks(STEP) {
            checkpoints.push(n as u32);
            n += count_chars(chunk);
        }
        checkpoints.push(n as u32);
        CharIndex { bytes, checkpoints }
    }

    /// The code point offset of byte offset `byte` (a char boundary).
    ///
    /// # Panics
    /// When `byte` is past the end of the text.
    pub fn char_offset(&self, byte: usize) -> usize {
        assert!(byte <= self.bytes.len(), "byte offset past the end");
        let k = byte / STEP;
        self.checkpoints[k] as usize + count_chars(&self.bytes[k * STEP..byte])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_index_agrees_with_counting_everywhere() {
        let text = "Ну, ёж — B2B. ".repeat(100) + "конец";
        let ix = CharIndex::new(&text);
        for (b, _) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            assert_eq!(ix.char_offset(b), text[..b].chars().count(), "at byte {b}");
        }
    }

    #[test]
    fn char_index_counts_code_points() {
        let text = "Ну, ёж — B2B";
        let ix = CharIndex::new(text);
        assert_eq!(ix.char_offset(0), 0);
        let b = text.find('ё').unwrap();
        assert_eq!(b, 6);
        assert_eq!(ix.char_offset(b), 4);
        assert_eq!(ix.char_offset(text.len()), text.chars().count());
    }
}
