//! `citata agree`: citata's codings against the human codings of a REFI-QDA project.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;

use super::AgreeArgs;
use crate::agree::{Counts, Mapping, agree};
use crate::codebook::Codebook;
use crate::refi::read::read_qdpx;
use crate::tag::Tagger;
use crate::text::Analyzer;

/// Runs `citata agree`; returns true when every source was compared.
///
/// # Errors
/// When the project, the codebook or the map cannot be read, a map entry names an unknown
/// parameter, no human code matches a parameter, or output cannot be written.
pub fn run(args: &AgreeArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    let mut analyzer = Analyzer::new();
    let codebook = Codebook::load(args.codebook.as_deref(), &mut analyzer)?;
    let explicit: BTreeMap<String, String> = match &args.map {
        Some(path) => {
            let src = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&src).with_context(|| {
                format!(
                    "{}: invalid map; write one line per code: \"Human code\" = \"param_id\"",
                    path.display()
                )
            })?
        }
        None => BTreeMap::new(),
    };
    let params = codebook.parameters.len();
    let mapping = Mapping::new(&codebook, params, &explicit).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}",
            args.map
                .as_deref()
                .unwrap_or(std::path::Path::new("map"))
                .display()
        )
    })?;
    let tagger = Tagger::new(codebook, &mut analyzer);
    let (project, result) = match (&args.decisions, &args.project) {
        (Some(study), _) => {
            let path = study.join(crate::decisions::DECISIONS_FILE);
            let decisions = crate::decisions::Decisions::load(&path)?;
            let mut transcripts = Vec::new();
            for s in crate::ingest::discover(std::slice::from_ref(study))? {
                if decisions.all().any(|d| d.doc == s.doc) {
                    transcripts.push(crate::ingest::ingest_source(
                        &s,
                        &crate::ingest::IngestConfig::default(),
                    )?);
                }
            }
            let result = crate::agree::against_decisions(&tagger, transcripts, &decisions);
            if result.sources == 0 {
                anyhow::bail!(
                    "{}: no decision on a transcript of the study; make some with `citata code accept|reject|add`",
                    path.display()
                );
            }
            (path, result)
        }
        (None, Some(project)) => {
            let mut imported = read_qdpx(project)?;
            if let Some(w) = crate::refi::read::line_ends(&mut imported.project, args.crlf_as_one) {
                imported.warnings.push(w);
            }
            for w in &imported.warnings {
                writeln!(err, "warning: {}: {w}", project.display())?;
            }
            (project.clone(), agree(&imported.project, &tagger, &mapping))
        }
        (None, None) => anyhow::bail!("give a PROJECT.qdpx or --decisions STUDY"),
    };
    for w in &result.warnings {
        writeln!(err, "warning: {}: {w}", project.display())?;
    }
    if result.params.is_empty() {
        let codes: Vec<String> = result
            .unmatched
            .iter()
            .map(|(c, _)| format!("«{c}»"))
            .collect();
        anyhow::bail!(
            "{}: no human code matches a parameter of the codebook (codes with codings: {}); name codes by parameter id or name, or give --map MAP.toml with \"Human code\" = \"param_id\" lines",
            project.display(),
            if codes.is_empty() {
                "none".to_string()
            } else {
                codes.join(", ")
            }
        );
    }
    let cb = tagger.matcher().codebook();
    writeln!(
        out,
        "agreement with the human coding in {}: {} source(s), {} respondent sentence(s) compared",
        project.display(),
        result.sources,
        result.sentences
    )?;
    for p in &result.params {
        writeln!(
            out,
            "  {} ← {}",
            cb.parameters[p.param].id,
            p.codes
                .iter()
                .map(|c| format!("«{c}»"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if !result.unmatched.is_empty() {
        writeln!(
            out,
            "  not matched to a parameter: {}",
            result
                .unmatched
                .iter()
                .map(|(c, n)| format!("«{c}» ({n} coding(s))"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if result.interviewer_codings > 0 {
        writeln!(
            out,
            "  {} human coding(s) on interviewer sentences not compared",
            result.interviewer_codings
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<32} {:>5} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6} {:>6}",
        "parameter", "n", "TP", "FP", "FN", "precision", "recall", "F1", "kappa"
    )?;
    for p in &result.params {
        let name: String = cb.parameters[p.param].id.chars().take(32).collect();
        row(out, &name, &p.counts)?;
    }
    row(out, "micro-average", &result.micro())?;
    writeln!(out)?;
    writeln!(
        out,
        "disagreements (up to {} per parameter: FN where citata coded nothing, other FN, FP by keyword, FP by context):",
        args.examples
    )?;
    for p in &result.params {
        if p.disagreements.is_empty() {
            continue;
        }
        writeln!(
            out,
            "{} ({}), {} in all",
            cb.parameters[p.param].id,
            cb.parameters[p.param].name,
            p.disagreements.len()
        )?;
        for d in p.disagreements.iter().take(args.examples) {
            writeln!(
                out,
                "  {}  {} #{}  «{}»  {}",
                d.kind.label(),
                d.source,
                d.sentence + 1,
                d.text.replace('\n', " "),
                d.note
            )?;
        }
    }
    Ok(result.warnings.is_empty())
}

fn row(out: &mut dyn Write, name: &str, c: &Counts) -> std::io::Result<()> {
    let f = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.2}"));
    writeln!(
        out,
        "{:<32} {:>5} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6} {:>6}",
        name,
        c.n(),
        c.tp,
        c.fp,
        c.fn_,
        f(c.precision()),
        f(c.recall()),
        f(c.f1()),
        f(c.kappa())
    )
}
