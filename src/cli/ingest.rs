//! `citata ingest`: a summary per transcript, or NDJSON with canonical text and offsets.

use std::io::Write;

use super::{IngestArgs, OutputFormat};
use crate::ingest::{IngestConfig, ingest_source};
use crate::model::Transcript;

/// Runs `citata ingest`; returns true when every file was read.
///
/// # Errors
/// When a path does not exist or output cannot be written.
pub fn run(args: &IngestArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    let config = IngestConfig {
        max_file_bytes: args.max_file_mb.saturating_mul(1 << 20),
        interviewers: args.interviewer.clone(),
        ..IngestConfig::default()
    };
    let Some(sources) = super::transcripts(&args.paths, err)? else {
        return Ok(false);
    };
    let mut ok = true;
    let (mut files, mut words, mut turns, mut sentences) = (0usize, 0usize, 0usize, 0usize);
    // Workers read and format; this thread writes in input order (memory stays flat).
    let work =
        |_: usize, s: &crate::ingest::Source| -> crate::Result<(usize, usize, usize, Vec<u8>)> {
            let t = ingest_source(s, &config)?;
            let mut buf = Vec::new();
            match args.format {
                OutputFormat::Text if args.check => write_check(&t, &mut buf),
                OutputFormat::Text => write_summary(&t, &mut buf),
                OutputFormat::Ndjson => {
                    crate::ingest::wire::write_ndjson(&t, &mut buf).map_err(std::io::Error::from)
                }
            }
            .map_err(|e| crate::Error::BadInput {
                path: s.path.clone(),
                reason: format!("formatting: {e}"),
            })?;
            Ok((t.word_count(), t.turns.len(), t.sentences.len(), buf))
        };
    let mut write = |r: crate::Result<(usize, usize, usize, Vec<u8>)>| -> anyhow::Result<()> {
        match r {
            Ok((w, tu, se, buf)) => {
                files += 1;
                words += w;
                turns += tu;
                sentences += se;
                out.write_all(&buf)?;
            }
            Err(e) => {
                ok = false;
                writeln!(err, "error: {e}")?;
            }
        }
        Ok(())
    };
    crate::study::pass::ordered(&sources, super::threads(None), work, &mut write)?;
    let failed = sources.len() - files;
    if args.format == OutputFormat::Text {
        writeln!(
            out,
            "{files} transcript(s), {words} words, {turns} turns, {sentences} sentences; {failed} failed"
        )?;
    }
    Ok(ok)
}

fn write_summary(t: &Transcript, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}  [{}, {}]  {} words, {} turns, {} sentences",
        t.doc,
        t.format.as_str(),
        t.encoding,
        t.word_count(),
        t.turns.len(),
        t.sentences.len()
    )?;
    let speakers: Vec<String> = t
        .speakers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let n = t.turns.iter().filter(|x| x.speaker == i).count();
            format!(
                "{} = {} ({}, {} turns)",
                s.label,
                s.role.as_str(),
                s.role_source.as_str(),
                n
            )
        })
        .collect();
    writeln!(out, "  speakers: {}", speakers.join("; "))?;
    if !t.meta.is_empty() {
        let meta: Vec<String> = t.meta.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(out, "  meta: {}", meta.join(", "))?;
    }
    for w in &t.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    Ok(())
}

/// `citata ingest --check`: per speaker role, role source, turns and words; then what
/// needs a look.
fn write_check(t: &Transcript, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}  [{}, {}]  {} speaker(s), {} turns, {} sentences",
        t.doc,
        t.format.as_str(),
        t.encoding,
        t.speakers.len(),
        t.turns.len(),
        t.sentences.len()
    )?;
    let mut turns = vec![0usize; t.speakers.len()];
    let mut words = vec![0usize; t.speakers.len()];
    for turn in &t.turns {
        turns[turn.speaker] += 1;
        words[turn.speaker] += crate::text::WordSpans::new(t.slice(turn.span)).count();
    }
    let width = t
        .speakers
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for (i, s) in t.speakers.iter().enumerate() {
        let label: String = s.label.chars().take(40).collect();
        writeln!(
            out,
            "  {label:<width$}  {:<11} {:<9} {:>5} turns {:>7} words",
            s.role.as_str(),
            s.role_source.as_str(),
            turns[i],
            words[i],
        )?;
    }
    let mut unsure = Vec::new();
    let interviewers = t
        .speakers
        .iter()
        .filter(|s| s.role == crate::model::Role::Interviewer)
        .count();
    if t.speakers.len() > 1 && interviewers == 0 {
        unsure.push(
            "no interviewer: nobody clearly asks the questions (a discussion, a meeting, a \
             film?); if this is an interview, name the interviewer with --interviewer NAME or \
             `interviewer:` in front matter / respondents.csv"
                .to_string(),
        );
    }
    for (i, s) in t.speakers.iter().enumerate() {
        if s.role_source == crate::model::RoleSource::Heuristic && t.speakers.len() > 1 {
            unsure.push(format!(
                "the role of «{}» ({}) is guessed from who asks the questions",
                s.label,
                s.role.as_str()
            ));
        }
        if turns[i] == 1 && t.speakers.len() > 2 {
            unsure.push(format!(
                "«{}» speaks once: a real speaker, or a line that only looks like a label?",
                s.label
            ));
        }
    }
    for w in &t.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    for u in &unsure {
        writeln!(out, "  unsure: {u}")?;
    }
    if unsure.is_empty() && t.warnings.is_empty() {
        writeln!(out, "  ok")?;
    }
    Ok(())
}
