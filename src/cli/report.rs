//! `citata report`: the study's report as HTML, Markdown, the JSON model, a Word document or
//! an Excel workbook (with the coding matrix).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{ReportArgs, in_order, threads};
use crate::codebook::Codebook;
use crate::ingest::{IngestConfig, Source, ingest_source};
use crate::model::Role;
use crate::quotes::{QuoteConfig, attribute, candidates, mask, wishes};
use crate::report::xlsx::{Matrix, MatrixRow, matrix_rows};
use crate::report::{Inputs, Study, build, docx, render, xlsx};
use crate::tag::Tagger;
use crate::text::Analyzer;

/// The study file looked for in the study folder.
pub const STUDY_FILE: &str = "citata.toml";

/// The report formats, by the extension of `--out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Html,
    Markdown,
    Json,
    Docx,
    Xlsx,
}

impl Format {
    /// The format of `out`, or an error that names the supported extensions.
    fn of(out: &Path) -> anyhow::Result<Format> {
        let ext = out
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_lowercase();
        Ok(match ext.as_str() {
            "html" | "htm" => Format::Html,
            "md" | "markdown" => Format::Markdown,
            "json" => Format::Json,
            "docx" => Format::Docx,
            "xlsx" => Format::Xlsx,
            other => anyhow::bail!(
                "{}: unknown report format `.{other}`; use .html, .md, .json, .docx or .xlsx",
                out.display()
            ),
        })
    }
}

/// What one transcript gives the report.
struct FileFacts {
    doc: String,
    file: String,
    wave: String,
    division: String,
    ratings: Vec<(usize, f32)>,
    /// Its ratings read with low confidence.
    uncertain: Vec<(usize, crate::report::UncertainRating)>,
    candidates: Vec<crate::quotes::Quote>,
    codings: Vec<(usize, usize)>,
    wishes: Vec<wishes::Wish>,
    /// Its sentences with their codes, only for an .xlsx report (empty otherwise).
    matrix: Vec<MatrixRow>,
}

/// Runs `citata report`; returns true when every file was read.
///
/// # Errors
/// When the study file or codebook is invalid, the folder does not exist, or the report
/// cannot be written.
pub fn run(args: &ReportArgs, _out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    // Before any work: a wrong extension fails at once, and nothing is written.
    let format = Format::of(&args.out)?;
    let study_path = args.path.join(STUDY_FILE);
    let study: Study = if study_path.is_file() {
        let src = std::fs::read_to_string(&study_path)
            .with_context(|| format!("reading {}", study_path.display()))?;
        toml::from_str(&src)
            .with_context(|| format!("{}: invalid study file", study_path.display()))?
    } else {
        Study::default()
    };
    let mut analyzer = Analyzer::new();
    let codebook_path: Option<PathBuf> = args
        .codebook
        .clone()
        .or_else(|| study.codebook.as_ref().map(|c| args.path.join(c)));
    let codebook = Codebook::load(codebook_path.as_deref(), &mut analyzer)?;
    let params = codebook.parameters.len();
    let tagger = Tagger::new(codebook, &mut analyzer);
    let mut quote_config = QuoteConfig::default();
    if let Some(a) = &study.attribution {
        quote_config.attribution = a.clone();
    }
    // The previous wave: a folder of transcripts, or a saved report JSON.
    let previous_arg: Option<PathBuf> = args
        .previous
        .clone()
        .or_else(|| study.previous.as_ref().map(|p| args.path.join(p)));
    let previous_json = previous_arg
        .as_ref()
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        })
        .map(|p| read_previous_report(p))
        .transpose()?;
    let previous_folder = previous_arg.filter(|_| previous_json.is_none());
    let mut paths = vec![args.path.clone()];
    if let Some(p) = &previous_folder {
        paths.push(p.clone());
    }
    let Some(sources) = super::transcripts(&paths, err)? else {
        return Ok(false);
    };
    let config = IngestConfig::default();
    let indexed: Vec<(usize, &Source)> = sources.iter().enumerate().collect();
    let work = |(i, s): &(usize, &Source)| -> crate::Result<FileFacts> {
        let t = ingest_source(s, &config)?;
        let from_previous = args
            .previous
            .as_ref()
            .is_some_and(|p| s.path.starts_with(p));
        let mut wave = t.meta.get("wave").cloned().unwrap_or_default();
        if from_previous && wave.is_empty() {
            wave = "previous".into();
        }
        tagger.with_thread_state(|state| {
            let codings = tagger.tag(state, &t);
            let read = crate::ratings::extract(&t, &codings, &mut state.matching.analyzer);
            let ratings = read.iter().map(|r| (r.param, r.value)).collect();
            let mut counts = std::collections::BTreeMap::new();
            let who = attribute(&quote_config.attribution, &t, i + 1);
            let private = mask::private_words(&t);
            let uncertain = read
                .iter()
                .filter(|r| r.is_low())
                .map(|r| {
                    (
                        r.param,
                        crate::report::UncertainRating {
                            param: tagger.matcher().codebook().parameters[r.param].id.clone(),
                            value: r.value,
                            confidence: r.confidence,
                            doc: t.doc.clone(),
                            text: mask::mask(t.slice(r.evidence), &private),
                            reason: r.reason(&t.text).map(|x| mask::mask(&x, &private)),
                        },
                    )
                })
                .collect();
            for c in &codings {
                if t.turn_speaker(&t.turns[c.turn]).role != Role::Respondent {
                    continue;
                }
                if let Some(p) = c.param {
                    *counts.entry(p).or_insert(0usize) += 1;
                }
            }
            let wishes = wishes::collect(&t, &codings, &who, &mut state.matching.analyzer);
            let matrix = if format == Format::Xlsx {
                matrix_rows(&t, &codings, params, &wave)
            } else {
                Vec::new()
            };
            let quotes = candidates(
                &t,
                &codings,
                i + 1,
                &quote_config,
                &mut state.matching.analyzer,
            );
            Ok(FileFacts {
                doc: t.doc.clone(),
                file: s
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                wave,
                division: t.meta.get("division").cloned().unwrap_or_default(),
                ratings,
                uncertain,
                candidates: quotes,
                codings: counts.into_iter().collect(),
                wishes,
                matrix,
            })
        })
    };
    // Per file only the small facts are kept; quotes and wishes go into bounded pools per
    // wave as they arrive, so memory stays flat on a large corpus.
    let mut facts: Vec<FileFacts> = Vec::new();
    let mut pools: BTreeMap<String, (Vec<Vec<crate::quotes::Quote>>, Vec<wishes::Wish>)> =
        BTreeMap::new();
    // The coding matrix (.xlsx only): every sentence, in file order, up to Excel's rows.
    let mut matrix = Matrix {
        params: tagger
            .matcher()
            .codebook()
            .parameters
            .iter()
            .map(|p| p.id.clone())
            .collect(),
        ..Matrix::default()
    };
    let mut ok = true;
    let bar = super::progress(indexed.len(), false);
    let mut collect = |r: crate::Result<FileFacts>| -> anyhow::Result<()> {
        bar.inc(1);
        match r {
            Ok(mut f) => {
                let (quotes, wishes) = pools
                    .entry(f.wave.clone())
                    .or_insert_with(|| (vec![Vec::new(); params], Vec::new()));
                for q in std::mem::take(&mut f.candidates) {
                    let p = q.param;
                    if p < params {
                        quotes[p].push(q);
                        crate::quotes::keep_best(&mut quotes[p]);
                    }
                }
                let room = (10 * crate::report::MAX_WISHES).saturating_sub(wishes.len());
                wishes.extend(f.wishes.drain(..).take(room));
                matrix.extend(std::mem::take(&mut f.matrix));
                facts.push(f);
            }
            Err(e) => {
                ok = false;
                bar.suspend(|| writeln!(err, "error: {e}"))?;
            }
        }
        Ok(())
    };
    in_order(&indexed, threads(args.jobs), work, &mut collect)?;
    bar.finish_and_clear();
    let waves: BTreeSet<&str> = facts.iter().map(|f| f.wave.as_str()).collect();
    let wave = study
        .wave
        .clone()
        .or_else(|| {
            waves
                .iter()
                .rfind(|w| **w != "previous")
                .map(|w| w.to_string())
        })
        .unwrap_or_default();
    let previous = study.previous_wave.clone().or_else(|| {
        if let Some((wave, _)) = &previous_json {
            return Some(wave.clone());
        }
        if previous_folder.is_some() && waves.contains("previous") {
            return Some("previous".to_string());
        }
        waves
            .iter()
            .rfind(|w| **w < wave.as_str() && **w != "previous")
            .map(|w| w.to_string())
    });
    let csv = args.path.join(crate::ratings::RATINGS_CSV);
    if csv.is_file() {
        let cb = tagger.matcher().codebook();
        for c in crate::ratings::read_csv(&csv, cb)? {
            let Some(f) = facts
                .iter_mut()
                .find(|f| f.file == c.file || f.doc == c.file)
            else {
                writeln!(
                    err,
                    "{}: no transcript `{}` in the study; row ignored",
                    csv.display(),
                    c.file
                )?;
                continue;
            };
            // Every respondent's transcript rating of the parameter gives way to the csv's.
            let replaced: Vec<String> = f
                .ratings
                .iter()
                .filter(|(p, _)| *p == c.param)
                .map(|(_, v)| v.to_string())
                .collect();
            if !replaced.is_empty() {
                writeln!(
                    err,
                    "{}: {} {}: {} (transcript) replaced by {} (csv)",
                    csv.display(),
                    f.doc,
                    cb.parameters[c.param].id,
                    replaced.join(", "),
                    c.value
                )?;
            }
            f.ratings.retain(|(p, _)| *p != c.param);
            f.uncertain.retain(|(p, _)| *p != c.param);
            f.ratings.push((c.param, c.value));
        }
    }
    let (candidates, wishes) = pools
        .remove(&wave)
        .unwrap_or_else(|| (vec![Vec::new(); params], Vec::new()));
    let mut inputs = Inputs {
        codings: vec![0; params],
        candidates,
        wishes,
        pins: crate::report::pins::Pins::load(&args.path)?,
        ..Inputs::default()
    };
    let mut divisions = BTreeSet::new();
    for f in facts {
        inputs
            .ratings
            .extend(f.ratings.iter().map(|(p, v)| (f.wave.clone(), *p, *v)));
        if f.wave != wave {
            continue;
        }
        inputs
            .uncertain
            .extend(f.uncertain.into_iter().map(|(_, u)| u));
        inputs.interviews += 1;
        if !f.division.is_empty() {
            divisions.insert(f.division);
        }
        for (p, n) in f.codings {
            if p < params {
                inputs.codings[p] += n;
            }
        }
    }
    inputs.divisions = divisions.into_iter().collect();
    let cb = tagger.matcher().codebook();
    let previous_scores = previous_json.as_ref().map(|(_, scores)| scores);
    let model = build(
        &study,
        cb,
        params,
        &wave,
        previous.as_deref(),
        previous_scores,
        inputs,
        &quote_config,
    );
    if matrix.dropped > 0 {
        writeln!(
            err,
            "{}: the coding matrix stops at Excel's last row; {} sentences left out",
            args.out.display(),
            matrix.dropped
        )?;
    }
    let content = match format {
        Format::Html => render::html(&model).into_bytes(),
        Format::Markdown => render::markdown(&model).into_bytes(),
        Format::Json => (serde_json::to_string_pretty(&model)? + "\n").into_bytes(),
        Format::Docx => {
            docx::docx(&model).with_context(|| format!("writing {}", args.out.display()))?
        }
        Format::Xlsx => xlsx::xlsx(&model, &matrix)
            .with_context(|| format!("writing {}", args.out.display()))?,
    };
    super::write_atomically(&args.out, &content)?;
    writeln!(
        err,
        "report written to {} (wave {}{}; {} interviews{})",
        args.out.display(),
        model.wave,
        model
            .previous_wave
            .as_ref()
            .map_or(String::new(), |p| format!(", compared with {p}")),
        model.interviews,
        if format == Format::Xlsx {
            format!("; coding matrix: {} sentences", matrix.rows.len())
        } else {
            String::new()
        }
    )?;
    Ok(ok)
}

/// The wave and the parameter scores of a report saved as JSON (`citata report --out x.json`).
fn read_previous_report(path: &Path) -> anyhow::Result<(String, BTreeMap<String, f32>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a report JSON", path.display()))?;
    let wave = v["wave"].as_str().unwrap_or("previous").to_string();
    let mut scores = BTreeMap::new();
    for level in v["levels"].as_array().into_iter().flatten() {
        for p in level["parameters"].as_array().into_iter().flatten() {
            if let (Some(id), Some(score)) = (p["id"].as_str(), p["score"].as_f64()) {
                scores.insert(id.to_string(), score as f32);
            }
        }
    }
    if scores.is_empty() {
        anyhow::bail!(
            "{}: a report JSON with scored parameters was expected",
            path.display()
        );
    }
    Ok((wave, scores))
}
