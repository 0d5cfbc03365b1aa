//! Attachments: photos and files of cases and hazards, stored in the database (BLOB / BYTEA). Each upload is
//! checked for size ([`MAX_BYTES`]) and type — the declared content type must be one of [`TYPES`] and the
//! bytes must start the way that type does, so a script renamed `.jpg` is refused. An attachment carries the
//! scope columns of its owner and is served only inside the actor's scope (NotFound otherwise).

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{fmt_ts, now_utc, text};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// The largest file accepted (5 MB).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// Accepted content types and the bytes each begins with.
pub const TYPES: [(&str, &[u8]); 5] = [
    ("image/jpeg", b"\xFF\xD8\xFF"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/gif", b"GIF8"),
    ("image/webp", b"RIFF"),
    ("application/pdf", b"%PDF-"),
];

/// What an attachment is for.
pub const PURPOSES: [&str; 3] = ["photo", "rectification", "file"];

/// A file as received from a form.
#[derive(Clone, Debug, Default)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    /// case / hazard
    pub owner_kind: String,
    pub owner_id: i64,
    /// photo / rectification / file
    pub purpose: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
}

const COLS: &str =
    "id, owner_kind, owner_id, purpose, filename, content_type, size, sha256, created_at";

/// The scope columns of the record an attachment belongs to.
#[derive(Clone, Copy, Debug)]
pub struct Owner<'a> {
    pub kind: &'a str,
    pub id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub building_id: Option<i64>,
}

/// Checks the size and the type of an upload; answers the normalised content type.
pub fn check(field: &str, u: &Upload) -> Result<String> {
    if u.bytes.is_empty() {
        return Err(Error::invalid(field, format!("请选择要上传的{field}")));
    }
    if u.bytes.len() > MAX_BYTES {
        return Err(Error::invalid(
            field,
            format!(
                "{field}不能超过{}MB(当前{:.1}MB)",
                MAX_BYTES / 1024 / 1024,
                u.bytes.len() as f64 / 1024.0 / 1024.0
            ),
        ));
    }
    let declared = u
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((ty, magic)) = TYPES.iter().find(|(t, _)| *t == declared) else {
        return Err(Error::invalid(
            field,
            format!("{field}只能是JPEG、PNG、GIF、WebP图片或PDF文件"),
        ));
    };
    if !u.bytes.starts_with(magic) {
        return Err(Error::invalid(
            field,
            format!("{field}的内容与类型({ty})不符"),
        ));
    }
    Ok(ty.to_string())
}

/// Stores an upload for its owner inside the caller's transaction and records it (without the bytes).
pub async fn insert(
    tx: &mut Tx<'_>,
    actor: &Actor,
    owner: Owner<'_>,
    purpose: &str,
    field: &str,
    u: &Upload,
) -> Result<i64> {
    let content_type = check(field, u)?;
    if !PURPOSES.contains(&purpose) {
        return Err(Error::invalid(
            "用途",
            "用途应为 photo、rectification 或 file",
        ));
    }
    let mut filename = text("文件名", &u.filename, 200)?;
    filename.retain(|c| !c.is_control() && c != '"' && c != '/' && c != '\\');
    if filename.is_empty() {
        filename = "附件".into();
    }
    let sha = hex::encode(Sha256::digest(&u.bytes));
    let at = fmt_ts(now_utc());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (owner_kind, owner_id, purpose, filename, content_type, size, sha256, data, \
         street_id, community_id, grid_id, building_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(owner.kind)
    .bind(owner.id)
    .bind(purpose)
    .bind(&filename)
    .bind(&content_type)
    .bind(u.bytes.len() as i64)
    .bind(&sha)
    .bind(u.bytes.clone())
    .bind(owner.street_id)
    .bind(owner.community_id)
    .bind(owner.grid_id)
    .bind(owner.building_id)
    .bind((actor.user_id != 0).then_some(actor.user_id))
    .bind(&at)
    .fetch_one(&mut **tx)
    .await?;
    audit::record(
        &mut **tx,
        actor,
        "create",
        "attachment",
        Some(id),
        None,
        Some(&json!({"owner_kind": owner.kind, "owner_id": owner.id, "purpose": purpose,
            "filename": filename, "content_type": content_type, "size": u.bytes.len(), "sha256": sha})),
    )
    .await?;
    Ok(id)
}

/// Adds an attachment to a record the actor may work on, in a transaction of its own.
pub async fn add(
    db: &Db,
    actor: &Actor,
    owner: Owner<'_>,
    purpose: &str,
    u: &Upload,
) -> Result<Attachment> {
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, actor, owner, purpose, "附件", u).await?;
    tx.commit().await?;
    meta(db, actor, id).await
}

/// The attachments of one record, in upload order (the caller has checked the record's scope).
pub async fn of(db: &Db, kind: &str, owner_id: i64) -> Result<Vec<Attachment>> {
    Ok(sqlx::query_as::<_, Attachment>(&format!(
        "SELECT {COLS} FROM attachments WHERE owner_kind = $1 AND owner_id = $2 ORDER BY id"
    ))
    .bind(kind)
    .bind(owner_id)
    .fetch_all(&db.pool)
    .await?)
}

/// One attachment's description, inside the actor's scope.
pub async fn meta(db: &Db, actor: &Actor, id: i64) -> Result<Attachment> {
    sqlx::query_as::<_, Attachment>(&format!(
        "SELECT {COLS} FROM attachments WHERE id = $1 AND {}",
        actor.scope.sql("")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// One attachment with its bytes, inside the actor's scope.
pub async fn content(db: &Db, actor: &Actor, id: i64) -> Result<(Attachment, Vec<u8>)> {
    let a = meta(db, actor, id).await?;
    let row = sqlx::query("SELECT data FROM attachments WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    Ok((a, row.get::<Vec<u8>, _>(0)))
}

/// Adds a photo or file to a case the actor can see (workers only).
pub async fn add_to_case(
    db: &Db,
    actor: &Actor,
    case_id: i64,
    purpose: &str,
    u: &Upload,
) -> Result<Attachment> {
    let c = super::queries::get(db, actor, case_id).await?;
    super::require_worker(actor)?;
    let owner = Owner {
        kind: "case",
        id: c.id,
        street_id: c.street_id,
        community_id: c.community_id,
        grid_id: c.grid_id,
        building_id: c.building_id,
    };
    add(db, actor, owner, purpose, u).await
}

/// The attachments of a case the actor can see.
pub async fn of_case(db: &Db, actor: &Actor, case_id: i64) -> Result<Vec<Attachment>> {
    super::queries::get(db, actor, case_id).await?;
    of(db, "case", case_id).await
}
