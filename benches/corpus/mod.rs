//! The benchmark corpus, shared by the benches.
//!
//! Generated from the demo corpus: its turns, reshuffled deterministically into ~100 KB
//! transcripts with `Интервьюер:` / `Респондент:` labels. `CITATA_BENCH_CORPUS` names a
//! folder of .txt transcripts (e.g. ../shared/data/rusdracor) to measure real text instead.

use std::path::{Path, PathBuf};

use citata::ingest::{IngestConfig, discover, ingest_source};

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

pub fn generated_corpus(target_bytes: usize) -> Vec<Vec<u8>> {
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
    while total < target_bytes {
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

pub fn real_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("CITATA_BENCH_CORPUS is a folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// The corpus to measure: (name, files).
pub fn corpus(target_bytes: usize) -> (&'static str, Vec<Vec<u8>>) {
    match std::env::var_os("CITATA_BENCH_CORPUS") {
        Some(dir) => ("real", real_corpus(Path::new(&dir))),
        None => ("generated", generated_corpus(target_bytes)),
    }
}

/// A `respondents.csv` for files `t000000.txt`, `t000001.txt`, …: the seven columns of the
/// demo study's, as a real study has them (metadata costs the index something).
#[allow(dead_code)] // used by the index bench and gen_corpus, not by every bench
pub fn respondents_csv(files: usize) -> String {
    const DIVISIONS: [(&str, &str); 6] = [
        ("Служба закупок", "Начальник службы закупок"),
        ("Служба главного механика", "Главный механик"),
        ("Производство", "Начальник цеха № 3"),
        (
            "Дирекция по капитальному строительству",
            "Руководитель проектов",
        ),
        ("Финансовая служба", "Финансовый директор"),
        ("Служба качества", "Инженер по качеству"),
    ];
    let mut csv = String::from("file,respondent,company,division,role,wave,date,interviewer\n");
    for i in 0..files {
        let (division, role) = DIVISIONS[i % DIVISIONS.len()];
        csv.push_str(&format!(
            "t{i:06}.txt,Р-{i:04},АО «Северхимпром»,{division},{role},{},2025-03-{:02},{}\n",
            2025 + i % 2,
            11 + i % 15,
            if i % 3 == 0 {
                "Павел Громов"
            } else {
                "Анна Соколова"
            }
        ));
    }
    csv
}
