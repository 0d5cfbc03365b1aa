//! The import as people use it: the page flow over HTTP (upload, dry run with progress, report, import),
//! the CLI killed in the middle of its write, and an export that re-imports without loss.

use std::time::Duration;

use sqlx::Row;

use crate::support::{id, App, Session};

async fn count(app: &App, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

/// Waits until the job page shows a result, and returns its HTML.
async fn finished(s: &Session, job: &str) -> String {
    for _ in 0..600 {
        let r = s.get(job).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        if html.contains("id=\"import-result\"") || html.contains("id=\"import-failed\"") {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("import did not finish");
}

fn number_in(html: &str, id: &str) -> i64 {
    let pattern = format!("id=\"{id}\">");
    let at = html
        .find(&pattern)
        .unwrap_or_else(|| panic!("{id} in page"));
    let rest = &html[at + pattern.len()..];
    rest[..rest.find('<').unwrap()].trim().parse().unwrap()
}

/// On the page (issue 15): a dry run without the tick lists the unregistered estate and refuses its rows; the
/// button on the dry run checks the same file again creating it, and the import then creates it.
#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_lists_new_places_and_a_recheck_creates_them() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shegong").await;
    let csv = format!(
        "姓名,身份证号,现住小区,楼栋,单元,门牌\n褚一,{},新港花园,1号楼,1单元,101\n褚二,{},锦绣花园,1号楼,1单元,102\n",
        id("1961-01-01", 61),
        id("1962-02-02", 63)
    );
    let form = reqwest::multipart::Form::new()
        .text("grid_id", w.grid1.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("褚家.csv"),
        );
    let r = s
        .client
        .post(s.url("/import"))
        .header("X-CSRF-Token", &s.csrf)
        .header("HX-Request", "true")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let job = r.headers()["hx-redirect"].to_str().unwrap().to_string();
    let html = finished(&s, &job).await;
    assert_eq!(number_in(&html, "count-created"), 1);
    assert_eq!(number_in(&html, "count-error-rows"), 1);
    assert!(
        html.contains("id=\"recheck-places\""),
        "the re-check is offered"
    );
    assert!(
        html.contains("新港花园(1号楼)"),
        "the missing places are listed"
    );
    let nodes = count(&app, "SELECT COUNT(*) FROM nodes").await;
    let r = s.post_form(&format!("{job}/recheck"), &[]).await;
    assert_eq!(r.status(), 303);
    let again = r.headers()["location"].to_str().unwrap().to_string();
    let html = finished(&s, &again).await;
    assert_eq!(number_in(&html, "count-created"), 2);
    assert_eq!(number_in(&html, "count-error-rows"), 0);
    assert!(
        html.contains("将新建以下小区和楼栋:新港花园(1号楼)"),
        "{html}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM nodes").await,
        nodes,
        "a dry run"
    );
    let r = s
        .post_form(&format!("{again}/run"), &[("mode", "valid_rows")])
        .await;
    let run = r.headers()["location"].to_str().unwrap().to_string();
    let html = finished(&s, &run).await;
    assert!(html.contains("id=\"import-done\""));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM nodes WHERE name = '新港花园' AND kind = 'estate'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_flow_checks_first_then_imports_and_keeps_jobs_private() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("wangge1").await;
    let page = s.get("/import").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{}\"", w.grid1)));
    assert!(
        !html.contains(&format!("value=\"{}\"", w.grid2)),
        "only their own grid is offered"
    );
    let template = s.get("/import/template.xlsx").await;
    assert_eq!(template.status(), 200);
    assert!(template.bytes().await.unwrap().starts_with(b"PK"));

    let csv = format!(
        "姓名,身份证号,现住小区,楼栋,门牌\n冯一,{},锦绣花园,1号楼,111\n冯二,{},锦绣花园,1号楼,112\n冯三,12345,锦绣花园,1号楼,113\n",
        id("1966-06-06", 51),
        id("1967-07-07", 53)
    );
    let form = reqwest::multipart::Form::new()
        .text("grid_id", w.grid1.to_string())
        .text("create_places", "1")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("冯家.csv"),
        );
    let r = s
        .client
        .post(s.url("/import"))
        .header("X-CSRF-Token", &s.csrf)
        .header("HX-Request", "true")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let job = r.headers()["hx-redirect"].to_str().unwrap().to_string();
    assert!(job.starts_with("/import/jobs/"));
    let html = finished(&s, &job).await;
    assert!(
        html.contains("id=\"import-checked\""),
        "{}",
        &html[html.find("<main").unwrap_or(0)..]
    );
    assert_eq!(number_in(&html, "count-created"), 2);
    assert_eq!(number_in(&html, "count-error-rows"), 1);
    assert!(html.contains("身份证号"), "the problem names its column");
    let before = count(&app, "SELECT COUNT(*) FROM persons").await;
    let report = s.get(&format!("{job}/report.xlsx")).await;
    assert_eq!(report.status(), 200);
    assert!(report.bytes().await.unwrap().starts_with(b"PK"));

    // Someone else cannot see the job, its progress or its report, nor start it.
    let other = app.login("wangge2").await;
    assert_eq!(other.get(&job).await.status(), 404);
    assert_eq!(other.get(&format!("{job}/progress")).await.status(), 404);
    assert_eq!(other.get(&format!("{job}/report.xlsx")).await.status(), 404);
    let r = other
        .post_form(&format!("{job}/run"), &[("mode", "valid_rows")])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM persons").await, before);

    // Import the valid rows: the browser is sent (303) to the new job's page, which ends with the import done.
    let r = s
        .post_form(&format!("{job}/run"), &[("mode", "valid_rows")])
        .await;
    assert_eq!(r.status(), 303, "sent to the running job");
    let run_url = r.headers()["location"].to_str().unwrap().to_string();
    assert_ne!(run_url, job);
    let html = finished(&s, &run_url).await;
    assert!(html.contains("id=\"import-done\""), "{html}");
    assert_eq!(number_in(&html, "count-created"), 2);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        before + 2
    );
    // A second click on the dry run's button does not import twice.
    let r = s
        .post_form(&format!("{job}/run"), &[("mode", "valid_rows")])
        .await;
    assert_eq!(r.headers()["location"].to_str().unwrap(), run_url);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        before + 2
    );
}

/// 123 → 一二三: names hold no digits.
fn chinese(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| {
            "零一二三四五六七八九"
                .chars()
                .nth(c.to_digit(10).unwrap() as usize)
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_import_leaves_nothing_behind_and_a_rerun_imports_everything() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rows = 50_000;
    let mut csv = String::from("姓名,身份证号,现住小区,楼栋,单元,门牌,户号\n");
    let start = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap();
    for i in 0..rows {
        let birth = start + chrono::Duration::days(i as i64 % 20_000);
        let idn = shequ::registry::idcard::make(110105, birth, (i / 20_000) as u32 * 2 + 101);
        // Three people per household; every household at a dwelling of its own.
        let k = i / 3;
        csv.push_str(&format!(
            "居民{},{idn},大型小区{},{}号楼,{}单元,{},D{k}\n",
            chinese(i),
            k % 7,
            k % 30,
            k % 4 + 1,
            k % 500,
        ));
    }
    let file = dir.path().join("big.csv");
    std::fs::write(&file, csv).unwrap();
    let persons = count(&app, "SELECT COUNT(*) FROM persons").await;
    let nodes = count(&app, "SELECT COUNT(*) FROM nodes").await;
    let households = count(&app, "SELECT COUNT(*) FROM households").await;
    let events = count(&app, "SELECT COUNT(*) FROM person_events").await;
    let grid = app.world.grid1.to_string();
    let bin = env!("CARGO_BIN_EXE_shequ");
    let mut child = tokio::process::Command::new(bin)
        .args(["--database-url", &app.url, "import", "persons"])
        .arg(&file)
        .args(["--grid", &grid, "--valid-rows", "--create-places"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Kill it once it reports rows written (inside its transaction).
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(300), lines.next_line())
            .await
            .expect("progress within 5 minutes")
            .unwrap()
            .unwrap_or_else(|| panic!("the import ended before it was killed: {seen}"));
        seen = line.clone();
        let written: Option<u64> = line
            .split("已写入 ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok());
        if written.is_some_and(|n| n > 0 && n < rows as u64) {
            break;
        }
    }
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "killed, not finished");
    // Let PostgreSQL notice the dropped connection and roll back.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM persons").await, persons);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM nodes").await, nodes);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM households").await,
        households
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM person_events").await,
        events
    );
    // The same command, uninterrupted, imports every row.
    let out = tokio::process::Command::new(bin)
        .args(["--database-url", &app.url, "import", "persons"])
        .arg(&file)
        .args(["--grid", &grid, "--create-places"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        persons + rows as i64
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM households").await,
        households + (rows as i64 + 2) / 3
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM person_id_grams g JOIN persons p ON p.id = g.person_id WHERE p.name = '居民一二三'").await, 15);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_re_imports_without_loss() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shuji").await;
    // Give 赵军杰 every field the export carries.
    let zhao = shequ::registry::persons::get(&app.db, &shequ::accounts::Actor::system(), w.zhao)
        .await
        .unwrap();
    let mut input = shequ::imports::convert::from_person(&zhao);
    input.phone2 = "01065550000".into();
    input.marital_status = "已婚".into();
    input.political_status = "中共党员".into();
    input.education = "大学本科".into();
    input.employment = "在职".into();
    input.health = "慢性病".into();
    input.hukou_type = "人户分离".into();
    input.hukou_address = "北京市朝阳区某路1号".into();
    input.relation = "户主".into();
    input.notes = "独自照顾母亲".into();
    let (status, body) = s
        .put_json(
            &format!("/api/persons/{}", w.zhao),
            serde_json::to_value(&input).unwrap(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Two more with a known move-in date: one moved out, one died (their state and dates must come back).
    let mut ended = Vec::new();
    for (name, serial, kind, date) in [
        ("李迁", 301, "move_out", "2024-05-06"),
        ("王故", 302, "death", "2025-01-02"),
    ] {
        let mut p = crate::support::person_json(
            name,
            &crate::support::id("1960-01-01", serial),
            w.household1,
        );
        p["move_in_date"] = serde_json::json!("2015-03-01");
        let (status, body) = s.post_json("/api/persons", p).await;
        assert_eq!(status, 200, "{body}");
        let pid = body["id"].as_i64().unwrap();
        let (status, body) = s
            .post_json(
                &format!("/api/persons/{pid}/events"),
                serde_json::json!({"kind": kind, "date": date, "note": ""}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        ended.push(crate::support::id("1960-01-01", serial));
    }
    let bytes = s
        .get("/persons/export.xlsx")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    let shuji = {
        let uid: i64 = sqlx::query("SELECT id FROM users WHERE username = 'shuji'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
        shequ::accounts::users::actor(&app.db, uid).await.unwrap()
    };
    let run = |grid: i64, mode| {
        let (db, actor, file) = (app.db.clone(), shuji.clone(), file.clone());
        async move {
            let opts = shequ::imports::Options {
                create_places: true,
                grid_id: grid,
                mode,
                file_name: "export.xlsx".into(),
            };
            shequ::imports::run(
                &db,
                &actor,
                file,
                &opts,
                &std::sync::Arc::new(shequ::imports::Progress::default()),
            )
            .await
            .unwrap()
        }
    };
    // Back into the same database: every value read back equals what is stored — nothing to change.
    let o = run(w.grid1, shequ::imports::Mode::DryRun).await;
    assert_eq!(o.counts.rows, 4);
    assert_eq!(
        (
            o.counts.created,
            o.counts.updated,
            o.counts.unchanged,
            o.counts.error_rows
        ),
        (0, 0, 4, 0),
        "{:#?}",
        o.problems
    );
    // Our own export is read without an unknown column.
    assert!(
        !o.problems.iter().any(|p| p.code == "unknown_column"),
        "{:#?}",
        o.problems
    );
    // Into a fresh database (same tree names, no people): the people come back with every field.
    let fresh = App::start().await;
    sqlx::query("UPDATE persons SET archived = 1")
        .execute(&fresh.db.pool)
        .await
        .unwrap();
    let (db2, fw) = (fresh.db.clone(), &fresh.world);
    // In the fresh database the person rows exist (archived) and would be matched; use another street's
    // numbering by removing them from the street's unique index scope instead: clear the ID numbers.
    sqlx::query("UPDATE persons SET id_number = NULL")
        .execute(&db2.pool)
        .await
        .unwrap();
    let uid: i64 = sqlx::query("SELECT id FROM users WHERE username = 'shuji'")
        .fetch_one(&db2.pool)
        .await
        .unwrap()
        .get(0);
    let actor2 = shequ::accounts::users::actor(&db2, uid).await.unwrap();
    let opts = shequ::imports::Options {
        create_places: true,
        grid_id: fw.grid1,
        mode: shequ::imports::Mode::AllOrNothing,
        file_name: "export.xlsx".into(),
    };
    let o = shequ::imports::run(
        &db2,
        &actor2,
        file.clone(),
        &opts,
        &std::sync::Arc::new(shequ::imports::Progress::default()),
    )
    .await
    .unwrap();
    assert!(o.committed, "{:?} {:#?}", o.refused, o.problems);
    assert_eq!(o.counts.created, 4);
    let cols = "name, id_type, id_number, birth_date, sex, phone, phone2, ethnicity, political_status, marital_status, \
                education, employment, health, hukou_type, hukou_address, residence_address, relation, status, notes";
    let read = |db: shequ::db::Db, zid: String| async move {
        let r = sqlx::query(&format!(
            "SELECT {cols} FROM persons WHERE id_number = $1 AND archived = 0"
        ))
        .bind(zid)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        (0..19)
            .map(|i| r.get::<Option<String>, _>(i))
            .collect::<Vec<_>>()
    };
    let original = read(app.db.clone(), w.zhao_id.clone()).await;
    let copy = read(db2.clone(), w.zhao_id.clone()).await;
    assert_eq!(original, copy);
    assert_eq!(original[12].as_deref(), Some("慢性病"));
    // Every field, the state and the dated events (kind and date) of those who moved out or died.
    let events = |db: shequ::db::Db, zid: String| async move {
        sqlx::query(
            "SELECT e.kind, e.event_date FROM person_events e JOIN persons p ON p.id = e.person_id \
             WHERE p.id_number = $1 AND p.archived = 0 ORDER BY e.event_date, e.kind",
        )
        .bind(zid)
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect::<Vec<_>>()
    };
    let periods = |db: shequ::db::Db, zid: String| async move {
        sqlx::query(
            "SELECT r.from_date, r.to_date FROM residence_periods r JOIN persons p ON p.id = r.person_id \
             WHERE p.id_number = $1 AND p.archived = 0 ORDER BY r.from_date",
        )
        .bind(zid)
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<Option<String>, _>(1)))
        .collect::<Vec<_>>()
    };
    assert_eq!(
        events(app.db.clone(), w.zhao_id.clone()).await,
        events(db2.clone(), w.zhao_id.clone()).await
    );
    for (zid, state) in ended.iter().zip(["迁出", "死亡"]) {
        let (a, b) = (
            read(app.db.clone(), zid.clone()).await,
            read(db2.clone(), zid.clone()).await,
        );
        assert_eq!(a, b);
        assert_eq!(b[17].as_deref(), Some(state));
        let (ea, eb) = (
            events(app.db.clone(), zid.clone()).await,
            events(db2.clone(), zid.clone()).await,
        );
        assert_eq!(ea, eb);
        assert_eq!(eb.len(), 2, "{eb:?}");
        assert_eq!(eb[0], ("move_in".to_string(), "2015-03-01".to_string()));
        assert_eq!(
            periods(app.db.clone(), zid.clone()).await,
            periods(db2.clone(), zid.clone()).await
        );
    }
    // The household and its place came along: same 户号 at the same 小区/楼栋/单元/门牌 in the grid.
    let place = |db: shequ::db::Db, zid: String| async move {
        let r = sqlx::query("SELECT h.number, h.address FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id_number = $1 AND p.archived = 0")
            .bind(zid)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        (r.get::<String, _>(0), r.get::<String, _>(1))
    };
    assert_eq!(
        place(app.db.clone(), w.zhao_id.clone()).await,
        place(db2, w.zhao_id.clone()).await
    );
}
