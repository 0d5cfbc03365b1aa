//! Writes a person sheet in the peer system's 34-column 人员信息 layout for the import benchmark
//! (bench/import.sh with LAYOUT=peer): a merged title row, the header, an instruction row, then N people of
//! one community — valid ID numbers, 户编号 beside 户号, the estate in 现住小区/建筑 and "11栋1单元502" in
//! 现住详细门牌, vocabularies as people type them (本科, 大专, 离异, 退休 …), a tenth with two phones in a cell,
//! floating residents without a move-in date, some moved out or dead. Deterministic for a given N.
//!
//! cargo run --release --example import_peer_sheet -- 10000 peer.xlsx   (or peer.csv: GB18030, synonyms)

use std::io::Write;

use chrono::NaiveDate;
use rand::{rngs::StdRng, Rng, SeedableRng};
use shequ::demo::names;
use shequ::registry::idcard;

const HEADERS: [&str; 34] = [
    "唯一标识",
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "民族",
    "联系电话",
    "政治面貌",
    "婚姻状况",
    "文化程度",
    "工作/学习情况",
    "健康状况",
    "户编号",
    "户号",
    "与户主关系",
    "与其他人员关系",
    "所属网格",
    "现住小区/建筑",
    "现住详细门牌",
    "人员类型",
    "户籍小区/建筑",
    "户籍详细地址",
    "户籍迁入日期",
    "迁入日期",
    "是否已迁出",
    "迁出日期",
    "迁往地",
    "是否已死亡",
    "死亡日期",
    "护照/其他证件号码",
    "其他证件类型",
    "是否重点人员",
    "重点类别",
    "备注",
];

fn pick<'a>(rng: &mut StdRng, v: &[&'a str]) -> &'a str {
    v[rng.gen_range(0..v.len())]
}

fn rows(n: usize) -> impl Iterator<Item = Vec<String>> {
    let mut rng = StdRng::seed_from_u64(20260315);
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
        let birth = base + chrono::Duration::days((i % 32_000) as i64);
        let serial = (i / 32_000) as u32 * 2 + u32::from(male);
        let id = idcard::make(110105, birth, serial % 1000);
        let phone = format!("13{:09}", rng.gen_range(0..1_000_000_000u64));
        let phones = if i % 10 == 0 {
            format!("{phone}、15{:09}", rng.gen_range(0..1_000_000_000u64))
        } else {
            phone
        };
        let floating = i % 7 == 0;
        let move_in = (birth + chrono::Duration::days(rng.gen_range(0..7300)))
            .min(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
        let (out, dead) = (i % 97 == 0, i % 89 == 0 && i % 97 != 0);
        let end = (move_in + chrono::Duration::days(300))
            .min(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        let estate_name = format!("基准{estate}小区");
        let tag = if i % 33 == 0 { "独居老人" } else { "" };
        let mut r = vec![String::new(); 34];
        r[0] = format!("P{i:08}");
        r[1] = names::person(&mut rng, male);
        r[3] = id;
        r[5] = pick(&mut rng, &["汉族", "汉", "回族"]).into();
        r[6] = phones;
        r[7] = pick(&mut rng, &["群众", "党员", "团员", "群众"]).into();
        r[8] = pick(&mut rng, &["已婚", "未婚", "离异", "丧偶"]).into();
        r[9] = pick(
            &mut rng,
            &["本科", "大专", "高中", "初中", "硕士研究生", "小学"],
        )
        .into();
        r[10] = pick(&mut rng, &["在职", "退休", "在校", "无业", "个体"]).into();
        r[11] = pick(&mut rng, &["健康", "良好", "一般"]).into();
        r[12] = format!("F{household:07}");
        r[13] = format!("H{household:07}");
        r[14] = if i * 2 % 5 < 2 { "户主" } else { "子女" }.into();
        r[17] = estate_name.clone();
        r[18] = format!("{building}栋{unit}单元{}{:02}", room / 4 + 1, room % 4 + 1);
        r[19] = if floating {
            "暂住人口"
        } else {
            "常住人口"
        }
        .into();
        if !floating {
            r[20] = estate_name;
            r[21] = r[18].clone();
            r[22] = move_in.to_string();
            r[23] = move_in.to_string();
        }
        r[24] = if out { "是" } else { "否" }.into();
        if out {
            r[25] = end.to_string();
            r[26] = "江苏省南京市".into();
        }
        r[27] = if dead { "是" } else { "否" }.into();
        if dead {
            r[28] = end.to_string();
        }
        r[31] = if tag.is_empty() { "否" } else { "是" }.into();
        r[32] = tag.into();
        r
    })
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let out = args.get(2).cloned().unwrap_or_else(|| "peer.xlsx".into());
    let instruction = |h: &str| -> String {
        if h.contains("日期") {
            "格式:2023-01-05".into()
        } else {
            format!("请填写{h}")
        }
    };
    if out.ends_with(".xlsx") {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet_with_constant_memory();
        ws.set_name("人员信息")?;
        ws.write_string(0, 0, "人员信息导入模板")?;
        for (c, h) in HEADERS.iter().enumerate() {
            ws.write_string(1, c as u16, *h)?;
        }
        for (c, h) in HEADERS.iter().enumerate() {
            ws.write_string(2, c as u16, instruction(h))?;
        }
        for (r, row) in rows(n).enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32 + 3, c as u16, v)?;
                }
            }
        }
        wb.save(&out)?;
    } else {
        // The CSV twin as Chinese Excel saves it: GB18030, four headers named otherwise.
        let header: Vec<&str> = HEADERS
            .iter()
            .map(|h| match *h {
                "身份证号" => "公民身份号码",
                "现住小区/建筑" => "所属小区",
                "现住详细门牌" => "门牌号",
                "联系电话" => "手机号",
                h => h,
            })
            .collect();
        let mut text = String::from("人员信息导入模板\r\n");
        text += &header.join(",");
        text += "\r\n";
        text += &HEADERS
            .iter()
            .map(|h| instruction(h))
            .collect::<Vec<_>>()
            .join(",");
        text += "\r\n";
        for row in rows(n) {
            text += &row.join(",");
            text += "\r\n";
        }
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        std::io::BufWriter::new(std::fs::File::create(&out)?).write_all(&bytes)?;
    }
    eprintln!("{n} rows written to {out}");
    Ok(())
}
