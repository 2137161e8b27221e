//! Any request to `citata serve`'s routes: the input is `METHOD URI` on the first line,
//! then `Name: value` header lines, a blank line and the body (query strings, the search
//! form, the pin and unpin forms, Host and Origin). Answered, never a panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::Request;
use citata::serve::{App, router};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Server {
    app: Arc<App>,
    runtime: tokio::runtime::Runtime,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("citata-fuzz-web-{}", std::process::id()));
        let study = dir.join("study");
        std::fs::create_dir_all(&study).unwrap();
        std::fs::write(
            study.join("a.txt"),
            "---\ndivision: Финансы\nwave: 2026\n---\nИнтервьюер: Как с оплатой?\nРеспондент: Оплата вовремя, отсрочка шестьдесят дней. Сроки поставки срывают.\n",
        )
        .unwrap();
        let index = dir.join("index");
        let add = citata::study::index::AddOptions {
            jobs: Some(1),
            ..citata::study::index::AddOptions::new(vec![study.clone()], index.clone())
        };
        citata::study::index::add(&add, &mut Vec::<String>::new()).unwrap();
        let app = Arc::new(App::open(study, &index, None).unwrap());
        // The quote pools and the report model are built once, not per input.
        app.quote_pools();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Server { app, runtime }
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let Some((method, uri)) = lines.next().and_then(|l| l.split_once(' ')) else {
        return;
    };
    // The report routes build the whole report: too slow for a fuzzer's loop.
    if uri.starts_with("/report") {
        return;
    }
    let mut req = Request::builder().method(method).uri(uri);
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            req = req.header(k.trim(), v.trim());
        }
    }
    let Ok(req) = req.body(Body::from(body.to_string())) else {
        return;
    };
    let s = server();
    let _ = s.runtime.block_on(router(s.app.clone()).oneshot(req));
});
