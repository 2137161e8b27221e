//! `citata index add | remove | stats`.

use std::io::Write;

use super::{IndexCommand, in_order, threads, transcripts};
use crate::codebook::Codebook;
use crate::index::{CitataIndex, content_hash};
use crate::ingest::{IngestConfig, Source, ingest_source};
use crate::tag::{Coding, Tagger};
use crate::text::Analyzer;

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
        } => {
            let Some(sources) = transcripts(paths, err)? else {
                return Ok(false);
            };
            let idx = CitataIndex::open_or_create(index)?;
            let writer = idx.writer()?;
            let mut analyzer = Analyzer::new();
            let cb = Codebook::load(codebook.as_deref(), &mut analyzer)?;
            let tagger = Tagger::new(cb, &mut analyzer);
            let config = IngestConfig::default();
            // Unchanged files (same content hash) are skipped before any work.
            let work = |s: &Source| -> crate::Result<
                Option<(crate::model::Transcript, Vec<Coding>, String)>,
            > {
                let bytes = std::fs::read(&s.path).map_err(|e| crate::Error::Io {
                    path: s.path.clone(),
                    cause: e,
                })?;
                let hash = content_hash(&bytes);
                if idx.stored_hash(&s.doc).as_deref() == Some(hash.as_str()) {
                    return Ok(None);
                }
                let t = ingest_source(s, &config)?;
                let codings = tagger.with_thread_state(|state| tagger.tag(state, &t));
                Ok(Some((t, codings, hash)))
            };
            let (mut added, mut skipped, mut failed) = (0usize, 0usize, 0usize);
            let cbr = tagger.matcher().codebook();
            let mut write = |r: crate::Result<
                Option<(crate::model::Transcript, Vec<Coding>, String)>,
            >|
             -> anyhow::Result<()> {
                match r {
                    Ok(Some((t, codings, hash))) => {
                        idx.add(&writer, &t, &codings, &hash, cbr)?;
                        added += 1;
                    }
                    Ok(None) => skipped += 1,
                    Err(e) => {
                        failed += 1;
                        writeln!(err, "error: {e}")?;
                    }
                }
                Ok(())
            };
            in_order(&sources, threads(*jobs), work, &mut write)?;
            let mut writer = writer;
            writer
                .commit()
                .map_err(|e| anyhow::anyhow!("committing the index: {e}"))?;
            writeln!(
                out,
                "{added} transcript(s) indexed, {skipped} unchanged, {failed} failed; index: {}",
                index.display()
            )?;
            Ok(failed == 0)
        }
        IndexCommand::Remove { paths, index } => {
            let Some(sources) = transcripts(paths, err)? else {
                return Ok(false);
            };
            let idx = CitataIndex::open_or_create(index)?;
            let mut writer = idx.writer()?;
            let mut removed = 0;
            for s in &sources {
                if idx.stored_hash(&s.doc).is_some() {
                    idx.remove(&writer, &s.doc);
                    removed += 1;
                }
            }
            writer
                .commit()
                .map_err(|e| anyhow::anyhow!("committing the index: {e}"))?;
            writeln!(out, "{removed} transcript(s) removed")?;
            Ok(true)
        }
        IndexCommand::Stats { index } => {
            let idx = CitataIndex::open_or_create(index)?;
            let (sentences, docs) = idx.stats()?;
            let size: u64 = std::fs::read_dir(index)
                .map(|d| {
                    d.filter_map(|e| e.ok()?.metadata().ok())
                        .map(|m| m.len())
                        .sum()
                })
                .unwrap_or(0);
            writeln!(
                out,
                "{docs} transcript(s), {sentences} sentence(s), {:.1} MB on disk ({})",
                size as f64 / 1e6,
                index.display()
            )?;
            Ok(true)
        }
    }
}
