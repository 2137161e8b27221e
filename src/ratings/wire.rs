//! The wire form of a rating: one line of `citata ratings --format ndjson` (docs/formats.md),
//! written by the CLI and by the Python package from this one writer; and the rows it is
//! written from (the transcripts' ratings, then a `ratings.csv`'s overrides).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::codebook::Codebook;
use crate::ingest::Source;
use crate::model::{CharIndex, Transcript};
use crate::ratings::Rating;

/// One rating with where it comes from.
#[derive(Clone, Debug)]
pub struct Row {
    /// The document id (or a `ratings.csv`'s file name when no transcript has it).
    pub doc: String,
    /// The transcript's wave (empty when none).
    pub wave: String,
    /// The rating.
    pub rating: Rating,
    /// The speaker's label (empty for csv).
    pub speaker: String,
    /// The words the value was read from.
    pub evidence: String,
    /// First code point of the evidence.
    pub start: usize,
    /// Code point after the evidence.
    pub end: usize,
    /// Why the value was taken, when it was a choice.
    pub reason: Option<String>,
    /// Candidate values not taken.
    pub rejected: Vec<WireRejected>,
}

/// A candidate value that was not taken, as written out.
#[derive(Clone, Debug, Serialize)]
pub struct WireRejected {
    /// The value.
    pub value: f32,
    /// Why it was not taken.
    pub why: &'static str,
    /// The words it was read from.
    pub evidence: String,
    /// First code point of the evidence.
    pub start: usize,
    /// Code point after the evidence.
    pub end: usize,
}

/// The rows of one transcript's ratings.
pub fn rows(t: &Transcript, ratings: Vec<Rating>) -> Vec<Row> {
    let ix = CharIndex::new(&t.text);
    let wave = t.meta.get("wave").cloned().unwrap_or_default();
    ratings
        .into_iter()
        .map(|r| Row {
            doc: t.doc.clone(),
            wave: wave.clone(),
            speaker: r
                .speaker
                .and_then(|s| t.speakers.get(s))
                .map(|s| s.label.clone())
                .unwrap_or_default(),
            evidence: t.slice(r.evidence).to_string(),
            start: ix.char_offset(r.evidence.start),
            end: ix.char_offset(r.evidence.end),
            reason: r.reason(&t.text),
            rejected: r
                .rejected
                .iter()
                .map(|x| WireRejected {
                    value: x.value,
                    why: x.why.as_str(),
                    evidence: t.slice(x.evidence).to_string(),
                    start: ix.char_offset(x.evidence.start),
                    end: ix.char_offset(x.evidence.end),
                })
                .collect(),
            rating: r,
        })
        .collect()
}

/// Lets the `ratings.csv` of each folder in `paths` override the rows read from the
/// transcripts; each override is told in `notes`.
///
/// # Errors
/// When a ratings.csv is invalid.
pub fn apply_csvs(
    paths: &[PathBuf],
    cb: &Codebook,
    sources: &[Source],
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) -> crate::Result<()> {
    for root in paths.iter().filter(|p| p.is_dir()) {
        let csv = root.join(crate::ratings::RATINGS_CSV);
        if csv.is_file() {
            apply_csv(&csv, cb, sources, rows, notes)?;
        }
    }
    Ok(())
}

/// Lets a ratings.csv override the rows read from the transcripts; each override is told.
fn apply_csv(
    path: &Path,
    cb: &Codebook,
    sources: &[Source],
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) -> crate::Result<()> {
    for c in crate::ratings::read_csv(path, cb)? {
        let source = sources.iter().find(|s| {
            s.path
                .file_name()
                .is_some_and(|n| n.to_string_lossy() == c.file)
                || s.doc == c.file
        });
        let doc = source.map_or(c.file.clone(), |s| s.doc.clone());
        let pid = &cb.parameters[c.param].id;
        let wave = c
            .wave
            .or_else(|| rows.iter().find(|r| r.doc == doc).map(|r| r.wave.clone()))
            .or_else(|| source.and_then(|s| s.meta.get("wave").cloned()))
            .unwrap_or_default();
        let rating = Rating::csv(c.param, c.value);
        // Every respondent's transcript rating of the parameter gives way to the csv's one.
        let replaced: Vec<String> = rows
            .iter()
            .filter(|r| r.doc == doc && r.rating.param == c.param)
            .map(|r| r.rating.value.to_string())
            .collect();
        if let Some(i) = rows
            .iter()
            .position(|r| r.doc == doc && r.rating.param == c.param)
        {
            notes.push(format!(
                "{}: {doc} {pid}: {} (transcript) replaced by {} (csv)",
                path.display(),
                replaced.join(", "),
                c.value
            ));
            let r = &mut rows[i];
            r.rating = rating;
            r.evidence.clear();
            r.speaker.clear();
            r.reason = None;
            r.rejected.clear();
            let mut k = 0;
            rows.retain(|r| {
                k += 1;
                k - 1 == i || !(r.doc == doc && r.rating.param == c.param)
            });
        } else {
            rows.push(Row {
                doc,
                wave,
                rating,
                speaker: String::new(),
                evidence: String::new(),
                start: 0,
                end: 0,
                reason: None,
                rejected: Vec::new(),
            });
        }
    }
    Ok(())
}

/// One line of `citata ratings --format ndjson`.
#[derive(Serialize)]
struct WireRating<'a> {
    r#type: &'static str,
    doc: &'a str,
    param: &'a str,
    level: &'a str,
    wave: &'a str,
    speaker: &'a str,
    value: f32,
    source: &'static str,
    confidence: f32,
    low_confidence: bool,
    evidence: &'a str,
    start: usize,
    end: usize,
    reason: Option<&'a str>,
    rejected: &'a [WireRejected],
}

/// Writes the `citata ratings --format ndjson` lines of `rows`.
///
/// # Errors
/// When `out` cannot be written.
pub fn write_ndjson(cb: &Codebook, rows: &[Row], out: &mut dyn Write) -> std::io::Result<()> {
    for r in rows {
        let p = &cb.parameters[r.rating.param];
        serde_json::to_writer(
            &mut *out,
            &WireRating {
                r#type: "rating",
                doc: &r.doc,
                param: &p.id,
                level: &cb.levels[p.level].id,
                wave: &r.wave,
                speaker: &r.speaker,
                value: r.rating.value,
                source: r.rating.source.as_str(),
                confidence: r.rating.confidence,
                low_confidence: r.rating.is_low(),
                evidence: &r.evidence,
                start: r.start,
                end: r.end,
                reason: r.reason.as_deref(),
                rejected: &r.rejected,
            },
        )?;
        writeln!(out)?;
    }
    Ok(())
}
