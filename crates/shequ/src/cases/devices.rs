//! 小区智能化: alarms from devices (安康通 SOS, smoke, door, camera) open cases in the device's grid.
//!
//! A device signs each event: `X-Timestamp` (Unix seconds) and `X-Signature` = hex(HMAC-SHA256(secret,
//! timestamp + body)). An event is refused — and logged with the reason — when the signature is wrong, the
//! timestamp is more than [`WINDOW_SECS`] away from the server's clock, or the same signed request was already
//! received (replay). An accepted event opens a case with the category configured for its type; another event
//! of the same type from the same device within the type's dedupe window joins the open case instead.

use chrono::{Duration, NaiveDateTime};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use sqlx::Row;

use super::intake::{self, event, NewCase};
use super::{categories, fmt_ts, State};
use crate::accounts::{sessions, Actor, Role, Scope};
use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};

/// How far a device's timestamp may be from the server's clock.
pub const WINDOW_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac
}

/// The signature a device sends for a body at a timestamp: hex(HMAC-SHA256(secret, timestamp + body)).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

/// Whether `signature` (hex) is the one for this body and timestamp, compared in constant time
/// (`Mac::verify_slice`, built on `subtle`).
pub fn signature_ok(secret: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    match hex::decode(signature.trim()) {
        Ok(bytes) => mac(secret, timestamp, body).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Device {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// sos / smoke / door / camera
    pub kind: String,
    pub location_node_id: i64,
    pub grid_id: i64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct DeviceInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// The grid, building, unit or dwelling where it is installed.
    pub location_id: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NewDevice {
    pub device: Device,
    /// Shown once: the device signs its events with it.
    pub secret: String,
}

const KINDS: [&str; 4] = ["sos", "smoke", "door", "camera"];

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
    let name = super::text("设备名称", &input.name, 100)?;
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
        return Err(Error::invalid("安装位置", "请选择网格以下的位置"));
    };
    if matches!(node.kind(), Kind::Street | Kind::Community) {
        return Err(Error::invalid("安装位置", "请选择网格以下的位置"));
    }
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
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO devices (code, name, kind, secret, location_node_id, street_id, community_id, grid_id, \
         building_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
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
    .bind(crate::db::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "device",
        Some(id),
        None,
        Some(&json!({"code": code, "name": name, "kind": input.kind, "location_id": node.id})),
    )
    .await?;
    tx.commit().await?;
    Ok(NewDevice {
        device: Device {
            id,
            code: code.to_string(),
            name,
            kind: input.kind.clone(),
            location_node_id: node.id,
            grid_id: grid,
        },
        secret,
    })
}

/// Devices in the actor's scope.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Device>> {
    let sql = format!(
        "SELECT id, code, name, kind, location_node_id, grid_id FROM devices WHERE archived = 0 AND {} ORDER BY id",
        actor.scope.sql("")
    );
    Ok(sqlx::query_as::<_, Device>(&sql)
        .fetch_all(&db.pool)
        .await?)
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DeviceEvent {
    /// sos / smoke / door / camera
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventOutcome {
    pub case_id: i64,
    pub case_number: String,
    /// true when the event joined a case opened by an earlier event.
    pub joined: bool,
}

/// Why an event was refused (each is logged).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    UnknownDevice,
    BadSignature,
    StaleTimestamp,
    Replay,
    BadBody(String),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownDevice => "unknown_device",
            Refusal::BadSignature => "bad_signature",
            Refusal::StaleTimestamp => "stale_timestamp",
            Refusal::Replay => "replay",
            Refusal::BadBody(_) => "bad_body",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::UnknownDevice => "设备不存在".into(),
            Refusal::BadSignature => "签名错误".into(),
            Refusal::StaleTimestamp => "时间戳已过期或无效".into(),
            Refusal::Replay => "重复的请求".into(),
            Refusal::BadBody(m) => m.clone(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn log(
    db: &Db,
    device_id: i64,
    event_type: Option<&str>,
    sent_at: Option<String>,
    now: NaiveDateTime,
    signature: &str,
    refusal: Option<&Refusal>,
    case_id: Option<i64>,
    body: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO device_events (device_id, event_type, sent_at, received_at, signature, accepted, reason, case_id, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(device_id)
    .bind(event_type.map(String::from))
    .bind(sent_at)
    .bind(fmt_ts(now))
    .bind(signature.chars().take(128).collect::<String>())
    .bind(refusal.is_none() as i64)
    .bind(refusal.map(|r| r.code().to_string()))
    .bind(case_id)
    .bind(String::from_utf8_lossy(&body[..body.len().min(if refusal.is_some() { 1000 } else { 4000 })]).to_string())
    .execute(&db.pool)
    .await?;
    if let Some(r) = refusal {
        tracing::warn!(device_id, reason = r.code(), "device event refused");
    }
    Ok(())
}

/// Counts a request nobody signed (unknown device: `device_id` 0), by device, reason and day.
async fn count_unsigned(db: &Db, device_id: i64, r: &Refusal, now: NaiveDateTime) -> Result<()> {
    sqlx::query(
        "INSERT INTO device_refusals (device_id, reason, day, count, last_at) VALUES ($1, $2, $3, 1, $4) \
         ON CONFLICT (device_id, reason, day) DO UPDATE SET count = device_refusals.count + 1, \
         last_at = excluded.last_at",
    )
    .bind(device_id)
    .bind(r.code())
    .bind(now.format("%Y-%m-%d").to_string())
    .bind(fmt_ts(now))
    .execute(&db.pool)
    .await?;
    tracing::warn!(device_id, reason = r.code(), "device event refused");
    Ok(())
}

/// Claims the replay key of a signed request: true for the first of identical requests, however many
/// arrive at once (the key is the table's primary key).
async fn claim(db: &Db, device_id: i64, signature: &str, now: NaiveDateTime) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO device_event_keys (device_id, signature, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT (device_id, signature) DO NOTHING",
    )
    .bind(device_id)
    .bind(signature.to_ascii_lowercase())
    .bind(fmt_ts(now))
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Receives one signed event at `now` (UTC). `Err(Ok(refusal))` is a refused event: a signed one is logged
/// in `device_events` with its reason (and at most 1,000 characters of its body), an unsigned one only
/// counted in `device_refusals`.
pub async fn receive(
    db: &Db,
    device_id: i64,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: NaiveDateTime,
) -> Result<std::result::Result<EventOutcome, Refusal>> {
    let row = sqlx::query(
        "SELECT code, name, secret, location_node_id FROM devices WHERE id = $1 AND archived = 0",
    )
    .bind(device_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        count_unsigned(db, 0, &Refusal::UnknownDevice, now).await?;
        return Ok(Err(Refusal::UnknownDevice));
    };
    let (code, name, secret, location): (String, String, String, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let sent = timestamp
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.naive_utc());
    let sent_at = sent.map(fmt_ts);
    let refuse = |r: Refusal, et: Option<String>| {
        let sent_at = sent_at.clone();
        async move {
            log(
                db,
                device_id,
                et.as_deref(),
                sent_at,
                now,
                signature,
                Some(&r),
                None,
                body,
            )
            .await?;
            Ok::<_, Error>(Err(r))
        }
    };
    if !signature_ok(&secret, timestamp.trim(), body, signature) {
        count_unsigned(db, device_id, &Refusal::BadSignature, now).await?;
        return Ok(Err(Refusal::BadSignature));
    }
    match sent {
        Some(t) if (now - t).num_seconds().abs() <= WINDOW_SECS => {}
        _ => return refuse(Refusal::StaleTimestamp, None).await,
    }
    // A signed request is processed once: of identical ones, only the one that claims its key goes on.
    if !claim(db, device_id, signature.trim(), now).await? {
        return refuse(Refusal::Replay, None).await;
    }
    // Whatever fails from here on (not a refusal: an error) gives the key back, so the device may retry.
    let processed = async {
        let ev: DeviceEvent = match serde_json::from_slice(body) {
            Ok(e) => e,
            Err(_) => {
                return refuse(
                    Refusal::BadBody(
                        "事件内容应为 JSON:{\"type\": \"smoke\", \"message\": \"…\"}".into(),
                    ),
                    None,
                )
                .await
            }
        };
        let ty = sqlx::query(
        "SELECT category_code, title, dedupe_minutes FROM device_event_types WHERE event_type = $1",
    )
    .bind(&ev.event_type)
    .fetch_optional(&db.pool)
    .await?;
        let Some(ty) = ty else {
            return refuse(
                Refusal::BadBody(format!("未配置的事件类型 {}", ev.event_type)),
                Some(ev.event_type.clone()),
            )
            .await;
        };
        let (category_code, title, dedupe): (String, String, i64) =
            (ty.get(0), ty.get(1), ty.get(2));
        let actor = Actor {
            user_id: 0,
            username: format!("device:{code}"),
            display_name: name.clone(),
            role: Role::StreetAdmin,
            scope: Scope::All,
            lang: "zh".into(),
        };
        // A duplicate within the window joins the open case of the same device and type.
        let since = fmt_ts(now - Duration::minutes(dedupe));
        let open = sqlx::query(&format!(
            "SELECT c.id, c.number, c.state FROM device_events e JOIN cases c ON c.id = e.case_id \
         WHERE e.device_id = $1 AND e.event_type = $2 AND e.accepted = 1 AND e.received_at >= $3 \
         AND c.state IN {} ORDER BY e.id DESC LIMIT 1",
            State::open_sql()
        ))
        .bind(device_id)
        .bind(&ev.event_type)
        .bind(&since)
        .fetch_optional(&db.pool)
        .await?;
        let note = if ev.message.trim().is_empty() {
            title.clone()
        } else {
            format!("{title}:{}", ev.message.trim())
        };
        let outcome = if let Some(r) = open {
            let (case_id, number, state): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
            let state = State::from_code(&state);
            let mut tx = db.begin().await?;
            event(
                &mut tx,
                &actor,
                case_id,
                "device",
                state,
                state,
                None,
                None,
                Some(&format!("再次报警:{note}")),
                &fmt_ts(now),
            )
            .await?;
            tx.commit().await?;
            EventOutcome {
                case_id,
                case_number: number,
                joined: true,
            }
        } else {
            let category = categories::by_code(db, &category_code).await?;
            let case = intake::create(
                db,
                &actor,
                &NewCase {
                    category_id: category.id,
                    source: "设备报警".into(),
                    title: format!("{title}({name})"),
                    description: note,
                    location_id: location,
                    ..Default::default()
                },
            )
            .await?;
            EventOutcome {
                case_id: case.id,
                case_number: case.number,
                joined: false,
            }
        };
        log(
            db,
            device_id,
            Some(&ev.event_type),
            sent_at.clone(),
            now,
            signature.trim(),
            None,
            Some(outcome.case_id),
            body,
        )
        .await?;
        Ok(Ok(outcome))
    }
    .await;
    if processed.is_err() {
        let _ =
            sqlx::query("DELETE FROM device_event_keys WHERE device_id = $1 AND signature = $2")
                .bind(device_id)
                .bind(signature.trim().to_ascii_lowercase())
                .execute(&db.pool)
                .await;
    }
    processed
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_are_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(
            super::sign("Jefe", "what do ya ", b"want for nothing?"),
            expected
        );
        assert!(super::signature_ok(
            "Jefe",
            "what do ya ",
            b"want for nothing?",
            expected
        ));
        assert!(super::signature_ok(
            "Jefe",
            "what do ya ",
            b"want for nothing?",
            &expected.to_uppercase()
        ));
        assert!(!super::signature_ok(
            "Jefe",
            "what do ya ",
            b"want for nothing!",
            expected
        ));
        assert!(!super::signature_ok(
            "Jefe",
            "what do ya ",
            b"want for nothing?",
            &expected[..62]
        ));
        assert!(!super::signature_ok(
            "Jefe",
            "what do ya ",
            b"want for nothing?",
            "not hex"
        ));
    }
}
