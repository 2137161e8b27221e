//! `citata codebook check | explain | audit`.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use super::CodebookCommand;
use crate::codebook::explain::{Audit, explain};
use crate::codebook::matcher::{EntryKind, EntryRef};
use crate::codebook::{Codebook, Pattern};
use crate::ingest::{IngestConfig, discover, ingest_source};
use crate::tag::Tagger;
use crate::text::Analyzer;

/// Runs a `codebook` subcommand; returns false when something failed (exit 2).
///
/// # Errors
/// When the codebook cannot be read or is invalid (except for `check`, which reports it),
/// or output cannot be written.
pub fn run(
    cmd: &CodebookCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<bool> {
    let mut analyzer = Analyzer::new();
    match cmd {
        CodebookCommand::Check { file } => check(file.as_deref(), &mut analyzer, out, err),
        CodebookCommand::Explain { codebook, words } => {
            let cb = Codebook::load(codebook.as_deref(), &mut analyzer)?;
            let tagger = Tagger::new(cb, &mut analyzer);
            tagger.with_thread_state(|state| -> anyhow::Result<()> {
                for w in words {
                    let e = explain(tagger.matcher(), &mut state.matching, w);
                    let lemmas = if e.lemmas.is_empty() {
                        "not in the dictionary (matched by stem)".to_string()
                    } else {
                        e.lemmas.join(", ")
                    };
                    writeln!(
                        out,
                        "{}: normal form «{}», lemmas: {}, stem: {}",
                        e.word, e.norm, lemmas, e.stem
                    )?;
                    if e.matches.is_empty() {
                        writeln!(out, "  matches nothing")?;
                    }
                    for (r, raw) in &e.matches {
                        writeln!(out, "  matches {}", describe(&tagger, r, raw))?;
                    }
                }
                Ok(())
            })?;
            Ok(true)
        }
        CodebookCommand::Audit {
            codebook,
            paths,
            dead,
        } => audit(codebook.as_deref(), paths, *dead, &mut analyzer, out, err),
        CodebookCommand::Export {
            format: super::CodebookFormat::Qdc,
            codebook,
            out: file,
        } => {
            let cb = Codebook::load(codebook.as_deref(), &mut analyzer)?;
            let qdc = crate::refi::qdc::to_qdc(&cb);
            match file {
                Some(path) => super::write_atomically(path, qdc.as_bytes())?,
                None => out.write_all(qdc.as_bytes())?,
            }
            Ok(true)
        }
        CodebookCommand::Import { file, out: dest } => {
            let codes = crate::refi::read::read_codes(file)?;
            if codes.is_empty() {
                anyhow::bail!("{}: no codes in it; nothing to import", file.display());
            }
            let name = file
                .file_stem()
                .map_or("codebook".into(), |s| s.to_string_lossy().into_owned());
            let toml = crate::refi::qdc::skeleton(&codes, &name, &file.display().to_string());
            match dest {
                Some(path) => super::write_atomically(path, toml.as_bytes())?,
                None => out.write_all(toml.as_bytes())?,
            }
            Ok(true)
        }
    }
}

fn describe(tagger: &Tagger, r: &EntryRef, raw: &str) -> String {
    let cb = tagger.matcher().codebook();
    let p = &cb.parameters[r.param];
    if r.param >= tagger.params() {
        return format!("marker `{}`: `{raw}`", p.id.trim_start_matches('_'));
    }
    let list = match r.kind {
        EntryKind::Term => "term",
        EntryKind::Exclude => "exclude",
        EntryKind::Question => "question cue",
    };
    let line = match r.kind {
        EntryKind::Term => p.terms[r.index].line,
        EntryKind::Exclude => p.exclude[r.index].line,
        EntryKind::Question => p.questions[r.index].line,
    };
    format!("{} ({}): {list} `{raw}` (line {line})", p.id, p.name)
}

fn check(
    file: Option<&Path>,
    analyzer: &mut Analyzer,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<bool> {
    let cb = match Codebook::load(file, analyzer) {
        Ok(cb) => cb,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(false);
        }
    };
    writeln!(
        out,
        "{} {} ({})",
        cb.name,
        cb.version.as_deref().unwrap_or(""),
        cb.source
    )?;
    let (mut terms, mut phrases, mut questions, mut excludes) = (0, 0, 0, 0);
    for p in &cb.parameters {
        terms += p.terms.len();
        phrases += p
            .terms
            .iter()
            .filter(|e| {
                matches!(&e.pattern, Pattern::Phrase(w) if w.len() > 1)
                    || matches!(e.pattern, Pattern::Near { .. })
            })
            .count();
        questions += p.questions.len();
        excludes += p.exclude.len();
    }
    writeln!(
        out,
        "{} levels, {} parameters, {terms} terms ({phrases} phrases), {questions} question cues, {excludes} exclusions",
        cb.levels.len(),
        cb.parameters.len()
    )?;
    for (li, l) in cb.levels.iter().enumerate() {
        let ps: Vec<&str> = cb
            .parameters
            .iter()
            .filter(|p| p.level == li)
            .map(|p| p.id.as_str())
            .collect();
        writeln!(out, "  {} «{}»: {}", l.id, l.name, ps.join(", "))?;
    }
    for w in &cb.warnings {
        writeln!(out, "warning: {w}")?;
    }
    writeln!(out, "{} warning(s), no errors", cb.warnings.len())?;
    Ok(true)
}

fn audit(
    codebook: Option<&Path>,
    paths: &[std::path::PathBuf],
    dead_only: bool,
    analyzer: &mut Analyzer,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<bool> {
    let cb = Codebook::load(codebook, analyzer)?;
    let tagger = Tagger::new(cb, analyzer);
    let sources = discover(paths)?;
    let config = IngestConfig::default();
    let results: Vec<Result<Audit, crate::Error>> = sources
        .par_iter()
        .map(|s| {
            let t = ingest_source(s, &config)?;
            Ok(tagger.with_thread_state(|state| {
                let mut a = Audit::default();
                a.add(tagger.matcher(), &mut state.matching, &t);
                a
            }))
        })
        .collect();
    let mut audit = Audit::default();
    let mut ok = true;
    for r in results {
        match r {
            Ok(a) => audit.merge(a),
            Err(e) => {
                ok = false;
                writeln!(err, "error: {e}")?;
            }
        }
    }
    let cb = tagger.matcher().codebook();
    let mut dead = 0usize;
    let mut entries = 0usize;
    for (pi, p) in cb.parameters.iter().enumerate().take(tagger.params()) {
        writeln!(out, "{} ({})", p.id, p.name)?;
        let lists = [
            (EntryKind::Term, &p.terms, "term"),
            (EntryKind::Exclude, &p.exclude, "exclude"),
            (EntryKind::Question, &p.questions, "question"),
        ];
        for (kind, list, label) in lists {
            for (index, e) in list.iter().enumerate() {
                entries += 1;
                let r = EntryRef {
                    param: pi,
                    kind,
                    index,
                };
                match audit.forms.get(&r) {
                    None => {
                        dead += 1;
                        writeln!(out, "  {label} `{}` (line {}): no match", e.raw, e.line)?;
                    }
                    Some(_) if dead_only => {}
                    Some(forms) => {
                        let mut v: Vec<(&String, &usize)> = forms.iter().collect();
                        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                        let total: usize = v.iter().map(|(_, n)| **n).sum();
                        let shown: Vec<String> =
                            v.iter().map(|(f, n)| format!("{f} ×{n}")).collect();
                        writeln!(
                            out,
                            "  {label} `{}` (line {}): {total} — {}",
                            e.raw,
                            e.line,
                            shown.join(", ")
                        )?;
                    }
                }
            }
        }
    }
    writeln!(
        out,
        "{} sentences; {entries} entries, {dead} matched nothing",
        audit.sentences
    )?;
    Ok(ok)
}
