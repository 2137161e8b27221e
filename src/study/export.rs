//! A study as a REFI-QDA project: every transcript with its codings and ratings, and the
//! ranked quotes, from one pass.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Needs, Pipeline, Progress, StudyError, pass};
use crate::quotes::{PolarityFilter, Quote, QuoteConfig, keep_best, select_avoiding};
use crate::refi::Project;
use crate::refi::export::{FileCodings, add_memos, project};

/// What to export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Transcript files or folders.
    pub paths: Vec<PathBuf>,
    /// The codebook (default: the embedded one).
    pub codebook: Option<PathBuf>,
    /// The project's name.
    pub name: String,
    /// Worker threads (`None`: all cores).
    pub jobs: Option<usize>,
}

/// The project, with what went into it.
#[derive(Debug)]
pub struct Export {
    /// The REFI-QDA project.
    pub project: Project,
    /// The quotes in it.
    pub quotes: usize,
    /// Transcripts that could not be read (each was noted).
    pub failed: usize,
}

/// The REFI-QDA project of the transcripts under `opts.paths`; `None` when there are none
/// (after a note saying so).
///
/// # Errors
/// When the codebook is invalid or a path does not exist.
pub fn qdpx_project(
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<Option<Export>, StudyError> {
    let tagger = super::tagger(opts.codebook.as_deref())?;
    let Some(sources) = super::sources(&opts.paths, progress)? else {
        return Ok(None);
    };
    progress.start(sources.len());
    let quote_config = QuoteConfig::default();
    let decisions = crate::decisions::Decisions::load_folders(&opts.paths)?;
    let pipeline = Pipeline {
        decisions: decisions.to_apply(),
        ..Pipeline::new(
            &tagger,
            Needs {
                ratings: true,
                quotes: true,
                keys: false,
                wishes: false,
            },
        )
    };
    let mut files: Vec<FileCodings> = Vec::new();
    let mut pool: BTreeMap<usize, Vec<Quote>> = BTreeMap::new();
    let mut failed = 0usize;
    let mut collect = |r: crate::Result<super::Analysis>| -> Result<(), StudyError> {
        progress.file_done();
        match r {
            Ok(a) => {
                for w in a
                    .transcript
                    .warnings
                    .iter()
                    .filter(|w| w.starts_with(crate::decisions::DECISIONS_FILE))
                {
                    progress.note(&format!("warning: {}: {w}", a.transcript.doc));
                }
                for q in a.candidates {
                    pool.entry(q.param).or_default().push(q);
                }
                pool.values_mut().for_each(keep_best);
                files.push(FileCodings {
                    transcript: a.transcript,
                    codings: a.codings,
                    ratings: a.ratings,
                });
            }
            Err(e) => {
                failed += 1;
                progress.note(&format!("error: {e}"));
            }
        }
        Ok(())
    };
    pipeline.run(&sources, pass::threads(opts.jobs), |_, a| a, &mut collect)?;
    progress.finish();
    // Parameters in codebook order; a passage chosen for one is not offered to the next
    // (as `citata quotes` chooses them).
    let mut chosen: Vec<(usize, Quote)> = Vec::new();
    let mut taken: Vec<(String, crate::model::Span)> = Vec::new();
    for (_, list) in pool {
        let picked = select_avoiding(list, &quote_config, PolarityFilter::Any, &taken);
        taken.extend(picked.iter().map(|q| (q.doc.clone(), q.span)));
        chosen.extend(picked.into_iter().enumerate().map(|(r, q)| (r + 1, q)));
    }
    let quotes: Vec<(usize, &Quote)> = chosen.iter().map(|(r, q)| (*r, q)).collect();
    let mut project = project(&opts.name, tagger.matcher().codebook(), &files, &quotes);
    let mut memos = crate::memos::Memos::default();
    for dir in opts.paths.iter().filter(|p| p.is_dir()) {
        for m in crate::memos::Memos::of_study(dir)?.all() {
            memos.add(m.clone());
        }
    }
    for w in add_memos(
        &mut project,
        &opts.name,
        tagger.matcher().codebook(),
        &files,
        &memos,
    ) {
        progress.note(&format!("warning: {w}"));
    }
    Ok(Some(Export {
        project,
        quotes: quotes.len(),
        failed,
    }))
}
