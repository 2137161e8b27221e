//! The HTML pages of `citata serve`: one layout, inline CSS, a few lines of JavaScript, every
//! piece of transcript or user text escaped. Page text is Russian (the users are).

use std::fmt::Write;

use super::{App, SearchParams};
use crate::index::kwic::{self, first_run};
use crate::index::query::{NameKind, QueryError, SyntaxProblem, Unsupported};
use crate::index::{SearchResult, Stats, TranscriptView};
use crate::model::{CharIndex, Role};
use crate::report::pins::{Pin, Pins};
use crate::report::render::esc;

const CSS: &str = "body{font-family:'PT Sans','Segoe UI',Arial,sans-serif;margin:0;color:#222;line-height:1.45}\
header{background:#2a5d8f;color:#fff;padding:.5em 1.2em;display:flex;gap:1.5em;align-items:center}\
header a{color:#fff;text-decoration:none;font-weight:bold}main{max-width:1100px;margin:1em auto;padding:0 1em}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}\
.num{text-align:right;white-space:nowrap}mark{background:#ffe08a;padding:0 .1em}\
form.search{display:flex;flex-wrap:wrap;gap:.4em;margin-bottom:1em}form.search input[name=q]{flex:1 1 20em;font-size:1.05em;padding:.3em}\
.layout{display:grid;grid-template-columns:minmax(0,1fr) 15em;gap:1.5em}.facets h3{margin:.8em 0 .2em;font-size:1em}.facets a{text-decoration:none}\
.kwic{table-layout:fixed}.kwic td{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.kwic td.l{text-align:right;width:40%;direction:rtl}.kwic td.l bdi{direction:ltr}.kwic td.m{font-weight:bold;width:8em;text-align:center}\
.kwic td.doc{font-size:.8em;width:11em}.muted{color:#666}.err{color:#c62828}\
.turn{display:grid;grid-template-columns:1em 9em 1fr;gap:.2em .8em;margin:.2em 0}.who{color:#555;font-size:.9em}\
.stripes{display:flex;gap:2px;justify-content:flex-end}.stripe{width:6px;min-height:1.2em;border-radius:2px}\
.decide ul{list-style:none;padding:0;margin:.3em 0}.decide li{margin:.15em 0}.decide li i{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em}.decide li.rejected{color:#888}.decide button{font-size:.85em}\
.s{padding:.05em 0;cursor:pointer}.s.coded{-webkit-box-decoration-break:clone;box-decoration-break:clone}.s.here{background-color:#ffe08a}\
.paras .para{border-bottom:1px solid #ddd;padding:.45em 0}.para .src{font-size:.8em}.para p{margin:.2em 0}.ctx{color:#999}.ctx b{font-weight:normal;font-style:italic}\
main.wide{max-width:none}.scroll{overflow-x:auto}.grid{width:auto;min-width:60%}.grid td,.grid th{text-align:right;white-space:nowrap}.grid th{font-size:.8em;white-space:normal;vertical-align:bottom}.grid td.name,.grid th.name{text-align:left;white-space:normal}\
.grid tr.level td{background:#eef3f8;font-weight:bold;text-align:left}.grid td a{text-decoration:none;color:inherit}.grid small{color:#666}\
.quote{border-bottom:1px solid #ddd;padding:.4em 0}.quote textarea{width:100%;font:inherit}blockquote{margin:.3em 0;padding:.3em .8em;border-left:4px solid #2a5d8f;background:#f7f9fb}\
.pinned blockquote{border-color:#c98a00;background:#fff8e1}.legend span{display:inline-block;margin:.1em .6em .1em 0;font-size:.85em}.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.25em;border-radius:2px}";

/// Colours of parameters (by their position in the codebook), for stripes and the legend:
/// 30 colours chosen greedily for the largest smallest distance in CIELAB (ΔE 31 or more
/// between any two), dark enough to read on white; a codebook of up to 30 parameters gets
/// a colour of its own for each.
pub(super) const PALETTE: [&str; 30] = [
    "#1f77b4", "#ff7f0e", "#00d200", "#0000ff", "#ff00a5", "#3c4b00", "#f0a5a5", "#00c3a5",
    "#b478ff", "#96001e", "#b4b400", "#782d69", "#f000ff", "#b4b478", "#ff001e", "#00871e",
    "#965a0f", "#006969", "#003ca5", "#f087d2", "#5a00b4", "#3cc3e1", "#ff2d69", "#874b4b",
    "#b4a5d2", "#a50096", "#f0785a", "#005aff", "#7896ff", "#e1a53c",
];

/// The colour of the parameter at position `i` of the codebook.
pub(super) fn colour_at(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

pub(super) fn colour(app: &App, param: &str) -> &'static str {
    colour_at(app.codebook.parameter(param).unwrap_or(0))
}

/// A metadata key as a reader names it: «Подразделение» for `division`, and so on; other
/// keys as written.
pub(super) fn meta_label(key: &str) -> &str {
    match key.trim().to_lowercase().as_str() {
        "division" | "подразделение" => "Подразделение",
        "role" | "роль" | "должность" => "Роль",
        "wave" | "волна" => "Волна",
        "date" | "дата" => "Дата",
        "interviewer" | "интервьюер" => "Интервьюер",
        "respondent" | "респондент" => "Респондент",
        "company" | "компания" => "Компания",
        "segment" | "сегмент" => "Сегмент",
        "region" | "регион" => "Регион",
        "city" | "город" => "Город",
        "title" => "Название",
        _ => key,
    }
}

/// The order metadata keys are shown in: the known ones first, in this order.
pub(super) fn meta_order(key: &str) -> usize {
    const ORDER: [&str; 7] = [
        "respondent",
        "division",
        "role",
        "wave",
        "date",
        "interviewer",
        "company",
    ];
    ORDER
        .iter()
        .position(|k| k.eq_ignore_ascii_case(key.trim()))
        .unwrap_or(ORDER.len())
}

/// True when a speaker label says nothing about the speaker: «Спикер 2», `SPEAKER_01`,
/// «Канал 2», «Р», «A», «Респондент».
fn generic_label(label: &str) -> bool {
    let word: String = label
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    word.chars().count() <= 1
        || [
            "спикер",
            "speaker",
            "канал",
            "channel",
            "говорящий",
            "участник",
            "респондент",
            "respondent",
            "собеседник",
            "голос",
            "voice",
            "spk",
            "unknown",
            "клиент",
            "client",
        ]
        .contains(&word.as_str())
}

/// One label per speaker of a transcript, as the pages show them: the interviewer is
/// «Интервьюер»; a respondent keeps a name («Ирина Львовна»), while a label that says
/// nothing («Спикер 2», `SPEAKER_01`, «Р») becomes «Респондент» (numbered when there are
/// several such).
pub(super) fn speaker_labels(t: &crate::model::Transcript) -> Vec<String> {
    let generic: Vec<usize> = t
        .speakers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.role == Role::Respondent && generic_label(&s.label))
        .map(|(i, _)| i)
        .collect();
    t.speakers
        .iter()
        .enumerate()
        .map(|(i, s)| match s.role {
            Role::Interviewer => "Интервьюер".to_string(),
            Role::Respondent => match generic.iter().position(|g| *g == i) {
                Some(_) if generic.len() == 1 => "Респондент".to_string(),
                Some(n) => format!("Респондент {}", n + 1),
                None => s.label.clone(),
            },
        })
        .collect()
}

/// The style of a coded sentence: one coloured stripe under it per code (stacked), so that
/// each sentence shows its own codes.
fn sentence_stripes(app: &App, codes: &[String]) -> String {
    let images: Vec<String> = codes
        .iter()
        .map(|c| {
            let col = colour(app, c);
            format!("linear-gradient({col},{col})")
        })
        .collect();
    let positions: Vec<String> = (0..codes.len())
        .map(|k| format!("0 calc(100% - {}px)", 4 * k))
        .collect();
    format!(
        "background-image:{};background-position:{};background-size:100% 3px;background-repeat:no-repeat;padding-bottom:{}px",
        images.join(","),
        positions.join(","),
        4 * codes.len().saturating_sub(1) + 3
    )
}

pub(super) fn param_name<'a>(app: &'a App, id: &'a str) -> &'a str {
    app.codebook
        .parameter(id)
        .map_or(id, |p| app.codebook.parameters[p].name.as_str())
}

pub(super) fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\"><title>{} — citata</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{CSS}</style></head>\
<body><header><a href=\"/\">citata</a><a href=\"/\">Исследование</a><a href=\"/search\">Поиск</a><a href=\"/transcripts\">Интервью</a><a href=\"/matrix\">Таблицы</a><a href=\"/report\">Отчёт</a></header>\
<main>{body}</main></body></html>\n",
        esc(title)
    )
}

/// The bar put at the top of the report page: back to the study, downloads.
pub fn report_bar() -> String {
    let mut b = String::from(
        "<body><nav style=\"background:#2a5d8f;color:#fff;padding:.5em 1em;margin:-2em -1em 1.5em;font-family:sans-serif\" class=\"noprint\">\
<a style=\"color:#fff;font-weight:bold;margin-right:1.5em\" href=\"/\">← Исследование</a>Скачать:",
    );
    for (ext, _) in super::REPORT_FORMS {
        let _ = write!(
            b,
            " <a style=\"color:#fff;margin-left:.6em\" href=\"/report.{ext}\" download>{ext}</a>"
        );
    }
    b.push_str("</nav><style>@media print{.noprint{display:none}}</style>");
    b
}

/// A page saying what was not found.
pub fn not_found(msg: &str) -> String {
    layout(
        "Не найдено",
        &format!("<h1>Не найдено</h1><p>{}</p>", esc(msg)),
    )
}

/// The page that says why a change was not made (`title`), with the way `back`.
pub fn refusal(title: &str, msg: &str, back: &str) -> String {
    layout(
        title,
        &format!(
            "<h1>{}</h1><p>{}</p><p><a href=\"{}\">Вернуться</a></p>",
            esc(title),
            esc(msg),
            esc(back)
        ),
    )
}

/// The page that says why a pin was refused, with the way back to the quote board.
pub fn pin_refused(param: &str, msg: &str) -> String {
    layout(
        "Цитата не закреплена",
        &format!(
            "<h1>Цитата не закреплена</h1><p>{}</p><p><a href=\"/quotes/{}\">Вернуться к цитатам</a></p>",
            esc(msg),
            url_encode(param)
        ),
    )
}

/// A score with a comma (as the report writes it), or a dash.
fn score(v: Option<f64>) -> String {
    crate::ru::score(v.map(|v| v as f32))
}

/// A change with its sign (U+2212 for a fall) and colour, or nothing.
fn change(v: Option<f64>) -> String {
    match v {
        Some(c) if c > 0.0 => format!(
            "<span style=\"color:#1a7f37\">{}</span>",
            crate::ru::signed(c as f32)
        ),
        Some(c) if c < 0.0 => format!(
            "<span style=\"color:#c62828\">{}</span>",
            crate::ru::signed(c as f32)
        ),
        Some(_) => "0".into(),
        None => String::new(),
    }
}

/// The study: levels and parameters with their scores, changes and coverage (ratings,
/// coded passages, quote candidates), with links to search and to the quote board.
pub fn study(app: &App, stats: &Stats) -> String {
    let model = app.model();
    let model = Option::as_ref(&model);
    let pools = app.quote_pools();
    let pools = &pools.pools;
    let mut b = String::new();
    let title = model.map_or("Исследование", |m| m.title.as_str());
    let _ = write!(b, "<h1>{}</h1><p class=\"muted\">", esc(title));
    if let Some(m) = model {
        let _ = write!(
            b,
            "Волна {}{} · ",
            esc(&m.wave),
            m.previous_wave
                .as_deref()
                .map_or(String::new(), |p| format!(" (сравнение с {})", esc(p)))
        );
    }
    let _ = write!(
        b,
        "<a href=\"/transcripts\">{} интервью</a>, {} в индексе · кодбук: {} · <a href=\"/matrix\">параметры по подразделениям и волнам</a> · <a href=\"/report\">отчёт</a></p>",
        stats.transcripts,
        crate::ru::count(stats.sentences, crate::ru::STATEMENTS),
        esc(&app.codebook.name)
    );
    let level_of = |id: &str| model.and_then(|m| m.levels.iter().find(|l| l.id == id));
    for (li, level) in app.codebook.levels.iter().enumerate() {
        let lm = level_of(&level.id);
        let _ = write!(
            b,
            "<h2>{} — {} {}</h2><table><tr><th>Параметр</th><th class=\"num\">Оценка</th><th class=\"num\">Δ</th>\
<th class=\"num\">Оценок</th><th class=\"num\">Фрагментов</th><th class=\"num\">Кандидатов в цитаты</th><th></th></tr>",
            esc(&level.name),
            score(lm.and_then(|l| l.score).map(f64::from)),
            change(lm.and_then(|l| l.change).map(f64::from))
        );
        for (pi, p) in app
            .codebook
            .parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| p.level == li)
        {
            let pm = lm.and_then(|l| l.parameters.iter().find(|x| x.id == p.id));
            let n = stats
                .codes
                .iter()
                .find(|c| c.value == p.id)
                .map_or(0, |c| c.count);
            let _ = write!(
                b,
                "<tr><td><i style=\"display:inline-block;width:.7em;height:.7em;background:{}\"></i> {}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{n}</td><td class=\"num\">{}</td>\
<td><a href=\"/search?param={}\">фрагменты</a> · \
<a href=\"/search?param={}&amp;role=respondent&amp;polarity=negative\">критика</a> · \
<a href=\"/search?param={}&amp;wish=1\">пожелания</a> · <a href=\"/quotes/{}\">цитаты</a></td></tr>",
                colour(app, &p.id),
                esc(&p.name),
                score(pm.and_then(|x| x.score).map(f64::from)),
                change(pm.and_then(|x| x.change).map(f64::from)),
                pm.map_or(0, |x| x.n),
                pools.get(pi).map_or(0, Vec::len),
                esc(&p.id),
                esc(&p.id),
                esc(&p.id),
                esc(&p.id)
            );
        }
        b.push_str("</table>");
    }
    layout("Исследование", &b)
}

fn select(name: &str, current: Option<&str>, options: &[(String, String)], any: &str) -> String {
    let mut s = format!(
        "<select name=\"{name}\" onchange=\"this.form.submit()\"><option value=\"\">{any}</option>"
    );
    for (value, label) in options {
        let sel = if current == Some(value.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            s,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(value),
            esc(label)
        );
    }
    s.push_str("</select>");
    s
}

/// The query syntax, shown on an empty search form.
const HELP: &str = "<table class=\"help\"><tr><td><code>оплата</code></td><td>все словоформы: оплаты, оплатой, оплатами</td></tr>\
<tr><td><code>\"сроки поставки\"</code></td><td>фраза; <code>\"срок поставки\"~2</code> — с двумя словами между</td></tr>\
<tr><td><code>отсроч*</code></td><td>начало словарной формы: отсрочка, отсрочить</td></tr>\
<tr><td><code>цена И скидка</code>, <code>цена ИЛИ тендер</code>, <code>цена НЕ скидка</code></td><td>И / ИЛИ / НЕ (или AND / OR / NOT), скобки</td></tr>\
<tr><td><code>code:delivery_time</code>, <code>division:Закупки</code>, <code>wave:2026</code></td><td>параметр, подразделение, волна прямо в запросе</td></tr></table>";

/// A query that cannot be read, or that names what the study does not have, in Russian: a
/// syntax error with the query shown and the place marked, an unknown name with the nearest
/// known ones.
fn query_error(e: &QueryError) -> String {
    match e {
        QueryError::Syntax { query, at, problem } => {
            let what = match problem {
                SyntaxProblem::UnclosedQuote => "открытая здесь кавычка не закрыта".to_string(),
                SyntaxProblem::UnclosedParen => "открытая здесь скобка не закрыта".to_string(),
                SyntaxProblem::UnopenedParen => "этой скобке нет открывающей пары".to_string(),
                SyntaxProblem::LoneOperator(op) if matches!(op.as_str(), "NOT" | "НЕ") => {
                    format!("после «{op}» нужно слово")
                }
                SyntaxProblem::LoneOperator(op) => {
                    format!("у «{op}» должно быть слово с каждой стороны")
                }
                SyntaxProblem::EmptyField(f) => {
                    format!("после «{f}:» нужно значение, например {f}:…")
                }
                SyntaxProblem::Grammar(_) => "здесь запрос не читается".to_string(),
            };
            // The query with the character at the mistake marked (a space past its end).
            let chars: Vec<char> = query.chars().collect();
            let i = at.saturating_sub(1).min(chars.len());
            let before: String = chars[..i].iter().collect();
            let here: String = chars.get(i).map_or(" ".to_string(), char::to_string);
            let after: String = chars.get(i + 1..).unwrap_or_default().iter().collect();
            format!(
                "<p class=\"err\">Запрос не читается: {what} (символ {at}).</p>\
<p><code class=\"query\">{}<mark>{}</mark>{}</code></p>\
<p class=\"muted\">Слова со знаками <code>: ( ) \" *</code> берите в кавычки, например <code>\"1:0\"</code>.</p>",
                esc(&before),
                esc(&here),
                esc(&after)
            )
        }
        QueryError::Unknown(u) => {
            let what = match u.kind {
                NameKind::Code => "Параметра «{}» нет в кодовой книге.",
                NameKind::Level => "Уровня «{}» нет в кодовой книге.",
                NameKind::Field => "Поля «{}» нет в данных интервью.",
                NameKind::Role => "Роли «{}» нет.",
                NameKind::Polarity => "Тональности «{}» нет.",
                NameKind::Doc => "Интервью «{}» нет в индексе.",
                NameKind::Source => {
                    "Источника кодирования «{}» нет (есть keyword, context, human)."
                }
            }
            .replace("{}", &esc(&u.name));
            let names: Vec<String> = u
                .suggestions
                .iter()
                .map(|n| match &n.label {
                    Some(l) => format!("«{}» (<code>{}</code>)", esc(l), esc(&n.id)),
                    None => format!("<code>{}</code>", esc(&n.id)),
                })
                .collect();
            let offer = if u.near {
                format!(" Возможно, имелось в виду: {}.", names.join(", "))
            } else if u.known == 0 {
                String::new()
            } else if u.known > names.len() {
                format!(" Есть: {}, … (всего {}).", names.join(", "), u.known)
            } else {
                format!(" Есть: {}.", names.join(", "))
            };
            let colon = if u.kind == NameKind::Field {
                " Чтобы найти слово с двоеточием, возьмите его в кавычки: <code>\"10:30\"</code>."
            } else {
                ""
            };
            format!("<p class=\"err\">{what}{offer}{colon}</p>")
        }
        QueryError::Unsupported(u) => {
            let what = match u {
                Unsupported::Range => "диапазоны (<code>[a TO b]</code>) не поддерживаются".into(),
                Unsupported::Set => {
                    "наборы (<code>IN [...]</code>) не поддерживаются; используйте ИЛИ".into()
                }
                Unsupported::Exists(f) => format!(
                    "<code>{0}:*</code> не поддерживается; укажите значение: <code>{0}:…</code>",
                    esc(f)
                ),
                Unsupported::Regex => {
                    "регулярные выражения не поддерживаются; используйте начало слова со звёздочкой: <code>отсроч*</code>".into()
                }
            };
            format!("<p class=\"err\">Запрос не читается: {what}.</p>")
        }
        QueryError::NoWords(p) => format!(
            "<p class=\"err\">Запрос не читается: в «{}» нет слов для поиска.</p>",
            esc(p)
        ),
        QueryError::TooDeep(_) => format!(
            "<p class=\"err\">Запрос не читается: скобки и НЕ вложены глубже {} уровней.</p>",
            crate::index::query::MAX_NESTING
        ),
        QueryError::Other(m) => format!("<p class=\"err\">{}</p>", esc(m)),
    }
}

/// The search's filters by their names in the query string.
pub(super) fn filter_fields(p: &SearchParams) -> [(&'static str, &Option<String>); 8] {
    [
        ("param", &p.param),
        ("level", &p.level),
        ("division", &p.division),
        ("wave", &p.wave),
        ("role", &p.role),
        ("polarity", &p.polarity),
        ("wish", &p.wish),
        ("source", &p.source),
    ]
}

/// The link to the search page with `params` plus one more filter.
pub(super) fn search_link(p: &SearchParams, key: &str, value: &str) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("q", p.q.clone())];
    for (k, v) in filter_fields(p) {
        if let Some(v) = v.as_ref().filter(|v| k != key && !v.is_empty()) {
            pairs.push((k, v.clone()));
        }
    }
    pairs.push((key, value.to_string()));
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    format!("/search?{}", query.join("&"))
}

/// Percent-encoding for a query string value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The search page: the form, KWIC lines, facets.
pub fn search(
    app: &App,
    p: &SearchParams,
    result: Option<crate::Result<SearchResult>>,
    contexts: &[super::lists::Context],
) -> String {
    let params: Vec<(String, String)> = app
        .codebook
        .parameters
        .iter()
        .map(|x| (x.id.clone(), x.name.clone()))
        .collect();
    let levels: Vec<(String, String)> = app
        .codebook
        .levels
        .iter()
        .map(|l| (l.id.clone(), l.name.clone()))
        .collect();
    let roles = [
        ("respondent".to_string(), "Респонденты".to_string()),
        ("interviewer".to_string(), "Интервьюер".to_string()),
    ];
    let polarities = [
        ("negative".to_string(), "Критика".to_string()),
        ("positive".to_string(), "Похвала".to_string()),
        ("mixed".to_string(), "Смешанная".to_string()),
        ("neutral".to_string(), "Нейтральная".to_string()),
    ];
    let mut b = String::new();
    let _ = write!(
        b,
        "<form class=\"search\" method=\"get\" action=\"/search\">\
<input name=\"q\" value=\"{}\" placeholder=\"оплата, &quot;сроки поставки&quot;, отсроч*, цена НЕ скидка\" autofocus>{}{}{}{}\
<label><input type=\"checkbox\" name=\"wish\" value=\"1\"{} onchange=\"this.form.submit()\"> пожелания</label>\
<label title=\"Предложения, которым код добавил кодировщик\"><input type=\"checkbox\" name=\"source\" value=\"human\"{}> ручное кодирование</label>",
        esc(&p.q),
        select("param", p.param.as_deref(), &params, "все параметры"),
        select("level", p.level.as_deref(), &levels, "все уровни"),
        select("role", p.role.as_deref(), &roles, "все говорящие"),
        select(
            "polarity",
            p.polarity.as_deref(),
            &polarities,
            "любая тональность"
        ),
        if p.wish.as_deref().is_some_and(|w| !w.is_empty()) {
            " checked"
        } else {
            ""
        },
        if p.source.as_deref() == Some("human") {
            " checked"
        } else {
            ""
        }
    );
    for (k, v) in [("division", &p.division), ("wave", &p.wave)] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            let _ = write!(
                b,
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\"><a href=\"{}\">✕ {}</a>",
                esc(v),
                esc(&search_link(p, k, "")),
                esc(v)
            );
        }
    }
    b.push_str("<button>Найти</button></form>");
    let result = match result {
        None => {
            b.push_str(HELP);
            return layout("Поиск", &b);
        }
        Some(Ok(r)) => r,
        Some(Err(crate::Error::Index(crate::index::IndexError::Query { error, .. }))) => {
            b.push_str(&query_error(&error));
            b.push_str(HELP);
            return layout("Поиск", &b);
        }
        Some(Err(e)) => {
            let _ = write!(b, "<p class=\"err\">{}</p>", esc(&e.to_string()));
            return layout("Поиск", &b);
        }
    };
    let query = super::lists::query_string(p);
    let _ = write!(
        b,
        "<div class=\"layout\"><div><p class=\"muted\">Найдено: {}{}{}</p>",
        result.total,
        if result.hits.len() < result.total {
            format!(", показаны первые {}", result.hits.len())
        } else {
            String::new()
        },
        if result.total > 0 {
            format!(
                " · скачать список: <a href=\"/search.xlsx?{0}\" download>xlsx</a> · <a href=\"/search.docx?{0}\" download>docx</a>",
                esc(&query)
            )
        } else {
            String::new()
        }
    );
    // No search word (filters only, or `code:` terms): whole sentences with the one before
    // and after, dimmed; KWIC lines would have nothing to centre on.
    let kwic_lines = result.hits.iter().any(|h| !h.matches.is_empty());
    if !kwic_lines {
        b.push_str(&super::lists::paragraphs(app, &result.hits, contexts));
    } else {
        b.push_str("<table class=\"kwic\">");
    }
    for h in result.hits.iter().filter(|_| kwic_lines) {
        let (left, matched, right) = match first_run(&h.text, &h.matches) {
            Some(centre) => {
                let k = kwic::kwic(&h.text, centre, 60);
                (k.left, k.matched, k.right)
            }
            None => (String::new(), String::new(), h.text.clone()),
        };
        let codes: Vec<String> = h
            .codes
            .iter()
            .map(|c| {
                format!(
                    "<i title=\"{}\" style=\"display:inline-block;width:.6em;height:.6em;background:{}\"></i>",
                    esc(param_name(app, c)),
                    colour(app, c)
                )
            })
            .collect();
        let _ = write!(
            b,
            "<tr><td class=\"doc\"><a href=\"/transcripts/{}?at={}#s{}\">{}</a><br><span class=\"muted\">{}</span> {}</td>\
<td class=\"l\"><bdi>{}</bdi></td><td class=\"m\">{}</td><td class=\"r\">{}</td></tr>",
            doc_path(&h.doc),
            h.start,
            h.start,
            esc(&h.doc),
            esc(&h.speaker),
            codes.concat(),
            esc(&left),
            if matched.is_empty() {
                String::new()
            } else {
                format!("<mark>{}</mark>", esc(&matched))
            },
            esc(&right)
        );
    }
    if kwic_lines {
        b.push_str("</table>");
    }
    b.push_str("</div><aside class=\"facets\">");
    if let Some(f) = &result.facets {
        b.push_str("<h3>Параметры</h3>");
        for c in &f.codes {
            let _ = write!(
                b,
                "<div><a href=\"{}\">{}</a> <span class=\"muted\">{}</span></div>",
                esc(&search_link(p, "param", &c.value)),
                esc(param_name(app, &c.value)),
                c.count
            );
        }
        let mut group = "";
        for m in &f.meta {
            if m.group != group {
                group = &m.group;
                let title = match group {
                    "division" => "Подразделения",
                    "wave" => "Волны",
                    other => other,
                };
                let _ = write!(b, "<h3>{}</h3>", esc(title));
            }
            let _ = write!(
                b,
                "<div><a href=\"{}\">{}</a> <span class=\"muted\">{}</span></div>",
                esc(&search_link(p, &m.group, &m.value)),
                esc(&m.value),
                m.count
            );
        }
    }
    b.push_str("</aside></div>");
    layout(
        &if p.q.is_empty() {
            super::lists::describe(app, p)
        } else {
            p.q.clone()
        },
        &b,
    )
}

/// A document id as a URL path (each segment percent-encoded, slashes kept).
pub(super) fn doc_path(doc: &str) -> String {
    doc.split('/').map(url_encode).collect::<Vec<_>>().join("/")
}

/// A transcript: turns, sentences with their codes as stripes, opened at `at`.
pub fn transcript(app: &App, view: &TranscriptView, opened: super::At, coder: &str) -> String {
    let at = opened.at;
    let t = &view.transcript;
    let ix = CharIndex::new(&t.text);
    let mut b = String::new();
    let _ = write!(b, "<h1>{}</h1><p class=\"muted\">", esc(&t.doc));
    let mut meta: Vec<(&String, &String)> = t
        .meta
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    meta.sort_by_key(|(k, _)| meta_order(k));
    let meta: Vec<String> = meta
        .iter()
        .map(|(k, v)| format!("{}: {}", esc(meta_label(k)), esc(v)))
        .collect();
    b.push_str(&meta.join(" · "));
    b.push_str("</p><div class=\"legend\">");
    let mut used: Vec<&String> = view.codes.values().flatten().collect();
    used.sort_by_key(|c| app.codebook.parameter(c));
    used.dedup();
    for c in used {
        let _ = write!(
            b,
            "<span><i style=\"background:{}\"></i>{}</span>",
            colour(app, c),
            esc(param_name(app, c))
        );
    }
    b.push_str("</div>");
    let memos = super::memos::for_transcript(app, t, at);
    b.push_str(&memos.top);
    let labels = speaker_labels(t);
    let mut sentences = t.sentences.iter().peekable();
    for (ti, turn) in t.turns.iter().enumerate() {
        let speaker = t.turn_speaker(turn);
        let mut line = String::new();
        let mut here_in_turn = false;
        while let Some(s) = sentences.next_if(|s| s.turn <= ti) {
            if s.turn < ti {
                continue;
            }
            let start = ix.char_offset(s.span.start);
            let end = ix.char_offset(s.span.end);
            let codes = view.codes.get(&start);
            let here = at.is_some_and(|a| a >= start && a < end.max(start + 1));
            let mut class = String::from("s");
            if codes.is_some() {
                class.push_str(" coded");
            }
            if here {
                class.push_str(" here");
                here_in_turn = true;
            }
            let title = codes.map_or(String::new(), |c| {
                c.iter()
                    .map(|c| param_name(app, c))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            let style = codes.map_or(String::new(), |c| {
                format!(" style=\"{}\"", sentence_stripes(app, c))
            });
            let _ = write!(
                line,
                "<span id=\"s{start}\" class=\"{class}\" title=\"{}\"{style}>{}</span> ",
                esc(&title),
                esc(t.slice(s.span))
            );
            if let Some(notes) = memos.by_sentence.get(&start) {
                line.push_str(notes);
            }
        }
        let who = &labels[turn.speaker];
        let _ = write!(
            b,
            "<div class=\"turn\" id=\"t{ti}\"><div class=\"stripes\"></div><div class=\"who\" title=\"{}\">{}</div><div>{line}</div></div>",
            esc(&format!("в файле: {}", speaker.label)),
            esc(who)
        );
        // The coding panel under the turn of the sentence the page is opened at.
        if let Some(a) = at.filter(|_| here_in_turn) {
            b.push_str(&super::coding::panel(app, view, a, opened.to, coder));
        }
    }
    b.push_str("<script>");
    b.push_str(SCRIPT);
    b.push_str("</script>");
    layout(&t.doc, &b)
}

/// The one script of the pages, on the transcript page: it scrolls to the sentence the page
/// was opened at; a click on a sentence opens the page at it (with its coding panel), and a
/// span selected with the mouse opens it at that span (`?at=&to=`, code points, counted
/// from the sentence's start in its `id`). The Content-Security-Policy allows it by its hash
/// (`serve::CSP`; a test checks it).
pub const SCRIPT: &str = "(function(){var e=document.querySelector('.s.here');if(e){e.scrollIntoView();window.scrollBy(0,-120);}\
function pos(n,o){var s=n&&(n.nodeType===1?n:n.parentNode);s=s&&s.closest?s.closest('.s'):null;if(!s)return null;var r=document.createRange();r.selectNodeContents(s);r.setEnd(n,o);return parseInt(s.id.slice(1),10)+Array.from(r.toString()).length;}\
document.addEventListener('mouseup',function(ev){if(ev.target.closest&&ev.target.closest('a,button,input,select,textarea,label,form,summary'))return;var sel=window.getSelection();\
if(sel&&!sel.isCollapsed){var a=pos(sel.anchorNode,sel.anchorOffset),b=pos(sel.focusNode,sel.focusOffset);if(a===null||b===null)return;var x=Math.min(a,b),y=Math.max(a,b);if(y>x){location.search='?at='+x+'&to='+y;}return;}\
var s=ev.target.closest&&ev.target.closest('.s');if(s){location.search='?at='+s.id.slice(1);}});})();";

fn polarity_ru(p: &str) -> &'static str {
    match p {
        "positive" => "похвала",
        "negative" => "критика",
        "mixed" => "смешанная",
        _ => "нейтральная",
    }
}

fn feature_ru(name: &str) -> &str {
    crate::report::FEATURE_NAMES_RU
        .iter()
        .find(|(k, _)| *k == name)
        .map_or(name, |(_, v)| v)
}

/// The search list of a parameter's respondent passages, of a wave and division when given.
fn passages_link(param: &str, wave: Option<&str>, division: Option<&str>) -> String {
    let mut link = format!("/search?param={}&role=respondent", url_encode(param));
    for (k, v) in [("wave", wave), ("division", division)] {
        if let Some(v) = v {
            let _ = write!(link, "&{k}={}", url_encode(v));
        }
    }
    link
}

/// A parameter's quote board: pinned quotes first, then the best candidates with their score
/// broken down; each with a pin (editable trimming) or unpin button.
pub fn quotes(
    app: &App,
    param: usize,
    list: &[crate::quotes::Quote],
    pins: &Pins,
    wave: Option<&str>,
    division: Option<&str>,
) -> String {
    let p = &app.codebook.parameters[param];
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>Цитаты: {}</h1><p class=\"muted\">Закреплённые цитаты отчёт покажет первыми, с вашей обрезкой (файл {}). \
<a href=\"{}\">Все фрагменты параметра{}</a></p>",
        esc(&p.name),
        esc(crate::report::pins::PINS_FILE),
        esc(&passages_link(&p.id, wave, division)),
        if wave.is_some() || division.is_some() {
            " с этими фильтрами"
        } else {
            ""
        }
    );
    b.push_str(&super::memos::for_param(app, &p.id));
    let board_link = |wave: Option<&str>, division: Option<&str>| {
        let mut link = format!(
            "/quotes/{}?wave={}",
            url_encode(&p.id),
            url_encode(wave.unwrap_or("all"))
        );
        if let Some(d) = division {
            link.push_str("&division=");
            link.push_str(&url_encode(d));
        }
        link
    };
    let waves = app.waves();
    if !waves.is_empty() {
        b.push_str("<p>Волна: ");
        for w in waves.iter().map(|w| Some(w.as_str())).chain([None]) {
            let label = w.unwrap_or("все");
            if w == wave {
                let _ = write!(b, "<b>{}</b> ", esc(label));
            } else {
                let _ = write!(
                    b,
                    "<a href=\"{}\">{}</a> ",
                    esc(&board_link(w, division)),
                    esc(label)
                );
            }
        }
        b.push_str("</p>");
    }
    let divisions = app.divisions();
    if !divisions.is_empty() {
        b.push_str("<p>Подразделение: ");
        for d in divisions.iter().map(|d| Some(d.as_str())).chain([None]) {
            let label = d.unwrap_or("все");
            let current = match (d, division) {
                (Some(d), Some(want)) => super::same_meta(d, want),
                (None, None) => true,
                _ => false,
            };
            if current {
                let _ = write!(b, "<b>{}</b> · ", esc(label));
            } else {
                let _ = write!(
                    b,
                    "<a href=\"{}\">{}</a> · ",
                    esc(&board_link(wave, d)),
                    esc(label)
                );
            }
        }
        b.truncate(b.len() - " · ".len());
        b.push_str("</p>");
    }
    let action = |what: &str| format!("/quotes/{}/{what}", url_encode(&p.id));
    let pinned: Vec<&Pin> = pins.of(&p.id).collect();
    if !pinned.is_empty() {
        b.push_str("<h2>Закреплённые</h2>");
    }
    for pin in &pinned {
        let shown = pin.text.clone().unwrap_or_else(|| {
            list.iter()
                .find(|q| q.doc == pin.doc && q.chars.0 == pin.start)
                .map_or_else(String::new, |q| q.text.clone())
        });
        let _ = write!(
            b,
            "<div class=\"quote pinned\"><blockquote>{}</blockquote><p class=\"muted\"><a href=\"/transcripts/{}?at={}#s{}\">{}</a></p>\
<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"doc\" value=\"{}\">\
<input type=\"hidden\" name=\"start\" value=\"{}\"><button>Открепить</button></form></div>",
            esc(&shown),
            doc_path(&pin.doc),
            pin.start,
            pin.start,
            esc(&pin.doc),
            esc(&action("unpin")),
            esc(&app.csrf),
            esc(&pin.doc),
            pin.start
        );
    }
    b.push_str("<h2>Кандидаты</h2>");
    if list.is_empty() {
        b.push_str(
            if wave.is_some() || division.is_some() {
                "<p class=\"muted\">Нет цитат-кандидатов: в ответах выбранной волны и подразделения параметр не встречается.</p>"
            } else {
                "<p class=\"muted\">Нет цитат-кандидатов: параметр не встречается в ответах.</p>"
            },
        );
    }
    for (rank, q) in list.iter().enumerate() {
        let is_pinned = pins.is_pinned(&p.id, &q.doc, q.chars.0);
        let features: Vec<String> = q
            .features
            .iter()
            .filter(|(_, v)| v.abs() >= 0.005)
            .map(|(k, v)| {
                let v = crate::ru::decimal(f64::from(*v), 2);
                let sign = if v.starts_with(crate::ru::MINUS) {
                    ""
                } else {
                    "+"
                };
                format!("{} {sign}{v}", feature_ru(k))
            })
            .collect();
        let _ = write!(
            b,
            "<div class=\"quote\" id=\"q{rank}\"><p><b>{}.</b> <span class=\"muted\">{} · {} · оценка {} = {}</span></p>",
            rank + 1,
            esc(&q.attribution),
            polarity_ru(q.polarity.as_str()),
            crate::ru::decimal(f64::from(q.score), 2),
            esc(&features.join(", "))
        );
        if is_pinned {
            let _ = write!(
                b,
                "<blockquote>{}</blockquote><p class=\"muted\">закреплена</p>",
                esc(&q.text)
            );
        } else {
            let _ = write!(
                b,
                "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"doc\" value=\"{}\"><input type=\"hidden\" name=\"start\" value=\"{}\"><input type=\"hidden\" name=\"end\" value=\"{}\">\
<textarea name=\"text\" rows=\"3\">{}</textarea><br><button>Закрепить</button></form>",
                esc(&action("pin")),
                esc(&app.csrf),
                esc(&q.doc),
                q.chars.0,
                q.chars.1,
                esc(&q.text)
            );
        }
        let _ = write!(
            b,
            "<p class=\"muted\"><a href=\"/transcripts/{}?at={}#s{}\">{}</a></p></div>",
            doc_path(&q.doc),
            q.chars.0,
            q.chars.0,
            esc(&q.doc)
        );
    }
    layout(&format!("Цитаты: {}", p.name), &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestConfig, ingest_bytes};
    use crate::model::Format;

    /// CIELAB of an `#rrggbb` colour (D65).
    fn lab(hex: &str) -> [f64; 3] {
        let c = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = (c(0), c(1), c(2));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| {
            if t > 0.008856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    #[test]
    fn the_shipped_codebooks_parameters_get_distinct_colours() {
        let cb = crate::codebook::Codebook::load(None, &mut crate::text::Analyzer::new()).unwrap();
        let n = cb.parameters.len();
        assert!(n >= 24 && n <= PALETTE.len(), "{n} parameters");
        let colours: Vec<&str> = (0..n).map(colour_at).collect();
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (lab(colours[i]), lab(colours[j]));
                let delta =
                    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
                assert!(
                    delta >= 30.0,
                    "{} {} and {} {}: ΔE {delta:.1}",
                    cb.parameters[i].id,
                    colours[i],
                    cb.parameters[j].id,
                    colours[j]
                );
            }
        }
        // Each readable on white: not too light.
        for c in PALETTE {
            assert!(lab(c)[0] <= 76.0, "{c}");
        }
    }

    #[test]
    fn one_label_per_speaker_names_kept_generic_labels_made_roles() {
        let read = |text: &str| {
            ingest_bytes(
                "a.txt",
                Format::Txt,
                text.as_bytes(),
                &IngestConfig::default(),
            )
            .unwrap()
        };
        let t = read(
            "Спикер 1: Как вам сроки?\nСпикер 2: Срывают.\nСпикер 1: А цены?\nСпикер 2: Высокие.\n",
        );
        assert_eq!(speaker_labels(&t), ["Интервьюер", "Респондент"]);
        let t = read(
            "Интервьюер: Как вам сроки?\nSPEAKER_01: Срывают.\nSPEAKER_02: Согласен, срывают.\nИнтервьюер: А цены?\nSPEAKER_01: Высокие.\n",
        );
        assert_eq!(
            speaker_labels(&t),
            ["Интервьюер", "Респондент 1", "Респондент 2"]
        );
        let t = read("Интервьюер: Как вам сроки?\nИрина Львовна: Срывают.\n");
        assert_eq!(speaker_labels(&t), ["Интервьюер", "Ирина Львовна"]);
    }

    #[test]
    fn metadata_keys_read_in_russian() {
        assert_eq!(meta_label("division"), "Подразделение");
        assert_eq!(meta_label("role"), "Роль");
        assert_eq!(meta_label("wave"), "Волна");
        assert_eq!(meta_label("asr"), "asr");
        let mut keys = vec!["company", "wave", "asr", "division", "respondent"];
        keys.sort_by_key(|k| meta_order(k));
        assert_eq!(keys, ["respondent", "division", "wave", "company", "asr"]);
    }
}
