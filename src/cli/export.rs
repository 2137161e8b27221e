//! `citata export qdpx`: a study as a REFI-QDA project for QDA tools, built by
//! [`crate::study::export`].

use std::io::Write;

use super::{Bar, ExportCommand, ExportQdpxArgs};
use crate::study::export::{ExportOptions, qdpx_project};

/// Runs an `export` subcommand; returns true when every file was read.
///
/// # Errors
/// When the codebook is invalid, a path does not exist, or the package cannot be written.
pub fn run(cmd: &ExportCommand, _out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    match cmd {
        ExportCommand::Qdpx(args) => qdpx(args, err),
    }
}

fn qdpx(args: &ExportQdpxArgs, err: &mut dyn Write) -> anyhow::Result<bool> {
    let name = args.name.clone().unwrap_or_else(|| {
        args.out
            .file_stem()
            .map_or("citata".into(), |s| s.to_string_lossy().into_owned())
    });
    let opts = ExportOptions {
        paths: args.paths.clone(),
        codebook: args.codebook.clone(),
        name,
        jobs: args.workers.jobs,
    };
    let Some(export) = qdpx_project(&opts, &mut Bar::new(args.quiet, err))? else {
        return Ok(false);
    };
    let p = &export.project;
    let bytes = p.to_qdpx()?;
    super::write_atomically(&args.out, &bytes)?;
    if !args.quiet {
        let selections: usize = p.sources.iter().map(|s| s.selections.len()).sum();
        let codings: usize = p
            .sources
            .iter()
            .flat_map(|s| &s.selections)
            .map(|s| s.codings.len())
            .sum();
        writeln!(
            err,
            "wrote {}: {} source(s), {} case(s), {} selection(s) ({} quote(s)), {} coding(s); {} failed",
            args.out.display(),
            p.sources.len(),
            p.cases.len(),
            selections,
            export.quotes,
            codings,
            export.failed,
        )?;
    }
    Ok(export.failed == 0)
}
