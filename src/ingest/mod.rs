//! Ingestion: files of any common kind become canonical [`Transcript`]s.
//!
//! The flow for one file: read bytes (size-capped) → pick a reader by extension → decode
//! (encoding detection, see [`encoding`]) → a [`Draft`] (labeled text or structured turns) →
//! [`assemble`]: canonical text, speakers and turns, roles ([`roles`]), sentences
//! ([`crate::segment`]).
//!
//! Folders are walked recursively in sorted order ([`discover`]); a `respondents.csv` in a
//! folder adds metadata to the files it names ([`meta`]).

pub mod docx;
pub mod encoding;
pub mod json;
pub mod labels;
pub mod markup;
pub mod meta;
pub mod roles;
pub mod subtitles;
pub mod wire;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::error::{Error, Result};
use crate::model::{Format, RoleSource, Span, Speaker, Transcript, Turn};

/// Why a reader refused a file's content, by reader; the message says what is wrong and how
/// to fix it (a line, a turn, a field where there is one).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Not text citata can decode: a binary file, damaged UTF-8, an unknown encoding.
    #[error("{0}")]
    Encoding(String),
    /// A .docx that is no zip, lacks its document, is damaged XML or too large.
    #[error("{0}")]
    Docx(String),
    /// WebVTT or SubRip without cues, or with a malformed timing line.
    #[error("{0}")]
    Subtitles(String),
    /// Invalid JSON, or JSON of no transcript shape citata knows.
    #[error("{0}")]
    Json(String),
}

/// Limits for reading files. `Default` gives the documented defaults.
#[derive(Clone, Debug)]
pub struct IngestConfig {
    /// Files larger than this many bytes are refused (default 64 MiB).
    pub max_file_bytes: u64,
    /// A .docx whose document.xml inflates beyond this many bytes is refused as a
    /// probable zip bomb (default 256 MiB).
    pub max_docx_xml_bytes: u64,
    /// Speakers the user names as interviewers (`--interviewer`); they outrank labels and
    /// metadata, and everyone else is then a respondent. Empty by default.
    pub interviewers: Vec<String>,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            max_file_bytes: 64 << 20,
            max_docx_xml_bytes: 256 << 20,
            interviewers: Vec::new(),
        }
    }
}

/// One transcript-to-be found on disk.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// The file.
    pub path: PathBuf,
    /// Its document id: path relative to the folder given, `/`-separated; the file name for
    /// a file given directly.
    pub doc: String,
    /// Metadata from a `respondents.csv` next to it or in a folder above it (up to the folder
    /// given), if any.
    pub meta: BTreeMap<String, String>,
}

/// What a reader produces before assembly.
#[derive(Debug, Default)]
pub struct Draft {
    /// The content.
    pub body: Body,
    /// Metadata found inside the file (JSON `meta`, docx title lines...).
    pub meta: BTreeMap<String, String>,
    /// The detected encoding.
    pub encoding: String,
    /// Non-fatal problems found while reading.
    pub warnings: Vec<String>,
}

/// The content of a [`Draft`].
#[derive(Debug)]
pub enum Body {
    /// Free text with speaker labels at line starts (txt, md, docx paragraphs). It becomes
    /// the canonical text itself (after front matter is removed).
    Labeled(String),
    /// Turns from a structured source (subtitles, JSON, docx tables). The canonical text is
    /// built from them as `Speaker: text` paragraphs.
    Turns(Vec<RawTurn>),
}

impl Default for Body {
    fn default() -> Self {
        Body::Labeled(String::new())
    }
}

/// One turn (or cue, or segment) of a structured source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawTurn {
    /// The speaker's label, if the source names one.
    pub speaker: Option<String>,
    /// What was said.
    pub text: String,
    /// Start time, seconds.
    pub start: Option<f64>,
    /// End time, seconds.
    pub end: Option<f64>,
    /// Starts a turn of its own even when the speaker is the same as before (a subtitle
    /// dialogue dash: `- Привет. - Привет.` is two people, though neither is named).
    pub new_turn: bool,
}

/// Finds the transcript files under `paths` (files are taken as given, folders walked
/// recursively), sorted, each with its `respondents.csv` metadata.
///
/// Hidden files and folders, `README*` files and files whose extension citata does not read
/// are skipped while walking (a file named directly is always taken).
///
/// # Errors
/// When a path does not exist or a folder cannot be listed, or a `respondents.csv` is
/// malformed (the error names its line).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for root in paths {
        let md = std::fs::metadata(root).map_err(|e| Error::Io {
            path: root.clone(),
            cause: e,
        })?;
        if md.is_dir() {
            let mut files = Vec::new();
            walk(root, &mut files)?;
            files.sort();
            let mut csv_cache = meta::CsvCache::default();
            for path in files {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let doc = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let meta = csv_cache.lookup(root, &path)?;
                out.push(Source { path, doc, meta });
            }
        } else {
            let doc = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| root.display().to_string());
            let dir = root.parent().unwrap_or(Path::new(""));
            let mut csv_cache = meta::CsvCache::default();
            let meta = csv_cache.lookup(dir, root)?;
            out.push(Source {
                path: root.clone(),
                doc,
                meta,
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        cause: e,
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            cause: e,
        })?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let ft = entry.file_type().map_err(|e| Error::Io {
            path: path.clone(),
            cause: e,
        })?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if !name.to_lowercase().starts_with("readme") && format_of(&path).is_some() {
            out.push(path);
        }
    }
    Ok(())
}

/// What citata wrote `path` as, when citata wrote it: a report (the marker citata puts in
/// every report it writes in a format it also reads: a first line `<!-- generator: citata -->`
/// in Markdown, a first member `"generator": "citata"` in JSON, the creator `citata` in a Word
/// document's core properties), or a search index's `meta.json`. Such files are never read
/// as transcripts: citata's outputs are not its inputs.
pub fn written_by_citata(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    if path.file_name().is_some_and(|n| n == "meta.json")
        && path.with_file_name(".managed.json").is_file()
    {
        return Some("a search index's metadata");
    }
    let format = format_of(path)?;
    let head = |n: u64| -> Option<String> {
        let mut buf = Vec::new();
        std::fs::File::open(path)
            .ok()?
            .take(n)
            .read_to_end(&mut buf)
            .ok()?;
        Some(String::from_utf8_lossy(&buf).into_owned())
    };
    let report = "a report citata wrote";
    match format {
        Format::Md | Format::Txt => {
            let h = head(64)?;
            h.trim_start_matches('\u{feff}')
                .starts_with("<!-- generator: citata")
                .then_some(report)
        }
        Format::Json => {
            let h = head(256)?;
            let rest = h
                .trim_start_matches('\u{feff}')
                .trim_start()
                .strip_prefix('{')?;
            let rest = rest.trim_start().strip_prefix("\"generator\"")?;
            let rest = rest.trim_start().strip_prefix(':')?;
            rest.trim_start().starts_with("\"citata").then_some(report)
        }
        Format::Docx => {
            let bytes = std::fs::read(path).ok()?;
            docx::by_citata(&bytes).then_some(report)
        }
        _ => None,
    }
}

/// The format of a file by its extension.
pub fn format_of(path: &Path) -> Option<Format> {
    path.extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_extension)
}

/// Reads and ingests one discovered file; `respondents.csv` metadata is merged under the
/// file's own metadata.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Unsupported`] for an unknown
/// extension, [`Error::BadInput`] when the content is empty, binary, undecodable, too
/// large or malformed (the reason says which, and how to fix it).
pub fn ingest_source(source: &Source, config: &IngestConfig) -> Result<Transcript> {
    let bytes = read_source(source, config)?;
    ingest_read(source, bytes, config)
}

/// Reads a source's bytes, refusing a file over the size limit or in a format citata does not
/// read before reading it (for callers that need the bytes too, e.g. to hash them).
///
/// # Errors
/// As [`ingest_source`].
pub fn read_source(source: &Source, config: &IngestConfig) -> Result<Vec<u8>> {
    let path = &source.path;
    format_of(path).ok_or_else(|| Error::Unsupported { path: path.clone() })?;
    let md = std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.clone(),
        cause: e,
    })?;
    if md.len() > config.max_file_bytes {
        return Err(Error::BadInput {
            path: path.clone(),
            reason: format!(
                "file is {} bytes, over the limit of {} bytes; split it or raise --max-file-mb",
                md.len(),
                config.max_file_bytes
            ),
        });
    }
    std::fs::read(path).map_err(|e| Error::Io {
        path: path.clone(),
        cause: e,
    })
}

/// Ingests a source from the bytes [`read_source`] read.
///
/// # Errors
/// As [`ingest_source`].
pub fn ingest_read(source: &Source, bytes: Vec<u8>, config: &IngestConfig) -> Result<Transcript> {
    let path = &source.path;
    let format = format_of(path).ok_or_else(|| Error::Unsupported { path: path.clone() })?;
    ingest_with_meta(&source.doc, format, bytes, &source.meta, config).map_err(|e| match e {
        Error::BadInput { reason, .. } => Error::BadInput {
            path: path.clone(),
            reason,
        },
        Error::Read { reason, .. } => Error::Read {
            path: path.clone(),
            reason,
        },
        other => other,
    })
}

/// Ingests the bytes of one transcript whose format is known, with its metadata (as from a
/// `respondents.csv`: the transcript's own metadata wins, and roles are decided again when
/// there is any, or when the config names interviewers). `doc` names it in errors and output.
///
/// # Errors
/// As [`ingest_bytes`].
pub fn ingest_with_meta(
    doc: &str,
    format: Format,
    bytes: Vec<u8>,
    meta: &BTreeMap<String, String>,
    config: &IngestConfig,
) -> Result<Transcript> {
    let mut t = ingest_vec(doc, format, bytes, config)?;
    for (k, v) in meta {
        t.meta.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if !meta.is_empty() || !config.interviewers.is_empty() {
        // csv metadata or the user may name the interviewer: decide the roles again.
        roles::assign_with(&mut t, &config.interviewers);
    }
    Ok(t)
}

/// Ingests the bytes of one file whose format is known. `doc` names it in errors and output.
///
/// # Errors
/// [`Error::BadInput`] (with `doc` as the path) when the content is empty, binary,
/// undecodable, too large or malformed.
pub fn ingest_bytes(
    doc: &str,
    format: Format,
    bytes: &[u8],
    config: &IngestConfig,
) -> Result<Transcript> {
    ingest_vec(doc, format, bytes.to_vec(), config)
}

/// [`ingest_bytes`] on bytes it may keep (UTF-8 text is used in place).
fn ingest_vec(
    doc: &str,
    format: Format,
    bytes: Vec<u8>,
    config: &IngestConfig,
) -> Result<Transcript> {
    let bad = |reason: String| Error::BadInput {
        path: PathBuf::from(doc),
        reason,
    };
    let refused = |reason: ReadError| Error::Read {
        path: PathBuf::from(doc),
        reason,
    };
    if bytes.len() as u64 > config.max_file_bytes {
        return Err(bad(format!(
            "file is {} bytes, over the limit of {} bytes",
            bytes.len(),
            config.max_file_bytes
        )));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(bad("file is empty; nothing to ingest".into()));
    }
    let draft = match format {
        Format::Docx => docx::read(&bytes, config).map_err(refused)?,
        _ => {
            let (text, encoding) = encoding::decode_owned(bytes).map_err(refused)?;
            let text = canonicalize(text);
            if text.trim().is_empty() {
                return Err(bad("file has no text; nothing to ingest".into()));
            }
            let mut draft = match format {
                Format::Txt | Format::Md if markup::is_markup(&text) => {
                    let (stripped, tags) = markup::strip(&text);
                    if stripped.trim().is_empty() {
                        return Err(bad(format!(
                            "the file is XML/HTML saved as .{}, and has no text outside its {tags} tags",
                            format.as_str()
                        )));
                    }
                    Draft {
                        body: Body::Labeled(stripped),
                        warnings: vec![format!(
                            "the file is XML/HTML saved as .{}: {tags} tags and their attributes \
                             were stripped from the text; export it as plain text to be sure \
                             nothing else was lost",
                            format.as_str()
                        )],
                        ..Draft::default()
                    }
                }
                Format::Txt | Format::Md => Draft {
                    body: Body::Labeled(text),
                    ..Draft::default()
                },
                Format::Vtt => subtitles::read_draft(&text, true).map_err(refused)?,
                Format::Srt => subtitles::read_draft(&text, false).map_err(refused)?,
                Format::Json => json::read(&text).map_err(refused)?,
                Format::Docx => unreachable!(),
            };
            draft.encoding = encoding.to_string();
            draft
        }
    };
    Ok(assemble(doc, format, draft))
}

/// Canonical text: BOM stripped, CRLF and lone CR → LF, NFC. Reuses the allocation when
/// the text is already canonical.
pub fn canonicalize(text: String) -> String {
    let mut text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    match nfc(&text) {
        Some(normalized) => normalized,
        None => text,
    }
}

/// The length of the character at byte `i` when it is NFC-inert, `None` when it is not.
/// Inert are everything below U+0300, the Cyrillic letters (U+0400–U+04FF but the combining
/// U+0483–U+0489) and the punctuation U+2002–U+203F: they are NFC-stable and never compose
/// with what precedes them. Reads bytes: `b` is valid UTF-8 and `i` a char boundary.
#[inline]
fn inert_len(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        0x00..=0xCB => Some(1), // ASCII, continuation bytes, U+0080–U+02FF
        0xD0 | 0xD1 | 0xD3 => Some(2),
        0xD2 if !(0x83..=0x89).contains(&b[i + 1]) => Some(2),
        0xE2 if b[i + 1] == 0x80 && b[i + 2] >= 0x82 => Some(3),
        _ => None,
    }
}

/// True for a Cyrillic letter followed by one stress mark (U+0301 or U+0300) that does not
/// compose with it: the common case in Russian text, already NFC. (г, к + U+0301 compose to
/// ѓ, ќ; е, и + U+0300 to ѐ, ѝ.)
fn stress_mark_on_cyrillic(seg: &str) -> bool {
    let mut chars = seg.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(c), Some('\u{301}'), None) => is_cyr(c) && !"гГкК".contains(c),
        (Some(c), Some('\u{300}'), None) => is_cyr(c) && !"еЕиИ".contains(c),
        _ => false,
    }
}

fn is_cyr(c: char) -> bool {
    matches!(c, 'а'..='я' | 'А'..='Я')
}

/// Byte offset of the first character at or after `from` that is not NFC-inert.
fn next_odd(text: &str, from: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = from;
    while i < b.len() {
        i += plain_run(&b[i..]);
        if i >= b.len() {
            break;
        }
        match inert_len(b, i) {
            Some(len) => i += len,
            None => return Some(i),
        }
    }
    None
}

/// The length of the leading run of bytes that are each inert on their own: below 0xCC
/// (ASCII, continuation bytes, lead bytes up to U+02FF) or 0xD0 / 0xD1 (the Russian letters'
/// lead bytes). Eight bytes at a time; what it stops at is a lead byte, for [`inert_len`].
fn plain_run(b: &[u8]) -> usize {
    const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        // High bit set and low seven bits at least 0x4C: the byte is 0xCC or above.
        let high = ((x & LO7) + 0x3434_3434_3434_3434) & x & HI;
        // 0xD0 or 0xD1: (byte & 0xFE) ^ 0xD0 is zero (exact zero-byte test).
        let y = (x & 0xFEFE_FEFE_FEFE_FEFE) ^ 0xD0D0_D0D0_D0D0_D0D0;
        let zero = !(((y & LO7) + LO7) | y | LO7);
        let odd = high & !zero;
        if odd != 0 {
            return i + (odd.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && (b[i] < 0xCC || b[i] & 0xFE == 0xD0) {
        i += 1;
    }
    i
}

/// The NFC form of `text`, or `None` when it is already NFC. Only the stretches around
/// characters that are not inert (see [`inert_len`]; a stress mark, say) are normalized,
/// together with the character before each, which a combining mark may compose with.
fn nfc(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut odd = next_odd(text, 0)?;
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut changed = false;
    loop {
        let seg_start = text[copied..odd]
            .char_indices()
            .next_back()
            .map_or(odd, |(i, _)| copied + i);
        out.push_str(&text[copied..seg_start]);
        // The stretch goes on while characters are not inert.
        let mut seg_end = odd;
        while seg_end < b.len() && inert_len(b, seg_end).is_none() {
            seg_end += text[seg_end..].chars().next().map_or(1, char::len_utf8);
        }
        let seg = &text[seg_start..seg_end];
        if stress_mark_on_cyrillic(seg) || is_nfc_quick(seg.chars()) == IsNormalized::Yes {
            out.push_str(seg);
        } else {
            let before = out.len();
            out.extend(seg.nfc());
            changed |= out[before..] != *seg;
        }
        copied = seg_end;
        match next_odd(text, seg_end) {
            Some(i) => odd = i,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    changed.then_some(out)
}

/// Builds the transcript from a reader's draft: canonical text, speakers, turns, roles
/// and sentences.
pub fn assemble(doc: &str, format: Format, draft: Draft) -> Transcript {
    let Draft {
        body,
        meta: mut file_meta,
        encoding,
        mut warnings,
    } = draft;
    let (text, speakers, turns) = match body {
        Body::Labeled(raw) => {
            let raw = canonicalize(raw);
            let (front, body_start) = meta::front_matter(&raw);
            for (k, v) in front {
                file_meta.insert(k, v);
            }
            let text = &raw[body_start..];
            let parsed = labels::parse(text, format == Format::Md);
            warnings.extend(parsed.warnings);
            let (text, turns) = cut(text, parsed.turns, &parsed.cuts);
            (text, parsed.speakers, turns)
        }
        Body::Turns(raw) => build_from_turns(raw),
    };
    let mut t = Transcript {
        doc: doc.to_string(),
        format,
        encoding,
        meta: file_meta,
        text,
        speakers,
        turns,
        sentences: Vec::new(),
        warnings,
    };
    roles::assign(&mut t);
    t.sentences = crate::segment::sentences(&t.text, &t.turns);
    let inferred = crate::segment::inferred_boundaries(&t.text, &t.sentences);
    if inferred > 0 {
        t.warnings.push(format!(
            "{inferred} sentence boundaries are inferred: run-on or unpunctuated speech was cut \
             at discourse markers, conjunctions or commas (each sentence at most {} words, {} \
             where there is no punctuation at all)",
            crate::segment::MAX_WORDS,
            crate::segment::UNPUNCTUATED_MAX
        ));
    }
    if let Some(w) = long_turns(&t) {
        t.warnings.push(w);
    }
    t
}

/// A turn with more sentences than this is reported in the transcript's warnings: interview
/// turns are far shorter (a long answer has a few dozen), so such a turn is nearly always a
/// transcript whose speaker labels were lost or misread.
pub const LONG_TURN: usize = 200;

/// The warning for turns of over [`LONG_TURN`] sentences, naming the longest few by speaker,
/// size and opening words (for the researcher to find them). Not for the text of a file
/// without labels, taken as one respondent's turn: its own warning says so.
fn long_turns(t: &Transcript) -> Option<String> {
    let mut sizes = vec![0usize; t.turns.len()];
    for s in &t.sentences {
        sizes[s.turn] += 1;
    }
    let mut long: Vec<(usize, usize)> = sizes
        .iter()
        .enumerate()
        .filter(|&(i, &n)| {
            n > LONG_TURN && t.turn_speaker(&t.turns[i]).role_source != RoleSource::Default
        })
        .map(|(i, &n)| (n, i))
        .collect();
    if long.is_empty() {
        return None;
    }
    long.sort_unstable_by(|a, b| b.cmp(a));
    let named: Vec<String> = long
        .iter()
        .take(3)
        .map(|&(n, i)| {
            let turn = &t.turns[i];
            let opening: Vec<&str> = t.slice(turn.span).split_whitespace().take(6).collect();
            format!(
                "«{}», {n} sentences, from «{} …»",
                t.turn_speaker(turn).label,
                opening.join(" ")
            )
        })
        .collect();
    let more = long.len().saturating_sub(named.len());
    Some(format!(
        "{} turn(s) of over {LONG_TURN} sentences ({}{}): interview turns are far shorter, so a \
         speaker label is probably missing or misread there; only the first sentences of an \
         answer get context codings (codebook setting `context_sentences`, {} by default)",
        long.len(),
        named.join("; "),
        if more > 0 {
            format!("; {more} more")
        } else {
            String::new()
        },
        crate::codebook::DEFAULT_CONTEXT_SENTENCES
    ))
}

/// The text without the cuts (sorted, disjoint byte ranges inside turns: timecodes and
/// markup that are not speech), and the turns' spans moved to match.
fn cut(text: &str, mut turns: Vec<Turn>, cuts: &[Span]) -> (String, Vec<Turn>) {
    if cuts.is_empty() {
        return (text.to_string(), turns);
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for c in cuts {
        out.push_str(&text[pos..c.start]);
        pos = c.end;
    }
    out.push_str(&text[pos..]);
    // Bytes removed before an offset; an offset inside a cut moves to the cut's start
    // (a turn's start past a cut at its head, its end before one at its tail). Turns come in
    // text order, so the offsets asked for never decrease: one pass over the cuts.
    let mut next = 0;
    let mut removed = 0;
    let mut map = |at: usize| -> usize {
        while next < cuts.len() && cuts[next].end <= at {
            removed += cuts[next].len();
            next += 1;
        }
        let inside = cuts
            .get(next)
            .filter(|c| c.start < at)
            .map_or(0, |c| at - c.start);
        at - removed - inside
    };
    for t in &mut turns {
        let start = map(t.span.start);
        let end = map(t.span.end);
        t.span = Span::new(start, end.max(start));
        // No blanks at the edges after a cut.
        let s = &out[t.span.range()];
        let lead = s.len() - s.trim_start().len();
        let trail = s.trim_end().len();
        t.span = Span::new(t.span.start + lead, t.span.start + trail.max(lead));
    }
    turns.retain(|t| !t.span.is_empty());
    (out, turns)
}

/// Canonical text from structured turns: consecutive turns of one speaker merge into one
/// (keeping the first start and the last end); each turn becomes a `Speaker: text`
/// paragraph followed by a blank line.
fn build_from_turns(raw: Vec<RawTurn>) -> (String, Vec<Speaker>, Vec<Turn>) {
    let mut merged: Vec<RawTurn> = Vec::new();
    for mut r in raw {
        // Whitespace collapses to one space within a line; line breaks (pauses of ASR
        // output) stay, one each.
        r.text = canonicalize(std::mem::take(&mut r.text))
            .split('\n')
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        r.speaker = r
            .speaker
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if r.text.is_empty() {
            continue;
        }
        match merged.last_mut() {
            Some(last) if last.speaker == r.speaker && !r.new_turn => {
                last.text.push(' ');
                last.text.push_str(&r.text);
                if r.end.is_some() {
                    last.end = r.end;
                }
                if last.start.is_none() {
                    last.start = r.start;
                }
            }
            _ => merged.push(r),
        }
    }
    let mut text = String::new();
    let mut table = labels::SpeakerTable::default();
    let mut turns = Vec::new();
    for r in merged {
        let label = r
            .speaker
            .unwrap_or_else(|| labels::UNKNOWN_SPEAKER.to_string());
        let speaker = table.index(&label);
        text.push_str(&label);
        text.push_str(": ");
        let start = text.len();
        text.push_str(&r.text);
        let end = text.len();
        text.push_str("\n\n");
        turns.push(Turn {
            speaker,
            span: Span::new(start, end),
            start_time: r.start,
            end_time: r.end,
        });
    }
    (text, table.speakers, turns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A turn of over 200 sentences is reported once, by speaker, size and opening words;
    /// one of exactly 200 is not.
    #[test]
    fn turns_of_over_two_hundred_sentences_are_reported() {
        let config = IngestConfig::default();
        let answer = |n: usize| -> String {
            (1..=n)
                .map(|i| format!("Ну вот {i} раз было."))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let text = |n: usize| {
            format!(
                "Интервьюер: Как сроки?\nРеспондент: {}\nИнтервьюер: Понятно.\n",
                answer(n)
            )
        };
        let t = ingest_bytes("t.txt", Format::Txt, text(250).as_bytes(), &config).unwrap();
        let long: Vec<&String> = t
            .warnings
            .iter()
            .filter(|w| w.contains("sentences («"))
            .collect();
        assert_eq!(long.len(), 1, "{:?}", t.warnings);
        assert!(
            long[0].starts_with(
                "1 turn(s) of over 200 sentences («Респондент», 250 sentences, from «Ну вот 1 раз было. Ну …»): "
            ),
            "{}",
            long[0]
        );
        assert!(long[0].contains("`context_sentences`, 40 by default"));
        let t = ingest_bytes("t.txt", Format::Txt, text(200).as_bytes(), &config).unwrap();
        assert!(
            !t.warnings.iter().any(|w| w.contains("turn(s) of over")),
            "{:?}",
            t.warnings
        );
        // A file without labels has its own warning (one respondent's turn), not this one.
        let t = ingest_bytes("t.txt", Format::Txt, answer(250).as_bytes(), &config).unwrap();
        assert_eq!(t.turns.len(), 1);
        assert!(
            t.warnings
                .iter()
                .any(|w| w.contains("no speaker labels found"))
                && !t.warnings.iter().any(|w| w.contains("turn(s) of over")),
            "{:?}",
            t.warnings
        );
    }

    /// A refusal says which reader refused, and the message is the reader's, with the file.
    #[test]
    fn a_refused_file_names_its_reader() {
        let config = IngestConfig::default();
        let kind = |format, bytes: &[u8]| match ingest_bytes("f", format, bytes, &config) {
            Err(Error::Read { path, reason }) => {
                assert_eq!(path, PathBuf::from("f"));
                reason
            }
            other => panic!("{other:?}"),
        };
        assert!(matches!(
            kind(Format::Txt, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            ReadError::Encoding(m) if m.starts_with("binary file")
        ));
        assert!(matches!(
            kind(Format::Docx, b"PK not a zip"),
            ReadError::Docx(_)
        ));
        assert!(matches!(
            kind(Format::Json, b"{\"turns\": 5"),
            ReadError::Json(_)
        ));
        assert!(matches!(
            kind(Format::Srt, "просто текст".as_bytes()),
            ReadError::Subtitles(_)
        ));
        let e = ingest_bytes("f.json", Format::Json, b"[42]", &config).unwrap_err();
        assert!(
            e.to_string().starts_with("f.json: turn 1 is a number"),
            "{e}"
        );
    }

    /// The eight-bytes-at-a-time scan stops exactly where a byte-by-byte one does.
    #[test]
    fn plain_run_stops_at_the_first_byte_that_needs_a_look() {
        let slow = |b: &[u8]| {
            b.iter()
                .position(|&x| !(x < 0xCC || x == 0xD0 || x == 0xD1))
                .unwrap_or(b.len())
        };
        let texts = [
            "",
            "abc",
            "Привет, как дела? Всё хорошо.",
            "Ну, отсро\u{301}чку дали — «нормально»",
            "ѓ ќ é ё Ё ӝ €",
            "ЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯЯ\u{2014}",
            "12345678\u{301}",
        ];
        for t in texts {
            for from in 0..t.len() {
                let b = &t.as_bytes()[from..];
                assert_eq!(plain_run(b), slow(b), "{t:?} from {from}");
            }
        }
    }

    #[test]
    fn canonicalize_strips_bom_crlf_and_composes() {
        // "й" as и + combining breve must become one code point; stress marks stay.
        let s = canonicalize("\u{feff}Да\r\nи\u{306}\rмо\u{301}й".to_string());
        assert_eq!(s, "Да\nй\nмо\u{301}й");
        // Composition with the character before a mark, anywhere in the text.
        let s = canonicalize("это г\u{301} и е\u{308}лка, café".to_string());
        assert_eq!(s, "это \u{453} и ёлка, café");
        let plain = "Уже NFC: «ёлка» — 100 %".to_string();
        assert_eq!(canonicalize(plain.clone()), plain);
    }

    #[test]
    fn structured_turns_merge_by_speaker() {
        let raw = vec![
            RawTurn {
                speaker: Some("Интервьюер".into()),
                text: "Как сроки?".into(),
                start: Some(0.0),
                end: Some(2.0),
                new_turn: false,
            },
            RawTurn {
                speaker: Some("Респондент".into()),
                text: "Ну,  нормально.".into(),
                start: Some(2.0),
                end: Some(4.0),
                new_turn: false,
            },
            RawTurn {
                speaker: Some("Респондент".into()),
                text: "Восемь.".into(),
                start: Some(4.0),
                end: Some(5.5),
                new_turn: false,
            },
        ];
        let (text, speakers, turns) = build_from_turns(raw);
        assert_eq!(
            text,
            "Интервьюер: Как сроки?\n\nРеспондент: Ну, нормально. Восемь.\n\n"
        );
        assert_eq!(speakers.len(), 2);
        assert_eq!(turns.len(), 2);
        assert_eq!(&text[turns[1].span.range()], "Ну, нормально. Восемь.");
        assert_eq!(
            (turns[1].start_time, turns[1].end_time),
            (Some(2.0), Some(5.5))
        );
    }
}
