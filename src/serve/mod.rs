//! `citata serve`: the study in a browser on the researcher's own machine. Server-rendered
//! pages over the search index (axum on tokio), a little JavaScript, nothing external.
//!
//! Routes: `/` (the study: levels, parameters, codings), `/search` (query and filters, KWIC
//! lines with the matched words marked, facet counts), `/transcripts/{doc}` (turns with coding
//! stripes, `?at=OFFSET` opens at a position), `/api/search` and `/api/transcripts/{doc}`
//! (JSON; `/search` also answers JSON to `Accept: application/json`).
//!
//! Safety: loopback by default; on another host every request needs the access token
//! (`?token=`, then a cookie, or `Authorization: Bearer`). Transcript text is escaped
//! everywhere. Only what the index holds is served: no file paths reach the file system.
//! Query strings are bounded.

mod pages;

pub use pages::url_encode;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::codebook::Codebook;
use crate::index::{CitataIndex, FacetsRecord, HitRecord, SearchQuery};
use crate::quotes::{Quote, QuoteConfig, candidates, keep_best};
use crate::report::pins::{Pin, Pins};
use crate::tag::Tagger;
use crate::text::Analyzer;

/// Longest query text accepted, in bytes.
pub const MAX_QUERY: usize = 1000;
/// Most hits one search returns.
pub const MAX_LIMIT: usize = 500;

/// What the server needs.
pub struct App {
    /// The search index.
    pub index: CitataIndex,
    /// The codebook the index was coded with.
    pub codebook: Codebook,
    /// The study folder.
    pub study: PathBuf,
    /// The access token required on every request, when not on loopback.
    pub token: Option<String>,
    /// The token every state-changing form carries (a cross-site page cannot read it).
    pub csrf: String,
    /// Quote settings (the study's attribution template).
    pub quote_config: QuoteConfig,
    /// Quote candidates per parameter, computed from the index on first use.
    quotes: OnceLock<QuotePools>,
    /// Serializes changes to the pins file.
    pins: Mutex<()>,
    /// The report model (JSON) for the study page's scores, built on first use.
    model: OnceLock<Option<serde_json::Value>>,
}

impl App {
    /// Opens the index and its codebook.
    ///
    /// # Errors
    /// When the index cannot be opened or its codebook compiled.
    pub fn open(
        study: PathBuf,
        index: &std::path::Path,
        token: Option<String>,
    ) -> crate::Result<App> {
        let idx = CitataIndex::open_or_create(index)?;
        let icb = match idx.codebook()? {
            Some(c) => c,
            None => crate::index::IndexCodebook::read(None)?,
        };
        let codebook = icb.compile(&mut Analyzer::new())?;
        let mut quote_config = QuoteConfig::default();
        let study_file = study.join(crate::cli::report::STUDY_FILE);
        if let Some(a) = std::fs::read_to_string(&study_file)
            .ok()
            .and_then(|src| toml::from_str::<crate::report::Study>(&src).ok())
            .and_then(|s| s.attribution)
        {
            quote_config.attribution = a;
        }
        Ok(App {
            index: idx,
            codebook,
            study,
            token,
            csrf: new_token(),
            quote_config,
            quotes: OnceLock::new(),
            pins: Mutex::new(()),
            model: OnceLock::new(),
        })
    }

    /// The study's report model as JSON (scores, changes, ratings per parameter), built once
    /// from the study folder; `None` when the report cannot be built.
    pub fn model(&self) -> Option<&serde_json::Value> {
        self.model
            .get_or_init(|| {
                build_report(self, "json")
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
            })
            .as_ref()
    }

    /// Quote candidates per parameter (codebook order): every stored transcript tagged with
    /// the index's codebook, candidates kept bounded per parameter.
    pub fn quote_pools(&self) -> &Vec<Vec<Quote>> {
        &self.pools().pools
    }

    /// The wave of a transcript (its `wave` metadata), as the quote pools saw it.
    pub fn doc_wave(&self, doc: &str) -> Option<&str> {
        self.pools().waves.get(doc).map(String::as_str)
    }

    /// The waves of the study's transcripts, in order.
    pub fn waves(&self) -> Vec<&str> {
        let set: std::collections::BTreeSet<&str> =
            self.pools().waves.values().map(String::as_str).collect();
        set.into_iter().collect()
    }

    fn pools(&self) -> &QuotePools {
        self.quotes.get_or_init(|| {
            let mut analyzer = Analyzer::new();
            let tagger = Tagger::new(self.codebook.clone(), &mut analyzer);
            let mut pools = vec![Vec::new(); self.codebook.parameters.len()];
            let mut waves = std::collections::HashMap::new();
            let stored = self.index.stored_transcripts().unwrap_or_default();
            for (n, s) in stored.iter().enumerate() {
                let Ok((t, _, _)) = s.load(&self.index.fields) else {
                    continue;
                };
                if let Some(w) = t.meta.get("wave").filter(|w| !w.trim().is_empty()) {
                    waves.insert(t.doc.clone(), w.trim().to_string());
                }
                let qs = tagger.with_thread_state(|state| {
                    let codings = tagger.tag(state, &t);
                    candidates(
                        &t,
                        &codings,
                        n + 1,
                        &self.quote_config,
                        &mut state.matching.analyzer,
                    )
                });
                for q in qs {
                    if let Some(pool) = pools.get_mut(q.param) {
                        pool.push(q);
                        keep_best(pool);
                    }
                }
            }
            QuotePools { pools, waves }
        })
    }
}

/// Quote candidates per parameter, and the wave of each transcript.
struct QuotePools {
    pools: Vec<Vec<Quote>>,
    waves: std::collections::HashMap<String, String>,
}

/// The routes, with the token check when a token is set.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(study))
        .route("/search", get(search))
        .route("/api/search", get(api_search))
        .route("/transcripts/{*doc}", get(transcript))
        .route("/api/transcripts/{*doc}", get(api_transcript))
        .route("/report", get(report_page))
        .route("/report.{ext}", get(report_file))
        .route("/quotes/{param}", get(quotes))
        .route("/api/quotes/{param}", get(api_quotes))
        .route("/quotes/{param}/pin", post(pin))
        .route("/quotes/{param}/unpin", post(unpin))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Binds `host:port` and serves until Ctrl-C. On a host other than loopback a token is
/// required (generated when not given) and printed with the URL.
///
/// # Errors
/// When the address cannot be bound.
pub fn run(app: App, host: IpAddr, port: u16, ready: impl FnOnce(String)) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, port))
            .await
            .map_err(|e| {
                anyhow::anyhow!("cannot listen on {host}:{port}: {e}; try another --port")
            })?;
        let addr = listener.local_addr()?;
        let mut url = format!("http://{addr}/");
        if let Some(t) = &app.token {
            url.push_str(&format!("?token={t}"));
        }
        ready(url);
        axum::serve(listener, router(Arc::new(app)))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

/// A token for a server on a non-loopback address: 128 bits from the OS-seeded hasher.
pub fn new_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for i in 0..2u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// Lets a request through when no token is set, or it carries the token (query, cookie or
/// bearer header); a token in the query is moved to a cookie.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(token) = &app.token else {
        return next.run(req).await;
    };
    let in_query = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .any(|kv| kv.strip_prefix("token=") == Some(token.as_str()));
    let headers = req.headers();
    let in_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim().strip_prefix("citata_token=") == Some(token.as_str()));
    let in_bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        == Some(token.as_str());
    if !(in_query || in_cookie || in_bearer) {
        return (
            StatusCode::UNAUTHORIZED,
            "citata serve: open the URL with ?token=… that the server printed\n",
        )
            .into_response();
    }
    let mut resp = next.run(req).await;
    let cookie = format!("citata_token={token}; HttpOnly; SameSite=Strict; Path=/");
    if let Some(v) = cookie.parse().ok().filter(|_| in_query && !in_cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

fn bad_request(msg: String) -> Response {
    (StatusCode::BAD_REQUEST, msg).into_response()
}

async fn study(State(app): State<Arc<App>>) -> Response {
    let stats = match app.index.stats() {
        Ok(stats) => stats,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    // The scores and the quote pools take a moment on first use.
    let warm = app.clone();
    let _ = tokio::task::spawn_blocking(move || {
        warm.model();
        warm.quote_pools();
    })
    .await;
    Html(pages::study(&app, &stats)).into_response()
}

/// The search form's fields (all optional).
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    /// Query text.
    #[serde(default)]
    pub q: String,
    /// Parameter id.
    pub param: Option<String>,
    /// Level id.
    pub level: Option<String>,
    /// Division.
    pub division: Option<String>,
    /// Wave.
    pub wave: Option<String>,
    /// interviewer / respondent.
    pub role: Option<String>,
    /// positive / negative / neutral / mixed.
    pub polarity: Option<String>,
    /// Only wishes (any non-empty value).
    pub wish: Option<String>,
    /// Most hits.
    pub limit: Option<usize>,
}

impl SearchParams {
    /// True when neither a query nor a filter is given.
    pub fn is_empty(&self) -> bool {
        let blank = |v: &Option<String>| v.as_ref().is_none_or(|s| s.trim().is_empty());
        self.q.trim().is_empty()
            && [
                &self.param,
                &self.level,
                &self.division,
                &self.wave,
                &self.role,
                &self.polarity,
                &self.wish,
            ]
            .into_iter()
            .all(blank)
    }

    fn query(&self) -> Result<SearchQuery, String> {
        if self.q.len() > MAX_QUERY {
            return Err(format!("the query is longer than {MAX_QUERY} bytes"));
        }
        let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let mut filters = Vec::new();
        if let Some(d) = some(&self.division) {
            filters.push(("division".to_string(), d));
        }
        if let Some(w) = some(&self.wave) {
            filters.push(("wave".to_string(), w));
        }
        Ok(SearchQuery {
            text: self.q.clone(),
            codes: some(&self.param).into_iter().collect(),
            level: some(&self.level),
            role: some(&self.role),
            polarity: some(&self.polarity),
            wish: some(&self.wish).is_some(),
            filters,
            limit: self.limit.unwrap_or(100).clamp(1, MAX_LIMIT),
            facets: true,
        })
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

async fn search(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(p): Query<SearchParams>,
) -> Response {
    if wants_json(&headers) {
        return api_search(State(app), Query(p)).await;
    }
    let q = match p.query() {
        Ok(q) => q,
        Err(e) => return bad_request(e),
    };
    // An empty form: the syntax, not every passage of the study.
    let result = (!p.is_empty()).then(|| app.index.search(&q));
    Html(pages::search(&app, &p, result)).into_response()
}

async fn api_search(State(app): State<Arc<App>>, Query(p): Query<SearchParams>) -> Response {
    let q = match p.query() {
        Ok(q) => q,
        Err(e) => return bad_request(e),
    };
    match app.index.search(&q) {
        Ok(r) => {
            let hits: Vec<HitRecord> = r.hits.iter().map(|h| HitRecord::new(h, 60)).collect();
            let facets = r.facets.as_ref().map(|f| FacetsRecord::new(f, r.total));
            Json(serde_json::json!({"total": r.total, "hits": hits, "facets": facets}))
                .into_response()
        }
        Err(e) => bad_request(e.to_string()),
    }
}

/// `?at=OFFSET`: the code point to open the transcript at.
#[derive(Debug, Default, Deserialize)]
pub struct At {
    /// Code point offset.
    pub at: Option<usize>,
}

async fn transcript(
    State(app): State<Arc<App>>,
    Path(doc): Path<String>,
    Query(at): Query<At>,
) -> Response {
    match app.index.transcript(&doc) {
        Ok(Some(view)) => Html(pages::transcript(&app, &view, at.at)).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Html(pages::not_found(&format!("Нет такого интервью: {doc}"))),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn api_transcript(State(app): State<Arc<App>>, Path(doc): Path<String>) -> Response {
    match app.index.transcript(&doc) {
        Ok(Some(view)) => Json(serde_json::json!({
            "transcript": view.transcript,
            "codes": view.codes,
        }))
        .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, format!("no transcript {doc}")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Quotes shown on a parameter's board.
pub const BOARD: usize = 30;

/// The board's quotes of a parameter: the best `BOARD` candidates of the wave (all waves when
/// `None`), diverse (as the report picks them), of any polarity.
fn board(app: &App, param: usize, wave: Option<&str>) -> Vec<Quote> {
    let mut config = app.quote_config.clone();
    config.top = BOARD;
    let mut pool = app.quote_pools().get(param).cloned().unwrap_or_default();
    if let Some(w) = wave {
        pool.retain(|q| app.doc_wave(&q.doc) == Some(w));
    }
    crate::quotes::select(pool, &config, crate::quotes::PolarityFilter::Any)
}

/// `?wave=`: the wave whose quotes the board shows (`all`: every wave). By default the wave
/// the report is about.
#[derive(Debug, Default, Deserialize)]
pub struct BoardParams {
    /// A wave, or `all`.
    pub wave: Option<String>,
}

impl BoardParams {
    fn wave(&self, app: &App) -> Option<String> {
        match self.wave.as_deref().map(str::trim) {
            Some("all") | Some("") => None,
            Some(w) => Some(w.to_string()),
            None => app
                .model()
                .and_then(|m| m["wave"].as_str())
                .map(str::to_string),
        }
    }
}

/// [`board`] on a blocking thread: the first call tags the whole index.
async fn board_off_thread(
    app: &Arc<App>,
    param: usize,
    p: BoardParams,
) -> (Vec<Quote>, Option<String>) {
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let wave = p.wave(&app);
        (board(&app, param, wave.as_deref()), wave)
    })
    .await
    .unwrap_or_default()
}

fn no_param(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(pages::not_found(&format!("Нет такого параметра: {id}"))),
    )
        .into_response()
}

async fn quotes(
    State(app): State<Arc<App>>,
    Path(param): Path<String>,
    Query(bp): Query<BoardParams>,
) -> Response {
    match pinned_board(&app, &param, bp, false).await {
        Ok(b) => Html(pages::quotes(
            &app,
            b.param,
            &b.list,
            &b.pins,
            b.wave.as_deref(),
        ))
        .into_response(),
        Err(r) => r,
    }
}

/// A parameter's quote board and the study's pins: what the page and the JSON show.
struct PinnedBoard {
    param: usize,
    pins: Pins,
    list: Vec<Quote>,
    wave: Option<String>,
}

/// The board of parameter `id`, or the answer instead of it: 404 for an unknown parameter,
/// 500 naming the file and the fault for a `pins.toml` that cannot be read (quotes shown as
/// unpinned would mislead), as JSON when `json`.
#[allow(clippy::result_large_err)]
async fn pinned_board(
    app: &Arc<App>,
    id: &str,
    bp: BoardParams,
    json: bool,
) -> Result<PinnedBoard, Response> {
    let param = app.codebook.parameter(id).ok_or_else(|| no_param(id))?;
    let pins = Pins::load(&app.study).map_err(|e| {
        let status = StatusCode::INTERNAL_SERVER_ERROR;
        if json {
            (status, Json(serde_json::json!({"error": e.to_string()}))).into_response()
        } else {
            (status, e.to_string()).into_response()
        }
    })?;
    let (list, wave) = board_off_thread(app, param, bp).await;
    Ok(PinnedBoard {
        param,
        pins,
        list,
        wave,
    })
}

async fn api_quotes(
    State(app): State<Arc<App>>,
    Path(param): Path<String>,
    Query(bp): Query<BoardParams>,
) -> Response {
    let PinnedBoard {
        pins, list, wave, ..
    } = match pinned_board(&app, &param, bp, true).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let quotes: Vec<serde_json::Value> = list
        .iter()
        .enumerate()
        .map(|(rank, q)| {
            serde_json::json!({
                "param": param,
                "rank": rank + 1,
                "doc": q.doc,
                "start": q.chars.0,
                "end": q.chars.1,
                "text": q.text,
                "attribution": q.attribution,
                "polarity": q.polarity.as_str(),
                "score": q.score,
                "features": q.features.iter().map(|(k, v)| (k.to_string(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
                "pinned": pins.is_pinned(&param, &q.doc, q.chars.0),
            })
        })
        .collect();
    Json(serde_json::json!({"param": param, "wave": wave, "quotes": quotes, "pins": pins.of(&param).collect::<Vec<_>>()}))
        .into_response()
}

/// The fields of the pin and unpin forms.
#[derive(Debug, Deserialize)]
pub struct PinForm {
    /// The form token.
    pub csrf: String,
    /// Document id.
    pub doc: String,
    /// Start, code points.
    pub start: usize,
    /// End, code points.
    #[serde(default)]
    pub end: usize,
    /// The trimming to show.
    #[serde(default)]
    pub text: Option<String>,
}

/// Longest trimming accepted, in bytes.
pub const MAX_QUOTE: usize = 4000;

fn change_pins(app: &App, param: &str, form: &PinForm, f: impl FnOnce(&mut Pins)) -> Response {
    if form.csrf != app.csrf {
        return (
            StatusCode::FORBIDDEN,
            "the form is stale or from another site; reload the page\n",
        )
            .into_response();
    }
    if form.text.as_ref().is_some_and(|t| t.len() > MAX_QUOTE) {
        return bad_request(format!("the quote is longer than {MAX_QUOTE} bytes"));
    }
    if app.codebook.parameter(param).is_none() {
        return no_param(param);
    }
    let _guard = app
        .pins
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut pins = match Pins::load(&app.study) {
        Ok(p) => p,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    f(&mut pins);
    if let Err(e) = pins.save(&app.study) {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    Redirect::to(&format!("/quotes/{}", pages::url_encode(param))).into_response()
}

async fn pin(
    State(app): State<Arc<App>>,
    Path(param): Path<String>,
    Form(form): Form<PinForm>,
) -> Response {
    let pin = Pin {
        param: param.clone(),
        doc: form.doc.clone(),
        start: form.start,
        end: form.end.max(form.start),
        text: form
            .text
            .clone()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
    };
    change_pins(&app, &param, &form, |pins| pins.pin(pin))
}

async fn unpin(
    State(app): State<Arc<App>>,
    Path(param): Path<String>,
    Form(form): Form<PinForm>,
) -> Response {
    change_pins(&app, &param, &form, |pins| {
        pins.unpin(&param, &form.doc, form.start);
    })
}

/// The report in one of its forms, built now from the study folder (so the current pins are
/// in it) by the same code as `citata report` (`qdpx`: `citata export qdpx`).
fn build_report(app: &App, ext: &str) -> Result<Vec<u8>, String> {
    let dir = std::env::temp_dir().join(format!("citata-serve-{}", new_token()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let out = dir.join(format!("report.{ext}"));
    let mut log = Vec::new();
    let ran = if ext == "qdpx" {
        let cmd = crate::cli::ExportCommand::Qdpx(crate::cli::ExportQdpxArgs {
            paths: vec![app.study.clone()],
            out: out.clone(),
            codebook: None,
            name: None,
            jobs: None,
            quiet: true,
        });
        crate::cli::export::run(&cmd, &mut std::io::sink(), &mut log)
    } else {
        let args = crate::cli::ReportArgs {
            path: app.study.clone(),
            out: out.clone(),
            previous: None,
            codebook: None,
            jobs: None,
        };
        crate::cli::report::run(&args, &mut std::io::sink(), &mut log)
    };
    let bytes = std::fs::read(&out);
    let _ = std::fs::remove_dir_all(&dir);
    match (ran, bytes) {
        (Ok(_), Ok(b)) => Ok(b),
        (Err(e), _) => Err(format!("{e:#}\n{}", String::from_utf8_lossy(&log))),
        (Ok(_), Err(_)) => Err(String::from_utf8_lossy(&log).into_owned()),
    }
}

/// The forms of the report that can be downloaded, with their media types.
pub const REPORT_FORMS: [(&str, &str); 6] = [
    ("html", "text/html; charset=utf-8"),
    ("md", "text/markdown; charset=utf-8"),
    ("json", "application/json"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("qdpx", "application/zip"),
];

async fn report_page(State(app): State<Arc<App>>) -> Response {
    let built = tokio::task::spawn_blocking(move || build_report(&app, "html")).await;
    match built {
        Ok(Ok(html)) => {
            let page = String::from_utf8_lossy(&html).replacen("<body>", &pages::report_bar(), 1);
            Html(page).into_response()
        }
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn report_file(State(app): State<Arc<App>>, Path(ext): Path<String>) -> Response {
    let Some((ext, media)) = REPORT_FORMS.iter().find(|(e, _)| *e == ext) else {
        return (
            StatusCode::NOT_FOUND,
            Html(pages::not_found(
                "Такого формата отчёта нет: html, md, json, docx, xlsx, qdpx",
            )),
        )
            .into_response();
    };
    let name = format!("report.{ext}");
    let built = tokio::task::spawn_blocking(move || build_report(&app, ext)).await;
    match built {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, media.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
