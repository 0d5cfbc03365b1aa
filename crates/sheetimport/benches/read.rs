//! Throughput benchmark (not a timed test): writes a 1,000,000-row .xlsx (shared strings, as Excel writes) and
//! a GBK .csv of plausible person rows to a temporary folder, then reads each through `read_path` in a child
//! process of its own, printing rows/s and the child's peak RSS (VmHWM).
//!
//! `cargo bench -p sheetimport --bench read` (ROWS=100000 for a quick run; KEEP=1 keeps the files, FILES=DIR
//! reads kept files again).

use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

use rust_xlsxwriter::{Format, Workbook};
use sheetimport::{read_path, Field, Severity};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
];
const HEADER: [&str; 16] = [
    "序号",
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "民族",
    "联系电话",
    "政治面貌",
    "文化程度",
    "与户主关系",
    "户号",
    "现住小区",
    "楼栋",
    "门牌",
    "重点人员",
    "户籍地址",
];

/// A plausible row; the ID number has a valid check digit.
fn person(i: usize) -> [String; 16] {
    let mut x = (i as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |n: u64| {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51afd7ed558ccd);
        (x >> 11) % n
    };
    let (y, m, d) = (1940 + next(80), 1 + next(12), 1 + next(28));
    let seq = next(1000);
    let body = format!("110105{y:04}{m:02}{d:02}{seq:03}");
    const W: [u64; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u64 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u64::from(b - b'0') * w)
        .sum();
    let id = format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char);
    let name = format!(
        "{}{}{}",
        SURNAMES[next(15) as usize],
        GIVEN[next(16) as usize],
        if next(2) == 0 {
            GIVEN[next(16) as usize]
        } else {
            ""
        }
    );
    [
        (i + 1).to_string(),
        name,
        id,
        if seq % 2 == 1 { "男" } else { "女" }.into(),
        format!("{y}/{m}/{d}"),
        "汉族".into(),
        format!("13{:09}", next(1_000_000_000)),
        ["群众", "中共党员", "共青团员"][next(3) as usize].into(),
        ["大学本科", "高中", "初中"][next(3) as usize].into(),
        ["户主", "配偶", "子女"][next(3) as usize].into(),
        format!("H{:07}", i / 3),
        format!("幸福{}小区", next(50)),
        format!("{}号楼", 1 + next(30)),
        format!("{}", 101 + next(2500)),
        ["", "", "", "独居老人、低保", "残疾"][next(5) as usize].into(),
        format!("北京市朝阳区幸福街道{}号", next(999)),
    ]
}

fn write_xlsx(path: &Path, rows: usize) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_low_memory();
    let text = Format::new().set_num_format("@");
    ws.write_row(0, 0, HEADER).unwrap();
    for i in 0..rows {
        let r = (i + 1) as u32;
        for (c, v) in person(i).iter().enumerate() {
            match c {
                0 => ws.write_number(r, 0, (i + 1) as f64).map(|_| ()),
                2 => ws.write_string_with_format(r, 2, v, &text).map(|_| ()),
                _ if v.is_empty() => Ok(()),
                _ => ws.write_string(r, c as u16, v).map(|_| ()),
            }
            .unwrap();
        }
    }
    wb.save(path).unwrap();
}

fn write_csv(path: &Path, rows: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut line = HEADER.join(",");
    for i in 0..=rows {
        if i > 0 {
            line = person(i - 1).join(",");
        }
        line.push('\n');
        out.write_all(&encoding_rs::GB18030.encode(&line).0)
            .unwrap();
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// CPU seconds (user + system) this process has used, from /proc/self/stat.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// In the child: read one file and print the figures.
fn read_one(path: &Path) {
    let (start, cpu0) = (Instant::now(), cpu_secs());
    let (mut rows, mut errors, mut ids) = (0usize, 0usize, 0usize);
    let summary = read_path(path, &mut |row, problems| {
        rows += 1;
        errors += problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        ids += usize::from(row.values.contains_key(&Field::IdNumber));
        ControlFlow::Continue(())
    })
    .unwrap();
    let (secs, cpu) = (start.elapsed().as_secs_f64(), cpu_secs() - cpu0);
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!(
        "{:<12} {rows:>9} rows ({ids} IDs, {errors} errors) {size:>7.1} MB in {secs:>6.2} s = {:>8.0} rows/s wall, {:>8.0} rows/s of CPU time, peak RSS {:>6.1} MB",
        summary.format,
        rows as f64 / secs,
        rows as f64 / cpu,
        peak_rss_mb()
    );
    assert_eq!(errors, 0);
}

fn main() {
    if let Ok(p) = std::env::var("SHEETIMPORT_BENCH_READ") {
        return read_one(Path::new(&p));
    }
    if let Ok(dir) = std::env::var("FILES") {
        // read files kept by an earlier run (KEEP=1) again
        for name in ["people.xlsx", "people.csv"] {
            let p = Path::new(&dir).join(name);
            let mut child = std::process::Command::new(std::env::current_exe().unwrap());
            assert!(child
                .env("SHEETIMPORT_BENCH_READ", p)
                .status()
                .map(|s| s.success())
                .unwrap_or(false));
        }
        return;
    }
    let rows: usize = std::env::var("ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let (xlsx, csv) = (
        dir.path().join("people.xlsx"),
        dir.path().join("people.csv"),
    );
    let t = Instant::now();
    write_csv(&csv, rows);
    println!(
        "wrote {rows} rows as GBK .csv in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    write_xlsx(&xlsx, rows);
    println!(
        "wrote {rows} rows as .xlsx in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for p in [&xlsx, &csv] {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .env("SHEETIMPORT_BENCH_READ", p)
            .status()
            .unwrap();
        assert!(status.success());
    }
    if std::env::var("KEEP").is_ok() {
        println!("files kept in {}", dir.keep().display());
    }
}
