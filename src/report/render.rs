//! Renderers of the report model: Markdown, and a self-contained HTML page (inline CSS and
//! SVG, no external resources, well-formed XML so that it can be checked and converted).

use std::fmt::Write;

use super::{ReportLevel, ReportModel, ReportParameter};

/// A score as Russian text (one decimal, a comma), or a dash: [`crate::ru::score`].
pub(crate) fn num(v: Option<f32>) -> String {
    crate::ru::score(v)
}

/// A change with its sign (U+2212 for a fall), a comma: [`crate::ru::signed`].
pub(crate) fn change(v: f32) -> String {
    crate::ru::signed(v)
}

/// A parameter's score in a table cell: marked with its n when it rests on few ratings.
pub(crate) fn cell_score(p: &ReportParameter) -> String {
    super::score_n(p)
}

/// The line under a level's overview table: the rated parameters the display rules leave
/// out, and why (the chart shows the same parameters as the table).
pub(crate) fn omitted_line(m: &ReportModel, l: &ReportLevel) -> Option<String> {
    let names: Vec<String> = l
        .omitted()
        .map(|p| format!("«{}» ({})", p.name, cell_score(p)))
        .collect();
    if names.is_empty() {
        return None;
    }
    let t = &m.thresholds;
    Some(format!(
        "Не показаны параметры с оценкой от {} до {} без изменения больше чем на {}: {}.",
        num(Some(t.zone)),
        num(Some(t.strength)),
        num(Some(t.show_if_changed)),
        names.join(", ")
    ))
}

/// The legend of the marks: scores on few ratings, shown changes.
pub(crate) fn legend(m: &ReportModel) -> Option<String> {
    if m.ratings == 0 {
        return None;
    }
    let t = &m.thresholds;
    let mut out = format!(
        "Оценка параметра — среднее оценок респондентов (1–10), округлённое до десятых; сильная сторона — от {}, зона развития — ниже {}. Изменение к прошлой волне показано, когда оно не меньше {} по модулю.",
        num(Some(t.strength)),
        num(Some(t.zone)),
        num(Some(t.show_change)),
    );
    if m.has_thin() {
        out.push_str(&format!(
            " Оценки, за которыми меньше {} оценок респондентов (в этой или прошлой волне), помечены числом оценок n; изменение для них не указывается.",
            t.min_n
        ));
    }
    Some(out)
}

/// A level's heading: its name and score («Процессный уровень — 7,1»), the name alone
/// without a score.
pub(crate) fn level_heading(l: &ReportLevel) -> String {
    match l.score {
        Some(_) => format!("{} — {}", l.name, num(l.score)),
        None => l.name.clone(),
    }
}

/// A parameter's score in the per-parameter section: «7,3 (n = 8)», «7,0 (n = 1, мало
/// оценок)», or what there is without a score.
pub(crate) fn param_line(p: &ReportParameter) -> String {
    match p.score {
        None => mentions_line(p),
        Some(_) if p.thin => format!("{} (n = {}, мало оценок)", num(p.score), p.n),
        Some(_) => format!("{} (n = {})", num(p.score), p.n),
    }
}

/// A level none of whose parameters was discussed, in a study without ratings.
pub(crate) const NOT_DISCUSSED: &str = "Параметры этого уровня в интервью не обсуждались.";

/// The heading of the per-parameter section: «Оценки по параметрам», or «Параметры» in a
/// study without ratings.
pub(crate) fn params_heading(m: &ReportModel) -> &'static str {
    if m.ratings == 0 {
        "Параметры"
    } else {
        "Оценки по параметрам"
    }
}

/// Whether the per-parameter section lists a parameter: it has a score, mentions or quotes.
pub(crate) fn listed(p: &ReportParameter) -> bool {
    p.score.is_some() || p.codings > 0 || !p.quotes.is_empty()
}

/// The line after a level's parameters naming those neither rated nor discussed.
pub(crate) fn unmentioned_line(l: &ReportLevel) -> Option<String> {
    let names: Vec<String> = l
        .parameters
        .iter()
        .filter(|p| !listed(p))
        .map(|p| format!("«{}»", p.name))
        .collect();
    (!names.is_empty()).then(|| format!("Не оценивались и не обсуждались: {}.", names.join(", ")))
}

/// A parameter without a score in the per-parameter section: what there is instead.
pub(crate) fn mentions_line(p: &ReportParameter) -> String {
    if p.codings == 0 {
        return "нет оценок и упоминаний".into();
    }
    format!(
        "нет оценок; {}, похвала: {}, критика: {}",
        crate::ru::count(p.codings, crate::ru::MENTIONS),
        p.praise,
        p.criticism
    )
}

/// The display-rule class in Russian (empty for a neutral one).
pub(crate) fn class_ru(class: &str) -> &'static str {
    match class {
        "strength" => "сильная сторона",
        "zone" => "зона развития",
        "neutral" => "",
        _ => "нет оценок",
    }
}

/// Who asked for a wish: the attribution of the wording shown and, when several respondents
/// asked, the other divisions and their number.
pub(crate) fn wish_who(w: &super::ReportWish) -> String {
    if w.count <= 1 {
        return w.attribution.clone();
    }
    let others: Vec<&str> = w
        .divisions
        .iter()
        .filter(|d| **d != w.attribution)
        .map(String::as_str)
        .collect();
    if others.is_empty() {
        format!("{} (респондентов: {})", w.attribution, w.count)
    } else {
        format!(
            "{}; также {} (респондентов: {})",
            w.attribution,
            others.join(", "),
            w.count
        )
    }
}

/// Wishes shown in the report.
pub(crate) fn wishes_shown(m: &ReportModel) -> usize {
    m.wishes.iter().map(|g| g.wishes.len()).sum()
}

/// A wave for the reader: its name, or a note that the metadata has none.
pub(crate) fn wave_name(wave: &str) -> String {
    if wave.is_empty() {
        "не указана (в метаданных нет поля wave)".into()
    } else {
        wave.to_string()
    }
}

/// A parameter of a level by id.
pub(crate) fn param_of<'a>(level: &'a ReportLevel, id: &str) -> Option<&'a ReportParameter> {
    level.parameters.iter().find(|p| p.id == id)
}

/// The line under the title: the wave, the interviews, the divisions.
pub(crate) fn meta_line(m: &ReportModel) -> String {
    format!(
        "Волна {}{}. Интервью: {}. Подразделения: {}.",
        wave_name(&m.wave),
        m.previous_wave
            .as_ref()
            .map_or(String::new(), |p| format!(" (сравнение с волной {p})")),
        m.interviews,
        if m.divisions.is_empty() {
            "—".into()
        } else {
            m.divisions.join(", ")
        }
    )
}

/// Colours of the display rules as RGB hex, the same as the HTML's CSS (`.strength`,
/// `.zone`, `.up`, `.down`, `th`, `h2`), for the docx and xlsx writers.
#[cfg_attr(not(feature = "office"), allow(dead_code))]
pub(crate) mod colors {
    /// Background of a strength.
    pub const STRENGTH_FILL: &str = "E8F5E9";
    /// Background of a zone of development.
    pub const ZONE_FILL: &str = "FDECEA";
    /// A rise shown under the display rules.
    pub const UP: &str = "1A7F37";
    /// A fall shown under the display rules.
    pub const DOWN: &str = "C62828";
    /// Table headers.
    pub const HEADER_FILL: &str = "EEF3F8";
    /// Headings and the quote bar.
    pub const ACCENT: &str = "2A5D8F";
    /// Attributions.
    pub const MUTED: &str = "555555";

    /// The background of a parameter's class, if it has one.
    pub fn fill(class: &str) -> Option<&'static str> {
        match class {
            "strength" => Some(STRENGTH_FILL),
            "zone" => Some(ZONE_FILL),
            _ => None,
        }
    }

    /// The colour of a change that the display rules show.
    pub fn change(change: Option<f32>, shown: bool) -> Option<&'static str> {
        match change {
            Some(c) if shown && c > 0.0 => Some(UP),
            Some(c) if shown && c < 0.0 => Some(DOWN),
            _ => None,
        }
    }
}

/// The report as Markdown.
pub fn markdown(m: &ReportModel) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", m.title);
    let _ = writeln!(o, "{}\n", meta_line(m));
    let _ = writeln!(o, "## Общая оценка\n");
    // Without ratings the verdict says so, with what there is instead.
    if m.ratings > 0 {
        let _ = writeln!(o, "| Уровень | Оценка | Изменение |\n|---|---|---|");
        for l in &m.levels {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                l.name,
                num(l.score),
                l.change
                    .filter(|c| m.thresholds.change_shown(*c))
                    .map_or(String::new(), change)
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "{}\n", m.verdict);
    if let Some(legend) = legend(m) {
        let _ = writeln!(o, "_{legend}_\n");
    }
    for l in &m.levels {
        let _ = writeln!(o, "## {}\n", level_heading(l));
        if m.ratings == 0 {
            let mentioned: Vec<&ReportParameter> =
                l.parameters.iter().filter(|p| p.codings > 0).collect();
            if !mentioned.is_empty() {
                let _ = writeln!(
                    o,
                    "| Параметр | Упоминаний | Похвала | Критика |\n|---|---|---|---|"
                );
                for p in mentioned {
                    let _ = writeln!(
                        o,
                        "| {} | {} | {} | {} |",
                        p.name, p.codings, p.praise, p.criticism
                    );
                }
                o.push('\n');
            } else {
                let _ = writeln!(o, "_{NOT_DISCUSSED}_\n");
            }
        }
        let shown: Vec<&ReportParameter> = l.parameters.iter().filter(|p| p.shown).collect();
        if !shown.is_empty() {
            let _ = writeln!(o, "| Параметр | Оценка | Изменение | |\n|---|---|---|---|");
            for p in shown {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} |",
                    p.name,
                    cell_score(p),
                    if p.change_shown {
                        p.change.map_or(String::new(), change)
                    } else {
                        String::new()
                    },
                    class_ru(p.class)
                );
            }
            o.push('\n');
        }
        if let Some(line) = omitted_line(m, l) {
            let _ = writeln!(o, "_{line}_\n");
        }
        for (title, ids) in [
            ("Сильные стороны", &l.strengths),
            ("Зоны развития", &l.zones),
        ] {
            if ids.is_empty() {
                continue;
            }
            let _ = writeln!(o, "### {title}\n");
            for id in ids {
                let Some(p) = param_of(l, id) else { continue };
                let _ = writeln!(o, "**{}** — {}\n", p.name, cell_score(p));
                for q in p.quotes.iter().take(2) {
                    let _ = writeln!(o, "> «{}» — _{}_\n", q.text, q.attribution);
                }
            }
        }
    }
    let _ = writeln!(o, "## {}\n", params_heading(m));
    for l in &m.levels {
        let _ = writeln!(o, "### {}\n", l.name);
        for p in l.parameters.iter().filter(|p| listed(p)) {
            let _ = writeln!(
                o,
                "**{}** — {}{}\n",
                p.name,
                param_line(p),
                if p.change_shown {
                    format!(", изменение {}", p.change.map_or(String::new(), change))
                } else {
                    String::new()
                }
            );
            for q in &p.quotes {
                let _ = writeln!(o, "- «{}» — _{}_", q.text, q.attribution);
            }
            if !p.quotes.is_empty() {
                o.push('\n');
            }
        }
        if let Some(line) = unmentioned_line(l) {
            let _ = writeln!(o, "_{line}_\n");
        }
    }
    let _ = writeln!(o, "## Идеи и пожелания клиента\n");
    if m.wishes_total > wishes_shown(m) {
        let _ = writeln!(o, "_Показаны {} из {}._\n", wishes_shown(m), m.wishes_total);
    }
    for g in &m.wishes {
        let _ = writeln!(o, "### {}\n", g.name);
        for w in &g.wishes {
            let _ = writeln!(o, "- «{}» — _{}_", w.text, wish_who(w));
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Рекомендации\n");
    for l in &m.levels {
        let _ = writeln!(
            o,
            "### {}\n\n| Поддерживать | Развивать |\n|---|---|",
            l.name
        );
        let rows = l.keep.len().max(l.develop.len()).max(1);
        for i in 0..rows {
            let _ = writeln!(
                o,
                "| {} | {} |",
                l.keep.get(i).map_or("", String::as_str),
                l.develop.get(i).map_or("", String::as_str)
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Приложение: покрытие\n");
    let _ = writeln!(
        o,
        "| Параметр | Упоминаний | Оценок | Цитат |\n|---|---|---|---|"
    );
    for l in &m.levels {
        for p in &l.parameters {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                p.name,
                p.codings,
                p.n,
                p.quotes.len()
            );
        }
    }
    if !m.coverage_flags.is_empty() {
        o.push('\n');
        for f in &m.coverage_flags {
            let _ = writeln!(o, "- {f}");
        }
    }
    if !m.uncertain_ratings.is_empty() {
        let _ = writeln!(o, "\n{}:\n", uncertain_title(m));
        for u in &m.uncertain_ratings {
            let _ = writeln!(o, "- {}", uncertain_line(u, param_name(m, &u.param)));
        }
    }
    o
}

/// The heading of the low-confidence ratings list.
pub(crate) fn uncertain_title(m: &ReportModel) -> String {
    format!(
        "Оценки, прочитанные с низкой уверенностью (проверьте по расшифровке): {}",
        m.uncertain_ratings.len()
    )
}

/// One low-confidence rating: parameter, value, transcript, sentence.
pub(crate) fn uncertain_line(u: &super::UncertainRating, name: &str) -> String {
    format!(
        "«{}» = {} ({}, уверенность {}): «{}»",
        name,
        num(Some(u.value)),
        u.doc,
        crate::ru::decimal(f64::from(u.confidence), 2),
        u.text
    )
}

/// A parameter's name by id, from the report's levels (the id when not found).
pub(crate) fn param_name<'a>(m: &'a ReportModel, id: &'a str) -> &'a str {
    m.levels
        .iter()
        .flat_map(|l| l.parameters.iter())
        .find(|p| p.id == id)
        .map_or(id, |p| p.name.as_str())
}

/// Escapes text for HTML (elements and attribute values): [`crate::escape::escaped`].
pub use crate::escape::escaped as esc;

const CSS: &str = "body{font-family:'PT Sans','Segoe UI',Arial,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #2a5d8f;padding-bottom:.2em;margin-top:2em;color:#2a5d8f}\
table{border-collapse:collapse;margin:.8em 0;width:100%}td,th{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}\
th{background:#eef3f8}.num{text-align:right;white-space:nowrap}.up{color:#1a7f37;font-weight:bold}.down{color:#c62828;font-weight:bold}\
.strength{background:#e8f5e9}.zone{background:#fdecea}blockquote{margin:.6em 0;padding:.4em .9em;border-left:4px solid #2a5d8f;background:#f7f9fb}\
.who{color:#555;font-style:italic}.verdict{font-size:1.1em;background:#f3f6fa;padding:.8em 1em;border-radius:6px}\
.meta{color:#555}svg text{font-family:inherit;font-size:12px}@media print{h2{page-break-after:avoid}blockquote,tr{page-break-inside:avoid}body{margin:0}}";

/// An SVG bar chart of a level's parameter scores (0–10), with the previous wave as a tick.
fn chart(l: &ReportLevel) -> String {
    // The parameters of the overview table, no more: the chart and the table agree.
    let rated: Vec<&ReportParameter> = l.parameters.iter().filter(|p| p.shown).collect();
    if rated.is_empty() {
        return String::new();
    }
    let row = 22;
    let label = 330;
    let width = 900;
    let scale = (width - label - 60) as f32 / 10.0;
    let height = rated.len() as i32 * row + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        esc(&l.name)
    );
    for (i, p) in rated.iter().enumerate() {
        let y = i as i32 * row + 4;
        let v = p.score.unwrap_or(0.0);
        let color = match p.class {
            "strength" => "#2e7d32",
            "zone" => "#c62828",
            _ => "#2a5d8f",
        };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{label}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{}\">{}</text>",
            label - 8,
            y + 14,
            esc(&p.name),
            v * scale,
            row - 6,
            label as f32 + v * scale + 6.0,
            y + 14,
            num(Some(v))
        );
        if let Some(prev) = p.previous {
            let x = label as f32 + prev * scale;
            let _ = write!(
                s,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#111\" stroke-width=\"2\"><title>прошлая волна: {}</title></line>",
                y - 2,
                y + row - 4,
                num(Some(prev))
            );
        }
    }
    s.push_str("</svg><p class=\"meta\">Полоса — оценка этой волны (зелёная — сильная сторона, красная — зона развития); чёрная черта — прошлая волна.</p>");
    s
}

/// The report as a self-contained HTML page.
pub fn html(m: &ReportModel) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\"/><title>{}</title><style>{CSS}</style></head><body>",
        esc(&m.title)
    );
    let _ = write!(
        o,
        "<h1>{}</h1><p class=\"meta\">Волна {}{} · интервью: {} · подразделения: {}</p>",
        esc(&m.title),
        esc(&wave_name(&m.wave)),
        m.previous_wave.as_ref().map_or(String::new(), |p| format!(
            " (сравнение с волной {})",
            esc(p)
        )),
        m.interviews,
        esc(&m.divisions.join(", "))
    );
    let ch = |c: Option<f32>, shown: bool| match c {
        Some(c) if shown && c > 0.0 => format!("<span class=\"up\">{}</span>", change(c)),
        Some(c) if shown && c < 0.0 => format!("<span class=\"down\">{}</span>", change(c)),
        _ => String::new(),
    };
    let _ = write!(o, "<h2>Общая оценка</h2>");
    if m.ratings > 0 {
        let _ = write!(
            o,
            "<table><tr><th>Уровень</th><th class=\"num\">Оценка</th><th class=\"num\">Изменение</th></tr>"
        );
        for l in &m.levels {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&l.name),
                num(l.score),
                ch(
                    l.change,
                    l.change.is_some_and(|c| m.thresholds.change_shown(c))
                )
            );
        }
        o.push_str("</table>");
    }
    let _ = write!(o, "<p class=\"verdict\">{}</p>", esc(&m.verdict));
    if let Some(legend) = legend(m) {
        let _ = write!(o, "<p class=\"meta\">{}</p>", esc(&legend));
    }
    for l in &m.levels {
        let _ = write!(o, "<h2>{}</h2>{}", esc(&level_heading(l)), chart(l));
        if m.ratings == 0 {
            let mentioned: Vec<&ReportParameter> =
                l.parameters.iter().filter(|p| p.codings > 0).collect();
            if !mentioned.is_empty() {
                o.push_str("<table><tr><th>Параметр</th><th class=\"num\">Упоминаний</th><th class=\"num\">Похвала</th><th class=\"num\">Критика</th></tr>");
                for p in mentioned {
                    let _ = write!(
                        o,
                        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                        esc(&p.name),
                        p.codings,
                        p.praise,
                        p.criticism
                    );
                }
                o.push_str("</table>");
            } else {
                let _ = write!(o, "<p class=\"meta\">{NOT_DISCUSSED}</p>");
            }
        }
        let shown: Vec<&ReportParameter> = l.parameters.iter().filter(|p| p.shown).collect();
        if !shown.is_empty() {
            let _ = write!(
                o,
                "<table><tr><th>Параметр</th><th class=\"num\">Оценка</th><th class=\"num\">Изменение</th></tr>"
            );
            for p in shown {
                let _ = write!(
                    o,
                    "<tr class=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    p.class,
                    esc(&p.name),
                    esc(&cell_score(p)),
                    ch(p.change, p.change_shown)
                );
            }
            o.push_str("</table>");
        }
        if let Some(line) = omitted_line(m, l) {
            let _ = write!(o, "<p class=\"meta\">{}</p>", esc(&line));
        }
        for (title, ids) in [
            ("Сильные стороны", &l.strengths),
            ("Зоны развития", &l.zones),
        ] {
            if ids.is_empty() {
                continue;
            }
            let _ = write!(o, "<h3>{title}</h3>");
            for id in ids {
                let Some(p) = param_of(l, id) else { continue };
                let _ = write!(
                    o,
                    "<p><b>{}</b> — {}</p>",
                    esc(&p.name),
                    esc(&cell_score(p))
                );
                for q in p.quotes.iter().take(2) {
                    let _ = write!(
                        o,
                        "<blockquote>«{}» <span class=\"who\">— {}</span></blockquote>",
                        esc(&q.text),
                        esc(&q.attribution)
                    );
                }
            }
        }
    }
    let _ = write!(o, "<h2>{}</h2>", params_heading(m));
    for l in &m.levels {
        let _ = write!(o, "<h3>{}</h3>", esc(&l.name));
        for p in l.parameters.iter().filter(|p| listed(p)) {
            let _ = write!(
                o,
                "<p><b>{}</b> — {} {}</p>",
                esc(&p.name),
                esc(&param_line(p)),
                ch(p.change, p.change_shown)
            );
            for q in &p.quotes {
                let _ = write!(
                    o,
                    "<blockquote>«{}» <span class=\"who\">— {}</span></blockquote>",
                    esc(&q.text),
                    esc(&q.attribution)
                );
            }
        }
        if let Some(line) = unmentioned_line(l) {
            let _ = write!(o, "<p class=\"meta\">{}</p>", esc(&line));
        }
    }
    let _ = write!(o, "<h2>Идеи и пожелания клиента</h2>");
    if m.wishes_total > wishes_shown(m) {
        let _ = write!(
            o,
            "<p class=\"meta\">Показаны {} из {}.</p>",
            wishes_shown(m),
            m.wishes_total
        );
    }
    for g in &m.wishes {
        let _ = write!(o, "<h3>{}</h3><ul>", esc(&g.name));
        for w in &g.wishes {
            let _ = write!(
                o,
                "<li>«{}» <span class=\"who\">— {}</span></li>",
                esc(&w.text),
                esc(&wish_who(w))
            );
        }
        o.push_str("</ul>");
    }
    let _ = write!(o, "<h2>Рекомендации</h2>");
    for l in &m.levels {
        let _ = write!(
            o,
            "<h3>{}</h3><table><tr><th>Поддерживать</th><th>Развивать</th></tr>",
            esc(&l.name)
        );
        let rows = l.keep.len().max(l.develop.len()).max(1);
        for i in 0..rows {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(l.keep.get(i).map_or("", String::as_str)),
                esc(l.develop.get(i).map_or("", String::as_str))
            );
        }
        o.push_str("</table>");
    }
    let _ = write!(
        o,
        "<h2>Приложение: покрытие</h2><table><tr><th>Параметр</th><th class=\"num\">Упоминаний</th><th class=\"num\">Оценок</th><th class=\"num\">Цитат</th></tr>"
    );
    for l in &m.levels {
        for p in &l.parameters {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&p.name),
                p.codings,
                p.n,
                p.quotes.len()
            );
        }
    }
    o.push_str("</table>");
    if !m.coverage_flags.is_empty() {
        o.push_str("<ul>");
        for f in &m.coverage_flags {
            let _ = write!(o, "<li>{}</li>", esc(f));
        }
        o.push_str("</ul>");
    }
    if !m.uncertain_ratings.is_empty() {
        let _ = write!(o, "<p>{}:</p><ul>", esc(&uncertain_title(m)));
        for u in &m.uncertain_ratings {
            let _ = write!(
                o,
                "<li>{}</li>",
                esc(&uncertain_line(u, param_name(m, &u.param)))
            );
        }
        o.push_str("</ul>");
    }
    o.push_str("</body></html>\n");
    o
}
