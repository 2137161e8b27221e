//! Tagging throughput: ingest + segment + analyze + match + polarity + context, with the
//! embedded codebook, on one thread and on all threads (rayon, one state per thread).
//!
//! The corpus: see `corpus/mod.rs`. The coding count is asserted inside the timed loop.

mod corpus;

use std::hint::black_box;

use citata::codebook::Codebook;
use citata::ingest::{IngestConfig, ingest_bytes};
use citata::model::Format;
use citata::tag::Tagger;
use citata::text::Analyzer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

fn tag_file(tagger: &Tagger, i: usize, bytes: &[u8]) -> usize {
    let t = ingest_bytes(
        &format!("{i}.txt"),
        Format::Txt,
        bytes,
        &IngestConfig::default(),
    )
    .expect("bench transcript");
    tagger.with_thread_state(|state| tagger.tag(state, &t).len())
}

fn bench(c: &mut Criterion) {
    let (name, files) = corpus::corpus(8 << 20);
    let bytes: usize = files.iter().map(Vec::len).sum();
    let mut analyzer = Analyzer::new();
    let tagger = Tagger::new(Codebook::embedded(&mut analyzer), &mut analyzer);
    let serial = |files: &[Vec<u8>]| -> usize {
        files
            .iter()
            .enumerate()
            .map(|(i, b)| tag_file(&tagger, i, b))
            .sum()
    };
    let parallel = |files: &[Vec<u8>]| -> usize {
        files
            .par_iter()
            .enumerate()
            .map(|(i, b)| tag_file(&tagger, i, b))
            .sum()
    };
    // Warm-up pass; also the expected count.
    let expected = serial(&files);
    assert_eq!(parallel(&files), expected, "parallel tagging differs");
    eprintln!(
        "{name} corpus: {} files, {:.1} MB, {expected} codings",
        files.len(),
        bytes as f64 / 1e6
    );
    let mut group = c.benchmark_group("tag");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("{name}/1-thread"), |b| {
        b.iter(|| assert_eq!(serial(black_box(&files)), expected))
    });
    group.bench_function(
        format!("{name}/{}-threads", rayon::current_num_threads()),
        |b| b.iter(|| assert_eq!(parallel(black_box(&files)), expected)),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
