//! Command-line definitions (clap) and one file per subcommand.

pub mod agree;
pub mod code;
pub mod codebook;
pub mod export;
pub mod import;
pub mod index;
pub mod ingest;
pub mod memo;
pub mod quotes;
pub mod ratings;
pub mod report;
pub mod search;
pub mod serve;
pub mod tag;

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
    /// Code every sentence of transcripts against the codebook.
    ///
    /// Keyword codings (the sentence names the parameter), context codings (it answers the
    /// interviewer's question about it), polarity, wishes and comparisons with competitors.
    /// Files are tagged in parallel; output keeps the input order.
    Tag(TagArgs),
    /// Rank vivid, diverse, anonymized quotes per parameter.
    ///
    /// Candidates are one to four sentences of a respondent turn coded for the parameter;
    /// each quote's score is the sum of named features, shown with it. Quotes from other
    /// divisions and respondents, saying other things, are preferred.
    Quotes(QuotesArgs),
    /// The report of a study: scores per level and parameter with the change since the
    /// previous wave, strengths and zones of development with quotes, ideas and wishes, a
    /// recommendations skeleton. A citata.toml in the study folder names the client, the
    /// supplier and the waves.
    Report(ReportArgs),
    /// Ratings (1–10) read from the answers, or from a ratings.csv, and their means per
    /// parameter, level and wave.
    ///
    /// A ratings.csv in a folder given (header `file,param,value`, optional `wave`)
    /// overrides the ratings read from the transcripts; each override is reported.
    Ratings(RatingsArgs),
    /// Keep a search index of coded sentences: add, remove, retag, stats.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Search the index: words (every inflection), "phrases", AND/OR/NOT, prefix*, and
    /// filters.
    ///
    /// In the query: `code:ID`, `level:ID`, `role:respondent`, `polarity:negative`,
    /// `wish:true`, `source:human` (codings a coder added; `keyword`, `context`: the
    /// machine's), and metadata such as `division:Закупки` or `wave:2026`. Exit code 1 when
    /// nothing matched.
    Search(SearchArgs),
    /// Check, explain and audit a codebook; exchange it with QDA tools (.qdc).
    #[command(subcommand)]
    Codebook(CodebookCommand),
    /// Export a study for QDA tools (REFI-QDA .qdpx: NVivo, ATLAS.ti, MAXQDA, QualCoder).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Read a project exported by a QDA tool (REFI-QDA .qdpx).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Agreement of citata's codings with the human codings of a REFI-QDA project.
    ///
    /// Every source's text is read as a plain transcript (speaker labels parsed) and tagged;
    /// a respondent sentence counts as human-coded for a code when a selection coded with it
    /// covers at least half of the sentence, or, for a selection that covers no sentence by
    /// half, the sentence it overlaps most. Codes match parameters by id or name
    /// (case-insensitive), or by a --map file. Per parameter: n, TP, FP, FN, precision,
    /// recall, F1, Cohen's kappa, and the sentences where citata and the coders disagree.
    Agree(AgreeArgs),
    /// Human coding: accept, reject or add a coding on a sentence or span, and list the
    /// decisions.
    ///
    /// Decisions are kept in the study folder's decisions.tsv (one line each, keyed by
    /// document, offsets, parameter and a hash of the text) and applied by `tag` (which
    /// marks them and leaves rejected codings out) and `export qdpx` (under the coder's
    /// name).
    #[command(subcommand)]
    Code(CodeCommand),
    /// Memos: a researcher's notes on a transcript, a span of one, or a parameter.
    ///
    /// Memos are kept in the study folder's memos.tsv (one line each; a span is keyed by
    /// document, offsets and a hash of its text, so it is found again after a re-ingest).
    /// The web app shows them, `export qdpx` writes them as notes, and the Word report lists
    /// them in an appendix.
    #[command(subcommand)]
    Memo(MemoCommand),
    /// The study in a browser: search by criterion, transcripts with their codings.
    ///
    /// Indexes the study folder first (incrementally: unchanged files are skipped), then
    /// serves on 127.0.0.1 and prints the URL. With --host other than loopback, every request
    /// needs the access token printed with the URL.
    Serve(ServeArgs),
}

/// `--jobs`, shared by the commands that read transcripts.
#[derive(Clone, Copy, Debug, Default, clap::Args)]
pub struct Workers {
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

/// `--index`, shared by the index commands and search.
#[derive(Clone, Debug, clap::Args)]
pub struct IndexDir {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = crate::index::DEFAULT_DIR)]
    pub index: PathBuf,
}

/// `citata export ...`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A REFI-QDA project: transcripts as text sources, the code tree (levels, parameters,
    /// context codes, ideas and wishes, comparisons, quotes), cases with metadata and
    /// ratings, one selection per coded respondent sentence, the ranked quotes with their
    /// scores. Same input, same bytes.
    Qdpx(ExportQdpxArgs),
}

/// Arguments of `citata export qdpx`.
#[derive(Debug, clap::Args)]
pub struct ExportQdpxArgs {
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The package to write (written to a temporary file, then renamed).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The codebook (default: the embedded B2B CX codebook).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// The project's name (default: the file name of --out without extension).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Worker threads.
    #[command(flatten)]
    pub workers: Workers,
    /// No progress bar and no summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `citata import ...`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Sources, the code tree and the codings of a .qdpx: a summary, or one coding per line.
    Qdpx(ImportQdpxArgs),
}

/// Formats of `citata import qdpx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// Sources, the code tree with codings per code.
    Text,
    /// One JSON object per coding per line: source, code path, start, end, text.
    Ndjson,
}

/// Arguments of `citata import qdpx`.
#[derive(Debug, clap::Args)]
pub struct ImportQdpxArgs {
    /// The .qdpx package.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ImportFormat::Text)]
    pub format: ImportFormat,
    /// Selection offsets count a CRLF line end as one character (ATLAS.ti is known to
    /// write them so); by default they are code points of the text as stored, and offsets
    /// that fit the text only when a CRLF counts as one are warned about.
    #[arg(long)]
    pub crlf_as_one: bool,
}

/// Arguments of `citata agree`.
#[derive(Debug, clap::Args)]
pub struct AgreeArgs {
    /// The REFI-QDA project with the human codings.
    #[arg(value_name = "PROJECT", required_unless_present = "decisions")]
    pub project: Option<PathBuf>,
    /// Take the coders' decisions of this study folder (decisions.tsv, made with `citata
    /// code`) as the reference instead of a project: each transcript with a decision is
    /// compared whole, its reference being its codings after the decisions.
    #[arg(long, value_name = "STUDY", conflicts_with = "project")]
    pub decisions: Option<PathBuf>,
    /// The codebook (default: the embedded B2B CX codebook).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// A TOML file mapping human code names (or paths `Parent/Child`) to parameter ids:
    /// `"Сроки поставки" = "delivery"`.
    #[arg(long, value_name = "MAP.toml")]
    pub map: Option<PathBuf>,
    /// Disagreeing sentences shown per parameter.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub examples: usize,
    /// Selection offsets count a CRLF line end as one character (ATLAS.ti is known to
    /// write them so); by default they are code points of the text as stored, and offsets
    /// that fit the text only when a CRLF counts as one are warned about.
    #[arg(long)]
    pub crlf_as_one: bool,
}

/// Codebook exchange formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CodebookFormat {
    /// REFI-QDA codebook (QDA-XML 1.0).
    Qdc,
}

/// `citata codebook ...`
#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
    /// Summary, errors (exit 2) and warnings of a codebook (default: the embedded one).
    Check {
        /// The codebook file.
        file: Option<PathBuf>,
    },
    /// How each word is read (normal form, lemmas, stem) and which entries it matches.
    Explain {
        /// The codebook (default: the embedded one).
        #[arg(long, value_name = "FILE")]
        codebook: Option<PathBuf>,
        /// Word forms to explain.
        #[arg(required = true, value_name = "WORD")]
        words: Vec<String>,
    },
    /// For each entry, the word forms it matched in a corpus, with counts; dead entries.
    Audit {
        /// The codebook (default: the embedded one).
        #[arg(long, value_name = "FILE")]
        codebook: Option<PathBuf>,
        /// Transcript files or folders.
        #[arg(required = true, value_name = "CORPUS")]
        paths: Vec<PathBuf>,
        /// Show only entries that matched nothing.
        #[arg(long)]
        dead: bool,
    },
    /// Write the codebook's levels and parameters as a REFI-QDA codebook (.qdc) for QDA
    /// tools: levels as category codes, parameters as codes under them.
    Export {
        /// Exchange format.
        #[arg(long, value_enum, default_value_t = CodebookFormat::Qdc)]
        format: CodebookFormat,
        /// The codebook (default: the embedded one).
        #[arg(long, value_name = "FILE")]
        codebook: Option<PathBuf>,
        /// Where to write it (default: stdout).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// A TOML codebook skeleton from a REFI-QDA codebook (.qdc) or project (.qdpx): levels
    /// and parameters with their names, empty term lists to fill.
    Import {
        /// The .qdc (or .qdpx) file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Where to write it (default: stdout).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Formats of `citata tag`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TagFormat {
    /// One line per coding: doc, turn, parameter, source, polarity, flags, text.
    Table,
    /// One JSON object per coding per line (see docs/formats.md).
    Ndjson,
    /// Comma-separated, with a header row.
    Csv,
}

/// Arguments of `citata tag`.
#[derive(Debug, clap::Args)]
pub struct TagArgs {
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The codebook (default: the embedded B2B CX codebook).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TagFormat::Table)]
    pub format: TagFormat,
    /// Worker threads.
    #[command(flatten)]
    pub workers: Workers,
    /// No progress bar and no summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Refuse files larger than this many megabytes.
    #[arg(long, value_name = "MB", default_value_t = 64)]
    pub max_file_mb: u64,
    /// These speakers are the interviewers (labels or names, comma-separated); everyone
    /// else is a respondent. Overrides labels and metadata.
    #[arg(long, value_name = "NAME[,NAME]", value_delimiter = ',')]
    pub interviewer: Vec<String>,
    /// Show codings a coder rejected (marked `"decision": "reject"`) instead of leaving
    /// them out.
    #[arg(long)]
    pub show_rejected: bool,
}

/// `citata code ...`
#[derive(Debug, Subcommand)]
pub enum CodeCommand {
    /// Accept citata's coding of a parameter on a sentence or span.
    Accept(CodeArgs),
    /// Reject citata's coding of a parameter on a sentence or span.
    Reject(CodeArgs),
    /// Add a coding of a parameter on a sentence or span.
    Add(CodeArgs),
    /// List the decisions of a study, each checked against its transcript (ok, moved,
    /// changed).
    List {
        /// The study folder.
        #[arg(value_name = "STUDY")]
        study: PathBuf,
    },
}

/// What a coding decision is about.
#[derive(Debug, clap::Args)]
pub struct CodeArgs {
    /// The study folder (decisions.tsv is written there).
    #[arg(value_name = "STUDY")]
    pub study: PathBuf,
    /// The document id, as `tag` prints it (the path inside the study folder).
    #[arg(long, value_name = "DOC")]
    pub doc: String,
    /// The sentence's index, as in `tag --format ndjson`.
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "span",
        required_unless_present = "span"
    )]
    pub sentence: Option<usize>,
    /// A span of the canonical text in code points, `START..END` (as `tag` prints offsets).
    #[arg(long, value_name = "START..END")]
    pub span: Option<String>,
    /// The parameter id.
    #[arg(long, value_name = "ID")]
    pub param: String,
    /// Who decides.
    #[arg(long, value_name = "NAME")]
    pub coder: String,
    /// The codebook (default: the embedded B2B CX codebook).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
}

/// `citata memo ...`
#[derive(Debug, Subcommand)]
pub enum MemoCommand {
    /// Write a memo on a transcript (--doc), a sentence or span of it (--doc with --sentence
    /// or --span), or a parameter (--param).
    Add(MemoAddArgs),
    /// List the memos of a study, each checked against its transcript or the codebook.
    List {
        /// The study folder.
        #[arg(value_name = "STUDY")]
        study: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = MemoFormat::Text)]
        format: MemoFormat,
        /// The codebook (default: the study file's, else the embedded one).
        #[arg(long, value_name = "FILE")]
        codebook: Option<PathBuf>,
    },
    /// Remove a memo by its id (as `memo list` prints it; a unique prefix is enough).
    Remove {
        /// The study folder.
        #[arg(value_name = "STUDY")]
        study: PathBuf,
        /// The memo's id.
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// Formats of `citata memo list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MemoFormat {
    /// One line per memo: id, anchor, status, author, date, text.
    Text,
    /// One JSON object per memo per line.
    Ndjson,
}

/// What a memo is about, and what it says.
#[derive(Debug, clap::Args)]
pub struct MemoAddArgs {
    /// The study folder (memos.tsv is written there).
    #[arg(value_name = "STUDY")]
    pub study: PathBuf,
    /// The document id, as `tag` prints it (the path inside the study folder).
    #[arg(long, value_name = "DOC", required_unless_present = "param")]
    pub doc: Option<String>,
    /// A sentence of the document: its index, as in `tag --format ndjson`.
    #[arg(long, value_name = "N", requires = "doc", conflicts_with = "span")]
    pub sentence: Option<usize>,
    /// A span of the document's canonical text in code points, `START..END`.
    #[arg(long, value_name = "START..END", requires = "doc")]
    pub span: Option<String>,
    /// A parameter id (instead of a document).
    #[arg(long, value_name = "ID", conflicts_with = "doc")]
    pub param: Option<String>,
    /// The memo's text (`-`: read it from stdin).
    #[arg(long, value_name = "TEXT")]
    pub text: String,
    /// Who writes it (default: $USER).
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
    /// When: YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (default: now, UTC).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// The codebook (default: the study file's, else the embedded one).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
}

/// `citata index ...`
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Ingest, tag and index transcripts; unchanged files are skipped, changed ones replaced.
    ///
    /// The index keeps the codebook it was coded with; later adds use it. To code the index
    /// with another codebook, use `citata index retag --codebook FILE`.
    Add {
        /// Transcript files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The index folder.
        #[command(flatten)]
        index: IndexDir,
        /// The codebook (default: the index's own, else the embedded one).
        #[arg(long, value_name = "FILE")]
        codebook: Option<PathBuf>,
        /// Worker threads.
        #[command(flatten)]
        workers: Workers,
        /// No progress bar.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Commit after this many megabytes of transcripts, so a long batch that is stopped
        /// keeps what it did (each commit holds whole transcripts).
        #[arg(long, value_name = "MB", default_value_t = 256)]
        commit_mb: usize,
    },
    /// Remove transcripts from the index (by the paths they were added with).
    Remove {
        /// Transcript files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The index folder.
        #[command(flatten)]
        index: IndexDir,
    },
    /// Code every transcript in the index again, from the canonical texts it stores (after
    /// a codebook change; the original files are not needed).
    Retag {
        /// The index folder.
        #[command(flatten)]
        index: IndexDir,
        /// The codebook to code with from now on (default: the index's own, read again).
        #[arg(long, value_name = "FILE")]
        codebook: Option<PathBuf>,
        /// Worker threads.
        #[command(flatten)]
        workers: Workers,
        /// No progress bar.
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// Transcripts, sentences, coded sentences per code, and size on disk.
    Stats {
        /// The index folder.
        #[command(flatten)]
        index: IndexDir,
    },
}

/// Formats of `citata search`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SearchFormat {
    /// One line per hit.
    Table,
    /// One JSON object per hit per line.
    Ndjson,
}

/// Arguments of `citata search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The query (empty with filters: every passage that passes them).
    #[arg(value_name = "QUERY", default_value = "")]
    pub query: String,
    /// The index folder.
    #[command(flatten)]
    pub index: IndexDir,
    /// Coded for this parameter (repeat for any of several).
    #[arg(long = "code", value_name = "ID")]
    pub codes: Vec<String>,
    /// Coded for a parameter of this level.
    #[arg(long, value_name = "ID")]
    pub level: Option<String>,
    /// Metadata filter KEY=VALUE (repeat: all must hold).
    #[arg(long = "where", value_name = "KEY=VALUE")]
    pub filters: Vec<String>,
    /// Only this role: interviewer or respondent.
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// Only this polarity: positive, negative, neutral, mixed.
    #[arg(long, value_name = "POLARITY")]
    pub polarity: Option<String>,
    /// Only ideas and wishes.
    #[arg(long)]
    pub wish: bool,
    /// Only codings of this source: human (added by a coder, decisions.tsv), keyword,
    /// context.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    /// Most hits.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Keyword in context: aligned left context | match | right context.
    #[arg(long)]
    pub kwic: bool,
    /// Characters of context on each side (--kwic, and the ndjson snippet).
    #[arg(long, value_name = "N", default_value_t = 40)]
    pub width: usize,
    /// Count the matching passages per code, division and wave (after the hits).
    #[arg(long)]
    pub facets: bool,
    /// Highlight matched words: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SearchFormat::Table)]
    pub format: SearchFormat,
}

/// When to highlight with terminal colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Arguments of `citata serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The study folder (transcripts, respondents.csv, citata.toml).
    #[arg(value_name = "STUDY_DIR", default_value = ".")]
    pub study: PathBuf,
    /// The index folder (the same default as `citata index add`).
    #[arg(long, value_name = "DIR", default_value = crate::index::DEFAULT_DIR)]
    pub index: PathBuf,
    /// The address to listen on; anything but loopback requires the access token.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// The port (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The access token (default: generated when --host is not loopback).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Do not index the study folder before serving.
    #[arg(long)]
    pub no_index: bool,
}

/// Arguments of `citata report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The study folder (transcripts, respondents.csv, citata.toml).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Where to write it; the format follows the extension: .html, .md, .json, .docx, .xlsx.
    #[arg(long, value_name = "FILE", default_value = "report.html")]
    pub out: PathBuf,
    /// A folder with the previous wave's transcripts (default: the earlier wave in PATH).
    #[arg(long, value_name = "PATH")]
    pub previous: Option<PathBuf>,
    /// The codebook (default: citata.toml's, else the embedded one).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Worker threads.
    #[command(flatten)]
    pub workers: Workers,
}

/// Formats of `citata ratings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RatingsFormat {
    /// Means per parameter and level, by wave, with the change.
    Table,
    /// One JSON object per rating per line.
    Ndjson,
    /// One row per rating, with a header.
    Csv,
}

/// Arguments of `citata ratings`.
#[derive(Debug, clap::Args)]
pub struct RatingsArgs {
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The codebook (default: the embedded B2B CX codebook).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RatingsFormat::Table)]
    pub format: RatingsFormat,
    /// Worker threads.
    #[command(flatten)]
    pub workers: Workers,
}

/// Formats of `citata quotes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum QuotesFormat {
    /// A draft report section in Markdown, with each score broken down.
    Md,
    /// One JSON object per quote per line (see docs/formats.md).
    Ndjson,
    /// One line per quote.
    Table,
}

/// Polarity filter of `citata quotes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolarityArg {
    /// Praise: for strengths.
    Positive,
    /// Criticism: for zones of development.
    Negative,
    /// Everything.
    Any,
}

/// Arguments of `citata quotes`.
#[derive(Debug, clap::Args)]
pub struct QuotesArgs {
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The codebook (default: the embedded B2B CX codebook).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Only these parameters (ids; repeat the flag for several).
    #[arg(long = "param", value_name = "ID")]
    pub params: Vec<String>,
    /// Quotes per parameter.
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
    /// Keep praise, criticism or both (mixed quotes count as both).
    #[arg(long, value_enum, default_value_t = PolarityArg::Any)]
    pub polarity: PolarityArg,
    /// Only transcripts of this wave (their `wave` metadata; case and spaces do not matter).
    #[arg(long, value_name = "WAVE")]
    pub wave: Option<String>,
    /// Only transcripts of this division (their `division` metadata).
    #[arg(long, value_name = "DIVISION")]
    pub division: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QuotesFormat::Md)]
    pub format: QuotesFormat,
    /// Quote settings and feature weights (TOML; see docs/quotes.md).
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// Show names, phones and e-mails unmasked.
    #[arg(long)]
    pub no_mask: bool,
    /// Worker threads.
    #[command(flatten)]
    pub workers: Workers,
    /// No progress bar and no summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
    /// Check how each file was read: every speaker with role, role source, turns and words,
    /// lines outside any turn, and what citata was unsure of. The first thing to run on a
    /// new batch.
    #[arg(long)]
    pub check: bool,
    /// These speakers are the interviewers (labels or names, comma-separated); everyone
    /// else is a respondent. Overrides labels and metadata.
    #[arg(long, value_name = "NAME[,NAME]", value_delimiter = ',')]
    pub interviewer: Vec<String>,
}

/// A CSV writer (RFC 4180: a field is quoted when it holds a comma, a quote or a line end)
/// with `\n` line ends and no header of its own. Flush it before dropping it.
pub fn csv_writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// Writes a file through a temporary file in the same folder and a rename: never half a file,
/// and no temporary file left behind when anything fails (a full disk, say).
///
/// # Errors
/// When the temporary file cannot be written, synced or renamed; the message names `path`
/// (not the temporary file) and says "no space left on device" when that is the cause.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomically_with(path, bytes, |tmp, bytes| {
        use std::io::Write;
        let mut f = std::fs::File::create(tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })
}

/// [`write_atomically`] with the writing of the temporary file given (tests make it fail).
fn write_atomically_with(
    path: &std::path::Path,
    bytes: &[u8],
    write: impl FnOnce(&std::path::Path, &[u8]) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map_or("out".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let written = write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!(
            "writing {}: {}",
            path.display(),
            crate::error::io_reason(&e)
        );
    }
    Ok(())
}

/// The tagger of a codebook file (or the embedded one) and the transcripts under `paths`;
/// `None` after telling the user there are none.
///
/// # Errors
/// An invalid codebook, a path that does not exist.
pub fn tagger_and_sources(
    codebook: Option<&std::path::Path>,
    paths: &[PathBuf],
    err: &mut dyn std::io::Write,
) -> anyhow::Result<Option<(crate::tag::Tagger, Vec<crate::ingest::Source>)>> {
    let tagger = crate::study::tagger(codebook)?;
    Ok(transcripts(paths, err)?.map(|sources| (tagger, sources)))
}

/// Worker threads: `--jobs N` when given and positive, else all cores.
pub fn threads(jobs: Option<usize>) -> usize {
    crate::study::pass::threads(jobs)
}

/// The transcripts under `paths`, or `None` after telling the user that there are none
/// (the command then exits with 2).
///
/// # Errors
/// When a path does not exist or cannot be listed, or a respondents.csv is malformed.
pub fn transcripts(
    paths: &[PathBuf],
    err: &mut dyn std::io::Write,
) -> anyhow::Result<Option<Vec<crate::ingest::Source>>> {
    let mut notes = Vec::new();
    let sources = crate::study::sources(paths, &mut notes)?;
    for n in notes {
        writeln!(err, "{n}")?;
    }
    Ok(sources)
}

/// A progress bar over `files` on stderr: drawn only on a terminal (indicatif hides it
/// otherwise), and never with `quiet`.
pub fn progress(files: usize, quiet: bool) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} files  {elapsed}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// A study pass followed on stderr: a progress bar (see [`progress`]) and the notes, printed
/// above the bar.
pub struct Bar<'a> {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
    err: &'a mut dyn std::io::Write,
}

impl<'a> Bar<'a> {
    /// A bar not yet started; `quiet` hides it (notes are still printed).
    pub fn new(quiet: bool, err: &'a mut dyn std::io::Write) -> Bar<'a> {
        Bar {
            bar: None,
            quiet,
            err,
        }
    }
}

impl crate::study::Progress for Bar<'_> {
    fn start(&mut self, files: usize) {
        self.bar = Some(progress(files, self.quiet));
    }

    fn file_done(&mut self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }

    fn note(&mut self, line: &str) {
        let err = &mut *self.err;
        // stderr that cannot be written to has nowhere to report it
        let _ = match &self.bar {
            Some(b) => b.suspend(|| writeln!(err, "{line}")),
            None => writeln!(err, "{line}"),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // See: issue #18
    #[test]
    fn a_failed_write_leaves_no_temporary_file_and_names_the_output() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().join("report.html");
        std::fs::write(&out, "the old report").expect("write");
        // The disk fills up halfway through the temporary file.
        let e = write_atomically_with(&out, b"the new report", |tmp, bytes| {
            std::fs::write(tmp, &bytes[..7])?;
            Err(std::io::Error::from_raw_os_error(28))
        })
        .expect_err("the write fails");
        assert_eq!(
            e.to_string(),
            format!("writing {}: no space left on device", out.display())
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["report.html"], "no temporary file is left");
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "the old report"
        );
        // Any other failure too, with the system's words.
        let e = write_atomically_with(&out, b"x", |tmp, _| {
            std::fs::write(tmp, b"x")?;
            Err(std::io::Error::other("the device went away"))
        })
        .expect_err("the write fails");
        assert!(e.to_string().ends_with(": the device went away"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
        write_atomically(&out, b"the new report").expect("written");
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "the new report"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
