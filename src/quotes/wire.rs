//! The wire form of a quote: one line of `citata quotes --format ndjson` (docs/formats.md),
//! written by the CLI and by the Python package from this one writer; and the selection it
//! is written from (the candidates of a study's transcripts pooled per parameter, then the
//! top-k of each chosen in codebook order).

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::codebook::Codebook;
use crate::model::Span;
use crate::quotes::{PolarityFilter, Quote, QuoteConfig, keep_best, select_avoiding};

/// The indices of the parameters `ids` names (all when empty).
///
/// # Errors
/// An unknown id, with the codebook's ids.
pub fn parameters(cb: &Codebook, ids: &[String]) -> Result<Vec<usize>, String> {
    ids.iter()
        .map(|id| {
            cb.parameter(id).ok_or_else(|| {
                format!(
                    "unknown parameter `{id}`; the codebook has: {}",
                    cb.parameters
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        })
        .collect()
}

/// The quote candidates of a study, pooled per parameter as transcripts are analyzed (only
/// the best [`crate::quotes::KEEP_PER_PARAMETER`] of each are kept).
#[derive(Debug, Default)]
pub struct Pool {
    wanted: Vec<usize>,
    pool: BTreeMap<usize, Vec<Quote>>,
}

impl Pool {
    /// A pool of the parameters `wanted` (all when empty).
    pub fn new(wanted: Vec<usize>) -> Pool {
        Pool {
            wanted,
            pool: BTreeMap::new(),
        }
    }

    /// Adds one transcript's candidates.
    pub fn add(&mut self, quotes: Vec<Quote>) {
        for q in quotes {
            if self.wanted.is_empty() || self.wanted.contains(&q.param) {
                self.pool.entry(q.param).or_default().push(q);
            }
        }
        for list in self.pool.values_mut() {
            keep_best(list);
        }
    }

    /// The quotes chosen: parameters in codebook order, a passage chosen for one not offered
    /// to the next.
    pub fn choose(self, config: &QuoteConfig, filter: PolarityFilter) -> Vec<Quote> {
        let mut chosen: Vec<Quote> = Vec::new();
        let mut taken: Vec<(String, Span)> = Vec::new();
        for (_, list) in self.pool {
            let picked = select_avoiding(list, config, filter, &taken);
            taken.extend(picked.iter().map(|q| (q.doc.clone(), q.span)));
            chosen.extend(picked);
        }
        chosen
    }
}

/// A metadata value as the quote filters compare it (`citata quotes --wave/--division`, the
/// web app's quote board): surrounding spaces and case ignored.
pub fn meta_value(v: &str) -> String {
    v.trim().to_lowercase()
}

/// Quotes with their rank inside their parameter (1-based).
pub fn ranked(quotes: &[Quote]) -> impl Iterator<Item = (usize, &Quote)> {
    let mut rank = 0;
    let mut last = usize::MAX;
    quotes.iter().map(move |q| {
        if q.param != last {
            rank = 0;
            last = q.param;
        }
        rank += 1;
        (rank, q)
    })
}

/// One line of `citata quotes --format ndjson`.
#[derive(Serialize)]
struct WireQuote<'a> {
    r#type: &'static str,
    param: &'a str,
    level: &'a str,
    rank: usize,
    text: &'a str,
    doc: &'a str,
    turn: usize,
    start: usize,
    end: usize,
    attribution: &'a str,
    polarity: &'static str,
    score: f32,
    features: BTreeMap<&'static str, f32>,
}

/// Writes the `citata quotes --format ndjson` lines of the quotes chosen.
///
/// # Errors
/// When `out` cannot be written.
pub fn write_ndjson(cb: &Codebook, chosen: &[Quote], out: &mut dyn Write) -> std::io::Result<()> {
    for (rank, q) in ranked(chosen) {
        let p = &cb.parameters[q.param];
        let wire = WireQuote {
            r#type: "quote",
            param: &p.id,
            level: &cb.levels[p.level].id,
            rank,
            text: &q.text,
            doc: &q.doc,
            turn: q.turn,
            start: q.chars.0,
            end: q.chars.1,
            attribution: &q.attribution,
            polarity: q.polarity.as_str(),
            score: q.score,
            features: q.features.iter().map(|(n, v)| (*n, *v)).collect(),
        };
        serde_json::to_writer(&mut *out, &wire)?;
        writeln!(out)?;
    }
    Ok(())
}
