//! `citata export qdpx`: a study as a REFI-QDA project for QDA tools.

use std::collections::BTreeMap;
use std::io::Write;

use super::{ExportCommand, ExportQdpxArgs, in_order, threads};
use crate::ingest::{IngestConfig, Source, ingest_source};
use crate::quotes::{PolarityFilter, Quote, QuoteConfig, candidates, keep_best, select_avoiding};
use crate::refi::export::{FileCodings, project};

/// Runs an `export` subcommand; returns true when every file was read.
///
/// # Errors
/// When the codebook is invalid, a path does not exist, or the package cannot be written.
pub fn run(cmd: &ExportCommand, _out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    match cmd {
        ExportCommand::Qdpx(args) => qdpx(args, err),
    }
}

fn qdpx(args: &ExportQdpxArgs, err: &mut dyn Write) -> anyhow::Result<bool> {
    let Some((tagger, sources)) =
        super::tagger_and_sources(args.codebook.as_deref(), &args.paths, err)?
    else {
        return Ok(false);
    };
    let config = IngestConfig::default();
    let quote_config = QuoteConfig::default();
    let indexed: Vec<(usize, &Source)> = sources.iter().enumerate().collect();
    let work = |(i, s): &(usize, &Source)| -> crate::Result<(FileCodings, Vec<Quote>)> {
        let t = ingest_source(s, &config)?;
        Ok(tagger.with_thread_state(|state| {
            let codings = tagger.tag(state, &t);
            let ratings = crate::ratings::extract(&t, &codings, &mut state.matching.analyzer);
            let quotes = candidates(
                &t,
                &codings,
                i + 1,
                &quote_config,
                &mut state.matching.analyzer,
            );
            (
                FileCodings {
                    transcript: t,
                    codings,
                    ratings,
                },
                quotes,
            )
        }))
    };
    let bar = super::progress(indexed.len(), args.quiet);
    let mut files: Vec<FileCodings> = Vec::new();
    let mut pool: BTreeMap<usize, Vec<Quote>> = BTreeMap::new();
    let mut failed = 0usize;
    let mut collect = |r: crate::Result<(FileCodings, Vec<Quote>)>| -> anyhow::Result<()> {
        bar.inc(1);
        match r {
            Ok((f, qs)) => {
                files.push(f);
                for q in qs {
                    pool.entry(q.param).or_default().push(q);
                }
                pool.values_mut().for_each(keep_best);
            }
            Err(e) => {
                failed += 1;
                bar.suspend(|| writeln!(err, "error: {e}"))?;
            }
        }
        Ok(())
    };
    in_order(&indexed, threads(args.jobs), work, &mut collect)?;
    bar.finish_and_clear();
    // Parameters in codebook order; a passage chosen for one is not offered to the next
    // (as `citata quotes` chooses them).
    let mut chosen: Vec<(usize, Quote)> = Vec::new();
    let mut taken: Vec<(String, crate::model::Span)> = Vec::new();
    for (_, list) in pool {
        let picked = select_avoiding(list, &quote_config, PolarityFilter::Any, &taken);
        taken.extend(picked.iter().map(|q| (q.doc.clone(), q.span)));
        chosen.extend(picked.into_iter().enumerate().map(|(r, q)| (r + 1, q)));
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.out
            .file_stem()
            .map_or("citata".into(), |s| s.to_string_lossy().into_owned())
    });
    let quotes: Vec<(usize, &Quote)> = chosen.iter().map(|(r, q)| (*r, q)).collect();
    let cb = tagger.matcher().codebook();
    let p = project(&name, cb, &files, &quotes);
    let bytes = p.to_qdpx()?;
    super::write_atomically(&args.out, &bytes)?;
    if !args.quiet {
        let selections: usize = p.sources.iter().map(|s| s.selections.len()).sum();
        let codings: usize = p
            .sources
            .iter()
            .flat_map(|s| &s.selections)
            .map(|s| s.codings.len())
            .sum();
        writeln!(
            err,
            "wrote {}: {} source(s), {} case(s), {} selection(s) ({} quote(s)), {} coding(s); {failed} failed",
            args.out.display(),
            p.sources.len(),
            p.cases.len(),
            selections,
            quotes.len(),
            codings,
        )?;
    }
    Ok(failed == 0)
}
