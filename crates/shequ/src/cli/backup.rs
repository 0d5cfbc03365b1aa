//! `shequ backup FILE` and `shequ restore FILE` for SQLite.
//!
//! The backup is SQLite's `VACUUM INTO`: a consistent, compacted copy of the live database, taken while the
//! server runs (it reads one snapshot; writers go on). The restore checks the file (`PRAGMA
//! integrity_check`, shequ's tables), keeps the database it replaces beside it as
//! `NAME.before-restore-TIME`, moves the backup into place, brings its schema up to date and checks the
//! audit chain. PostgreSQL databases are backed up with `pg_dump` (see docs/SECURITY.md).

use std::path::{Path, PathBuf};

use sqlx::{Connection, Row};

use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db, Dialect};

/// The file of a SQLite database URL (`shequ.db`, `sqlite://x.db?mode=rwc`).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    if Dialect::from_url(url) != Dialect::Sqlite {
        return None;
    }
    let normal = db::normalize_url(url);
    let path = normal.strip_prefix("sqlite://")?;
    Some(PathBuf::from(path.split('?').next().unwrap_or(path)))
}

fn postgres_refusal() -> anyhow::Error {
    anyhow::anyhow!(
        "PostgreSQL 数据库请用 pg_dump / pg_restore 备份和恢复(见 docs/SECURITY.md)/ use pg_dump for PostgreSQL"
    )
}

/// What a backup wrote.
pub struct BackupInfo {
    pub bytes: u64,
    pub seconds: f64,
}

/// Writes a consistent copy of the database to `file` (which must not exist). The backup is audited, and
/// the copy holds its own entry.
pub async fn backup(db: &Db, file: &Path) -> anyhow::Result<BackupInfo> {
    if db.dialect != Dialect::Sqlite {
        return Err(postgres_refusal());
    }
    if file.exists() {
        anyhow::bail!("{} 已存在,请换一个文件名 / the file exists", file.display());
    }
    let start = std::time::Instant::now();
    let name = file
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("文件名须为 UTF-8"))?;
    audit::record(
        &db.pool,
        &Actor::system(),
        "backup",
        "database",
        None,
        None,
        Some(&serde_json::json!({"file": name})),
    )
    .await?;
    sqlx::query("VACUUM INTO $1")
        .bind(name)
        .execute(&db.pool)
        .await
        .map_err(|e| anyhow::anyhow!("备份失败 / backup failed: {e}"))?;
    Ok(BackupInfo {
        bytes: std::fs::metadata(file)?.len(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// What a restore did.
pub struct RestoreInfo {
    /// Where the replaced database was kept (None: there was none).
    pub kept: Option<PathBuf>,
    pub audit: audit::Verification,
}

/// Checks that `file` is a sound shequ database.
async fn check_backup(file: &Path) -> anyhow::Result<()> {
    if !file.is_file() {
        anyhow::bail!("找不到备份文件 {} / no such file", file.display());
    }
    let url = format!("sqlite://{}?mode=ro", file.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.map_err(|e| {
        anyhow::anyhow!(
            "{} 不是 SQLite 数据库 / not a database: {e}",
            file.display()
        )
    })?;
    let ok: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "{} 不是 SQLite 数据库 / not a database: {e}",
                file.display()
            )
        })?
        .get(0);
    if ok != "ok" {
        anyhow::bail!("备份文件已损坏 / the backup is damaged: {ok}");
    }
    let tables: i64 = sqlx::query(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('_sqlx_migrations', 'users', 'persons', 'audit_log')",
    )
    .fetch_one(&mut conn)
    .await?
    .get(0);
    if tables != 4 {
        anyhow::bail!("{} 不是 shequ 的备份 / not a shequ backup", file.display());
    }
    conn.close().await?;
    Ok(())
}

/// Replaces the database at `url` with the backup `file`. The server must be stopped: a database that is
/// being written is refused.
pub async fn restore(url: &str, file: &Path) -> anyhow::Result<RestoreInfo> {
    let target = sqlite_path(url).ok_or_else(postgres_refusal)?;
    check_backup(file).await?;
    let mut kept = None;
    if target.exists() {
        // Refuse while another process writes it (a running server takes the write lock to write).
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", target.display())).await?;
        sqlx::query("PRAGMA busy_timeout = 0")
            .execute(&mut conn)
            .await?;
        sqlx::query("BEGIN EXCLUSIVE")
            .execute(&mut conn)
            .await
            .map_err(|_| {
                anyhow::anyhow!("数据库正在使用,请先停止 shequ serve / stop the server first")
            })?;
        sqlx::query("ROLLBACK").execute(&mut conn).await?;
        // Fold the write-ahead log into the file, so that the kept copy is whole on its own.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S");
        let keep = PathBuf::from(format!("{}.before-restore-{stamp}", target.display()));
        std::fs::rename(&target, &keep)?;
        kept = Some(keep);
    }
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(side)?;
        }
    }
    let tmp = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(file, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &target)?;
    let db = Db::connect(url).await?;
    audit::record(
        &db.pool,
        &Actor::system(),
        "restore",
        "database",
        None,
        None,
        Some(&serde_json::json!({"file": file.display().to_string(), "kept": kept.as_ref().map(|k| k.display().to_string())})),
    )
    .await?;
    let audit = audit::verify(&db).await?;
    db.pool.close().await;
    Ok(RestoreInfo { kept, audit })
}
