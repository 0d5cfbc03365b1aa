//! Issue 16: `shequ backup` / `shequ restore` on SQLite — a backup taken while the server runs restores into
//! a database with every table's rows, which a server then answers from; a damaged file, or a database in
//! use, is refused.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::support::{App, Session, PASSWORD};

async fn shequ(url: &str, args: &[&str]) -> (bool, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["--database-url", url])
        .args(args)
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn table_counts(db: &shequ::db::Db) -> Vec<(String, i64)> {
    let names: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut out = Vec::new();
    for n in names {
        let c: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM \"{n}\""))
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        out.push((n, c));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_while_serving_restores_and_reads_back() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let file_s = file.to_str().unwrap();
    if app.url.starts_with("postgres") {
        let (ok, out) = shequ(&app.url, &["backup", file_s]).await;
        assert!(!ok && out.contains("pg_dump"), "{out}");
        return;
    }
    let admin = app.login("admin").await;
    let (st, kept) = admin
        .post_json(
            "/api/nodes",
            json!({"parent_id": app.world.grid1, "kind": "estate", "name": "备份前小区"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (ok, out) = shequ(&app.url, &["backup", file_s]).await;
    assert!(ok, "{out}");
    assert!(out.contains("已备份到"), "{out}");
    let (ok, out) = shequ(&app.url, &["backup", file_s]).await;
    assert!(!ok && out.contains("已存在"), "{out}");
    let at_backup = table_counts(&app.db).await;
    let (_, lost) = admin
        .post_json(
            "/api/nodes",
            json!({"parent_id": app.world.grid1, "kind": "estate", "name": "备份后小区"}),
        )
        .await;
    // Restore into a database of its own: every table has the rows it had at the backup (the audit log one
    // more: the restore's own entry), and the chain is whole.
    let target = dir.path().join("restored.db");
    let target_s = target.to_str().unwrap();
    let (ok, out) = shequ(target_s, &["restore", file_s]).await;
    assert!(ok, "{out}");
    assert!(out.contains("校验完整"), "{out}");
    let db = shequ::db::Db::connect(target_s).await.unwrap();
    let restored = table_counts(&db).await;
    let expected: Vec<(String, i64)> = at_backup
        .iter()
        .map(|(n, c)| (n.clone(), if n == "audit_log" { c + 1 } else { *c }))
        .collect();
    assert_eq!(restored, expected);
    assert!(shequ::audit::verify(&db).await.unwrap().broken.is_none());
    // A server on the restored database answers from it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = shequ::web::router(shequ::web::AppState::new(db.clone()))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let s = Session::logged_in(&base, "admin", PASSWORD).await;
    let (st, node) = s.get_json(&format!("/api/nodes/{}", kept["id"])).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(node["name"], "备份前小区");
    assert_eq!(
        s.get(&format!("/api/nodes/{}", lost["id"])).await.status(),
        StatusCode::NOT_FOUND
    );
    db.pool.close().await;
    // Restoring over an existing, idle database keeps it beside the restored one.
    let (ok, out) = shequ(target_s, &["restore", file_s]).await;
    assert!(ok, "{out}");
    let kept_files = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("restored.db.before-restore-")
        })
        .count();
    assert_eq!(kept_files, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_file_or_a_database_in_use_is_refused() {
    let app = App::start().await;
    if app.url.starts_with("postgres") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just text").unwrap();
    let target = dir.path().join("t.db");
    let (ok, out) = shequ(
        target.to_str().unwrap(),
        &["restore", junk.to_str().unwrap()],
    )
    .await;
    assert!(!ok && out.contains("不是 SQLite 数据库"), "{out}");
    assert!(!target.exists());
    // A database another process is writing.
    let file = dir.path().join("b.db");
    let (ok, out) = shequ(&app.url, &["backup", file.to_str().unwrap()]).await;
    assert!(ok, "{out}");
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("UPDATE users SET lang = 'en' WHERE username = 'admin'")
        .execute(&mut *tx)
        .await
        .unwrap();
    let (ok, out) = shequ(&app.url, &["restore", file.to_str().unwrap()]).await;
    assert!(!ok && out.contains("数据库正在使用"), "{out}");
    tx.rollback().await.unwrap();
    assert_eq!(
        app.login("admin").await.get("/api/me").await.status(),
        StatusCode::OK
    );
}
