//! Community rooms (活动室, 多媒体教室) and their bookings. A room is never booked twice for overlapping
//! times: a booking first takes the room's row (an UPDATE, which PostgreSQL locks and SQLite serialises as
//! the one writer), then checks for overlaps and inserts, all in one transaction — so of concurrent
//! requests for one room exactly one wins and the others get the clash message.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{area, one_of, required, scope_sql, who};
use crate::accounts::Actor;
use crate::audit;
use crate::cases::require_worker;
use crate::db::Db;
use crate::error::{Error, Result};

pub const KINDS: [&str; 4] = ["活动室", "多媒体教室", "会议室", "其他"];

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Venue {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub community_id: i64,
    pub community_name: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct VenueInput {
    pub name: String,
    pub kind: String,
    /// The community (or grid) the room belongs to.
    pub area_id: i64,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Booking {
    pub id: i64,
    pub venue_id: i64,
    pub venue_name: String,
    /// Beijing time, `2026-05-01 09:00`.
    pub starts_at: String,
    pub ends_at: String,
    pub purpose: String,
    pub activity_id: Option<i64>,
    pub booked_by: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BookingInput {
    /// Beijing time, `2026-05-01 09:00` (or `2026-05-01T09:00`).
    pub starts_at: String,
    pub ends_at: String,
    pub purpose: String,
    pub activity_id: Option<i64>,
}

/// A new room (community heads and street administrators).
pub async fn create(db: &Db, actor: &Actor, input: &VenueInput) -> Result<Venue> {
    if !matches!(
        actor.role,
        crate::accounts::Role::StreetAdmin | crate::accounts::Role::CommunityHead
    ) {
        return Err(Error::Forbidden(
            "只有社区书记/主任或街道管理员可以登记场地".into(),
        ));
    }
    let name = required("场地名称", &input.name, 50)?;
    let kind = one_of("场地类型", &input.kind, &KINDS)?;
    let at = area(db, actor, input.area_id, "所属区域").await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO venues (name, kind, street_id, community_id, grid_id, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&name)
    .bind(kind)
    .bind(at.street)
    .bind(at.community)
    .bind(at.grid)
    .bind(crate::db::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "venue",
        Some(id),
        None,
        Some(&json!({"name": name, "kind": kind, "community_id": at.community})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// A room in scope, or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Venue> {
    let scope = scope_sql(db, actor, "v").await?;
    sqlx::query_as::<_, Venue>(&format!(
        "SELECT v.id, v.name, v.kind, v.community_id, c.name AS community_name FROM venues v \
         JOIN nodes c ON c.id = v.community_id WHERE v.id = $1 AND v.archived = 0 AND {scope}"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// The rooms in scope.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Venue>> {
    let scope = scope_sql(db, actor, "v").await?;
    Ok(sqlx::query_as::<_, Venue>(&format!(
        "SELECT v.id, v.name, v.kind, v.community_id, c.name AS community_name FROM venues v \
         JOIN nodes c ON c.id = v.community_id WHERE v.archived = 0 AND {scope} ORDER BY v.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

const BOOKING: &str =
    "SELECT b.id, b.venue_id, v.name AS venue_name, b.starts_at, b.ends_at, b.purpose, \
    b.activity_id, b.booked_by FROM venue_bookings b JOIN venues v ON v.id = b.venue_id";

/// The bookings of a room in scope from a day on (today when empty).
pub async fn bookings(db: &Db, actor: &Actor, venue: i64, from: &str) -> Result<Vec<Booking>> {
    let v = get(db, actor, venue).await?;
    let from = if from.trim().is_empty() {
        crate::db::today().to_string()
    } else {
        super::date("开始日期", from)?.to_string()
    };
    Ok(sqlx::query_as::<_, Booking>(&format!(
        "{BOOKING} WHERE b.venue_id = $1 AND b.ends_at > $2 ORDER BY b.starts_at LIMIT 500"
    ))
    .bind(v.id)
    .bind(from)
    .fetch_all(&db.pool)
    .await?)
}

fn time(field: &str, v: &str) -> Result<String> {
    let v = v.trim().replace('T', " ");
    chrono::NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M")
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .map_err(|_| Error::invalid(field, format!("{field}格式不正确,请按2026-05-01 09:00填写")))
}

/// Books a room for a time; refused when it overlaps another booking of the room.
pub async fn book(db: &Db, actor: &Actor, venue: i64, input: &BookingInput) -> Result<Booking> {
    let v = get(db, actor, venue).await?;
    require_worker(actor)?;
    let starts = time("开始时间", &input.starts_at)?;
    let ends = time("结束时间", &input.ends_at)?;
    if ends <= starts {
        return Err(Error::invalid("结束时间", "结束时间应晚于开始时间"));
    }
    let purpose = required("用途", &input.purpose, 100)?;
    if let Some(a) = input.activity_id {
        super::activities::get(db, actor, a)
            .await
            .map_err(|_| Error::invalid("活动", "该活动不存在或不在您的管辖范围内"))?;
    }
    let scope: (i64, i64, Option<i64>) =
        sqlx::query_as("SELECT street_id, community_id, grid_id FROM venues WHERE id = $1")
            .bind(v.id)
            .fetch_one(&db.pool)
            .await?;
    let mut tx = db.begin().await?;
    // Take the room first: concurrent bookings of it queue here.
    sqlx::query("UPDATE venues SET updated_at = $1 WHERE id = $2")
        .bind(crate::db::now())
        .bind(v.id)
        .execute(&mut *tx)
        .await?;
    let clash: Option<(String, String, String)> = sqlx::query_as(
        "SELECT starts_at, ends_at, purpose FROM venue_bookings WHERE venue_id = $1 \
         AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at LIMIT 1",
    )
    .bind(v.id)
    .bind(&starts)
    .bind(&ends)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((s, e, p)) = clash {
        return Err(Error::conflict(
            "预约时间",
            format!("{}在{s}至{e}已被预约({p}),请选择其他时间", v.name),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO venue_bookings (venue_id, starts_at, ends_at, purpose, activity_id, booked_by, street_id, \
         community_id, grid_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(v.id)
    .bind(&starts)
    .bind(&ends)
    .bind(&purpose)
    .bind(input.activity_id)
    .bind(who(actor))
    .bind(scope.0)
    .bind(scope.1)
    .bind(scope.2)
    .bind(crate::db::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "venue_booking",
        Some(id),
        None,
        Some(&json!({"venue_id": v.id, "starts_at": starts, "ends_at": ends, "purpose": purpose})),
    )
    .await?;
    tx.commit().await?;
    Ok(
        sqlx::query_as::<_, Booking>(&format!("{BOOKING} WHERE b.id = $1"))
            .bind(id)
            .fetch_one(&db.pool)
            .await?,
    )
}
