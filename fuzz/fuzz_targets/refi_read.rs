//! Any bytes as a REFI-QDA project (.qdpx: zip, project.qde, sources) and as a codebook
//! (.qdc XML): refused with a message or read, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = citata::refi::read::read_qdpx_bytes(Path::new("fuzz.qdpx"), data);
    let qdc = std::env::temp_dir().join(format!("citata-fuzz-{}.qdc", std::process::id()));
    if std::fs::write(&qdc, data).is_ok() {
        let _ = citata::refi::read::read_codes(&qdc);
    }
});
