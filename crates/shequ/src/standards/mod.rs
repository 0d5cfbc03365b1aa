//! Standards self-inspection (创建达标, 自查自纠). A street's standard (和谐社区建设指导标准, 绿色社区, 文明社区 …)
//! is imported from a sheet as sections and items with points ([`sheet`]); a community inspects itself
//! against it for a year, item by item, with a score, a note and evidence ([`inspections`]); gaps become
//! rectification tasks tracked 待整改 → 已整改 → 已核查 ([`rectify`]); the street compares its communities
//! ([`compare`]); the report engine counts items, scores and rectifications ([`plugin`]).
//!
//! Only the street administrator imports standards. The committee (社区书记/主任, 社工, 街道管理员) inspects and
//! assigns rectifications; the owner of a rectification reports it done; the committee or street verifies it.

pub mod compare;
pub mod inspections;
pub mod plugin;
pub mod rectify;
pub mod sheet;

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::accounts::{Actor, Role};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::governance::required;

/// The built-in example standard (a sheet in the import's layout), for the demo and a first start.
pub const EXAMPLE_TITLE: &str = "和谐社区建设指导标准(示例)";
pub const EXAMPLE_CSV: &str = include_str!("example.csv");

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub id: i64,
    /// 序号 as in the sheet.
    pub number: String,
    /// 类别 (章节).
    pub section: String,
    pub content: String,
    pub criteria: String,
    pub points: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Standard {
    pub id: i64,
    pub title: String,
    /// The file it was imported from.
    pub source: String,
    pub total_points: i64,
    pub items: Vec<Item>,
    pub created_at: String,
}

/// This year in Beijing time (the default year of a self-inspection).
pub fn this_year() -> i64 {
    use chrono::Datelike;
    (chrono::Utc::now() + chrono::Duration::hours(8)).year() as i64
}

/// Only the street administrator imports and edits standards.
pub fn require_street_admin(actor: &Actor) -> Result<()> {
    if actor.role == Role::StreetAdmin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "只有街道管理员可以导入和修改达标标准".into(),
        ))
    }
}

/// The street an actor works in (standards belong to a street).
fn street_of(actor: &Actor) -> Result<i64> {
    if actor.role == Role::Resident {
        return Err(Error::NotFound);
    }
    actor.scope.street().ok_or(Error::NotFound)
}

/// Imports a standard from a sheet: every row checked first, then all items in one transaction.
pub async fn import(
    db: &Db,
    actor: &Actor,
    title: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<Standard> {
    require_street_admin(actor)?;
    let street = street_of(actor)?;
    let title = required("标准名称", title, 100)?;
    if bytes.len() > 2 * 1024 * 1024 {
        return Err(Error::invalid("文件", "标准文件不能超过2MB"));
    }
    let rows = sheet::parse(file_name, bytes)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO standards (street_id, title, source, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(street)
    .bind(&title)
    .bind(file_name.chars().take(200).collect::<String>())
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    for (i, r) in rows.iter().enumerate() {
        sqlx::query(
            "INSERT INTO standard_items (standard_id, idx, number, section, content, criteria, points) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(i as i64 + 1)
        .bind(&r.number)
        .bind(&r.section)
        .bind(&r.content)
        .bind(&r.criteria)
        .bind(r.points)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "import",
        "standard",
        Some(id),
        None,
        Some(
            &json!({"title": title, "source": file_name, "items": rows.len(),
            "points": rows.iter().map(|r| r.points).sum::<i64>()}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Imports the built-in example standard.
pub async fn import_example(db: &Db, actor: &Actor) -> Result<Standard> {
    import(
        db,
        actor,
        EXAMPLE_TITLE,
        "example.csv",
        EXAMPLE_CSV.as_bytes(),
    )
    .await
}

/// Renames a standard (the street administrator).
pub async fn rename(db: &Db, actor: &Actor, id: i64, title: &str) -> Result<Standard> {
    require_street_admin(actor)?;
    let before = get(db, actor, id).await?;
    let title = required("标准名称", title, 100)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE standards SET title = $1 WHERE id = $2")
        .bind(&title)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "update",
        "standard",
        Some(id),
        Some(&json!({"title": before.title})),
        Some(&json!({"title": title})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

pub(crate) async fn items(db: &Db, standard: i64) -> Result<Vec<Item>> {
    Ok(sqlx::query(
        "SELECT id, number, section, content, criteria, points FROM standard_items WHERE standard_id = $1 ORDER BY idx",
    )
    .bind(standard)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| Item {
        id: r.get(0),
        number: r.get(1),
        section: r.get(2),
        content: r.get(3),
        criteria: r.get(4),
        points: r.get(5),
    })
    .collect())
}

/// One standard of the actor's street.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Standard> {
    let street = street_of(actor)?;
    let r = sqlx::query("SELECT id, title, source, created_at FROM standards WHERE id = $1 AND street_id = $2 AND archived = 0")
        .bind(id)
        .bind(street)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let items = items(db, id).await?;
    Ok(Standard {
        id: r.get(0),
        title: r.get(1),
        source: r.get(2),
        created_at: r.get(3),
        total_points: items.iter().map(|i| i.points).sum(),
        items,
    })
}

/// The standards of the actor's street, newest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Standard>> {
    let Ok(street) = street_of(actor) else {
        return Ok(vec![]);
    };
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM standards WHERE street_id = $1 AND archived = 0 ORDER BY id DESC LIMIT 100",
    )
    .bind(street)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut out = Vec::new();
    for id in ids {
        out.push(get(db, actor, id).await?);
    }
    Ok(out)
}

/// Sections in item order with their points (name, points).
pub fn sections(items: &[Item]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for i in items {
        match out.iter_mut().find(|(s, _)| *s == i.section) {
            Some((_, p)) => *p += i.points,
            None => out.push((i.section.clone(), i.points)),
        }
    }
    out
}
