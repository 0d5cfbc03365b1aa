//! Alarm → people: who is told of a device's alarm, and the outbox every notification goes through.
//!
//! A new alarm case puts one outbox row per recipient: the grid workers of the device's grid (web push to
//! the installed web app), the community's duty phone (SMS), and for an 安康通 SOS the person's pairs (结对)
//! and the emergency contact (SMS). A background sender ([`spawn`]) drains the outbox through the channel
//! [`Adapter`]s configured — SMS, WeChat and web push plug in as adapters; [`LogAdapter`] writes to the log
//! (tests, and deployments without a gateway) — retrying with backoff until sent or given up after
//! [`MAX_ATTEMPTS`], each attempt recorded in `outbox_attempts`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use serde_json::json;
use sqlx::Row;

use super::intake::Known;
use crate::cases::fmt_ts;
use crate::db::{Db, Tx};
use crate::error::Result;

/// After this many failed attempts a notification is given up (state `failed`).
pub const MAX_ATTEMPTS: i64 = 5;

/// One person or phone to tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// grid_worker / duty_phone / emergency_contact / pair
    pub kind: &'static str,
    /// `user:<id>` for web push, else a phone number.
    pub address: String,
    pub name: String,
    /// web / sms / wechat
    pub channel: &'static str,
}

/// The people paired (结对) with a person for elderly care (welfare's `care_pairs`, active ones with a phone),
/// to be told of their SOS by SMS.
pub async fn pairs_of(db: &Db, person_id: i64) -> Result<Vec<Recipient>> {
    let today = crate::db::today().to_string();
    Ok(sqlx::query(
        "SELECT helper_name, helper_phone FROM care_pairs WHERE person_id = $1 AND helper_phone IS NOT NULL \
         AND helper_phone <> '' AND (ended_on IS NULL OR ended_on > $2) ORDER BY id",
    )
    .bind(person_id)
    .bind(today)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| Recipient {
        kind: "pair",
        address: r.get(1),
        name: r.get(0),
        channel: "sms",
    })
    .collect())
}

/// Who is told of an alarm from this device.
pub(crate) async fn recipients(db: &Db, dev: &Known) -> Result<Vec<Recipient>> {
    let mut out = Vec::new();
    let row = sqlx::query(
        "SELECT d.grid_id, d.community_id, d.contact_name, d.contact_phone, \
         (SELECT phone FROM community_duty_phones p WHERE p.community_id = d.community_id) \
         FROM devices d WHERE d.id = $1",
    )
    .bind(dev.id)
    .fetch_one(&db.pool)
    .await?;
    let (grid, contact_name, contact_phone, duty): (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = (row.get(0), row.get(2), row.get(3), row.get(4));
    let workers = sqlx::query(
        "SELECT u.id, u.display_name FROM users u JOIN user_grids ug ON ug.user_id = u.id \
         WHERE ug.grid_id = $1 AND u.role = 'grid_worker' AND u.archived = 0 ORDER BY u.id",
    )
    .bind(grid)
    .fetch_all(&db.pool)
    .await?;
    for w in workers {
        out.push(Recipient {
            kind: "grid_worker",
            address: format!("user:{}", w.get::<i64, _>(0)),
            name: w.get(1),
            channel: "web",
        });
    }
    if let Some(phone) = duty {
        out.push(Recipient {
            kind: "duty_phone",
            address: phone,
            name: "社区值班电话".into(),
            channel: "sms",
        });
    }
    if dev.kind == "sos" {
        if let Some(person) = dev.person_id {
            out.extend(pairs_of(db, person).await?);
        }
        if let Some(phone) = contact_phone {
            out.push(Recipient {
                kind: "emergency_contact",
                address: phone,
                name: contact_name.unwrap_or_else(|| "紧急联系人".into()),
                channel: "sms",
            });
        }
    }
    Ok(out)
}

/// The notifications of an alarm, looked up before its case is written.
pub(crate) struct Alarm {
    people: Vec<Recipient>,
    title: String,
    device: String,
    place: String,
}

/// Looks up who is told of an alarm from this device (reads only, outside any transaction).
pub(crate) async fn prepare(db: &Db, dev: &Known, title: &str) -> Result<Alarm> {
    let people = recipients(db, dev).await?;
    let place: String = sqlx::query_scalar("SELECT name FROM nodes WHERE id = $1")
        .bind(dev.location)
        .fetch_one(&db.pool)
        .await?;
    Ok(Alarm {
        people,
        title: title.to_string(),
        device: dev.name.clone(),
        place,
    })
}

/// Puts the notifications of a new alarm case into the outbox inside the transaction that writes the
/// case: a crash or a failure between them loses neither — both are there, or neither is.
pub(crate) async fn write(
    tx: &mut Tx<'_>,
    alarm: &Alarm,
    case_id: i64,
    case_number: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let Alarm {
        title,
        device,
        place,
        ..
    } = alarm;
    let payload = json!({
        "case_number": case_number,
        "title": title,
        "device": device,
        "place": place,
        "text": format!("【社区】{title}:{device}({place}),事件 {case_number}"),
    })
    .to_string();
    let at = fmt_ts(now);
    for r in &alarm.people {
        sqlx::query(
            "INSERT INTO outbox (case_id, recipient_kind, recipient, recipient_name, channel, payload, \
             next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(case_id)
        .bind(r.kind)
        .bind(&r.address)
        .bind(&r.name)
        .bind(r.channel)
        .bind(&payload)
        .bind(&at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The future an adapter's send returns.
pub type Sending<'a> = Pin<Box<dyn Future<Output = std::result::Result<(), String>> + Send + 'a>>;

/// A way of delivering notifications of one channel (sms, wechat, web): a gateway plugs in here.
pub trait Adapter: Send + Sync {
    /// The channel it delivers: web, sms or wechat.
    fn channel(&self) -> &str;
    /// Delivers one payload (JSON text) to an address; an `Err` is retried later.
    fn send<'a>(&'a self, address: &'a str, payload: &'a str) -> Sending<'a>;
}

/// Writes each notification to the log and counts it delivered.
pub struct LogAdapter(pub &'static str);

impl Adapter for LogAdapter {
    fn channel(&self) -> &str {
        self.0
    }
    fn send<'a>(&'a self, address: &'a str, payload: &'a str) -> Sending<'a> {
        Box::pin(async move {
            tracing::info!(channel = self.0, address, payload, "notification");
            Ok(())
        })
    }
}

/// The adapters of a deployment without gateways configured: every channel to the log.
pub fn log_adapters() -> Vec<Arc<dyn Adapter>> {
    ["web", "sms", "wechat"]
        .into_iter()
        .map(|c| Arc::new(LogAdapter(c)) as Arc<dyn Adapter>)
        .collect()
}

/// What one pass of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Sends the notifications that are due at `now`: each is claimed (pending → sending) so that two senders
/// never send one twice, tried once, its attempt recorded, then sent, pending again (after 30 s × 2^n) or
/// failed after [`MAX_ATTEMPTS`].
pub async fn drain(db: &Db, adapters: &[Arc<dyn Adapter>], now: NaiveDateTime) -> Result<Drained> {
    let at = fmt_ts(now);
    let due: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, channel, recipient, payload, attempts FROM outbox \
         WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT 200",
    )
    .bind(&at)
    .fetch_all(&db.pool)
    .await?;
    let mut done = Drained::default();
    for (id, channel, recipient, payload, attempts) in due {
        let claimed =
            sqlx::query("UPDATE outbox SET state = 'sending' WHERE id = $1 AND state = 'pending'")
                .bind(id)
                .execute(&db.pool)
                .await?
                .rows_affected();
        if claimed != 1 {
            continue;
        }
        let result = match adapters.iter().find(|a| a.channel() == channel) {
            Some(a) => a.send(&recipient, &payload).await,
            None => Err(format!("没有配置 {channel} 通道")),
        };
        let attempts = attempts + 1;
        let mut tx = db.begin().await?;
        sqlx::query(
            "INSERT INTO outbox_attempts (outbox_id, at, ok, error) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(&at)
        .bind(result.is_ok() as i64)
        .bind(result.as_ref().err().cloned())
        .execute(&mut *tx)
        .await?;
        let (state, next) = match &result {
            Ok(()) => ("sent", at.clone()),
            Err(_) if attempts >= MAX_ATTEMPTS => ("failed", at.clone()),
            Err(_) => (
                "pending",
                fmt_ts(now + Duration::seconds(30 << (attempts - 1).min(10))),
            ),
        };
        sqlx::query(
            "UPDATE outbox SET state = $1, attempts = $2, next_at = $3, last_error = $4, \
             sent_at = CASE WHEN $1 = 'sent' THEN $5 ELSE sent_at END WHERE id = $6",
        )
        .bind(state)
        .bind(attempts)
        .bind(&next)
        .bind(result.as_ref().err().cloned())
        .bind(&at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        match state {
            "sent" => done.sent += 1,
            "failed" => done.failed += 1,
            _ => done.retried += 1,
        }
    }
    Ok(done)
}

/// The background sender `shequ serve` starts: drains the outbox every two seconds
/// (`SHEQU_OUTBOX_SECONDS`) in the one server process that holds the sender's lease ([`crate::jobs`]); an
/// error is logged and the next pass tries again. Rows left `sending` by a dead holder are put back to
/// pending when a process takes the lease (never while another live process may be sending them).
pub fn spawn(db: Db, adapters: Vec<Arc<dyn Adapter>>) {
    tokio::spawn(async move {
        let every = crate::jobs::seconds_from_env("SHEQU_OUTBOX_SECONDS", 2);
        let lease = crate::jobs::lease_for(every);
        loop {
            match crate::jobs::claim(&db, "outbox_sender", lease).await {
                Ok(crate::jobs::Claim::Busy) => {}
                Ok(claim) => {
                    if claim == crate::jobs::Claim::Acquired {
                        let _ = sqlx::query(
                            "UPDATE outbox SET state = 'pending' WHERE state = 'sending'",
                        )
                        .execute(&db.pool)
                        .await;
                    }
                    if let Err(e) = drain(&db, &adapters, chrono::Utc::now().naive_utc()).await {
                        tracing::warn!(error = %e, "outbox sender");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "outbox sender lease"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// One try of a notification, as the outbox page lists it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub at: String,
    pub ok: bool,
    pub error: Option<String>,
}

/// A notification of the outbox as a worker sees it: the case it is about (number and title), who it is
/// for — a worker by name, a phone as the reader's role may see it — its channel, state and every attempt.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub case_title: Option<String>,
    /// grid_worker / duty_phone / emergency_contact / pair
    pub recipient_kind: String,
    pub recipient_name: String,
    /// The address as shown: empty for a worker (web push to their account), the community's duty phone in
    /// full to street administrators and community heads, every other phone masked (138****5678).
    pub recipient: String,
    /// web / sms / wechat
    pub channel: String,
    /// pending / sending / sent / failed
    pub state: String,
    pub attempts: i64,
    pub next_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    /// The message's text (case number, device and place: no personal data).
    pub text: String,
    pub tries: Vec<Attempt>,
}

/// The outbox of the actor's scope (by the case each notification is about): counts by state and the most
/// recent [`ENTRIES_SHOWN`] entries, of one state if given.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Outbox {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub entries: Vec<Entry>,
}

/// How many notifications the outbox page lists.
pub const ENTRIES_SHOWN: i64 = 100;

pub const STATES: [&str; 4] = ["pending", "sending", "sent", "failed"];

/// How a recipient's address is shown to a role.
fn shown_address(actor: &crate::accounts::Actor, kind: &str, address: &str) -> String {
    use crate::accounts::Role;
    match kind {
        "grid_worker" => String::new(),
        "duty_phone" if matches!(actor.role, Role::StreetAdmin | Role::CommunityHead) => {
            address.to_string()
        }
        _ => crate::privacy::mask(crate::privacy::Kind::Phone, address),
    }
}

/// The outbox as the actor may see it (staff only; scoped by the notification's case).
pub async fn outbox(
    db: &Db,
    actor: &crate::accounts::Actor,
    state: Option<&str>,
) -> Result<Outbox> {
    use crate::error::Error;
    if actor.role == crate::accounts::Role::Resident {
        return Err(Error::NotFound);
    }
    let state = state.filter(|s| !s.is_empty());
    if let Some(s) = state {
        if !STATES.contains(&s) {
            return Err(Error::invalid(
                "状态",
                "状态应为 pending、sending、sent 或 failed",
            ));
        }
    }
    let scope = actor.scope.sql("c");
    let counts: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT o.state, COUNT(*) FROM outbox o JOIN cases c ON c.id = o.case_id WHERE {scope} GROUP BY o.state"
    ))
    .fetch_all(&db.pool)
    .await?;
    let n = |s: &[&str]| {
        counts
            .iter()
            .filter(|(k, _)| s.contains(&k.as_str()))
            .map(|(_, n)| n)
            .sum()
    };
    let rows = sqlx::query(&format!(
        "SELECT o.id, o.case_id, c.number, c.title, o.recipient_kind, o.recipient, o.recipient_name, o.channel, \
         o.state, o.attempts, o.next_at, o.last_error, o.created_at, o.sent_at, o.payload \
         FROM outbox o JOIN cases c ON c.id = o.case_id WHERE {scope} AND ($1 = '' OR o.state = $1) \
         ORDER BY o.id DESC LIMIT {ENTRIES_SHOWN}"
    ))
    .bind(state.unwrap_or("").to_string())
    .fetch_all(&db.pool)
    .await?;
    let mut entries: Vec<Entry> = rows
        .iter()
        .map(|r| {
            let kind: String = r.get(4);
            let address: String = r.get(5);
            let payload: String = r.get(14);
            let text = serde_json::from_str::<serde_json::Value>(&payload)
                .ok()
                .and_then(|v| v["text"].as_str().map(String::from))
                .unwrap_or_default();
            Entry {
                id: r.get(0),
                case_id: r.get(1),
                case_number: r.get(2),
                case_title: r.get(3),
                recipient: shown_address(actor, &kind, &address),
                recipient_kind: kind,
                recipient_name: r.get(6),
                channel: r.get(7),
                state: r.get(8),
                attempts: r.get(9),
                next_at: r.get(10),
                last_error: r.get(11),
                created_at: r.get(12),
                sent_at: r.get(13),
                text,
                tries: Vec::new(),
            }
        })
        .collect();
    if !entries.is_empty() {
        let ids: Vec<String> = entries.iter().map(|e| e.id.to_string()).collect();
        let tries = sqlx::query(&format!(
            "SELECT outbox_id, at, ok, error FROM outbox_attempts WHERE outbox_id IN ({}) ORDER BY id",
            ids.join(",")
        ))
        .fetch_all(&db.pool)
        .await?;
        for t in tries {
            let id: i64 = t.get(0);
            if let Some(e) = entries.iter_mut().find(|e| e.id == id) {
                e.tries.push(Attempt {
                    at: t.get(1),
                    ok: t.get::<i64, _>(2) == 1,
                    error: t.get(3),
                });
            }
        }
    }
    Ok(Outbox {
        pending: n(&["pending", "sending"]),
        sent: n(&["sent"]),
        failed: n(&["failed"]),
        entries,
    })
}

/// The Chinese names of an entry's state, channel and recipient kind.
pub fn state_label(s: &str) -> &'static str {
    match s {
        "pending" => "待发送",
        "sending" => "发送中",
        "sent" => "已送达",
        "failed" => "已放弃",
        _ => "",
    }
}

pub fn channel_label(s: &str) -> &'static str {
    match s {
        "web" => "网页推送",
        "sms" => "短信",
        "wechat" => "微信",
        _ => "",
    }
}

pub fn recipient_label(s: &str) -> &'static str {
    match s {
        "grid_worker" => "网格员",
        "duty_phone" => "社区值班电话",
        "emergency_contact" => "紧急联系人",
        "pair" => "结对人",
        _ => "",
    }
}
