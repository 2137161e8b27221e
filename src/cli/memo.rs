//! `citata memo add|list|remove`: researchers' notes in a study's memos.tsv.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{MemoAddArgs, MemoCommand, MemoFormat};
use crate::codebook::Codebook;
use crate::decisions::escape_field;
use crate::ingest::{IngestConfig, discover, ingest_source};
use crate::memos::{Anchor, MEMOS_FILE, Memo, Memos, NotRemoved, SpanAnchor, normalize_date};
use crate::model::{CharIndex, Transcript};

/// Runs a `memo` subcommand; returns true on success.
///
/// # Errors
/// An unknown document, sentence or parameter, a span outside the text, an unknown memo id,
/// a malformed memos file, or a file that cannot be read or written.
pub fn run(cmd: &MemoCommand, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    match cmd {
        MemoCommand::Add(a) => add(a, out),
        MemoCommand::List {
            study,
            format,
            codebook,
        } => list(study, *format, codebook.as_deref(), out, err),
        MemoCommand::Remove { study, id } => remove(study, id, out),
    }
}

/// The codebook of a study: `--codebook`, else the study file's, else the embedded one.
fn codebook(study: &Path, given: Option<&Path>) -> anyhow::Result<Codebook> {
    let path: Option<PathBuf> = match given {
        Some(p) => Some(p.to_path_buf()),
        None => crate::study::StudyFile::load(study)?
            .codebook
            .map(|c| study.join(c)),
    };
    Ok(Codebook::load(
        path.as_deref(),
        &mut crate::text::Analyzer::new(),
    )?)
}

/// The ids of the codebook's parameters (the tagger's markers left out).
pub(super) fn param_ids(cb: &Codebook) -> String {
    cb.parameters
        .iter()
        .filter(|p| !p.id.starts_with('_'))
        .map(|p| p.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The transcripts of a study folder whose ids are in `docs`.
fn transcripts(study: &Path, docs: &[&str]) -> anyhow::Result<Vec<Transcript>> {
    let mut out = Vec::new();
    for s in discover(&[study.to_path_buf()])? {
        if docs.contains(&s.doc.as_str()) {
            out.push(ingest_source(&s, &IngestConfig::default())?);
        }
    }
    Ok(out)
}

/// The code point span `START..END` of `--span`, checked against a text of `chars` code
/// points.
fn parse_span(span: &str, chars: usize) -> anyhow::Result<(usize, usize)> {
    let parsed = span
        .split_once("..")
        .and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)));
    match parsed {
        Some((x, y)) if x < y && y <= chars => Ok((x, y)),
        _ => anyhow::bail!(
            "--span {span}: expected START..END, code points with START < END <= {chars} (the length of the transcript's canonical text)"
        ),
    }
}

fn add(a: &MemoAddArgs, out: &mut dyn Write) -> anyhow::Result<bool> {
    let text = if a.text == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s.trim_end_matches(['\n', '\r']).to_string()
    } else {
        a.text.clone()
    };
    if text.trim().is_empty() {
        anyhow::bail!("the memo's text is empty");
    }
    let date = match &a.date {
        Some(d) => normalize_date(d).ok_or_else(|| {
            anyhow::anyhow!("--date {d}: expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")
        })?,
        None => crate::memos::now(),
    };
    let author = a
        .author
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into());
    let anchor = match (&a.param, &a.doc) {
        (Some(p), _) => {
            let cb = codebook(&a.study, a.codebook.as_deref())?;
            if cb.parameter(p).is_none() {
                anyhow::bail!(
                    "no parameter `{p}` in the codebook; the ids are: {}",
                    param_ids(&cb)
                );
            }
            Anchor::Parameter(p.clone())
        }
        (None, Some(doc)) => {
            let Some(t) = transcripts(&a.study, &[doc.as_str()])?.pop() else {
                anyhow::bail!(
                    "no transcript `{doc}` in {} (document ids are paths inside the folder, as `citata tag` prints them)",
                    a.study.display()
                );
            };
            let ix = CharIndex::new(&t.text);
            let chars = t.text.chars().count();
            let span = match (a.sentence, &a.span) {
                (Some(n), _) => {
                    let s = t.sentences.get(n).ok_or_else(|| {
                        anyhow::anyhow!(
                            "{doc} has {} sentence(s): no sentence {n}",
                            t.sentences.len()
                        )
                    })?;
                    Some((ix.char_offset(s.span.start), ix.char_offset(s.span.end)))
                }
                (None, Some(span)) => Some(parse_span(span, chars)?),
                (None, None) => None,
            };
            match span {
                None => Anchor::Document(doc.clone()),
                Some((start, end)) => Anchor::Span(
                    SpanAnchor::new(doc, &t.text, start, end)
                        .ok_or_else(|| anyhow::anyhow!("empty span {start}..{end}"))?,
                ),
            }
        }
        (None, None) => anyhow::bail!("give --doc DOC (with --sentence or --span) or --param ID"),
    };
    let path = a.study.join(MEMOS_FILE);
    let mut memos = Memos::load(&path)?;
    let id = memos.add(Memo {
        anchor,
        author,
        date,
        text,
    });
    memos.save(&path)?;
    let m = memos.all().find(|m| m.id() == id).expect("just added");
    writeln!(
        out,
        "{}: memo {id} on {} by {}",
        path.display(),
        anchor_text(&m.anchor),
        m.author
    )?;
    Ok(true)
}

/// How a memo's anchor reads in the CLI's output.
fn anchor_text(a: &Anchor) -> String {
    match a {
        Anchor::Document(d) => d.clone(),
        Anchor::Parameter(p) => format!("parameter `{p}`"),
        Anchor::Span(s) => format!("{} {}..{} «{}»", s.doc, s.start, s.end, s.text),
    }
}

/// One line of `citata memo list --format ndjson`.
#[derive(Serialize)]
struct WireMemo<'a> {
    id: String,
    on: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    param: Option<&'a str>,
    start: Option<usize>,
    end: Option<usize>,
    span: Option<&'a str>,
    author: &'a str,
    date: &'a str,
    text: &'a str,
    status: String,
}

fn list(
    study: &Path,
    format: MemoFormat,
    codebook_path: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<bool> {
    let path = study.join(MEMOS_FILE);
    let memos = Memos::load(&path)?;
    let mut docs: Vec<&str> = memos.all().filter_map(|m| m.anchor.doc()).collect();
    docs.dedup();
    let found = transcripts(study, &docs)?;
    let cb = if memos.all().any(|m| m.anchor.param().is_some()) {
        Some(codebook(study, codebook_path)?)
    } else {
        None
    };
    let mut stale = 0;
    for m in memos.all() {
        let status = match &m.anchor {
            Anchor::Parameter(p) => {
                if cb.as_ref().is_some_and(|cb| cb.parameter(p).is_some()) {
                    "ok".to_string()
                } else {
                    "unknown".into()
                }
            }
            Anchor::Document(d) | Anchor::Span(SpanAnchor { doc: d, .. }) => {
                match found.iter().find(|t| t.doc == *d) {
                    None => "missing".into(),
                    Some(t) => match crate::memos::place(m, &t.text) {
                        Ok(None) => "ok".into(),
                        Ok(Some(span)) => {
                            let start = CharIndex::new(&t.text).char_offset(span.start);
                            match &m.anchor {
                                Anchor::Span(s) if s.start != start => {
                                    format!("moved to {start}")
                                }
                                _ => "ok".into(),
                            }
                        }
                        Err(_) => "changed".into(),
                    },
                }
            }
        };
        if matches!(status.as_str(), "changed" | "missing" | "unknown") {
            stale += 1;
        }
        match format {
            MemoFormat::Ndjson => {
                let span = match &m.anchor {
                    Anchor::Span(s) => Some(s),
                    _ => None,
                };
                serde_json::to_writer(
                    &mut *out,
                    &WireMemo {
                        id: m.id(),
                        on: m.anchor.kind(),
                        doc: m.anchor.doc(),
                        param: m.anchor.param(),
                        start: span.map(|s| s.start),
                        end: span.map(|s| s.end),
                        span: span.map(|s| s.text.as_str()),
                        author: &m.author,
                        date: &m.date,
                        text: &m.text,
                        status,
                    },
                )?;
                writeln!(out)?;
            }
            MemoFormat::Text => writeln!(
                out,
                "{}\t{}\t{status}\t{}\t{}\t{}",
                m.id(),
                escape_field(&anchor_text(&m.anchor)),
                escape_field(&m.author),
                m.date,
                escape_field(&m.text)
            )?,
        }
    }
    if stale > 0 {
        writeln!(
            err,
            "warning: {}: {stale} memo(s) no longer fit their transcript or the codebook (changed, missing or unknown); they are kept",
            path.display()
        )?;
    }
    Ok(true)
}

fn remove(study: &Path, id: &str, out: &mut dyn Write) -> anyhow::Result<bool> {
    let path = study.join(MEMOS_FILE);
    let mut memos = Memos::load(&path)?;
    match memos.remove(id.trim()) {
        Ok(m) => {
            memos.save(&path)?;
            writeln!(
                out,
                "{}: removed memo {} on {} by {}",
                path.display(),
                m.id(),
                anchor_text(&m.anchor),
                m.author
            )?;
            Ok(true)
        }
        Err(NotRemoved::None) => anyhow::bail!(
            "no memo with id `{id}` in {} ({} memo(s); `citata memo list` prints their ids)",
            path.display(),
            memos.len()
        ),
        Err(NotRemoved::Ambiguous(ids)) => anyhow::bail!(
            "`{id}` is the start of several memo ids ({}); give more of it",
            ids.join(", ")
        ),
    }
}
