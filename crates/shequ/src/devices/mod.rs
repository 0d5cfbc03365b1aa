//! 小区智能化 (smart estate): the device registry, its health, and the intake of events over HTTP and MQTT.
//!
//! A device (安康通 SOS button, smoke or door sensor, camera) belongs to a place — an estate, building, unit or
//! dwelling — and an 安康通 also to a person with an emergency contact. Events arrive signed over HTTP
//! ([`intake`]) or MQTT ([`mqtt`]), share one validation and one handler, and an alarm opens (or joins) a case
//! in the device's grid; [`notify`] puts the people to tell into the outbox and sends from it. Heartbeats keep
//! [`health`]: a device silent beyond its kind's interval shows on the grid worker's 工作台. Nothing here knows
//! HTTP; every read takes the [`Actor`] and answers out-of-scope ids as NotFound.

pub mod guard;
pub mod health;
pub mod history;
pub mod intake;
pub mod mqtt;
pub mod notify;
pub mod plugin;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::{sessions, Actor, Role};
use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};

pub use intake::{sign, signature_ok, DeviceEvent, EventOutcome, Refusal};

/// A registered device as lists and pages show it (named by its code, name and place, never by id alone).
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Device {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// sos / smoke / door / camera
    pub kind: String,
    pub location_node_id: i64,
    pub grid_id: i64,
    /// The place it is installed at and its grid, by name.
    pub place: String,
    pub grid_name: String,
    /// The person an 安康通 belongs to.
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub contact_name: Option<String>,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub contact_phone: Option<String>,
    /// ok (heard from within its interval), silent, retired.
    pub state: String,
    pub last_seen_at: Option<String>,
    pub battery: Option<i64>,
    pub signal_dbm: Option<i64>,
    pub due_by: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DeviceInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// The estate, building, unit or dwelling where it is installed.
    pub location_id: i64,
    /// 安康通: the person it belongs to.
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NewDevice {
    pub device: Device,
    /// Shown once: the device signs its events with it.
    pub secret: String,
}

pub const KINDS: [&str; 4] = ["sos", "smoke", "door", "camera"];

/// The Chinese name of a kind.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "sos" => "安康通",
        "smoke" => "烟感",
        "door" => "门磁",
        "camera" => "摄像头",
        _ => "设备",
    }
}

/// The columns of [`Device`] over `devices d`, with `$1` the current time (UTC text).
pub(crate) const SELECT: &str = "SELECT d.id, d.code, d.name, d.kind, d.location_node_id, d.grid_id, \
    l.name AS place, g.name AS grid_name, d.person_id, p.name AS person_name, d.contact_name, d.contact_phone, \
    CASE WHEN d.archived = 1 THEN 'retired' WHEN d.due_by < $1 THEN 'silent' ELSE 'ok' END AS state, \
    d.last_seen_at, d.battery, d.signal_dbm, d.due_by \
    FROM devices d JOIN nodes l ON l.id = d.location_node_id JOIN nodes g ON g.id = d.grid_id \
    LEFT JOIN persons p ON p.id = d.person_id";

/// Registers a device (street administrators and community heads, inside their scope).
pub async fn register(db: &Db, actor: &Actor, input: &DeviceInput) -> Result<NewDevice> {
    if !matches!(actor.role, Role::StreetAdmin | Role::CommunityHead) {
        return Err(Error::Forbidden(
            "只有街道管理员和社区书记可以登记设备".into(),
        ));
    }
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 64
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(Error::invalid(
            "设备编码",
            "设备编码只能包含字母、数字、下划线、点和减号",
        ));
    }
    let name = crate::cases::text("设备名称", &input.name, 100)?;
    if name.is_empty() {
        return Err(Error::invalid("设备名称", "设备名称不能为空"));
    }
    if !KINDS.contains(&input.kind.as_str()) {
        return Err(Error::invalid(
            "设备类型",
            "设备类型应为 sos、smoke、door 或 camera",
        ));
    }
    let node = nodes::get(db, actor, input.location_id)
        .await
        .map_err(|_| Error::invalid("安装位置", "位置不存在或不在您的管辖范围内"))?;
    let (Some(street), Some(community), Some(grid)) =
        (node.street_id, node.community_id, node.grid_id)
    else {
        return Err(Error::invalid("安装位置", "请选择小区、楼栋、单元或房屋"));
    };
    if matches!(node.kind(), Kind::Street | Kind::Community | Kind::Grid) || node.archived != 0 {
        return Err(Error::invalid("安装位置", "请选择小区、楼栋、单元或房屋"));
    }
    let person_id = match input.person_id {
        Some(pid) => {
            let sql = format!(
                "SELECT id FROM persons WHERE id = $1 AND archived = 0 AND {}",
                actor.scope.sql("")
            );
            let found: Option<i64> = sqlx::query_scalar(&sql)
                .bind(pid)
                .fetch_optional(&db.pool)
                .await?;
            Some(found.ok_or_else(|| Error::invalid("使用人", "人员不存在或不在您的管辖范围内"))?)
        }
        None => None,
    };
    let contact_name = crate::cases::text(
        "紧急联系人",
        input.contact_name.as_deref().unwrap_or(""),
        50,
    )?;
    let contact_phone = crate::registry::validate::phone(
        "紧急联系人电话",
        input.contact_phone.as_deref().unwrap_or(""),
    )?;
    let exists = sqlx::query("SELECT 1 FROM devices WHERE code = $1")
        .bind(code)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_some() {
        return Err(Error::conflict(
            "设备编码",
            crate::db::constraints::DUPLICATE_DEVICE,
        ));
    }
    let secret = sessions::random_token();
    let now = crate::db::now();
    // A new device has one interval to send its first heartbeat.
    let due = crate::cases::fmt_ts(
        chrono::Utc::now().naive_utc()
            + chrono::Duration::minutes(health::interval(db, &input.kind).await?),
    );
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO devices (code, name, kind, secret, location_node_id, street_id, community_id, grid_id, \
         building_id, created_at, person_id, contact_name, contact_phone, due_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(code)
    .bind(&name)
    .bind(&input.kind)
    .bind(&secret)
    .bind(node.id)
    .bind(street)
    .bind(community)
    .bind(grid)
    .bind(node.building_id)
    .bind(&now)
    .bind(person_id)
    .bind((!contact_name.is_empty()).then_some(contact_name.clone()))
    .bind(&contact_phone)
    .bind(&due)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "device",
        Some(id),
        None,
        Some(
            &json!({"code": code, "name": name, "kind": input.kind, "location_id": node.id,
            "person_id": person_id, "contact_name": contact_name, "contact_phone": contact_phone}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(NewDevice {
        device: get(db, actor, id).await?,
        secret,
    })
}

/// Active devices in the actor's scope, of one grid if given, by grid and code.
pub async fn list(db: &Db, actor: &Actor, grid: Option<i64>) -> Result<Vec<Device>> {
    let sql = format!(
        "{SELECT} WHERE d.archived = 0 AND {} {} ORDER BY g.name, d.code",
        actor.scope.sql("d"),
        if grid.is_some() {
            "AND d.grid_id = $2"
        } else {
            "AND $2 = 0"
        }
    );
    Ok(sqlx::query_as::<_, Device>(&sql)
        .bind(crate::db::now())
        .bind(grid.unwrap_or(0))
        .fetch_all(&db.pool)
        .await?)
}

/// One device of the actor's scope (retired ones too).
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Device> {
    let sql = format!("{SELECT} WHERE d.id = $2 AND {}", actor.scope.sql("d"));
    sqlx::query_as::<_, Device>(&sql)
        .bind(crate::db::now())
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

/// Sets a community's duty phone (值班电话), told of every alarm there (street administrators and the
/// community's head).
pub async fn set_duty_phone(db: &Db, actor: &Actor, community: i64, phone: &str) -> Result<()> {
    if !sets_duty_phone(actor.role) {
        return Err(Error::Forbidden(
            "只有街道管理员和社区书记可以设置值班电话".into(),
        ));
    }
    let node = nodes::get(db, actor, community).await?;
    if node.kind() != Kind::Community {
        return Err(Error::invalid("社区", "请选择社区"));
    }
    let phone = crate::registry::validate::phone("值班电话", phone)?
        .ok_or_else(|| Error::invalid("值班电话", "值班电话不能为空"))?;
    let now = crate::db::now();
    let mut tx = db.begin().await?;
    let before: Option<String> =
        sqlx::query_scalar("SELECT phone FROM community_duty_phones WHERE community_id = $1")
            .bind(community)
            .fetch_optional(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO community_duty_phones (community_id, phone, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (community_id) DO UPDATE SET phone = excluded.phone, updated_at = excluded.updated_at",
    )
    .bind(community)
    .bind(&phone)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "update",
        "duty_phone",
        Some(community),
        before.map(|p| json!({"phone": p})).as_ref(),
        Some(&json!({"phone": phone})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A community's duty phone as the duty-phone page lists it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DutyPhoneRow {
    pub community_id: i64,
    pub community: String,
    /// In full to those who may set it (street administrators, community heads), masked to other roles.
    pub phone: Option<String>,
    pub updated_at: Option<String>,
    /// Whether the reader may set it.
    pub can_set: bool,
}

/// Whether a role may set (and so read in full) a community's duty phone.
pub fn sets_duty_phone(role: Role) -> bool {
    matches!(role, Role::StreetAdmin | Role::CommunityHead)
}

/// The communities of the actor's scope with their duty phones, by name.
pub async fn duty_phones(db: &Db, actor: &Actor) -> Result<Vec<DutyPhoneRow>> {
    use crate::accounts::Scope;
    let list = |ids: &[i64]| {
        if ids.is_empty() {
            "NULL".to_string()
        } else {
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        }
    };
    let cond = match &actor.scope {
        Scope::All => "1=1".to_string(),
        Scope::Street(s) => format!("c.street_id = {s}"),
        Scope::Community { community, .. } => format!("c.id = {community}"),
        Scope::Grids { grids: ids, .. } | Scope::Buildings { buildings: ids, .. } => format!(
            "c.id IN (SELECT n.community_id FROM nodes n WHERE n.id IN ({}))",
            list(ids)
        ),
        Scope::Nothing => "1=0".to_string(),
    };
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(&format!(
        "SELECT c.id, c.name, p.phone, p.updated_at FROM nodes c \
         LEFT JOIN community_duty_phones p ON p.community_id = c.id \
         WHERE c.kind = 'community' AND c.archived = 0 AND {cond} ORDER BY c.name, c.id"
    ))
    .fetch_all(&db.pool)
    .await?;
    let full = sets_duty_phone(actor.role);
    Ok(rows
        .into_iter()
        .map(
            |(community_id, community, phone, updated_at)| DutyPhoneRow {
                community_id,
                community,
                phone: phone.map(|p| {
                    if full {
                        p
                    } else {
                        crate::privacy::mask(crate::privacy::Kind::Phone, &p)
                    }
                }),
                updated_at,
                can_set: full,
            },
        )
        .collect())
}

/// Retires the devices installed at a place being archived, in the archive's transaction (the registry
/// calls it; moves are followed through `db::scoped`).
pub async fn retire_at(tx: &mut crate::db::Tx<'_>, actor: &Actor, node: i64) -> Result<()> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM devices WHERE location_node_id = $1 AND archived = 0 ORDER BY id",
    )
    .bind(node)
    .fetch_all(&mut **tx)
    .await?;
    let now = crate::db::now();
    for id in ids {
        sqlx::query("UPDATE devices SET archived = 1, retired_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        audit::record(
            &mut **tx,
            actor,
            "retire",
            "device",
            Some(id),
            Some(&json!({"archived": 0})),
            Some(&json!({"archived": 1, "reason": "安装位置已归档"})),
        )
        .await?;
    }
    Ok(())
}
