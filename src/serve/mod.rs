//! `citata serve`: the study in a browser on the researcher's own machine. Server-rendered
//! pages over the search index (axum on tokio), a little JavaScript, nothing external.
//!
//! Routes: `/` (the study: levels, parameters, codings), `/search` (query and filters, KWIC
//! lines with the matched words marked, facet counts; without a search word whole sentences
//! in context), `/search.xlsx` and `/search.docx` (the list, masked), `/transcripts` (every
//! transcript with attributes, coverage and warnings, and the files not read),
//! `/transcripts/{doc}` (turns with coding stripes, `?at=OFFSET` opens at a position),
//! `/matrix` (parameters × division and wave, pairs of parameters), `/quotes/{param}` (the
//! quote board, by wave and division), `/api/search` and `/api/transcripts/{doc}` (JSON;
//! `/search` also answers JSON to `Accept: application/json`).
//!
//! Safety: loopback by default; on another host every request needs the access token
//! (`?token=`, then a cookie, or `Authorization: Bearer`). Against DNS rebinding, a request
//! whose `Host` is not a localhost name or an address of the server gets 421, and a POST
//! whose `Origin` is another site's gets 403 (the forms also carry a per-server token).
//! Every answer has `X-Content-Type-Options: nosniff`, a Content-Security-Policy (inline CSS,
//! the one script by its hash, nothing external) and `Referrer-Policy: same-origin` (no URL
//! with a token leaves the server; `no-referrer` would make browsers send `Origin: null`
//! with the pages' own forms). Tokens
//! are compared in constant time. Transcript text is escaped everywhere. Only what the index
//! holds is served: no file paths reach the file system. Query strings are bounded; so is
//! the nesting of queries.

mod cache;
mod coding;
mod lists;
mod memos;
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
use crate::quotes::{Quote, QuoteConfig, keep_best};
use crate::report::ReportModel;
use crate::report::pins::{Pin, Pins};
use crate::study::export::{ExportOptions, qdpx_project};
use crate::study::report::{ReportFormat, ReportOptions, build_report};
use crate::study::{Needs, Pipeline, StudyError, StudyFile, pass};
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
    /// Quote candidates per parameter, computed from the index on first use (again after a
    /// coder's decision).
    quotes: cache::Fresh<QuotePools>,
    /// Serializes changes to the pins file.
    pins: Mutex<()>,
    /// The report model for the study page's scores, built on first use (again after a
    /// coder's decision).
    model: cache::Fresh<Option<ReportModel>>,
    /// The address the server listens on (set by [`run`]): accepted in `Host` besides the
    /// localhost names and loopback addresses.
    bound: OnceLock<IpAddr>,
    /// The tagger of the index's codebook, for coding a transcript again after a decision.
    tagger: OnceLock<Tagger>,
    /// The report in each form, built once per state of the study folder.
    reports: cache::ReportCache,
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
        let icb = idx.own_codebook()?;
        let codebook = icb.compile(&mut Analyzer::new())?;
        let mut quote_config = QuoteConfig::default();
        if let Some(a) = StudyFile::load(&study).ok().and_then(|s| s.attribution) {
            quote_config.attribution = a;
        }
        Ok(App {
            index: idx,
            codebook,
            study,
            token,
            csrf: new_token(),
            quote_config,
            quotes: cache::Fresh::default(),
            pins: Mutex::new(()),
            model: cache::Fresh::default(),
            bound: OnceLock::new(),
            tagger: OnceLock::new(),
            reports: cache::ReportCache::default(),
        })
    }

    /// The study's report model (scores, changes, ratings per parameter), built once from
    /// the study folder; `None` when the report cannot be built.
    pub fn model(&self) -> Arc<Option<ReportModel>> {
        self.model.get_or_init(|| {
            let opts = ReportOptions {
                folder: self.study.clone(),
                ..ReportOptions::default()
            };
            build_report(&opts, &mut Vec::new())
                .ok()
                .flatten()
                .map(|r| r.model)
        })
    }

    /// The tagger of the index's codebook (made on first use).
    pub fn tagger(&self) -> &Tagger {
        self.tagger.get_or_init(|| {
            let mut analyzer = Analyzer::new();
            Tagger::new(self.codebook.clone(), &mut analyzer)
        })
    }

    /// Forgets what was computed from the study's codings (scores, quote pools, reports):
    /// a coder changed them.
    pub fn codings_changed(&self) {
        self.model.reset();
        self.quotes.reset();
        self.reports.invalidate();
    }

    /// How many times the report was built since the server started (any form): once per
    /// form and state of the study folder, however many requests ask for it.
    pub fn report_builds(&self) -> usize {
        self.reports
            .started
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Quote candidates per parameter (codebook order): every stored transcript tagged with
    /// the index's codebook, candidates kept bounded per parameter.
    pub fn quote_pools(&self) -> Arc<QuotePools> {
        self.quotes.get_or_init(|| self.compute_pools())
    }

    /// The waves of the study's transcripts, in order.
    pub fn waves(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<String> =
            self.quote_pools().waves.values().cloned().collect();
        set.into_iter().collect()
    }

    /// The divisions of the study's transcripts, in order.
    pub fn divisions(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<String> =
            self.quote_pools().divisions.values().cloned().collect();
        set.into_iter().collect()
    }

    /// Quote candidates per parameter: every stored transcript tagged with the index's
    /// codebook and the study's decisions.
    fn compute_pools(&self) -> QuotePools {
        // The coders' decisions count here as in the report: a rejected coding gives
        // no quote, an added one may.
        let decisions =
            crate::decisions::Decisions::load(&self.study.join(crate::decisions::DECISIONS_FILE))
                .unwrap_or_default();
        let pipeline = Pipeline {
            quotes: self.quote_config.clone(),
            decisions: decisions.to_apply(),
            ..Pipeline::new(
                self.tagger(),
                Needs {
                    quotes: true,
                    ..Needs::default()
                },
            )
        };
        let mut pools = vec![Vec::new(); self.codebook.parameters.len()];
        let mut waves = std::collections::HashMap::new();
        let mut divisions = std::collections::HashMap::new();
        let stored = self.index.stored_transcripts().unwrap_or_default();
        let work = |i: usize, s: &crate::index::StoredTranscript| {
            let (t, _, _) = s.load(&self.index.fields).ok()?;
            let meta = |key: &str| {
                t.meta
                    .get(key)
                    .map(|w| w.trim().to_string())
                    .filter(|w| !w.is_empty())
            };
            let (wave, division) = (meta("wave"), meta("division"));
            let a = pipeline.analyze(i + 1, t);
            Some((a.transcript.doc, wave, division, a.candidates))
        };
        type Analyzed = (String, Option<String>, Option<String>, Vec<Quote>);
        let mut add = |r: Option<Analyzed>| {
            let Some((doc, wave, division, qs)) = r else {
                return Ok(());
            };
            if let Some(d) = division {
                divisions.insert(doc.clone(), d);
            }
            if let Some(w) = wave {
                waves.insert(doc, w);
            }
            for q in qs {
                if let Some(pool) = pools.get_mut(q.param) {
                    pool.push(q);
                    keep_best(pool);
                }
            }
            Ok::<(), std::convert::Infallible>(())
        };
        let _ = pass::ordered(&stored, pass::threads(None), work, &mut add);
        QuotePools {
            pools,
            waves,
            divisions,
        }
    }
}

/// Quote candidates per parameter, and the wave and division of each transcript (its
/// `wave` and `division` metadata).
pub struct QuotePools {
    /// Candidates per parameter (codebook order).
    pub pools: Vec<Vec<Quote>>,
    waves: std::collections::HashMap<String, String>,
    divisions: std::collections::HashMap<String, String>,
}

/// True when a metadata value is the one asked for, as `citata quotes --wave/--division`
/// compares them (case and surrounding spaces ignored).
pub(crate) fn same_meta(have: &str, want: &str) -> bool {
    crate::quotes::wire::meta_value(have) == crate::quotes::wire::meta_value(want)
}

/// The routes, with the token check when a token is set.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(study))
        .route("/search", get(search))
        .route("/api/search", get(api_search))
        .route("/search.{ext}", get(lists::export))
        .route("/transcripts", get(lists::transcripts))
        .route("/matrix", get(lists::matrix))
        .route("/transcripts/{*doc}", get(transcript))
        .route("/api/transcripts/{*doc}", get(api_transcript))
        .route("/report", get(report_page))
        .route("/report.{ext}", get(report_file))
        .route("/quotes/{param}", get(quotes))
        .route("/api/quotes/{param}", get(api_quotes))
        .route("/quotes/{param}/pin", post(pin))
        .route("/quotes/{param}/unpin", post(unpin))
        .route("/memos", post(memos::add))
        .route("/decisions", post(coding::decide))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(middleware::from_fn_with_state(app.clone(), shield))
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
        let _ = app.bound.set(addr.ip());
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

/// The Content-Security-Policy of every answer: inline CSS (the pages and the report use
/// `style` elements and attributes), the transcript page's one script by its hash, forms and
/// requests to this server only, nothing from anywhere else, no framing.
pub const CSP: &str = concat!(
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-",
    "tJkkHsgSsaZu9IpsOOXqy1Cg0KqRbL8R2tolQAjO2lQ=",
    "'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
);

/// 403 when a form's token is not this server's (`csrf`: the form's, `ours`: the server's):
/// the form is stale (the server restarted) or another site's.
pub(crate) fn stale_form(csrf: &str, ours: &str) -> Option<Response> {
    (!same_token(csrf, ours)).then(|| {
        (
            StatusCode::FORBIDDEN,
            "the form is stale or from another site; reload the page\n",
        )
            .into_response()
    })
}

/// True when `a` and `b` are equal, in a time that depends only on their lengths (tokens are
/// compared so that timing does not tell how much of a guess was right).
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(diff) == 0
}

/// True when `host` (a `Host` header, or the authority of an `Origin`: name or address, then
/// an optional port) names this server: `localhost` or a name under `.localhost`, a loopback
/// address, or the address it is bound to (any address, when bound to all of them: an
/// address in `Host` cannot be rebound by DNS, a name can).
pub fn host_allowed(host: &str, bound: Option<IpAddr>) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        let Some((ip, tail)) = rest.split_once(']') else {
            return false;
        };
        if !(tail.is_empty()
            || tail
                .strip_prefix(':')
                .is_some_and(|p| p.parse::<u16>().is_ok()))
        {
            return false;
        }
        ip
    } else {
        match host.rsplit_once(':') {
            Some((h, p)) if p.parse::<u16>().is_ok() => h,
            Some(_) => return false,
            None => host,
        }
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || bound.is_some_and(|b| b == ip || b.is_unspecified()),
        Err(_) => false,
    }
}

/// Against DNS rebinding and cross-site forms, before anything else: refuses a `Host` that
/// does not name this server (421) and a state-changing request whose `Origin` is not this
/// server (403); adds the security headers to every answer.
async fn shield(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let bound = app.bound.get().copied();
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("\u{0}").to_string())
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()));
    let mut resp = if host.as_deref().is_some_and(|h| !host_allowed(h, bound)) {
        (
            StatusCode::MISDIRECTED_REQUEST,
            "citata serve answers only to localhost, 127.0.0.1 and its own address; open the URL the server printed\n",
        )
            .into_response()
    } else if !req.method().is_safe() && !origin_allowed(&req, host.as_deref(), bound) {
        (
            StatusCode::FORBIDDEN,
            "citata serve: a form from another site is refused; open the page from the URL the server printed\n",
        )
            .into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    resp
}

/// A request's `Origin`, when it has one, must be this server as the `Host` names it (a
/// browser sends `Origin` with every POST; a request without one is no browser's form, and
/// the form token still guards it). `null` (a sandboxed or privacy-stripped origin) is refused.
fn origin_allowed(req: &Request, host: Option<&str>, bound: Option<IpAddr>) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Some(authority) = origin.to_str().ok().and_then(|o| o.strip_prefix("http://")) else {
        return false;
    };
    host_allowed(authority, bound) && host.is_none_or(|h| h.eq_ignore_ascii_case(authority))
}

/// Lets a request through when no token is set, or it carries the token (query, cookie or
/// bearer header); a token in the query is moved to a cookie.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(token) = &app.token else {
        return next.run(req).await;
    };
    let in_query = req.uri().query().unwrap_or("").split('&').any(|kv| {
        kv.strip_prefix("token=")
            .is_some_and(|t| same_token(t, token))
    });
    let headers = req.headers();
    let in_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| {
            c.trim()
                .strip_prefix("citata_token=")
                .is_some_and(|t| same_token(t, token))
        });
    let in_bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| same_token(t, token));
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
    /// Only codings of this source (`human`: those coders added).
    pub source: Option<String>,
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
                &self.source,
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
            source: some(&self.source),
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
    // Without a word to centre on the page shows whole sentences with their neighbours.
    let contexts = match &result {
        Some(Ok(r)) if r.hits.iter().all(|h| h.matches.is_empty()) => {
            lists::contexts(&app, &r.hits)
        }
        _ => Vec::new(),
    };
    Html(pages::search(&app, &p, result, &contexts)).into_response()
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

/// `?at=OFFSET`: the code point to open the transcript at; `&to=END`: a span selected from
/// there, to code.
#[derive(Debug, Default, Deserialize)]
pub struct At {
    /// Code point offset.
    pub at: Option<usize>,
    /// End of a selected span, code points.
    pub to: Option<usize>,
}

async fn transcript(
    State(app): State<Arc<App>>,
    Path(doc): Path<String>,
    Query(at): Query<At>,
    headers: HeaderMap,
) -> Response {
    match app.index.transcript(&doc) {
        Ok(Some(view)) => {
            let coder = coding::coder_of(&headers).unwrap_or_default();
            Html(pages::transcript(&app, &view, at, &coder)).into_response()
        }
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
fn board(app: &App, param: usize, wave: Option<&str>, division: Option<&str>) -> Vec<Quote> {
    let mut config = app.quote_config.clone();
    config.top = BOARD;
    let pools = app.quote_pools();
    let mut pool = pools.pools.get(param).cloned().unwrap_or_default();
    if let Some(w) = wave {
        pool.retain(|q| {
            pools
                .waves
                .get(&q.doc)
                .is_some_and(|have| same_meta(have, w))
        });
    }
    if let Some(d) = division {
        pool.retain(|q| {
            pools
                .divisions
                .get(&q.doc)
                .is_some_and(|have| same_meta(have, d))
        });
    }
    crate::quotes::select(pool, &config, crate::quotes::PolarityFilter::Any)
}

/// `?wave=`: the wave whose quotes the board shows (`all`: every wave). By default the wave
/// the report is about. `?division=`: only that division's quotes (by default all).
#[derive(Debug, Default, Deserialize)]
pub struct BoardParams {
    /// A wave, or `all`.
    pub wave: Option<String>,
    /// A division; empty or absent: every division.
    pub division: Option<String>,
}

impl BoardParams {
    fn division(&self) -> Option<String> {
        self.division
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty() && *d != "all")
            .map(str::to_string)
    }

    fn wave(&self, app: &App) -> Option<String> {
        match self.wave.as_deref().map(str::trim) {
            Some("all") | Some("") => None,
            Some(w) => Some(w.to_string()),
            None => app.model().as_ref().as_ref().map(|m| m.wave.clone()),
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
        let division = p.division();
        (
            board(&app, param, wave.as_deref(), division.as_deref()),
            wave,
        )
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
    let division = bp.division();
    match pinned_board(&app, &param, bp, false).await {
        Ok(b) => Html(pages::quotes(
            &app,
            b.param,
            &b.list,
            &b.pins,
            b.wave.as_deref(),
            division.as_deref(),
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
    let division = bp.division();
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
    Json(serde_json::json!({"param": param, "wave": wave, "division": division, "quotes": quotes, "pins": pins.of(&param).collect::<Vec<_>>()}))
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

/// Applies `f` to the study's pins and saves them (after the form token and the parameter
/// are checked); `f` may refuse the change with the answer to give instead.
fn change_pins(
    app: &App,
    param: &str,
    form: &PinForm,
    f: impl FnOnce(&mut Pins) -> Result<(), Box<Response>>,
) -> Response {
    if let Some(stale) = stale_form(&form.csrf, &app.csrf) {
        return stale;
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
    if let Err(refused) = f(&mut pins) {
        return *refused;
    }
    let saved = pins.save(&app.study);
    app.reports.invalidate();
    if let Err(e) = saved {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    Redirect::to(&format!("/quotes/{}", pages::url_encode(param))).into_response()
}

/// 422 with the reason a pin was refused, in Russian: a page with a way back to the board,
/// or `{"error": ...}` to a client that asks for JSON.
fn pin_refused(headers: &HeaderMap, param: &str, msg: &str) -> Response {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if json {
        (status, Json(serde_json::json!({"error": msg}))).into_response()
    } else {
        (status, Html(pages::pin_refused(param, msg))).into_response()
    }
}

async fn pin(
    State(app): State<Arc<App>>,
    Path(param): Path<String>,
    headers: HeaderMap,
    Form(form): Form<PinForm>,
) -> Response {
    let trim = form
        .text
        .clone()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let (doc, start, end) = (form.doc.clone(), form.start, form.end.max(form.start));
    let check = || -> Result<Option<String>, String> {
        let view = app
            .index
            .transcript(&doc)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("Нет такого интервью: {doc}."))?;
        let t = &view.transcript;
        let whole = crate::report::pins::passage(t, start, end).map_err(|e| e.ru())?;
        trim.as_deref()
            .map(|trim| {
                let private = crate::quotes::mask::private_words(t);
                crate::report::pins::check_trim(trim, &whole, &private).map_err(|e| e.ru())
            })
            .transpose()
    };
    change_pins(&app, &param, &form, |pins| {
        let text = check().map_err(|msg| Box::new(pin_refused(&headers, &param, &msg)))?;
        pins.pin(Pin {
            param: param.clone(),
            doc: doc.clone(),
            start,
            end,
            text,
        });
        Ok(())
    })
}

async fn unpin(
    State(app): State<Arc<App>>,
    Path(param): Path<String>,
    Form(form): Form<PinForm>,
) -> Response {
    change_pins(&app, &param, &form, |pins| {
        pins.unpin(&param, &form.doc, form.start);
        Ok(())
    })
}

/// The report in one of its forms, built from the study folder (so the current pins are in
/// it) by the same code as `citata report` (`qdpx`: `citata export qdpx`). The routes serve
/// it through [`cache::ReportCache`]: one build per state of the study folder.
fn report_bytes(app: &App, ext: &str) -> Result<Vec<u8>, String> {
    let mut notes: Vec<String> = Vec::new();
    let failed = |e: StudyError, notes: Vec<String>| {
        let mut msg = report_error(&e);
        for n in notes {
            msg.push('\n');
            msg.push_str(&n);
        }
        msg
    };
    let out = std::path::PathBuf::from(format!("report.{ext}"));
    if ext == "qdpx" {
        let opts = ExportOptions {
            paths: vec![app.study.clone()],
            name: "report".into(),
            ..ExportOptions::default()
        };
        return match qdpx_project(&opts, &mut notes) {
            Ok(Some(e)) => e.project.to_qdpx().map_err(|e| e.to_string()),
            Ok(None) => Err(notes.join("\n")),
            Err(e) => Err(failed(e, notes)),
        };
    }
    let mut render = || -> Result<Option<Vec<u8>>, StudyError> {
        let format = ReportFormat::of(&out)?;
        let opts = ReportOptions {
            folder: app.study.clone(),
            matrix: format.has_matrix(),
            ..ReportOptions::default()
        };
        let Some(report) = build_report(&opts, &mut notes)? else {
            return Ok(None);
        };
        format.render(&report, &out).map(Some)
    };
    match render() {
        Ok(Some(b)) => Ok(b),
        Ok(None) => Err(notes.join("\n")),
        Err(e) => Err(failed(e, notes)),
    }
}

/// An error with its causes, as the command line prints it (`a: b: c`).
fn report_error(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        msg.push_str(": ");
        msg.push_str(&c.to_string());
        cause = c.source();
    }
    msg
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

/// The report in `form` from the cache (`page`: the report page with its bar), or the
/// answer instead: 500 with the error, 503 with `Retry-After` when the server is busy.
#[allow(clippy::result_large_err)]
async fn cached_report(app: &Arc<App>, form: &'static str) -> Result<axum::body::Bytes, Response> {
    let builder = app.clone();
    let got = app
        .reports
        .get(&app.study, form, move || {
            let ext = if form == "page" { "html" } else { form };
            let bytes = report_bytes(&builder, ext)?;
            Ok(if form == "page" {
                String::from_utf8_lossy(&bytes)
                    .replacen("<body>", &pages::report_bar(), 1)
                    .into()
            } else {
                bytes.into()
            })
        })
        .await;
    match got {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err((StatusCode::INTERNAL_SERVER_ERROR, e).into_response()),
        Err(_) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, cache::RETRY_AFTER.to_string())],
            "citata serve is building the report for others; try again in a few seconds\n",
        )
            .into_response()),
    }
}

async fn report_page(State(app): State<Arc<App>>) -> Response {
    match cached_report(&app, "page").await {
        Ok(page) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response(),
        Err(r) => r,
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
    match cached_report(&app, ext).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, media.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"report.{ext}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 (FIPS 180-4), for checking the script hash in [`CSP`].
    fn sha256(data: &[u8]) -> [u8; 32] {
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2,
        ];
        let mut h: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        let mut msg = data.to_vec();
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
        for block in msg.chunks(64) {
            let mut w = [0u32; 64];
            for (i, c) in block.chunks(4).enumerate() {
                w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
            }
            for i in 16..64 {
                let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
                let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[i - 7])
                    .wrapping_add(s1);
            }
            let mut v = h;
            for i in 0..64 {
                let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
                let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
                let t1 = v[7]
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(K[i])
                    .wrapping_add(w[i]);
                let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
                let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
                let t2 = s0.wrapping_add(maj);
                v = [
                    t1.wrapping_add(t2),
                    v[0],
                    v[1],
                    v[2],
                    v[3].wrapping_add(t1),
                    v[4],
                    v[5],
                    v[6],
                ];
            }
            for (a, b) in h.iter_mut().zip(v) {
                *a = a.wrapping_add(b);
            }
        }
        let mut out = [0u8; 32];
        for (i, x) in h.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
        }
        out
    }

    fn base64(data: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in data.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn the_policy_names_the_hash_of_the_one_script() {
        assert_eq!(
            base64(&sha256(b"abc")),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        let hash = base64(&sha256(pages::SCRIPT.as_bytes()));
        assert!(CSP.contains(&format!("'sha256-{hash}'")), "{CSP}");
    }

    #[test]
    fn hosts_are_localhost_names_loopback_or_the_bound_address() {
        let lan: IpAddr = "192.168.1.20".parse().unwrap();
        for ok in [
            "localhost",
            "LOCALHOST:8080",
            "localhost.:8080",
            "app.localhost:1",
            "127.0.0.1:7070",
            "127.1.2.3",
            "[::1]:7070",
            "[::1]",
        ] {
            assert!(host_allowed(ok, None), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:7070",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "192.168.1.20:7070",
            "127.0.0.1:port",
            "[::1",
            "",
        ] {
            assert!(!host_allowed(bad, None), "{bad}");
        }
        assert!(host_allowed("192.168.1.20:7070", Some(lan)));
        assert!(!host_allowed("192.168.1.21:7070", Some(lan)));
        assert!(host_allowed(
            "10.0.0.5:7070",
            Some("0.0.0.0".parse().unwrap())
        ));
        assert!(!host_allowed(
            "evil.example:7070",
            Some("0.0.0.0".parse().unwrap())
        ));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", "a"));
    }
}
