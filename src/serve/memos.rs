//! Memos in the web app: shown on the transcript page (memos on the interview at the top,
//! a small note after the sentence a span memo starts in) and on a parameter's quote board;
//! `POST /memos` writes one to the study's memos.tsv (as `citata memo add` does).
//!
//! Kept apart from `pages` so that the pages only call [`for_transcript`] and [`for_param`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{App, pages, stale_form};
use crate::memos::{Anchor, MEMOS_FILE, Memo, Memos, SpanAnchor};
use crate::model::{CharIndex, Transcript};
use crate::report::render::esc;

/// Longest memo accepted, in bytes.
pub const MAX_MEMO: usize = 8000;

/// Serializes changes to the memos file.
static WRITING: Mutex<()> = Mutex::new(());

const NOTE_STYLE: &str = "display:block;margin:.2em 0 .3em;padding:.2em .5em;border-left:3px solid #c98a00;background:#fff8e1;font-size:.85em;white-space:pre-wrap";
const FORM_STYLE: &str =
    "margin:.5em 0 1em;padding:.4em .6em;background:#f7f9fb;border:1px solid #ddd";

/// One memo as a note: its text, then author and date.
fn note(m: &Memo, extra: &str) -> String {
    format!(
        "<span class=\"memo\" style=\"{NOTE_STYLE}\">✎ {}<span class=\"muted\"> — {}, {}{}</span></span>",
        esc(&m.text),
        esc(&m.author),
        esc(m.date.get(..10).unwrap_or(&m.date)),
        esc(extra)
    )
}

/// The memos of a transcript as the page shows them.
#[derive(Default)]
pub struct TranscriptMemos {
    /// Above the turns: the memos on the interview, those whose span changed, the form.
    pub top: String,
    /// Notes after a sentence, by the sentence's start (code points).
    pub by_sentence: BTreeMap<usize, String>,
}

/// The memos of transcript `t`, and the form to write one (on the sentence at `at` when the
/// page was opened at one, else on the interview).
pub fn for_transcript(app: &App, t: &Transcript, at: Option<usize>) -> TranscriptMemos {
    let mut out = TranscriptMemos::default();
    let memos = match Memos::of_study(&app.study) {
        Ok(m) => m,
        Err(e) => {
            out.top = format!("<p class=\"err\">{}</p>", esc(&e.to_string()));
            return out;
        }
    };
    let ix = CharIndex::new(&t.text);
    let mut top = String::new();
    for (m, placed) in memos.placed(t) {
        match placed {
            Ok(None) => top.push_str(&note(m, "")),
            Ok(Some(span)) => {
                let sentence = t.sentences.iter().find(|s| {
                    s.span.start <= span.start && span.start < s.span.end.max(s.span.start + 1)
                });
                match sentence {
                    Some(s) => {
                        let whole = s.span == span;
                        let extra = if whole {
                            String::new()
                        } else {
                            format!(" · о «{}»", t.slice(span))
                        };
                        out.by_sentence
                            .entry(ix.char_offset(s.span.start))
                            .or_default()
                            .push_str(&note(m, &extra));
                    }
                    None => top.push_str(&note(m, &format!(" · о «{}»", t.slice(span)))),
                }
            }
            Err(_) => {
                let was = match &m.anchor {
                    Anchor::Span(s) => s.text.as_str(),
                    _ => "",
                };
                top.push_str(&note(
                    m,
                    &format!(" · фрагмент «{was}» изменился после правки стенограммы"),
                ));
            }
        }
    }
    if !top.is_empty() {
        out.top.push_str("<div class=\"memos\"><b>Заметки</b>");
        out.top.push_str(&top);
        out.top.push_str("</div>");
    }
    // The form: on the sentence the page was opened at, else on the interview.
    let here = at.and_then(|a| {
        t.sentences.iter().find(|s| {
            let (x, y) = (ix.char_offset(s.span.start), ix.char_offset(s.span.end));
            a >= x && a < y.max(x + 1)
        })
    });
    let (what, span) = match here {
        Some(s) => (
            format!("к предложению «{}»", t.slice(s.span)),
            format!(
                "<input type=\"hidden\" name=\"start\" value=\"{}\"><input type=\"hidden\" name=\"end\" value=\"{}\">",
                ix.char_offset(s.span.start),
                ix.char_offset(s.span.end)
            ),
        ),
        None => ("к интервью".to_string(), String::new()),
    };
    let _ = write!(
        out.top,
        "<details style=\"{FORM_STYLE}\"><summary>Добавить заметку {}</summary><form method=\"post\" action=\"/memos\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"doc\" value=\"{}\">{span}\
<textarea name=\"text\" rows=\"3\" style=\"width:100%;font:inherit\" required></textarea><br>\
<label>Автор <input name=\"author\"></label> <button>Сохранить заметку</button></form></details>",
        esc(&what),
        esc(&app.csrf),
        esc(&t.doc)
    );
    out
}

/// The memos on parameter `param` and the form to write one, for its quote board.
pub fn for_param(app: &App, param: &str) -> String {
    let mut b = String::new();
    match Memos::of_study(&app.study) {
        Ok(memos) => {
            let list: Vec<&Memo> = memos.of_param(param).collect();
            if !list.is_empty() {
                b.push_str("<div class=\"memos\"><b>Заметки</b>");
                for m in list {
                    b.push_str(&note(m, ""));
                }
                b.push_str("</div>");
            }
        }
        Err(e) => {
            let _ = write!(b, "<p class=\"err\">{}</p>", esc(&e.to_string()));
        }
    }
    let _ = write!(
        b,
        "<details style=\"{FORM_STYLE}\"><summary>Добавить заметку к параметру</summary><form method=\"post\" action=\"/memos\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"param\" value=\"{}\">\
<textarea name=\"text\" rows=\"3\" style=\"width:100%;font:inherit\" required></textarea><br>\
<label>Автор <input name=\"author\"></label> <button>Сохранить заметку</button></form></details>",
        esc(&app.csrf),
        esc(param)
    );
    b
}

/// The fields of the memo form.
#[derive(Debug, Deserialize)]
pub struct MemoForm {
    /// The form token.
    pub csrf: String,
    /// A document id (a memo on a transcript or a span of it).
    #[serde(default)]
    pub doc: Option<String>,
    /// A parameter id (a memo on a parameter).
    #[serde(default)]
    pub param: Option<String>,
    /// Start of the span, code points.
    #[serde(default)]
    pub start: Option<usize>,
    /// End of the span, code points.
    #[serde(default)]
    pub end: Option<usize>,
    /// The memo.
    pub text: String,
    /// Who writes it (default: the server's user).
    #[serde(default)]
    pub author: Option<String>,
}

fn refused(status: StatusCode, msg: &str) -> Response {
    (status, Html(pages::not_found(msg))).into_response()
}

/// `POST /memos`: writes a memo and goes back to the transcript (at the span) or the board.
pub async fn add(State(app): State<Arc<App>>, Form(form): Form<MemoForm>) -> Response {
    if let Some(stale) = stale_form(&form.csrf, &app.csrf) {
        return stale;
    }
    let text = form.text.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, "Заметка пуста.");
    }
    if text.len() > MAX_MEMO {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Заметка длиннее {MAX_MEMO} байт."),
        );
    }
    let (anchor, back) = match (&form.param, &form.doc) {
        (Some(p), _) => {
            if app.codebook.parameter(p).is_none() {
                return refused(StatusCode::NOT_FOUND, &format!("Нет такого параметра: {p}"));
            }
            (
                Anchor::Parameter(p.clone()),
                format!("/quotes/{}", pages::url_encode(p)),
            )
        }
        (None, Some(doc)) => {
            let view = match app.index.transcript(doc) {
                Ok(Some(v)) => v,
                Ok(None) => {
                    return refused(
                        StatusCode::NOT_FOUND,
                        &format!("Нет такого интервью: {doc}"),
                    );
                }
                Err(e) => {
                    return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
                }
            };
            let path = doc
                .split('/')
                .map(pages::url_encode)
                .collect::<Vec<_>>()
                .join("/");
            match (form.start, form.end) {
                (Some(start), Some(end)) => {
                    match SpanAnchor::new(doc, &view.transcript.text, start, end) {
                        Some(s) => (
                            Anchor::Span(s),
                            format!("/transcripts/{path}?at={start}#s{start}"),
                        ),
                        None => {
                            return refused(
                                StatusCode::UNPROCESSABLE_ENTITY,
                                &format!("Фрагмент {start}..{end} вне текста интервью {doc}."),
                            );
                        }
                    }
                }
                _ => (
                    Anchor::Document(doc.clone()),
                    format!("/transcripts/{path}"),
                ),
            }
        }
        (None, None) => {
            return refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Заметка ни к чему не относится: нужен doc или param.",
            );
        }
    };
    let author = form
        .author
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into());
    let _guard = WRITING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = app.study.join(MEMOS_FILE);
    let mut memos = match Memos::load(&path) {
        Ok(m) => m,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    memos.add(Memo {
        anchor,
        author,
        date: crate::memos::now(),
        text,
    });
    let saved = memos.save(&path);
    app.reports.invalidate();
    if let Err(e) = saved {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    Redirect::to(&back).into_response()
}
