//! Writes a large corpus for whole-process measurements (the same generators as the
//! benches, see `benches/corpus/mod.rs`), with a seven-column `respondents.csv`:
//!
//! - `cargo run --release --example gen_corpus -- OUT_DIR MEGABYTES`: the demo corpus's
//!   turns, reshuffled deterministically into ~100 KB files;
//! - `cargo run --release --example gen_corpus -- --big-vocabulary OUT_DIR COPIES`: the
//!   rusdracor plays (`../shared/data/rusdracor`), every line's words shuffled and one word
//!   in eight joined to a random other word of the corpus, `COPIES` times (about 12.4 MB
//!   each).

#[path = "../benches/corpus/mod.rs"]
#[allow(dead_code)]
mod corpus;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let big = args.first().is_some_and(|a| a == "--big-vocabulary");
    if big {
        args.remove(0);
    }
    let (Some(dir), Some(n)) = (
        args.first(),
        args.get(1).and_then(|m| m.parse::<usize>().ok()),
    ) else {
        eprintln!(
            "usage: gen_corpus OUT_DIR MEGABYTES | gen_corpus --big-vocabulary OUT_DIR COPIES"
        );
        std::process::exit(2);
    };
    std::fs::create_dir_all(dir).expect("create the output folder");
    let files = if big {
        let Some(real) = corpus::rusdracor() else {
            std::process::exit(2);
        };
        corpus::big_vocabulary(&real, n)
    } else {
        corpus::generated_corpus(n << 20)
    };
    for (i, f) in files.iter().enumerate() {
        std::fs::write(format!("{dir}/t{i:06}.txt"), f).expect("write a transcript");
    }
    std::fs::write(
        format!("{dir}/respondents.csv"),
        corpus::respondents_csv(files.len()),
    )
    .expect("write respondents.csv");
    eprintln!(
        "{} files, {} MB in {dir}",
        files.len(),
        files.iter().map(Vec::len).sum::<usize>() >> 20
    );
}
