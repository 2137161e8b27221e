//! Any text as front matter, and any bytes as a respondents.csv (encodings, separators,
//! quoting, ragged rows).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (pairs, end) = citata::ingest::meta::front_matter(text);
        assert!(end <= text.len() && text.is_char_boundary(end));
        drop(pairs);
    }
    let csv = std::env::temp_dir().join(format!("citata-fuzz-{}.csv", std::process::id()));
    if std::fs::write(&csv, data).is_ok() {
        let _ = citata::ingest::meta::read_table(&csv);
        let _ = citata::ingest::meta::read_csv(&csv);
    }
});
