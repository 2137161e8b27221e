//! `citata index add | remove | retag | stats`.

use std::io::Write;

use super::{IndexCommand, progress, threads, transcripts};
use crate::index::{CitataIndex, IndexCodebook, Prepared, content_hash};
use crate::ingest::{IngestConfig, Source, ingest_read, read_source};
use crate::model::Transcript;
use crate::study::{Needs, Pipeline};
use crate::tag::Tagger;
use crate::text::Analyzer;

/// Retag commits after this many bytes of transcripts, so a long run keeps its progress if
/// it is stopped (each commit holds whole transcripts: the old or the new state of each).
const COMMIT_BYTES: usize = 256 << 20;

/// Runs an `index` subcommand; returns false when something failed (exit 2).
///
/// # Errors
/// When the index cannot be opened or written, or the codebook is invalid.
pub fn run(cmd: &IndexCommand, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    match cmd {
        IndexCommand::Add {
            paths,
            index,
            codebook,
            jobs,
            quiet,
            commit_mb,
        } => {
            let Some(sources) = transcripts(paths, err)? else {
                return Ok(false);
            };
            let idx = CitataIndex::open_or_create(index)?;
            let mut writer = idx.writer()?;
            let icb = idx.codebook_for_add(codebook.as_deref())?;
            let tagger = tagger(&icb)?;
            let known = idx.hashes()?;
            let config = IngestConfig::default();
            // Unchanged files (same content hash) are skipped before any work.
            let work = |s: &Source| -> crate::Result<Option<(Prepared, usize)>> {
                let bytes = read_source(s, &config)?;
                let hash = content_hash(&bytes);
                if known.get(&s.doc) == Some(&hash) {
                    return Ok(None);
                }
                let len = bytes.len();
                let t = ingest_read(s, bytes, &config)?;
                let path = s.path.display().to_string();
                Ok(Some((prepare(&idx, &tagger, t, &hash, &path), len)))
            };
            let tally = batch(
                &idx,
                &mut writer,
                &icb,
                &sources,
                (threads(*jobs), *quiet, (*commit_mb).max(1) << 20),
                work,
                err,
            )?;
            idx.commit(&mut writer, &icb)?;
            writeln!(
                out,
                "{} transcript(s) indexed ({} sentences), {} unchanged, {} failed; index: {}",
                tally.added,
                tally.sentences,
                tally.skipped,
                tally.failed,
                index.display()
            )?;
            Ok(tally.failed == 0)
        }
        IndexCommand::Retag {
            index,
            codebook,
            jobs,
            quiet,
        } => {
            let idx = existing(index)?;
            let mut writer = idx.writer()?;
            let icb = match (codebook, idx.codebook()?) {
                (Some(p), _) => IndexCodebook::read(Some(p))?,
                (None, Some(stored)) if stored.name.ends_with("(embedded)") => {
                    IndexCodebook::read(None)?
                }
                // Read the file again when it is still there: that is the point of retag
                // after editing it.
                (None, Some(stored)) => {
                    let path = std::path::Path::new(&stored.name);
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
            let work =
                |s: &crate::index::StoredTranscript| -> crate::Result<Option<(Prepared, usize)>> {
                    let (t, path, hash) = s.load(&idx.fields)?;
                    let bytes = t.text.len();
                    Ok(Some((prepare(&idx, &tagger, t, &hash, &path), bytes)))
                };
            let tally = batch(
                &idx,
                &mut writer,
                &icb,
                &stored,
                (threads(*jobs), *quiet, COMMIT_BYTES),
                work,
                err,
            )?;
            idx.commit(&mut writer, &icb)?;
            writeln!(
                out,
                "{} transcript(s) coded again with {} ({} sentences), {} failed",
                tally.added, icb.name, tally.sentences, tally.failed
            )?;
            Ok(tally.failed == 0)
        }
        IndexCommand::Remove { paths, index } => {
            let Some(sources) = transcripts(paths, err)? else {
                return Ok(false);
            };
            let idx = existing(index)?;
            let mut writer = idx.writer()?;
            let known = idx.hashes()?;
            let mut removed = 0;
            for s in &sources {
                if known.contains_key(&s.doc) {
                    idx.remove(&writer, &s.doc);
                    removed += 1;
                }
            }
            let icb = match idx.codebook()? {
                Some(c) => c,
                None => IndexCodebook::read(None)?,
            };
            idx.commit(&mut writer, &icb)?;
            writeln!(out, "{removed} transcript(s) removed")?;
            Ok(true)
        }
        IndexCommand::Stats { index } => {
            let idx = existing(index)?;
            let stats = idx.stats()?;
            let size: u64 = std::fs::read_dir(index)
                .map(|d| {
                    d.filter_map(|e| e.ok()?.metadata().ok())
                        .map(|m| m.len())
                        .sum()
                })
                .unwrap_or(0);
            let coded: u64 = stats.codes.iter().map(|c| c.count).sum();
            writeln!(
                out,
                "{} transcript(s), {} sentence(s), {} coding(s) of {} code(s), {:.1} MB on disk ({})",
                stats.transcripts,
                stats.sentences,
                coded,
                stats.codes.len(),
                size as f64 / 1e6,
                index.display()
            )?;
            if let Some(cb) = idx.codebook()? {
                writeln!(out, "codebook: {}", cb.name)?;
            }
            for c in &stats.codes {
                writeln!(out, "  {:<14} {:<28} {:>8}", c.group, c.value, c.count)?;
            }
            Ok(true)
        }
    }
}

/// An index that must exist already (remove, retag, stats).
fn existing(dir: &std::path::Path) -> anyhow::Result<CitataIndex> {
    if !dir.join("meta.json").is_file() {
        anyhow::bail!(
            "no index in {}; build one with `citata index add PATH`",
            dir.display()
        );
    }
    Ok(CitataIndex::open_or_create(dir)?)
}

fn tagger(icb: &IndexCodebook) -> anyhow::Result<Tagger> {
    let mut analyzer = Analyzer::new();
    let cb = icb.compile(&mut analyzer)?;
    Ok(Tagger::new(cb, &mut analyzer))
}

/// Tags a transcript and builds its documents, on the worker's thread: the study pass with
/// the index keys recorded while tagging.
fn prepare(idx: &CitataIndex, tagger: &Tagger, t: Transcript, hash: &str, path: &str) -> Prepared {
    let keys = Needs {
        keys: true,
        ..Needs::default()
    };
    Pipeline::new(tagger, keys).analyze_with(0, t, |a, state| {
        let keys = state.keys.take().unwrap_or_default();
        let prepared = idx.prepare(
            a.transcript,
            &a.codings,
            &keys,
            hash,
            path,
            tagger.matcher().codebook(),
            &mut state.matching.analyzer,
        );
        // Kept for the thread's next transcript: its buffers are reused.
        state.keys = Some(keys);
        prepared
    })
}

/// Prepares `items` on worker threads with `work` (`None`: skipped) and applies them in
/// order, committing every `commit_bytes`, with a progress bar; errors are reported and
/// counted. The caller makes the last commit. `(threads, quiet, commit_bytes)`.
fn batch<T: Sync>(
    idx: &CitataIndex,
    writer: &mut tantivy::IndexWriter,
    icb: &IndexCodebook,
    items: &[T],
    (threads, quiet, commit_bytes): (usize, bool, usize),
    work: impl Fn(&T) -> crate::Result<Option<(Prepared, usize)>> + Sync,
    err: &mut dyn Write,
) -> anyhow::Result<Tally> {
    let bar = progress(items.len(), quiet);
    let mut tally = Tally {
        commit_bytes,
        ..Tally::default()
    };
    let mut write = |r: crate::Result<Option<(Prepared, usize)>>| -> anyhow::Result<()> {
        bar.inc(1);
        match r {
            Ok(Some((p, bytes))) => tally.apply(idx, writer, icb, p, bytes)?,
            Ok(None) => tally.skipped += 1,
            Err(e) => {
                tally.failed += 1;
                bar.suspend(|| writeln!(err, "error: {e}"))?;
            }
        }
        Ok(())
    };
    crate::study::pass::ordered(items, threads, |_, item| work(item), &mut write)?;
    bar.finish_and_clear();
    Ok(tally)
}

/// What a run did, and the bytes since the last commit.
#[derive(Default)]
struct Tally {
    added: usize,
    sentences: usize,
    skipped: usize,
    failed: usize,
    uncommitted: usize,
    commit_bytes: usize,
}

impl Tally {
    fn apply(
        &mut self,
        idx: &CitataIndex,
        writer: &mut tantivy::IndexWriter,
        icb: &IndexCodebook,
        p: Prepared,
        bytes: usize,
    ) -> anyhow::Result<()> {
        self.added += 1;
        self.sentences += p.sentences();
        idx.apply(writer, p)?;
        self.uncommitted += bytes;
        if self.uncommitted >= self.commit_bytes {
            idx.commit(writer, icb)?;
            self.uncommitted = 0;
        }
        Ok(())
    }
}
