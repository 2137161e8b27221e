//! The `citata` command: parse arguments, run the subcommand, print errors once.

use std::io::Write;
use std::process::ExitCode;

use citata::cli::{Command, Opts};
use clap::Parser;

fn main() -> ExitCode {
    let opts = Opts::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Each command gives its exit code: 0 ok, 1 nothing found (search), 2 something failed.
    let code = |r: anyhow::Result<bool>| r.map(|ok| if ok { 0u8 } else { 2 });
    let result = match &opts.command {
        Command::Ingest(args) => code(citata::cli::ingest::run(args, &mut out, &mut stderr.lock())),
        Command::Tag(args) => code(citata::cli::tag::run(args, &mut out, &mut stderr.lock())),
        Command::Quotes(args) => code(citata::cli::quotes::run(args, &mut out, &mut stderr.lock())),
        Command::Ratings(args) => code(citata::cli::ratings::run(
            args,
            &mut out,
            &mut stderr.lock(),
        )),
        Command::Report(args) => code(citata::cli::report::run(args, &mut out, &mut stderr.lock())),
        Command::Index(cmd) => code(citata::cli::index::run(cmd, &mut out, &mut stderr.lock())),
        Command::Search(args) => citata::cli::search::run(args, &mut out, &mut stderr.lock()),
        Command::Codebook(cmd) => code(citata::cli::codebook::run(
            cmd,
            &mut out,
            &mut stderr.lock(),
        )),
        Command::Export(cmd) => code(citata::cli::export::run(cmd, &mut out, &mut stderr.lock())),
        Command::Import(cmd) => code(citata::cli::import::run(cmd, &mut out, &mut stderr.lock())),
        Command::Agree(args) => code(citata::cli::agree::run(args, &mut out, &mut stderr.lock())),
        Command::Code(cmd) => code(citata::cli::code::run(cmd, &mut out, &mut stderr.lock())),
        Command::Memo(cmd) => code(citata::cli::memo::run(cmd, &mut out, &mut stderr.lock())),
        Command::Serve(args) => code(citata::cli::serve::run(args, &mut out, &mut stderr.lock())),
    };
    let flushed = out.flush();
    match result.and_then(|c| flushed.map(|_| c).map_err(Into::into)) {
        Ok(c) => ExitCode::from(c),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
