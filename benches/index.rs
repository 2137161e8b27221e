//! Indexing and search: `citata index add` (ingest + tag + tantivy) on each corpus of
//! `corpus/mod.rs` (rusdracor, its big-vocabulary variant in three copies, 32 MB generated),
//! and query latency on an index of at least a million generated passages.
//!
//! Each corpus gets a seven-column `respondents.csv` as a real study has. Counts are pinned
//! and asserted inside the timed loops. Under `cargo bench -- --test` (CI) the
//! big-vocabulary case has one copy and the generated corpora are 8 MB (instead of 32 MB to
//! index and 100 MB to search).

mod corpus;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use citata::index::{CitataIndex, SearchQuery};
use citata::study::index::{AddOptions, add};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn write_corpus(dir: &Path, files: &[Vec<u8>]) -> usize {
    std::fs::create_dir_all(dir).unwrap();
    for (i, f) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("t{i:06}.txt")), f).unwrap();
    }
    std::fs::write(
        dir.join("respondents.csv"),
        corpus::respondents_csv(files.len()),
    )
    .unwrap();
    files.iter().map(Vec::len).sum()
}

/// `citata index add CORPUS --index DIR`, through the library as the command runs it; the
/// sentences indexed.
fn index(corpus: &Path, dir: &Path) -> usize {
    let _ = std::fs::remove_dir_all(dir);
    let opts = AddOptions::new(vec![corpus.to_path_buf()], dir.to_path_buf());
    let mut notes: Vec<String> = Vec::new();
    let tally = add(&opts, &mut notes)
        .expect("index add")
        .expect("transcripts");
    assert_eq!(tally.failed, 0, "index add failed: {notes:?}");
    let idx = CitataIndex::open_or_create(dir).expect("index opens");
    idx.stats().expect("stats").sentences
}

/// Sentences indexed per corpus (re-pin with `CITATA_REPIN=1`; the big-vocabulary case has
/// three copies, one under `--test`).
const SENTENCES: &[(&str, usize)] = &[
    ("rusdracor", 151_871),
    ("big-vocabulary", 324_647),
    ("big-vocabulary/quick", 108_106),
    ("generated", 344_891),
    ("generated/quick", 86_459),
];

fn bench_add(c: &mut Criterion) {
    let quick = std::env::args().any(|a| a == "--test");
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    let cases = corpus::cases(
        if quick { 1 } else { 3 },
        if quick { 8 << 20 } else { 32 << 20 },
    );
    for case in cases {
        let tmp = tempfile::tempdir().unwrap();
        let files = &case.files;
        let corpus_dir = tmp.path().join("corpus");
        let bytes = write_corpus(&corpus_dir, files);
        let dir = tmp.path().join("index");
        let pin = match (case.name, quick) {
            ("rusdracor", _) | (_, false) => case.name.to_string(),
            (name, true) => format!("{name}/quick"),
        };
        let expected = corpus::pinned(SENTENCES, &pin, index(&corpus_dir, &dir));
        eprintln!(
            "{}: {} files, {:.1} MB, {expected} sentences",
            case.name,
            files.len(),
            bytes as f64 / 1e6
        );
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{}/add", case.name), |b| {
            b.iter(|| assert_eq!(index(black_box(&corpus_dir), &dir), expected))
        });
    }
    group.finish();
}

fn bench_search(c: &mut Criterion) {
    let quick = std::env::args().any(|a| a == "--test");
    let tmp = tempfile::tempdir().unwrap();
    let files = corpus::generated_corpus(if quick { 8 << 20 } else { 100 << 20 });
    let corpus_dir = tmp.path().join("corpus");
    write_corpus(&corpus_dir, &files);
    drop(files);
    let dir = tmp.path().join("index");
    let started = Instant::now();
    let passages = index(&corpus_dir, &dir);
    eprintln!(
        "search index: {passages} passages, built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if !quick {
        assert!(passages >= 1_000_000, "{passages} passages");
    }
    let idx = CitataIndex::open_or_create(&dir).unwrap();
    let queries: Vec<(&str, SearchQuery)> = vec![
        ("term", query("оплата", &[])),
        ("phrase", query("\"сроки поставки\"", &[])),
        ("code", query("", &["payment_terms"])),
        ("term+code", query("задержка", &["delivery_time"])),
        ("prefix", query("отсроч*", &[])),
        (
            "boolean",
            query("цена AND (скидка OR тендер) NOT росатом", &[]),
        ),
        ("term+meta", {
            let mut q = query("оплата", &[]);
            q.filters = vec![("division".into(), "служба закупок".into())];
            q
        }),
        ("term+facets", {
            let mut q = query("оплата", &[]);
            q.facets = true;
            q
        }),
    ];
    let mut group = c.benchmark_group("search");
    for (name, q) in &queries {
        let total = idx.search(q).unwrap().total;
        assert!(total > 0, "{name} finds something");
        // p50 / p95 of single queries, with the top 20 hits read and highlighted.
        let mut times: Vec<Duration> = (0..if quick { 20 } else { 300 })
            .map(|_| {
                let t = Instant::now();
                assert_eq!(idx.search(q).unwrap().total, total);
                t.elapsed()
            })
            .collect();
        times.sort();
        eprintln!(
            "search {name:<10} {total:>8} hits  p50 {:>7.3} ms  p95 {:>7.3} ms",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() * 95 / 100].as_secs_f64() * 1e3
        );
        group.bench_function(*name, |b| {
            b.iter(|| assert_eq!(idx.search(black_box(q)).unwrap().total, total))
        });
    }
    group.finish();
}

fn query(text: &str, codes: &[&str]) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        codes: codes.iter().map(|c| c.to_string()).collect(),
        limit: 20,
        ..SearchQuery::default()
    }
}

criterion_group!(benches, bench_add, bench_search);
criterion_main!(benches);
