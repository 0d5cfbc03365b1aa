//! cargo-fuzz target: `sheetimport::fuzzing::csv` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sheetimport::fuzzing::csv(data));
