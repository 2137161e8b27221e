//! `citata code accept|reject|add|list`: coders' decisions in a study's decisions.tsv.

use std::io::Write;

use super::{CodeArgs, CodeCommand};
use crate::decisions::{Action, DECISIONS_FILE, Decision, Decisions};
use crate::ingest::{IngestConfig, discover, ingest_source};
use crate::model::{CharIndex, Transcript};

/// Runs a `code` subcommand; returns true on success.
///
/// # Errors
/// An unknown document, sentence or parameter, a span outside the text, a malformed
/// decisions file, or a file that cannot be read or written.
pub fn run(cmd: &CodeCommand, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    match cmd {
        CodeCommand::Accept(a) => decide(Action::Accept, a, out),
        CodeCommand::Reject(a) => decide(Action::Reject, a, out),
        CodeCommand::Add(a) => decide(Action::Add, a, out),
        CodeCommand::List { study } => list(study, out, err),
    }
}

/// The transcripts of a study folder by document id (only those in `docs`, when given).
fn transcripts(study: &std::path::Path, docs: Option<&[&str]>) -> anyhow::Result<Vec<Transcript>> {
    let mut out = Vec::new();
    for s in discover(&[study.to_path_buf()])? {
        if docs.is_none_or(|d| d.contains(&s.doc.as_str())) {
            out.push(ingest_source(&s, &IngestConfig::default())?);
        }
    }
    Ok(out)
}

fn decide(action: Action, a: &CodeArgs, out: &mut dyn Write) -> anyhow::Result<bool> {
    let tagger = crate::study::tagger(a.codebook.as_deref())?;
    let cb = tagger.matcher().codebook();
    if !cb.parameters.iter().any(|p| p.id == a.param) {
        anyhow::bail!(
            "no parameter `{}` in the codebook; the ids are: {}",
            a.param,
            super::memo::param_ids(cb)
        );
    }
    let Some(t) = transcripts(&a.study, Some(&[a.doc.as_str()]))?.pop() else {
        anyhow::bail!(
            "no transcript `{}` in {} (document ids are paths inside the folder, as `citata tag` prints them)",
            a.doc,
            a.study.display()
        );
    };
    let ix = CharIndex::new(&t.text);
    let chars = t.text.chars().count();
    let (start, end) = match (a.sentence, &a.span) {
        (Some(n), _) => {
            let s = t.sentences.get(n).ok_or_else(|| {
                anyhow::anyhow!(
                    "{} has {} sentence(s): no sentence {n}",
                    a.doc,
                    t.sentences.len()
                )
            })?;
            (ix.char_offset(s.span.start), ix.char_offset(s.span.end))
        }
        (None, Some(span)) => {
            let parsed = span
                .split_once("..")
                .and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)));
            match parsed {
                Some((x, y)) if x < y && y <= chars => (x, y),
                _ => anyhow::bail!(
                    "--span {span}: expected START..END, code points with START < END <= {chars}"
                ),
            }
        }
        (None, None) => anyhow::bail!("give --sentence N or --span START..END"),
    };
    let path = a.study.join(DECISIONS_FILE);
    let mut decisions = Decisions::load(&path)?;
    let d = Decision::on(&t, action, (start, end), &a.param, &a.coder)
        .ok_or_else(|| anyhow::anyhow!("{start}..{end} is not a span of {}", a.doc))?;
    let text = d.text.clone();
    decisions.set(d);
    decisions.save(&path)?;
    writeln!(
        out,
        "{}: {} `{}` on «{}» ({} {start}..{end}) by {}",
        path.display(),
        action.as_str(),
        a.param,
        text,
        a.doc,
        a.coder
    )?;
    Ok(true)
}

fn list(study: &std::path::Path, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    let path = study.join(DECISIONS_FILE);
    let decisions = Decisions::load(&path)?;
    let docs: Vec<&str> = decisions.all().map(|d| d.doc.as_str()).collect();
    let found = transcripts(study, Some(&docs))?;
    let mut stale = 0;
    for d in decisions.all() {
        let status = match found.iter().find(|t| t.doc == d.doc) {
            None => "missing".to_string(),
            Some(t) => match Decisions::locate(t, d) {
                Ok(span) => {
                    let ix = CharIndex::new(&t.text);
                    if ix.char_offset(span.start) == d.start {
                        "ok".into()
                    } else {
                        format!("moved to {}", ix.char_offset(span.start))
                    }
                }
                Err(_) => "changed".into(),
            },
        };
        if status == "changed" || status == "missing" {
            stale += 1;
        }
        writeln!(
            out,
            "{}\t{}\t{}..{}\t{}\t{}\t{status}\t«{}»",
            d.action.as_str(),
            d.doc,
            d.start,
            d.end,
            d.param,
            d.coder,
            d.text
        )?;
    }
    if stale > 0 {
        writeln!(
            err,
            "warning: {}: {stale} decision(s) no longer fit their transcript (changed or missing) and are not applied",
            path.display()
        )?;
    }
    Ok(true)
}
