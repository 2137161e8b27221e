//! `citata._citata`: the engine for Python. Each call tags with the engine's own ordered
//! parallel pass (the one `citata tag` runs) with the GIL released, and returns the lines of
//! `citata tag --format ndjson`, written by the same writer (`citata::tag::wire`); the
//! Python side (`citata/__init__.py`) turns them into an Arrow table of a pinned schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use citata::ingest::{IngestConfig, Source};
use citata::model::Format;
use citata::study::{Needs, Pipeline};
use citata::tag::Tagger;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

create_exception!(
    _citata,
    CitataError,
    PyException,
    "An error of citata: an invalid codebook (every error with its line and column), a \
     missing path, a transcript that cannot be read."
);

fn err(e: impl std::fmt::Display) -> PyErr {
    CitataError::new_err(e.to_string())
}

/// A compiled codebook (the embedded default or a TOML one).
#[pyclass(frozen, module = "citata")]
struct Codebook {
    tagger: Arc<Tagger>,
    name: String,
    toml: String,
}

impl Codebook {
    fn compile(name: String, toml: String) -> PyResult<Codebook> {
        let mut analyzer = citata::text::Analyzer::new();
        let cb = citata::codebook::Codebook::compile(&toml, &name, &mut analyzer).map_err(err)?;
        Ok(Codebook {
            tagger: Arc::new(Tagger::new(cb, &mut analyzer)),
            name,
            toml,
        })
    }
}

#[pymethods]
impl Codebook {
    /// The codebook citata embeds (as `citata tag` without `--codebook`).
    #[staticmethod]
    fn default(py: Python<'_>) -> PyResult<Codebook> {
        let (name, toml) = citata::codebook::Codebook::read_source(None).map_err(err)?;
        py.detach(|| Codebook::compile(name, toml))
    }

    /// A codebook file (a path), or TOML text when `path_or_str` names no file.
    #[staticmethod]
    fn from_toml(py: Python<'_>, path_or_str: PathOrText) -> PyResult<Codebook> {
        let (name, toml) = match path_or_str {
            PathOrText::Path(p) => {
                citata::codebook::Codebook::read_source(Some(&p)).map_err(err)?
            }
            // A file, or one meant (a single line ending in .toml: "no such file" then).
            PathOrText::Text(s)
                if Path::new(&s).is_file() || (!s.contains('\n') && s.ends_with(".toml")) =>
            {
                citata::codebook::Codebook::read_source(Some(Path::new(&s))).map_err(err)?
            }
            PathOrText::Text(s) => ("<string>".to_string(), s),
        };
        py.detach(|| Codebook::compile(name, toml))
    }

    /// The file it was read from, `<string>`, or the default's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Its TOML text (how it travels to Spark executors).
    #[getter]
    fn toml(&self) -> &str {
        &self.toml
    }

    /// Parameter ids, in codebook order.
    #[getter]
    fn parameters(&self) -> Vec<String> {
        let cb = self.tagger.matcher().codebook();
        cb.parameters.iter().map(|p| p.id.clone()).collect()
    }

    fn __repr__(&self) -> String {
        let n = self.tagger.matcher().codebook().parameters.len();
        format!("<citata.Codebook {} ({n} parameters)>", self.name)
    }
}

#[derive(FromPyObject)]
enum PathOrText {
    Text(String),
    Path(PathBuf),
}

/// The codebook given, or the default.
fn tagger_of(py: Python<'_>, codebook: Option<&Codebook>) -> PyResult<Arc<Tagger>> {
    match codebook {
        Some(c) => Ok(c.tagger.clone()),
        None => Ok(Codebook::default(py)?.tagger),
    }
}

/// The consumer of a pass: each result given to `ok` in input order, failures kept as
/// messages.
fn each<'a, T>(
    mut ok: impl FnMut(T) + 'a,
    errors: &'a mut Vec<String>,
) -> impl FnMut(citata::Result<T>) -> Result<(), std::convert::Infallible> + 'a {
    move |r| {
        match r {
            Ok(v) => ok(v),
            Err(e) => errors.push(e.to_string()),
        }
        Ok(())
    }
}

/// The consumer of a pass: lines appended in input order, failures kept as messages.
fn collect<'a>(
    out: &'a mut Vec<u8>,
    errors: &'a mut Vec<String>,
) -> impl FnMut(citata::Result<Vec<u8>>) -> Result<(), std::convert::Infallible> + 'a {
    each(|buf: Vec<u8>| out.extend_from_slice(&buf), errors)
}

/// The `citata ingest --format ndjson` line of a transcript.
fn ingest_line(t: &citata::model::Transcript) -> citata::Result<Vec<u8>> {
    let mut buf = Vec::new();
    citata::ingest::wire::write_ndjson(t, &mut buf).map_err(|e| citata::Error::BadInput {
        path: PathBuf::from(&t.doc),
        reason: format!("formatting: {e}"),
    })?;
    Ok(buf)
}

/// The NDJSON lines of one analyzed transcript.
fn ndjson(tagger: &Tagger, a: &citata::study::Analysis) -> Vec<u8> {
    let mut buf = Vec::new();
    citata::tag::wire::write_ndjson(tagger, &a.transcript, &a.codings, &mut buf);
    buf
}

/// The transcripts under `paths` (as the CLI finds them), with `meta` (doc id -> {key:
/// value}) over their `respondents.csv` metadata.
fn sources_of(paths: &[PathBuf], meta: Option<&Meta>) -> PyResult<Vec<Source>> {
    let mut notes = Vec::new();
    let Some(mut sources) = citata::study::sources(paths, &mut notes).map_err(err)? else {
        return Err(err(notes.join("\n")));
    };
    if let Some(meta) = meta {
        for s in &mut sources {
            if let Some(m) = meta.get(&s.doc) {
                s.meta.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
    }
    Ok(sources)
}

/// Metadata by doc id.
type Meta = BTreeMap<String, BTreeMap<String, String>>;

/// Tags the transcripts under `paths` (files or folders, as `citata tag`), with their
/// `respondents.csv` metadata and `meta` (doc id -> {key: value}) over it.
/// With `ingest`, the transcripts' `citata ingest --format ndjson` lines instead (untagged).
#[pyfunction]
#[pyo3(signature = (paths, codebook=None, meta=None, jobs=None, ingest=false))]
fn tag_paths<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    codebook: Option<&Codebook>,
    meta: Option<Meta>,
    jobs: Option<usize>,
    ingest: bool,
) -> PyResult<(Bound<'py, PyBytes>, Vec<String>)> {
    let tagger = tagger_of(py, codebook)?;
    let (out, errors) = py.detach(|| -> PyResult<(Vec<u8>, Vec<String>)> {
        let sources = sources_of(&paths, meta.as_ref())?;
        let pipeline = Pipeline::new(&tagger, Needs::default());
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        let threads = citata::study::pass::threads(jobs);
        if ingest {
            let Ok(()) = citata::study::pass::ordered(
                &sources,
                threads,
                |_, s| ingest_line(&citata::ingest::ingest_source(s, &pipeline.ingest)?),
                &mut collect(&mut out, &mut errors),
            );
            return Ok((out, errors));
        }
        let Ok(()) = pipeline.run(
            &sources,
            threads,
            |_: &Source, a| ndjson(&tagger, &a),
            &mut collect(&mut out, &mut errors),
        );
        Ok((out, errors))
    })?;
    Ok((PyBytes::new(py, &out), errors))
}

/// The quotes of the transcripts under `paths`: the lines of `citata quotes --format ndjson`
/// with the same options (`top` quotes per parameter, only `params` when given, `polarity`
/// "any", "positive" or "negative", names masked unless `mask` is false), and the failures.
#[pyfunction]
#[pyo3(signature = (paths, codebook=None, meta=None, jobs=None, top=None, params=Vec::new(), polarity="any", mask=true))]
#[allow(clippy::too_many_arguments)]
fn quotes_paths<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    codebook: Option<&Codebook>,
    meta: Option<Meta>,
    jobs: Option<usize>,
    top: Option<usize>,
    params: Vec<String>,
    polarity: &str,
    mask: bool,
) -> PyResult<(Bound<'py, PyBytes>, Vec<String>)> {
    use citata::quotes::{PolarityFilter, QuoteConfig, wire};
    let tagger = tagger_of(py, codebook)?;
    let filter = match polarity {
        "any" => PolarityFilter::Any,
        "positive" => PolarityFilter::Positive,
        "negative" => PolarityFilter::Negative,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "polarity: \"any\", \"positive\" or \"negative\", not {other:?}"
            )));
        }
    };
    let mut config = QuoteConfig::default();
    if let Some(k) = top {
        config.top = k;
    }
    config.mask &= mask;
    let cb = tagger.matcher().codebook();
    let wanted = wire::parameters(cb, &params).map_err(err)?;
    let (out, errors) = py.detach(|| -> PyResult<(Vec<u8>, Vec<String>)> {
        let sources = sources_of(&paths, meta.as_ref())?;
        let pipeline = Pipeline {
            quotes: config.clone(),
            ..Pipeline::new(
                &tagger,
                Needs {
                    quotes: true,
                    ..Needs::default()
                },
            )
        };
        let mut pool = wire::Pool::new(wanted);
        let mut errors = Vec::new();
        let threads = citata::study::pass::threads(jobs);
        let Ok(()) = pipeline.run(
            &sources,
            threads,
            |_: &Source, a| a.candidates,
            &mut each(|qs| pool.add(qs), &mut errors),
        );
        let mut out = Vec::new();
        wire::write_ndjson(cb, &pool.choose(&config, filter), &mut out).map_err(err)?;
        Ok((out, errors))
    })?;
    Ok((PyBytes::new(py, &out), errors))
}

/// The ratings of the transcripts under `paths`: the lines of `citata ratings --format
/// ndjson` (a folder's `ratings.csv` overriding, as there), the failures, and the notes
/// (each override).
#[pyfunction]
#[pyo3(signature = (paths, codebook=None, meta=None, jobs=None))]
#[allow(clippy::type_complexity)]
fn ratings_paths<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    codebook: Option<&Codebook>,
    meta: Option<Meta>,
    jobs: Option<usize>,
) -> PyResult<(Bound<'py, PyBytes>, Vec<String>, Vec<String>)> {
    use citata::ratings::wire;
    let tagger = tagger_of(py, codebook)?;
    let (out, errors, notes) = py.detach(|| -> PyResult<(Vec<u8>, Vec<String>, Vec<String>)> {
        let sources = sources_of(&paths, meta.as_ref())?;
        let pipeline = Pipeline::new(
            &tagger,
            Needs {
                ratings: true,
                ..Needs::default()
            },
        );
        let (mut rows, mut errors, mut notes) = (Vec::new(), Vec::new(), Vec::new());
        let threads = citata::study::pass::threads(jobs);
        let Ok(()) = pipeline.run(
            &sources,
            threads,
            |_: &Source, a| wire::rows(&a.transcript, a.ratings),
            &mut each(|v| rows.extend(v), &mut errors),
        );
        let cb = tagger.matcher().codebook();
        wire::apply_csvs(&paths, cb, &sources, &mut rows, &mut notes).map_err(err)?;
        let mut out = Vec::new();
        wire::write_ndjson(cb, &rows, &mut out).map_err(err)?;
        Ok((out, errors, notes))
    })?;
    Ok((PyBytes::new(py, &out), errors, notes))
}

/// A transcript given in memory: text, or a file's bytes (their encoding detected as for a
/// file, a .docx read as one).
#[derive(FromPyObject)]
enum Given {
    Text(String),
    Bytes(Py<PyBytes>),
}

/// Tags transcripts given in memory: `(doc id, text or bytes)` pairs. A doc id ending in a
/// transcript extension (`.vtt`, `.srt`, `.json`, `.md`; `.docx` for bytes) is read in that
/// format, any other as `.txt`.
/// With `ingest`, their `citata ingest --format ndjson` lines instead (untagged).
#[pyfunction]
#[pyo3(signature = (docs, codebook=None, meta=None, jobs=None, ingest=false))]
fn tag_texts<'py>(
    py: Python<'py>,
    docs: Vec<(String, Given)>,
    codebook: Option<&Codebook>,
    meta: Option<Meta>,
    jobs: Option<usize>,
    ingest: bool,
) -> PyResult<(Bound<'py, PyBytes>, Vec<String>)> {
    let tagger = tagger_of(py, codebook)?;
    let mut given = Vec::with_capacity(docs.len());
    for (doc, g) in docs {
        let format = citata::ingest::format_of(Path::new(&doc));
        let (format, bytes) = match g {
            Given::Text(text) => {
                if let Some(at) = text.find('\0') {
                    return Err(err(format!(
                        "{doc}: the text has a NUL character at code point {}; a transcript \
                         is text: strip the NULs, or pass the file's bytes",
                        text[..at].chars().count()
                    )));
                }
                let format = format.filter(|f| *f != Format::Docx);
                (format.unwrap_or(Format::Txt), text.into_bytes())
            }
            Given::Bytes(b) => (
                format.unwrap_or(Format::Txt),
                b.bind(py).as_bytes().to_vec(),
            ),
        };
        given.push((doc, format, std::sync::Mutex::new(Some(bytes))));
    }
    let config = IngestConfig::default();
    let none = BTreeMap::new();
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    py.detach(|| {
        let pipeline = Pipeline::new(&tagger, Needs::default());
        let threads = citata::study::pass::threads(jobs);
        let Ok(()) = citata::study::pass::ordered(
            &given,
            threads,
            |i, (doc, format, bytes)| {
                let m = meta.as_ref().and_then(|m| m.get(doc)).unwrap_or(&none);
                // Each item is worked on once: its bytes are taken, not copied.
                let bytes = bytes.lock().map(|mut b| b.take()).ok().flatten();
                let bytes = bytes.unwrap_or_default();
                let t = citata::ingest::ingest_with_meta(doc, *format, bytes, m, &config)?;
                if ingest {
                    return ingest_line(&t);
                }
                Ok(pipeline.analyze_with(i + 1, t, |a, _| ndjson(&tagger, &a)))
            },
            &mut collect(&mut out, &mut errors),
        );
    });
    Ok((PyBytes::new(py, &out), errors))
}

#[pymodule]
fn _citata(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CitataError", m.py().get_type::<CitataError>())?;
    m.add_class::<Codebook>()?;
    m.add_function(wrap_pyfunction!(tag_paths, m)?)?;
    m.add_function(wrap_pyfunction!(tag_texts, m)?)?;
    m.add_function(wrap_pyfunction!(quotes_paths, m)?)?;
    m.add_function(wrap_pyfunction!(ratings_paths, m)?)?;
    Ok(())
}
