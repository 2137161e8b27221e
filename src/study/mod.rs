//! A study: its folder, study file and codebook, and the one pass over its transcripts.
//!
//! Every command that reads transcripts (tag, quotes, ratings, report, export, index, the web
//! app) goes through [`Pipeline`]: ingest → tag → ratings → quote candidates, each transcript
//! on a worker thread, the results handed to the caller in input order ([`pass::ordered`]).
//! The caller keeps only what it needs of each, so memory stays flat on a large corpus.
//! [`report`] builds the report model of a study folder; [`export`] its REFI-QDA project.

pub mod export;
pub mod index;
pub mod pass;
pub mod report;

use std::path::{Path, PathBuf};

use crate::ingest::{IngestConfig, Source, ingest_source};
use crate::model::Transcript;
use crate::quotes::{Quote, QuoteConfig};
use crate::ratings::Rating;
use crate::tag::{Coding, TagState, Tagger};

/// The study file looked for in the study folder.
pub const STUDY_FILE: &str = "citata.toml";

/// The study file: the client, the supplier, the waves, the codebook, display rules.
pub use crate::report::Study as StudyFile;

/// What can go wrong with a study (besides the engine's own errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// A file of the study could not be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The study file is not valid TOML for a study.
    #[error("{}: invalid study file", path.display())]
    StudyFile {
        /// The file.
        path: PathBuf,
        /// What the TOML reader said.
        #[source]
        source: toml::de::Error,
    },
    /// The previous wave's report JSON is not one.
    #[error("{}: not a report JSON", path.display())]
    PreviousJson {
        /// The file.
        path: PathBuf,
        /// What the JSON reader said.
        #[source]
        source: serde_json::Error,
    },
    /// The previous wave's report JSON has no scored parameters.
    #[error("{}: a report JSON with scored parameters was expected", path.display())]
    PreviousScores {
        /// The file.
        path: PathBuf,
    },
    /// The report's file extension names no format.
    #[error(
        "{}: unknown report format `.{ext}`; use .html, .md, .json, .docx or .xlsx",
        path.display()
    )]
    UnknownFormat {
        /// The output file.
        path: PathBuf,
        /// Its extension (lower case).
        ext: String,
    },
    /// The report could not be rendered into its format.
    #[error("writing {}", path.display())]
    Render {
        /// The output file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// There is no index where one must exist.
    #[error("no index in {}; build one with `citata index add PATH`", dir.display())]
    NoIndex {
        /// The index folder.
        dir: PathBuf,
    },
    /// An error of the engine (ingest, codebook, ratings.csv, pins).
    #[error(transparent)]
    Engine(#[from] crate::Error),
}

impl StudyFile {
    /// The study file of `folder` ([`STUDY_FILE`]), or the defaults when there is none.
    ///
    /// # Errors
    /// When the file exists but cannot be read or is invalid.
    pub fn load(folder: &Path) -> Result<StudyFile, StudyError> {
        let path = folder.join(STUDY_FILE);
        if !path.is_file() {
            return Ok(StudyFile::default());
        }
        let src = std::fs::read_to_string(&path).map_err(|source| StudyError::Read {
            path: path.clone(),
            source,
        })?;
        toml::from_str(&src).map_err(|source| StudyError::StudyFile { path, source })
    }
}

/// What the pass computes for each transcript besides its codings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Ratings read from the answers ([`crate::ratings::extract`]).
    pub ratings: bool,
    /// Quote candidates ([`crate::quotes::candidates`]).
    pub quotes: bool,
    /// The index keys of each sentence, recorded while tagging (in [`TagState::keys`]).
    pub keys: bool,
    /// The respondent's ideas and wishes, whole ([`crate::quotes::wishes::collect`]).
    pub wishes: bool,
}

/// One transcript through the pipeline.
#[derive(Debug)]
pub struct Analysis {
    /// Its number in the pass, from 1 (quote attributions use it).
    pub n: usize,
    /// The transcript.
    pub transcript: Transcript,
    /// Its codings, in sentence order.
    pub codings: Vec<Coding>,
    /// Its ratings (empty unless [`Needs::ratings`]).
    pub ratings: Vec<Rating>,
    /// Its quote candidates (empty unless [`Needs::quotes`]).
    pub candidates: Vec<Quote>,
    /// Its wishes, masked and attributed (empty unless [`Needs::wishes`]).
    pub wishes: Vec<crate::quotes::wishes::Wish>,
}

/// The per-transcript pipeline: ingest → tag → ratings → quote candidates → wishes.
pub struct Pipeline<'a> {
    /// The tagger (the codebook with the markers).
    pub tagger: &'a Tagger,
    /// How transcripts are read.
    pub ingest: IngestConfig,
    /// Quote settings (the attribution template).
    pub quotes: QuoteConfig,
    /// What to compute besides codings.
    pub needs: Needs,
    /// Coders' decisions, applied right after tagging (before ratings and quotes).
    pub decisions: Option<&'a crate::decisions::Decisions>,
}

impl<'a> Pipeline<'a> {
    /// A pipeline that tags with `tagger` and computes `needs`, with default settings.
    pub fn new(tagger: &'a Tagger, needs: Needs) -> Pipeline<'a> {
        Pipeline {
            tagger,
            ingest: IngestConfig::default(),
            quotes: QuoteConfig::default(),
            needs,
            decisions: None,
        }
    }

    /// Tags transcript number `n` (from 1) and computes what is needed, then hands the
    /// result and the thread's tagging state to `then` (on the same thread).
    pub fn analyze_with<R>(
        &self,
        n: usize,
        mut transcript: Transcript,
        then: impl FnOnce(Analysis, &mut TagState) -> R,
    ) -> R {
        let tagger = self.tagger;
        tagger.with_thread_state(|state| {
            if self.needs.keys {
                state.keys.get_or_insert_with(Default::default).clear();
            }
            state.skip_tokens = !(self.needs.ratings || self.needs.quotes || self.needs.wishes);
            let mut codings = tagger.tag(state, &transcript);
            if let Some(d) = self.decisions {
                codings = d.apply(&mut transcript, tagger.matcher().codebook(), codings);
            }
            // Rejected codings kept to be shown are not evidence for what follows.
            let kept;
            let live: &[Coding] = if codings.iter().any(Coding::rejected) {
                kept = codings
                    .iter()
                    .filter(|c| !c.rejected())
                    .cloned()
                    .collect::<Vec<_>>();
                &kept
            } else {
                &codings
            };
            let mut words = state.words(&transcript);
            let ratings = if self.needs.ratings {
                crate::ratings::extract(&mut words, live)
            } else {
                Vec::new()
            };
            let candidates = if self.needs.quotes {
                crate::quotes::candidates(&mut words, live, n, &self.quotes)
            } else {
                Vec::new()
            };
            let wishes = if self.needs.wishes {
                let who = crate::quotes::attribute(&self.quotes.attribution, &transcript, n);
                crate::quotes::wishes::collect(&mut words, live, &who)
            } else {
                Vec::new()
            };
            then(
                Analysis {
                    n,
                    transcript,
                    codings,
                    ratings,
                    candidates,
                    wishes,
                },
                state,
            )
        })
    }

    /// [`Pipeline::analyze_with`], keeping the whole result.
    pub fn analyze(&self, n: usize, transcript: Transcript) -> Analysis {
        self.analyze_with(n, transcript, |a, _| a)
    }

    /// The pass over `sources` with `threads` workers: each is ingested and analyzed on a
    /// worker, `then` reduces it there to what the caller keeps, and `consume` gets the
    /// results (or the file's error) in input order.
    ///
    /// # Errors
    /// The first error `consume` returns.
    pub fn run<R: Send, E>(
        &self,
        sources: &[Source],
        threads: usize,
        then: impl Fn(&Source, Analysis) -> R + Sync,
        consume: &mut dyn FnMut(crate::Result<R>) -> Result<(), E>,
    ) -> Result<(), E> {
        pass::ordered(
            sources,
            threads,
            |i, s| {
                let t = ingest_source(s, &self.ingest)?;
                Ok(self.analyze_with(i + 1, t, |a, _| then(s, a)))
            },
            consume,
        )
    }
}

/// Who follows a long pass: files done, and notes for the user (a file that could not be
/// read, a ratings.csv row replacing a rating).
pub trait Progress {
    /// The pass starts over `files` transcripts.
    fn start(&mut self, files: usize) {
        let _ = files;
    }
    /// One transcript is done (read or failed).
    fn file_done(&mut self) {}
    /// The pass is over.
    fn finish(&mut self) {}
    /// A line for the user.
    fn note(&mut self, line: &str);
}

/// Notes kept as lines; no progress shown.
impl Progress for Vec<String> {
    fn note(&mut self, line: &str) {
        self.push(line.to_string());
    }
}

/// The transcripts under `paths`, or `None` after a note that there are none. Files citata
/// wrote (its reports, an index's metadata: [`crate::ingest::written_by_citata`]) found in a
/// folder are left out, each with a note (a file named on its own is read as asked).
///
/// # Errors
/// When a path does not exist or cannot be listed, or a respondents.csv is malformed.
pub fn sources(
    paths: &[PathBuf],
    progress: &mut dyn Progress,
) -> crate::Result<Option<Vec<Source>>> {
    let mut sources = crate::ingest::discover(paths)?;
    // Found in a folder, that is: a file named on its own is read as asked.
    sources.retain(|s| match crate::ingest::written_by_citata(&s.path) {
        Some(what) if !paths.contains(&s.path) => {
            progress.note(&format!(
                "{}: skipped: {what} (citata never reads its own output as a transcript)",
                s.path.display()
            ));
            false
        }
        _ => true,
    });
    if sources.is_empty() {
        progress.note(&format!(
            "error: no transcripts found in {}; citata reads .txt, .md, .docx, .vtt, .srt and .json",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Ok(None);
    }
    Ok(Some(sources))
}

/// The tagger of a codebook file (or the embedded one).
///
/// # Errors
/// An invalid codebook.
pub fn tagger(codebook: Option<&Path>) -> crate::Result<Tagger> {
    // The study's codebook on this thread, the shipped markers and lexicon on the other core
    // (start-up is otherwise a single-threaded wait at the head of every run).
    let (codebook, (markers, lexicon)) = rayon::join(
        || crate::codebook::Codebook::load(codebook, &mut crate::text::Analyzer::new()),
        || Tagger::shipped_parts(&mut crate::text::Analyzer::new()),
    );
    Ok(Tagger::with(codebook?, markers, lexicon))
}
