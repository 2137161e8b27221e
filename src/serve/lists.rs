//! The pages of a working day beyond search: the list of transcripts (attributes, coverage,
//! warnings, and the study's files that are not in the index, with the reason), the
//! parameter × division and × wave tables with co-occurrence of parameters, search lists
//! without a search word as whole sentences in context, and any search list exported to
//! `.xlsx` and `.docx` (masked, through the report's office writers).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::pages::{
    colour, colour_at, doc_path, layout, meta_label, meta_order, param_name, speaker_labels,
    url_encode,
};
use super::{App, SearchParams};
use crate::index::{Hit, TranscriptView};
use crate::model::{CharIndex, Role, Transcript};
use crate::report::passages::{Passage, PassageList};
use crate::report::render::esc;

/// Most passages an export holds.
pub const EXPORT_MAX: usize = 10_000;

/// Most files of the study folder missing from the index that the transcript list reads to
/// say why (a folder indexed elsewhere would otherwise be read whole on every visit).
const MAX_CHECKED: usize = 50;

/// A transcript of the index with what the pages need beside it: the code point start of
/// each speech sentence (with its index), and one label per speaker.
struct Doc {
    view: TranscriptView,
    starts: Vec<(usize, usize)>,
    labels: Vec<String>,
}

impl Doc {
    fn new(view: TranscriptView) -> Doc {
        let t = &view.transcript;
        let ix = CharIndex::new(&t.text);
        let starts = t
            .sentences
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.non_speech)
            .map(|(i, s)| (ix.char_offset(s.span.start), i))
            .collect();
        let labels = speaker_labels(t);
        Doc {
            view,
            starts,
            labels,
        }
    }

    fn transcript(&self) -> &Transcript {
        &self.view.transcript
    }

    fn meta(&self, key: &str) -> &str {
        self.transcript().meta.get(key).map_or("", |v| v.trim())
    }

    /// The role of the sentence at sentence index `i`.
    fn role(&self, i: usize) -> Role {
        let t = self.transcript();
        t.turn_speaker(&t.turns[t.sentences[i].turn]).role
    }
}

/// The transcripts of the index named in `docs`, each loaded once.
fn docs_of<'a>(app: &App, docs: impl IntoIterator<Item = &'a str>) -> HashMap<String, Doc> {
    let mut out = HashMap::new();
    for d in docs {
        if out.contains_key(d) {
            continue;
        }
        if let Ok(Some(view)) = app.index.transcript(d) {
            out.insert(d.to_string(), Doc::new(view));
        }
    }
    out
}

/// Every transcript of the index, in document order.
fn all_docs(app: &App) -> crate::Result<Vec<Doc>> {
    let mut ids: Vec<String> = app.index.hashes()?.into_keys().collect();
    ids.sort();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(view) = app.index.transcript(&id)? {
            out.push(Doc::new(view));
        }
    }
    Ok(out)
}

/// A neighbour of a listed sentence: its text, and who speaks when another turn.
pub struct Side {
    /// The speaker's label when the neighbour is in another turn.
    pub who: Option<String>,
    /// The sentence.
    pub text: String,
}

/// The sentences before and after a listed one.
#[derive(Default)]
pub struct Context {
    /// The sentence before, if any.
    pub before: Option<Side>,
    /// The sentence after, if any.
    pub after: Option<Side>,
}

/// The neighbours of each hit (in the hits' order), each transcript loaded once.
pub(super) fn contexts(app: &App, hits: &[Hit]) -> Vec<Context> {
    let docs = docs_of(app, hits.iter().map(|h| h.doc.as_str()));
    hits.iter()
        .map(|h| {
            let Some(d) = docs.get(&h.doc) else {
                return Context::default();
            };
            let Ok(k) = d.starts.binary_search_by_key(&h.start, |(s, _)| *s) else {
                return Context::default();
            };
            let t = d.transcript();
            let own_turn = t.sentences[d.starts[k].1].turn;
            let side = |j: usize| {
                let s = &t.sentences[d.starts[j].1];
                Side {
                    who: (s.turn != own_turn).then(|| d.labels[t.turns[s.turn].speaker].clone()),
                    text: t.slice(s.span).to_string(),
                }
            };
            Context {
                before: k.checked_sub(1).map(side),
                after: (k + 1 < d.starts.len()).then(|| side(k + 1)),
            }
        })
        .collect()
}

/// Small squares in the colours of `codes`, named on hover.
fn code_marks(app: &App, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| {
            format!(
                "<i title=\"{}\" style=\"display:inline-block;width:.6em;height:.6em;margin-right:1px;background:{}\"></i>",
                esc(param_name(app, c)),
                colour(app, c)
            )
        })
        .collect()
}

/// Hits as whole sentences across the list's width, the sentence before and after dimmed
/// (for lists without a search word, where KWIC columns have nothing to centre on).
pub(super) fn paragraphs(app: &App, hits: &[Hit], contexts: &[Context]) -> String {
    let mut b = String::from("<div class=\"paras\">");
    let side = |s: &Option<Side>| -> String {
        s.as_ref().map_or(String::new(), |s| {
            let who = s
                .who
                .as_ref()
                .map_or(String::new(), |w| format!("<b>{}:</b> ", esc(w)));
            format!("<span class=\"ctx\">{who}{}</span>", esc(&s.text))
        })
    };
    let none = Context::default();
    for (i, h) in hits.iter().enumerate() {
        let c = contexts.get(i).unwrap_or(&none);
        let _ = write!(
            b,
            "<div class=\"para\"><div class=\"src\">{} <a href=\"/transcripts/{}?at={}#s{}\">{}</a> · <span class=\"muted\">{}</span></div>\
<p>{} <span class=\"hit\">{}</span> {}</p></div>",
            code_marks(app, &h.codes),
            doc_path(&h.doc),
            h.start,
            h.start,
            esc(&h.doc),
            esc(&h.speaker),
            side(&c.before),
            esc(&h.text),
            side(&c.after)
        );
    }
    b.push_str("</div>");
    b
}

/// The search's fields as a query string (the same list, for the export links).
pub(super) fn query_string(p: &SearchParams) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("q", p.q.clone())];
    for (k, v) in super::pages::filter_fields(p) {
        if let Some(v) = v {
            pairs.push((k, v.clone()));
        }
    }
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn polarity_ru(p: &str) -> &'static str {
    match p {
        "positive" => "похвала",
        "negative" => "критика",
        "mixed" => "смешанная",
        "neutral" => "нейтральная",
        _ => "",
    }
}

/// What a list is, in Russian: «Фрагменты: Сроки поставки комплектующих · критика · …».
pub(super) fn describe(app: &App, p: &SearchParams) -> String {
    let some = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let mut parts = Vec::new();
    if !p.q.trim().is_empty() {
        parts.push(format!("«{}»", p.q.trim()));
    }
    if let Some(c) = some(&p.param) {
        parts.push(param_name(app, &c).to_string());
    }
    if let Some(l) = some(&p.level) {
        let name = app
            .codebook
            .levels
            .iter()
            .find(|x| x.id == l)
            .map_or(l.clone(), |x| x.name.clone());
        parts.push(name);
    }
    if let Some(d) = some(&p.division) {
        parts.push(d);
    }
    if let Some(w) = some(&p.wave) {
        parts.push(format!("волна {w}"));
    }
    match some(&p.role).as_deref() {
        Some("respondent") => parts.push("респонденты".into()),
        Some("interviewer") => parts.push("интервьюер".into()),
        _ => {}
    }
    if let Some(x) = some(&p.polarity) {
        parts.push(polarity_ru(&x).to_string());
    }
    if some(&p.wish).is_some() {
        parts.push("пожелания".into());
    }
    if parts.is_empty() {
        "Фрагменты".into()
    } else {
        format!("Фрагменты: {}", parts.join(" · "))
    }
}

/// The list a search gives, for the office: up to [`EXPORT_MAX`] passages, each masked
/// with its transcript's own names.
fn passage_list(app: &App, p: &SearchParams) -> Result<PassageList, crate::Error> {
    let mut q = p.query().map_err(|reason| crate::Error::BadInput {
        path: "query".into(),
        reason,
    })?;
    q.limit = EXPORT_MAX;
    q.facets = false;
    let r = app.index.search(&q)?;
    let docs = docs_of(app, r.hits.iter().map(|h| h.doc.as_str()));
    let mut private: HashMap<&str, Vec<String>> = HashMap::new();
    let passages = r
        .hits
        .iter()
        .map(|h| {
            let doc = docs.get(&h.doc);
            let words = private.entry(h.doc.as_str()).or_insert_with(|| {
                doc.map_or_else(Vec::new, |d| {
                    crate::quotes::mask::private_words(d.transcript())
                })
            });
            Passage {
                doc: h.doc.clone(),
                speaker: h.speaker.clone(),
                wave: doc.map_or("", |d| d.meta("wave")).to_string(),
                division: doc.map_or("", |d| d.meta("division")).to_string(),
                start: h.start,
                end: h.end,
                codes: h
                    .codes
                    .iter()
                    .map(|c| param_name(app, c).to_string())
                    .collect(),
                polarity: polarity_ru(h.polarity.as_deref().unwrap_or("")).to_string(),
                text: crate::quotes::mask::mask(&h.text, words),
            }
        })
        .collect();
    Ok(PassageList {
        title: describe(app, p),
        total: r.total,
        passages,
    })
}

/// `/search.xlsx?…`, `/search.docx?…`: the search's list as a file to download.
pub(super) async fn export(
    State(app): State<Arc<App>>,
    Path(ext): Path<String>,
    Query(p): Query<SearchParams>,
) -> Response {
    let media = match ext.as_str() {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => {
            return (
                StatusCode::NOT_FOUND,
                Html(super::pages::not_found(
                    "Список можно скачать как xlsx или docx",
                )),
            )
                .into_response();
        }
    };
    if p.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Html(layout(
                "Нечего скачивать",
                "<h1>Нечего скачивать</h1><p>Задайте запрос или фильтр на странице <a href=\"/search\">поиска</a>, затем скачайте список.</p>",
            )),
        )
            .into_response();
    }
    let built = tokio::task::spawn_blocking(move || {
        let list = passage_list(&app, &p).map_err(|e| e.to_string())?;
        let bytes = if ext == "xlsx" {
            crate::report::xlsx::passages_xlsx(&list)
        } else {
            crate::report::docx::passages_docx(&list)
        };
        bytes
            .map(|b| (b, ext))
            .map_err(|e| format!("cannot write the list: {e}"))
    })
    .await;
    match built {
        Ok(Ok((bytes, ext))) => (
            [
                (header::CONTENT_TYPE, media.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"fragments.{ext}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, e).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// A file of the study folder that is not in the index, and why.
struct Unread {
    doc: String,
    reason: &'static str,
    detail: String,
}

/// Why a file could not be read, in Russian, and the reader's own words.
fn why_ru(e: &crate::Error) -> (&'static str, String) {
    use crate::Error;
    use crate::ingest::ReadError;
    match e {
        Error::Read { reason, .. } => (
            match reason {
                ReadError::Encoding(_) => "не текст или кодировка не распознана",
                ReadError::Docx(_) => "файл Word повреждён или не читается",
                ReadError::Subtitles(_) => "в субтитрах нет реплик или время записано с ошибкой",
                ReadError::Json(_) => "JSON не читается или не похож на стенограмму",
            },
            reason.to_string(),
        ),
        Error::Io { cause, .. } => ("файл не открывается", cause.to_string()),
        Error::BadInput { reason, .. } => ("файл не читается как стенограмма", reason.clone()),
        Error::Unsupported { .. } => ("такой формат файлов citata не читает", String::new()),
        other => ("файл не читается", other.to_string()),
    }
}

/// The study folder's transcripts that the index does not hold, read again to say why.
fn unread(app: &App, indexed: &BTreeSet<&str>) -> Vec<Unread> {
    let mut notes = Vec::new();
    let sources = match crate::study::sources(std::slice::from_ref(&app.study), &mut notes) {
        Ok(Some(s)) => s,
        Ok(None) => return Vec::new(),
        Err(e) => {
            return vec![Unread {
                doc: app.study.display().to_string(),
                reason: "папка исследования не читается",
                detail: e.to_string(),
            }];
        }
    };
    let config = crate::ingest::IngestConfig::default();
    sources
        .iter()
        .filter(|s| !indexed.contains(s.doc.as_str()))
        .enumerate()
        .map(|(i, s)| {
            let read = (i < MAX_CHECKED).then(|| crate::ingest::ingest_source(s, &config));
            let (reason, detail) = match read {
                Some(Err(e)) => why_ru(&e),
                Some(Ok(_)) => (
                    "файл читается, но его нет в индексе: он добавлен или изменён после запуска; перезапустите citata serve",
                    String::new(),
                ),
                None => ("нет в индексе", String::new()),
            };
            Unread {
                doc: s.doc.clone(),
                reason,
                detail,
            }
        })
        .collect()
}

/// A share as a whole percentage, «53 %».
fn percent(part: usize, whole: usize) -> String {
    (100 * part + whole / 2)
        .checked_div(whole)
        .map_or_else(|| "—".to_string(), |p| format!("{p} %"))
}

/// What an ingest warning (or a coding decision's) means, in Russian, for the page; the
/// reader's own words are shown under it. `None` for a warning not known here.
fn warning_ru(w: &str) -> Option<&'static str> {
    const KNOWN: [(&str, &str); 14] = [
        (
            "too few to be a transcript's labels",
            "Строк, похожих на метку говорящего («Имя: …»), меньше одной на сто строк файла: это не метки, а речь. Они прочитаны как текст, а файл — как стенограмма без меток.",
        ),
        (
            "outside any speaker's turn",
            "Строки вне реплик (до первой метки говорящего или после заголовка) не кодируются и не цитируются; если это речь, добавьте метку говорящего.",
        ),
        (
            "no speaker labels found; the paragraphs alternate",
            "Меток говорящих нет: абзацы прочитаны как чередование вопрос / ответ. Проверьте реплики или добавьте метки «Интервьюер:» / «Респондент:».",
        ),
        (
            "no speaker labels found",
            "Меток говорящих нет: весь текст прочитан как одна реплика респондента, без интервьюера. Добавьте метки «Интервьюер:» / «Респондент:».",
        ),
        (
            "outside the speaker table were ignored",
            "Абзацы и таблицы вне таблицы реплик пропущены.",
        ),
        (
            "the file is XML/HTML saved as",
            "Файл — XML/HTML, сохранённый с расширением текста: теги удалены. Надёжнее сохранить его как обычный текст.",
        ),
        (
            "no speaker_id on the words",
            "В распознавании нет разметки говорящих: весь текст — одна реплика респондента, без интервьюера.",
        ),
        (
            "SpeechKit result with one audio channel",
            "Один аудиоканал: говорящих не различить, весь текст — одна реплика респондента. Пишите каждого говорящего в свой канал.",
        ),
        (
            "the recognized text has no punctuation",
            "В распознанном тексте нет пунктуации: границы предложений поставлены по паузам.",
        ),
        (
            "sentence boundaries are inferred",
            "Границы части предложений поставлены автоматически: сплошная речь без пунктуации разрезана по вводным словам, союзам и запятым.",
        ),
        (
            "turn(s) of over",
            "Есть реплики длиннее 200 предложений: в интервью реплики намного короче, так что там, скорее всего, потеряна или неверно прочитана метка говорящего. Контекст вопроса получают только первые 40 предложений ответа (настройка кодбука context_sentences).",
        ),
        (
            "credit the translator or the subtitle maker",
            "Строки субтитров с указанием переводчика или автора субтитров — не речь, они пропущены.",
        ),
        (
            "no speaker marks in the subtitles",
            "В субтитрах нет меток говорящих: весь текст — одна реплика респондента, без интервьюера.",
        ),
        (
            "the text there changed; the decision is not applied",
            "Решение кодировщика не применено: текст фрагмента изменился после правки стенограммы.",
        ),
    ];
    KNOWN
        .iter()
        .find(|(en, _)| w.contains(en))
        .map(|(_, ru)| *ru)
}

/// `/transcripts`: every transcript with its attributes, coverage and warnings; the files of
/// the study folder that are not in the index with the reason.
pub(super) async fn transcripts(State(app): State<Arc<App>>) -> Response {
    let page = tokio::task::spawn_blocking(move || -> crate::Result<String> {
        let docs = all_docs(&app)?;
        let indexed: BTreeSet<&str> = docs.iter().map(|d| d.transcript().doc.as_str()).collect();
        let unread = unread(&app, &indexed);
        Ok(transcripts_page(&docs, &unread))
    })
    .await;
    match page {
        Ok(Ok(html)) => Html(html).into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn transcripts_page(docs: &[Doc], unread: &[Unread]) -> String {
    // The attributes that tell interviews apart get columns; the others are listed under
    // the file's name.
    const COLUMNS: [&str; 4] = ["respondent", "division", "role", "wave"];
    let mut keys: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.transcript().meta.iter())
        .filter(|(k, v)| !v.trim().is_empty() && COLUMNS.contains(&k.as_str()))
        .map(|(k, _)| k.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    keys.sort_by_key(|k| meta_order(k));
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>Интервью</h1><p class=\"muted\">{} в индексе{}. Закодировано — доля высказываний с хотя бы одним параметром; \
кодировок — сколько всего параметров на них.</p>",
        crate::ru::count(docs.len(), crate::ru::INTERVIEWS),
        if unread.is_empty() {
            String::new()
        } else {
            format!(
                "; <a href=\"#unread\">не прочитано: {}</a>",
                crate::ru::count(unread.len(), crate::ru::FILES)
            )
        }
    );
    b.push_str("<div class=\"scroll\"><table><tr><th>Интервью</th>");
    for k in &keys {
        let _ = write!(b, "<th>{}</th>", esc(meta_label(k)));
    }
    b.push_str(
        "<th>Говорящие</th><th class=\"num\">Высказываний</th><th class=\"num\">Закодировано</th>\
<th class=\"num\">Кодировок</th><th>Предупреждения</th></tr>",
    );
    for d in docs {
        let t = d.transcript();
        let mut rest: Vec<(&String, &String)> = t
            .meta
            .iter()
            .filter(|(k, v)| !v.trim().is_empty() && !COLUMNS.contains(&k.as_str()))
            .collect();
        rest.sort_by_key(|(k, _)| meta_order(k));
        let mut about = vec![format!("{}, {}", t.format.as_str(), t.encoding)];
        about.extend(
            rest.iter()
                .map(|(k, v)| format!("{}: {}", meta_label(k), v.trim())),
        );
        let _ = write!(
            b,
            "<tr><td><a href=\"/transcripts/{}\">{}</a><br><small class=\"muted\">{}</small></td>",
            doc_path(&t.doc),
            esc(&t.doc),
            esc(&about.join(" · "))
        );
        for k in &keys {
            let _ = write!(
                b,
                "<td>{}</td>",
                esc(t.meta.get(*k).map_or("", |v| v.trim()))
            );
        }
        let mut who: Vec<&str> = d.labels.iter().map(String::as_str).collect();
        who.dedup();
        let sentences = d.starts.len();
        let coded = d.view.codes.len();
        let codings: usize = d.view.codes.values().map(Vec::len).sum();
        let _ = write!(
            b,
            "<td>{}</td><td class=\"num\">{sentences}</td><td class=\"num\">{coded} ({})</td><td class=\"num\">{codings}</td><td>",
            esc(&who.join(", ")),
            percent(coded, sentences)
        );
        if t.warnings.is_empty() {
            b.push_str("<span class=\"muted\">нет</span>");
        } else {
            let _ = write!(
                b,
                "<details><summary>{}</summary><ul>",
                crate::ru::count(t.warnings.len(), crate::ru::WARNINGS)
            );
            for w in &t.warnings {
                match warning_ru(w) {
                    Some(ru) => {
                        let _ = write!(
                            b,
                            "<li>{}<br><small class=\"muted\">{}</small></li>",
                            esc(ru),
                            esc(w)
                        );
                    }
                    None => {
                        let _ = write!(b, "<li>{}</li>", esc(w));
                    }
                }
            }
            b.push_str("</ul></details>");
        }
        b.push_str("</td></tr>");
    }
    b.push_str("</table></div>");
    if !unread.is_empty() {
        b.push_str(
            "<h2 id=\"unread\">Не прочитаны</h2><table><tr><th>Файл</th><th>Почему</th><th>Подробности</th></tr>",
        );
        for u in unread {
            let _ = write!(
                b,
                "<tr><td>{}</td><td class=\"err\">{}</td><td class=\"muted\">{}</td></tr>",
                esc(&u.doc),
                esc(&capitalize(u.reason)),
                esc(&u.detail)
            );
        }
        b.push_str("</table>");
    }
    layout("Интервью", &b).replacen("<main>", "<main class=\"wide\">", 1)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// Parameters by one metadata key: coded respondent passages and the interviews that have
/// them, per value of the key.
struct ByGroup {
    /// The values of the key, in order (`—` for transcripts without it).
    groups: Vec<String>,
    /// Interviews per group.
    interviews: Vec<usize>,
    /// `[param][group]`: coded respondent sentences.
    passages: Vec<Vec<usize>>,
    /// `[param][group]`: interviews with at least one.
    with: Vec<Vec<usize>>,
}

/// The respondents' coded sentences of every transcript: (transcript, parameter indexes).
fn coded_answers(app: &App, docs: &[Doc]) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    for (di, d) in docs.iter().enumerate() {
        for (start, i) in &d.starts {
            let Some(codes) = d.view.codes.get(start) else {
                continue;
            };
            if d.role(*i) != Role::Respondent {
                continue;
            }
            let mut params: Vec<usize> = codes
                .iter()
                .filter_map(|c| app.codebook.parameter(c))
                .collect();
            params.sort_unstable();
            params.dedup();
            if !params.is_empty() {
                out.push((di, params));
            }
        }
    }
    out
}

fn by_group(app: &App, docs: &[Doc], answers: &[(usize, Vec<usize>)], key: &str) -> ByGroup {
    const NONE: &str = "—";
    let value = |d: &Doc| {
        let v = d.meta(key);
        if v.is_empty() { NONE } else { v }.to_string()
    };
    let groups: Vec<String> = docs
        .iter()
        .map(value)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let of_doc: Vec<usize> = docs
        .iter()
        .map(|d| groups.binary_search(&value(d)).unwrap_or(0))
        .collect();
    let n = app.codebook.parameters.len();
    let mut interviews = vec![0; groups.len()];
    for g in &of_doc {
        interviews[*g] += 1;
    }
    let mut passages = vec![vec![0; groups.len()]; n];
    let mut seen: Vec<Vec<BTreeSet<usize>>> = vec![vec![BTreeSet::new(); groups.len()]; n];
    for (di, params) in answers {
        let g = of_doc[*di];
        for p in params {
            passages[*p][g] += 1;
            seen[*p][g].insert(*di);
        }
    }
    let with = seen
        .iter()
        .map(|row| row.iter().map(BTreeSet::len).collect())
        .collect();
    ByGroup {
        groups,
        interviews,
        passages,
        with,
    }
}

/// A table of parameters (rows, by level) against the groups of one key (columns, then a
/// total): in each cell the passages and the share of the group's interviews, tinted by
/// that share, linked to the passages.
fn group_table(app: &App, key: &str, t: &ByGroup) -> String {
    let mut b = String::from(
        "<div class=\"scroll\"><table class=\"grid\"><tr><th class=\"name\">Параметр</th>",
    );
    for (g, n) in t.groups.iter().zip(&t.interviews) {
        let _ = write!(
            b,
            "<th>{}<br><small>{}</small></th>",
            esc(g),
            crate::ru::count(*n, crate::ru::INTERVIEWS)
        );
    }
    let all: usize = t.interviews.iter().sum();
    let _ = write!(
        b,
        "<th>Всего<br><small>{}</small></th></tr>",
        crate::ru::count(all, crate::ru::INTERVIEWS)
    );
    let cell = |passages: usize, with: usize, of: usize, link: String| {
        if passages == 0 {
            return "<td class=\"muted\">·</td>".to_string();
        }
        let share = if of == 0 {
            0.0
        } else {
            with as f64 / of as f64
        };
        format!(
            "<td style=\"background:rgba(42,93,143,{:.2})\" title=\"{} из {} интервью\"><a href=\"{}\">{passages}<br><small>{}</small></a></td>",
            0.05 + 0.35 * share,
            with,
            of,
            esc(&link),
            percent(with, of)
        )
    };
    for (li, level) in app.codebook.levels.iter().enumerate() {
        let _ = write!(
            b,
            "<tr class=\"level\"><td colspan=\"{}\">{}</td></tr>",
            t.groups.len() + 2,
            esc(&level.name)
        );
        for (pi, p) in app
            .codebook
            .parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| p.level == li)
        {
            let _ = write!(
                b,
                "<tr><td class=\"name\"><i style=\"display:inline-block;width:.7em;height:.7em;background:{}\"></i> {}</td>",
                colour_at(pi),
                esc(&p.name)
            );
            let base = format!("/search?param={}&role=respondent", url_encode(&p.id));
            for (g, name) in t.groups.iter().enumerate() {
                let link = if name == "—" {
                    base.clone()
                } else {
                    format!("{base}&{key}={}", url_encode(name))
                };
                b.push_str(&cell(
                    t.passages[pi][g],
                    t.with[pi][g],
                    t.interviews[g],
                    link,
                ));
            }
            let total: usize = t.passages[pi].iter().sum();
            let with: usize = t.with[pi].iter().sum();
            b.push_str(&cell(total, with, all, base));
        }
    }
    b.push_str("</table></div>");
    b
}

/// Pairs of parameters coded on the same respondent sentence: (a, b, sentences, interviews),
/// most frequent first.
fn co_occurrence(answers: &[(usize, Vec<usize>)]) -> Vec<(usize, usize, usize, usize)> {
    let mut pairs: BTreeMap<(usize, usize), (usize, BTreeSet<usize>)> = BTreeMap::new();
    for (di, params) in answers {
        for (i, a) in params.iter().enumerate() {
            for b in &params[i + 1..] {
                let e = pairs.entry((*a, *b)).or_default();
                e.0 += 1;
                e.1.insert(*di);
            }
        }
    }
    let mut out: Vec<(usize, usize, usize, usize)> = pairs
        .into_iter()
        .map(|((a, b), (n, docs))| (a, b, n, docs.len()))
        .collect();
    out.sort_by(|x, y| y.2.cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    out
}

/// Most pairs the co-occurrence table lists.
const MAX_PAIRS: usize = 40;

/// `/matrix`: parameters × divisions and × waves, and which parameters go together.
pub(super) async fn matrix(State(app): State<Arc<App>>) -> Response {
    let page = tokio::task::spawn_blocking(move || -> crate::Result<String> {
        let docs = all_docs(&app)?;
        Ok(matrix_page(&app, &docs))
    })
    .await;
    match page {
        Ok(Ok(html)) => Html(html).into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn matrix_page(app: &App, docs: &[Doc]) -> String {
    let answers = coded_answers(app, docs);
    let mut b = String::from(
        "<h1>Параметры по подразделениям и волнам</h1><p class=\"muted\">В ячейке — число высказываний респондентов \
с параметром и доля интервью группы, где он есть (чем темнее, тем больше доля). Ячейка ведёт к этим высказываниям.</p>",
    );
    for (key, title) in [("division", "По подразделениям"), ("wave", "По волнам")]
    {
        let _ = write!(b, "<h2>{title}</h2>");
        b.push_str(&group_table(app, key, &by_group(app, docs, &answers, key)));
    }
    b.push_str(
        "<h2>Совпадения параметров</h2><p class=\"muted\">Пары параметров, закодированные на одном высказывании респондента.</p>",
    );
    let pairs = co_occurrence(&answers);
    if pairs.is_empty() {
        b.push_str(
            "<p class=\"muted\">Ни одно высказывание не закодировано двумя параметрами.</p>",
        );
    } else {
        b.push_str(
            "<table><tr><th>Параметр</th><th>Параметр</th><th class=\"num\">Высказываний</th><th class=\"num\">Интервью</th></tr>",
        );
        for (a, c, n, d) in pairs.iter().take(MAX_PAIRS) {
            let (pa, pc) = (&app.codebook.parameters[*a], &app.codebook.parameters[*c]);
            let q = format!("code:{} И code:{}", pa.id, pc.id);
            let _ = write!(
                b,
                "<tr><td><i style=\"display:inline-block;width:.7em;height:.7em;background:{}\"></i> {}</td>\
<td><i style=\"display:inline-block;width:.7em;height:.7em;background:{}\"></i> {}</td>\
<td class=\"num\"><a href=\"/search?q={}&amp;role=respondent\">{n}</a></td><td class=\"num\">{d}</td></tr>",
                colour_at(*a),
                esc(&pa.name),
                colour_at(*c),
                esc(&pc.name),
                url_encode(&q)
            );
        }
        b.push_str("</table>");
        if pairs.len() > MAX_PAIRS {
            let _ = write!(
                b,
                "<p class=\"muted\">Показаны {MAX_PAIRS} самых частых пар из {}.</p>",
                pairs.len()
            );
        }
    }
    layout("Параметры по подразделениям и волнам", &b).replacen(
        "<main>",
        "<main class=\"wide\">",
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page explains the ingest warnings it knows in Russian: the warning as ingest
    /// writes it, not a copy of its wording.
    #[test]
    fn a_long_turn_warning_is_explained_in_russian() {
        let answer: Vec<String> = (1..=201).map(|i| format!("Было {i} раз.")).collect();
        let text = format!("Интервьюер: Как сроки?\nРеспондент: {}\n", answer.join(" "));
        let t = crate::testutil::transcript(&text);
        let w = t
            .warnings
            .iter()
            .find(|w| w.contains("201 sentences"))
            .expect("a long-turn warning");
        let ru = warning_ru(w).expect("a Russian explanation");
        assert!(
            ru.starts_with("Есть реплики длиннее 200 предложений"),
            "{ru}"
        );
        // The numbers it names are the ones the code uses.
        assert_eq!(crate::ingest::LONG_TURN, 200);
        assert!(ru.contains(&format!(
            "первые {} предложений ответа",
            crate::codebook::DEFAULT_CONTEXT_SENTENCES
        )));
        assert_eq!(warning_ru("something else entirely"), None);
    }

    #[test]
    fn rare_labels_are_explained_in_russian() {
        let mut text = String::new();
        for i in 0..1_000 {
            if i == 300 || i == 700 {
                text.push_str("Михевна: а накладную-то так и не нашли.\n");
            } else {
                text.push_str("Ну, машина опять пришла только к вечеру.\n");
            }
        }
        let t = crate::testutil::transcript(&text);
        let w = &t.warnings[0];
        assert!(w.starts_with("only 2 of 1000 lines"), "{w}");
        let ru = warning_ru(w).expect("a Russian explanation");
        assert!(ru.contains("меньше одной на сто строк"), "{ru}");
    }
}
