//! A short seeded run of the randomized fuzzing (the long one is `examples/fuzz_random.rs`, the real one
//! `fuzz/`): no input may panic the header mapper, the value parsers or the CSV reader.

#[test]
fn random_inputs_do_not_panic() {
    sheetimport::fuzzing::random(42, 1_000);
}

#[test]
fn edge_inputs_do_not_panic() {
    for s in [
        "",
        "|",
        "||||",
        "\u{FEFF}",
        "\"",
        "\"\n\"",
        "1.",
        ".E",
        "9999999999",
        "60",
        "E+",
        "x|*|姓名|姓名",
    ] {
        sheetimport::fuzzing::headers(s.as_bytes());
        sheetimport::fuzzing::values(s.as_bytes());
        sheetimport::fuzzing::csv(s.as_bytes());
    }
    sheetimport::fuzzing::values(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0x7F, 0x31]);
}
