//! Word documents (.docx): paragraphs, or a speaker | text table.
//!
//! Only `word/document.xml` is read. Its body is walked in order into paragraphs and tables.
//! When a table looks like a transcript (most rows are `speaker | text` or
//! `time | speaker | text`, and speakers repeat), its rows become turns; otherwise the
//! paragraphs (and the cells of any tables, one per line) become labeled text.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesRef, Event};
use quick_xml::reader::Reader;

use super::subtitles::parse_clock;
use super::{Body, Draft, IngestConfig, RawTurn};

const DOCUMENT: &str = "word/document.xml";

/// Words of a table header row (`Спикер | Текст`), lowercase.
const HEADER_WORDS: &[&str] = &[
    "спикер",
    "говорящий",
    "участник",
    "роль",
    "имя",
    "кто",
    "реплика",
    "текст",
    "расшифровка",
    "время",
    "таймкод",
    "тайм-код",
    "тайминг",
    "speaker",
    "name",
    "role",
    "text",
    "transcript",
    "time",
    "timecode",
    "timestamp",
    "№",
    "#",
];

/// A top-level item of the document body.
#[derive(Debug, PartialEq)]
enum Block {
    /// A paragraph's text (tabs and line breaks kept).
    Para(String),
    /// A table: rows of cells, each cell's paragraphs joined with `\n`.
    Table(Vec<Vec<String>>),
}

/// Reads a .docx: a transcript table becomes turns, anything else labeled text.
///
/// `word/document.xml` is streamed: memory is bounded by the text it yields (capped at
/// [`IngestConfig::max_file_bytes`], `--max-file-mb`), not by the size of the XML.
///
/// # Errors
/// When the bytes are not a zip archive, the archive has no `word/document.xml`, that
/// part inflates beyond [`IngestConfig::max_docx_xml_bytes`] (probable zip bomb), it is not
/// well-formed XML, or its text is larger than [`IngestConfig::max_file_bytes`].
pub fn read(bytes: &[u8], config: &IngestConfig) -> Result<Draft, super::ReadError> {
    let blocks = read_body(bytes, config).map_err(super::ReadError::Docx)?;
    let mut draft = Draft {
        encoding: "UTF-8 (docx)".into(),
        ..Draft::default()
    };
    draft.body = match table_turns(&blocks) {
        Some((turns, ignored)) => {
            if ignored > 0 {
                draft.warnings.push(format!(
                    "{ignored} paragraph(s) or table(s) outside the speaker table were ignored"
                ));
            }
            Body::Turns(turns)
        }
        None => Body::Labeled(plain_text(&blocks)),
    };
    Ok(draft)
}

/// True when the document's core properties name citata as its creator (`docProps/core.xml`
/// of every Word report citata writes); the part is read up to 64 KiB.
pub fn by_citata(bytes: &[u8]) -> bool {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    let Ok(part) = zip.by_name("docProps/core.xml") else {
        return false;
    };
    let mut xml = String::new();
    if part.take(64 * 1024).read_to_string(&mut xml).is_err() {
        return false;
    }
    xml.contains("<dc:creator>citata</dc:creator>")
}

/// What a paragraph, row, cell or table costs in memory beside its text, counted against
/// the text cap (a million empty paragraphs are not free).
const BLOCK_COST: usize = 32;

/// Stops the inflation of `word/document.xml` past the cap (a lying size header).
#[derive(Debug)]
struct TooBig;

impl std::fmt::Display for TooBig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inflates beyond the cap")
    }
}

impl std::error::Error for TooBig {}

/// A reader that fails with [`TooBig`] after `left` bytes.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(TooBig));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Streams the body of `word/document.xml` into paragraphs and tables, in order.
fn read_body(bytes: &[u8], config: &IngestConfig) -> Result<Vec<Block>, String> {
    let limit = config.max_docx_xml_bytes;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        "not a valid .docx (not a zip archive); if it is an old .doc, save it as .docx".to_string()
    })?;
    let name = zip
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.eq_ignore_ascii_case(DOCUMENT))
        .map(|n| n.into_owned())
        .ok_or_else(|| {
            format!(
                "no {DOCUMENT} in the archive, so it is not a Word document; \
                 open it in Word or LibreOffice and save it as .docx"
            )
        })?;
    let damaged = |e: &dyn std::fmt::Display| {
        format!("cannot inflate {DOCUMENT}: {e}; the file is damaged, re-save it from Word")
    };
    let file = zip.by_name(&name).map_err(|e| damaged(&e))?;
    let bomb = || format!("{DOCUMENT} inflates beyond {limit} bytes; probable zip bomb");
    if file.size() > limit {
        return Err(bomb());
    }
    let budget = usize::try_from(config.max_file_bytes).unwrap_or(usize::MAX);
    let mut reader = Reader::from_reader(std::io::BufReader::with_capacity(
        64 << 10,
        Capped {
            inner: file,
            left: limit,
        },
    ));
    reader.config_mut().expand_empty_elements = true;
    let mut walker = Walker::default();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => walker.start(e.local_name().into_inner()),
            Ok(Event::End(e)) => walker.end(e.local_name().into_inner()),
            Ok(Event::Text(t)) => walker.text(&t.xml10_content()),
            Ok(Event::CData(t)) => walker.text(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => walker.text(&entity(&r)),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(quick_xml::Error::Io(e)) => {
                if e.get_ref().is_some_and(|i| i.is::<TooBig>()) {
                    return Err(bomb());
                }
                return Err(damaged(&e));
            }
            Err(quick_xml::Error::Encoding(_)) => {
                return Err(format!(
                    "{DOCUMENT} is not UTF-8 (invalid byte near {}); re-save the document from Word",
                    reader.buffer_position()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "{DOCUMENT} is not well-formed XML (at byte {}: {e}); \
                     open and re-save the document in Word",
                    reader.error_position()
                ));
            }
        }
        if walker.used > budget {
            return Err(format!(
                "the text of {DOCUMENT} is larger than {} MiB (--max-file-mb); split the document, or raise --max-file-mb if it really is a transcript",
                budget >> 20
            ));
        }
        buf.clear();
    }
    Ok(walker.blocks)
}

/// The text of an entity or character reference (the five predefined entities and
/// character references; anything else is dropped).
pub(crate) fn entity(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match &**r {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => "",
    }
    .to_string()
}

/// State of the walk over WordprocessingML elements (by local name).
#[derive(Default)]
struct Walker {
    blocks: Vec<Block>,
    /// Open tables, innermost last.
    tables: Vec<Vec<Vec<String>>>,
    /// The text of the open paragraph.
    para: String,
    para_depth: usize,
    run_depth: usize,
    in_text: bool,
    /// Depth inside content that duplicates or removes text (`mc:Fallback`, moves, deletions).
    skip_depth: usize,
    /// Bytes of text kept so far, and [`BLOCK_COST`] per paragraph, row, cell and table.
    used: usize,
}

impl Walker {
    fn start(&mut self, name: &str) {
        if matches!(name, "Fallback" | "moveFrom" | "del") || self.skip_depth > 0 {
            self.skip_depth += usize::from(matches!(name, "Fallback" | "moveFrom" | "del"));
            return;
        }
        if matches!(name, "tbl" | "tr" | "tc" | "p") {
            self.used = self.used.saturating_add(BLOCK_COST);
        }
        match name {
            "tbl" => self.tables.push(Vec::new()),
            "tr" => {
                if let Some(table) = self.tables.last_mut() {
                    table.push(Vec::new());
                }
            }
            "tc" => {
                if let Some(row) = self.tables.last_mut().and_then(|t| t.last_mut()) {
                    row.push(String::new());
                }
            }
            "p" => {
                if self.para_depth == 0 {
                    self.para.clear();
                }
                self.para_depth += 1;
            }
            "r" => self.run_depth += 1,
            "t" => self.in_text = true,
            "tab" if self.run_depth > 0 => {
                self.para.push('\t');
                self.used = self.used.saturating_add(1);
            }
            "br" | "cr" if self.run_depth > 0 => {
                self.para.push('\n');
                self.used = self.used.saturating_add(1);
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        if self.skip_depth > 0 {
            self.skip_depth -= usize::from(matches!(name, "Fallback" | "moveFrom" | "del"));
            return;
        }
        match name {
            "tbl" => {
                if let Some(table) = self.tables.pop() {
                    self.finish_table(table);
                }
            }
            "p" => {
                self.para_depth = self.para_depth.saturating_sub(1);
                if self.para_depth == 0 {
                    let para = std::mem::take(&mut self.para);
                    self.finish_paragraph(para);
                }
            }
            "r" => self.run_depth = self.run_depth.saturating_sub(1),
            "t" => self.in_text = false,
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.in_text && self.skip_depth == 0 {
            self.para.push_str(text);
            self.used = self.used.saturating_add(text.len());
        }
    }

    /// A paragraph goes into the open table cell, or to the body.
    fn finish_paragraph(&mut self, para: String) {
        if self.tables.is_empty() {
            self.blocks.push(Block::Para(para));
        } else if let Some(cell) = self
            .tables
            .last_mut()
            .and_then(|t| t.last_mut())
            .and_then(|r| r.last_mut())
        {
            if !cell.is_empty() {
                cell.push('\n');
            }
            cell.push_str(&para);
        }
    }

    /// A nested table becomes lines of the enclosing cell.
    fn finish_table(&mut self, table: Vec<Vec<String>>) {
        if self.tables.is_empty() {
            self.blocks.push(Block::Table(table));
        } else {
            let lines: Vec<&str> = table
                .iter()
                .flatten()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect();
            self.finish_paragraph(lines.join("\n"));
        }
    }
}

/// How one table row reads.
#[derive(Debug, PartialEq)]
enum Row {
    /// A speaker's turn.
    Turn(RawTurn),
    /// Only the last cell is filled: more text of the speaker before.
    More(String),
    /// `Спикер | Текст` and the like.
    Header,
    /// Nothing in it.
    Empty,
    /// Anything else.
    Other,
}

/// Reads a row from its cells: `speaker | text`, `time | speaker | text` or
/// `speaker | time | text` (empty cells left out).
fn classify(cells: &[String], first: bool) -> Row {
    let filled: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    let turn = |speaker: &str, time: Option<&str>, text: &str| {
        Row::Turn(RawTurn {
            speaker: Some(clean_label(speaker)),
            text: text.to_string(),
            start: time.and_then(clock),
            end: None,
            new_turn: false,
        })
    };
    match filled[..] {
        [] => Row::Empty,
        _ if first && filled.iter().all(|c| is_header_word(c)) => Row::Header,
        [text] if cells.last().is_some_and(|c| c.trim() == text) && cells.len() > 1 => {
            Row::More(text.to_string())
        }
        [speaker, text] if is_label(speaker) => turn(speaker, None, text),
        [time, speaker, text] if clock(time).is_some() && is_label(speaker) => {
            turn(speaker, Some(time), text)
        }
        [speaker, time, text] if clock(time).is_some() && is_label(speaker) => {
            turn(speaker, Some(time), text)
        }
        _ => Row::Other,
    }
}

fn is_header_word(cell: &str) -> bool {
    let word = cell.trim_end_matches(':').trim().to_lowercase();
    HEADER_WORDS.contains(&word.as_str())
}

/// Seconds of a time cell such as `00:01:02` or `[01:02]`.
fn clock(cell: &str) -> Option<f64> {
    parse_clock(
        cell.trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')') || c.is_whitespace()),
    )
}

/// A short speaker label: at most 40 characters and 4 words, not a time, not a sentence.
fn is_label(cell: &str) -> bool {
    let label = clean_label(cell);
    !label.is_empty()
        && label.chars().count() <= 40
        && label.split_whitespace().count() <= 4
        && !label.contains(['?', '!', '\n'])
        && clock(&label).is_none()
}

fn clean_label(cell: &str) -> String {
    cell.trim().trim_end_matches(':').trim().to_string()
}

/// Turns from the document's transcript tables, with the number of other non-empty
/// paragraphs and tables left out; `None` when no table is a transcript.
fn table_turns(blocks: &[Block]) -> Option<(Vec<RawTurn>, usize)> {
    let mut turns = Vec::new();
    let mut ignored = 0;
    let mut seen_table = false;
    for block in blocks {
        match block {
            Block::Table(rows) => match transcript_rows(rows) {
                Some(rows) => {
                    seen_table = true;
                    turns.extend(rows);
                }
                None => ignored += 1,
            },
            // `key: value` lines above the table are a header, not content left out.
            Block::Para(p) if !p.trim().is_empty() && (seen_table || !p.contains(':')) => {
                ignored += 1;
            }
            Block::Para(_) => {}
        }
    }
    seen_table.then_some((turns, ignored))
}

/// The turns of a table, when most of its rows are speaker turns and speakers repeat.
fn transcript_rows(rows: &[Vec<String>]) -> Option<Vec<RawTurn>> {
    let mut turns: Vec<RawTurn> = Vec::new();
    let (mut counted, mut fitting) = (0, 0);
    let mut first = true;
    for cells in rows {
        let row = classify(cells, first);
        if row != Row::Empty {
            first = false;
        }
        match row {
            Row::Empty | Row::Header => continue,
            Row::Turn(turn) => turns.push(turn),
            Row::More(text) => match turns.last_mut() {
                Some(last) => {
                    last.text.push('\n');
                    last.text.push_str(&text);
                }
                None => continue,
            },
            Row::Other => {
                counted += 1;
                continue;
            }
        }
        counted += 1;
        fitting += 1;
    }
    let speakers: BTreeSet<&str> = turns.iter().filter_map(|t| t.speaker.as_deref()).collect();
    let is_transcript = turns.len() >= 2 && speakers.len() < turns.len() && fitting * 2 > counted;
    is_transcript.then_some(turns)
}

/// Paragraphs one per line; table cells one per line too.
fn plain_text(blocks: &[Block]) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for block in blocks {
        match block {
            Block::Para(p) => lines.push(p),
            Block::Table(rows) => lines.extend(
                rows.iter()
                    .flatten()
                    .map(|c| c.trim())
                    .filter(|c| !c.is_empty()),
            ),
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    /// A .docx in memory with the given parts.
    fn zip_with(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in parts {
            zip.start_file(*name, SimpleFileOptions::default()).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn docx(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
        );
        zip_with(&[
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", &xml),
        ])
    }

    fn p(text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="708"/></w:tabs></w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#
        )
    }

    fn table(rows: &[&[&str]]) -> String {
        let rows: String = rows
            .iter()
            .map(|cells| {
                let cells: String = cells
                    .iter()
                    .map(|c| format!("<w:tc>{}</w:tc>", p(c)))
                    .collect();
                format!("<w:tr>{cells}</w:tr>")
            })
            .collect();
        format!("<w:tbl><w:tblPr/><w:tblGrid/>{rows}</w:tbl>")
    }

    fn read_default(bytes: &[u8]) -> Result<Draft, String> {
        read(bytes, &IngestConfig::default()).map_err(|e| e.to_string())
    }

    fn turns(draft: &Draft) -> Vec<(Option<&str>, &str, Option<f64>)> {
        match &draft.body {
            Body::Turns(t) => t
                .iter()
                .map(|t| (t.speaker.as_deref(), t.text.as_str(), t.start))
                .collect(),
            Body::Labeled(text) => panic!("expected turns, got labeled text {text:?}"),
        }
    }

    fn labeled(draft: &Draft) -> &str {
        match &draft.body {
            Body::Labeled(text) => text,
            Body::Turns(t) => panic!("expected labeled text, got {t:?}"),
        }
    }

    #[test]
    fn paragraphs_become_labeled_text() {
        let body = format!(
            "{}{}{}<w:p/>{}",
            p("Интервьюер: Расскажите, как &quot;у вас&quot; устроена приёмка?"),
            r#"<w:p><w:r><w:t>Респондент: Ну, смотрите.</w:t><w:tab/><w:t>Сначала</w:t></w:r><w:r><w:br/><w:t xml:space="preserve"> склад, </w:t></w:r><w:del><w:r><w:delText>удалено</w:delText></w:r></w:del><w:r><w:fldChar w:fldCharType="begin"/><w:instrText> PAGE </w:instrText></w:r><w:r><w:t>потом мы.</w:t></w:r></w:p>"#,
            p("Интервьюер: А сроки?"),
            p("Респондент: Сроки &amp; деньги — вечная боль."),
        );
        let draft = read_default(&docx(&body)).unwrap();
        assert_eq!(draft.encoding, "UTF-8 (docx)");
        assert_eq!(
            labeled(&draft),
            "Интервьюер: Расскажите, как \"у вас\" устроена приёмка?\n\
             Респондент: Ну, смотрите.\tСначала\n склад, потом мы.\n\
             Интервьюер: А сроки?\n\n\
             Респондент: Сроки & деньги — вечная боль."
        );
        assert!(draft.warnings.is_empty());
    }

    #[test]
    fn two_column_table_with_header_row_becomes_turns() {
        let body = format!(
            "{}{}{}",
            p("Дата: 12.03.2024"),
            table(&[
                &["Спикер", "Текст"],
                &["Интервьюер", "Как вам работа с подрядчиками?"],
                &["Респондент", "Ну, по-разному бывает."],
                &["", "Кто-то срывает сроки, кто-то нет."],
                &["Интервьюер:", "А почему?"],
            ]),
            p("Конец записи")
        );
        let draft = read_default(&docx(&body)).unwrap();
        assert_eq!(
            turns(&draft),
            [
                (Some("Интервьюер"), "Как вам работа с подрядчиками?", None),
                (
                    Some("Респондент"),
                    "Ну, по-разному бывает.\nКто-то срывает сроки, кто-то нет.",
                    None
                ),
                (Some("Интервьюер"), "А почему?", None),
            ]
        );
        assert_eq!(
            draft.warnings,
            ["1 paragraph(s) or table(s) outside the speaker table were ignored"]
        );
    }

    #[test]
    fn three_column_table_with_times() {
        let body = table(&[
            &["Время", "Speaker", "Text"],
            &["00:00:05", "Спикер 1", "Добрый день, начнём?"],
            &["00:01:02", "Спикер 2", "Да, давайте."],
            &["[00:01:10]", "Спикер 1", "Сколько вы уже в компании?"],
            &["01:15", "Спикер 2", "Лет пять, наверное."],
        ]);
        let draft = read_default(&docx(&body)).unwrap();
        assert_eq!(
            turns(&draft),
            [
                (Some("Спикер 1"), "Добрый день, начнём?", Some(5.0)),
                (Some("Спикер 2"), "Да, давайте.", Some(62.0)),
                (Some("Спикер 1"), "Сколько вы уже в компании?", Some(70.0)),
                (Some("Спикер 2"), "Лет пять, наверное.", Some(75.0)),
            ]
        );
    }

    #[test]
    fn metadata_table_is_not_a_transcript() {
        let body = format!(
            "{}{}",
            table(&[
                &["Респондент", "Иван, 45 лет"],
                &["Город", "Тверь"],
                &["Интервьюер", "Мария"],
            ]),
            p("Интервьюер: Начнём?")
        );
        let draft = read_default(&docx(&body)).unwrap();
        assert_eq!(
            labeled(&draft),
            "Респондент\nИван, 45 лет\nГород\nТверь\nИнтервьюер\nМария\nИнтервьюер: Начнём?"
        );
    }

    #[test]
    fn nested_table_does_not_crash() {
        let inner = table(&[&["вложенная", "таблица"]]);
        let body = format!(
            "<w:tbl><w:tr><w:tc>{}{inner}{}</w:tc></w:tr></w:tbl>",
            p("снаружи"),
            p("")
        );
        let draft = read_default(&docx(&body)).unwrap();
        assert_eq!(labeled(&draft), "снаружи\nвложенная\nтаблица");
    }

    #[test]
    fn document_xml_name_is_case_insensitive() {
        let xml = format!(
            r#"<w:document xmlns:w="x"><w:body>{}</w:body></w:document>"#,
            p("Респондент: да")
        );
        let bytes = zip_with(&[("Word/Document.XML", &xml)]);
        assert_eq!(labeled(&read_default(&bytes).unwrap()), "Респондент: да");
    }

    #[test]
    fn not_a_zip_is_refused() {
        let err = read_default(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old word file")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "not a valid .docx (not a zip archive); if it is an old .doc, save it as .docx"
        );
    }

    #[test]
    fn zip_without_document_xml_is_refused() {
        let bytes = zip_with(&[("content.xml", "<office:document/>")]);
        let err = read_default(&bytes).unwrap_err().to_string();
        assert!(
            err.starts_with("no word/document.xml in the archive"),
            "{err}"
        );
    }

    #[test]
    fn malformed_xml_is_refused() {
        let bytes = zip_with(&[("word/document.xml", "<w:document><w:body><w:p></w:body>")]);
        let err = read_default(&bytes).unwrap_err().to_string();
        assert!(
            err.starts_with("word/document.xml is not well-formed XML"),
            "{err}"
        );
    }

    fn bomb_xml() -> String {
        let para = p("ааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааа");
        format!(
            "<w:document><w:body>{}</w:body></w:document>",
            para.repeat((2 << 20) / para.len())
        )
    }

    #[test]
    fn zip_bomb_is_refused_by_declared_size() {
        let xml = bomb_xml();
        assert!(xml.len() > 2_000_000);
        let bytes = zip_with(&[("word/document.xml", &xml)]);
        assert!(bytes.len() < 100_000, "repetitive XML compresses well");
        let config = IngestConfig {
            max_docx_xml_bytes: 1 << 20,
            ..IngestConfig::default()
        };
        let err = read(&bytes, &config).unwrap_err().to_string();
        assert_eq!(
            err,
            "word/document.xml inflates beyond 1048576 bytes; probable zip bomb"
        );
        assert!(read_default(&bytes).is_ok());
    }

    #[test]
    fn zip_bomb_with_a_lying_size_header_is_refused() {
        let xml = bomb_xml();
        let mut bytes = zip_with(&[("word/document.xml", &xml)]);
        // Declare 1000 bytes in both the local and the central header.
        let real = u32::try_from(xml.len()).unwrap().to_le_bytes();
        let mut patched = 0;
        for i in 0..bytes.len() - 4 {
            if bytes[i..i + 4] == real {
                bytes[i..i + 4].copy_from_slice(&1000u32.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2);
        let config = IngestConfig {
            max_docx_xml_bytes: 1 << 20,
            ..IngestConfig::default()
        };
        let err = read(&bytes, &config).unwrap_err().to_string();
        assert!(
            err.starts_with("cannot inflate word/document.xml") || err.contains("zip bomb"),
            "{err}"
        );
    }

    // See: issue #18
    #[test]
    fn the_text_yielded_is_capped_by_max_file_bytes_not_the_xml() {
        let small = IngestConfig {
            max_file_bytes: 64 << 10,
            ..IngestConfig::default()
        };
        let cap = "the text of word/document.xml is larger than 0 MiB (--max-file-mb)";
        // 200 KB of text in a few KB of zip.
        let text = docx(&p(&"оплата задерживается ".repeat(5000)));
        assert!(text.len() < 20_000);
        let err = read(&text, &small).unwrap_err().to_string();
        assert!(err.starts_with(cap), "{err}");
        assert!(read_default(&text).is_ok());
        // No text, but 100,000 empty paragraphs: they cost memory too.
        let empty = docx(&"<w:p/>".repeat(100_000));
        let err = read(&empty, &small).unwrap_err().to_string();
        assert!(err.starts_with(cap), "{err}");
        assert!(read_default(&empty).is_ok());
        // Under the cap, the same document reads as before.
        let ok = docx(&format!(
            "{}{}",
            p("Интервьюер: Как с оплатой?"),
            p("Респондент: Задерживают.")
        ));
        assert_eq!(
            labeled(&read(&ok, &small).unwrap()),
            labeled(&read_default(&ok).unwrap())
        );
    }
}
