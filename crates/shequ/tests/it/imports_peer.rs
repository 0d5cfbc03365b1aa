//! The peer system's 34-column 人员信息 template as communities have it (merged title row, header, an
//! instruction row; 户编号 beside 户号, the estate and the door in two columns, 是否已迁出 / 是否已死亡, passports,
//! vocabularies as people type them, two phones in a cell) and its GB18030 CSV twin with header synonyms:
//! both dry-run and import as delivered, every normalisation a notice, every bad cell of a bad row reported.

use sheetimport::Severity;
use shequ::imports::{Mode, Outcome};
use sqlx::Row;

use crate::imports::{import, write};
use crate::support::{id, App};

/// The 34 headers of the .xlsx template.
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

/// The CSV twin names four columns as Chinese Excel users do.
fn csv_header(h: &str) -> &str {
    match h {
        "身份证号" => "公民身份号码",
        "现住小区/建筑" => "所属小区",
        "现住详细门牌" => "门牌号",
        "联系电话" => "手机号",
        other => other,
    }
}

fn col(h: &str) -> usize {
    HEADERS.iter().position(|x| *x == h).unwrap()
}

/// One data row from (header, value) pairs.
fn row(cells: &[(&str, String)]) -> Vec<String> {
    let mut r = vec![String::new(); HEADERS.len()];
    for (h, v) in cells {
        r[col(h)] = v.clone();
    }
    r
}

fn s(v: &str) -> String {
    v.to_string()
}

/// The data rows (Excel rows 4 …): six good, three bad.
fn rows() -> Vec<Vec<String>> {
    let bad_checksum = {
        let good = id("1985-02-03", 517);
        let last = if good.ends_with('1') { '2' } else { '1' };
        format!("{}{last}", &good[..17])
    };
    vec![
        // 4: a registered resident joining H001, vocabularies typed as people do, two phones in a cell
        row(&[
            ("唯一标识", s("A0001")),
            ("姓名", s("韩冬梅")),
            ("身份证号", id("1958-04-05", 402)),
            ("民族", s("汉")),
            ("联系电话", s("13800001111、13900002222")),
            ("政治面貌", s("党员")),
            ("婚姻状况", s("离异")),
            ("文化程度", s("本科")),
            ("工作/学习情况", s("退休")),
            ("户编号", s("F0001")),
            ("户号", s("H001")),
            ("与户主关系", s("户主")),
            ("与其他人员关系", s("母女")),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("1号楼1单元101")),
            ("人员类型", s("常住人口")),
            ("户籍小区/建筑", s("锦绣花园")),
            ("户籍详细地址", s("1号楼1单元101")),
            ("户籍迁入日期", s("1990-01-01")),
            ("迁入日期", s("2001-05-06")),
            ("是否已迁出", s("否")),
            ("是否已死亡", s("否")),
            ("是否重点人员", s("否")),
        ]),
        // 5: a floating resident without a move-in date, in a building that is not registered yet
        row(&[
            ("姓名", s("蓝小川")),
            ("身份证号", id("1995-11-20", 513)),
            ("联系电话", s("１３７００００３３３３")),
            ("文化程度", s("大专")),
            ("工作/学习情况", s("在校")),
            ("户号", s("H500")),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("11栋1单元502")),
            ("人员类型", s("暂住人口")),
        ]),
        // 6: dead, no move-in date
        row(&[
            ("姓名", s("温老根")),
            ("身份证号", id("1930-02-02", 611)),
            ("户号", s("H001")),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("1号楼1单元101")),
            ("是否已死亡", s("是")),
            ("死亡日期", s("2023-03-01")),
        ]),
        // 7: moved out, with where to
        row(&[
            ("姓名", s("邱远航")),
            ("身份证号", id("1988-08-08", 713)),
            ("户号", s("H001")),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("1号楼1单元101")),
            ("迁入日期", s("2010-01-01")),
            ("是否已迁出", s("是")),
            ("迁出日期", s("2022-05-01")),
            ("迁往地", s("江苏省南京市")),
        ]),
        // 8: a passport, no ID-card number
        row(&[
            ("姓名", s("米娅")),
            ("性别", s("女")),
            ("出生日期", s("1990-01-01")),
            ("户号", s("H001")),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("1号楼1单元101")),
            ("护照/其他证件号码", s("E12345678")),
            ("其他证件类型", s("护照")),
            ("人员类型", s("流动人口")),
        ]),
        // 9: three bad cells: the ID checksum, the move-in date, the phone
        row(&[
            ("姓名", s("错三处")),
            ("身份证号", bad_checksum),
            ("联系电话", s("12345")),
            ("迁入日期", s("2023-13-45")),
            ("户号", s("H001")),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("1号楼1单元101")),
        ]),
        // 10: a placeholder inside the door number
        row(&[
            ("姓名", s("占位门")),
            ("身份证号", id("1970-01-01", 1013)),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("1号楼xx单元502")),
        ]),
        // 11: marked dead without a date
        row(&[
            ("姓名", s("无日期")),
            ("身份证号", id("1940-06-06", 1111)),
            ("户号", s("H001")),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("1号楼1单元101")),
            ("是否已死亡", s("是")),
        ]),
        // 12: a job outside the list (kept in 备注), 硕士研究生, 是否重点人员 with a category
        row(&[
            ("姓名", s("柏文静")),
            ("身份证号", id("1992-09-09", 1213)),
            ("文化程度", s("硕士研究生")),
            ("工作/学习情况", s("科技公司职员")),
            ("户号", s("H001")),
            ("现住小区/建筑", s("锦绣花园")),
            ("现住详细门牌", s("1号楼1单元101")),
            ("是否重点人员", s("是")),
            ("重点类别", s("独居老人")),
        ]),
    ]
}

fn instruction(h: &str) -> String {
    match h {
        "身份证号" => "请填写18位身份证号".into(),
        "是否已迁出" | "是否已死亡" | "是否重点人员" => "是/否".into(),
        h if h.contains("日期") => "格式:2023-01-05".into(),
        _ => format!("请填写{h}"),
    }
}

fn xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("人员信息").unwrap();
    let fmt = rust_xlsxwriter::Format::new();
    ws.merge_range(0, 0, 0, 33, "人员信息导入模板", &fmt)
        .unwrap();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
        ws.write_string(2, c as u16, instruction(h)).unwrap();
    }
    for (r, cells) in rows().iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(3 + r as u32, c as u16, v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn gb18030_csv() -> Vec<u8> {
    let quote = |v: &str| {
        if v.contains([',', '"']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    let mut lines = vec!["人员信息导入模板".to_string()];
    lines.push(
        HEADERS
            .iter()
            .map(|h| csv_header(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    lines.push(
        HEADERS
            .iter()
            .map(|h| instruction(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    for r in rows() {
        lines.push(r.iter().map(|v| quote(v)).collect::<Vec<_>>().join(","));
    }
    let text = lines.join("\r\n");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    bytes.into_owned()
}

/// Problems of one row: (column header, code, severity).
fn of_row(o: &Outcome, row: usize) -> Vec<(String, &'static str, Severity)> {
    o.problems
        .iter()
        .filter(|p| p.row == row)
        .map(|p| (p.column.clone().unwrap_or_default(), p.code, p.severity))
        .collect()
}

fn has(o: &Outcome, row: usize, code: &str, text: &str) -> bool {
    o.problems
        .iter()
        .any(|p| p.row == row && p.code == code && p.message.contains(text))
}

/// What both files must give, in a dry run and in an import.
fn check_outcome(o: &Outcome, header_row: usize) {
    let c = &o.counts;
    assert_eq!(o.refused, None, "{:#?}", o.problems);
    assert_eq!(
        (c.rows, c.created, c.error_rows),
        (9, 6, 3),
        "{:#?}",
        o.problems
    );
    // the header: duplicate fields are notices naming the column taken; 唯一标识 is said not imported
    let file: Vec<(&str, Severity)> = o
        .problems
        .iter()
        .filter(|p| p.row == header_row)
        .map(|p| (p.code, p.severity))
        .collect();
    assert_eq!(
        file,
        [
            ("duplicate_column", Severity::Warning),
            ("duplicate_column", Severity::Warning),
            ("duplicate_column", Severity::Warning),
            ("not_imported_column", Severity::Warning),
        ],
        "{:#?}",
        o.problems
    );
    assert!(o
        .problems
        .iter()
        .any(|p| p.code == "duplicate_column" && p.message.contains("导入的是列N")));
    // row 4: every normalisation is a notice on its cell
    for text in [
        "记为备用电话",
        "“汉”按“汉族”",
        "“党员”按“中共党员”",
        "“离异”按“离婚”",
        "“本科”按“大学本科”",
        "“退休”按“离退休”",
    ] {
        assert!(has(o, 4, "normalised", text), "{text}: {:#?}", of_row(o, 4));
    }
    assert!(of_row(o, 4).iter().all(|p| p.2 == Severity::Warning));
    assert!(has(o, 5, "normalised", "按“流动人口”导入"));
    assert!(has(o, 5, "normalised", "全角"));
    assert!(has(o, 5, "normalised", "“在校”按“在校学生”"));
    // row 9: all three bad cells
    let bad: Vec<String> = of_row(o, 9)
        .into_iter()
        .filter(|p| p.2 == Severity::Error)
        .map(|p| p.0)
        .collect();
    assert_eq!(bad.len(), 3, "{:#?}", of_row(o, 9));
    // Each bad cell is named as the file names it: its column letter and its own header.
    for c in ["身份证号", "迁入日期", "联系电话"] {
        let i = col(c);
        let letter = if i < 26 {
            ((b'A' + i as u8) as char).to_string()
        } else {
            format!("A{}", (b'A' + (i - 26) as u8) as char)
        };
        let as_named = |h: &str| format!("{letter} ({h})");
        assert!(
            bad.iter()
                .any(|b| *b == as_named(c) || *b == as_named(csv_header(c))),
            "{c}: {bad:?}"
        );
    }
    assert!(has(o, 10, "placeholder", "占位"));
    assert!(has(o, 11, "inconsistent", "未填写死亡日期"));
    assert!(has(o, 12, "normalised", "记入备注"));
    // four good rows had no move-in date: said once for the file, never compared with today
    assert!(o
        .problems
        .iter()
        .any(|p| p.code == "no_move_in" && p.message.starts_with("4人")));
}

async fn text(app: &App, sql: &str, name: &str) -> Option<String> {
    sqlx::query(sql)
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

async fn check_written(app: &App) {
    let q = |col: &str| format!("SELECT {col} FROM persons WHERE name = $1");
    assert_eq!(
        text(app, &q("marital_status"), "韩冬梅").await.as_deref(),
        Some("离婚")
    );
    assert_eq!(
        text(app, &q("education"), "韩冬梅").await.as_deref(),
        Some("大学本科")
    );
    assert_eq!(
        text(app, &q("employment"), "韩冬梅").await.as_deref(),
        Some("离退休")
    );
    assert_eq!(
        text(app, &q("political_status"), "韩冬梅").await.as_deref(),
        Some("中共党员")
    );
    assert_eq!(
        text(app, &q("phone"), "韩冬梅").await.as_deref(),
        Some("13800001111")
    );
    assert_eq!(
        text(app, &q("phone2"), "韩冬梅").await.as_deref(),
        Some("13900002222")
    );
    assert_eq!(
        text(app, &q("hukou_address"), "韩冬梅").await.as_deref(),
        Some("锦绣花园1号楼1单元101")
    );
    assert_eq!(
        text(app, &q("hukou_type"), "蓝小川").await.as_deref(),
        Some("流动人口")
    );
    assert_eq!(
        text(app, &q("phone"), "蓝小川").await.as_deref(),
        Some("13700003333")
    );
    assert_eq!(
        text(app, &q("status"), "温老根").await.as_deref(),
        Some("死亡")
    );
    assert_eq!(
        text(app, &q("status"), "邱远航").await.as_deref(),
        Some("迁出")
    );
    let note = text(
        app,
        "SELECT e.note FROM person_events e JOIN persons p ON p.id = e.person_id \
         WHERE p.name = $1 AND e.kind = 'move_out'",
        "邱远航",
    )
    .await;
    assert!(note.unwrap_or_default().contains("江苏省南京市"));
    assert_eq!(
        text(app, &q("id_type"), "米娅").await.as_deref(),
        Some("护照")
    );
    assert_eq!(
        text(app, &q("id_number"), "米娅").await.as_deref(),
        Some("E12345678")
    );
    assert!(text(app, &q("notes"), "柏文静")
        .await
        .unwrap_or_default()
        .contains("就业状况:科技公司职员"));
    assert_eq!(
        text(app, &q("education"), "柏文静").await.as_deref(),
        Some("研究生")
    );
    // the building named only in 现住详细门牌 ("11栋") was created under the estate of its own column
    let b: i64 = sqlx::query(
        "SELECT COUNT(*) FROM nodes b JOIN nodes e ON e.id = b.parent_id \
         WHERE b.kind = 'building' AND e.name = '锦绣花园' AND b.name LIKE '11%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(b, 1);
    for bad in ["错三处", "占位门", "无日期"] {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM persons WHERE name = $1")
            .bind(bad)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_peer_template_xlsx_dry_runs_and_imports_as_delivered() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "人员信息.xlsx", &xlsx());
    let grid = app.world.grid1;
    let dry = import(&app, "shegong", &file, grid, Mode::DryRun)
        .await
        .unwrap();
    assert_eq!(dry.format, "xlsx");
    check_outcome(&dry, 2);
    let done = import(&app, "shegong", &file, grid, Mode::ValidRows)
        .await
        .unwrap();
    check_outcome(&done, 2);
    assert!(done.committed);
    check_written(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn its_gb18030_csv_twin_with_header_synonyms_too() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = gb18030_csv();
    assert!(std::str::from_utf8(&bytes).is_err());
    let file = write(dir.path(), "人员信息.csv", &bytes);
    let grid = app.world.grid1;
    let dry = import(&app, "shegong", &file, grid, Mode::DryRun)
        .await
        .unwrap();
    assert_eq!(dry.format, "csv-gb18030");
    check_outcome(&dry, 2);
    let done = import(&app, "shegong", &file, grid, Mode::ValidRows)
        .await
        .unwrap();
    check_outcome(&done, 2);
    assert!(done.committed);
    check_written(&app).await;
}
