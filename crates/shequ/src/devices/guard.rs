//! What every device message must pass before it is handled: its signature (HMAC-SHA256 with RustCrypto's
//! `hmac`, compared in constant time), the device's rate limit (a token bucket in memory), and one device's
//! messages one at a time; refusals are counted per device, reason and day.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::cases::fmt_ts;
use crate::db::Db;
use crate::error::Result;

/// A device may send this many messages at once and this many per second after that; beyond, its
/// messages are refused (and counted) before their signature is checked or anything of them is stored.
const BURST: f64 = 20.0;
const PER_SEC: f64 = 5.0;

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

/// Why a message was refused (each is counted).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    UnknownDevice,
    BadSignature,
    StaleTimestamp,
    Replay,
    RateLimited,
    BadBody(String),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownDevice => "unknown_device",
            Refusal::BadSignature => "bad_signature",
            Refusal::StaleTimestamp => "stale_timestamp",
            Refusal::Replay => "replay",
            Refusal::RateLimited => "rate_limited",
            Refusal::BadBody(_) => "bad_body",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::UnknownDevice => "设备不存在".into(),
            Refusal::BadSignature => "签名错误".into(),
            Refusal::StaleTimestamp => "时间戳已过期或无效".into(),
            Refusal::Replay => "重复的请求".into(),
            Refusal::RateLimited => "发送过于频繁".into(),
            Refusal::BadBody(m) => m.clone(),
        }
    }
}

static BUCKETS: Mutex<Option<HashMap<u64, (f64, Instant)>>> = Mutex::new(None);

/// A token bucket per device, in memory: a flood from one device is refused without touching the others.
/// Keyed by a hash of the device's secret, which is unique per device (and so per database: tests run many
/// databases in one process).
pub(crate) fn allow(device: u64) -> bool {
    let now = Instant::now();
    let mut guard = BUCKETS.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if map.len() > 200_000 {
        map.retain(|_, (_, t)| now.duration_since(*t).as_secs() < 60);
    }
    let (tokens, at) = map.entry(device).or_insert((BURST, now));
    *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * PER_SEC).min(BURST);
    *at = now;
    if *tokens >= 1.0 {
        *tokens -= 1.0;
        true
    } else {
        false
    }
}

type DeviceLock = std::sync::Arc<tokio::sync::Mutex<()>>;
static LOCKS: Mutex<Option<HashMap<u64, DeviceLock>>> = Mutex::new(None);

/// One device's events are processed one after another (another device's meanwhile), so that of two
/// alarms arriving at once the second sees the case the first opened and joins it.
pub(crate) fn device_lock(key: u64) -> DeviceLock {
    let mut guard = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if map.len() > 10_000 {
        map.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
    }
    map.entry(key).or_default().clone()
}

pub(crate) fn bucket_key(secret: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    secret.hash(&mut h);
    h.finish()
}

/// Counts a refusal by device (0: unknown), reason and day, without storing the message.
pub(crate) async fn count(db: &Db, device_id: i64, r: &Refusal, now: NaiveDateTime) -> Result<()> {
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
    tracing::warn!(device_id, reason = r.code(), "device message refused");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_are_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let sign = |d: &[u8]| super::sign("Jefe", "what do ya ", d);
        assert_eq!(sign(b"want for nothing?"), expected);
        let ok = |d: &[u8], s: &str| super::signature_ok("Jefe", "what do ya ", d, s);
        assert!(ok(b"want for nothing?", expected));
        assert!(ok(b"want for nothing?", &expected.to_uppercase()));
        assert!(!ok(b"want for nothing!", expected));
        assert!(!ok(b"want for nothing?", &expected[..62]));
        assert!(!ok(b"want for nothing?", "not hex"));
    }

    #[test]
    fn a_flood_from_one_device_is_limited_without_limiting_another() {
        let (a, b) = (super::bucket_key("a"), super::bucket_key("b"));
        let limited = (0..100).filter(|_| !super::allow(a)).count();
        assert!(limited >= 70, "{limited}");
        assert!(super::allow(b));
    }
}
