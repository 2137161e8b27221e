//! Helpers shared by the unit tests: a transcript from text, a tagger from small lexicons.

use crate::codebook::Codebook;
use crate::ingest::{IngestConfig, ingest_bytes};
use crate::model::{Format, Transcript};
use crate::tag::polarity::Lexicon;
use crate::tag::{Tagger, markers_codebook};
use crate::text::Analyzer;

/// A plain-text transcript (`t.txt`) from `text`.
pub fn transcript(text: &str) -> Transcript {
    ingest_bytes(
        "t.txt",
        Format::Txt,
        text.as_bytes(),
        &IngestConfig::default(),
    )
    .expect("a test transcript")
}

/// A tagger for a codebook source, with the given wish and comparison markers, sentiment
/// lexicon and modifiers (in the shipped files' formats).
pub fn tagger(
    codebook: &str,
    wish: &[&str],
    comparison: &[&str],
    sentiment: &str,
    modifiers: &str,
) -> Tagger {
    let mut a = Analyzer::new();
    let cb = Codebook::parse(codebook, "t", &mut a).expect("a test codebook");
    let list = |v: &[&str]| serde_json::to_string(v).expect("strings");
    let markers = markers_codebook(
        &format!("wish = {}\ncomparison = {}\n", list(wish), list(comparison)),
        &mut a,
    )
    .expect("test markers");
    Tagger::with(
        cb,
        markers,
        Lexicon::parse(sentiment, modifiers).expect("a test lexicon"),
    )
}
