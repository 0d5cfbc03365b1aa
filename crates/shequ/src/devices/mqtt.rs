//! MQTT intake: shequ subscribes to `<prefix>/+/+/event` and `<prefix>/+/+/heartbeat` (topics
//! `shequ/<street>/<device code>/event`) at QoS 1 with a persistent session (clean_session = false, a fixed
//! client id), so that the broker keeps the messages sent while shequ is down and delivers them after it
//! restarts. Messages are acknowledged by hand, after they were processed: one that was delivered but not
//! processed comes again, and the replay key makes each event count once. Each message is handled in a task
//! of its own (a slow or flooding device does not hold up the others) by the same handler as HTTP
//! ([`super::intake`]). The connection is retried with backoff; the intake never stops the server.
//!
//! Payload: `{"ts": "<unix seconds>", "sig": "<hex HMAC-SHA256(secret, ts + body)>", "body": "<JSON text>"}`,
//! the body being what HTTP devices post (`{"type": "sos", "id": "…", "message": "…"}`, or for a heartbeat
//! `{"battery": 80, "signal": -70}`).

use std::time::Duration;

use anyhow::{bail, Context};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, Publish, QoS, SubscribeFilter, Transport};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::intake::{self, Refusal, Signed, Target, Via};
use crate::db::Db;

/// How many messages are processed at once (each in a task of its own); fewer than the client's request
/// channel holds, so that acknowledgements never wait for the loop.
const PARALLEL: usize = 64;

/// How the intake connects.
#[derive(Clone, Debug)]
pub struct Config {
    /// `mqtt://host:1883` or `mqtts://host:8883` (TLS), optionally `mqtt://user:password@host`.
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// A PEM file of the CA that signed the broker's certificate (TLS); without it the system's roots.
    pub ca_file: Option<String>,
    /// Fixed, so the broker keeps the session across restarts.
    pub client_id: String,
    /// The first topic level (`shequ`).
    pub prefix: String,
}

impl Config {
    /// From `url` (the `--mqtt-url` flag / `SHEQU_MQTT_URL`) and the environment: `SHEQU_MQTT_USERNAME`,
    /// `SHEQU_MQTT_PASSWORD`, `SHEQU_MQTT_CA`, `SHEQU_MQTT_CLIENT_ID` (default `shequ`),
    /// `SHEQU_MQTT_PREFIX` (default `shequ`).
    pub fn from_env(url: &str) -> Config {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Config {
            url: url.trim().to_string(),
            username: var("SHEQU_MQTT_USERNAME"),
            password: var("SHEQU_MQTT_PASSWORD"),
            ca_file: var("SHEQU_MQTT_CA"),
            client_id: var("SHEQU_MQTT_CLIENT_ID").unwrap_or_else(|| "shequ".into()),
            prefix: var("SHEQU_MQTT_PREFIX").unwrap_or_else(|| "shequ".into()),
        }
    }
}

/// The client options of a configuration: broker address, credentials, TLS, persistent session, manual acks.
pub fn options(c: &Config) -> anyhow::Result<MqttOptions> {
    let (tls, rest) = if let Some(r) = c.url.strip_prefix("mqtts://") {
        (true, r)
    } else if let Some(r) = c.url.strip_prefix("mqtt://") {
        (false, r)
    } else {
        bail!("MQTT 地址应以 mqtt:// 或 mqtts:// 开头:{}", c.url);
    };
    let rest = rest.trim_end_matches('/');
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().context("MQTT 端口不正确")?),
        None => (hostport, if tls { 8883 } else { 1883 }),
    };
    if host.is_empty() {
        bail!("MQTT 地址缺少主机名:{}", c.url);
    }
    let mut o = MqttOptions::new(c.client_id.clone(), host, port);
    o.set_clean_session(false)
        .set_manual_acks(true)
        .set_keep_alive(Duration::from_secs(30))
        .set_max_packet_size(64 * 1024, 64 * 1024);
    let (user, pass) = match userinfo.and_then(|u| u.split_once(':')) {
        Some((u, p)) => (Some(u.to_string()), Some(p.to_string())),
        None => (userinfo.map(String::from), None),
    };
    if let Some(u) = c.username.clone().or(user) {
        o.set_credentials(u, c.password.clone().or(pass).unwrap_or_default());
    }
    if tls {
        // ring rather than aws-lc (which needs cmake and a long C build); ring has no post-quantum key
        // exchange, which MQTT brokers do not offer yet either.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        o.set_transport(match &c.ca_file {
            Some(f) => Transport::tls(
                std::fs::read(f).with_context(|| format!("读取 CA 证书 {f}"))?,
                None,
                None,
            ),
            None => Transport::tls_with_default_config(),
        });
    }
    Ok(o)
}

/// A running intake.
pub struct Handle {
    client: AsyncClient,
    task: JoinHandle<()>,
    subscribed: watch::Receiver<bool>,
}

impl Handle {
    /// Waits until the subscriptions are acknowledged by the broker (false after `timeout`).
    pub async fn subscribed(&mut self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.subscribed.wait_for(|s| *s))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Disconnects and ends the task; the broker keeps the session and queues what arrives meanwhile.
    pub async fn stop(self) {
        let _ = self.client.disconnect().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Starts the intake as a task; connection errors are logged and retried (1 s, doubling to 30 s).
pub fn start(db: Db, config: Config) -> anyhow::Result<Handle> {
    let opts = options(&config)?;
    let (client, mut events) = AsyncClient::new(opts, 1000);
    let (ready, subscribed) = watch::channel(false);
    let c = client.clone();
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let task = tokio::spawn(async move {
        let mut backoff = Duration::from_secs(1);
        let filters = vec![
            SubscribeFilter::new(format!("{}/+/+/event", config.prefix), QoS::AtLeastOnce),
            SubscribeFilter::new(format!("{}/+/+/heartbeat", config.prefix), QoS::AtLeastOnce),
        ];
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    backoff = Duration::from_secs(1);
                    tracing::info!(url = %config.url, "MQTT connected");
                    let (c, f) = (c.clone(), filters.clone());
                    tokio::spawn(async move {
                        if let Err(e) = c.subscribe_many(f).await {
                            tracing::warn!(error = %e, "MQTT subscribe");
                        }
                    });
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    let _ = ready.send(true);
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    // At most PARALLEL messages are processed at once; the loop itself never waits (it
                    // sends the acknowledgements and pings).
                    let (db, c, prefix, slots) =
                        (db.clone(), c.clone(), config.prefix.clone(), slots.clone());
                    tokio::spawn(async move {
                        let Ok(permit) = slots.acquire_owned().await else {
                            return;
                        };
                        handle(&db, &prefix, &p).await;
                        if let Err(e) = c.ack(&p).await {
                            tracing::warn!(error = %e, "MQTT ack");
                        }
                        drop(permit);
                    });
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = ready.send(false);
                    tracing::warn!(error = %e, url = %config.url, retry_in = ?backoff, "MQTT connection");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    });
    Ok(Handle {
        client,
        task,
        subscribed,
    })
}

/// The intake of `shequ serve`: with several servers on one database only the one holding the
/// `mqtt_intake` lease ([`crate::jobs`]) connects — the broker keeps one persistent session per client id,
/// and two servers with the same id would take it from each other. The lease is checked every 5 seconds; a
/// server that loses it disconnects, the one that takes it over connects and receives what the broker kept
/// meanwhile. A bad setting is an error at once.
pub fn start_leased(db: Db, config: Config) -> anyhow::Result<()> {
    options(&config)?;
    tokio::spawn(async move {
        let every = Duration::from_secs(5);
        let lease = crate::jobs::lease_for(every);
        let mut running: Option<Handle> = None;
        loop {
            let held = match crate::jobs::claim(&db, "mqtt_intake", lease).await {
                Ok(c) => c.held(),
                Err(e) => {
                    tracing::warn!(error = %e, "MQTT intake lease");
                    running.is_some()
                }
            };
            if held && running.is_none() {
                match start(db.clone(), config.clone()) {
                    Ok(h) => running = Some(h),
                    Err(e) => tracing::error!(error = %e, "MQTT intake"),
                }
            } else if !held {
                if let Some(h) = running.take() {
                    tracing::info!("MQTT intake handed over to another server");
                    h.stop().await;
                }
            }
            tokio::time::sleep(every).await;
        }
    });
    Ok(())
}

/// Processes one message; a database error is retried three times, then logged (the message is
/// acknowledged either way, so that one bad message cannot block the session).
async fn handle(db: &Db, prefix: &str, p: &Publish) {
    for attempt in 0..4u32 {
        match process(db, prefix, p).await {
            Ok(()) => return,
            Err(e) if attempt < 3 => {
                tracing::warn!(error = %e, topic = %p.topic, "MQTT message, retrying");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            Err(e) => tracing::error!(error = %e, topic = %p.topic, "MQTT message dropped"),
        }
    }
}

async fn process(db: &Db, prefix: &str, p: &Publish) -> anyhow::Result<()> {
    let now = chrono::Utc::now().naive_utc();
    let parts: Vec<&str> = p.topic.split('/').collect();
    let [pre, street, code, kind] = parts.as_slice() else {
        super::guard::count(db, 0, &Refusal::UnknownDevice, now).await?;
        return Ok(());
    };
    if *pre != prefix || !matches!(*kind, "event" | "heartbeat") {
        super::guard::count(db, 0, &Refusal::UnknownDevice, now).await?;
        return Ok(());
    }
    let target = Target::Code { street, code };
    let Some((ts, sig, body)) = envelope(&p.payload) else {
        intake::malformed(db, target, now).await?;
        return Ok(());
    };
    let msg = Signed {
        timestamp: &ts,
        signature: &sig,
        body: body.as_bytes(),
    };
    let outcome = if *kind == "event" {
        intake::receive(db, target, msg, now, Via::Mqtt)
            .await?
            .map(|_| ())
    } else {
        intake::heartbeat(db, target, msg, now, Via::Mqtt).await?
    };
    if let Err(r) = outcome {
        tracing::debug!(topic = %p.topic, reason = r.code(), "MQTT message refused");
    }
    Ok(())
}

/// `(ts, sig, body)` of a payload, or None when it is not the envelope.
fn envelope(payload: &[u8]) -> Option<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_slice(payload).ok()?;
    let ts = match &v["ts"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let sig = v["sig"].as_str()?.to_string();
    let body = v["body"].as_str()?.to_string();
    Some((ts, sig, body))
}

/// The payload a device publishes: what [`envelope`] reads (used by tests and the benchmark).
pub fn payload(secret: &str, ts: i64, body: &str) -> Vec<u8> {
    let ts = ts.to_string();
    let sig = intake::sign(secret, &ts, body.as_bytes());
    serde_json::json!({"ts": ts, "sig": sig, "body": body})
        .to_string()
        .into_bytes()
}
