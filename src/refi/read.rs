//! Reading a `.qdpx` exported by any REFI-QDA tool (NVivo, ATLAS.ti, MAXQDA, QualCoder,
//! citata) into a [`Project`].
//!
//! - The project file is `project.qde`, else any `*.qde` in the archive.
//! - A text source's text is `PlainTextContent`, or the file its `plainTextPath` names:
//!   `internal://NAME` is `sources/NAME` in the archive, matched case-insensitively (vendors
//!   write `sources/` or `Sources/`); `relative://NAME` and plain paths are read from disk
//!   (relative to the project's `basePath`, else to the folder of the `.qdpx`).
//! - Texts are decoded as UTF-8 (a BOM is dropped; UTF-16 with a BOM is accepted) and kept
//!   **as stored**, CRLF included: offsets are code points of that text.
//! - Codings are read from `PlainTextSelection`s (and whole-source `Coding`s, as a
//!   selection of the whole text). Picture, PDF, audio and video sources are counted and
//!   skipped.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::{Case, Code, CodingRef, Note, Project, Selection, TextSource, User, Value, Variable};
use super::{VariableType, guid};
use crate::error::{Error, Result};
use crate::ingest::docx::entity;

/// The largest part read from an archive (project file or source text): 256 MiB.
pub const MAX_PART_BYTES: u64 = 256 << 20;

/// A project read from a package, and what could not be used.
#[derive(Debug, Default)]
pub struct Imported {
    /// The project.
    pub project: Project,
    /// Non-fatal problems: missing source files, selections outside their text, skipped
    /// non-text sources, codings of unknown codes.
    pub warnings: Vec<String>,
}

/// Reads a `.qdpx` file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::BadInput`] naming the file and
/// what is wrong: not a zip archive, no `.qde` project inside, malformed XML (with the
/// byte position), no `<Project>` element.
pub fn read_qdpx(path: &Path) -> Result<Imported> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        cause: e,
    })?;
    read_qdpx_bytes(path, &bytes)
}

/// [`read_qdpx`] on bytes already read; `path` names the package in messages and anchors
/// relative source paths.
///
/// # Errors
/// As [`read_qdpx`].
pub fn read_qdpx_bytes(path: &Path, bytes: &[u8]) -> Result<Imported> {
    let bad = |reason: String| Error::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        bad(format!(
            "not a .qdpx package: not a readable zip archive ({e}); a .qdpx is a zip file with project.qde and sources/"
        ))
    })?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let qde = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case("project.qde"))
        .or_else(|| {
            names
                .iter()
                .find(|n| n.to_ascii_lowercase().ends_with(".qde"))
        })
        .cloned()
        .ok_or_else(|| {
            let mut shown: Vec<&str> = names.iter().map(String::as_str).take(8).collect();
            if names.len() > 8 {
                shown.push("…");
            }
            bad(format!(
                "no project.qde (nor any .qde file) in the archive, so it is not a REFI-QDA project; it holds: {}",
                if shown.is_empty() {
                    "nothing".to_string()
                } else {
                    shown.join(", ")
                }
            ))
        })?;
    let xml = read_part(&mut zip, &qde).map_err(|r| bad(format!("{qde}: {r}")))?;
    let xml = String::from_utf8(xml).map_err(|e| {
        bad(format!(
            "{qde} is not UTF-8 (invalid byte at {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(&xml);
    let (mut project, refs, mut warnings) =
        parse_project(xml).map_err(|r| bad(format!("{qde}: {r}")))?;

    // Texts.
    let lower: HashMap<String, &String> = names.iter().map(|n| (n.to_lowercase(), n)).collect();
    let base = refs.base_path.clone();
    for (s, text_ref) in project.sources.iter_mut().zip(&refs.texts) {
        let loaded = match text_ref {
            TextRef::Inline => continue,
            TextRef::None => Err("no PlainTextContent and no plainTextPath".to_string()),
            TextRef::Path(p) => load_text(p, &mut zip, &lower, path, &base),
        };
        match loaded {
            Ok(text) => s.text = text,
            Err(why) => warnings.push(format!("source «{}»: {why}; its text is empty", s.name)),
        }
    }
    for s in &mut project.sources {
        let len = s.text.chars().count();
        let before = s.selections.len();
        for sel in s.selections.iter_mut().filter(|x| x.end == usize::MAX) {
            sel.end = len;
        }
        s.selections.retain(|x| x.start <= x.end && x.end <= len);
        if s.selections.len() < before {
            warnings.push(format!(
                "source «{}»: {} selection(s) outside its text ({len} characters) skipped",
                s.name,
                before - s.selections.len()
            ));
        }
    }
    let known = project.code_paths();
    let mut unknown = 0usize;
    for s in &mut project.sources {
        for sel in &mut s.selections {
            let n = sel.codings.len();
            sel.codings.retain(|c| known.contains_key(&c.code));
            unknown += n - sel.codings.len();
        }
    }
    if unknown > 0 {
        warnings.push(format!(
            "{unknown} coding(s) refer to codes that are not in the codebook; skipped"
        ));
    }
    warnings.extend(refs.warnings);
    Ok(Imported { project, warnings })
}

/// The code tree of a REFI-QDA codebook (`.qdc`, root `CodeBook`) or project (`.qdpx`).
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::BadInput`] when it is not
/// well-formed XML, has no `CodeBook` root (for a `.qdc`), or is a broken `.qdpx`.
pub fn read_codes(path: &Path) -> Result<Vec<Code>> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        cause: e,
    })?;
    if bytes.starts_with(b"PK") {
        return Ok(read_qdpx_bytes(path, &bytes)?.project.codes);
    }
    let bad = |reason: String| Error::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    let xml = decode(bytes).map_err(&bad)?;
    let w = walk(&xml).map_err(&bad)?;
    if w.saw_project {
        return Ok(w.project.codes);
    }
    if !w.saw_codebook {
        return Err(bad(
            "no <CodeBook> root element: not a REFI-QDA codebook (.qdc)".into(),
        ));
    }
    Ok(w.project.codes)
}

/// For every code point of a text when a CRLF counts as one character, its code point in
/// the text as stored (and the end).
fn crlf_one_positions(chars: &[char]) -> Vec<usize> {
    let mut at = Vec::with_capacity(chars.len() + 1);
    let mut i = 0;
    while i < chars.len() {
        at.push(i);
        i += if chars[i] == '\r' && chars.get(i + 1) == Some(&'\n') {
            2
        } else {
            1
        };
    }
    at.push(chars.len());
    at
}

/// Reinterprets selection offsets that count a CRLF as one character (as ATLAS.ti is known
/// to write them for `.txt` sources with CRLF) as code points of the stored text. Sources
/// without CR are left as they are. Returns the number of selections moved.
pub fn crlf_as_one(project: &mut Project) -> usize {
    let mut moved = 0;
    for s in &mut project.sources {
        if !s.text.contains("\r\n") {
            continue;
        }
        let chars: Vec<char> = s.text.chars().collect();
        let at = crlf_one_positions(&chars);
        for sel in &mut s.selections {
            let (a, b) = (
                at.get(sel.start).copied().unwrap_or(chars.len()),
                at.get(sel.end).copied().unwrap_or(chars.len()),
            );
            if (a, b) != (sel.start, sel.end) {
                moved += 1;
            }
            sel.start = a;
            sel.end = b;
        }
    }
    moved
}

/// Whether a selection `a..b` of `chars` looks like what a person selects: it starts on a
/// character that is not white space, and neither end cuts a word or a CRLF in two.
fn fits(chars: &[char], a: usize, b: usize) -> bool {
    let word = |c: char| c.is_alphanumeric();
    let boundary = |p: usize| {
        p == 0
            || p >= chars.len()
            || !((word(chars[p - 1]) && word(chars[p]))
                || (chars[p - 1] == '\r' && chars[p] == '\n'))
    };
    a < b && b <= chars.len() && !chars[a].is_whitespace() && boundary(a) && boundary(b)
}

/// Detects offsets that count a CRLF as one character, read without `--crlf-as-one`: over
/// the selections of sources with CRLF line ends whose place differs under the two
/// readings, those that fit word boundaries (`fits`) when a CRLF counts as one are more
/// than half, and more than twice those that fit as stored. The warning says so and names
/// the option; `None` when the offsets read as stored fit (or nothing can tell).
pub fn crlf_counted_as_one(project: &Project) -> Option<String> {
    let (mut n, mut as_stored, mut as_one, mut sources) = (0usize, 0usize, 0usize, 0usize);
    for s in &project.sources {
        if !s.text.contains("\r\n") {
            continue;
        }
        let chars: Vec<char> = s.text.chars().collect();
        let at = crlf_one_positions(&chars);
        let before = n;
        for sel in &s.selections {
            let (Some(&a), Some(&b)) = (at.get(sel.start), at.get(sel.end)) else {
                continue;
            };
            if (a, b) == (sel.start, sel.end) || sel.end == usize::MAX {
                continue;
            }
            n += 1;
            as_stored += usize::from(fits(&chars, sel.start, sel.end));
            as_one += usize::from(fits(&chars, a, b));
        }
        sources += usize::from(n > before);
    }
    (as_one * 2 > n && as_one > 2 * as_stored).then(|| {
        format!(
            "{as_one} of {n} selection(s) in {sources} source(s) with CRLF line ends fall on word boundaries only when a CRLF counts as one character ({as_stored} as stored): the offsets look written that way (ATLAS.ti, or MAXQDA's / QualCoder's line-ending option); read them with --crlf-as-one"
        )
    })
}

/// Applies `--crlf-as-one` when asked; else checks whether it should have been
/// ([`crlf_counted_as_one`]) and returns the warning.
pub fn line_ends(project: &mut Project, crlf_one: bool) -> Option<String> {
    if crlf_one {
        crlf_as_one(project);
        None
    } else {
        crlf_counted_as_one(project)
    }
}

fn read_part<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> std::result::Result<Vec<u8>, String> {
    let file = zip
        .by_name(name)
        .map_err(|e| format!("cannot open it in the archive ({e})"))?;
    if file.size() > MAX_PART_BYTES {
        return Err(format!("inflates beyond {MAX_PART_BYTES} bytes"));
    }
    let mut buf = Vec::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot inflate it ({e}); the archive is damaged"))?;
    if buf.len() as u64 > MAX_PART_BYTES {
        return Err(format!("inflates beyond {MAX_PART_BYTES} bytes"));
    }
    Ok(buf)
}

fn load_text<R: std::io::Read + std::io::Seek>(
    reference: &str,
    zip: &mut zip::ZipArchive<R>,
    lower: &HashMap<String, &String>,
    package: &Path,
    base: &str,
) -> std::result::Result<String, String> {
    let bytes = if let Some(name) = reference.strip_prefix("internal://") {
        let want = format!("sources/{}", name.to_lowercase());
        let entry = lower
            .get(&want)
            .or_else(|| {
                lower
                    .iter()
                    .find(|(k, _)| k.rsplit('/').next() == Some(&name.to_lowercase()))
                    .map(|(_, v)| v)
            })
            .ok_or_else(|| format!("{reference} is not in the archive"))?;
        let entry = (*entry).clone();
        read_part(zip, &entry).map_err(|r| format!("{entry}: {r}"))?
    } else {
        let rel = reference.strip_prefix("relative://");
        let p = rel.unwrap_or_else(|| reference.strip_prefix("file://").unwrap_or(reference));
        let mut full = PathBuf::from(p);
        if full.is_relative() {
            let dir = if base.is_empty() {
                package.parent().unwrap_or(Path::new("")).to_path_buf()
            } else {
                PathBuf::from(base)
            };
            full = dir.join(p);
        }
        std::fs::read(&full).map_err(|e| format!("{reference} ({}): {e}", full.display()))?
    };
    decode(bytes).map_err(|why| format!("{reference}: {why}"))
}

/// UTF-8 (BOM dropped), or UTF-16 with a BOM.
fn decode(bytes: Vec<u8>) -> std::result::Result<String, String> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return crate::ingest::encoding::decode(&bytes)
            .map(|(s, _)| s)
            .map_err(|e| e.to_string());
    }
    let s = String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 (invalid byte at {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(match s.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => s,
    })
}

/// Where a source's text comes from.
enum TextRef {
    Inline,
    Path(String),
    None,
}

#[derive(Default)]
struct Refs {
    base_path: String,
    /// One per source, in order.
    texts: Vec<TextRef>,
    warnings: Vec<String>,
}

/// The attributes of an element by local name.
fn attrs(e: &BytesStart<'_>) -> std::result::Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("bad attribute: {err}"))?;
        let key = a.key.local_name().into_inner().to_string();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("bad attribute value: {err}"))?;
        out.insert(key, value.into_owned());
    }
    Ok(out)
}

/// The state of the walk over the project XML.
#[derive(Default)]
struct Walk {
    project: Project,
    refs: Refs,
    stack: Vec<String>,
    codes: Vec<Code>,
    case: Option<Case>,
    value: Option<(String, Option<VariableType>)>,
    source: Option<TextSource>,
    selection: Option<Selection>,
    coding: Option<CodingRef>,
    note: Option<Note>,
    /// Codings straight under a source (whole-source codings).
    source_codings: Vec<CodingRef>,
    text: Option<String>,
    saw_project: bool,
    saw_codebook: bool,
    skipped_sources: usize,
}

fn parse_project(xml: &str) -> std::result::Result<(Project, Refs, Vec<String>), String> {
    let w = walk(xml)?;
    finish(w)
}

fn walk(xml: &str) -> std::result::Result<Walk, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().expand_empty_elements = true;
    let mut w = Walk::default();
    loop {
        let ev = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML (at byte {}: {e})",
                reader.error_position()
            )
        })?;
        match ev {
            Event::Start(e) => {
                let name = e.local_name().into_inner().to_string();
                let a = attrs(&e)?;
                w.start(&name, a)?;
                w.stack.push(name);
            }
            Event::End(_) => {
                let name = w.stack.pop().unwrap_or_default();
                w.end(&name);
            }
            Event::Text(t) => {
                if let Some(buf) = w.text.as_mut() {
                    buf.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(buf) = w.text.as_mut() {
                    buf.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(buf) = w.text.as_mut() {
                    buf.push_str(&entity(&r));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(w)
}

fn finish(mut w: Walk) -> std::result::Result<(Project, Refs, Vec<String>), String> {
    if !w.saw_project {
        return Err("no <Project> element: not a REFI-QDA project file".into());
    }
    if w.skipped_sources > 0 {
        w.refs.warnings.push(format!(
            "{} non-text source(s) (picture, PDF, audio, video) skipped",
            w.skipped_sources
        ));
    }
    let warnings = std::mem::take(&mut w.refs.warnings);
    Ok((w.project, w.refs, warnings))
}

fn get(a: &HashMap<String, String>, k: &str) -> String {
    a.get(k).cloned().unwrap_or_default()
}

fn position(a: &HashMap<String, String>, k: &str) -> std::result::Result<usize, String> {
    let v = a
        .get(k)
        .ok_or_else(|| format!("a PlainTextSelection has no {k}"))?;
    v.trim()
        .parse::<usize>()
        .map_err(|_| format!("a PlainTextSelection has {k}=\"{v}\", not a position"))
}

impl Walk {
    fn parent(&self) -> &str {
        self.stack.last().map_or("", String::as_str)
    }

    fn start(&mut self, name: &str, a: HashMap<String, String>) -> std::result::Result<(), String> {
        match name {
            "CodeBook" if self.stack.is_empty() => self.saw_codebook = true,
            "Project" => {
                self.saw_project = true;
                self.project.name = get(&a, "name");
                self.project.origin = get(&a, "origin");
                self.refs.base_path = get(&a, "basePath");
            }
            "User" => self.project.users.push(User {
                guid: get(&a, "guid"),
                name: get(&a, "name"),
            }),
            "Code" => self.codes.push(Code {
                notes: Vec::new(),
                guid: get(&a, "guid"),
                name: get(&a, "name"),
                codable: a
                    .get("isCodable")
                    .is_none_or(|v| v.trim() != "false" && v.trim() != "0"),
                color: a.get("color").cloned(),
                description: String::new(),
                children: Vec::new(),
            }),
            "Variable" => self.project.variables.push(Variable {
                guid: get(&a, "guid"),
                name: get(&a, "name"),
                kind: VariableType::parse(&get(&a, "typeOfVariable")).unwrap_or(VariableType::Text),
                description: String::new(),
            }),
            "Case" => {
                self.case = Some(Case {
                    guid: get(&a, "guid"),
                    name: get(&a, "name"),
                    ..Case::default()
                })
            }
            "VariableValue" => self.value = Some((String::new(), None)),
            "VariableRef" => {
                if let Some(v) = self.value.as_mut() {
                    v.0 = get(&a, "targetGUID");
                }
            }
            "TextValue" | "BooleanValue" | "IntegerValue" | "FloatValue" | "DateValue"
            | "DateTimeValue" => {
                if let Some(v) = self.value.as_mut() {
                    v.1 = [
                        VariableType::Text,
                        VariableType::Boolean,
                        VariableType::Integer,
                        VariableType::Float,
                        VariableType::Date,
                        VariableType::DateTime,
                    ]
                    .into_iter()
                    .find(|t| t.value_element() == name);
                }
                self.text = Some(String::new());
            }
            "SourceRef" => {
                if let Some(c) = self.case.as_mut() {
                    c.sources.push(get(&a, "targetGUID"));
                }
            }
            "TextSource" if self.source.is_none() && self.parent() == "Sources" => {
                self.source = Some(TextSource {
                    guid: get(&a, "guid"),
                    name: get(&a, "name"),
                    user: a.get("creatingUser").cloned(),
                    ..TextSource::default()
                });
                self.source_codings.clear();
                self.refs.texts.push(match a.get("plainTextPath") {
                    Some(p) if !p.trim().is_empty() => TextRef::Path(p.trim().to_string()),
                    _ => TextRef::None,
                });
            }
            "PictureSource" | "PDFSource" | "AudioSource" | "VideoSource"
                if self.parent() == "Sources" =>
            {
                self.skipped_sources += 1;
            }
            "PlainTextSelection" if self.source.is_some() => {
                self.selection = Some(Selection {
                    guid: get(&a, "guid"),
                    name: get(&a, "name"),
                    start: position(&a, "startPosition")?,
                    end: position(&a, "endPosition")?,
                    user: a.get("creatingUser").cloned(),
                    ..Selection::default()
                })
            }
            "Coding" => {
                self.coding = Some(CodingRef {
                    guid: get(&a, "guid"),
                    code: String::new(),
                    user: a.get("creatingUser").cloned(),
                })
            }
            "CodeRef" => {
                if let Some(c) = self.coding.as_mut() {
                    c.code = get(&a, "targetGUID");
                }
            }
            "Note" if self.parent() == "Notes" => {
                self.note = Some(Note {
                    guid: get(&a, "guid"),
                    name: get(&a, "name"),
                    user: a.get("creatingUser").cloned(),
                    date: a.get("creationDateTime").cloned(),
                    ..Note::default()
                })
            }
            "NoteRef" => {
                let target = get(&a, "targetGUID");
                match self.parent() {
                    "PlainTextSelection" => {
                        if let Some(s) = self.selection.as_mut() {
                            s.notes.push(target);
                        }
                    }
                    "TextSource" => {
                        if let Some(s) = self.source.as_mut() {
                            s.notes.push(target);
                        }
                    }
                    "Code" => {
                        if let Some(c) = self.codes.last_mut() {
                            c.notes.push(target);
                        }
                    }
                    _ => {}
                }
            }
            "Description" | "PlainTextContent" => self.text = Some(String::new()),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) {
        match name {
            "Code" => {
                let top = self.parent() == "Codes";
                if let Some(code) = self.codes.pop() {
                    match self.codes.last_mut() {
                        Some(parent) => parent.children.push(code),
                        None if top => self.project.codes.push(code),
                        None => {}
                    }
                }
            }
            "Case" => {
                if let Some(c) = self.case.take() {
                    self.project.cases.push(c);
                }
            }
            "TextValue" | "BooleanValue" | "IntegerValue" | "FloatValue" | "DateValue"
            | "DateTimeValue" => {
                let text = self.text.take().unwrap_or_default();
                if let Some((var, Some(kind))) = self.value.clone()
                    && let Some(c) = self.case.as_mut()
                {
                    c.values.push(Value {
                        variable: var,
                        kind,
                        text: text.trim().to_string(),
                    });
                }
            }
            "VariableValue" => self.value = None,
            "Description" => {
                let text = self.text.take().unwrap_or_default();
                match self.parent() {
                    "Code" => {
                        if let Some(c) = self.codes.last_mut() {
                            c.description = text;
                        }
                    }
                    "PlainTextSelection" => {
                        if let Some(s) = self.selection.as_mut() {
                            s.description = text;
                        }
                    }
                    "TextSource" => {
                        if let Some(s) = self.source.as_mut() {
                            s.description = text;
                        }
                    }
                    "Variable" => {
                        if let Some(v) = self.project.variables.last_mut() {
                            v.description = text;
                        }
                    }
                    "Note" => {
                        if let Some(n) = self.note.as_mut() {
                            n.description = text;
                        }
                    }
                    _ => {}
                }
            }
            "PlainTextContent" => {
                let text = self.text.take().unwrap_or_default();
                if self.parent() == "Note"
                    && let Some(n) = self.note.as_mut()
                {
                    n.text = text;
                } else if self.parent() == "TextSource"
                    && let Some(s) = self.source.as_mut()
                {
                    s.text = text;
                    if let Some(r) = self.refs.texts.last_mut() {
                        *r = TextRef::Inline;
                    }
                }
            }
            "Coding" => {
                if let Some(c) = self.coding.take() {
                    match self.parent() {
                        "PlainTextSelection" => {
                            if let Some(s) = self.selection.as_mut() {
                                s.codings.push(c);
                            }
                        }
                        "TextSource" => self.source_codings.push(c),
                        _ => {}
                    }
                }
            }
            "Note" if self.parent() == "Notes" => {
                if let Some(n) = self.note.take() {
                    self.project.notes.push(n);
                }
            }
            "PlainTextSelection" => {
                if let (Some(sel), Some(src)) = (self.selection.take(), self.source.as_mut()) {
                    src.selections.push(sel);
                }
            }
            "TextSource" if self.parent() == "Sources" => {
                if let Some(mut s) = self.source.take() {
                    if !self.source_codings.is_empty() {
                        // A coding of the whole source: a selection of all of its text
                        // (the end is set once the text is known).
                        s.selections.push(Selection {
                            notes: Vec::new(),
                            guid: guid(&format!("citata:whole:{}", s.guid)),
                            name: String::new(),
                            start: 0,
                            end: usize::MAX,
                            description: String::new(),
                            user: None,
                            codings: std::mem::take(&mut self.source_codings),
                        });
                    }
                    self.project.sources.push(s);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(parts: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, b) in parts {
            z.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(b).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    const QDE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Тест" origin="hand" basePath="">
<CodeBook><Codes>
  <Code guid="11111111-1111-1111-1111-111111111111" name="Сервис" isCodable="false">
    <Code guid="22222222-2222-2222-2222-222222222222" name="Сроки" isCodable="true"><Description>когда привозят</Description></Code>
  </Code>
</Codes></CodeBook>
<Sources>
  <TextSource guid="33333333-3333-3333-3333-333333333333" name="one" plainTextPath="internal://33333333-3333-3333-3333-333333333333.txt">
    <PlainTextSelection guid="44444444-4444-4444-4444-444444444444" startPosition="6" endPosition="15">
      <Coding guid="55555555-5555-5555-5555-555555555555"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
    </PlainTextSelection>
  </TextSource>
  <TextSource guid="66666666-6666-6666-6666-666666666666" name="two"><PlainTextContent>Ёлки &amp; палки&#13;
да</PlainTextContent>
    <Coding guid="77777777-7777-7777-7777-777777777777"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
  </TextSource>
</Sources>
</Project>"#;

    #[test]
    fn reads_codes_sources_and_selections_with_crlf_and_upper_case_folder() {
        let text = "Ну да,\r\nсроки 🙂 ок";
        let bytes = zip(&[
            ("project.qde", QDE.as_bytes()),
            (
                "Sources/33333333-3333-3333-3333-333333333333.TXT",
                text.as_bytes(),
            ),
        ]);
        let got = read_qdpx_bytes(Path::new("t.qdpx"), &bytes).unwrap();
        let p = &got.project;
        assert!(got.warnings.is_empty(), "{:?}", got.warnings);
        assert_eq!(p.name, "Тест");
        assert_eq!(p.codes.len(), 1);
        assert!(!p.codes[0].codable);
        assert_eq!(p.codes[0].children[0].name, "Сроки");
        assert_eq!(p.codes[0].children[0].description, "когда привозят");
        assert_eq!(p.sources[0].text, text);
        let sel = &p.sources[0].selections[0];
        assert_eq!((sel.start, sel.end), (6, 15));
        assert_eq!(
            super::super::char_slice(&p.sources[0].text, sel.start, sel.end),
            Some("\r\nсроки 🙂")
        );
        assert_eq!(p.sources[1].text, "Ёлки & палки\r\nда");
        let whole = &p.sources[1].selections[0];
        assert_eq!((whole.start, whole.end), (0, 16));
        assert_eq!(
            p.code_paths()["22222222-2222-2222-2222-222222222222"],
            "Сервис/Сроки"
        );
    }

    #[test]
    fn offsets_that_count_crlf_as_one_character_can_be_reinterpreted() {
        let text = "Да.\r\nСроки 🙂.\r\nНет.";
        let qde = QDE.replace(
            "startPosition=\"6\" endPosition=\"15\"",
            "startPosition=\"4\" endPosition=\"12\"",
        );
        let bytes = zip(&[
            ("project.qde", qde.as_bytes()),
            (
                "sources/33333333-3333-3333-3333-333333333333.txt",
                text.as_bytes(),
            ),
        ]);
        let mut got = read_qdpx_bytes(Path::new("t.qdpx"), &bytes)
            .unwrap()
            .project;
        let slice = |p: &Project| {
            let sel = &p.sources[0].selections[0];
            super::super::char_slice(&p.sources[0].text, sel.start, sel.end).map(str::to_string)
        };
        // As code points of the stored text, 4..12 is off by the CR before it, and that is
        // detected.
        assert_eq!(slice(&got).as_deref(), Some("\nСроки 🙂"));
        let warning = crlf_counted_as_one(&got).expect("detected");
        assert!(
            warning.starts_with("1 of 1 selection(s) in 1 source(s) with CRLF line ends fall on word boundaries only when a CRLF counts as one character (0 as stored)"),
            "{warning}"
        );
        assert!(
            warning.ends_with("read them with --crlf-as-one"),
            "{warning}"
        );
        assert_eq!(line_ends(&mut got, true), None);
        assert_eq!(slice(&got).as_deref(), Some("Сроки 🙂."));
        // Read right, the offsets raise no warning.
        assert_eq!(crlf_counted_as_one(&got), None);
        // A whole-text coding stays whole.
        assert_eq!(got.sources[1].selections[0].end, 16);
    }

    #[test]
    fn broken_packages_say_what_is_wrong() {
        let e = read_qdpx_bytes(Path::new("x.qdpx"), b"PK\x03\x04 not really").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("x.qdpx: not a .qdpx package: not a readable zip archive"),
            "{msg}"
        );
        let e =
            read_qdpx_bytes(Path::new("x.qdpx"), &zip(&[("sources/a.txt", b"hi")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.qdpx: no project.qde (nor any .qde file) in the archive, so it is not a REFI-QDA project; it holds: sources/a.txt"
        );
        let e = read_qdpx_bytes(
            Path::new("x.qdpx"),
            &zip(&[("project.qde", b"<Project name=\"a\"><Sources></Project>")]),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("x.qdpx: project.qde: not well-formed XML (at byte"),
            "{msg}"
        );
        let e = read_qdpx_bytes(Path::new("x.qdpx"), &zip(&[("project.qde", b"<Other/>")]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.qdpx: project.qde: no <Project> element: not a REFI-QDA project file"
        );
    }

    #[test]
    fn a_missing_source_file_is_a_warning_and_outside_selections_are_dropped() {
        let bytes = zip(&[("project.qde", QDE.as_bytes())]);
        let got = read_qdpx_bytes(Path::new("t.qdpx"), &bytes).unwrap();
        assert_eq!(got.project.sources[0].text, "");
        assert_eq!(got.project.sources[0].selections.len(), 0);
        assert!(
            got.warnings[0].contains(
                "internal://33333333-3333-3333-3333-333333333333.txt is not in the archive"
            ),
            "{:?}",
            got.warnings
        );
        assert!(
            got.warnings[1].contains("1 selection(s) outside"),
            "{:?}",
            got.warnings
        );
    }
}
