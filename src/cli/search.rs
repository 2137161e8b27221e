//! `citata search`: passages by words, codes, roles and metadata.

use std::io::Write;

use serde::Serialize;

use super::{SearchArgs, SearchFormat};
use crate::index::{CitataIndex, SearchQuery};

/// Runs `citata search`; returns the exit code: 0 hits found, 1 nothing matched, 2 no index.
///
/// # Errors
/// When the index cannot be opened or the query cannot be read.
pub fn run(args: &SearchArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<u8> {
    if !args.index.join("meta.json").is_file() {
        writeln!(
            err,
            "error: no index in {}; build one with `citata index add PATH`",
            args.index.display()
        )?;
        return Ok(2);
    }
    for w in &args.filters {
        if !w.contains('=') {
            anyhow::bail!("--where {w}: expected KEY=VALUE, e.g. --where division=Производство");
        }
    }
    let idx = CitataIndex::open_or_create(&args.index)?;
    let hits = idx.search(&SearchQuery {
        text: args.query.clone(),
        codes: args.codes.clone(),
        level: args.level.clone(),
        role: args.role.clone(),
        polarity: args.polarity.clone(),
        wish: args.wish,
        filters: args.filters.clone(),
        limit: args.limit.max(1),
    })?;
    for h in &hits {
        match args.format {
            SearchFormat::Ndjson => {
                serde_json::to_writer(
                    &mut *out,
                    &WireHit {
                        r#type: "hit",
                        doc: &h.doc,
                        turn: h.turn,
                        start: h.start,
                        end: h.end,
                        text: &h.text,
                        snippet: &h.text,
                        score: h.score,
                        codes: &h.codes,
                    },
                )?;
                writeln!(out)?;
            }
            SearchFormat::Table => writeln!(
                out,
                "{}:{}\t{:.2}\t{}\t{}\t{}",
                h.doc,
                h.turn,
                h.score,
                h.role,
                h.codes.join(","),
                h.text
            )?,
        }
    }
    if hits.is_empty() {
        writeln!(err, "no passage matched")?;
        return Ok(1);
    }
    Ok(0)
}

/// One line of `citata search --format ndjson`.
#[derive(Serialize)]
struct WireHit<'a> {
    r#type: &'static str,
    doc: &'a str,
    turn: usize,
    start: usize,
    end: usize,
    text: &'a str,
    snippet: &'a str,
    score: f32,
    codes: &'a [String],
}
