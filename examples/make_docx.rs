//! Writes the demo Word documents from their plain-text sources:
//!
//! - `corpora/demo/w25-kachestvo.docx` from `corpora/sources/w25-kachestvo.tsv`: a table
//!   with a `Спикер | Текст` header row and one `speaker<TAB>text` row per line (`#` lines,
//!   such as `#meta key: value`, are skipped: respondents.csv carries the metadata);
//! - `corpora/demo/w26-kapstroy.docx` from `corpora/sources/w26-kapstroy.txt`: one
//!   paragraph per line.
//!
//! Run `cargo run --example make_docx [ROOT]` (ROOT defaults to the crate folder). The output
//! is deterministic: fixed zip timestamps, so re-running gives identical bytes.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>"#;

/// Widths of the speaker and text columns, twentieths of a point (A4 text width is 9355).
const COLUMNS: [u32; 2] = [2400, 6955];

fn main() -> ExitCode {
    let root = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    match run(&root) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("make_docx: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(root: &Path) -> Result<(), String> {
    let sources = root.join("corpora/sources");
    let demo = root.join("corpora/demo");
    let tsv = read_source(&sources.join("w25-kachestvo.tsv"))?;
    let txt = read_source(&sources.join("w26-kapstroy.txt"))?;
    let table = table_body(&tsv, "w25-kachestvo.tsv")?;
    let paragraphs: String = txt.lines().map(paragraph).collect();
    write_docx(&demo.join("w25-kachestvo.docx"), &table)?;
    write_docx(&demo.join("w26-kapstroy.docx"), &paragraphs)
}

fn read_source(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {}: {e}; the demo sources must be written first",
            path.display()
        )
    })
}

/// The table of a `speaker<TAB>text` file, with a header row and an empty paragraph after
/// it (Word wants the body to end with a paragraph).
fn table_body(tsv: &str, name: &str) -> Result<String, String> {
    let mut rows = vec![row("Спикер", "Текст")];
    for (i, line) in tsv.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (speaker, text) = line
            .split_once('\t')
            .ok_or_else(|| format!("{name} line {}: expected `speaker<TAB>text`", i + 1))?;
        rows.push(row(speaker.trim(), text.trim()));
    }
    let grid: String = COLUMNS
        .iter()
        .map(|w| format!(r#"<w:gridCol w:w="{w}"/>"#))
        .collect();
    let borders: String = ["top", "left", "bottom", "right", "insideH", "insideV"]
        .iter()
        .map(|side| format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>"#))
        .collect();
    Ok(format!(
        r#"<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders>{borders}</w:tblBorders></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{}</w:tbl><w:p/>"#,
        rows.concat()
    ))
}

fn row(speaker: &str, text: &str) -> String {
    let cell = |width: u32, text: &str| {
        format!(
            r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{}</w:tc>"#,
            paragraph(text)
        )
    };
    format!(
        "<w:tr>{}{}</w:tr>",
        cell(COLUMNS[0], speaker),
        cell(COLUMNS[1], text)
    )
}

fn paragraph(text: &str) -> String {
    if text.is_empty() {
        return "<w:p/>".to_string();
    }
    format!(
        r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        escape(text)
    )
}

/// XML-escapes text; control characters XML cannot hold are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn write_docx(path: &Path, body: &str) -> Result<(), String> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="850" w:bottom="1134" w:left="1701" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    let parts = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/document.xml", document.as_str()),
    ];
    let bytes = zip_parts(&parts).map_err(|e| format!("cannot build {}: {e}", path.display()))?;
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn zip_parts(parts: &[(&str, &str)]) -> zip::result::ZipResult<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(*name, options)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}
