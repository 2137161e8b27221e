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
use super::{ReportLevel, ReportModel, ReportParameter};

/// Tables of at most this many rows are kept on one page.
const KEEP_WHOLE_ROWS: usize = 15;

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

/// `word/document.xml`'s body, written paragraph by paragraph, and the chart parts it
/// refers to (`word/charts/chartN.xml`, in order).
#[derive(Default)]
struct Body {
    xml: String,
    charts: Vec<String>,
    /// The level-2 headings written, for the table of contents.
    sections: Vec<String>,
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
        self.para_kept(style, false, runs);
    }

    /// A paragraph; `keep_next` keeps it on the page of the next one (a line that introduces
    /// quotes is never alone at a page's bottom).
    fn para_kept(&mut self, style: Option<&str>, keep_next: bool, runs: &[(&str, Look)]) {
        self.xml.push_str("<w:p>");
        if style.is_some() || keep_next {
            self.xml.push_str("<w:pPr>");
            if let Some(s) = style {
                let _ = write!(self.xml, "<w:pStyle w:val=\"{s}\"/>");
            }
            if keep_next {
                self.xml.push_str("<w:keepNext/>");
            }
            self.xml.push_str("</w:pPr>");
        }
        for (text, look) in runs {
            self.run(text, *look);
        }
        self.xml.push_str("</w:p>");
    }

    fn heading(&mut self, level: u8, text: &str) {
        if level == 2 {
            self.sections.push(text.to_string());
        }
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

    /// A parameter's line: the name in bold, then the rest; kept with its first quote.
    fn param_line(&mut self, p: &ReportParameter, rest: &str, change_look: Look, tail: &str) {
        self.para_kept(
            None,
            true,
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
        // A short table stays on one page (each row kept with the next); a long one at
        // least keeps its header with its first row.
        let whole = rows.len() <= KEEP_WHOLE_ROWS;
        self.row(&cols, &head, true, true);
        for (i, r) in rows.iter().enumerate() {
            self.row(&cols, r, false, whole && i + 1 < rows.len());
        }
        // Word wants a paragraph between two tables and after the last one.
        self.xml.push_str("</w:tbl><w:p/>");
    }

    fn row(&mut self, cols: &[u32], cells: &[Cell], header: bool, keep_next: bool) {
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
            self.xml.push_str("</w:tcPr><w:p><w:pPr>");
            if keep_next {
                self.xml.push_str("<w:keepNext/>");
            }
            self.xml.push_str("<w:spacing w:after=\"0\"/>");
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

/// The headings the table of contents lists: level 2, the report's sections (kept in step
/// with [`Body::heading`]'s `sections`).
const TOC_LEVELS: &str = "2-2";

/// EMU (the unit of DrawingML) per twentieth of a point.
const EMU_PER_TWIP: u64 = 635;

impl Body {
    /// The table of contents, put at `at` in the body once the body is written: a `TOC`
    /// field over the level-2 headings. Word fills in the page numbers when it opens the
    /// file (`w:updateFields` in the settings); until then the field shows the headings.
    fn toc(&mut self, at: usize) {
        let mut toc = Body::default();
        toc.para(Some("TOCHeading"), &[("Содержание", Look::default())]);
        for (i, entry) in self.sections.iter().enumerate() {
            toc.xml
                .push_str("<w:p><w:pPr><w:pStyle w:val=\"TOC2\"/></w:pPr>");
            if i == 0 {
                let _ = write!(
                    toc.xml,
                    "<w:r><w:fldChar w:fldCharType=\"begin\" w:dirty=\"true\"/></w:r>\
                     <w:r><w:instrText xml:space=\"preserve\"> TOC \\o \"{TOC_LEVELS}\" \\h \\z \\u </w:instrText></w:r>\
                     <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
                );
            }
            toc.run(entry, Look::default());
            if i + 1 == self.sections.len() {
                toc.xml
                    .push_str("<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>");
            }
            toc.xml.push_str("</w:p>");
        }
        self.xml.insert_str(at, &toc.xml);
    }

    /// A level's parameter scores as a bar chart (a DrawingML chart part, which Word and
    /// LibreOffice draw and the reader can edit): this wave's bars coloured as the HTML
    /// chart's, the previous wave's in grey beside them. Nothing when no parameter is rated.
    fn chart(&mut self, l: &ReportLevel, wave: &str, previous_wave: Option<&str>) {
        // The parameters of the level's table, no more: the chart and the table agree.
        let rated: Vec<&ReportParameter> = l
            .parameters
            .iter()
            .filter(|p| p.score.is_some() && p.shown)
            .collect();
        if rated.is_empty() {
            return;
        }
        let n = self.charts.len() + 1;
        let with_previous = rated.iter().any(|p| p.previous.is_some());
        self.charts.push(chart_xml(
            &rated,
            wave,
            previous_wave.filter(|_| with_previous),
        ));
        let cx = u64::from(TEXT_WIDTH) * EMU_PER_TWIP;
        // A bar (or a pair) per parameter, a third of an inch each, plus axis and legend.
        let per_row: u64 = if with_previous { 320_000 } else { 240_000 };
        let cy = 700_000 + rated.len() as u64 * per_row;
        let _ = write!(
            self.xml,
            "<w:p><w:pPr><w:keepNext/><w:spacing w:after=\"0\"/></w:pPr><w:r><w:drawing>\
             <wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"{cx}\" cy=\"{cy}\"/>\
             <wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/>\
             <wp:docPr id=\"{n}\" name=\"Диаграмма {n}\" descr=\"{}\"/><wp:cNvGraphicFramePr/>\
             <a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/chart\">\
             <c:chart r:id=\"rIdChart{n}\"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>",
            escape(format!("{}: оценки параметров", l.name).as_str())
        );
        let legend = if with_previous {
            "Полоса — оценка этой волны (зелёная — сильная сторона, красная — зона развития); серая — прошлая волна."
        } else {
            "Полоса — оценка этой волны (зелёная — сильная сторона, красная — зона развития)."
        };
        self.para_kept(None, true, &[(legend, Look::color(Some(colors::MUTED)))]);
    }
}

/// A number as the chart's data (a point for the decimal, the report's rounding).
fn chart_value(v: Option<f32>) -> String {
    num(v).replace(',', ".")
}

/// One series of a chart: its name, the categories (the parameters) and values, the colour
/// of each bar.
fn series(
    xml: &mut String,
    i: usize,
    name: &str,
    rated: &[&ReportParameter],
    values: &[Option<f32>],
    fill: &str,
    fills: &[&str],
) {
    let column = char::from(b'B' + i as u8);
    let n = rated.len();
    let _ = write!(
        xml,
        "<c:ser><c:idx val=\"{i}\"/><c:order val=\"{i}\"/><c:tx><c:strRef><c:f>Sheet1!${column}$1</c:f>\
         <c:strCache><c:ptCount val=\"1\"/><c:pt idx=\"0\"><c:v>{}</c:v></c:pt></c:strCache></c:strRef></c:tx>\
         <c:spPr><a:solidFill><a:srgbClr val=\"{fill}\"/></a:solidFill></c:spPr><c:invertIfNegative val=\"0\"/>",
        escape(name),
    );
    for (k, point) in fills.iter().enumerate() {
        if *point != fill {
            let _ = write!(
                xml,
                "<c:dPt><c:idx val=\"{k}\"/><c:invertIfNegative val=\"0\"/><c:bubble3D val=\"0\"/>\
                 <c:spPr><a:solidFill><a:srgbClr val=\"{point}\"/></a:solidFill></c:spPr></c:dPt>"
            );
        }
    }
    let _ = write!(
        xml,
        "<c:dLbls><c:numFmt formatCode=\"[$-419]0.0\" sourceLinked=\"0\"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>\
         <c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"800\"/></a:pPr><a:endParaRPr lang=\"ru-RU\"/></a:p></c:txPr>\
         <c:dLblPos val=\"outEnd\"/><c:showLegendKey val=\"0\"/><c:showVal val=\"1\"/><c:showCatName val=\"0\"/>\
         <c:showSerName val=\"0\"/><c:showPercent val=\"0\"/><c:showBubbleSize val=\"0\"/></c:dLbls>\
         <c:cat><c:strRef><c:f>Sheet1!$A$2:$A${}</c:f><c:strCache><c:ptCount val=\"{n}\"/>",
        n + 1
    );
    for (k, p) in rated.iter().enumerate() {
        let _ = write!(
            xml,
            "<c:pt idx=\"{k}\"><c:v>{}</c:v></c:pt>",
            escape(p.name.as_str())
        );
    }
    let _ = write!(
        xml,
        "</c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>Sheet1!${column}$2:${column}${}</c:f>\
         <c:numCache><c:formatCode>0.0</c:formatCode><c:ptCount val=\"{n}\"/>",
        n + 1
    );
    for (k, v) in values.iter().enumerate() {
        if v.is_some() {
            let _ = write!(
                xml,
                "<c:pt idx=\"{k}\"><c:v>{}</c:v></c:pt>",
                chart_value(*v)
            );
        }
    }
    xml.push_str("</c:numCache></c:numRef></c:val></c:ser>");
}

/// `word/charts/chartN.xml`: a horizontal bar chart of the rated parameters on a 0–10
/// axis, in the report's order from the top; the previous wave as a second, grey series.
fn chart_xml(rated: &[&ReportParameter], wave: &str, previous_wave: Option<&str>) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
         <c:lang val=\"ru-RU\"/><c:roundedCorners val=\"0\"/><c:chart><c:autoTitleDeleted val=\"1\"/>\
         <c:plotArea><c:layout/><c:barChart><c:barDir val=\"bar\"/><c:grouping val=\"clustered\"/>\
         <c:varyColors val=\"0\"/>",
    );
    let fills: Vec<&str> = rated
        .iter()
        .map(|p| match p.class {
            "strength" => colors::UP,
            "zone" => colors::DOWN,
            _ => colors::ACCENT,
        })
        .collect();
    let scores: Vec<Option<f32>> = rated.iter().map(|p| p.score).collect();
    let this = if wave.is_empty() {
        "Эта волна".to_string()
    } else {
        format!("Волна {wave}")
    };
    series(&mut xml, 0, &this, rated, &scores, colors::ACCENT, &fills);
    if let Some(wave) = previous_wave {
        let previous: Vec<Option<f32>> = rated.iter().map(|p| p.previous).collect();
        let grey = vec![PREVIOUS_FILL; rated.len()];
        let name = format!("Волна {wave}");
        series(&mut xml, 1, &name, rated, &previous, PREVIOUS_FILL, &grey);
    }
    xml.push_str(
        "<c:gapWidth val=\"50\"/><c:axId val=\"1001\"/><c:axId val=\"1002\"/></c:barChart>\
         <c:catAx><c:axId val=\"1001\"/><c:scaling><c:orientation val=\"maxMin\"/></c:scaling>\
         <c:delete val=\"0\"/><c:axPos val=\"l\"/><c:numFmt formatCode=\"General\" sourceLinked=\"0\"/>\
         <c:majorTickMark val=\"none\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>\
         <c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"900\"/></a:pPr><a:endParaRPr lang=\"ru-RU\"/></a:p></c:txPr>\
         <c:crossAx val=\"1002\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/><c:lblAlgn val=\"ctr\"/>\
         <c:lblOffset val=\"100\"/><c:noMultiLvlLbl val=\"0\"/></c:catAx>\
         <c:valAx><c:axId val=\"1002\"/><c:scaling><c:orientation val=\"minMax\"/><c:max val=\"10\"/>\
         <c:min val=\"0\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"b\"/>\
         <c:majorGridlines><c:spPr><a:ln w=\"6350\"><a:solidFill><a:srgbClr val=\"DDDDDD\"/></a:solidFill></a:ln></c:spPr></c:majorGridlines>\
         <c:numFmt formatCode=\"0\" sourceLinked=\"0\"/><c:majorTickMark val=\"out\"/><c:minorTickMark val=\"none\"/>\
         <c:tickLblPos val=\"nextTo\"/>\
         <c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"800\"/></a:pPr><a:endParaRPr lang=\"ru-RU\"/></a:p></c:txPr>\
         <c:crossAx val=\"1001\"/><c:crosses val=\"max\"/><c:crossBetween val=\"between\"/>\
         <c:majorUnit val=\"1\"/></c:valAx></c:plotArea>",
    );
    if previous_wave.is_some() {
        xml.push_str("<c:legend><c:legendPos val=\"b\"/><c:overlay val=\"0\"/></c:legend>");
    }
    xml.push_str(
        "<c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart>\
         <c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr><a:latin typeface=\"Arial\"/></a:defRPr></a:pPr>\
         <a:endParaRPr lang=\"ru-RU\"/></a:p></c:txPr></c:chartSpace>",
    );
    xml
}

/// The previous wave's bars.
const PREVIOUS_FILL: &str = "B0B7BF";

/// A change cell: shown (and coloured) only when the display rules show it.
fn change_cell(c: Option<f32>, shown: bool) -> Cell {
    let text = c.filter(|_| shown).map_or(String::new(), change);
    Cell::num(text).look(Look::color(colors::change(c, shown)))
}

/// The body of the document, in the order of the Markdown report, with a table of contents
/// after the title and a bar chart under each level's heading.
fn body(m: &ReportModel) -> Body {
    let mut b = Body::default();
    b.heading(1, &m.title);
    b.para(None, &[(&meta_line(m), Look::default())]);
    let toc = b.xml.len();

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
        b.chart(l, &m.wave, m.previous_wave.as_deref());
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
        b.para_kept(
            None,
            true,
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
    memos_appendix(&mut b, m);
    b.toc(toc);
    b
}

/// The appendix «Заметки исследователя»: each memo with what it is on, its author and date,
/// the span it is on (masked, in the Quote style) and its text.
fn memos_appendix(b: &mut Body, m: &ReportModel) {
    if m.memos.is_empty() {
        return;
    }
    b.heading(2, "Приложение: заметки исследователя");
    for memo in &m.memos {
        let date = match memo.date.split('-').collect::<Vec<_>>().as_slice() {
            [y, mo, d] => format!("{d}.{mo}.{y}"),
            _ => memo.date.clone(),
        };
        b.para_kept(
            None,
            true,
            &[
                (&memo.on, Look::BOLD),
                (
                    &format!(" — {}, {date}", memo.author),
                    Look::color(Some(colors::MUTED)),
                ),
            ],
        );
        if let Some(q) = &memo.quote {
            b.para(Some("Quote"), &[(&format!("«{q}»"), Look::default())]);
        }
        b.para(None, &[(&memo.text, Look::default())]);
    }
}

/// `[Content_Types].xml` for a document with `charts` chart parts.
fn content_types(charts: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
         <Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
         <Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>\
         <Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>\
         <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>",
    );
    for n in 1..=charts {
        let _ = write!(
            xml,
            "<Override PartName=\"/word/charts/chart{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\"/>"
        );
    }
    xml.push_str("</Types>");
    xml
}

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

/// `word/_rels/document.xml.rels`: styles, settings, the footer and the charts
/// (`rIdChartN`).
fn document_rels(charts: usize) -> String {
    const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{R}/styles\" Target=\"styles.xml\"/>\
         <Relationship Id=\"rId2\" Type=\"{R}/settings\" Target=\"settings.xml\"/>\
         <Relationship Id=\"rId3\" Type=\"{R}/footer\" Target=\"footer1.xml\"/>"
    );
    for n in 1..=charts {
        let _ = write!(
            xml,
            "<Relationship Id=\"rIdChart{n}\" Type=\"{R}/chart\" Target=\"charts/chart{n}.xml\"/>"
        );
    }
    xml.push_str("</Relationships>");
    xml
}

/// `word/settings.xml`: Word updates the fields (the table of contents) when it opens the
/// file. The elements are in the schema's order (Word refuses others).
const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:defaultTabStop w:val="709"/><w:characterSpacingControl w:val="doNotCompress"/><w:updateFields w:val="true"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

/// `word/footer1.xml`: «стр. N из M», centred.
const FOOTER: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:pStyle w:val="Footer"/><w:jc w:val="center"/></w:pPr><w:r><w:t xml:space="preserve">стр. </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> из </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> NUMPAGES </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:ftr>"#;

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
         <w:style w:type=\"paragraph\" w:styleId=\"TOCHeading\"><w:name w:val=\"TOC Heading\"/>\
         <w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:uiPriority w:val=\"39\"/>\
         <w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"120\"/></w:pPr>\
         <w:rPr><w:b/><w:bCs/><w:color w:val=\"{accent}\"/><w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/></w:rPr></w:style>\
         <w:style w:type=\"paragraph\" w:styleId=\"TOC2\"><w:name w:val=\"toc 2\"/>\
         <w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:uiPriority w:val=\"39\"/>\
         <w:pPr><w:tabs><w:tab w:val=\"right\" w:leader=\"dot\" w:pos=\"{TEXT_WIDTH}\"/></w:tabs>\
         <w:spacing w:after=\"60\"/></w:pPr></w:style>\
         <w:style w:type=\"paragraph\" w:styleId=\"Footer\"><w:name w:val=\"footer\"/>\
         <w:basedOn w:val=\"Normal\"/><w:uiPriority w:val=\"99\"/><w:pPr><w:spacing w:after=\"0\"/></w:pPr>\
         <w:rPr><w:color w:val=\"{muted}\"/><w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/></w:rPr></w:style>\
         <w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>\
         <w:uiPriority w:val=\"99\"/><w:semiHidden/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/>\
         <w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>\
         <w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>\
         </w:styles>",
        heading(1, 36, 360),
        heading(2, 28, 360),
        heading(3, 24, 240),
        colors::ACCENT,
        accent = colors::ACCENT,
        muted = colors::MUTED,
    )
}

fn core(m: &ReportModel) -> String {
    core_titled(&m.title)
}

fn core_titled(title: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>citata</dc:creator>\
         <dc:language>ru-RU</dc:language></cp:coreProperties>",
        escape(title)
    )
}

/// `word/document.xml`: the body on A4 with 2 cm margins, page numbers in the footer.
fn document_xml(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" \
         xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\"><w:body>{body}\
         <w:sectPr><w:footerReference w:type=\"default\" r:id=\"rId3\"/>\
         <w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"1134\" \
         w:bottom=\"1134\" w:left=\"1134\" w:header=\"709\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>\
         </w:body></w:document>"
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
    let body = body(m);
    let n = body.charts.len();
    let mut parts: Vec<(String, String)> = vec![
        ("[Content_Types].xml".into(), content_types(n)),
        ("_rels/.rels".into(), PACKAGE_RELS.into()),
        ("docProps/core.xml".into(), core(m)),
        ("word/_rels/document.xml.rels".into(), document_rels(n)),
        ("word/styles.xml".into(), styles()),
        ("word/settings.xml".into(), SETTINGS.into()),
        ("word/footer1.xml".into(), FOOTER.into()),
        ("word/document.xml".into(), document_xml(&body.xml)),
    ];
    for (i, chart) in body.charts.into_iter().enumerate() {
        parts.push((format!("word/charts/chart{}.xml", i + 1), chart));
    }
    write_zip(parts)
}

/// The parts of a document zipped, each with the same fixed timestamp.
fn write_zip(parts: Vec<(String, String)>) -> std::io::Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in parts {
        zip.start_file(name, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// A list of passages (search hits, a parameter's passages) as a Word document: the title,
/// how many matched, then each passage in the `Quote` style («text» — who), with its file,
/// wave, parameters and polarity below it. Same styles, page and footer as the report.
///
/// # Errors
/// Only if the zip writer fails on memory.
pub fn passages_docx(list: &super::passages::PassageList) -> std::io::Result<Vec<u8>> {
    let mut b = Body::default();
    b.heading(1, &list.title);
    let shown = if list.passages.len() < list.total {
        format!(
            "Найдено: {}, в документе первые {}.",
            list.total,
            list.passages.len()
        )
    } else {
        format!("Найдено: {}.", list.total)
    };
    b.para(None, &[(&shown, Look::color(Some(colors::MUTED)))]);
    for (i, p) in list.passages.iter().enumerate() {
        b.quote(&p.text, &p.speaker);
        let mut about = vec![format!("{}. {}", i + 1, p.doc)];
        for part in [&p.wave, &p.division, &p.polarity] {
            if !part.is_empty() {
                about.push(part.clone());
            }
        }
        if !p.codes.is_empty() {
            about.push(p.codes.join(", "));
        }
        b.para(
            None,
            &[(&about.join(" · "), Look::color(Some(colors::MUTED)))],
        );
    }
    write_zip(vec![
        ("[Content_Types].xml".into(), content_types(0)),
        ("_rels/.rels".into(), PACKAGE_RELS.into()),
        ("docProps/core.xml".into(), core_titled(&list.title)),
        ("word/_rels/document.xml.rels".into(), document_rels(0)),
        ("word/styles.xml".into(), styles()),
        ("word/settings.xml".into(), SETTINGS.into()),
        ("word/footer1.xml".into(), FOOTER.into()),
        ("word/document.xml".into(), document_xml(&b.xml)),
    ])
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
