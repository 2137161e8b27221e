//! `citata import qdpx`: what a project exported by a QDA tool holds.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use super::{ImportCommand, ImportFormat, ImportQdpxArgs};
use crate::refi::char_slice;
use crate::refi::read::read_qdpx;

/// Runs an `import` subcommand; returns true on success.
///
/// # Errors
/// When the package cannot be read (not a zip, no project file, malformed XML), or output
/// cannot be written.
pub fn run(cmd: &ImportCommand, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    match cmd {
        ImportCommand::Qdpx(args) => qdpx(args, out, err),
    }
}

/// A note's line of `citata import qdpx --format ndjson`.
#[derive(Serialize)]
struct WireNote<'a> {
    r#type: &'static str,
    name: &'a str,
    author: Option<&'a str>,
    date: Option<&'a str>,
    on: Vec<String>,
    text: &'a str,
}

/// What refers to each note: `source NAME`, `selection NAME START..END`, `code PATH`.
fn note_targets(p: &crate::refi::Project) -> HashMap<&str, Vec<String>> {
    let mut on: HashMap<&str, Vec<String>> = HashMap::new();
    let paths = p.code_paths();
    for (_, c) in p.codes_flat() {
        for n in &c.notes {
            on.entry(n)
                .or_default()
                .push(format!("code {}", paths[&c.guid]));
        }
    }
    for s in &p.sources {
        for n in &s.notes {
            on.entry(n).or_default().push(format!("source {}", s.name));
        }
        for sel in &s.selections {
            for n in &sel.notes {
                on.entry(n)
                    .or_default()
                    .push(format!("selection {} {}..{}", s.name, sel.start, sel.end));
            }
        }
    }
    on
}

/// One line of `citata import qdpx --format ndjson`.
#[derive(Serialize)]
struct WireCoding<'a> {
    r#type: &'static str,
    source: &'a str,
    code: &'a str,
    start: usize,
    end: usize,
    text: &'a str,
}

fn qdpx(args: &ImportQdpxArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    let mut imported = read_qdpx(&args.file)?;
    if let Some(w) = crate::refi::read::line_ends(&mut imported.project, args.crlf_as_one) {
        imported.warnings.push(w);
    }
    for w in &imported.warnings {
        writeln!(err, "warning: {}: {w}", args.file.display())?;
    }
    let p = &imported.project;
    let paths = p.code_paths();
    let mut targets = note_targets(p);
    let user_name = |g: &Option<String>| {
        g.as_ref().and_then(|g| {
            p.users
                .iter()
                .find(|u| u.guid == *g)
                .map(|u| u.name.as_str())
        })
    };
    match args.format {
        ImportFormat::Ndjson => {
            for s in &p.sources {
                for sel in &s.selections {
                    for c in &sel.codings {
                        serde_json::to_writer(
                            &mut *out,
                            &WireCoding {
                                r#type: "coding",
                                source: &s.name,
                                code: &paths[&c.code],
                                start: sel.start,
                                end: sel.end,
                                text: char_slice(&s.text, sel.start, sel.end).unwrap_or(""),
                            },
                        )?;
                        writeln!(out)?;
                    }
                }
            }
            for n in &p.notes {
                serde_json::to_writer(
                    &mut *out,
                    &WireNote {
                        r#type: "note",
                        name: &n.name,
                        author: user_name(&n.user),
                        date: n.date.as_deref(),
                        on: targets.remove(n.guid.as_str()).unwrap_or_default(),
                        text: &n.text,
                    },
                )?;
                writeln!(out)?;
            }
        }
        ImportFormat::Text => {
            let mut per_code: HashMap<&str, usize> = HashMap::new();
            let mut total = 0usize;
            for c in p
                .sources
                .iter()
                .flat_map(|s| &s.selections)
                .flat_map(|sel| &sel.codings)
            {
                *per_code.entry(c.code.as_str()).or_default() += 1;
                total += 1;
            }
            let codes = p.codes_flat();
            writeln!(
                out,
                "project «{}»{} ({})",
                p.name,
                if p.origin.is_empty() {
                    String::new()
                } else {
                    format!(" from {}", p.origin)
                },
                args.file.display()
            )?;
            writeln!(
                out,
                "{} text source(s), {} code(s), {} case(s), {} coding(s)",
                p.sources.len(),
                codes.len(),
                p.cases.len(),
                total
            )?;
            writeln!(out, "sources:")?;
            for s in &p.sources {
                writeln!(
                    out,
                    "  {}: {} characters, {} selection(s)",
                    s.name,
                    s.text.chars().count(),
                    s.selections.len()
                )?;
            }
            if !p.cases.is_empty() {
                let vars: HashMap<&str, &str> = p
                    .variables
                    .iter()
                    .map(|v| (v.guid.as_str(), v.name.as_str()))
                    .collect();
                writeln!(out, "cases:")?;
                for c in &p.cases {
                    let values: Vec<String> = c
                        .values
                        .iter()
                        .map(|v| {
                            format!(
                                "{} = {}",
                                vars.get(v.variable.as_str()).copied().unwrap_or("?"),
                                v.text
                            )
                        })
                        .collect();
                    writeln!(
                        out,
                        "  {}: {} source(s){}{}",
                        c.name,
                        c.sources.len(),
                        if values.is_empty() { "" } else { "; " },
                        values.join(", ")
                    )?;
                }
            }
            writeln!(out, "codes (codings):")?;
            for (depth, c) in codes {
                writeln!(
                    out,
                    "{}{} ({}){}",
                    "  ".repeat(depth + 1),
                    c.name,
                    per_code.get(c.guid.as_str()).copied().unwrap_or(0),
                    if c.codable { "" } else { " [category]" }
                )?;
            }
            if !p.notes.is_empty() {
                writeln!(out, "notes:")?;
                for n in &p.notes {
                    let on = targets.remove(n.guid.as_str()).unwrap_or_default();
                    writeln!(
                        out,
                        "  {}{}{}{}: {}",
                        if n.name.is_empty() {
                            "(no name)"
                        } else {
                            &n.name
                        },
                        user_name(&n.user).map_or(String::new(), |u| format!(" by {u}")),
                        n.date
                            .as_deref()
                            .map_or(String::new(), |d| format!(" ({d})")),
                        if on.is_empty() {
                            String::new()
                        } else {
                            format!(" on {}", on.join(", "))
                        },
                        crate::decisions::escape_field(&n.text)
                    )?;
                }
            }
        }
    }
    Ok(true)
}
