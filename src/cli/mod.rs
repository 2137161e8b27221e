//! Command-line definitions (clap) and one file per subcommand.

pub mod ingest;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// citata: qualitative coding and quote mining of Russian interview transcripts.
#[derive(Debug, Parser)]
#[command(name = "citata", version, max_term_width = 98)]
pub struct Opts {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read transcripts (txt, md, docx, vtt, srt, json) and show what citata sees in them.
    ///
    /// PATH may be files or folders (walked recursively, in sorted order). A respondents.csv
    /// in a folder adds metadata to the files it names. A file that cannot be read is
    /// reported and the rest are processed; the exit code is 2 when any file failed.
    Ingest(IngestArgs),
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A human summary per file.
    Text,
    /// One JSON object per transcript per line (see docs/formats.md).
    Ndjson,
}

/// Arguments of `citata ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Refuse files larger than this many megabytes.
    #[arg(long, value_name = "MB", default_value_t = 64)]
    pub max_file_mb: u64,
}
