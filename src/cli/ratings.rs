//! `citata ratings`: ratings per transcript and parameter, and their means per parameter,
//! level and wave.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::{RatingsArgs, RatingsFormat, threads};
use crate::codebook::Codebook;
use crate::ingest::Source;
use crate::model::CharIndex;
use crate::ratings::{Rating, Stats};

/// One rating with where it comes from.
#[derive(Clone, Debug)]
struct Row {
    doc: String,
    wave: String,
    rating: Rating,
    /// The speaker's label (empty for csv).
    speaker: String,
    evidence: String,
    start: usize,
    end: usize,
    reason: Option<String>,
    rejected: Vec<WireRejected>,
}

/// A candidate value that was not taken, as written out.
#[derive(Clone, Debug, Serialize)]
struct WireRejected {
    value: f32,
    why: &'static str,
    evidence: String,
    start: usize,
    end: usize,
}

/// Runs `citata ratings`; returns true when every file was read.
///
/// # Errors
/// When the codebook or a ratings.csv is invalid, a path does not exist, or output cannot
/// be written.
pub fn run(args: &RatingsArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    let Some((tagger, sources)) =
        super::tagger_and_sources(args.codebook.as_deref(), &args.paths, err)?
    else {
        return Ok(false);
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut ok = true;
    let pipeline = crate::study::Pipeline::new(
        &tagger,
        crate::study::Needs {
            ratings: true,
            ..Default::default()
        },
    );
    let rows_of = |_: &Source, a: crate::study::Analysis| -> Vec<Row> {
        let (t, ratings) = (&a.transcript, a.ratings);
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
    };
    let mut collect = |r: crate::Result<Vec<Row>>| -> anyhow::Result<()> {
        match r {
            Ok(v) => rows.extend(v),
            Err(e) => {
                ok = false;
                writeln!(err, "error: {e}")?;
            }
        }
        Ok(())
    };
    pipeline.run(&sources, threads(args.workers.jobs), rows_of, &mut collect)?;
    let cb = tagger.matcher().codebook();
    for root in args.paths.iter().filter(|p| p.is_dir()) {
        let csv = root.join(crate::ratings::RATINGS_CSV);
        if csv.is_file() {
            apply_csv(&csv, cb, &sources, &mut rows, err)?;
        }
    }
    match args.format {
        RatingsFormat::Ndjson => {
            for r in &rows {
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
        }
        RatingsFormat::Csv => {
            let mut w = super::csv_writer(&mut *out);
            w.write_record([
                "doc",
                "param",
                "level",
                "wave",
                "value",
                "source",
                "confidence",
                "speaker",
            ])?;
            for r in &rows {
                let p = &cb.parameters[r.rating.param];
                w.write_record([
                    r.doc.as_str(),
                    &p.id,
                    &cb.levels[p.level].id,
                    &r.wave,
                    &r.rating.value.to_string(),
                    r.rating.source.as_str(),
                    &r.rating.confidence.to_string(),
                    &r.speaker,
                ])?;
            }
            w.flush()?;
        }
        RatingsFormat::Table => write_table(cb, &rows, out)?,
    }
    Ok(ok)
}

/// Lets a ratings.csv override the rows read from the transcripts; each override is reported.
fn apply_csv(
    path: &Path,
    cb: &Codebook,
    sources: &[Source],
    rows: &mut Vec<Row>,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
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
            writeln!(
                err,
                "{}: {doc} {pid}: {} (transcript) replaced by {} (csv)",
                path.display(),
                replaced.join(", "),
                c.value
            )?;
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

fn write_table(cb: &Codebook, rows: &[Row], out: &mut dyn Write) -> std::io::Result<()> {
    let mut waves: Vec<&str> = rows.iter().map(|r| r.wave.as_str()).collect();
    waves.sort_unstable();
    waves.dedup();
    let stats = |param: usize, wave: &str| {
        let v: Vec<f32> = rows
            .iter()
            .filter(|r| r.rating.param == param && r.wave == wave)
            .map(|r| r.rating.value)
            .collect();
        Stats::of(&v)
    };
    let cell =
        |s: Option<Stats>| s.map_or("—".to_string(), |s| format!("{:.1} (n={})", s.mean, s.n));
    write!(out, "{:<52}", "parameter")?;
    for w in &waves {
        write!(out, " {:>14}", if w.is_empty() { "(no wave)" } else { w })?;
    }
    if waves.len() >= 2 {
        write!(out, " {:>7}", "Δ")?;
    }
    writeln!(out)?;
    for (li, level) in cb
        .levels
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.id.starts_with('_'))
    {
        // The integral score of a level: the mean of its parameters' means.
        let level_means: Vec<Option<f32>> = waves
            .iter()
            .map(|w| {
                let means: Vec<f32> = cb
                    .parameters
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.level == li)
                    .filter_map(|(pi, _)| stats(pi, w).map(|s| s.mean))
                    .collect();
                Stats::of(&means).map(|s| s.mean)
            })
            .collect();
        write!(out, "{:<52}", level.name)?;
        for m in &level_means {
            write!(
                out,
                " {:>14}",
                m.map_or("—".to_string(), |m| format!("{m:.1}"))
            )?;
        }
        if let [.., Some(a), Some(b)] = level_means.as_slice() {
            write!(out, " {:>+7.1}", b - a)?;
        }
        writeln!(out)?;
        for (pi, p) in cb
            .parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| p.level == li)
        {
            let name: String = format!("  {} ({})", p.name, p.id)
                .chars()
                .take(52)
                .collect();
            write!(out, "{name:<52}")?;
            let per: Vec<Option<Stats>> = waves.iter().map(|w| stats(pi, w)).collect();
            for s in &per {
                write!(out, " {:>14}", cell(*s))?;
            }
            if let [.., Some(a), Some(b)] = per.as_slice() {
                write!(out, " {:>+7.1}", b.mean - a.mean)?;
            }
            writeln!(out)?;
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
