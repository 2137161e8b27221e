//! The benchmark corpora, shared by the benches (and by `examples/gen_corpus.rs`).
//!
//! - **rusdracor** (first, real text): the 88 plays of `../shared/data/rusdracor` beside the
//!   checkout (CC0; CI has it there), read as they are: real dialogue, 78,700 distinct forms.
//! - **big vocabulary**: that text with every line's words shuffled and every eighth word
//!   joined by a hyphen to another word of the corpus drawn at random (`слово-другое`), a
//!   compound no dictionary knows: the vocabulary grows with the corpus as in real prose
//!   (names, rare words, typos), so the form caches miss as they do there. Several copies,
//!   each shuffled anew, make it as large as asked.
//! - **generated**: the demo corpus's turns reshuffled into ~100 KB transcripts with
//!   `Интервьюер:` / `Респондент:` labels: a few thousand distinct forms, every one a cache
//!   hit after the first second. The second case: it says how fast tagging is when the
//!   vocabulary is small.
//!
//! When the rusdracor folder is missing the real cases are skipped with a message; their
//! counts are pinned for its commit b178c04.

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

/// Where the real corpus is: `../shared/data/rusdracor` beside the checkout.
pub fn rusdracor_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/rusdracor")
}

/// The .txt files of a folder, in name order.
pub fn read_folder(dir: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(std::fs::read).collect()
}

/// The rusdracor plays, or `None` (with a message) when the folder is missing.
pub fn rusdracor() -> Option<Vec<Vec<u8>>> {
    let dir = rusdracor_dir();
    match read_folder(&dir) {
        Ok(files) if !files.is_empty() => Some(files),
        _ => {
            eprintln!(
                "{} is missing: the real-text cases are skipped",
                dir.display()
            );
            None
        }
    }
}

/// The big-vocabulary corpus from `files` (see the module doc): `copies` copies, each with
/// its own shuffle. Speaker labels (`Name:` at a line start) and headings stay in place.
pub fn big_vocabulary(files: &[Vec<u8>], copies: usize) -> Vec<Vec<u8>> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let text: Vec<&str> = files
        .iter()
        .map(|f| std::str::from_utf8(f).expect("UTF-8 corpus"))
        .collect();
    // Every word of the corpus once per occurrence, for the compounds.
    let vocabulary: Vec<&str> = text
        .iter()
        .flat_map(|t| t.split(|c: char| !c.is_alphabetic()))
        .filter(|w| w.chars().count() > 2)
        .collect();
    let mut out = Vec::new();
    for _ in 0..copies {
        for t in &text {
            let mut file = String::with_capacity(t.len() + t.len() / 8);
            for line in t.lines() {
                let (label, rest) = match line.find(": ") {
                    Some(i) if !line.starts_with('#') && line[..i].chars().count() <= 40 => {
                        line.split_at(i + 2)
                    }
                    _ if line.starts_with('#') || line.is_empty() => (line, ""),
                    _ => ("", line),
                };
                file.push_str(label);
                let mut words: Vec<&str> = rest.split_whitespace().collect();
                for i in (1..words.len()).rev() {
                    words.swap(i, next() % (i + 1));
                }
                for (k, w) in words.iter().enumerate() {
                    if k > 0 {
                        file.push(' ');
                    }
                    file.push_str(w);
                    if next() % 8 == 0 && w.chars().last().is_some_and(char::is_alphabetic) {
                        file.push('-');
                        file.push_str(vocabulary[next() % vocabulary.len()]);
                    }
                }
                file.push('\n');
            }
            out.push(file.into_bytes());
        }
    }
    out
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

/// One corpus to measure.
pub struct Case {
    /// `rusdracor`, `big-vocabulary` or `generated`.
    pub name: &'static str,
    /// Its transcripts.
    pub files: Vec<Vec<u8>>,
}

/// The corpora in the order the benches report them: real text first (when the folder is
/// there), `big_copies` copies for the big-vocabulary case, then `generated_bytes` generated.
pub fn cases(big_copies: usize, generated_bytes: usize) -> Vec<Case> {
    let mut cases = Vec::new();
    if let Some(real) = rusdracor() {
        cases.push(Case {
            name: "big-vocabulary",
            files: big_vocabulary(&real, big_copies),
        });
        cases.insert(
            0,
            Case {
                name: "rusdracor",
                files: real,
            },
        );
    }
    cases.push(Case {
        name: "generated",
        files: generated_corpus(generated_bytes),
    });
    cases
}

/// The count pinned for a case, failing with what to pin when it is not there.
/// With `CITATA_REPIN=1` it prints the count instead of failing, to re-pin after an
/// intended change.
pub fn pinned(table: &[(&str, usize)], case: &str, got: usize) -> usize {
    if std::env::var_os("CITATA_REPIN").is_some() {
        eprintln!("pin: (\"{case}\", {got}),");
        return got;
    }
    let Some(&(_, want)) = table.iter().find(|(n, _)| *n == case) else {
        panic!("no count pinned for {case}: it is {got}");
    };
    assert_eq!(
        got, want,
        "{case}: the count changed; pin the new one if it is meant to"
    );
    want
}
