//! Any bytes as a .docx (zip, XML, the speaker table): refused or read, never a panic, and
//! memory bounded by the text (`-rss_limit_mb` catches a bomb that gets through).
#![no_main]

use citata::ingest::{IngestConfig, ingest_bytes};
use citata::model::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ingest_bytes("fuzz.docx", Format::Docx, data, &IngestConfig::default());
});
