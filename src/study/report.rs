//! The report of a study folder: the waves resolved, the ratings.csv merged, quotes pooled per
//! wave, pins applied, all in one pass over the transcripts; a typed [`ReportModel`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{Needs, Pipeline, Progress, StudyError, StudyFile, pass};
use crate::codebook::Codebook;
use crate::ingest::Source;
use crate::model::Role;
use crate::quotes::wishes::Wish;
use crate::quotes::{Quote, QuoteConfig, mask};
use crate::report::matrix::{Matrix, MatrixRow, matrix_rows};
use crate::report::pins::{Checked, Pins, Refusal};
use crate::report::{Inputs, ReportMemo, ReportModel, UncertainRating, build};

/// What to build the report of.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// The study folder (transcripts, respondents.csv, citata.toml).
    pub folder: PathBuf,
    /// The previous wave: a folder of transcripts or a saved report JSON (default: the study
    /// file's `previous`, else the earlier wave in the folder).
    pub previous: Option<PathBuf>,
    /// The codebook (default: the study file's, else the embedded one).
    pub codebook: Option<PathBuf>,
    /// Worker threads (`None`: all cores).
    pub jobs: Option<usize>,
    /// Also build the coding matrix (every sentence with its codes; for .xlsx).
    pub matrix: bool,
    /// The file the report is written to: never read as a transcript, even when it lies in
    /// the study folder and citata's marker is gone from it.
    pub out: Option<PathBuf>,
}

/// A study's report: the model, and the coding matrix when asked for.
#[derive(Debug)]
pub struct Report {
    /// The report model (every format is rendered from it).
    pub model: ReportModel,
    /// The coding matrix (empty unless [`ReportOptions::matrix`]).
    pub matrix: Matrix,
    /// Transcripts that could not be read (each was reported as a note).
    pub failed: usize,
}

/// How many transcripts of a wave the note on waves names.
const WAVE_NAMES: usize = 12;

/// What citata writes first in a Markdown report: the marker by which it is never read back
/// as a transcript ([`crate::ingest::written_by_citata`]).
pub const MARKDOWN_MARKER: &str = "<!-- generator: citata -->\n";

/// What one transcript gives the report.
struct FileFacts {
    doc: String,
    file: String,
    wave: String,
    division: String,
    ratings: Vec<(usize, f32)>,
    /// Its ratings read with low confidence.
    uncertain: Vec<(usize, UncertainRating)>,
    candidates: Vec<Quote>,
    /// Per parameter: respondent codings, of them praise, of them criticism.
    codings: Vec<(usize, [usize; 3])>,
    wishes: Vec<Wish>,
    /// Its sentences with their codes, only for the matrix (empty otherwise).
    matrix: Vec<MatrixRow>,
    /// The study's pins of this transcript (by index in the pins file), checked against it.
    pins: Vec<(usize, Result<Checked, Refusal>)>,
    /// The memos on this transcript, as the report lists them, and the warnings of those
    /// memos and coding decisions whose span changed.
    memos: Vec<ReportMemo>,
    span_warnings: Vec<String>,
}

/// Builds the report of a study folder; `None` when it holds no transcripts (after a note
/// saying so). Files that cannot be read are noted and left out.
///
/// # Errors
/// When the study file, the codebook, the previous report, the ratings.csv or the pins are
/// invalid, or the folder does not exist.
pub fn build_report(
    opts: &ReportOptions,
    progress: &mut dyn Progress,
) -> Result<Option<Report>, StudyError> {
    let study = StudyFile::load(&opts.folder)?;
    let codebook_path: Option<PathBuf> = opts
        .codebook
        .clone()
        .or_else(|| study.codebook.as_ref().map(|c| opts.folder.join(c)));
    let tagger = super::tagger(codebook_path.as_deref())?;
    let cb = tagger.matcher().codebook();
    let params = tagger.params();
    let mut quote_config = QuoteConfig::default();
    if let Some(a) = &study.attribution {
        quote_config.attribution = a.clone();
    }
    // The previous wave: a folder of transcripts, or a saved report JSON.
    let previous_arg: Option<PathBuf> = opts
        .previous
        .clone()
        .or_else(|| study.previous.as_ref().map(|p| opts.folder.join(p)));
    let previous_json = previous_arg
        .as_ref()
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        })
        .map(|p| read_previous_report(p))
        .transpose()?;
    let previous_folder = previous_arg.filter(|_| previous_json.is_none());
    let mut paths = vec![opts.folder.clone()];
    if let Some(p) = &previous_folder {
        paths.push(p.clone());
    }
    let Some(mut sources) = super::sources(&paths, progress)? else {
        return Ok(None);
    };
    if let Some(out) = opts.out.as_deref().and_then(|o| o.canonicalize().ok()) {
        sources.retain(|s| {
            let same = s.path.canonicalize().is_ok_and(|p| p == out);
            if same {
                progress.note(&format!(
                    "{}: skipped: it is the report being written",
                    s.path.display()
                ));
            }
            !same
        });
        if sources.is_empty() {
            progress.note(&format!(
                "error: no transcripts found in {}",
                opts.folder.display()
            ));
            return Ok(None);
        }
    }
    let pins_file = Pins::path(&opts.folder);
    let old_pins = opts.folder.join(crate::report::pins::OLD_PINS_FILE);
    if old_pins.is_file() && !pins_file.exists() {
        progress.note(&format!(
            "{}: not read: pins are kept in {} now (move the file there)",
            old_pins.display(),
            pins_file.display()
        ));
    }
    let pins = Pins::load(&opts.folder)?;
    let memos = crate::memos::Memos::of_study(&opts.folder)?;
    // Coders' decisions (decisions.tsv of the study folder and of a previous-wave folder):
    // rejected codings are no evidence for scores, quotes or wishes; added ones are.
    let decisions = crate::decisions::Decisions::load_folders(&paths)?;
    progress.start(sources.len());
    let pipeline = Pipeline {
        quotes: quote_config.clone(),
        decisions: decisions.to_apply(),
        ..Pipeline::new(
            &tagger,
            Needs {
                ratings: true,
                quotes: true,
                keys: false,
                wishes: true,
            },
        )
    };
    let facts_of = |s: &Source, a: super::Analysis| -> FileFacts {
        let t = &a.transcript;
        let from_previous = previous_folder
            .as_ref()
            .is_some_and(|p| s.path.starts_with(p));
        let mut wave = t.meta.get("wave").cloned().unwrap_or_default();
        if from_previous && wave.is_empty() {
            wave = "previous".into();
        }
        let ratings = a.ratings.iter().map(|r| (r.param, r.value)).collect();
        let mut counts = BTreeMap::new();
        let private = mask::private_words(t);
        let uncertain = a
            .ratings
            .iter()
            .filter(|r| r.is_low())
            .map(|r| {
                (
                    r.param,
                    UncertainRating {
                        param: cb.parameters[r.param].id.clone(),
                        value: r.value,
                        confidence: r.confidence,
                        doc: t.doc.clone(),
                        text: mask::mask(t.slice(r.evidence), &private),
                        reason: r.reason(&t.text).map(|x| mask::mask(&x, &private)),
                    },
                )
            })
            .collect();
        for c in &a.codings {
            if t.turn_speaker(&t.turns[c.turn]).role != Role::Respondent {
                continue;
            }
            if let Some(p) = c.param {
                let n = counts.entry(p).or_insert([0usize; 3]);
                n[0] += 1;
                n[1] += usize::from(c.polarity == crate::tag::polarity::Polarity::Positive);
                n[2] += usize::from(c.polarity == crate::tag::polarity::Polarity::Negative);
            }
        }
        let matrix = if opts.matrix {
            matrix_rows(t, &a.codings, params, &wave, &private)
        } else {
            Vec::new()
        };
        let pins = if from_previous {
            Vec::new()
        } else {
            pins.pins
                .iter()
                .enumerate()
                .filter(|(_, p)| p.doc == t.doc)
                .map(|(i, p)| (i, crate::report::pins::check(p, t)))
                .collect()
        };
        // The decisions whose text changed are said, as the memos' are.
        let mut span_warnings: Vec<String> = t
            .warnings
            .iter()
            .filter(|w| w.starts_with(crate::decisions::DECISIONS_FILE))
            .map(|w| format!("warning: {}: {w}", t.doc))
            .collect();
        let report_memos = if from_previous {
            Vec::new()
        } else {
            memos
                .placed(t)
                .into_iter()
                .map(|(m, at)| {
                    let (on, quote) = match at {
                        Ok(None) => (format!("Интервью {}", t.doc), None),
                        Ok(Some(span)) => (
                            format!("Интервью {}, фрагмент", t.doc),
                            Some(mask::mask(t.slice(span), &private)),
                        ),
                        Err(w) => {
                            span_warnings.push(format!("warning: {}: {w}", t.doc));
                            (
                                format!(
                                    "Интервью {} (фрагмент изменился после правки стенограммы)",
                                    t.doc
                                ),
                                None,
                            )
                        }
                    };
                    ReportMemo {
                        text: mask::mask(&m.text, &private),
                        ..report_memo(m, on, quote)
                    }
                })
                .collect()
        };
        FileFacts {
            memos: report_memos,
            span_warnings,
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
            candidates: a.candidates,
            codings: counts.into_iter().collect(),
            wishes: a.wishes,
            matrix,
            pins,
        }
    };
    // Per file only the small facts are kept; quotes and wishes go into bounded pools per
    // wave as they arrive, so memory stays flat on a large corpus.
    let mut facts: Vec<FileFacts> = Vec::new();
    let mut pools: BTreeMap<String, (Vec<Vec<Quote>>, Vec<Wish>)> = BTreeMap::new();
    // The coding matrix: every sentence, in file order, up to Excel's rows; a column per
    // parameter of the user's codebook (the wish and comparison markers are not parameters).
    let mut matrix = Matrix {
        params: cb.parameters[..params]
            .iter()
            .map(|p| p.id.clone())
            .collect(),
        names: cb.parameters[..params]
            .iter()
            .map(|p| p.name.clone())
            .collect(),
        ..Matrix::default()
    };
    let mut failed = 0usize;
    let mut checked: BTreeMap<usize, Result<Checked, Refusal>> = BTreeMap::new();
    let mut file_memos: Vec<ReportMemo> = Vec::new();
    let mut read_docs: BTreeSet<String> = BTreeSet::new();
    let mut collect = |r: crate::Result<FileFacts>| -> Result<(), StudyError> {
        progress.file_done();
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
                checked.extend(std::mem::take(&mut f.pins));
                for w in f.span_warnings.drain(..) {
                    progress.note(&w);
                }
                file_memos.append(&mut f.memos);
                read_docs.insert(f.doc.clone());
                facts.push(f);
            }
            Err(e) => {
                failed += 1;
                progress.note(&format!("error: {e}"));
            }
        }
        Ok(())
    };
    pipeline.run(&sources, pass::threads(opts.jobs), facts_of, &mut collect)?;
    progress.finish();
    // A transcript without a wave is never taken for another wave: when no transcript has
    // one, they are all the reported wave; when others have one, it is left out, with a note.
    let named: BTreeSet<String> = facts
        .iter()
        .filter(|f| !f.wave.is_empty())
        .map(|f| f.wave.clone())
        .collect();
    if named.is_empty() || named.iter().all(|w| w == "previous") {
        let wave = study.wave.clone().unwrap_or_default();
        if let Some(pool) = pools.remove("") {
            pools.insert(wave.clone(), pool);
        }
        for f in facts.iter_mut().filter(|f| f.wave.is_empty()) {
            f.wave = wave.clone();
        }
    } else {
        let list = named.iter().cloned().collect::<Vec<_>>().join(", ");
        facts.retain(|f| {
            if f.wave.is_empty() {
                progress.note(&format!(
                    "{}: left out: no wave in its metadata (`wave:` in the front matter or respondents.csv), and the other transcripts are in waves {list}",
                    f.doc
                ));
            }
            !f.wave.is_empty()
        });
        pools.remove("");
    }
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
            .rfind(|w| **w < wave.as_str() && **w != "previous" && !w.is_empty())
            .map(|w| w.to_string())
    });
    // Which wave each transcript is in, told once per wave.
    for w in &waves {
        let docs: Vec<&str> = facts
            .iter()
            .filter(|f| f.wave == *w)
            .map(|f| f.doc.as_str())
            .collect();
        let role = if *w == wave {
            "reported"
        } else if previous.as_deref() == Some(*w) {
            "compared with"
        } else {
            "not used"
        };
        let more = docs.len().saturating_sub(WAVE_NAMES);
        progress.note(&format!(
            "wave {} ({role}): {} transcript{}: {}{}",
            if w.is_empty() { "(none)" } else { w },
            docs.len(),
            if docs.len() == 1 { "" } else { "s" },
            docs[..docs.len() - more].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    let pins = checked_pins(&pins, checked, &pins_file, progress);
    merge_ratings_csv(&opts.folder, cb, &mut facts, progress)?;
    let (candidates, wishes) = pools
        .remove(&wave)
        .unwrap_or_else(|| (vec![Vec::new(); params], Vec::new()));
    // Memos: on parameters (codebook order), then on transcripts (file order); those on a
    // transcript that is not in the study or a parameter not in the codebook, with a note.
    let mut report_memos = Vec::new();
    for p in &cb.parameters[..params] {
        for m in memos.of_param(&p.id) {
            report_memos.push(ReportMemo {
                text: mask::mask(&m.text, &[]),
                ..report_memo(m, format!("Параметр «{}»", p.name), None)
            });
        }
    }
    for m in memos.all() {
        let missing = match &m.anchor {
            crate::memos::Anchor::Parameter(id) => cb
                .parameter(id)
                .is_none_or(|i| i >= params)
                .then(|| format!("no parameter `{id}` in the codebook")),
            a => {
                let doc = a.doc().unwrap_or_default();
                (!read_docs.contains(doc)).then(|| format!("no transcript `{doc}` in the study"))
            }
        };
        if let Some(why) = missing {
            progress.note(&format!(
                "{}: memo {} by {}: {why}; left out of the report",
                opts.folder.join(crate::memos::MEMOS_FILE).display(),
                m.id(),
                m.author
            ));
        }
    }
    report_memos.append(&mut file_memos);
    let mut inputs = Inputs {
        memos: report_memos,
        codings: vec![0; params],
        praise: vec![0; params],
        criticism: vec![0; params],
        candidates,
        wishes,
        pins,
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
        for (p, [n, praise, criticism]) in f.codings {
            if p < params {
                inputs.codings[p] += n;
                inputs.praise[p] += praise;
                inputs.criticism[p] += criticism;
            }
        }
    }
    inputs.divisions = divisions.into_iter().collect();
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
    Ok(Some(Report {
        model,
        matrix,
        failed,
    }))
}

/// A memo as the report lists it.
fn report_memo(m: &crate::memos::Memo, on: String, quote: Option<String>) -> ReportMemo {
    ReportMemo {
        on,
        quote,
        author: m.author.clone(),
        date: m.date.get(..10).unwrap_or(&m.date).to_string(),
        text: m.text.clone(),
    }
}

/// The pins as the report shows them: each with its checked text (names masked); a trim that
/// is not the passage's words gives way to the whole passage, and a pin whose transcript or
/// passage is not in the study is skipped, each with a note naming the file, the document and
/// the parameter.
fn checked_pins(
    pins: &Pins,
    mut checked: BTreeMap<usize, Result<Checked, Refusal>>,
    file: &Path,
    progress: &mut dyn Progress,
) -> Pins {
    let mut out = Pins::default();
    for (i, pin) in pins.pins.iter().enumerate() {
        let what = format!(
            "{}: the pin of `{}` in `{}` (from {})",
            file.display(),
            pin.param,
            pin.doc,
            pin.start
        );
        match checked.remove(&i) {
            None => progress.note(&format!(
                "{what}: skipped: no such transcript in the reported folder"
            )),
            Some(Err(e)) => progress.note(&format!("{what}: skipped: {e}")),
            Some(Ok(c)) => {
                if let Some(e) = &c.refused {
                    progress.note(&format!("{what}: {e}; the whole passage is shown instead"));
                }
                out.pins.push(crate::report::pins::Pin {
                    text: Some(c.text),
                    ..pin.clone()
                });
            }
        }
    }
    out
}

/// Lets the folder's ratings.csv, when there is one, replace the transcripts' ratings: every
/// respondent's transcript rating of a parameter gives way to the csv's (each replacement
/// noted).
fn merge_ratings_csv(
    folder: &Path,
    cb: &Codebook,
    facts: &mut [FileFacts],
    progress: &mut dyn Progress,
) -> Result<(), StudyError> {
    let csv = folder.join(crate::ratings::RATINGS_CSV);
    if !csv.is_file() {
        return Ok(());
    }
    for c in crate::ratings::read_csv(&csv, cb)? {
        let Some(f) = facts
            .iter_mut()
            .find(|f| f.file == c.file || f.doc == c.file)
        else {
            progress.note(&format!(
                "{}: no transcript `{}` in the study; row ignored",
                csv.display(),
                c.file
            ));
            continue;
        };
        let replaced: Vec<String> = f
            .ratings
            .iter()
            .filter(|(p, _)| *p == c.param)
            .map(|(_, v)| v.to_string())
            .collect();
        if !replaced.is_empty() {
            progress.note(&format!(
                "{}: {} {}: {} (transcript) replaced by {} (csv)",
                csv.display(),
                f.doc,
                cb.parameters[c.param].id,
                replaced.join(", "),
                c.value
            ));
        }
        f.ratings.retain(|(p, _)| *p != c.param);
        f.uncertain.retain(|(p, _)| *p != c.param);
        f.ratings.push((c.param, c.value));
    }
    Ok(())
}

/// The wave and the parameter scores of a report saved as JSON (`citata report --out x.json`).
fn read_previous_report(path: &Path) -> Result<(String, BTreeMap<String, f32>), StudyError> {
    let text = std::fs::read_to_string(path).map_err(|source| StudyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let model: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| StudyError::PreviousJson {
            path: path.to_path_buf(),
            source,
        })?;
    let wave = model["wave"].as_str().unwrap_or("previous").to_string();
    let mut scores = BTreeMap::new();
    for level in model["levels"].as_array().into_iter().flatten() {
        for p in level["parameters"].as_array().into_iter().flatten() {
            if let (Some(id), Some(score)) = (p["id"].as_str(), p["score"].as_f64()) {
                scores.insert(id.to_string(), score as f32);
            }
        }
    }
    if scores.is_empty() {
        return Err(StudyError::PreviousScores {
            path: path.to_path_buf(),
        });
    }
    Ok((wave, scores))
}

/// The report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReportFormat {
    /// A web page.
    Html,
    /// Markdown.
    Markdown,
    /// The report model as JSON.
    Json,
    /// A Word document.
    #[cfg(feature = "office")]
    Docx,
    /// An Excel workbook with the coding matrix.
    #[cfg(feature = "office")]
    Xlsx,
}

impl ReportFormat {
    /// The format of `out` by its extension.
    ///
    /// # Errors
    /// [`StudyError::UnknownFormat`], naming the supported extensions.
    pub fn of(out: &Path) -> Result<ReportFormat, StudyError> {
        let ext = out
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_lowercase();
        Ok(match ext.as_str() {
            "html" | "htm" => ReportFormat::Html,
            "md" | "markdown" => ReportFormat::Markdown,
            "json" => ReportFormat::Json,
            #[cfg(feature = "office")]
            "docx" => ReportFormat::Docx,
            #[cfg(feature = "office")]
            "xlsx" => ReportFormat::Xlsx,
            _ => {
                return Err(StudyError::UnknownFormat {
                    path: out.to_path_buf(),
                    ext,
                });
            }
        })
    }

    /// Whether the format carries the coding matrix.
    pub fn has_matrix(self) -> bool {
        #[cfg(feature = "office")]
        if self == ReportFormat::Xlsx {
            return true;
        }
        false
    }

    /// The report rendered in this format (`out` names the file in errors).
    ///
    /// # Errors
    /// When an office package cannot be written.
    pub fn render(self, report: &Report, out: &Path) -> Result<Vec<u8>, StudyError> {
        use crate::report::render;
        let m = &report.model;
        let failed = |source: std::io::Error| StudyError::Render {
            path: out.to_path_buf(),
            source,
        };
        Ok(match self {
            ReportFormat::Html => render::html(m).into_bytes(),
            ReportFormat::Markdown => {
                (MARKDOWN_MARKER.to_string() + &render::markdown(m)).into_bytes()
            }
            ReportFormat::Json => {
                // The model's object, with the generator as its first member.
                let body = serde_json::to_string_pretty(m).map_err(|e| failed(e.into()))?;
                let rest = body.strip_prefix('{').unwrap_or(&body);
                format!("{{\n  \"generator\": \"citata\",{rest}\n").into_bytes()
            }
            #[cfg(feature = "office")]
            ReportFormat::Docx => crate::report::docx::docx(m).map_err(failed)?,
            #[cfg(feature = "office")]
            ReportFormat::Xlsx => crate::report::xlsx::xlsx(m, &report.matrix).map_err(failed)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // See: issue #20
    #[test]
    fn the_demo_report_model_and_matrix_come_typed_and_the_markers_are_no_columns() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let opts = ReportOptions {
            folder,
            jobs: Some(2),
            matrix: true,
            ..ReportOptions::default()
        };
        let mut notes: Vec<String> = Vec::new();
        let report = build_report(&opts, &mut notes)
            .expect("the demo builds")
            .expect("the demo has transcripts");
        assert_eq!(report.failed, 0, "{notes:?}");
        assert_eq!(report.model.wave, "2026");
        assert_eq!(report.model.previous_wave.as_deref(), Some("2025"));
        assert_eq!(report.model.interviews, 10);
        let codebook = crate::codebook::Codebook::embedded(&mut crate::text::Analyzer::new());
        let ids: Vec<&str> = codebook.parameters.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(report.matrix.params, ids);
        assert!(report.matrix.params.iter().all(|p| !p.starts_with('_')));
        let names: Vec<&str> = codebook
            .parameters
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(report.matrix.names, names);
        // Every sentence of the 16 transcripts, both waves, in file order.
        let sources = crate::ingest::discover(std::slice::from_ref(&opts.folder)).expect("list");
        let mut sentences = Vec::new();
        for s in &sources {
            let t = crate::ingest::ingest_source(s, &Default::default()).expect("ingest");
            sentences.extend(t.sentences.iter().map(|x| (t.doc.clone(), x.turn)));
        }
        assert_eq!(sources.len(), 16);
        let rows: Vec<(String, usize)> = report
            .matrix
            .rows
            .iter()
            .map(|r| (r.doc.clone(), r.turn))
            .collect();
        assert_eq!(rows, sentences);
    }
}
