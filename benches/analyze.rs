//! ingest + segment + analyze throughput on plain-text transcripts, one thread.
//!
//! The corpus: see `corpus/mod.rs` (8 MB generated from the demo corpus, or
//! `CITATA_BENCH_CORPUS`). The token count is asserted inside the timed loop.

mod corpus;

use std::hint::black_box;

use citata::ingest::{IngestConfig, ingest_bytes};
use citata::model::Format;
use citata::text::Analyzer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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
    let (name, files) = corpus::corpus(8 << 20);
    let bytes: usize = files.iter().map(Vec::len).sum();
    let mut analyzer = Analyzer::new();
    let mut tokens = Vec::new();
    // Warm-up pass; also the expected count.
    let expected = run(&files, &mut analyzer, &mut tokens);
    eprintln!(
        "{name} corpus: {} files, {:.1} MB, {expected} tokens, {} distinct forms",
        files.len(),
        bytes as f64 / 1e6,
        analyzer.cached_forms()
    );
    let mut group = c.benchmark_group("ingest_segment_analyze");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            let n = run(black_box(&files), &mut analyzer, &mut tokens);
            assert_eq!(n, expected);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
