//! Coding decisions in the web app. On the transcript page, the sentence the page is opened
//! at (`?at=`, which a click on a sentence sets), or a span selected in it (`?at=&to=`), gets
//! a panel: its codes to accept or reject, the decisions taken on it to take back, and a
//! parameter to add. `POST /decisions` writes the study's decisions.tsv (as `citata code`
//! does), codes that transcript again in the index, and forgets the scores, quote pools and
//! reports computed before, so every page shows the decision at once.
//!
//! The coder's name is kept in a cookie (`citata_coder`) so that it is typed once.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{App, pages, stale_form};
use crate::decisions::{Action, DECISIONS_FILE, Decision, Decisions};
use crate::index::TranscriptView;
use crate::model::CharIndex;
use crate::report::render::esc;

/// Serializes changes to the decisions file and the index.
static WRITING: Mutex<()> = Mutex::new(());

/// The cookie that keeps the coder's name.
const CODER_COOKIE: &str = "citata_coder";

/// Longest coder name accepted, in characters.
const MAX_CODER: usize = 100;

const PANEL_STYLE: &str = "margin:.3em 0 .8em 8.5em;padding:.5em .7em;background:#f3f7fb;border:1px solid #c9d6e3;border-radius:4px";

/// The coder's name from the request's cookie, if any.
pub fn coder_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(CODER_COOKIE)?.strip_prefix('='))
        .map(percent_decode)
        .find(|c| !c.trim().is_empty())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a decision is called on the page.
fn done(a: Action) -> &'static str {
    match a {
        Action::Accept => "принято",
        Action::Reject => "отклонено",
        Action::Add => "добавлено",
    }
}

/// The panel for the sentence at code point `at` of the transcript (the span `at..to` when a
/// span was selected in it); empty when `at` is in no sentence.
pub fn panel(
    app: &App,
    view: &TranscriptView,
    at: usize,
    to: Option<usize>,
    coder: &str,
) -> String {
    let t = &view.transcript;
    let ix = CharIndex::new(&t.text);
    let Some(s) = t.sentences.iter().find(|s| {
        let (x, y) = (ix.char_offset(s.span.start), ix.char_offset(s.span.end));
        at >= x && at < y.max(x + 1)
    }) else {
        return String::new();
    };
    let (s_start, s_end) = (ix.char_offset(s.span.start), ix.char_offset(s.span.end));
    let chars = ix.char_offset(t.text.len());
    let (start, end) = match to {
        Some(to) if to > at && to <= chars && (at, to) != (s_start, s_end) => (at, to),
        _ => (s_start, s_end),
    };
    let whole = (start, end) == (s_start, s_end);
    let text: String = t.text.chars().skip(start).take(end - start).collect();
    let mut b = String::new();
    let _ = write!(
        b,
        "<div class=\"decide\" id=\"decide\" style=\"{PANEL_STYLE}\"><form method=\"post\" action=\"/decisions\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"doc\" value=\"{}\">\
<input type=\"hidden\" name=\"start\" value=\"{start}\"><input type=\"hidden\" name=\"end\" value=\"{end}\">\
<b>Кодирование {}</b> «{}» <label class=\"muted\">Кодировщик <input name=\"coder\" value=\"{}\" required maxlength=\"{MAX_CODER}\" size=\"14\"></label>",
        esc(&app.csrf),
        esc(&t.doc),
        if whole {
            "предложения"
        } else {
            "фрагмента"
        },
        esc(&text),
        esc(coder)
    );
    // The decisions taken on this sentence (wherever they fall in it).
    let decisions = match Decisions::load(&app.study.join(DECISIONS_FILE)) {
        Ok(d) => d,
        Err(e) => {
            let _ = write!(b, "<p class=\"err\">{}</p>", esc(&e.to_string()));
            Decisions::default()
        }
    };
    let here: Vec<&Decision> = decisions
        .of_doc(&t.doc)
        .filter(|d| {
            Decisions::locate(t, d).is_ok_and(|sp| {
                sp.start < s.span.end.max(s.span.start + 1) && s.span.start < sp.end
            })
        })
        .collect();
    let undo = |d: &Decision| {
        format!(
            " <span class=\"muted\">{}: {}</span> <button name=\"decide\" value=\"undo:{}:{}:{}\" title=\"Отменить решение\">Отменить</button>",
            done(d.action),
            esc(&d.coder),
            d.start,
            d.end,
            esc(&d.param)
        )
    };
    b.push_str("<ul class=\"codes\">");
    let codes: &[String] = view.codes.get(&s_start).map_or(&[], Vec::as_slice);
    for c in codes {
        let _ = write!(
            b,
            "<li data-code=\"{}\"><i style=\"background:{}\"></i>{}",
            esc(c),
            pages::colour(app, c),
            esc(pages::param_name(app, c))
        );
        let mine: Vec<&&Decision> = here.iter().filter(|d| d.param == *c).collect();
        for d in &mine {
            b.push_str(&undo(d));
        }
        if !mine
            .iter()
            .any(|d| matches!(d.action, Action::Accept | Action::Add))
        {
            let _ = write!(
                b,
                " <button name=\"decide\" value=\"accept:{0}\">Принять</button>",
                esc(c)
            );
        }
        let _ = write!(
            b,
            " <button name=\"decide\" value=\"reject:{0}\">Отклонить</button></li>",
            esc(c)
        );
    }
    // Rejected codes (no longer in the index), to take back.
    for d in here
        .iter()
        .filter(|d| d.action == Action::Reject && !codes.contains(&d.param))
    {
        let _ = write!(
            b,
            "<li class=\"rejected\" data-code=\"{}\"><i style=\"background:{}\"></i><s>{}</s>{}</li>",
            esc(&d.param),
            pages::colour(app, &d.param),
            esc(pages::param_name(app, &d.param)),
            undo(d)
        );
    }
    b.push_str("</ul><label>Добавить код <select name=\"param\">");
    for p in &app.codebook.parameters {
        if !p.id.starts_with('_') {
            let _ = write!(
                b,
                "<option value=\"{}\">{}</option>",
                esc(&p.id),
                esc(&p.name)
            );
        }
    }
    let _ = write!(
        b,
        "</select></label> <button name=\"decide\" value=\"add\">Добавить {}</button>\
<p class=\"muted\">Выделите мышью часть предложения, чтобы кодировать фрагмент.</p></form></div>",
        if whole {
            "к предложению"
        } else {
            "к фрагменту"
        }
    );
    b
}

/// The fields of the decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    /// The form token.
    pub csrf: String,
    /// The document id.
    pub doc: String,
    /// Start of the span, code points.
    pub start: usize,
    /// End of the span, code points.
    pub end: usize,
    /// `accept:ID`, `reject:ID`, `add` (the parameter in `param`) or `undo:START:END:ID`.
    pub decide: String,
    /// The parameter to add.
    #[serde(default)]
    pub param: Option<String>,
    /// Who decides.
    #[serde(default)]
    pub coder: String,
}

/// The way back to the form: the transcript at the span.
fn back(form: &DecisionForm) -> String {
    format!(
        "/transcripts/{}?at={}#decide",
        pages::doc_path(&form.doc),
        form.start
    )
}

/// What the form asks: a decision to record, or one to take back.
enum Change {
    Set(Action, String),
    Undo(usize, usize, String),
}

fn change_of(form: &DecisionForm) -> Option<Change> {
    let (verb, rest) = form.decide.split_once(':').unwrap_or((&form.decide, ""));
    Some(match verb {
        "accept" => Change::Set(Action::Accept, rest.to_string()),
        "reject" => Change::Set(Action::Reject, rest.to_string()),
        "add" => Change::Set(Action::Add, form.param.clone()?),
        "undo" => {
            let mut f = rest.splitn(3, ':');
            let start = f.next()?.parse().ok()?;
            let end = f.next()?.parse().ok()?;
            Change::Undo(start, end, f.next()?.to_string())
        }
        _ => return None,
    })
}

/// `POST /decisions`: records a coder's decision (or takes one back), codes the transcript
/// again in the index, and goes back to the sentence.
pub async fn decide(State(app): State<Arc<App>>, Form(form): Form<DecisionForm>) -> Response {
    if let Some(stale) = stale_form(&form.csrf, &app.csrf) {
        return stale;
    }
    let back_to = back(&form);
    let refused = move |status: StatusCode, msg: &str| -> Response {
        (
            status,
            Html(pages::refusal("Решение не записано", msg, &back_to)),
        )
            .into_response()
    };
    let coder = form.coder.trim().to_string();
    if coder.is_empty() {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Укажите, кто кодирует: поле «Кодировщик» пусто.",
        );
    }
    if coder.chars().count() > MAX_CODER || coder.chars().any(char::is_control) {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Имя кодировщика — одна строка до {MAX_CODER} знаков."),
        );
    }
    let Some(change) = change_of(&form) else {
        return refused(
            StatusCode::BAD_REQUEST,
            &format!("Непонятное решение «{}».", form.decide),
        );
    };
    let param = match &change {
        Change::Set(_, p) | Change::Undo(_, _, p) => p.clone(),
    };
    if app.codebook.parameter(&param).is_none() {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Параметра «{param}» нет в кодовой книге."),
        );
    }
    let app2 = app.clone();
    let doc = form.doc.clone();
    let (start, end) = (form.start, form.end);
    let cookie = format!(
        "{CODER_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict",
        pages::url_encode(&coder)
    );
    let refused_there = refused.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<usize, Box<Response>> {
        let refused = |status, msg: &str| Box::new(refused_there(status, msg));
        let app = app2;
        let failed = |e: &dyn std::fmt::Display| {
            Box::new((StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response())
        };
        let stored = match app.index.stored_transcript(&doc) {
            Ok(Some(s)) => s,
            Ok(None) => {
                return Err(refused(
                    StatusCode::NOT_FOUND,
                    &format!("Нет такого интервью: {doc}"),
                ));
            }
            Err(e) => return Err(failed(&e)),
        };
        let (t, stored_path, stored_hash) = stored.load(&app.index.fields).map_err(|e| failed(&e))?;
        let _guard = WRITING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let path = app.study.join(DECISIONS_FILE);
        let mut decisions = Decisions::load(&path).map_err(|e| failed(&e))?;
        match change {
            Change::Set(action, param) => {
                let Some(d) = Decision::on(&t, action, (start, end), &param, &coder) else {
                    return Err(refused(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("Фрагмент {start}..{end} вне текста интервью {doc}."),
                    ));
                };
                decisions.set(d);
            }
            Change::Undo(x, y, param) => {
                if decisions.remove(&doc, x, y, &param).is_none() {
                    return Err(refused(
                        StatusCode::NOT_FOUND,
                        "Такого решения нет: его уже отменили? Обновите страницу.",
                    ));
                }
            }
        }
        decisions.save(&path).map_err(|e| failed(&e))?;
        // Back to the sentence the span starts in.
        let ix = CharIndex::new(&t.text);
        let sentence = t
            .sentences
            .iter()
            .map(|s| ix.char_offset(s.span.start))
            .take_while(|&x| x <= start)
            .last()
            .unwrap_or(start);
        let recoded = crate::study::index::recode(
            &app.index,
            app.tagger(),
            &decisions,
            t,
            &stored_path,
            &stored_hash,
        )
        .and_then(|()| Ok(app.index.reload()?));
        app.codings_changed();
        if let Err(e) = recoded {
            return Err(failed(&format!(
                "Решение записано в {DECISIONS_FILE}, но индекс не обновлён ({e}); выполните citata index add."
            )));
        }
        Ok(sentence)
    })
    .await;
    let sentence = match done {
        Ok(Ok(s)) => s,
        Ok(Err(r)) => return *r,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let back = format!(
        "/transcripts/{}?at={sentence}#s{sentence}",
        pages::doc_path(&form.doc)
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coder_comes_back_from_the_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; citata_coder=%D0%90%D0%BD%D0%BD%D0%B0%20%D0%9A.; b=2"
                .parse()
                .unwrap(),
        );
        assert_eq!(coder_of(&h).as_deref(), Some("Анна К."));
        assert_eq!(coder_of(&HeaderMap::new()), None);
    }

    #[test]
    fn the_form_says_what_to_change() {
        let form = |decide: &str, param: Option<&str>| DecisionForm {
            csrf: String::new(),
            doc: "a.txt".into(),
            start: 0,
            end: 5,
            decide: decide.into(),
            param: param.map(str::to_string),
            coder: "Анна".into(),
        };
        assert!(matches!(
            change_of(&form("reject:delivery", None)),
            Some(Change::Set(Action::Reject, p)) if p == "delivery"
        ));
        assert!(matches!(
            change_of(&form("add", Some("pricing"))),
            Some(Change::Set(Action::Add, p)) if p == "pricing"
        ));
        assert!(change_of(&form("add", None)).is_none());
        assert!(matches!(
            change_of(&form("undo:3:9:delivery", None)),
            Some(Change::Undo(3, 9, p)) if p == "delivery"
        ));
        assert!(change_of(&form("undo:x:9:delivery", None)).is_none());
        assert!(change_of(&form("delete:delivery", None)).is_none());
    }
}
