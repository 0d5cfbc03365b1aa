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
