//! What tantivy alone costs for the words `citata index add` gives it: the floor under
//! `index add` (issue 16).
//! `cargo run --release --example tantivy_floor -- DIR [THREADS [WRITER_MB [SENTENCES_PER_DOC]]]`.
//!
//! Reads the transcripts in DIR, computes every sentence's index keys with citata's analyzer
//! (as tagging records them; not timed), then indexes them alone into a throwaway index in
//! the temporary folder: one document per sentence (or per SENTENCES_PER_DOC consecutive
//! sentences, to see what a document costs apart from its words) with one field, the keys,
//! whitespace tokenized, with positions (citata's `text` field), nothing stored, THREADS
//! indexing threads (default 2), WRITER_MB of writer memory (default 100, as `index add`),
//! one commit. Prints the wall and CPU time of that phase (CPU from `/proc/self/stat`, so
//! Linux only). `index add` does this plus reading, tagging, the keys' analysis, the other
//! fields and the doc store.

use std::path::PathBuf;
use std::time::Instant;

use citata::index::sentence_keys;
use citata::ingest::{IngestConfig, discover, ingest_source};
use citata::text::Analyzer;
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, IndexWriter, TantivyDocument};

/// User + system CPU seconds of this process so far (0 where `/proc` is missing).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces):
    // utime and stime are the 12th and 13th of them, in clock ticks (100 a second here).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: tantivy_floor DIR [THREADS [WRITER_MB [SENTENCES_PER_DOC]]]");
        std::process::exit(2);
    };
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(2);
    let budget_mb: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(100);
    let per_doc: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(1).max(1);
    let sources = discover(std::slice::from_ref(&dir)).expect("a folder of transcripts");
    let mut analyzer = Analyzer::new();
    let (mut bytes, mut words) = (0usize, 0usize);
    let mut keys: Vec<String> = Vec::new();
    let started = Instant::now();
    for s in &sources {
        let Ok(t) = ingest_source(s, &IngestConfig::default()) else {
            eprintln!("skipped {}", s.path.display());
            continue;
        };
        bytes += t.text.len();
        for sentence in t.sentences.iter().filter(|s| !s.non_speech) {
            let k = sentence_keys(&mut analyzer, t.slice(sentence.span));
            words += k.split(' ').filter(|w| !w.is_empty()).count();
            keys.push(k);
        }
    }
    eprintln!(
        "{} files, {:.1} MB, {} sentences, {words} words: keys in {:.1} s (not counted)",
        sources.len(),
        bytes as f64 / 1e6,
        keys.len(),
        started.elapsed().as_secs_f64()
    );

    let mut b = Schema::builder();
    let text = b.add_text_field(
        "text",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("keys")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let path = std::env::temp_dir().join(format!("citata-tantivy-floor-{}", std::process::id()));
    std::fs::create_dir_all(&path).expect("a temporary folder");
    let index = Index::create_in_dir(&path, b.build()).expect("a new index");
    index
        .tokenizers()
        .register("keys", tantivy::tokenizer::WhitespaceTokenizer::default());
    // The documents' texts are joined before the clock starts: the timed loop moves each
    // into its document, as `index add` does.
    let docs: Vec<String> = if per_doc == 1 {
        keys
    } else {
        keys.chunks(per_doc).map(|k| k.join(" ")).collect()
    };
    let (cpu, wall) = (cpu_seconds(), Instant::now());
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, budget_mb * 1_000_000)
        .expect("a writer");
    for k in docs {
        let mut d = TantivyDocument::default();
        d.add_text(text, k);
        writer.add_document(d).expect("indexing thread alive");
    }
    writer.commit().expect("commit");
    let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let _ = std::fs::remove_dir_all(&path);
    let mb = bytes as f64 / 1e6;
    println!(
        "tantivy alone, {threads} thread(s), {budget_mb} MB, {per_doc} sentence(s) a document: \
         {wall:.2} s wall, {cpu:.2} s CPU = {:.1} MB of transcript per CPU second ({:.0} ns a \
         word); on 2 cores at most {:.1} MB/s",
        mb / cpu,
        cpu * 1e9 / words.max(1) as f64,
        2.0 * mb / cpu
    );
}
