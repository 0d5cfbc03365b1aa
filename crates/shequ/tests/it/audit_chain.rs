//! Issue 16: the audit log is a hash chain. Concurrent writers (transactions and single statements, through
//! the HTTP stack, and a bulk import) keep it whole; changing, removing or inserting an entry in the database
//! is found by `shequ audit verify` and by the administrator's check, at that entry.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::App;

async fn cli_verify(app: &App) -> (bool, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["--database-url", &app.url, "audit", "verify"])
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

async fn entries(app: &App) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_writers_keep_the_chain_whole() {
    let app = App::start().await;
    let admin = std::sync::Arc::new(app.login("admin").await);
    let grid = app.world.grid1;
    let before = entries(&app).await;
    // 40 writes at once: node creations (an entry inside each write's transaction) and failed and good
    // logins (entries written on their own).
    let mut tasks = Vec::new();
    for i in 0..24 {
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let (st, body) = admin
                .post_json(
                    "/api/nodes",
                    json!({"parent_id": grid, "kind": "estate", "name": format!("并发小区{i}")}),
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{body}");
        }));
    }
    for i in 0..16 {
        let s = app.anonymous();
        tasks.push(tokio::spawn(async move {
            let pass = if i % 2 == 0 {
                crate::support::PASSWORD
            } else {
                "wrong-password"
            };
            s.login_form(if i % 4 < 2 { "shuji" } else { "shegong" }, pass)
                .await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let after = entries(&app).await;
    assert!(after >= before + 40, "{before} → {after}");
    let (st, v) = admin.get_json("/api/audit/verify").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["broken"], Value::Null, "{v}");
    assert_eq!(v["entries"], after);
    assert_eq!(v["head"].as_str().unwrap().len(), 64);
    let nulls: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE hash IS NULL")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(nulls, 0);
    let (ok, out) = cli_verify(&app).await;
    assert!(ok, "{out}");
    assert!(out.contains("审计日志完整"), "{out}");
    // Only street administrators run the check.
    let shuji = app.login("shuji").await;
    assert_eq!(
        shuji.get("/api/audit/verify").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_import_chains_its_entries() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("姓名,身份证号,现住小区,楼栋,单元,门牌,户号\n");
    for i in 0..30u32 {
        let birth = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
            + chrono::Duration::days(i as i64 * 40);
        let idn = shequ::registry::idcard::make(110105, birth, 301 + i * 2);
        csv.push_str(&format!(
            "导入居民,{idn},链式小区,1号楼,1单元,{},D{}\n",
            100 + i,
            i / 2
        ));
    }
    let file = dir.path().join("people.csv");
    std::fs::write(&file, csv).unwrap();
    let before = entries(&app).await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["--database-url", &app.url, "import", "persons"])
        .arg(&file)
        .args(["--grid", &app.world.grid1.to_string(), "--create-places"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(entries(&app).await >= before + 30);
    let (ok, out) = cli_verify(&app).await;
    assert!(ok, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_removed_or_inserted_entry_is_found_at_that_entry() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    for i in 0..5 {
        let (st, _) = admin
            .post_json(
                "/api/nodes",
                json!({"parent_id": app.world.grid1, "kind": "estate", "name": format!("小区{i}")}),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    let ids: Vec<i64> = sqlx::query("SELECT id FROM audit_log ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let victim = ids[ids.len() - 3];
    let original: Option<String> = sqlx::query("SELECT after_json FROM audit_log WHERE id = $1")
        .bind(victim)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    // 1. The content of one entry changed (its hash left alone).
    sqlx::query("UPDATE audit_log SET after_json = '{\"name\":\"改过的\"}' WHERE id = $1")
        .bind(victim)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (st, v) = admin.get_json("/api/audit/verify").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["broken"]["id"], victim, "{v}");
    assert!(v["broken"]["reason"].as_str().unwrap().contains("不符"));
    let (ok, out) = cli_verify(&app).await;
    assert!(!ok, "{out}");
    assert!(out.contains(&format!("id {victim}")), "{out}");
    // 2. Put back, the chain is whole again; an entry removed breaks it at the next one.
    sqlx::query("UPDATE audit_log SET after_json = $1 WHERE id = $2")
        .bind(&original)
        .bind(victim)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        admin.get_json("/api/audit/verify").await.1["broken"],
        Value::Null
    );
    sqlx::query("DELETE FROM audit_log WHERE id = $1")
        .bind(victim)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, v) = admin.get_json("/api/audit/verify").await;
    let next = ids[ids.len() - 2];
    assert_eq!(v["broken"]["id"], next, "{v}");
    // 3. A forged entry with a made-up hash, or with none, is found where it stands.
    let fresh = App::start().await;
    let admin = fresh.login("admin").await;
    let last: i64 = sqlx::query("SELECT MAX(id) FROM audit_log")
        .fetch_one(&fresh.db.pool)
        .await
        .unwrap()
        .get(0);
    sqlx::query(
        "INSERT INTO audit_log (id, at, username, action, entity, entity_id, hash) \
         VALUES ($1, '2024-01-01 00:00:00', 'x', 'delete', 'person', 1, $2)",
    )
    .bind(last + 1)
    .bind("ab".repeat(32))
    .execute(&fresh.db.pool)
    .await
    .unwrap();
    let (_, v) = admin.get_json("/api/audit/verify").await;
    assert_eq!(v["broken"]["id"], last + 1, "{v}");
    sqlx::query("UPDATE audit_log SET hash = NULL WHERE id = $1")
        .bind(last + 1)
        .execute(&fresh.db.pool)
        .await
        .unwrap();
    let (_, v) = admin.get_json("/api/audit/verify").await;
    assert_eq!(v["broken"]["reason"], "缺少校验值", "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn entries_written_before_the_chain_are_chained_at_start() {
    let app = App::start().await;
    // As a database migrated from before the chain: no entry has a hash.
    sqlx::query("UPDATE audit_log SET hash = NULL")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let v = shequ::audit::verify(&app.db).await.unwrap();
    assert_eq!(v.broken.unwrap().reason, "缺少校验值");
    let db = shequ::db::Db::connect(&app.url).await.unwrap();
    let v = shequ::audit::verify(&db).await.unwrap();
    assert!(v.broken.is_none(), "{v:?}");
    assert_eq!(v.entries, entries(&app).await);
}

/// The cost of a chained append (run by hand: `cargo test -p shequ --test it audit_append_cost -- --ignored
/// --nocapture`): 500 entries each on its own, and 500 inside one transaction.
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn audit_append_cost() {
    let app = App::start().await;
    let sys = shequ::accounts::Actor::system();
    let after = json!({"name": "小区", "parent_id": 1});
    let start = std::time::Instant::now();
    for i in 0..500 {
        shequ::audit::record(
            &app.db.pool,
            &sys,
            "update",
            "node",
            Some(i),
            None,
            Some(&after),
        )
        .await
        .unwrap();
    }
    let alone = start.elapsed() / 500;
    let mut tx = app.db.begin().await.unwrap();
    let start = std::time::Instant::now();
    for i in 0..500 {
        shequ::audit::record(
            &mut *tx,
            &sys,
            "update",
            "node",
            Some(i),
            None,
            Some(&after),
        )
        .await
        .unwrap();
    }
    let inside = start.elapsed() / 500;
    tx.commit().await.unwrap();
    let start = std::time::Instant::now();
    let v = shequ::audit::verify(&app.db).await.unwrap();
    assert!(v.broken.is_none());
    eprintln!(
        "audit append: {alone:?} on its own, {inside:?} inside a transaction; verify of {} entries {:?}",
        v.entries,
        start.elapsed()
    );
}
