//! REFI-QDA (QDA-XML 1.0): the project and codebook model, deterministic GUIDs, and the
//! writers of `project.qde`, `.qdpx` packages and `.qdc` codebooks.
//!
//! - [`export`] builds a [`Project`] from citata's transcripts, codings, ratings and quotes;
//! - [`read`] reads a `.qdpx` exported by any tool back into a [`Project`].
//!
//! **Offsets.** `startPosition` / `endPosition` of a [`Selection`] are zero-based,
//! end-exclusive Unicode code point offsets into the source's plain text *as stored* in
//! the package (citata writes its canonical text: UTF-8 without BOM, LF line ends, NFC).
//!
//! **Determinism.** GUIDs are hashes of stable names ([`guid`]), elements are written in a
//! fixed order, no dates are written, and zip entries carry a fixed timestamp: the same
//! input gives the same bytes.

pub mod export;
pub mod qdc;
pub mod read;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;

/// The project namespace.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// The codebook namespace.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// A REFI-QDA project: what citata writes and what it reads from other tools.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    /// The project's name.
    pub name: String,
    /// The tool that wrote it (`origin`).
    pub origin: String,
    /// Users; codings name their creator by GUID.
    pub users: Vec<User>,
    /// The code tree.
    pub codes: Vec<Code>,
    /// Variables (attributes of cases).
    pub variables: Vec<Variable>,
    /// Cases (respondents) with their variable values and sources.
    pub cases: Vec<Case>,
    /// Text sources with their selections.
    pub sources: Vec<TextSource>,
    /// Notes (memos); sources, selections and codes refer to them by GUID.
    pub notes: Vec<Note>,
}

/// A note (a memo): `<Note>` in `<Notes>`, its text as `PlainTextContent`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Note {
    /// GUID.
    pub guid: String,
    /// Name (empty: none).
    pub name: String,
    /// Description (empty: none).
    pub description: String,
    /// The creating user's GUID (`creatingUser`), if given.
    pub user: Option<String>,
    /// `creationDateTime` (`YYYY-MM-DDThh:mm:ssZ`), if given.
    pub date: Option<String>,
    /// The note's text.
    pub text: String,
}

/// A user.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct User {
    /// GUID.
    pub guid: String,
    /// Display name.
    pub name: String,
}

/// A code and its children.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Code {
    /// GUID.
    pub guid: String,
    /// Name.
    pub name: String,
    /// False for category-only nodes (citata's levels).
    pub codable: bool,
    /// `#RRGGBB`, if any.
    pub color: Option<String>,
    /// Description (empty: none).
    pub description: String,
    /// GUIDs of the notes on the code (`NoteRef`).
    pub notes: Vec<String>,
    /// Child codes.
    pub children: Vec<Code>,
}

/// The type of a variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariableType {
    /// Free text.
    Text,
    /// True or false.
    Boolean,
    /// Whole number.
    Integer,
    /// Decimal number.
    Float,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDThh:mm:ss`.
    DateTime,
}

impl VariableType {
    /// The `typeOfVariable` token.
    pub fn as_str(self) -> &'static str {
        match self {
            VariableType::Text => "Text",
            VariableType::Boolean => "Boolean",
            VariableType::Integer => "Integer",
            VariableType::Float => "Float",
            VariableType::Date => "Date",
            VariableType::DateTime => "DateTime",
        }
    }

    /// The type for a `typeOfVariable` token.
    pub fn parse(s: &str) -> Option<VariableType> {
        Some(match s {
            "Text" => VariableType::Text,
            "Boolean" => VariableType::Boolean,
            "Integer" => VariableType::Integer,
            "Float" => VariableType::Float,
            "Date" => VariableType::Date,
            "DateTime" => VariableType::DateTime,
            _ => return None,
        })
    }

    /// The element holding a value of this type.
    pub fn value_element(self) -> &'static str {
        match self {
            VariableType::Text => "TextValue",
            VariableType::Boolean => "BooleanValue",
            VariableType::Integer => "IntegerValue",
            VariableType::Float => "FloatValue",
            VariableType::Date => "DateValue",
            VariableType::DateTime => "DateTimeValue",
        }
    }
}

/// A variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    /// GUID.
    pub guid: String,
    /// Name.
    pub name: String,
    /// Type.
    pub kind: VariableType,
    /// Description (empty: none).
    pub description: String,
}

/// A variable's value on a case: the variable's GUID, its type and the value as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// The variable's GUID.
    pub variable: String,
    /// The value's type (the element it came in).
    pub kind: VariableType,
    /// The value as text (`8.5`, `true`, `Служба закупок`).
    pub text: String,
}

/// A case: a respondent, with variable values and the sources that are theirs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Case {
    /// GUID.
    pub guid: String,
    /// Name.
    pub name: String,
    /// Variable values.
    pub values: Vec<Value>,
    /// GUIDs of the case's sources.
    pub sources: Vec<String>,
}

/// A text source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextSource {
    /// GUID.
    pub guid: String,
    /// Name (citata: the document id).
    pub name: String,
    /// The plain text; offsets count its code points.
    pub text: String,
    /// Description (empty: none).
    pub description: String,
    /// The creating user's GUID (`creatingUser`), if given.
    pub user: Option<String>,
    /// Selections in order of position.
    pub selections: Vec<Selection>,
    /// GUIDs of the notes on the whole source (`NoteRef`).
    pub notes: Vec<String>,
}

/// A passage of a text source and its codings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// GUID.
    pub guid: String,
    /// Name (empty: none).
    pub name: String,
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// Description (empty: none). citata puts the terms, polarity, or a quote's score here.
    pub description: String,
    /// The creating user's GUID (`creatingUser`), if given.
    pub user: Option<String>,
    /// Codings of the passage.
    pub codings: Vec<CodingRef>,
    /// GUIDs of the notes on the passage (`NoteRef`).
    pub notes: Vec<String>,
}

/// One coding: a code applied to a selection.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CodingRef {
    /// The coding's GUID.
    pub guid: String,
    /// The code's GUID.
    pub code: String,
    /// The creating user's GUID, if given.
    pub user: Option<String>,
}

/// A deterministic GUID for a stable name: a 128-bit FNV-1a hash of `key`, formatted as a
/// UUID with the version 5 and RFC 4122 variant bits set (UUIDv5-style, but not SHA-1).
///
/// # Examples
/// ```
/// let a = citata::refi::guid("citata:param:delivery");
/// assert_eq!(a, citata::refi::guid("citata:param:delivery"));
/// assert_ne!(a, citata::refi::guid("citata:param:pricing"));
/// assert_eq!(a.len(), 36);
/// assert_eq!(&a[14..15], "5");
/// ```
pub fn guid(key: &str) -> String {
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013B;
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in key.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(PRIME);
    }
    // Mix the high half back in so that short keys differ in every digit.
    h ^= h >> 67;
    h = h.wrapping_mul(PRIME);
    h ^= h >> 59;
    let mut b = h.to_be_bytes();
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{byte:02x}");
    }
    s
}

pub use crate::escape::push as escape;

/// Appends ` name="value"` (escaped).
fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape(out, value, true);
    out.push('"');
}

/// Appends `<name>text</name>` when `text` is not empty.
fn text_element(out: &mut String, indent: usize, name: &str, text: &str) {
    if text.is_empty() {
        return;
    }
    pad(out, indent);
    let _ = write!(out, "<{name}>");
    escape(out, text, false);
    let _ = writeln!(out, "</{name}>");
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

/// Appends a `<NoteRef>` per note GUID.
fn note_refs(out: &mut String, indent: usize, notes: &[String]) {
    for n in notes {
        pad(out, indent);
        out.push_str("<NoteRef");
        attr(out, "targetGUID", n);
        out.push_str("/>\n");
    }
}

/// Writes a code and its children; `project` writes its `NoteRef`s (the codebook schema
/// has none).
fn write_code(out: &mut String, code: &Code, indent: usize, project: bool) {
    pad(out, indent);
    out.push_str("<Code");
    attr(out, "guid", &code.guid);
    attr(out, "name", &code.name);
    attr(
        out,
        "isCodable",
        if code.codable { "true" } else { "false" },
    );
    if let Some(c) = &code.color {
        attr(out, "color", c);
    }
    let notes: &[String] = if project { &code.notes } else { &[] };
    if code.description.is_empty() && code.children.is_empty() && notes.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    text_element(out, indent + 1, "Description", &code.description);
    note_refs(out, indent + 1, notes);
    for child in &code.children {
        write_code(out, child, indent + 1, project);
    }
    pad(out, indent);
    out.push_str("</Code>\n");
}

fn write_value(out: &mut String, v: &Value, indent: usize) {
    pad(out, indent);
    out.push_str("<VariableValue>");
    out.push_str("<VariableRef");
    attr(out, "targetGUID", &v.variable);
    out.push_str("/>");
    let el = v.kind.value_element();
    let _ = write!(out, "<{el}>");
    escape(out, &v.text, false);
    let _ = writeln!(out, "</{el}></VariableValue>");
}

/// The internal file name of a source's plain text in a `.qdpx`.
pub fn source_file(source: &TextSource) -> String {
    format!("{}.txt", source.guid)
}

impl Project {
    /// `project.qde`: the project as QDA-XML 1.0, valid against `Project.xsd`. Source texts
    /// are referenced as `internal://<GUID>.txt` (see [`Project::to_qdpx`]).
    pub fn to_xml(&self) -> String {
        let mut o = String::with_capacity(4096);
        o.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Project");
        attr(&mut o, "xmlns", PROJECT_NS);
        attr(
            &mut o,
            "xmlns:xsi",
            "http://www.w3.org/2001/XMLSchema-instance",
        );
        attr(
            &mut o,
            "xsi:schemaLocation",
            &format!("{PROJECT_NS} Project.xsd"),
        );
        attr(&mut o, "name", &self.name);
        attr(&mut o, "origin", &self.origin);
        if let Some(u) = self.users.first() {
            attr(&mut o, "creatingUserGUID", &u.guid);
        }
        o.push_str(">\n");
        if !self.users.is_empty() {
            o.push_str("  <Users>\n");
            for u in &self.users {
                pad(&mut o, 2);
                o.push_str("<User");
                attr(&mut o, "guid", &u.guid);
                attr(&mut o, "name", &u.name);
                o.push_str("/>\n");
            }
            o.push_str("  </Users>\n");
        }
        if !self.codes.is_empty() {
            o.push_str("  <CodeBook>\n    <Codes>\n");
            for c in &self.codes {
                write_code(&mut o, c, 3, true);
            }
            o.push_str("    </Codes>\n  </CodeBook>\n");
        }
        if !self.variables.is_empty() {
            o.push_str("  <Variables>\n");
            for v in &self.variables {
                pad(&mut o, 2);
                o.push_str("<Variable");
                attr(&mut o, "guid", &v.guid);
                attr(&mut o, "name", &v.name);
                attr(&mut o, "typeOfVariable", v.kind.as_str());
                if v.description.is_empty() {
                    o.push_str("/>\n");
                } else {
                    o.push_str(">\n");
                    text_element(&mut o, 3, "Description", &v.description);
                    o.push_str("    </Variable>\n");
                }
            }
            o.push_str("  </Variables>\n");
        }
        if !self.cases.is_empty() {
            o.push_str("  <Cases>\n");
            for c in &self.cases {
                pad(&mut o, 2);
                o.push_str("<Case");
                attr(&mut o, "guid", &c.guid);
                attr(&mut o, "name", &c.name);
                o.push_str(">\n");
                for v in &c.values {
                    write_value(&mut o, v, 3);
                }
                for s in &c.sources {
                    pad(&mut o, 3);
                    o.push_str("<SourceRef");
                    attr(&mut o, "targetGUID", s);
                    o.push_str("/>\n");
                }
                o.push_str("    </Case>\n");
            }
            o.push_str("  </Cases>\n");
        }
        if !self.sources.is_empty() {
            o.push_str("  <Sources>\n");
            for s in &self.sources {
                self.write_source(&mut o, s);
            }
            o.push_str("  </Sources>\n");
        }
        if !self.notes.is_empty() {
            o.push_str("  <Notes>\n");
            for n in &self.notes {
                pad(&mut o, 2);
                o.push_str("<Note");
                attr(&mut o, "guid", &n.guid);
                if !n.name.is_empty() {
                    attr(&mut o, "name", &n.name);
                }
                if let Some(u) = &n.user {
                    attr(&mut o, "creatingUser", u);
                }
                if let Some(d) = &n.date {
                    attr(&mut o, "creationDateTime", d);
                }
                o.push_str(">\n");
                text_element(&mut o, 3, "Description", &n.description);
                pad(&mut o, 3);
                o.push_str("<PlainTextContent>");
                escape(&mut o, &n.text, false);
                o.push_str("</PlainTextContent>\n    </Note>\n");
            }
            o.push_str("  </Notes>\n");
        }
        o.push_str("</Project>\n");
        o
    }

    fn write_source(&self, o: &mut String, s: &TextSource) {
        pad(o, 2);
        o.push_str("<TextSource");
        attr(o, "guid", &s.guid);
        attr(o, "name", &s.name);
        attr(
            o,
            "plainTextPath",
            &format!("internal://{}", source_file(s)),
        );
        if let Some(u) = &s.user {
            attr(o, "creatingUser", u);
        }
        o.push_str(">\n");
        text_element(o, 3, "Description", &s.description);
        for sel in &s.selections {
            pad(o, 3);
            o.push_str("<PlainTextSelection");
            attr(o, "guid", &sel.guid);
            if !sel.name.is_empty() {
                attr(o, "name", &sel.name);
            }
            attr(o, "startPosition", &sel.start.to_string());
            attr(o, "endPosition", &sel.end.to_string());
            if let Some(u) = &sel.user {
                attr(o, "creatingUser", u);
            }
            o.push_str(">\n");
            text_element(o, 4, "Description", &sel.description);
            for c in &sel.codings {
                pad(o, 4);
                o.push_str("<Coding");
                attr(o, "guid", &c.guid);
                if let Some(u) = &c.user {
                    attr(o, "creatingUser", u);
                }
                o.push_str("><CodeRef");
                attr(o, "targetGUID", &c.code);
                o.push_str("/></Coding>\n");
            }
            note_refs(o, 4, &sel.notes);
            o.push_str("      </PlainTextSelection>\n");
        }
        note_refs(o, 3, &s.notes);
        o.push_str("    </TextSource>\n");
    }

    /// The `.qdpx` package: `project.qde`, then `sources/<GUID>.txt` per source (UTF-8, no
    /// BOM), deflated, every entry with the same fixed timestamp (1980-01-01) and
    /// permissions, so that the bytes depend on the project only.
    ///
    /// # Errors
    /// Only if the zip writer fails on memory, which it does not.
    pub fn to_qdpx(&self) -> std::io::Result<Vec<u8>> {
        use zip::write::SimpleFileOptions;
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let add = |zip: &mut zip::ZipWriter<_>, name: &str, bytes: &[u8]| {
            zip.start_file(name, options)
                .map_err(std::io::Error::other)?;
            zip.write_all(bytes)
        };
        add(&mut zip, "project.qde", self.to_xml().as_bytes())?;
        for s in &self.sources {
            add(
                &mut zip,
                &format!("sources/{}", source_file(s)),
                s.text.as_bytes(),
            )?;
        }
        Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
    }

    /// Every code's path (`Parent/Child` names) by GUID.
    pub fn code_paths(&self) -> HashMap<String, String> {
        fn walk(codes: &[Code], prefix: &str, out: &mut HashMap<String, String>) {
            for c in codes {
                let path = if prefix.is_empty() {
                    c.name.clone()
                } else {
                    format!("{prefix}/{}", c.name)
                };
                walk(&c.children, &path, out);
                out.insert(c.guid.clone(), path);
            }
        }
        let mut out = HashMap::new();
        walk(&self.codes, "", &mut out);
        out
    }

    /// Every code, depth first, with its depth.
    pub fn codes_flat(&self) -> Vec<(usize, &Code)> {
        fn walk<'a>(codes: &'a [Code], depth: usize, out: &mut Vec<(usize, &'a Code)>) {
            for c in codes {
                out.push((depth, c));
                walk(&c.children, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.codes, 0, &mut out);
        out
    }
}

/// A `.qdc` codebook (namespace `urn:QDA-XML:codebook:1.0`): the code tree alone. No
/// `<Sets>` element is written (an empty one is invalid under the 1.0 schema).
pub fn codebook_xml(origin: &str, codes: &[Code]) -> String {
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook");
    attr(&mut o, "xmlns", CODEBOOK_NS);
    attr(&mut o, "origin", origin);
    o.push_str(">\n  <Codes>\n");
    for c in codes {
        write_code(&mut o, c, 2, false);
    }
    o.push_str("  </Codes>\n</CodeBook>\n");
    o
}

/// The text between two code point offsets, or `None` when they are out of range.
///
/// # Examples
/// ```
/// assert_eq!(citata::refi::char_slice("ёж 🙂 да", 3, 4), Some("🙂"));
/// assert_eq!(citata::refi::char_slice("ёж", 1, 3), None);
/// ```
pub fn char_slice(text: &str, start: usize, end: usize) -> Option<&str> {
    if start > end {
        return None;
    }
    let mut it = text.char_indices().map(|(i, _)| i).chain([text.len()]);
    let from = it.nth(start)?;
    let to = if end == start {
        from
    } else {
        it.nth(end - start - 1)?
    };
    Some(&text[from..to])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_well_formed_and_distinct() {
        let a = guid("citata:param:delivery");
        assert_eq!(a, guid("citata:param:delivery"));
        // Pinned: a change of the hash would change every exported project.
        assert_eq!(a, "45cf6b72-9cfc-53d6-a79e-8051f94074f5");
        let mut seen = std::collections::HashSet::new();
        for i in 0..20_000 {
            let g = guid(&format!("citata:sel:doc.txt:{i}"));
            assert_eq!(g.len(), 36);
            assert!(
                g.chars()
                    .enumerate()
                    .all(|(k, c)| if matches!(k, 8 | 13 | 18 | 23) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    })
            );
            assert_eq!(&g[14..15], "5");
            assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"), "{g}");
            assert!(seen.insert(g));
        }
    }

    #[test]
    fn a_project_survives_writing_and_reading_field_by_field() {
        let code = |key: &str, name: &str, codable: bool, description: &str, children| Code {
            guid: guid(key),
            name: name.into(),
            codable,
            color: None,
            description: description.into(),
            notes: if key == "p" {
                vec![guid("n-param")]
            } else {
                Vec::new()
            },
            children,
        };
        let p = Project {
            name: "Волна «2026» & <тест>".into(),
            origin: "citata test".into(),
            users: vec![User {
                guid: guid("u"),
                name: "citata".into(),
            }],
            codes: vec![code(
                "l",
                "Сервис",
                false,
                "citata: level `service`",
                vec![code(
                    "p",
                    "Сроки \"поставки\"",
                    true,
                    "строка 1\nстрока 2 & <ещё>",
                    vec![code("c", "Сроки: по контексту", true, "", vec![])],
                )],
            )],
            variables: vec![
                Variable {
                    guid: guid("v1"),
                    name: "Подразделение".into(),
                    kind: VariableType::Text,
                    description: String::new(),
                },
                Variable {
                    guid: guid("v2"),
                    name: "Оценка: Сроки".into(),
                    kind: VariableType::Float,
                    description: "1–10".into(),
                },
            ],
            cases: vec![Case {
                guid: guid("case"),
                name: "Р-01".into(),
                values: vec![
                    Value {
                        variable: guid("v1"),
                        kind: VariableType::Text,
                        text: "Служба закупок".into(),
                    },
                    Value {
                        variable: guid("v2"),
                        kind: VariableType::Float,
                        text: "6.5".into(),
                    },
                ],
                sources: vec![guid("s")],
            }],
            sources: vec![TextSource {
                guid: guid("s"),
                name: "a.txt".into(),
                text: "Ну да 😤,\r\nсроки — боль.\n".into(),
                description: String::new(),
                user: Some(guid("u")),
                selections: vec![Selection {
                    guid: guid("sel"),
                    name: "a.txt · 1".into(),
                    start: 10,
                    end: 24,
                    description: "delivery: keyword «сроки»;\tpolarity\r\n".into(),
                    user: Some(guid("u")),
                    codings: vec![CodingRef {
                        guid: guid("k"),
                        code: guid("p"),
                        user: Some(guid("u")),
                    }],
                    notes: vec![guid("n-span")],
                }],
                notes: vec![guid("n-doc"), guid("n-param")],
            }],
            notes: vec![
                Note {
                    guid: guid("n-doc"),
                    name: "Заметка: a.txt".into(),
                    description: String::new(),
                    user: Some(guid("u")),
                    date: Some("2026-12-05T18:20:00Z".into()),
                    text: "Связь прерывалась\tдважды;\r\nконец — по памяти & <без>.".into(),
                },
                Note {
                    guid: guid("n-span"),
                    name: String::new(),
                    description: "citata: memo on «сроки»".into(),
                    user: None,
                    date: None,
                    text: "Ключевая".into(),
                },
                Note {
                    guid: guid("n-param"),
                    ..Note::default()
                },
            ],
        };
        let bytes = p.to_qdpx().unwrap();
        let back = read::read_qdpx_bytes(std::path::Path::new("t.qdpx"), &bytes).unwrap();
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        assert_eq!(back.project, p);
        assert_eq!(
            char_slice(&back.project.sources[0].text, 10, 24),
            Some("сроки — боль.\n")
        );
    }

    #[test]
    fn escaping_keeps_text_and_line_ends() {
        let mut o = String::new();
        escape(&mut o, "a&b <c> \"d\"\r\n\t\u{1}", true);
        assert_eq!(o, "a&amp;b &lt;c&gt; &quot;d&quot;&#13;&#10;&#9;\u{fffd}");
        let mut o = String::new();
        escape(&mut o, "«ёж» \"x\"\r\n", false);
        assert_eq!(o, "«ёж» \"x\"&#13;\n");
    }

    #[test]
    fn char_slices_count_code_points() {
        let t = "ёж 🙂 да";
        assert_eq!(char_slice(t, 0, 2), Some("ёж"));
        assert_eq!(char_slice(t, 3, 4), Some("🙂"));
        assert_eq!(char_slice(t, 5, 7), Some("да"));
        assert_eq!(char_slice(t, 7, 7), Some(""));
        assert_eq!(char_slice(t, 5, 8), None);
        assert_eq!(char_slice(t, 3, 2), None);
    }
}
