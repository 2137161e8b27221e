//! Any bytes as each text format citata reads: .txt, .md, .vtt, .srt, .json. Ingestion may
//! refuse the bytes; it must not panic, and the spans it returns must be inside the text at
//! character boundaries.
#![no_main]

use citata::ingest::{IngestConfig, ingest_bytes};
use citata::model::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = IngestConfig::default();
    for format in [
        Format::Txt,
        Format::Md,
        Format::Vtt,
        Format::Srt,
        Format::Json,
    ] {
        let Ok(t) = ingest_bytes("fuzz", format, data, &config) else {
            continue;
        };
        for turn in &t.turns {
            let r = turn.span.range();
            assert!(r.start <= r.end && r.end <= t.text.len());
            assert!(t.text.is_char_boundary(r.start) && t.text.is_char_boundary(r.end));
        }
    }
});
