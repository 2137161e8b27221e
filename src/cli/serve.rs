//! `citata serve`: index the study folder, then serve it in the browser.

use std::io::Write;

use super::{IndexCommand, ServeArgs};
use crate::serve::{App, new_token, run as serve};

/// Runs `citata serve` until Ctrl-C; returns false when indexing the study failed.
///
/// # Errors
/// When the index cannot be opened or the address cannot be bound.
pub fn run(args: &ServeArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<bool> {
    let index = args.index.clone();
    if !args.no_index {
        writeln!(err, "indexing {} …", args.study.display())?;
        let add = IndexCommand::Add {
            paths: vec![args.study.clone()],
            index: super::IndexDir {
                index: index.clone(),
            },
            codebook: None,
            workers: super::Workers::default(),
            quiet: false,
            commit_mb: 256,
        };
        let mut summary = Vec::new();
        let ok = super::index::run(&add, &mut summary, err)?;
        err.write_all(&summary)?;
        if !ok {
            writeln!(
                err,
                "some files could not be indexed (see above); serving the rest"
            )?;
        }
    }
    let token = match (&args.token, args.host.is_loopback()) {
        (Some(t), _) => Some(t.clone()),
        (None, false) => Some(new_token()),
        (None, true) => None,
    };
    let app = App::open(args.study.clone(), &index, token)?;
    serve(app, args.host, args.port, |url| {
        let _ = writeln!(out, "citata serves {url}  (Ctrl-C stops)");
        let _ = out.flush();
    })?;
    Ok(true)
}
