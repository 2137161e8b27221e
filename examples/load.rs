//! A bounded load test of `citata serve` on loopback: the demo study indexed in a temporary
//! folder, the server started in this process, 50 clients on keep-alive connections asking
//! `/api/search` (rotating queries and filters) for N seconds (default 10). Prints requests,
//! errors and latency percentiles; exits with 1 on any error.
//!
//! With `report` as the third argument, the clients ask for the report page and its
//! downloads (`/report`, `/report.docx`, `/report.xlsx`, `/report.qdpx`) instead; a 503
//! (busy, with `Retry-After`) is counted and retried, a request that takes over 60 s is a
//! time-out (an error). The peak RSS and thread count of the process are printed.
//!
//! `cargo run --release --example load -- [SECONDS] [CLIENTS] [report]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const REPORT_ROUTES: [&str; 4] = ["/report", "/report.docx", "/report.xlsx", "/report.qdpx"];

/// A line of /proc/self/status (`VmRSS`, `VmHWM`, `Threads`): its number.
fn status(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

const QUERIES: [&str; 8] = [
    "q=%D0%BE%D0%BF%D0%BB%D0%B0%D1%82%D0%B0", // оплата
    "q=%22%D1%81%D1%80%D0%BE%D0%BA%D0%B8+%D0%BF%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B8%22", // "сроки поставки"
    "q=%D0%BE%D1%82%D1%81%D1%80%D0%BE%D1%87*", // отсроч*
    "param=delivery_time&polarity=negative",
    "q=%D1%86%D0%B5%D0%BD%D0%B0&division=%D1%81%D0%BB%D1%83%D0%B6%D0%B1%D0%B0+%D0%B7%D0%B0%D0%BA%D1%83%D0%BF%D0%BE%D0%BA", // цена, служба закупок
    "param=claims&wave=2026",
    "wish=1",
    "q=%D1%80%D0%B5%D0%BA%D0%BB%D0%B0%D0%BC%D0%B0%D1%86%D0%B8%D1%8F+OR+%D0%B1%D1%80%D0%B0%D0%BA", // рекламация OR брак
];

/// One keep-alive GET; the status code.
async fn get(
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: &mut tokio::net::tcp::OwnedWriteHalf,
    path: &str,
) -> std::io::Result<u16> {
    w.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
        .await?;
    let mut status = String::new();
    r.read_line(&mut status).await?;
    let code = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end().to_ascii_lowercase();
        if l.is_empty() {
            break;
        }
        if let Some(v) = l.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).await?;
    Ok(code)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
    let report = args.get(3).is_some_and(|a| a == "report");
    let tmp = std::env::temp_dir().join(format!("citata-load-{}", std::process::id()));
    let study = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
    let index = tmp.join("index");
    let add = citata::study::index::AddOptions {
        jobs: None,
        ..citata::study::index::AddOptions::new(vec![study.clone()], index.clone())
    };
    citata::study::index::add(&add, &mut Vec::<String>::new())?;
    let app = Arc::new(citata::serve::App::open(study, &index, None)?);
    let runtime = tokio::runtime::Runtime::new()?;
    let busy = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let (mut threads, mut rss) = (0, 0);
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                threads = threads.max(status("Threads"));
                rss = rss.max(status("VmRSS"));
                std::thread::sleep(Duration::from_millis(100));
            }
            (threads, rss)
        })
    };
    let busy_count = busy.clone();
    let (latencies, errors) = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, citata::serve::router(app)).await;
        });
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for c in 0..clients {
            let busy = busy.clone();
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::new();
                let mut errors = 0usize;
                let Ok(stream) = TcpStream::connect(addr).await else {
                    return (times, 1);
                };
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                let mut i = c;
                while Instant::now() < deadline {
                    let path = if report {
                        REPORT_ROUTES[i % REPORT_ROUTES.len()].to_string()
                    } else {
                        format!("/api/search?{}", QUERIES[i % QUERIES.len()])
                    };
                    i += 1;
                    let t = Instant::now();
                    let got =
                        tokio::time::timeout(Duration::from_secs(60), get(&mut r, &mut w, &path))
                            .await;
                    match got {
                        Ok(Ok(200)) => times.push(t.elapsed()),
                        Ok(Ok(503)) if report => {
                            busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_secs(5)).await;
                        }
                        Ok(Ok(code)) => {
                            eprintln!("{path}: {code}");
                            errors += 1;
                            break;
                        }
                        Ok(Err(e)) => {
                            eprintln!("{path}: {e}");
                            errors += 1;
                            break;
                        }
                        Err(_) => {
                            eprintln!("{path}: no answer in 60 s");
                            errors += 1;
                            break;
                        }
                    }
                }
                (times, errors)
            }));
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (times, e) = t.await?;
            all.extend(times);
            errors += e;
        }
        anyhow::Ok((all, errors))
    })?;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let (threads, rss) = sampler.join().unwrap_or((0, 0));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut l = latencies;
    l.sort();
    let pct = |p: usize| {
        l.get(l.len() * p / 100)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "{clients} clients, {seconds} s: {} requests ({:.0}/s), {errors} errors; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        l.len(),
        l.len() as f64 / seconds as f64,
        pct(50),
        pct(95),
        pct(99)
    );
    println!(
        "peak RSS {} MB while loaded ({} MB with indexing), peak threads {threads}, 503 busy answers {}",
        rss / 1024,
        status("VmHWM") / 1024,
        busy_count.load(std::sync::atomic::Ordering::Relaxed)
    );
    if errors > 0 {
        std::process::exit(1);
    }
    Ok(())
}
