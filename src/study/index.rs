//! The search index of a study: transcripts added (unchanged ones skipped) or coded again,
//! through the study pass, committed as they go.

use std::path::{Path, PathBuf};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Needs, Pipeline, Progress, StudyError, pass};
use crate::decisions::{DECISIONS_FILE, Decisions};
use crate::index::{CitataIndex, IndexCodebook, Prepared, StoredTranscript, Tagged, content_hash};
use crate::ingest::{IngestConfig, Source, ingest_read, read_source};
use crate::model::Transcript;
use crate::tag::Tagger;
use crate::text::Analyzer;

/// Retag commits after this many bytes of transcripts, so a long run keeps its progress if
/// it is stopped (each commit holds whole transcripts: the old or the new state of each).
pub const RETAG_COMMIT_BYTES: usize = 256 << 20;

/// What to add to which index.
#[derive(Clone, Debug)]
pub struct AddOptions {
    /// Transcript files or folders.
    pub paths: Vec<PathBuf>,
    /// The index folder (created when missing).
    pub index: PathBuf,
    /// The codebook (default: the index's own, else the embedded one).
    pub codebook: Option<PathBuf>,
    /// Worker threads (`None`: all cores).
    pub jobs: Option<usize>,
    /// Commit after this many bytes of transcripts.
    pub commit_bytes: usize,
}

impl AddOptions {
    /// Adds `paths` to the index in `index`, with the defaults of `citata index add`.
    pub fn new(paths: Vec<PathBuf>, index: PathBuf) -> AddOptions {
        AddOptions {
            paths,
            index,
            codebook: None,
            jobs: None,
            commit_bytes: 256 << 20,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Transcripts indexed (or coded again).
    pub added: usize,
    /// Their sentences.
    pub sentences: usize,
    /// Transcripts skipped as unchanged.
    pub skipped: usize,
    /// Transcripts that failed (each noted).
    pub failed: usize,
}

/// Adds transcripts to an index: unchanged files (same content hash) are skipped before any
/// work, changed ones replaced. `None` when `paths` hold no transcripts (after a note).
///
/// # Errors
/// When the index cannot be opened or written, or the codebook is invalid.
pub fn add(opts: &AddOptions, progress: &mut dyn Progress) -> Result<Option<Tally>, StudyError> {
    let Some(sources) = super::sources(&opts.paths, progress)? else {
        return Ok(None);
    };
    let idx = CitataIndex::open_or_create(&opts.index)?;
    let mut writer = idx.writer()?;
    let icb = idx.codebook_for_add(opts.codebook.as_deref())?;
    let tagger = tagger(&icb)?;
    let known = idx.hashes()?;
    let config = IngestConfig::default();
    let decisions = Decisions::load_folders(&opts.paths)?;
    let work = |s: &Source| -> crate::Result<Option<(Prepared, usize)>> {
        let bytes = read_source(s, &config)?;
        let hash = stored_hash(&content_hash(&bytes), &decisions, &s.doc);
        if known.get(&s.doc) == Some(&hash) {
            return Ok(None);
        }
        let len = bytes.len();
        let t = ingest_read(s, bytes, &config)?;
        let path = s.path.display().to_string();
        Ok(Some((
            prepare(&idx, &tagger, &decisions, t, &hash, &path),
            len,
        )))
    };
    let mut batch = Batch {
        idx: &idx,
        writer: &mut writer,
        icb: &icb,
        commit_bytes: opts.commit_bytes.max(1),
        uncommitted: 0,
        tally: Tally::default(),
    };
    batch.run(&sources, pass::threads(opts.jobs), work, progress)?;
    let tally = batch.tally;
    idx.commit(&mut writer, &icb)?;
    Ok(Some(tally))
}

/// Codes every transcript in the index again, from the texts it stores, with `codebook` (by
/// default the index's own, read again from its file when that is still there). Returns the
/// tally and the codebook's name.
///
/// # Errors
/// When there is no index, it cannot be written, or the codebook is invalid.
pub fn retag(
    index: &Path,
    codebook: Option<&Path>,
    jobs: Option<usize>,
    progress: &mut dyn Progress,
) -> Result<(Tally, String), StudyError> {
    let idx = existing(index)?;
    let mut writer = idx.writer()?;
    let icb = match (codebook, idx.codebook()?) {
        (Some(p), _) => IndexCodebook::read(Some(p))?,
        (None, Some(stored)) if stored.name.ends_with("(embedded)") => IndexCodebook::read(None)?,
        // Read the file again when it is still there: that is the point of retag after
        // editing it.
        (None, Some(stored)) => {
            let path = Path::new(&stored.name);
            if path.is_file() {
                IndexCodebook::read(Some(path))?
            } else {
                stored
            }
        }
        (None, None) => IndexCodebook::read(None)?,
    };
    let tagger = tagger(&icb)?;
    let stored = idx.stored_transcripts()?;
    let folders = StudyDecisions::default();
    let work = |s: &StoredTranscript| -> crate::Result<Option<(Prepared, usize)>> {
        let (t, path, hash) = s.load(&idx.fields)?;
        let bytes = t.text.len();
        let decisions = folders.of(&path, &t.doc)?;
        let hash = stored_hash(file_hash(&hash), &decisions, &t.doc);
        Ok(Some((
            prepare(&idx, &tagger, &decisions, t, &hash, &path),
            bytes,
        )))
    };
    let mut batch = Batch {
        idx: &idx,
        writer: &mut writer,
        icb: &icb,
        commit_bytes: RETAG_COMMIT_BYTES,
        uncommitted: 0,
        tally: Tally::default(),
    };
    batch.run(&stored, pass::threads(jobs), work, progress)?;
    let tally = batch.tally;
    idx.commit(&mut writer, &icb)?;
    Ok((tally, icb.name))
}

/// An index that must exist already (remove, retag, stats).
///
/// # Errors
/// [`StudyError::NoIndex`] when `dir` holds none; when it cannot be opened.
pub fn existing(dir: &Path) -> Result<CitataIndex, StudyError> {
    if !dir.join("meta.json").is_file() {
        return Err(StudyError::NoIndex {
            dir: dir.to_path_buf(),
        });
    }
    Ok(CitataIndex::open_or_create(dir)?)
}

fn tagger(icb: &IndexCodebook) -> crate::Result<Tagger> {
    let mut analyzer = Analyzer::new();
    let cb = icb.compile(&mut analyzer)?;
    Ok(Tagger::new(cb, &mut analyzer))
}

/// What the index keeps as a transcript's hash: its file's content hash, then, when coders
/// decided on it, `+` and the hash of those decisions ([`Decisions::doc_hash`]): a decision
/// made since makes `index add` code the transcript again.
fn stored_hash(file: &str, decisions: &Decisions, doc: &str) -> String {
    match decisions.doc_hash(doc) {
        Some(d) => format!("{file}+{d}"),
        None => file.to_string(),
    }
}

/// The file's content hash in a [`stored_hash`].
fn file_hash(stored: &str) -> &str {
    stored.split_once('+').map_or(stored, |(f, _)| f)
}

/// The decisions of the study folders transcripts were added from, read once per folder:
/// a document id is its path inside the folder given to `index add`, so the folder is its
/// stored path without the id.
#[derive(Default)]
struct StudyDecisions(Mutex<HashMap<PathBuf, Arc<Decisions>>>);

impl StudyDecisions {
    fn of(&self, path: &str, doc: &str) -> crate::Result<Arc<Decisions>> {
        let Some(folder) = path
            .strip_suffix(doc)
            .filter(|f| !f.is_empty() && doc != path)
            .map(PathBuf::from)
        else {
            return Ok(Arc::default());
        };
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = known.get(&folder) {
            return Ok(d.clone());
        }
        let d = Arc::new(Decisions::load(&folder.join(DECISIONS_FILE))?);
        known.insert(folder, d.clone());
        Ok(d)
    }
}

/// Codes a transcript of the index again (`t`, `path` and `hash` as
/// [`StoredTranscript::load`] gives them) with `tagger` (the index's codebook) and
/// `decisions` (its study's, as the server keeps them after a coder's decision), and
/// commits.
///
/// # Errors
/// When the index cannot be read or written, or its codebook compiled.
pub fn recode(
    idx: &CitataIndex,
    tagger: &Tagger,
    decisions: &Decisions,
    t: Transcript,
    path: &str,
    hash: &str,
) -> Result<(), StudyError> {
    let hash = stored_hash(file_hash(hash), decisions, &t.doc);
    let prepared = prepare(idx, tagger, decisions, t, &hash, path);
    let icb = idx.own_codebook()?;
    let mut writer = idx.writer()?;
    idx.apply(&writer, prepared)?;
    idx.commit(&mut writer, &icb)?;
    Ok(())
}

/// Tags a transcript and builds its documents, on the worker's thread: the study pass (with
/// the coders' decisions) with the index keys recorded while tagging.
fn prepare(
    idx: &CitataIndex,
    tagger: &Tagger,
    decisions: &Decisions,
    t: Transcript,
    hash: &str,
    path: &str,
) -> Prepared {
    let pipeline = Pipeline {
        decisions: decisions.to_apply(),
        ..Pipeline::new(
            tagger,
            Needs {
                keys: true,
                ..Needs::default()
            },
        )
    };
    pipeline.analyze_with(0, t, |a, state| {
        let keys = state.keys.take().unwrap_or_default();
        let tagged = Tagged {
            transcript: a.transcript,
            codings: &a.codings,
            keys: &keys,
            hash,
            path,
        };
        let prepared = idx.prepare(
            tagged,
            tagger.matcher().codebook(),
            &mut state.matching.analyzer,
        );
        // Kept for the thread's next transcript: its buffers are reused.
        state.keys = Some(keys);
        prepared
    })
}

/// Prepared transcripts applied in order to an index writer, committed every
/// `commit_bytes`. The caller makes the last commit.
struct Batch<'a> {
    idx: &'a CitataIndex,
    writer: &'a mut crate::index::Writer,
    icb: &'a IndexCodebook,
    commit_bytes: usize,
    uncommitted: usize,
    tally: Tally,
}

impl Batch<'_> {
    /// Prepares `items` on worker threads with `work` (`None`: skipped) and applies them in
    /// order; errors are noted and counted.
    fn run<T: Sync>(
        &mut self,
        items: &[T],
        threads: usize,
        work: impl Fn(&T) -> crate::Result<Option<(Prepared, usize)>> + Sync,
        progress: &mut dyn Progress,
    ) -> Result<(), StudyError> {
        progress.start(items.len());
        let mut write = |r: crate::Result<Option<(Prepared, usize)>>| -> crate::Result<()> {
            progress.file_done();
            match r {
                Ok(Some((p, bytes))) => self.apply(p, bytes)?,
                Ok(None) => self.tally.skipped += 1,
                Err(e) => {
                    self.tally.failed += 1;
                    progress.note(&format!("error: {e}"));
                }
            }
            Ok(())
        };
        pass::ordered(items, threads, |_, item| work(item), &mut write)?;
        progress.finish();
        Ok(())
    }

    fn apply(&mut self, p: Prepared, bytes: usize) -> crate::Result<()> {
        self.tally.added += 1;
        self.tally.sentences += p.sentences();
        self.idx.apply(self.writer, p)?;
        self.uncommitted += bytes;
        if self.uncommitted >= self.commit_bytes {
            self.idx.commit(self.writer, self.icb)?;
            self.uncommitted = 0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::index::SearchQuery;

    type Places = BTreeSet<(String, usize)>;

    /// The index holds words in Russian letters as their forms and expands a query word
    /// into the forms that share its key: on the demo corpus a query for any of its words
    /// (every fourth distinct form), a two-word phrase (every 25th pair of neighbours) and a
    /// few prefixes finds exactly the sentences a brute force over the analyzer's keys
    /// finds — what tagging reads, one analyzer.
    #[test]
    fn queries_find_exactly_the_sentences_whose_words_have_their_keys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
        let ix = dir.path().join("ix");
        let mut notes: Vec<String> = Vec::new();
        let tally = add(&AddOptions::new(vec![demo.clone()], ix.clone()), &mut notes)
            .expect("indexed")
            .expect("the demo has transcripts");
        assert_eq!(tally.failed, 0, "{notes:?}");
        let idx = CitataIndex::open_or_create(&ix).expect("index");

        let mut a = Analyzer::new();
        let mut by_key: BTreeMap<String, Places> = BTreeMap::new();
        let mut by_pair: BTreeMap<(String, String), Places> = BTreeMap::new();
        let mut terms: Vec<(String, (String, usize))> = Vec::new();
        let mut forms: BTreeMap<String, String> = BTreeMap::new();
        let mut pairs: Vec<(String, String)> = Vec::new();
        for s in crate::ingest::discover(&[demo]).expect("list") {
            let t = crate::ingest::ingest_source(&s, &IngestConfig::default()).expect("ingest");
            for x in t.sentences.iter().filter(|x| !x.non_speech) {
                let at = (t.doc.clone(), t.text[..x.span.start].chars().count());
                let text = t.slice(x.span);
                let tokens = a.tokens(text);
                let mut last: Option<(String, String)> = None;
                for tok in &tokens {
                    let (norm, key) = (a.norm(tok.form).to_string(), a.info(tok).key().to_string());
                    by_key.entry(key.clone()).or_default().insert(at.clone());
                    terms.push((a.index_term(tok.form).to_string(), at.clone()));
                    forms.insert(norm.clone(), key.clone());
                    if let Some((prev_norm, prev_key)) = last {
                        by_pair
                            .entry((prev_key, key.clone()))
                            .or_default()
                            .insert(at.clone());
                        pairs.push((prev_norm, norm.clone()));
                    }
                    last = Some((norm, key));
                }
            }
        }
        let found = |q: &str| -> Places {
            let r = idx
                .search(&SearchQuery {
                    text: q.to_string(),
                    limit: 1_000_000,
                    ..SearchQuery::default()
                })
                .unwrap_or_else(|e| panic!("{q}: {e}"));
            assert_eq!(r.hits.len(), r.total, "{q}");
            r.hits.into_iter().map(|h| (h.doc, h.start)).collect()
        };
        let mut checked = 0;
        for (form, key) in forms.iter().step_by(4) {
            assert_eq!(found(&format!("\"{form}\"")), by_key[key], "{form} ({key})");
            checked += 1;
        }
        assert!(checked > 900, "{checked} words");
        for (x, y) in pairs.iter().step_by(25) {
            let want = &by_pair[&(forms[x].clone(), forms[y].clone())];
            assert_eq!(&found(&format!("\"{x} {y}\"")), want, "{x} {y}");
        }
        // A suppletive form: «людьми» is a form of «человек», which the index holds as
        // «человек», «люди», «людей», … and a query for either finds them all.
        let people = &by_key["человек"];
        assert!(people.len() > 3, "{people:?}");
        assert_eq!(&found("людьми"), people);
        assert_eq!(&found("Человеку"), people);
        for prefix in ["отсроч", "постав", "цен", "б"] {
            let want: Places = terms
                .iter()
                .filter(|(term, _)| term.starts_with(prefix))
                .map(|(_, at)| at.clone())
                .collect();
            assert!(!want.is_empty(), "{prefix}");
            assert_eq!(found(&format!("{prefix}*")), want, "{prefix}*");
        }
    }
}
