//! ingest + segment + analyze throughput on plain-text transcripts, one thread.
//!
//! The corpora: see `corpus/mod.rs` (rusdracor, its big-vocabulary variant, 8 MB
//! generated). The token count is pinned and asserted inside the timed loop. Every
//! iteration starts with an empty form cache, as a `citata` process does: on real text the
//! distinct forms' analysis is part of the cost.

mod corpus;

use std::hint::black_box;

use citata::ingest::{IngestConfig, ingest_bytes};
use citata::model::Format;
use citata::text::Analyzer;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Tokens per corpus (rusdracor at commit b178c04; +2 since «Учителя. Актеры:» is text, not a label).
const TOKENS: &[(&str, usize)] = &[
    ("rusdracor", 935_059),
    ("big-vocabulary", 935_058),
    ("generated", 697_665),
];

/// The work measured: ingest every file, analyze every sentence; returns the token count.
fn run(files: &[Vec<u8>], analyzer: &mut Analyzer, tokens: &mut Vec<citata::text::Token>) -> usize {
    let config = IngestConfig::default();
    let mut count = 0;
    for (i, bytes) in files.iter().enumerate() {
        let t = ingest_bytes(&format!("{i}.txt"), Format::Txt, bytes, &config).unwrap();
        for s in &t.sentences {
            tokens.clear();
            analyzer.tokens_into(t.slice(s.span), tokens);
            count += tokens.len();
        }
    }
    count
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest_segment_analyze");
    group.sample_size(10);
    for case in corpus::cases(1, 8 << 20) {
        let files = &case.files;
        let bytes: usize = files.iter().map(Vec::len).sum();
        let mut analyzer = Analyzer::new();
        let mut tokens = Vec::new();
        // Warm-up pass, checked against the pinned count.
        let got = run(files, &mut analyzer, &mut tokens);
        let expected = corpus::pinned(TOKENS, case.name, got);
        eprintln!(
            "{}: {} files, {:.1} MB, {expected} tokens, {} distinct forms",
            case.name,
            files.len(),
            bytes as f64 / 1e6,
            analyzer.cached_forms()
        );
        group.throughput(Throughput::Bytes(bytes as u64));
        // Each iteration starts with an empty form cache, as a process does.
        group.bench_function(case.name, |b| {
            b.iter_batched(
                Analyzer::new,
                |mut analyzer| {
                    let n = run(black_box(files), &mut analyzer, &mut tokens);
                    assert_eq!(n, expected);
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
