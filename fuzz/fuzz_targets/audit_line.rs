//! The audit log reader on arbitrary bytes: it must return records or errors, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reader = interop_audit::Reader::new(std::path::Path::new("fuzz.jsonl"), data);
    for hit in reader {
        if hit.is_err() {
            break;
        }
    }
});
