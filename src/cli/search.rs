//! `citata search`: passages by words, codes, roles and metadata; as a table, KWIC lines or
//! ndjson, with facet counts.

use std::io::{IsTerminal, Write};

use super::{ColorArg, SearchArgs, SearchFormat};
use crate::index::kwic::{self, columns, pad_left};
use crate::index::{CitataIndex, Facets, FacetsRecord, Hit, HitRecord, SearchQuery};

const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// Runs `citata search`; returns the exit code: 0 hits found, 1 nothing matched, 2 no index.
///
/// # Errors
/// When the index cannot be opened or the query cannot be read.
pub fn run(args: &SearchArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<u8> {
    if !args.index.index.join("meta.json").is_file() {
        writeln!(
            err,
            "error: no index in {}; build one with `citata index add PATH`",
            args.index.index.display()
        )?;
        return Ok(2);
    }
    let mut filters = Vec::new();
    for w in &args.filters {
        let Some((k, v)) = w.split_once('=') else {
            anyhow::bail!("--where {w}: expected KEY=VALUE, e.g. --where division=Производство");
        };
        filters.push((k.to_string(), v.to_string()));
    }
    let idx = CitataIndex::open_or_create(&args.index.index)?;
    let result = idx.search(&SearchQuery {
        text: args.query.clone(),
        codes: args.codes.clone(),
        level: args.level.clone(),
        role: args.role.clone(),
        polarity: args.polarity.clone(),
        wish: args.wish,
        source: args.source.clone(),
        filters,
        limit: args.limit.max(1),
        facets: args.facets,
    })?;
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let width = args.width.max(1);
    match args.format {
        SearchFormat::Ndjson => {
            for h in &result.hits {
                serde_json::to_writer(&mut *out, &HitRecord::new(h, width))?;
                writeln!(out)?;
            }
            if let Some(f) = &result.facets {
                serde_json::to_writer(&mut *out, &FacetsRecord::new(f, result.total))?;
                writeln!(out)?;
            }
        }
        SearchFormat::Table => {
            let label = |h: &Hit| format!("{}:{}", h.doc, h.turn);
            let label_width = result.hits.iter().map(|h| columns(&label(h))).max();
            for h in &result.hits {
                let l = label(h);
                let pad = " ".repeat(label_width.unwrap_or(0) - columns(&l));
                if args.kwic {
                    writeln!(out, "{l}{pad}  {}", kwic_line(h, width, color))?;
                } else {
                    let text = if color {
                        kwic::mark(&h.text, &h.matches, BOLD_RED, RESET)
                    } else {
                        h.text.clone()
                    };
                    writeln!(
                        out,
                        "{l}\t{}\t{}\t{}",
                        h.speaker,
                        h.codes.join(","),
                        text.replace(['\n', '\t'], " ")
                    )?;
                }
            }
            if let Some(f) = &result.facets {
                write_facets(out, f, result.total)?;
            }
            if result.hits.len() < result.total {
                writeln!(
                    err,
                    "{} of {} passages shown; --limit N for more",
                    result.hits.len(),
                    result.total
                )?;
            }
        }
    }
    if result.hits.is_empty() {
        writeln!(err, "no passage matched")?;
        return Ok(1);
    }
    Ok(0)
}

/// One KWIC line: the left context right-aligned to `width` columns, the match (the words
/// of a phrase together), the right context. Without colour the match is in brackets.
fn kwic_line(h: &Hit, width: usize, color: bool) -> String {
    let Some(centre) = kwic::first_run(&h.text, &h.matches) else {
        // A filter-only search: no word to centre on.
        let k = kwic::kwic(&h.text, crate::model::Span::new(0, 0), 2 * width);
        return format!("{} {}", " ".repeat(width), k.right);
    };
    let k = kwic::kwic(&h.text, centre, width);
    let (open, close) = if color { (BOLD_RED, RESET) } else { ("[", "]") };
    format!(
        "{}{open}{}{close}{}",
        pad_left(&k.left, width + 1),
        k.matched,
        k.right
    )
}

fn write_facets(out: &mut dyn Write, f: &Facets, total: usize) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{total} passage(s) matched; coded for:")?;
    if f.codes.is_empty() {
        writeln!(out, "  (no codes)")?;
    }
    for c in &f.codes {
        writeln!(out, "  {:<16} {:<28} {:>7}", c.group, c.value, c.count)?;
    }
    let mut group = "";
    for m in &f.meta {
        if m.group != group {
            group = &m.group;
            writeln!(out, "by {group}:")?;
        }
        writeln!(out, "  {:<45} {:>7}", m.value, m.count)?;
    }
    Ok(())
}
