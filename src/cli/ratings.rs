//! `citata ratings`: ratings per transcript and parameter, and their means per parameter,
//! level and wave.

use std::io::Write;

use super::{RatingsArgs, RatingsFormat, threads};
use crate::codebook::Codebook;
use crate::ingest::Source;
use crate::ratings::wire::{self, Row};
use crate::ratings::{Stats, change, round1};

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
    let decisions = crate::decisions::Decisions::load_folders(&args.paths)?;
    let pipeline = crate::study::Pipeline {
        decisions: decisions.to_apply(),
        ..crate::study::Pipeline::new(
            &tagger,
            crate::study::Needs {
                ratings: true,
                ..Default::default()
            },
        )
    };
    let rows_of = |_: &Source, a: crate::study::Analysis| wire::rows(&a.transcript, a.ratings);
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
    let mut notes = Vec::new();
    let applied = wire::apply_csvs(&args.paths, cb, &sources, &mut rows, &mut notes);
    for n in notes {
        writeln!(err, "{n}")?;
    }
    applied?;
    match args.format {
        RatingsFormat::Ndjson => wire::write_ndjson(cb, &rows, out)?,
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
    let cell = |s: Option<Stats>| {
        s.map_or("—".to_string(), |s| {
            format!("{:.1} (n={})", round1(s.mean), s.n)
        })
    };
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
        // The integral score of a level: the mean of its parameters' rounded means (as the report).
        let level_means: Vec<Option<f32>> = waves
            .iter()
            .map(|w| {
                let means: Vec<f32> = cb
                    .parameters
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.level == li)
                    .filter_map(|(pi, _)| stats(pi, w).map(|s| round1(s.mean)))
                    .collect();
                Stats::of(&means).map(|s| s.mean)
            })
            .collect();
        write!(out, "{:<52}", level.name)?;
        for m in &level_means {
            write!(
                out,
                " {:>14}",
                m.map_or("—".to_string(), |m| format!("{:.1}", round1(m)))
            )?;
        }
        if let [.., Some(a), Some(b)] = level_means.as_slice() {
            write!(out, " {:>+7.1}", change(*b, *a))?;
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
                write!(out, " {:>+7.1}", change(b.mean, a.mean))?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
