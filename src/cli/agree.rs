//! `citata agree`: citata's codings against the human codings of a REFI-QDA project.

use std::io::Write;

use super::AgreeArgs;

/// Runs `citata agree`; returns true on success.
///
/// # Errors
/// When the project or codebook cannot be read, or output cannot be written.
pub fn run(args: &AgreeArgs, _out: &mut dyn Write, _err: &mut dyn Write) -> anyhow::Result<bool> {
    anyhow::bail!("{}: agree is not implemented yet", args.project.display())
}
