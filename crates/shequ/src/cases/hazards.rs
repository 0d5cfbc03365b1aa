//! 安全隐患: a hazard is found (发现), reported to whoever must remove it (上报), and rectified (整改) before its
//! rectification deadline — with a photo of the result, stored as an attachment in the same transaction. A
//! hazard may be linked to a case (e.g. the 安全隐患 case that tracks the work) and may come from a patrol.
//! Scope as for cases: a hazard outside the actor's scope answers NotFound.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::attachments::{self, Owner, Upload};
use super::{fmt_ts, now_utc, queries, require_worker, text};
use crate::accounts::Actor;
use crate::audit;
use crate::db::filter::{Filter, Page};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::registry::nodes;
use crate::registry::validate;

pub const KINDS: [&str; 7] = ["消防", "用电", "燃气", "房屋安全", "治安", "交通", "其他"];

/// found / reported / rectified with their Chinese labels.
pub const STATES: [(&str, &str); 3] = [
    ("found", "发现"),
    ("reported", "已上报"),
    ("rectified", "已整改"),
];

pub fn state_label(code: &str) -> &'static str {
    STATES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("")
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Hazard {
    pub id: i64,
    /// YH + date + id
    pub number: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub location_node_id: i64,
    pub location_name: String,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub grid_name: String,
    pub building_id: Option<i64>,
    pub address: String,
    /// found / reported / rectified
    pub state: String,
    pub state_label: String,
    /// 发现日期 (2026-05-01)
    pub found_on: String,
    pub found_by: Option<i64>,
    pub found_by_name: String,
    pub reported_at: Option<String>,
    /// The office or department it was reported to.
    pub reported_to: Option<String>,
    /// 整改期限 (date)
    pub rectify_by: String,
    pub rectified_at: Option<String>,
    /// 整改完成日期
    pub rectified_on: Option<String>,
    pub rectify_note: Option<String>,
    pub case_id: Option<i64>,
    pub patrol_log_id: Option<i64>,
    /// Not rectified and past its deadline.
    #[sqlx(skip)]
    pub overdue: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Where the worker stood when it was found (the phone's location, when shared).
    pub found_lat: Option<f64>,
    pub found_lng: Option<f64>,
}

pub(crate) const SELECT: &str = "SELECT h.id, h.number, h.kind, h.title, h.description, h.location_node_id, \
    l.name AS location_name, h.street_id, h.community_id, h.grid_id, g.name AS grid_name, h.building_id, \
    h.address, h.state, '' AS state_label, h.found_on, h.found_by, h.found_by_name, h.reported_at, h.reported_to, \
    h.rectify_by, h.rectified_at, h.rectified_on, h.rectify_note, h.case_id, h.patrol_log_id, h.created_at, \
    h.updated_at, h.found_lat, h.found_lng FROM hazards h JOIN nodes l ON l.id = h.location_node_id JOIN nodes g ON g.id = h.grid_id";

fn labelled(mut h: Hazard) -> Hazard {
    h.state_label = state_label(&h.state).to_string();
    h.overdue = h.state != "rectified" && h.rectify_by < crate::db::today().to_string();
    h
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewHazard {
    /// 消防 / 用电 / 燃气 / 房屋安全 / 治安 / 交通 / 其他
    pub kind: String,
    pub title: String,
    pub description: String,
    /// The grid, estate, building, unit or dwelling where it is.
    pub location_id: i64,
    pub address: String,
    /// 发现日期; today when empty.
    pub found_on: String,
    /// 整改期限 (required).
    pub rectify_by: String,
    /// A case the hazard belongs to.
    pub case_id: Option<i64>,
    /// A key the phone made for a hazard recorded offline (letters, digits, '-', up to 64): the same key again
    /// returns the hazard already recorded instead of recording it twice.
    pub client_key: String,
}

/// A hazard that passed every check, ready for [`insert`].
pub struct Prepared {
    kind: String,
    title: String,
    description: String,
    address: String,
    location: nodes::Node,
    grid: (i64, i64, i64),
    found_on: String,
    rectify_by: String,
    case_id: Option<i64>,
}

fn date(field: &str, value: &str) -> Result<chrono::NaiveDate> {
    validate::parse_date(value)
        .ok_or_else(|| Error::invalid(field, format!("{field}格式不正确,请按2024-01-31填写")))
}

/// Checks a new hazard.
pub async fn prepare(db: &Db, actor: &Actor, input: &NewHazard) -> Result<Prepared> {
    require_worker(actor)?;
    let kind = input.kind.trim();
    if !KINDS.contains(&kind) {
        return Err(Error::invalid(
            "隐患类型",
            format!("隐患类型应为:{}", KINDS.join("、")),
        ));
    }
    let title = text("隐患名称", &input.title, 100)?;
    if title.is_empty() {
        return Err(Error::invalid("隐患名称", "隐患名称不能为空"));
    }
    let description = text("隐患描述", &input.description, 5000)?;
    let address = text("地址", &input.address, 200)?;
    let (location, grid) =
        crate::registry::place::place(db, actor, "地点", input.location_id).await?;
    let today = crate::db::today();
    let found_on = if input.found_on.trim().is_empty() {
        today
    } else {
        date("发现日期", &input.found_on)?
    };
    if found_on > today {
        return Err(Error::invalid("发现日期", "发现日期不能晚于今天"));
    }
    if input.rectify_by.trim().is_empty() {
        return Err(Error::invalid("整改期限", "请填写整改期限"));
    }
    let rectify_by = date("整改期限", &input.rectify_by)?;
    if rectify_by < found_on {
        return Err(Error::invalid("整改期限", "整改期限不能早于发现日期"));
    }
    if let Some(c) = input.case_id {
        queries::get(db, actor, c)
            .await
            .map_err(|_| Error::invalid("关联案件", "关联案件不存在或不在您的管辖范围内"))?;
    }
    Ok(Prepared {
        kind: kind.to_string(),
        title,
        description,
        address,
        location,
        grid,
        found_on: found_on.to_string(),
        rectify_by: rectify_by.to_string(),
        case_id: input.case_id,
    })
}

/// Writes a prepared hazard inside the caller's transaction; returns its id.
pub async fn insert(
    tx: &mut Tx<'_>,
    actor: &Actor,
    p: &Prepared,
    patrol_log_id: Option<i64>,
) -> Result<i64> {
    let now = now_utc();
    let at = fmt_ts(now);
    let (street, community, grid) = p.grid;
    let who = if actor.display_name.is_empty() {
        actor.username.clone()
    } else {
        actor.display_name.clone()
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO hazards (number, kind, title, description, location_node_id, street_id, community_id, grid_id, \
         building_id, address, state, found_on, found_by, found_by_name, rectify_by, case_id, patrol_log_id, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'found', $11, $12, $13, $14, $15, \
         $16, $17, $17) RETURNING id",
    )
    .bind(format!("tmp-{}", crate::accounts::sessions::random_token()))
    .bind(&p.kind)
    .bind(&p.title)
    .bind(&p.description)
    .bind(p.location.id)
    .bind(street)
    .bind(community)
    .bind(grid)
    .bind(p.location.building_id)
    .bind(&p.address)
    .bind(&p.found_on)
    .bind((actor.user_id != 0).then_some(actor.user_id))
    .bind(&who)
    .bind(&p.rectify_by)
    .bind(p.case_id)
    .bind(patrol_log_id)
    .bind(&at)
    .fetch_one(&mut **tx)
    .await?;
    let number = format!(
        "YH{}{:06}",
        (now + chrono::Duration::hours(8)).format("%Y%m%d"),
        id
    );
    sqlx::query("UPDATE hazards SET number = $1 WHERE id = $2")
        .bind(&number)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    audit::record(
        &mut **tx,
        actor,
        "create",
        "hazard",
        Some(id),
        None,
        Some(&json!({"number": number, "kind": p.kind, "title": p.title, "location_id": p.location.id,
            "grid_id": grid, "found_on": p.found_on, "rectify_by": p.rectify_by, "case_id": p.case_id,
            "patrol_log_id": patrol_log_id})),
    )
    .await?;
    Ok(id)
}

/// Records a newly found hazard (state 发现).
pub async fn create(db: &Db, actor: &Actor, input: &NewHazard) -> Result<Hazard> {
    let p = prepare(db, actor, input).await?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, actor, &p, None).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// The hazard this worker recorded under a phone's key, if any.
async fn by_client_key(db: &Db, actor: &Actor, key: &str) -> Result<Option<Hazard>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM hazards WHERE client_key = $1 AND found_by = $2")
            .bind(key)
            .bind(actor.user_id)
            .fetch_optional(&db.pool)
            .await?;
    match id {
        Some(id) => Ok(Some(get(db, actor, id).await?)),
        None => Ok(None),
    }
}

/// The phone's location at discovery, as the form sends it (two empty fields: not shared).
pub fn found_at(lat: &str, lng: &str) -> Result<Option<(f64, f64)>> {
    let (lat, lng) = (lat.trim(), lng.trim());
    if lat.is_empty() && lng.is_empty() {
        return Ok(None);
    }
    let bad = || Error::invalid("发现位置", "位置应为纬度、经度(如 30.27415, 120.15515)");
    let lat: f64 = lat.parse().map_err(|_| bad())?;
    let lng: f64 = lng.parse().map_err(|_| bad())?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
        return Err(bad());
    }
    Ok(Some((lat, lng)))
}

/// Records a hazard found in the field, with the photo taken at discovery and where the worker stood — all
/// in one transaction: a refused photo or position records nothing.
pub async fn create_found(
    db: &Db,
    actor: &Actor,
    input: &NewHazard,
    at: Option<(f64, f64)>,
    photo: &Upload,
) -> Result<Hazard> {
    let key = crate::cases::client_key(&input.client_key)?;
    if let Some(k) = key {
        if let Some(h) = by_client_key(db, actor, k).await? {
            return Ok(h);
        }
    }
    if !photo.bytes.is_empty() {
        attachments::check("发现照片", photo)?;
    }
    let p = prepare(db, actor, input).await?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, actor, &p, None).await?;
    if let Some(key) = key {
        let claimed = sqlx::query("UPDATE hazards SET client_key = $1 WHERE id = $2")
            .bind(key)
            .bind(id)
            .execute(&mut *tx)
            .await;
        if let Err(e) = claimed {
            // Two arrivals of the same key at once: the index refuses the second; it gets the first one's.
            drop(tx);
            return match by_client_key(db, actor, key).await? {
                Some(h) => Ok(h),
                None => Err(e.into()),
            };
        }
    }
    if let Some((lat, lng)) = at {
        sqlx::query("UPDATE hazards SET found_lat = $1, found_lng = $2 WHERE id = $3")
            .bind(lat)
            .bind(lng)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if !photo.bytes.is_empty() {
        use sqlx::Row as _;
        let r = sqlx::query(
            "SELECT street_id, community_id, grid_id, building_id FROM hazards WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let owner = Owner {
            kind: "hazard",
            id,
            street_id: r.get(0),
            community_id: r.get(1),
            grid_id: r.get(2),
            building_id: r.get(3),
        };
        attachments::insert(&mut tx, actor, owner, "photo", "发现照片", photo).await?;
    }
    tx.commit().await?;
    get(db, actor, id).await
}

/// A hazard inside the actor's scope, or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Hazard> {
    let sql = format!("{SELECT} WHERE h.id = $1 AND {}", actor.scope.sql("h"));
    sqlx::query_as::<_, Hazard>(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(labelled)
        .ok_or(Error::NotFound)
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReportInput {
    /// Who must remove it: 社区居委会, 物业, 消防, 住建 …
    pub reported_to: String,
    pub note: String,
}

/// 上报: found → reported.
pub async fn report(db: &Db, actor: &Actor, id: i64, input: &ReportInput) -> Result<Hazard> {
    let h = get(db, actor, id).await?;
    require_worker(actor)?;
    if h.state != "found" {
        return Err(Error::invalid(
            "状态",
            format!("隐患当前为“{}”,不能再上报", h.state_label),
        ));
    }
    let to = text("上报对象", &input.reported_to, 100)?;
    if to.is_empty() {
        return Err(Error::invalid("上报对象", "请填写上报对象(如物业、消防)"));
    }
    let note = text("说明", &input.note, 2000)?;
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE hazards SET state = 'reported', reported_at = $1, reported_to = $2, updated_at = $1 WHERE id = $3",
    )
    .bind(&at)
    .bind(&to)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "report",
        "hazard",
        Some(id),
        Some(&json!({"state": h.state})),
        Some(&json!({"state": "reported", "reported_to": to, "note": note})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RectifyInput {
    /// 整改完成日期; today when empty.
    pub rectified_on: String,
    pub note: String,
}

/// 整改: reported (or found) → rectified, with the photo of the result, in one transaction.
pub async fn rectify(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: &RectifyInput,
    photo: &Upload,
) -> Result<Hazard> {
    let h = get(db, actor, id).await?;
    require_worker(actor)?;
    if h.state == "rectified" {
        return Err(Error::invalid("状态", "隐患已整改"));
    }
    let note = text("整改情况", &input.note, 5000)?;
    if note.is_empty() {
        return Err(Error::invalid("整改情况", "请填写整改情况"));
    }
    let today = crate::db::today();
    let on = if input.rectified_on.trim().is_empty() {
        today
    } else {
        date("整改日期", &input.rectified_on)?
    };
    if on > today || on.to_string() < h.found_on {
        return Err(Error::invalid("整改日期", "整改日期应在发现日期与今天之间"));
    }
    attachments::check("整改照片", photo)?;
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    let photo_id = attachments::insert(
        &mut tx,
        actor,
        owner(&h),
        "rectification",
        "整改照片",
        photo,
    )
    .await?;
    sqlx::query(
        "UPDATE hazards SET state = 'rectified', rectified_at = $1, rectified_on = $2, rectify_note = $3, \
         updated_at = $1 WHERE id = $4",
    )
    .bind(&at)
    .bind(on.to_string())
    .bind(&note)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "rectify",
        "hazard",
        Some(id),
        Some(&json!({"state": h.state})),
        Some(
            &json!({"state": "rectified", "rectified_on": on.to_string(), "note": note,
            "photo_id": photo_id, "on_time": on.to_string() <= h.rectify_by}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Links a hazard to a case (both inside the actor's scope).
pub async fn link_case(db: &Db, actor: &Actor, id: i64, case_id: i64) -> Result<Hazard> {
    let h = get(db, actor, id).await?;
    require_worker(actor)?;
    queries::get(db, actor, case_id)
        .await
        .map_err(|_| Error::invalid("关联案件", "关联案件不存在或不在您的管辖范围内"))?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE hazards SET case_id = $1, updated_at = $2 WHERE id = $3")
        .bind(case_id)
        .bind(fmt_ts(now_utc()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "update",
        "hazard",
        Some(id),
        Some(&json!({"case_id": h.case_id})),
        Some(&json!({"case_id": case_id})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

pub(crate) fn owner(h: &Hazard) -> Owner<'static> {
    Owner {
        kind: "hazard",
        id: h.id,
        street_id: h.street_id,
        community_id: h.community_id,
        grid_id: h.grid_id,
        building_id: h.building_id,
    }
}

/// Adds a photo or file to a hazard.
pub async fn add_attachment(
    db: &Db,
    actor: &Actor,
    id: i64,
    purpose: &str,
    u: &Upload,
) -> Result<attachments::Attachment> {
    let h = get(db, actor, id).await?;
    require_worker(actor)?;
    attachments::add(db, actor, owner(&h), purpose, u).await
}

/// The attachments of a hazard the actor can see.
pub async fn attachments_of(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<Vec<attachments::Attachment>> {
    get(db, actor, id).await?;
    attachments::of(db, "hazard", id).await
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct HazardQuery {
    /// found / reported / rectified
    pub state: Option<String>,
    pub grid_id: Option<i64>,
    /// true: only hazards past their rectification deadline and not rectified.
    pub overdue: Option<bool>,
    pub page: Option<i64>,
    /// Default 50, at most 5000.
    pub per_page: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HazardPage {
    pub items: Vec<Hazard>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Hazards in the actor's scope, newest first.
pub async fn list(db: &Db, actor: &Actor, q: &HazardQuery) -> Result<HazardPage> {
    let state = q.state.clone().filter(|s| !s.is_empty());
    if state.as_deref().is_some_and(|s| state_label(s).is_empty()) {
        return Err(Error::invalid("状态", "没有这个状态"));
    }
    let mut filter = Filter::scoped(actor, "h")
        .opt_text("h.state = ?", state)
        .opt_int("h.grid_id = ?", q.grid_id);
    if q.overdue == Some(true) {
        filter = filter
            .when(true, "h.state <> 'rectified'")
            .text("h.rectify_by < ?", crate::db::today().to_string());
    }
    let p: Page<Hazard> = filter
        .page(
            db,
            "FROM hazards h",
            SELECT,
            "h.id DESC",
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await?;
    Ok(HazardPage {
        items: p.items.into_iter().map(labelled).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    })
}
