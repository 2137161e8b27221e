//! Writes a large corpus for whole-process measurements:
//! `cargo run --release --example gen_corpus -- OUT_DIR MEGABYTES`. The transcripts are the
//! demo corpus's turns, reshuffled deterministically into ~100 KB files (the same generator
//! as the benches), with a seven-column `respondents.csv`.

#[path = "../benches/corpus/mod.rs"]
#[allow(dead_code)]
mod corpus;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(mb)) = (
        args.first(),
        args.get(1).and_then(|m| m.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen_corpus OUT_DIR MEGABYTES");
        std::process::exit(2);
    };
    std::fs::create_dir_all(dir).expect("create the output folder");
    let files = corpus::generated_corpus(mb << 20);
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
