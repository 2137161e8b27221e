//! Prints how the analyzer sees each word: `cargo run --example lemmas -- слово ...`, or
//! words on stdin one per line (a TAB and anything after it on the line is kept as is).
//! Output: `word<TAB>norm<TAB>lemmas (|-separated, most probable first)<TAB>stem<TAB>known`.

use std::io::BufRead;

use citata::text::Analyzer;

fn main() {
    let mut analyzer = Analyzer::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<String> = if args.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .map_while(Result::ok)
            .collect()
    } else {
        args
    };
    for line in words {
        let word = line.split('\t').next().unwrap_or("").trim();
        if word.is_empty() {
            continue;
        }
        let tokens = analyzer.tokens(word);
        let parts: Vec<String> = tokens
            .iter()
            .map(|t| {
                let info = analyzer.info(t);
                format!(
                    "{}\t{}\t{}\t{}",
                    info.norm,
                    info.lemmas.join("|"),
                    info.stem,
                    info.known()
                )
            })
            .collect();
        println!("{word}\t{}", parts.join("\t||\t"));
    }
}
