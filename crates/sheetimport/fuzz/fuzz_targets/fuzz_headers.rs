//! cargo-fuzz target: `sheetimport::fuzzing::headers` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sheetimport::fuzzing::headers(data));
