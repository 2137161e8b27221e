//! Any text as a codebook: TOML, validation, entry compilation (phrases, NEAR, /regex/).
#![no_main]

use std::cell::RefCell;

use citata::codebook::Codebook;
use citata::text::Analyzer;
use libfuzzer_sys::fuzz_target;

thread_local! {
    static ANALYZER: RefCell<Analyzer> = RefCell::new(Analyzer::new());
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    ANALYZER.with_borrow_mut(|a| {
        let _ = Codebook::parse(src, "fuzz.toml", a);
    });
});
