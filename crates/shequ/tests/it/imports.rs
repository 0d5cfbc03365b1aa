//! Importing persons from spreadsheets: the dry run's figures and problems, the two write modes, the tree
//! and households created from the file, scope refusal, GBK and Excel files, the page flow, a kill in the
//! middle of the write, and the export → import round trip.

use std::path::{Path, PathBuf};

use shequ::accounts::{users, Actor};
use shequ::error::Error;
use shequ::imports::{self, Mode, Options, Outcome, Progress};
use sqlx::Row;

use crate::support::{id, App};

pub(crate) async fn actor(app: &App, username: &str) -> Actor {
    let uid: i64 = sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    users::actor(&app.db, uid).await.unwrap()
}

pub(crate) async fn count(app: &App, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub(crate) async fn import(
    app: &App,
    who: &str,
    path: &Path,
    grid: i64,
    mode: Mode,
) -> Result<Outcome, Error> {
    let a = actor(app, who).await;
    let opts = Options {
        create_places: true,
        grid_id: grid,
        mode,
        file_name: path.file_name().unwrap().to_string_lossy().into_owned(),
    };
    imports::run(
        &app.db,
        &a,
        path.to_path_buf(),
        &opts,
        &std::sync::Arc::new(Progress::default()),
    )
    .await
}

/// A community sheet with good rows and each kind of bad one (row numbers as Excel shows them).
fn mixed_csv(app: &App) -> String {
    let w = &app.world;
    let bad_checksum = {
        let good = id("1985-02-03", 517);
        let last = if good.ends_with('1') { '2' } else { '1' };
        format!("{}{last}", &good[..17])
    };
    [
        "姓名,身份证号,联系电话,现住小区,楼栋,单元,门牌,户号,重点人员,民族,爱好".to_string(),
        // 2: new, joins the existing household H001 at 锦绣花园1号楼1单元101
        format!(
            "李明,{},13900001111,锦绣花园,1号楼,1单元,101,H001,独居老人,汉族,",
            id("1950-01-02", 111)
        ),
        // 3: new, with a new estate, building, unit, dwelling and household
        format!(
            "王芳,{},,新城小区,5,2,301,H100,,壮族,",
            id("1988-06-30", 222)
        ),
        // 4: checksum wrong
        format!("张三,{bad_checksum},,新城小区,5,2,302,H101,,,"),
        // 5: same ID number as row 2
        format!("李明,{},,新城小区,5,2,303,H102,,,", id("1950-01-02", 111)),
        // 6: an existing person (赵军杰): the phone changes → update
        format!("赵军杰,{},13700002222,,,,,,,,", w.zhao_id),
        // 7: Excel turned the ID number into a number
        "陈静,1.10101E+17,,新城小区,5,2,304,H103,,,".to_string(),
        // 8: no address and no household number
        format!("刘洋,{},,,,,,,,,", id("1979-09-09", 333)),
        // 9: the same dwelling as row 2, spelled differently, no 户号 → the household living there
        format!("周强,{},,锦绣花园,1栋,1,101,,,,", id("1960-12-12", 441)),
    ]
    .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_reports_every_problem_and_writes_nothing() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "社区人口.csv", mixed_csv(&app).as_bytes());
    let persons_before = count(&app, "SELECT COUNT(*) FROM persons").await;
    let nodes_before = count(&app, "SELECT COUNT(*) FROM nodes").await;
    let audit_before = count(&app, "SELECT COUNT(*) FROM audit_log").await;
    let o = import(&app, "shegong", &file, app.world.grid1, Mode::DryRun)
        .await
        .unwrap();
    let c = &o.counts;
    assert_eq!(c.rows, 8);
    assert_eq!(
        (c.created, c.updated, c.unchanged, c.error_rows),
        (3, 1, 0, 4),
        "{:#?}",
        o.problems
    );
    assert_eq!(
        (c.estates, c.buildings, c.units, c.dwellings, c.households),
        (1, 1, 1, 1, 1)
    );
    assert_eq!(c.tags, 1);
    assert!(!o.committed && o.refused.is_none());
    let at = |row: usize| {
        o.problems
            .iter()
            .filter(|p| p.row == row)
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(at(4).contains("校验"), "row 4: {}", at(4));
    assert!(at(5).contains("与第2行重复"), "row 5: {}", at(5));
    assert!(at(7).contains("Excel转成了数字"), "row 7: {}", at(7));
    assert!(at(8).contains("缺少现住地址"), "row 8: {}", at(8));
    assert!(
        o.problems
            .iter()
            .any(|p| p.value == "爱好" && p.severity == sheetimport::Severity::Warning),
        "the unknown column is reported"
    );
    let p4 = o.problems.iter().find(|p| p.row == 4).unwrap();
    // The cell is named as the file names it: column letter and header.
    assert_eq!(p4.column.as_deref(), Some("B (身份证号)"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        persons_before
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM nodes").await,
        nodes_before
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );
    // The report lists the same problems, row by row.
    let bytes = imports::report::xlsx(&o, "社区人口.csv").unwrap();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let sheet = wb.worksheet_range("问题明细").unwrap();
    assert_eq!(sheet.height() - 1, o.problems.len());
    let summary = wb.worksheet_range("概况").unwrap();
    let find = |k: &str| {
        summary
            .rows()
            .find(|r| r[0] == k)
            .map(|r| r[1].to_string())
            .unwrap()
    };
    assert_eq!(find("将新建人员"), "3");
    assert_eq!(find("有错误未导入的行"), "4");
}

#[tokio::test(flavor = "multi_thread")]
async fn valid_rows_are_imported_with_their_households_and_tree() {
    let app = App::start().await;
    let w = &app.world;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "社区人口.csv", mixed_csv(&app).as_bytes());
    let before = count(&app, "SELECT COUNT(*) FROM persons").await;
    let o = import(&app, "shegong", &file, w.grid1, Mode::ValidRows)
        .await
        .unwrap();
    assert!(o.committed, "{:?}", o.refused);
    assert_eq!(
        (o.counts.created, o.counts.updated, o.counts.error_rows),
        (3, 1, 4)
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        before + 3
    );
    let who = |name: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query("SELECT p.id, p.household_id, p.grid_id, h.address, h.number, p.residence_address, p.ethnicity FROM persons p JOIN households h ON h.id = p.household_id WHERE p.name = $1")
                .bind(name)
                .fetch_one(&db.pool)
                .await
                .unwrap()
        }
    };
    let li = who("李明").await;
    assert_eq!(li.get::<i64, _>(1), w.household1);
    let wang = who("王芳").await;
    assert_eq!(wang.get::<String, _>(3), "新城小区5号楼2单元301");
    assert_eq!(wang.get::<String, _>(4), "H100");
    assert_eq!(wang.get::<i64, _>(2), w.grid1);
    assert_eq!(wang.get::<Option<String>, _>(6).as_deref(), Some("壮族"));
    let zhou = who("周强").await;
    assert_eq!(zhou.get::<i64, _>(1), w.household1, "1栋/1 is 1号楼/1单元");
    // The new estate hangs under the grid, with its building, unit and dwelling, each knowing its ancestors.
    let estate: (i64, String) =
        sqlx::query("SELECT id, path FROM nodes WHERE kind = 'estate' AND name = '新城小区'")
            .fetch_one(&app.db.pool)
            .await
            .map(|r| (r.get(0), r.get(1)))
            .unwrap();
    let chain: Vec<(String, String, i64, Option<i64>)> = sqlx::query(
        "SELECT kind, name, grid_id, estate_id FROM nodes WHERE path LIKE $1 ORDER BY length(path)",
    )
    .bind(format!("{}%", estate.1))
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect();
    let kinds: Vec<(&str, &str)> = chain.iter().map(|c| (c.0.as_str(), c.1.as_str())).collect();
    assert_eq!(
        kinds,
        vec![
            ("estate", "新城小区"),
            ("building", "5号楼"),
            ("unit", "2单元"),
            ("dwelling", "301")
        ]
    );
    assert!(chain
        .iter()
        .all(|c| c.2 == w.grid1 && c.3 == Some(estate.0)));
    // The update: 赵军杰's phone changed, with the before/after in his history.
    let phone: String = sqlx::query("SELECT phone FROM persons WHERE id = $1")
        .bind(w.zhao)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(phone, "13700002222");
    let n = count(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND entity_id = {} AND action = 'import_update'", w.zhao)).await;
    assert_eq!(n, 1);
    // New people are findable like any other: by an ID fragment, by initials; they have a 迁入 event, a
    // residence period, and the 独居老人 tag.
    let admin = actor(&app, "shuji").await;
    let fragment = &id("1988-06-30", 222)[6..14];
    let found = shequ::registry::search::search(&app.db, &admin, fragment, 50)
        .await
        .unwrap();
    assert!(found.iter().any(|p| p.name == "王芳"));
    let found = shequ::registry::search::search(&app.db, &admin, "wf", 50)
        .await
        .unwrap();
    assert!(found.iter().any(|p| p.name == "王芳"));
    let li_id: i64 = li.get(0);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM person_events WHERE person_id = {li_id} AND kind = 'move_in'"
            )
        )
        .await,
        1
    );
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM residence_periods WHERE person_id = {li_id} AND to_date IS NULL")).await, 1);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM person_tags pt JOIN tag_types t ON t.id = pt.tag_type_id WHERE pt.person_id = {li_id} AND t.name = '独居老人'")).await, 1);
    // Every created record is in the audit log, and the batch itself.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'person'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'import'"
        )
        .await,
        1
    );
    // Importing the same file again changes nothing more: all good rows are now unchanged.
    let again = import(&app, "shegong", &file, w.grid1, Mode::ValidRows)
        .await
        .unwrap();
    assert_eq!(
        (
            again.counts.created,
            again.counts.updated,
            again.counts.unchanged
        ),
        (0, 0, 4)
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        before + 3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_or_nothing_writes_nothing_when_any_row_is_bad() {
    let app = App::start().await;
    let w = &app.world;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mixed.csv", mixed_csv(&app).as_bytes());
    let persons = count(&app, "SELECT COUNT(*) FROM persons").await;
    let nodes = count(&app, "SELECT COUNT(*) FROM nodes").await;
    let households = count(&app, "SELECT COUNT(*) FROM households").await;
    let o = import(&app, "shegong", &file, w.grid1, Mode::AllOrNothing)
        .await
        .unwrap();
    assert!(!o.committed);
    assert!(
        o.refused.as_deref().unwrap().contains("4行"),
        "{:?}",
        o.refused
    );
    assert_eq!(o.counts.error_rows, 4);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM persons").await, persons);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM nodes").await, nodes);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM households").await,
        households
    );
    let phone: Option<String> = sqlx::query("SELECT phone FROM persons WHERE id = $1")
        .bind(w.zhao)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_ne!(
        phone.as_deref(),
        Some("13700002222"),
        "the update was rolled back too"
    );
    // A clean file goes in whole.
    let clean = format!(
        "姓名,身份证号,现住小区,楼栋,门牌\n甲一,{},新城小区,5,101\n乙二,{},新城小区,5,102\n",
        id("1991-01-01", 11),
        id("1992-02-02", 22)
    );
    let file = write(dir.path(), "clean.csv", clean.as_bytes());
    let o = import(&app, "shegong", &file, w.grid1, Mode::AllOrNothing)
        .await
        .unwrap();
    assert!(o.committed && o.refused.is_none());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        persons + 2
    );
    // Same estate and building for both rows, dwellings under the building (no unit given).
    assert_eq!(count(&app, "SELECT COUNT(*) FROM nodes").await, nodes + 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grid_worker_imports_only_into_their_grids() {
    let app = App::start().await;
    let w = &app.world;
    let dir = tempfile::tempdir().unwrap();
    let qian_id: String = sqlx::query("SELECT id_number FROM persons WHERE id = $1")
        .bind(w.qian)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    let csv = format!(
        "姓名,身份证号,所属网格,现住小区,楼栋,门牌\n\
         甲,{},第一网格,锦绣花园,1号楼,102\n\
         乙,{},第二网格,阳光小区,2号楼,203\n\
         钱小红,{qian_id},,锦绣花园,1号楼,103\n",
        id("1970-03-03", 13),
        id("1971-04-04", 15),
    );
    let file = write(dir.path(), "grid.csv", csv.as_bytes());
    // Into another grid: refused outright, as if it did not exist.
    let e = import(&app, "wangge1", &file, w.grid2, Mode::DryRun)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert!(e.to_string().contains("不在您的管辖范围内"));
    // Into their own grid: rows naming another grid, or a person registered elsewhere, are refused.
    let o = import(&app, "wangge1", &file, w.grid1, Mode::ValidRows)
        .await
        .unwrap();
    assert_eq!(
        (o.counts.created, o.counts.error_rows),
        (1, 2),
        "{:#?}",
        o.problems
    );
    let msg = |row: usize| {
        o.problems
            .iter()
            .find(|p| p.row == row)
            .unwrap()
            .message
            .clone()
    };
    assert!(msg(3).contains("不在您的管辖范围内"), "{}", msg(3));
    assert!(msg(4).contains("不在您的管辖范围内"), "{}", msg(4));
    let qian_grid: i64 = sqlx::query("SELECT grid_id FROM persons WHERE id = $1")
        .bind(w.qian)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(qian_grid, w.grid2, "钱小红 was not moved");
    // A building leader reads only.
    let e = import(&app, "louzu", &file, w.grid1, Mode::DryRun)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)));
    // A community head may name another grid of the community.
    let o = import(&app, "shuji", &file, w.grid1, Mode::ValidRows)
        .await
        .unwrap();
    assert_eq!(o.counts.error_rows, 0, "{:#?}", o.problems);
}

#[tokio::test(flavor = "multi_thread")]
async fn gbk_csv_and_an_excel_sheet_with_title_comment_rows_and_dates() {
    let app = App::start().await;
    let w = &app.world;
    let dir = tempfile::tempdir().unwrap();
    // GBK, as Chinese Excel saves CSV.
    let text = format!(
        "姓名,公民身份号码,现住小区,楼栋,门牌,婚姻状况\n欧阳娜娜,{},锦绣花园,1号楼,105,已婚\n",
        id("1983-08-08", 26)
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let file = write(dir.path(), "gbk.csv", &gbk);
    let o = import(&app, "shegong", &file, w.grid1, Mode::ValidRows)
        .await
        .unwrap();
    assert_eq!(o.format, "csv-gb18030");
    assert_eq!(o.counts.created, 1, "{:#?}", o.problems);
    let marital: String = sqlx::query("SELECT marital_status FROM persons WHERE name = '欧阳娜娜'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(marital, "已婚");

    // An .xlsx with a merged title row, the header, a comment row, dates typed four ways and as Excel
    // serial numbers, and a person who moved out.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(
        0,
        0,
        0,
        6,
        "幸福社区第一网格人口台账",
        &rust_xlsxwriter::Format::new(),
    )
    .unwrap();
    let headers = [
        "姓名",
        "证件号码",
        "小区",
        "楼号",
        "房号",
        "迁入日期",
        "迁出日期",
    ];
    for (i, h) in headers.iter().enumerate() {
        ws.write_string(1, i as u16, *h).unwrap();
    }
    let hints = [
        "请填写姓名",
        "18位身份证号,请设为文本",
        "小区名称",
        "如:3号楼",
        "如:501",
        "格式:2023-01-05",
        "如已迁出请填写",
    ];
    for (i, h) in hints.iter().enumerate() {
        ws.write_string(2, i as u16, *h).unwrap();
    }
    let rows: [(&str, String, &str); 4] = [
        ("吴一", id("1990-01-01", 31), "2023/1/5"),
        ("吴二", id("1990-02-02", 33), "20230105"),
        ("吴三", id("1990-03-03", 35), "2023年1月5日"),
        ("吴四", id("1990-04-04", 37), "serial"),
    ];
    for (i, (name, idn, date)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_string(r, 0, *name).unwrap();
        ws.write_string(r, 1, idn).unwrap();
        ws.write_string(r, 2, "锦绣花园").unwrap();
        ws.write_string(r, 3, "1号楼").unwrap();
        ws.write_string(r, 4, format!("20{i}")).unwrap();
        if *date == "serial" {
            ws.write_number(r, 5, 44931.0).unwrap(); // 2023-01-05
        } else {
            ws.write_string(r, 5, *date).unwrap();
        }
    }
    ws.write_string(6, 6, "2024-06-30").unwrap(); // 吴四 moved out
    let file = write(dir.path(), "台账.xlsx", &wb.save_to_buffer().unwrap());
    let o = import(&app, "shegong", &file, w.grid1, Mode::AllOrNothing)
        .await
        .unwrap();
    assert!(o.committed, "{:?} {:#?}", o.refused, o.problems);
    assert_eq!(o.counts.created, 4);
    let periods: Vec<(String, Option<String>)> = sqlx::query(
        "SELECT r.from_date, r.to_date FROM residence_periods r JOIN persons p ON p.id = r.person_id WHERE p.name LIKE '吴%' ORDER BY p.name",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert!(periods.iter().all(|p| p.0 == "2023-01-05"), "{periods:?}");
    assert_eq!(periods[3].1.as_deref(), Some("2024-06-30"));
    let status: String = sqlx::query("SELECT status FROM persons WHERE name = '吴四'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "迁出");
    // The population on a past date counts them while they lived here.
    let shuji = actor(&app, "shuji").await;
    let on = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let mid = shequ::registry::population::count_on(&app.db, &shuji, on("2024-01-01"))
        .await
        .unwrap();
    let after = shequ::registry::population::count_on(&app.db, &shuji, on("2024-07-01"))
        .await
        .unwrap();
    assert_eq!(mid - after, 1, "吴四 left on 2024-06-30");
}
