//! Throughput benchmark (not a test): check a ~100,000-character report built by concatenating the
//! corpus documents, and print median and p99 times. Target: < 200 ms per check.
//! Run: `cargo bench -p reportcheck` (corpus from ../shared/corpus or $SHEQU_CORPUS_DIR).

use std::path::PathBuf;
use std::time::{Duration, Instant};

const TARGET_CHARS: usize = 100_000;
const RUNS: usize = 30;

fn main() {
    let dir = std::env::var_os("SHEQU_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        });
    let mut parts = Vec::new();
    for name in [
        "community-reports-a.txt",
        "community-speeches-b.txt",
        "community-surveys-c.txt",
    ] {
        let p = dir.join(name);
        parts.push(
            std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("corpus file {}: {e}", p.display())),
        );
    }
    let mut text = String::new();
    'fill: loop {
        for p in &parts {
            for line in p.lines() {
                if text.chars().count() >= TARGET_CHARS {
                    break 'fill;
                }
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    let chars = text.chars().count();
    let opts = reportcheck::Options::default();
    let warm = reportcheck::check_text(&text, &opts); // also builds the converter and regexes
                                                      // `cargo bench` passes --bench; under `cargo test --all-targets` run once as a smoke test
    let runs = if std::env::args().any(|a| a == "--bench") {
        RUNS
    } else {
        1
    };
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let r = reportcheck::check_text(&text, &opts);
            let e = t.elapsed();
            assert_eq!(r.findings.len(), warm.findings.len());
            e
        })
        .collect();
    times.sort();
    let median = times[runs / 2];
    let p99 = times[(runs * 99).div_ceil(100) - 1];
    println!(
        "check_text on {chars} characters ({} findings, {} figures, {} changes): median {:.1} ms, p99 {:.1} ms over {runs} runs (target < 200 ms)",
        warm.findings.len(),
        warm.figures.len(),
        warm.changes.len(),
        median.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
}
