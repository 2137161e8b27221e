//! `citata index add | remove | retag | stats`, over [`crate::study::index`].

use std::io::Write;

use super::{Bar, IndexCommand, IndexDir, transcripts};
use crate::study::{self, index::AddOptions, index::existing};

/// Runs an `index` subcommand; returns false when something failed (exit 2).
///
/// # Errors
/// When the index cannot be opened or written, or the codebook is invalid.
pub fn run(cmd: &IndexCommand, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    match cmd {
        IndexCommand::Add {
            paths,
            index: IndexDir { index },
            codebook,
            workers,
            quiet,
            commit_mb,
        } => {
            let opts = AddOptions {
                codebook: codebook.clone(),
                jobs: workers.jobs,
                commit_bytes: (*commit_mb).max(1) << 20,
                ..AddOptions::new(paths.clone(), index.clone())
            };
            let Some(tally) = study::index::add(&opts, &mut Bar::new(*quiet, err))? else {
                return Ok(false);
            };
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
            index: IndexDir { index },
            codebook,
            workers,
            quiet,
        } => {
            let (tally, name) = study::index::retag(
                index,
                codebook.as_deref(),
                workers.jobs,
                &mut Bar::new(*quiet, err),
            )?;
            writeln!(
                out,
                "{} transcript(s) coded again with {} ({} sentences), {} failed",
                tally.added, name, tally.sentences, tally.failed
            )?;
            Ok(tally.failed == 0)
        }
        IndexCommand::Remove {
            paths,
            index: IndexDir { index },
        } => {
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
            let icb = idx.own_codebook()?;
            idx.commit(&mut writer, &icb)?;
            writeln!(out, "{removed} transcript(s) removed")?;
            Ok(true)
        }
        IndexCommand::Stats {
            index: IndexDir { index },
        } => {
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
