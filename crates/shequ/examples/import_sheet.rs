//! Writes a large, realistic person sheet for the import benchmark (bench/import.sh): N rows of a community's
//! population ledger — valid ID numbers, names, phones, 小区/楼栋/单元/门牌, 户号 (about 2.5 people per
//! household), some special groups — as .csv (UTF-8) or .xlsx, deterministic for a given N.
//!
//! cargo run --release --example import_sheet -- 1000000 people.csv
//! cargo run --release --example import_sheet -- 1000000 people.xlsx

use std::io::Write;

use chrono::NaiveDate;
use rand::{rngs::StdRng, Rng, SeedableRng};
use shequ::demo::names;
use shequ::registry::idcard;

const HEADERS: [&str; 14] = [
    "姓名",
    "身份证号",
    "联系电话",
    "民族",
    "政治面貌",
    "文化程度",
    "与户主关系",
    "户号",
    "现住小区",
    "楼栋",
    "单元",
    "门牌",
    "重点人员",
    "迁入日期",
];

fn rows(n: usize) -> impl Iterator<Item = [String; 14]> {
    let mut rng = StdRng::seed_from_u64(20261124);
    let base = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap();
    (0..n).map(move |i| {
        let household = i * 2 / 5;
        let (estate, building, unit, room) = (
            household / 4000,
            household / 80 % 50 + 1,
            household / 20 % 4 + 1,
            household % 20,
        );
        let male = rng.gen_bool(0.5);
        // Unique per row: the birth date walks over ~90 years, the serial over the rest.
        let birth = base + chrono::Duration::days((i % 32_000) as i64);
        let serial = (i / 32_000) as u32 * 2 + if male { 1 } else { 0 };
        let id = idcard::make(110105, birth, serial % 1000);
        let name = names::person(&mut rng, male);
        let tag = match rng.gen_range(0..100) {
            0..=2 => "独居老人",
            3..=5 => "退役军人",
            6..=8 => "空巢老人",
            _ => "",
        };
        [
            name,
            id,
            format!("13{:09}", rng.gen_range(0..1_000_000_000u64)),
            if rng.gen_bool(0.95) {
                "汉族"
            } else {
                "回族"
            }
            .into(),
            if rng.gen_bool(0.1) {
                "中共党员"
            } else {
                "群众"
            }
            .into(),
            ["大学本科", "高中", "初中", "小学"][rng.gen_range(0..4)].into(),
            if i * 2 % 5 < 2 { "户主" } else { "子女" }.into(),
            format!("H{household:07}"),
            format!("基准{estate}小区"),
            format!("{building}号楼"),
            format!("{unit}单元"),
            format!("{}{:02}", room / 4 + 1, room % 4 + 1),
            tag.into(),
            // Moved in at some point after birth, before 2025.
            (birth + chrono::Duration::days(rng.gen_range(0..7300)))
                .min(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap())
                .to_string(),
        ]
    })
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let out = args.get(2).cloned().unwrap_or_else(|| "people.csv".into());
    if out.ends_with(".xlsx") {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet_with_constant_memory();
        for (c, h) in HEADERS.iter().enumerate() {
            ws.write_string(0, c as u16, *h)?;
        }
        for (r, row) in rows(n).enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, v)?;
                }
            }
        }
        wb.save(&out)?;
    } else {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&out)?);
        writeln!(f, "{}", HEADERS.join(","))?;
        for row in rows(n) {
            writeln!(f, "{}", row.join(","))?;
        }
    }
    eprintln!("{n} rows written to {out}");
    Ok(())
}
