//! The report as a Word document (`.docx`), with the content and order of the Markdown
//! report ([`super::render::markdown`]).
//!
//! WordprocessingML is written directly into a zip: five small parts (`[Content_Types].xml`,
//! the package and document relationships, `docProps/core.xml`, `word/styles.xml`) and
//! `word/document.xml`. The styles are Word's built-in ones by name (`heading 1`–`3` with
//! outline levels, so that the navigation pane and a table of contents work, and `Quote`:
//! italic, indented, a bar on the left), which LibreOffice maps to its own. Tables carry the
//! display-rule colours of the HTML page: strengths on green, zones on red, shown changes in
//! green (up) or red (down). Every zip entry has the same fixed timestamp, so the bytes
//! depend on the report only.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::escape::escaped as escape;

use super::render::{
    NOT_DISCUSSED, cell_score, change, class_ru, colors, legend, level_heading, listed, meta_line,
    num, omitted_line, param_line, param_of, params_heading, unmentioned_line, wish_who,
    wishes_shown,
};
use super::{ReportModel, ReportParameter};

/// The width of the text on an A4 page with 2 cm margins, in twentieths of a point.
const TEXT_WIDTH: u32 = 11906 - 2 * 1134;

/// How a run of text looks beyond its paragraph style.
#[derive(Clone, Copy, Debug, Default)]
struct Look {
    bold: bool,
    color: Option<&'static str>,
}

impl Look {
    const BOLD: Look = Look {
        bold: true,
        color: None,
    };

    fn color(color: Option<&'static str>) -> Look {
        Look { bold: false, color }
    }
}

/// One table cell: a line of text, how it looks, its background, its alignment.
#[derive(Clone, Debug, Default)]
struct Cell {
    text: String,
    look: Look,
    fill: Option<&'static str>,
    right: bool,
}

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    /// A number: right-aligned.
    fn num(text: impl Into<String>) -> Cell {
        Cell {
            right: true,
            ..Cell::text(text)
        }
    }

    fn look(mut self, look: Look) -> Cell {
        self.look = look;
        self
    }

    fn fill(mut self, fill: Option<&'static str>) -> Cell {
        self.fill = fill;
        self
    }
}

/// `word/document.xml`'s body, written paragraph by paragraph.
#[derive(Default)]
struct Body {
    xml: String,
}

impl Body {
    fn run(&mut self, text: &str, look: Look) {
        self.xml.push_str("<w:r>");
        if look.bold || look.color.is_some() {
            self.xml.push_str("<w:rPr>");
            if look.bold {
                self.xml.push_str("<w:b/><w:bCs/>");
            }
            if let Some(c) = look.color {
                let _ = write!(self.xml, "<w:color w:val=\"{c}\"/>");
            }
            self.xml.push_str("</w:rPr>");
        }
        // Line breaks become <w:br/>; other control characters are not allowed in XML.
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.xml.push_str("<w:br/>");
            }
            let clean: String = line
                .chars()
                .filter(|c| *c == '\t' || !c.is_control())
                .collect();
            let _ = write!(
                self.xml,
                "<w:t xml:space=\"preserve\">{}</w:t>",
                escape(clean.as_str())
            );
        }
        self.xml.push_str("</w:r>");
    }

    fn para(&mut self, style: Option<&str>, runs: &[(&str, Look)]) {
        self.xml.push_str("<w:p>");
        if let Some(s) = style {
            let _ = write!(self.xml, "<w:pPr><w:pStyle w:val=\"{s}\"/></w:pPr>");
        }
        for (text, look) in runs {
            self.run(text, *look);
        }
        self.xml.push_str("</w:p>");
    }

    fn heading(&mut self, level: u8, text: &str) {
        self.para(Some(&format!("Heading{level}")), &[(text, Look::default())]);
    }

    /// A quote in the `Quote` style: «text» — attribution.
    fn quote(&mut self, text: &str, who: &str) {
        self.para(
            Some("Quote"),
            &[
                (&format!("«{text}»"), Look::default()),
                (&format!(" — {who}"), Look::color(Some(colors::MUTED))),
            ],
        );
    }

    /// A parameter's line: the name in bold, then the rest.
    fn param_line(&mut self, p: &ReportParameter, rest: &str, change_look: Look, tail: &str) {
        self.para(
            None,
            &[
                (&p.name, Look::BOLD),
                (rest, Look::default()),
                (tail, change_look),
            ],
        );
    }

    /// A table over the text width; `widths` are relative; the header row repeats on
    /// every page.
    fn table(&mut self, widths: &[u32], header: &[&str], rows: &[Vec<Cell>]) {
        let total: u32 = widths.iter().sum::<u32>().max(1);
        let cols: Vec<u32> = widths.iter().map(|w| w * TEXT_WIDTH / total).collect();
        self.xml.push_str(
            "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>\
             <w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"CCCCCC\"/>\
             <w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"CCCCCC\"/>\
             <w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"CCCCCC\"/>\
             <w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"CCCCCC\"/>\
             <w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"CCCCCC\"/>\
             <w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"CCCCCC\"/>\
             </w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar>\
             <w:left w:w=\"85\" w:type=\"dxa\"/><w:right w:w=\"85\" w:type=\"dxa\"/>\
             </w:tblCellMar><w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" \
             w:firstColumn=\"0\" w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/></w:tblPr><w:tblGrid>",
        );
        for w in &cols {
            let _ = write!(self.xml, "<w:gridCol w:w=\"{w}\"/>");
        }
        self.xml.push_str("</w:tblGrid>");
        let head: Vec<Cell> = header
            .iter()
            .map(|h| {
                Cell::text(*h)
                    .look(Look::BOLD)
                    .fill(Some(colors::HEADER_FILL))
            })
            .collect();
        self.row(&cols, &head, true);
        for r in rows {
            self.row(&cols, r, false);
        }
        // Word wants a paragraph between two tables and after the last one.
        self.xml.push_str("</w:tbl><w:p/>");
    }

    fn row(&mut self, cols: &[u32], cells: &[Cell], header: bool) {
        self.xml.push_str("<w:tr>");
        if header {
            self.xml
                .push_str("<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
        } else {
            self.xml.push_str("<w:trPr><w:cantSplit/></w:trPr>");
        }
        for (c, w) in cells.iter().zip(cols) {
            let _ = write!(
                self.xml,
                "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/>"
            );
            if let Some(f) = c.fill {
                let _ = write!(
                    self.xml,
                    "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{f}\"/>"
                );
            }
            self.xml
                .push_str("</w:tcPr><w:p><w:pPr><w:spacing w:after=\"0\"/>");
            if c.right {
                self.xml.push_str("<w:jc w:val=\"right\"/>");
            }
            self.xml.push_str("</w:pPr>");
            if !c.text.is_empty() {
                self.run(&c.text, c.look);
            }
            self.xml.push_str("</w:p></w:tc>");
        }
        self.xml.push_str("</w:tr>");
    }
}

/// A change cell: shown (and coloured) only when the display rules show it.
fn change_cell(c: Option<f32>, shown: bool) -> Cell {
    let text = c.filter(|_| shown).map_or(String::new(), change);
    Cell::num(text).look(Look::color(colors::change(c, shown)))
}

/// The body of the document, in the order of the Markdown report.
fn body(m: &ReportModel) -> String {
    let mut b = Body::default();
    b.heading(1, &m.title);
    b.para(None, &[(&meta_line(m), Look::default())]);

    b.heading(2, "Общая оценка");
    let rows: Vec<Vec<Cell>> = m
        .levels
        .iter()
        .map(|l| {
            vec![
                Cell::text(&l.name),
                Cell::num(num(l.score)),
                change_cell(
                    l.change,
                    l.change.is_some_and(|c| m.thresholds.change_shown(c)),
                ),
            ]
        })
        .collect();
    // Without ratings the verdict says so, with what there is instead.
    if m.ratings > 0 {
        b.table(&[6, 2, 2], &["Уровень", "Оценка", "Изменение"], &rows);
    }
    b.para(None, &[(&m.verdict, Look::default())]);
    if let Some(legend) = legend(m) {
        b.para(None, &[(&legend, Look::color(Some(colors::MUTED)))]);
    }

    for l in &m.levels {
        b.heading(2, &level_heading(l));
        if m.ratings == 0 {
            let rows: Vec<Vec<Cell>> = l
                .parameters
                .iter()
                .filter(|p| p.codings > 0)
                .map(|p| {
                    vec![
                        Cell::text(&p.name),
                        Cell::num(p.codings.to_string()),
                        Cell::num(p.praise.to_string()),
                        Cell::num(p.criticism.to_string()),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                b.table(
                    &[9, 3, 2, 2],
                    &["Параметр", "Упоминаний", "Похвала", "Критика"],
                    &rows,
                );
            } else {
                b.para(None, &[(NOT_DISCUSSED, Look::color(Some(colors::MUTED)))]);
            }
        }
        let rows: Vec<Vec<Cell>> = l
            .parameters
            .iter()
            .filter(|p| p.shown)
            .map(|p| {
                let fill = colors::fill(p.class);
                vec![
                    Cell::text(&p.name).fill(fill),
                    Cell::num(cell_score(p)).fill(fill),
                    change_cell(p.change, p.change_shown).fill(fill),
                    Cell::text(class_ru(p.class)).fill(fill),
                ]
            })
            .collect();
        if !rows.is_empty() {
            b.table(
                &[9, 2, 3, 3],
                &["Параметр", "Оценка", "Изменение", ""],
                &rows,
            );
        }
        if let Some(line) = omitted_line(m, l) {
            b.para(None, &[(&line, Look::color(Some(colors::MUTED)))]);
        }
        for (title, ids) in [
            ("Сильные стороны", &l.strengths),
            ("Зоны развития", &l.zones),
        ] {
            if ids.is_empty() {
                continue;
            }
            b.heading(3, title);
            for id in ids {
                let Some(p) = param_of(l, id) else { continue };
                b.param_line(p, &format!(" — {}", cell_score(p)), Look::default(), "");
                for q in p.quotes.iter().take(2) {
                    b.quote(&q.text, &q.attribution);
                }
            }
        }
    }

    b.heading(2, params_heading(m));
    for l in &m.levels {
        b.heading(3, &l.name);
        for p in l.parameters.iter().filter(|p| listed(p)) {
            let tail = if p.change_shown {
                format!(", изменение {}", p.change.map_or(String::new(), change))
            } else {
                String::new()
            };
            b.param_line(
                p,
                &format!(" — {}", param_line(p)),
                Look::color(colors::change(p.change, p.change_shown)),
                &tail,
            );
            for q in &p.quotes {
                b.quote(&q.text, &q.attribution);
            }
        }
        if let Some(line) = unmentioned_line(l) {
            b.para(None, &[(&line, Look::color(Some(colors::MUTED)))]);
        }
    }

    b.heading(2, "Идеи и пожелания клиента");
    if m.wishes_total > wishes_shown(m) {
        b.para(
            None,
            &[(
                &format!("Показаны {} из {}.", wishes_shown(m), m.wishes_total),
                Look::color(Some(colors::MUTED)),
            )],
        );
    }
    for g in &m.wishes {
        b.heading(3, &g.name);
        for w in &g.wishes {
            b.quote(&w.text, &wish_who(w));
        }
    }

    b.heading(2, "Рекомендации");
    for l in &m.levels {
        b.heading(3, &l.name);
        let n = l.keep.len().max(l.develop.len()).max(1);
        let rows: Vec<Vec<Cell>> = (0..n)
            .map(|i| {
                vec![
                    Cell::text(l.keep.get(i).map_or("", String::as_str)),
                    Cell::text(l.develop.get(i).map_or("", String::as_str)),
                ]
            })
            .collect();
        b.table(&[1, 1], &["Поддерживать", "Развивать"], &rows);
    }

    b.heading(2, "Приложение: покрытие");
    let rows: Vec<Vec<Cell>> = m
        .levels
        .iter()
        .flat_map(|l| &l.parameters)
        .map(|p| {
            vec![
                Cell::text(&p.name),
                Cell::num(p.codings.to_string()),
                Cell::num(p.n.to_string()),
                Cell::num(p.quotes.len().to_string()),
            ]
        })
        .collect();
    b.table(
        &[5, 2, 2, 2],
        &["Параметр", "Упоминаний", "Оценок", "Цитат"],
        &rows,
    );
    for f in &m.coverage_flags {
        b.para(None, &[(&format!("– {f}"), Look::default())]);
    }
    if !m.uncertain_ratings.is_empty() {
        b.para(
            None,
            &[(
                &format!("{}:", super::render::uncertain_title(m)),
                Look::default(),
            )],
        );
        for u in &m.uncertain_ratings {
            let name = super::render::param_name(m, &u.param);
            b.para(
                None,
                &[(
                    &format!("– {}", super::render::uncertain_line(u, name)),
                    Look::default(),
                )],
            );
        }
    }
    b.xml
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// Word's built-in styles by their built-in names; Russian text, Arial (present in Word and
/// LibreOffice installs alike, with Cyrillic).
fn styles() -> String {
    let heading = |level: u8, size: u8, before: u16| {
        format!(
            "<w:style w:type=\"paragraph\" w:styleId=\"Heading{level}\"><w:name w:val=\"heading {level}\"/>\
             <w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:qFormat/>\
             <w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before=\"{before}\" w:after=\"120\"/>\
             <w:outlineLvl w:val=\"{}\"/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val=\"{}\"/>\
             <w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr></w:style>",
            level - 1,
            colors::ACCENT
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\" \
         w:eastAsia=\"Arial\" w:cs=\"Arial\"/><w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/>\
         <w:lang w:val=\"ru-RU\" w:eastAsia=\"ru-RU\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>\
         <w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr>\
         </w:pPrDefault></w:docDefaults>\
         <w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>\
         {}{}{}\
         <w:style w:type=\"paragraph\" w:styleId=\"Quote\"><w:name w:val=\"Quote\"/>\
         <w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:uiPriority w:val=\"29\"/><w:qFormat/>\
         <w:pPr><w:keepLines/><w:pBdr><w:left w:val=\"single\" w:sz=\"18\" w:space=\"8\" w:color=\"{}\"/></w:pBdr>\
         <w:spacing w:before=\"60\" w:after=\"120\"/><w:ind w:left=\"567\" w:right=\"567\"/></w:pPr>\
         <w:rPr><w:i/><w:iCs/></w:rPr></w:style>\
         <w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>\
         <w:uiPriority w:val=\"99\"/><w:semiHidden/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/>\
         <w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>\
         <w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>\
         </w:styles>",
        heading(1, 36, 360),
        heading(2, 28, 360),
        heading(3, 24, 240),
        colors::ACCENT
    )
}

fn core(m: &ReportModel) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>citata</dc:creator>\
         <dc:language>ru-RU</dc:language></cp:coreProperties>",
        escape(m.title.as_str())
    )
}

/// `word/document.xml`: the body on A4 with 2 cm margins.
fn document_xml(m: &ReportModel) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{}\
         <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"1134\" \
         w:bottom=\"1134\" w:left=\"1134\" w:header=\"709\" w:footer=\"709\" w:gutter=\"0\"/></w:sectPr>\
         </w:body></w:document>",
        body(m)
    )
}

/// The report as a `.docx` file.
///
/// # Errors
/// Only if the zip writer fails on memory, which it does not.
///
/// # Examples
/// See `citata report PATH --out report.docx`; the tests in `tests/cli.rs` (`mod office`)
/// open the result and read its XML.
pub fn docx(m: &ReportModel) -> std::io::Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let parts: [(&str, &str); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("docProps/core.xml", &core(m)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/styles.xml", &styles()),
        ("word/document.xml", &document_xml(m)),
    ];
    for (name, text) in parts {
        zip.start_file(name, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_escape_text_and_break_lines() {
        let mut b = Body::default();
        b.run("«А & Б» <x>\nвторая\u{1}", Look::BOLD);
        assert_eq!(
            b.xml,
            "<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space=\"preserve\">«А &amp; Б» &lt;x&gt;</w:t>\
             <w:br/><w:t xml:space=\"preserve\">вторая</w:t></w:r>"
        );
    }

    #[test]
    fn quote_paragraphs_use_the_quote_style() {
        let mut b = Body::default();
        b.quote("поставки вовремя", "Закупки");
        assert!(
            b.xml
                .starts_with("<w:p><w:pPr><w:pStyle w:val=\"Quote\"/></w:pPr>")
        );
        assert!(b.xml.contains("«поставки вовремя»"));
        assert!(b.xml.contains(" — Закупки"));
    }

    #[test]
    fn change_cells_follow_the_display_rules() {
        assert_eq!(change_cell(Some(1.2), true).look.color, Some(colors::UP));
        assert_eq!(change_cell(Some(-1.0), true).look.color, Some(colors::DOWN));
        let hidden = change_cell(Some(0.4), false);
        assert_eq!((hidden.text.as_str(), hidden.look.color), ("", None));
        assert_eq!(change_cell(Some(1.2), true).text, "+1,2");
    }
}
