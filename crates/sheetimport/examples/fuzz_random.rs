//! Seeded random fuzzing without nightly: `cargo run --release -p sheetimport --example fuzz_random [COUNT] [SEED]`
//! runs COUNT (default 100,000) random strings through the header mapper, the value parsers and the CSV reader.

fn main() {
    let mut args = std::env::args().skip(1);
    let count = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(0x5EED);
    let start = std::time::Instant::now();
    sheetimport::fuzzing::random(seed, count);
    println!(
        "{count} inputs (seed {seed}) without a panic in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
