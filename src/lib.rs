/*!
citata: qualitative coding and quote mining of Russian interview transcripts.

The pipeline: [`ingest`] reads a transcript file of any common kind into a canonical
[`model::Transcript`] with speaker turns and sentences (split by [`segment`]); [`text`] is
the one analyzer that turns text into tokens with exact byte spans, lemmas (OpenCorpora,
through `rumorph`) and Snowball stems.

```
use citata::ingest::{ingest_bytes, IngestConfig};
use citata::model::{Format, Role};
use citata::text::Analyzer;

let raw = "Интервьюер: Как оцените сроки поставки?\nРеспондент: Ну, твёрдая восьмёрка. Поставки стали вовремя.\n";
let t = ingest_bytes("demo.txt", Format::Txt, raw.as_bytes(), &IngestConfig::default())?;
assert_eq!(t.turns.len(), 2);
assert_eq!(t.speakers[1].role, Role::Respondent);
assert_eq!(t.slice(t.sentences[2].span), "Поставки стали вовремя.");

let mut analyzer = Analyzer::new();
let tokens = analyzer.tokens(t.slice(t.sentences[2].span));
assert_eq!(analyzer.info(&tokens[0]).lemmas[0], "поставка");
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod agree;
#[cfg(feature = "cli")]
pub mod cli;
pub mod codebook;
pub mod decisions;
pub mod error;
pub mod escape;
pub mod index;
pub mod ingest;
pub mod memos;
pub mod model;
pub mod quotes;
pub mod ratings;
pub mod refi;
pub mod report;
pub mod ru;
pub mod segment;
#[cfg(feature = "serve")]
pub mod serve;
pub mod study;
pub mod tag;
pub mod text;

#[cfg(test)]
mod testutil;

pub use error::{Error, Result};
