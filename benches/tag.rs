//! Tagging throughput: ingest + segment + analyze + match + polarity + context, with the
//! embedded codebook, on one thread and on all threads (the study pass `citata tag` runs, one state per
//! thread).
//!
//! The corpora: see `corpus/mod.rs` (rusdracor, its big-vocabulary variant, 8 MB
//! generated). Every iteration gets a new tagger, so its threads start with empty form
//! caches as a `citata tag` process does. The coding count is pinned and asserted inside the
//! timed loop.

mod corpus;

use std::hint::black_box;

use citata::codebook::Codebook;
use citata::ingest::{IngestConfig, ingest_bytes};
use citata::model::Format;
use citata::tag::Tagger;
use citata::text::Analyzer;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Codings per corpus with the shipped codebook (rusdracor at commit b178c04).
const CODINGS: &[(&str, usize)] = &[
    ("rusdracor", 4_792),
    ("big-vocabulary", 3_770),
    ("generated", 112_764),
];

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

fn tagger() -> Tagger {
    let mut analyzer = Analyzer::new();
    Tagger::new(Codebook::embedded(&mut analyzer), &mut analyzer)
}

fn serial(tagger: &Tagger, files: &[Vec<u8>]) -> usize {
    files
        .iter()
        .enumerate()
        .map(|(i, b)| tag_file(tagger, i, b))
        .sum()
}

/// All threads through the study's ordered pass, as `citata tag` runs it.
fn parallel(tagger: &Tagger, files: &[Vec<u8>]) -> usize {
    let mut total = 0;
    let threads = citata::study::pass::threads(None);
    citata::study::pass::ordered(files, threads, |i, b| tag_file(tagger, i, b), &mut |n| {
        total += n;
        Ok::<(), ()>(())
    })
    .expect("no error");
    total
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("tag");
    group.sample_size(10);
    for case in corpus::cases(1, 8 << 20) {
        let files = &case.files;
        let bytes: usize = files.iter().map(Vec::len).sum();
        // Warm-up pass, checked against the pinned count.
        let expected = corpus::pinned(CODINGS, case.name, serial(&tagger(), files));
        assert_eq!(
            parallel(&tagger(), files),
            expected,
            "parallel tagging differs"
        );
        eprintln!(
            "{}: {} files, {:.1} MB, {expected} codings",
            case.name,
            files.len(),
            bytes as f64 / 1e6
        );
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{}/1-thread", case.name), |b| {
            b.iter_batched(
                tagger,
                |t| assert_eq!(serial(&t, black_box(files)), expected),
                BatchSize::PerIteration,
            )
        });
        group.bench_function(
            format!("{}/{}-threads", case.name, rayon::current_num_threads()),
            |b| {
                b.iter_batched(
                    tagger,
                    |t| assert_eq!(parallel(&t, black_box(files)), expected),
                    BatchSize::PerIteration,
                )
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
