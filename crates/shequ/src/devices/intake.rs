//! One validation and one handler for device messages, whichever path they came by (HTTP or MQTT).
//!
//! A device signs each message: a timestamp (Unix seconds) and hex(HMAC-SHA256(secret, timestamp + body)).
//! A message is refused — counted per device, never a case — when the device is unknown or retired, sends
//! faster than its rate limit, the signature is wrong, the timestamp is too far in the past or the future,
//! the body is malformed, or the event was already received (replay: the device's event id, or the
//! signature when it sends none, is claimed once in `device_event_keys`). An accepted alarm opens a case with
//! the category configured for its type; another of the same type from the same device within the type's
//! dedupe window joins the open case instead. A new case puts its recipients into the outbox.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::accounts::{Actor, Role, Scope};
use crate::cases::intake::{self, event, NewCase};
use crate::cases::{categories, fmt_ts, State};
use crate::db::Db;
use crate::error::{Error, Result};

use super::guard::{allow, bucket_key, count, device_lock};
pub use super::guard::{sign, signature_ok, Refusal};

/// How far a device's timestamp may be ahead of the server's clock, and behind it for HTTP.
pub const WINDOW_SECS: i64 = 300;
/// How old an MQTT message may be: the broker keeps QoS 1 messages for the persistent session while the
/// server is down, so they may arrive late (still each once).
pub const MQTT_PAST_SECS: i64 = 24 * 3600;

/// The path a message came by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Http,
    Mqtt,
}

impl Via {
    fn code(self) -> &'static str {
        match self {
            Via::Http => "http",
            Via::Mqtt => "mqtt",
        }
    }
}

/// Which device a message names: its id (HTTP path) or its street and code (MQTT topic).
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    Id(i64),
    Code { street: &'a str, code: &'a str },
}

/// A signed message as received.
#[derive(Clone, Copy, Debug)]
pub struct Signed<'a> {
    pub timestamp: &'a str,
    pub signature: &'a str,
    pub body: &'a [u8],
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DeviceEvent {
    /// sos / smoke / door / camera
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub message: String,
    /// The device's own id of the event: an event is processed once per id, however often it is sent.
    #[serde(default)]
    pub id: Option<String>,
}

/// A heartbeat's body.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Heartbeat {
    /// Percent, 0–100.
    #[serde(default)]
    pub battery: Option<i64>,
    /// dBm, e.g. -70.
    #[serde(default)]
    pub signal: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventOutcome {
    pub case_id: i64,
    pub case_number: String,
    /// true when the event joined a case opened by an earlier event.
    pub joined: bool,
}

/// The device a message names, as the handler needs it.
pub(crate) struct Known {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    secret: String,
    pub location: i64,
    pub person_id: Option<i64>,
    /// The kind's heartbeat interval, read with the device so that a message costs one statement less.
    heartbeat_minutes: i64,
    /// For an event: its type's configuration and the case the device's last alarm of that type is in,
    /// read with the device (None: the type is not configured, or the message is a heartbeat).
    ty: Option<EventType>,
}

/// An event type's configuration (`device_event_types`) and the device's last alarm of the type.
struct EventType {
    category_code: String,
    title: String,
    dedupe_minutes: i64,
    /// The case of the device's last accepted alarm of this type: (id, number, state, received at).
    last: Option<(i64, String, String, String)>,
}

impl EventType {
    /// The case a new alarm at `now` joins: the last one's, if it is open and within the window.
    fn open_case(&self, now: NaiveDateTime) -> Option<(i64, String, State)> {
        let since = fmt_ts(now - Duration::minutes(self.dedupe_minutes));
        self.last
            .as_ref()
            .filter(|(_, _, state, at)| {
                *at >= since && State::from_code(state).is_some_and(|s| s.is_open())
            })
            .and_then(|(id, number, state, _)| {
                State::from_code(state).map(|s| (*id, number.clone(), s))
            })
    }
}

/// The device's last accepted alarm of a type, by its case (a correlated subquery on `d`, `$2` the type).
const LAST_ALARM: &str = "LEFT JOIN device_events le ON le.id = (SELECT e.id FROM device_events e \
    WHERE e.device_id = d.id AND e.event_type = $2 AND e.accepted = 1 \
    ORDER BY e.received_at DESC, e.id DESC LIMIT 1) LEFT JOIN cases c ON c.id = le.case_id";

/// Reads the device a message names — for an event (`event_type` not empty) with its type's configuration
/// and its last alarm of that type, in the same statement.
async fn find(db: &Db, target: Target<'_>, event_type: &str) -> Result<Option<Known>> {
    const COLS: &str =
        "SELECT d.id, d.code, d.name, d.kind, d.secret, d.location_node_id, d.person_id, \
        d.street_id, s.code, COALESCE(k.heartbeat_minutes, 60)";
    const FROM: &str = "FROM devices d \
        JOIN nodes s ON s.id = d.street_id LEFT JOIN device_kinds k ON k.kind = d.kind";
    let (cols, joins) = if event_type.is_empty() {
        (String::new(), String::new())
    } else {
        (
            ", t.category_code, t.title, t.dedupe_minutes, c.id, c.number, c.state, le.received_at"
                .to_string(),
            format!("LEFT JOIN device_event_types t ON t.event_type = $2 {LAST_ALARM}"),
        )
    };
    let (cond, key) = match target {
        Target::Id(id) => ("d.id = $1", id.to_string()),
        Target::Code { code, .. } => ("d.code = $1", code.to_string()),
    };
    let sql = format!("{COLS}{cols} {FROM} {joins} WHERE {cond} AND d.archived = 0");
    let mut q = match target {
        Target::Id(id) => sqlx::query(&sql).bind(id),
        Target::Code { .. } => sqlx::query(&sql).bind(key),
    };
    if !event_type.is_empty() {
        q = q.bind(event_type.to_string());
    }
    let row = q.fetch_optional(&db.pool).await?;
    // The topic's street is the street's code or id; a device of another street is unknown there.
    let row = match target {
        Target::Id(_) => row,
        Target::Code { street, .. } => row.filter(|r| {
            r.get::<i64, _>(7).to_string() == street
                || r.get::<Option<String>, _>(8).as_deref() == Some(street)
        }),
    };
    Ok(row.map(|r| {
        let ty = if event_type.is_empty() {
            None
        } else {
            r.get::<Option<String>, _>(10)
                .map(|category_code| EventType {
                    category_code,
                    title: r.get(11),
                    dedupe_minutes: r.get(12),
                    last: r
                        .get::<Option<i64>, _>(13)
                        .map(|id| (id, r.get(14), r.get(15), r.get(16))),
                })
        };
        Known {
            id: r.get(0),
            code: r.get(1),
            name: r.get(2),
            kind: r.get(3),
            secret: r.get(4),
            location: r.get(5),
            person_id: r.get(6),
            heartbeat_minutes: r.get(9),
            ty,
        }
    }))
}

/// Counts a message that is not even the signed envelope, by the device its topic names (0 if none).
pub(crate) async fn malformed(db: &Db, target: Target<'_>, now: NaiveDateTime) -> Result<()> {
    let id = find(db, target, "").await?.map_or(0, |d| d.id);
    count(db, id, &Refusal::BadBody(String::new()), now).await
}

/// What a logged (signed) event row holds.
struct Log<'a> {
    device_id: i64,
    event_type: Option<&'a str>,
    event_id: Option<&'a str>,
    sent_at: Option<String>,
    signature: &'a str,
    via: Via,
}

async fn log<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    exec: E,
    l: &Log<'_>,
    now: NaiveDateTime,
    refusal: Option<&Refusal>,
    case_id: Option<i64>,
    body: &[u8],
) -> Result<()> {
    store(exec, l, now, refusal, case_id, body, None).await?;
    Ok(())
}

/// Stores an event row; with a replay key (an accepted event) only if no accepted event of the device has
/// that key yet — the claim and the row are one statement. True when the row was stored.
async fn store<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    exec: E,
    l: &Log<'_>,
    now: NaiveDateTime,
    refusal: Option<&Refusal>,
    case_id: Option<i64>,
    body: &[u8],
    once: Option<&str>,
) -> Result<bool> {
    let keep = if refusal.is_some() { 1000 } else { 4000 };
    let stored = sqlx::query(
        "INSERT INTO device_events (device_id, event_type, sent_at, received_at, signature, accepted, reason, \
         case_id, body, event_id, channel, replay_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (device_id, replay_key) DO NOTHING",
    )
    .bind(l.device_id)
    .bind(l.event_type.map(String::from))
    .bind(l.sent_at.clone())
    .bind(fmt_ts(now))
    .bind(l.signature.chars().take(128).collect::<String>())
    .bind(refusal.is_none() as i64)
    .bind(refusal.map(|r| r.code().to_string()))
    .bind(case_id)
    .bind(String::from_utf8_lossy(&body[..body.len().min(keep)]).to_string())
    .bind(l.event_id.map(|s| s.chars().take(100).collect::<String>()))
    .bind(l.via.code())
    .bind(once.map(String::from))
    .execute(exec)
    .await?
    .rows_affected()
        == 1;
    if let Some(r) = refusal {
        tracing::warn!(
            device_id = l.device_id,
            reason = r.code(),
            "device event refused"
        );
    }
    Ok(stored)
}

/// The checks every message passes, in order: known device, rate, signature, timestamp. A refusal here is
/// counted in `device_refusals` (nothing of an unsigned message is stored).
async fn authenticate(
    db: &Db,
    target: Target<'_>,
    msg: Signed<'_>,
    now: NaiveDateTime,
    via: Via,
    event_type: &str,
) -> Result<std::result::Result<(Known, Option<NaiveDateTime>), Refusal>> {
    let Some(dev) = find(db, target, event_type).await? else {
        count(db, 0, &Refusal::UnknownDevice, now).await?;
        return Ok(Err(Refusal::UnknownDevice));
    };
    let refuse = |r: Refusal| async move {
        count(db, dev.id, &r, now).await?;
        Ok::<_, Error>(Err(r))
    };
    if !allow(bucket_key(&dev.secret)) {
        return refuse(Refusal::RateLimited).await;
    }
    if !signature_ok(&dev.secret, msg.timestamp.trim(), msg.body, msg.signature) {
        return refuse(Refusal::BadSignature).await;
    }
    let sent = msg
        .timestamp
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.naive_utc());
    let past = if via == Via::Mqtt {
        MQTT_PAST_SECS
    } else {
        WINDOW_SECS
    };
    // A signed message too far in the past or the future: the caller refuses it (an event is logged).
    Ok(Ok((
        dev,
        sent.filter(|t| {
            (now - *t).num_seconds() <= past && (*t - now).num_seconds() <= WINDOW_SECS
        }),
    )))
}

/// Receives one heartbeat: the device's last seen time, battery and signal.
pub async fn heartbeat(
    db: &Db,
    target: Target<'_>,
    msg: Signed<'_>,
    now: NaiveDateTime,
    via: Via,
) -> Result<std::result::Result<(), Refusal>> {
    let (dev, sent) = match authenticate(db, target, msg, now, via, "").await? {
        Ok(d) => d,
        Err(r) => return Ok(Err(r)),
    };
    let Some(sent) = sent else {
        count(db, dev.id, &Refusal::StaleTimestamp, now).await?;
        return Ok(Err(Refusal::StaleTimestamp));
    };
    let hb: Heartbeat = if msg.body.iter().all(u8::is_ascii_whitespace) {
        Heartbeat::default()
    } else {
        match serde_json::from_slice(msg.body) {
            Ok(h) => h,
            Err(_) => {
                let r =
                    Refusal::BadBody("心跳内容应为 JSON:{\"battery\": 80, \"signal\": -70}".into());
                count(db, dev.id, &r, now).await?;
                return Ok(Err(r));
            }
        }
    };
    let battery = hb.battery.filter(|b| (0..=100).contains(b));
    let signal = hb.signal.filter(|s| (-200..=0).contains(s));
    super::health::touch_with(
        &db.pool,
        dev.id,
        dev.heartbeat_minutes,
        battery,
        signal,
        sent.min(now),
    )
    .await?;
    Ok(Ok(()))
}

/// Receives one signed event at `now` (UTC). `Ok(Err(refusal))` is a refused event: a signed one is logged
/// in `device_events` with its reason (and at most 1,000 characters of its body), an unsigned one only
/// counted in `device_refusals`.
///
/// A repeated alarm (joining the open case) costs four statements: the device with its type and its last
/// alarm's case (one read, the body's type taken before the signature is checked — nothing is written
/// from it until then), and in one transaction its event row (which claims the replay key), the case's
/// trail entry and the device's last seen time.
pub async fn receive(
    db: &Db,
    target: Target<'_>,
    msg: Signed<'_>,
    now: NaiveDateTime,
    via: Via,
) -> Result<std::result::Result<EventOutcome, Refusal>> {
    let parsed: Option<DeviceEvent> = serde_json::from_slice(msg.body).ok();
    let event_type = parsed.as_ref().map_or("", |e| e.event_type.as_str());
    let (dev, sent) = match authenticate(db, target, msg, now, via, event_type).await? {
        Ok(d) => d,
        Err(r) => return Ok(Err(r)),
    };
    let signature = msg.signature.trim();
    let mut entry = Log {
        device_id: dev.id,
        event_type: None,
        event_id: None,
        sent_at: sent.map(fmt_ts),
        signature,
        via,
    };
    if sent.is_none() {
        let r = Refusal::StaleTimestamp;
        log(&db.pool, &entry, now, Some(&r), None, msg.body).await?;
        return Ok(Err(r));
    }
    let Some(ev) = parsed.as_ref() else {
        let r = Refusal::BadBody(
            "事件内容应为 JSON:{\"type\": \"smoke\", \"message\": \"…\", \"id\": \"…\"}".into(),
        );
        log(&db.pool, &entry, now, Some(&r), None, msg.body).await?;
        return Ok(Err(r));
    };
    entry.event_id = ev.id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let Some(ty) = dev.ty.as_ref() else {
        let r = Refusal::BadBody(format!("未配置的事件类型 {}", ev.event_type));
        log(&db.pool, &entry, now, Some(&r), None, msg.body).await?;
        return Ok(Err(r));
    };
    // An event is processed once: by the device's event id when it sends one, else by its signature. The
    // key is claimed by the event's row, in the transaction that opens or joins the case: an error rolls
    // both back, so the device may retry.
    let key = match entry.event_id {
        Some(id) => format!("id:{}", id.chars().take(100).collect::<String>()),
        None => signature.to_ascii_lowercase(),
    };
    let lock = device_lock(bucket_key(&dev.secret));
    let _one_at_a_time = lock.lock().await;
    match process(db, &dev, ty, ev, &mut entry, &key, now, msg.body).await? {
        Some(outcome) => Ok(Ok(outcome)),
        None => {
            let r = Refusal::Replay;
            log(&db.pool, &entry, now, Some(&r), None, msg.body).await?;
            Ok(Err(r))
        }
    }
}

/// The open case of the device's last alarm of a type within its window, read again — inside the new case's
/// transaction, under the device's lock — before a new case is opened: an alarm processed meanwhile (by this
/// server or another one) may have opened it.
async fn open_case_now<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    exec: E,
    dev: &Known,
    event_type: &str,
    ty: &EventType,
    now: NaiveDateTime,
) -> Result<Option<(i64, String, State)>> {
    let last = sqlx::query(&format!(
        "SELECT c.id, c.number, c.state, le.received_at FROM devices d {LAST_ALARM} WHERE d.id = $1 AND c.id IS NOT NULL"
    ))
    .bind(dev.id)
    .bind(event_type.to_string())
    .fetch_optional(exec)
    .await?
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)));
    Ok(EventType {
        category_code: String::new(),
        title: String::new(),
        dedupe_minutes: ty.dedupe_minutes,
        last,
    }
    .open_case(now))
}

/// Opens or joins the case of an accepted alarm; None when its replay key was claimed already.
#[allow(clippy::too_many_arguments)]
async fn process<'a>(
    db: &Db,
    dev: &Known,
    ty: &EventType,
    ev: &'a DeviceEvent,
    entry: &mut Log<'a>,
    key: &str,
    now: NaiveDateTime,
    body: &[u8],
) -> Result<Option<EventOutcome>> {
    let title = &ty.title;
    let actor = Actor {
        user_id: 0,
        username: format!("device:{}", dev.code),
        display_name: dev.name.clone(),
        role: Role::StreetAdmin,
        scope: Scope::All,
        lang: "zh".into(),
    };
    // A duplicate within the window joins the open case of the same device and type, as read with the
    // device (before a new case is opened it is read again under the device's lock, below).
    let open = ty.open_case(now);
    let message: String = ev.message.trim().chars().take(500).collect();
    let note = if message.is_empty() {
        title.clone()
    } else {
        format!("{title}:{message}")
    };
    entry.event_type = Some(&ev.event_type);
    // The case (opened or joined), its event row and, for a new case, its notifications: one transaction.
    let outcome = if let Some(open) = open {
        let mut tx = db.begin().await?;
        let Some(joined) =
            join_case(&mut tx, &actor, open, &note, entry, dev, now, body, key).await?
        else {
            tx.rollback().await?;
            return Ok(None);
        };
        tx.commit().await?;
        joined
    } else {
        let category = categories::by_code(db, &ty.category_code).await?;
        let prepared = intake::prepare(
            db,
            &actor,
            &NewCase {
                category_id: category.id,
                source: "设备报警".into(),
                title: format!("{title}({})", dev.name),
                description: note.clone(),
                location_id: dev.location,
                ..Default::default()
            },
        )
        .await?;
        let alarm = super::notify::prepare(db, dev, title).await?;
        let mut tx = db.begin().await?;
        // Another server may have opened the case meanwhile (this process serializes a device's events in
        // memory; several processes do it here): lock the device to the end of the transaction and look
        // again.
        lock_device(&mut tx, dev.id).await?;
        if let Some(open) = open_case_now(&mut *tx, dev, &ev.event_type, ty, now).await? {
            let Some(joined) =
                join_case(&mut tx, &actor, open, &note, entry, dev, now, body, key).await?
            else {
                tx.rollback().await?;
                return Ok(None);
            };
            tx.commit().await?;
            joined
        } else {
            let case_id = intake::insert(&mut tx, &actor, &prepared).await?;
            if !store(&mut *tx, entry, now, None, Some(case_id), body, Some(key)).await? {
                tx.rollback().await?;
                return Ok(None);
            }
            let number: String = sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_one(&mut *tx)
                .await?;
            super::notify::write(&mut tx, &alarm, case_id, &number, now).await?;
            seen(&mut tx, dev, now, entry).await?;
            tx.commit().await?;
            EventOutcome {
                case_id,
                case_number: number,
                joined: false,
            }
        }
    };
    Ok(Some(outcome))
}

/// Joins an open case: the event row with its replay key (None when the key was claimed already: the caller
/// rolls back), the case's trail entry and the device's last seen time (the caller commits).
#[allow(clippy::too_many_arguments)]
async fn join_case(
    tx: &mut crate::db::Tx<'_>,
    actor: &Actor,
    (case_id, number, state): (i64, String, State),
    note: &str,
    entry: &mut Log<'_>,
    dev: &Known,
    now: NaiveDateTime,
    body: &[u8],
    key: &str,
) -> Result<Option<EventOutcome>> {
    if !store(&mut **tx, entry, now, None, Some(case_id), body, Some(key)).await? {
        return Ok(None);
    }
    event(
        tx,
        actor,
        case_id,
        "device",
        Some(state),
        Some(state),
        None,
        None,
        Some(&format!("再次报警:{note}")),
        &fmt_ts(now),
    )
    .await?;
    seen(tx, dev, now, entry).await?;
    Ok(Some(EventOutcome {
        case_id,
        case_number: number,
        joined: true,
    }))
}

/// Holds a device's new-case decision to one transaction at a time across server processes: on PostgreSQL
/// an advisory lock to the end of the transaction (keys apart from the audit chain's), on SQLite the
/// database's write lock, taken by a write.
async fn lock_device(tx: &mut crate::db::Tx<'_>, device_id: i64) -> Result<()> {
    let conn: &mut sqlx::AnyConnection = tx;
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) l")
            .bind(DEVICE_LOCK_BASE + device_id)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query("UPDATE devices SET id = id WHERE id = $1")
            .bind(device_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Advisory lock keys of devices: this plus the device id.
const DEVICE_LOCK_BASE: i64 = 0x5348_4551_0000_0000;

/// The device was heard from: its last seen time, in the transaction that stores its event.
async fn seen(
    tx: &mut crate::db::Tx<'_>,
    dev: &Known,
    now: NaiveDateTime,
    e: &Log<'_>,
) -> Result<()> {
    let sent = e
        .sent_at
        .as_deref()
        .and_then(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok())
        .unwrap_or(now);
    super::health::touch_with(
        &mut **tx,
        dev.id,
        dev.heartbeat_minutes,
        None,
        None,
        sent.min(now),
    )
    .await
}
