//! ingest + segment + analyze throughput on plain-text transcripts, one thread.
//!
//! The corpus is generated from the demo corpus: its turns, reshuffled deterministically into
//! ~100 KB transcripts with `Интервьюер:` / `Респондент:` labels, about 8 MB in all. Set
//! `CITATA_BENCH_CORPUS` to a folder of .txt transcripts (e.g. ../shared/data/rusdracor) to
//! measure on real text instead. The token count is asserted inside the timed loop.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use citata::ingest::{IngestConfig, discover, ingest_bytes, ingest_source};
use citata::model::Format;
use citata::text::Analyzer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TARGET_BYTES: usize = 8 << 20;

fn demo_turns() -> Vec<(bool, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo");
    let mut turns = Vec::new();
    for source in discover(&[root]).expect("demo corpus") {
        let t = ingest_source(&source, &IngestConfig::default()).expect("demo transcript");
        for turn in &t.turns {
            let interviewer = t.turn_speaker(turn).role == citata::model::Role::Interviewer;
            turns.push((interviewer, t.slice(turn.span).to_string()));
        }
    }
    turns
}

fn generated_corpus() -> Vec<Vec<u8>> {
    let turns = demo_turns();
    let mut files = Vec::new();
    let mut total = 0;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    while total < TARGET_BYTES {
        let mut file = String::new();
        while file.len() < 100_000 {
            let (interviewer, text) = &turns[next() % turns.len()];
            let label = if *interviewer {
                "Интервьюер"
            } else {
                "Респондент"
            };
            file.push_str(label);
            file.push_str(": ");
            file.push_str(text);
            file.push('\n');
        }
        total += file.len();
        files.push(file.into_bytes());
    }
    files
}

fn real_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("CITATA_BENCH_CORPUS is a folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

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
    let (name, files) = match std::env::var_os("CITATA_BENCH_CORPUS") {
        Some(dir) => ("real", real_corpus(Path::new(&dir))),
        None => ("generated", generated_corpus()),
    };
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
