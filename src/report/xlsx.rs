//! The report as an Excel workbook (`.xlsx`, written with `rust_xlsxwriter`): four sheets.
//!
//! 1. «Оценки»: per level (its integral score, bold) and per parameter: the wave, the score,
//!    n, min, max, the previous wave and its score, Δ, the class, codings and quotes. Scores
//!    are filled green (strength) or red (zone), a Δ that the display rules show is green
//!    (up) or red (down), as in the HTML page.
//! 2. «Цитаты»: the report's quotes with every attribute: parameter, code, division,
//!    polarity, score, file, start and end (code points into the canonical text),
//!    attribution, text.
//! 3. «Матрица кодирования»: the coding matrix of QDA tools: one row per sentence of every
//!    transcript read (interviewer and respondent alike, in file and text order): document,
//!    wave, turn, role, start, end, text (masked as the quotes are), then one 0/1 column per
//!    codebook parameter (headed by its name; 1 when the sentence has a keyword or context
//!    coding of it) and the flags «Пожелание» and «Сравнение с конкурентами».
//! 4. «Пожелания»: the report's ideas and wishes, one row per merged wish in the report's
//!    groups: parameter, code, wish, attribution, respondents who asked, their divisions,
//!    file, start and end of the wording shown.
//!
//! Header rows are bold and frozen, columns have sensible widths and every sheet has an
//! autofilter. Printed, every sheet is A4 landscape with gridlines, its header row on every
//! page and page numbers in the footer; all but the matrix fit the page's width. The matrix sheet is written in low-memory mode (rows go to a temporary file
//! as they are written), and has at most [`MAX_ROWS`] rows: Excel holds no more.

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};

use super::ReportModel;
pub use super::matrix::{MAX_ROWS, Matrix, MatrixRow, matrix_rows};
use super::render::{class_ru, colors};
use crate::model::Role;

/// The most characters Excel holds in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Text for a cell: cut at Excel's limit with "…" (a cell over it would fail the workbook).
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        None => text.into(),
        Some(_) => {
            let cut = text
                .char_indices()
                .nth(MAX_CELL_CHARS - 1)
                .map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..cut]).into()
        }
    }
}

/// The height of a row whose wrapped cell of `width` characters holds `text`, in points:
/// neither Excel nor LibreOffice sizes such rows when they open a file.
fn wrapped_height(text: &str, width: f64) -> f64 {
    let per_line = (width * 1.1).max(1.0) as usize;
    let lines: usize = text
        .split('\n')
        .map(|l| l.chars().count().div_ceil(per_line).max(1))
        .sum();
    (15.0 * lines as f64).min(409.0)
}

/// The sheet names, in order.
pub const SHEETS: [&str; 4] = ["Оценки", "Цитаты", "Матрица кодирования", "Пожелания"];

fn role_ru(role: Role) -> &'static str {
    match role {
        Role::Interviewer => "интервьюер",
        Role::Respondent => "респондент",
    }
}

fn polarity_ru(polarity: &str) -> &'static str {
    match polarity {
        "positive" => "позитивная",
        "negative" => "негативная",
        "mixed" => "смешанная",
        _ => "нейтральная",
    }
}

fn rgb(hex: &str) -> Color {
    Color::RGB(u32::from_str_radix(hex, 16).unwrap_or(0))
}

/// The formats shared by the sheets.
struct Formats {
    header: Format,
    bold: Format,
    score: Format,
    bold_score: Format,
    wrap: Format,
    top: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(rgb(colors::HEADER_FILL)),
            bold: Format::new().set_bold(),
            score: Format::new().set_num_format("0.0"),
            bold_score: Format::new().set_bold().set_num_format("0.0"),
            wrap: Format::new()
                .set_text_wrap()
                .set_align(rust_xlsxwriter::FormatAlign::Top),
            top: Format::new().set_align(rust_xlsxwriter::FormatAlign::Top),
        }
    }
}

/// Writes the bold header row, sets the widths, freezes the row and puts an autofilter over
/// `rows` data rows.
fn header(
    ws: &mut Worksheet,
    f: &Formats,
    columns: &[(&str, f64)],
    rows: usize,
) -> Result<(), XlsxError> {
    for (col, (name, width)) in columns.iter().enumerate() {
        let col = col as u16;
        ws.set_column_width(col, *width)?;
        ws.write_string_with_format(0, col, *name, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, rows as u32, columns.len().saturating_sub(1) as u16)?;
    // Printed: A4 landscape, gridlines, the header row on every page, page numbers; a
    // sheet of a few columns one page wide (the matrix's 30-odd columns would be unreadable).
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_gridlines(true)
        .set_footer("&CСтр. &P из &N");
    ws.set_repeat_rows(0, 0)?;
    if columns.len() <= 14 {
        ws.set_print_fit_to_pages(1, 0);
    }
    Ok(())
}

fn opt_number(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Option<f32>,
    format: &Format,
) -> Result<(), XlsxError> {
    if let Some(v) = v {
        // One decimal as in the report (f32 → f64 would show 8.300000190734863).
        let v: f64 = format!("{v:.1}").parse().unwrap_or(f64::from(v));
        ws.write_number_with_format(row, col, v, format)?;
    }
    Ok(())
}

fn scores(ws: &mut Worksheet, m: &ReportModel, f: &Formats) -> Result<(), XlsxError> {
    let rows = m.levels.iter().map(|l| 1 + l.parameters.len()).sum();
    header(
        ws,
        f,
        &[
            ("Уровень", 26.0),
            ("Параметр", 44.0),
            ("Код", 22.0),
            ("Волна", 10.0),
            ("Оценка", 9.0),
            ("n", 6.0),
            ("Мин", 6.0),
            ("Макс", 6.0),
            ("Прошлая волна", 15.0),
            ("Оценка в прошлой волне", 12.0),
            ("Δ", 7.0),
            ("Класс", 17.0),
            ("Упоминаний", 12.0),
            ("Цитат", 8.0),
        ],
        rows,
    )?;
    let previous = m.previous_wave.clone().unwrap_or_default();
    let mut r = 1u32;
    for l in &m.levels {
        ws.write_string_with_format(r, 0, &l.name, &f.bold)?;
        ws.write_string_with_format(r, 1, "Интегральная оценка уровня", &f.bold)?;
        ws.write_string_with_format(r, 2, &l.id, &f.bold)?;
        ws.write_string(r, 3, &m.wave)?;
        opt_number(ws, r, 4, l.score, &f.bold_score)?;
        ws.write_string(r, 8, &previous)?;
        opt_number(ws, r, 9, l.previous, &f.score)?;
        let shown = l.change.is_some_and(|c| m.thresholds.change_shown(c));
        opt_number(ws, r, 10, l.change, &change_format(l.change, shown, true))?;
        r += 1;
        for p in &l.parameters {
            ws.write_string(r, 0, &l.name)?;
            ws.write_string(r, 1, &p.name)?;
            ws.write_string(r, 2, &p.id)?;
            ws.write_string(r, 3, &m.wave)?;
            let mut score = f.score.clone();
            if let Some(fill) = colors::fill(p.class) {
                score = score.set_background_color(rgb(fill));
            }
            opt_number(ws, r, 4, p.score, &score)?;
            ws.write_number(r, 5, p.n as f64)?;
            opt_number(ws, r, 6, p.range.map(|r| r.0), &f.score)?;
            opt_number(ws, r, 7, p.range.map(|r| r.1), &f.score)?;
            ws.write_string(r, 8, &previous)?;
            opt_number(ws, r, 9, p.previous, &f.score)?;
            opt_number(
                ws,
                r,
                10,
                p.change,
                &change_format(p.change, p.change_shown, false),
            )?;
            let class = match p.class {
                "neutral" => "",
                c => class_ru(c),
            };
            ws.write_string(r, 11, class)?;
            ws.write_number(r, 12, p.codings as f64)?;
            ws.write_number(r, 13, p.quotes.len() as f64)?;
            r += 1;
        }
    }
    Ok(())
}

/// A change: signed, one decimal; green or red when the display rules show it.
fn change_format(change: Option<f32>, shown: bool, bold: bool) -> Format {
    let mut f = Format::new().set_num_format("+0.0;-0.0;0.0");
    if bold {
        f = f.set_bold();
    }
    if let Some(c) = colors::change(change, shown) {
        f = f.set_font_color(rgb(c)).set_bold();
    }
    f
}

fn quotes(ws: &mut Worksheet, m: &ReportModel, f: &Formats) -> Result<(), XlsxError> {
    let all: Vec<_> = m
        .levels
        .iter()
        .flat_map(|l| &l.parameters)
        .flat_map(|p| p.quotes.iter().map(move |q| (p, q)))
        .collect();
    header(
        ws,
        f,
        &[
            ("Параметр", 34.0),
            ("Код", 20.0),
            ("Подразделение", 34.0),
            ("Полярность", 13.0),
            ("Балл цитаты", 11.0),
            ("Файл", 22.0),
            ("Начало", 9.0),
            ("Конец", 9.0),
            ("Атрибуция", 34.0),
            ("Текст", 90.0),
        ],
        all.len(),
    )?;
    for (i, (p, q)) in all.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string_with_format(r, 0, &p.name, &f.wrap)?;
        ws.write_string(r, 1, &p.id)?;
        ws.write_string(r, 2, &q.division)?;
        ws.write_string(r, 3, polarity_ru(q.polarity))?;
        let score: f64 = format!("{:.3}", q.score).parse().unwrap_or(0.0);
        ws.write_number(r, 4, score)?;
        ws.write_string(r, 5, &q.doc)?;
        ws.write_number(r, 6, q.start as f64)?;
        ws.write_number(r, 7, q.end as f64)?;
        ws.write_string(r, 8, &q.attribution)?;
        ws.write_string_with_format(r, 9, fit(&q.text), &f.wrap)?;
        ws.set_row_height(r, wrapped_height(&q.text, 90.0))?;
        ws.set_row_format(r, &f.top)?;
    }
    Ok(())
}

fn wishes(ws: &mut Worksheet, m: &ReportModel, f: &Formats) -> Result<(), XlsxError> {
    let all: Vec<_> = m
        .wishes
        .iter()
        .flat_map(|g| g.wishes.iter().map(move |w| (g, w)))
        .collect();
    header(
        ws,
        f,
        &[
            ("Параметр", 34.0),
            ("Код", 20.0),
            ("Пожелание", 90.0),
            ("Атрибуция", 34.0),
            ("Респондентов", 13.0),
            ("Подразделения", 40.0),
            ("Файл", 22.0),
            ("Начало", 9.0),
            ("Конец", 9.0),
        ],
        all.len(),
    )?;
    for (i, (g, w)) in all.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string_with_format(r, 0, &g.name, &f.wrap)?;
        ws.write_string(r, 1, g.param.as_deref().unwrap_or(""))?;
        ws.write_string_with_format(r, 2, fit(&w.text), &f.wrap)?;
        ws.set_row_height(r, wrapped_height(&w.text, 90.0))?;
        ws.set_row_format(r, &f.top)?;
        ws.write_string(r, 3, &w.attribution)?;
        ws.write_number(r, 4, w.count as f64)?;
        ws.write_string_with_format(r, 5, w.divisions.join(", "), &f.wrap)?;
        if let Some(s) = w.sources.first() {
            ws.write_string(r, 6, &s.doc)?;
            ws.write_number(r, 7, s.start as f64)?;
            ws.write_number(r, 8, s.end as f64)?;
        }
    }
    Ok(())
}

/// The flag columns after the parameters: the sentence voices a wish, compares with
/// competitors.
pub const MATRIX_FLAGS: [&str; 2] = ["Пожелание", "Сравнение с конкурентами"];

fn matrix(ws: &mut Worksheet, matrix: &Matrix, f: &Formats) -> Result<(), XlsxError> {
    let mut columns: Vec<(&str, f64)> = vec![
        ("Документ", 22.0),
        ("Волна", 8.0),
        ("Реплика", 8.0),
        ("Роль", 12.0),
        ("Начало", 8.0),
        ("Конец", 8.0),
        ("Текст", 80.0),
    ];
    let fixed = columns.len() as u16;
    columns.extend(matrix.names.iter().map(|name| (name.as_str(), 14.0)));
    columns.extend(MATRIX_FLAGS.iter().map(|name| (*name, 14.0)));
    header(ws, f, &columns, matrix.rows.len())?;
    // Parameter names are long: the header row wraps them over three lines.
    let wrapped = f
        .header
        .clone()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    for (col, (name, _)) in columns.iter().enumerate().skip(usize::from(fixed)) {
        ws.write_string_with_format(0, col as u16, *name, &wrapped)?;
    }
    ws.set_row_height(0, 45)?;
    let n = matrix.names.len() as u16;
    for (i, row) in matrix.rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &row.doc)?;
        ws.write_string(r, 1, &row.wave)?;
        ws.write_number(r, 2, row.turn as f64)?;
        ws.write_string(r, 3, role_ru(row.role))?;
        ws.write_number(r, 4, row.start as f64)?;
        ws.write_number(r, 5, row.end as f64)?;
        ws.write_string(r, 6, fit(&row.text))?;
        for p in 0..n {
            let coded = row.params.binary_search(&usize::from(p)).is_ok();
            ws.write_number(r, fixed + p, if coded { 1.0 } else { 0.0 })?;
        }
        for (k, flag) in [row.wish, row.comparison].into_iter().enumerate() {
            ws.write_number(r, fixed + n + k as u16, if flag { 1.0 } else { 0.0 })?;
        }
    }
    Ok(())
}

/// A workbook titled `title`, by citata, created at a fixed time (the bytes depend on the
/// input only).
fn workbook(title: &str) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("citata")
            .set_creation_datetime(&created),
    );
    Ok(wb)
}

/// The report and the coding matrix as an `.xlsx` file. The bytes depend on the input
/// only (the document's creation time is fixed).
///
/// # Errors
/// When `rust_xlsxwriter` fails: the temporary file of the matrix sheet cannot be created,
/// or a value is out of Excel's range.
pub fn xlsx(m: &ReportModel, rows: &Matrix) -> std::io::Result<Vec<u8>> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let f = Formats::new();
        let mut wb = workbook(&m.title)?;
        scores(wb.add_worksheet().set_name(SHEETS[0])?, m, &f)?;
        quotes(wb.add_worksheet().set_name(SHEETS[1])?, m, &f)?;
        matrix(
            wb.add_worksheet_with_low_memory()?.set_name(SHEETS[2])?,
            rows,
            &f,
        )?;
        wishes(wb.add_worksheet().set_name(SHEETS[3])?, m, &f)?;
        wb.save_to_buffer()
    };
    build().map_err(std::io::Error::other)
}

/// The sheet of a passage list.
pub const PASSAGES_SHEET: &str = "Фрагменты";

/// A list of passages (search hits, a parameter's passages) as a workbook of one sheet,
/// «Фрагменты»: number, file, wave, division, speaker, parameters, polarity, start and end
/// (code points), the masked text; the title in the file's properties.
///
/// # Errors
/// Only if the writer fails on memory.
pub fn passages_xlsx(list: &super::passages::PassageList) -> std::io::Result<Vec<u8>> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let f = Formats::new();
        let mut wb = workbook(&list.title)?;
        let ws = wb.add_worksheet().set_name(PASSAGES_SHEET)?;
        let text_width = 80.0;
        let columns = [
            ("№", 6.0),
            ("Файл", 22.0),
            ("Волна", 8.0),
            ("Подразделение", 26.0),
            ("Кто", 26.0),
            ("Параметры", 30.0),
            ("Тональность", 13.0),
            ("Начало", 9.0),
            ("Конец", 9.0),
            ("Текст", text_width),
        ];
        header(ws, &f, &columns, list.passages.len())?;
        for (i, p) in list.passages.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_number_with_format(row, 0, (i + 1) as f64, &f.top)?;
            ws.write_string_with_format(row, 1, &p.doc, &f.top)?;
            ws.write_string_with_format(row, 2, &p.wave, &f.top)?;
            ws.write_string_with_format(row, 3, &p.division, &f.wrap)?;
            ws.write_string_with_format(row, 4, &p.speaker, &f.wrap)?;
            ws.write_string_with_format(row, 5, fit(&p.codes.join(", ")), &f.wrap)?;
            ws.write_string_with_format(row, 6, &p.polarity, &f.top)?;
            ws.write_number_with_format(row, 7, p.start as f64, &f.top)?;
            ws.write_number_with_format(row, 8, p.end as f64, &f.top)?;
            ws.write_string_with_format(row, 9, fit(&p.text), &f.wrap)?;
            ws.set_row_height(row, wrapped_height(&p.text, text_width))?;
        }
        wb.save_to_buffer()
    };
    build().map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestConfig, ingest_bytes};
    use crate::model::Format;
    use crate::text::Analyzer;

    #[test]
    fn matrix_rows_cover_every_sentence_with_their_codes() {
        let text = "Интервьюер: Как вы оцените сроки поставки?\n\nРеспондент: Поставки вовремя. Хотелось бы скидку. Всё.\n";
        let t = ingest_bytes(
            "a.txt",
            Format::Txt,
            text.as_bytes(),
            &IngestConfig::default(),
        )
        .unwrap();
        let mut analyzer = Analyzer::new();
        let cb = crate::codebook::Codebook::load(None, &mut analyzer).unwrap();
        let params = cb.parameters.len();
        let tagger = crate::tag::Tagger::new(cb, &mut analyzer);
        let codings = tagger.with_thread_state(|s| tagger.tag(s, &t));
        let rows = matrix_rows(&t, &codings, params, "2026", &[]);
        assert_eq!(rows.len(), t.sentences.len());
        assert_eq!(rows[0].role, Role::Interviewer);
        assert_eq!(rows[1].text, "Поставки вовремя.");
        // Code points, not bytes: "Поставки" starts after the interviewer's turn.
        let chars: Vec<char> = t.text.chars().collect();
        let got: String = chars[rows[1].start..rows[1].end].iter().collect();
        assert_eq!(got, "Поставки вовремя.");
        for c in codings.iter().filter(|c| c.param.is_some()) {
            assert!(rows[c.sentence].params.contains(&c.param.unwrap()));
        }
        assert!(rows.iter().any(|r| !r.params.is_empty()), "{rows:?}");
        assert!(
            rows.iter()
                .all(|r| r.params.windows(2).all(|w| w[0] < w[1]))
        );
    }

    /// Issue 15: the matrix's text is masked as the quotes are (names of the text and of the
    /// transcript's labels), and the comparison marker is a flag of its own.
    #[test]
    fn matrix_text_is_masked_and_comparisons_are_flagged() {
        let text = "---\nname: Пётр Ковалёв\n---\nИнтервьюер: Сроки?\n\nРеспондент: Саныч звонил вчера. Ковалёв тут. По сравнению с конкурентами поставки быстрее.\n";
        let t = ingest_bytes(
            "a.txt",
            Format::Txt,
            text.as_bytes(),
            &IngestConfig::default(),
        )
        .unwrap();
        let mut analyzer = Analyzer::new();
        let cb = crate::codebook::Codebook::load(None, &mut analyzer).unwrap();
        let params = cb.parameters.len();
        let tagger = crate::tag::Tagger::new(cb, &mut analyzer);
        let codings = tagger.with_thread_state(|s| tagger.tag(s, &t));
        let private = crate::quotes::mask::private_words(&t);
        assert_eq!(private, ["ковалев", "петр"]);
        assert!(t.text.contains("Саныч звонил вчера. Ковалёв тут."));
        let rows = matrix_rows(&t, &codings, params, "2026", &private);
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Сроки?",
                "[имя] звонил вчера.",
                "[имя] тут.",
                "По сравнению с конкурентами поставки быстрее."
            ]
        );
        let flags: Vec<(bool, bool)> = rows.iter().map(|r| (r.wish, r.comparison)).collect();
        assert_eq!(
            flags,
            [
                (false, false),
                (false, false),
                (false, false),
                (false, true)
            ]
        );
    }

    #[test]
    fn wrapped_rows_are_as_tall_as_their_lines() {
        assert_eq!(wrapped_height("коротко", 90.0), 15.0);
        assert_eq!(wrapped_height(&"ж".repeat(100), 90.0), 30.0);
        assert_eq!(wrapped_height("а\nб\nв", 90.0), 45.0);
        // Excel's highest row: 409 points.
        assert_eq!(wrapped_height(&"ж".repeat(40_000), 10.0), 409.0);
    }

    #[test]
    fn long_texts_are_cut_at_excels_cell_limit() {
        assert_eq!(fit("короткий"), "короткий");
        let exact = "ж".repeat(MAX_CELL_CHARS);
        assert_eq!(fit(&exact), exact);
        let long = fit(&"ж".repeat(MAX_CELL_CHARS + 5)).into_owned();
        assert_eq!(long.chars().count(), MAX_CELL_CHARS);
        assert!(long.ends_with("ж…"));
    }

    #[test]
    fn the_matrix_stops_at_the_row_limit() {
        let row = MatrixRow {
            doc: "a".into(),
            wave: String::new(),
            turn: 0,
            role: Role::Respondent,
            start: 0,
            end: 1,
            text: "а".into(),
            params: vec![],
            wish: false,
            comparison: false,
        };
        let mut m = Matrix::default();
        m.extend_up_to(vec![row.clone(); 4], 5);
        m.extend_up_to(vec![row.clone(), row.clone(), row.clone()], 5);
        assert_eq!((m.rows.len(), m.dropped), (5, 2));
        m.extend_up_to(vec![row], 5);
        assert_eq!((m.rows.len(), m.dropped), (5, 3));
    }
}
