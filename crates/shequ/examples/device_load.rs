//! The device benchmark's load (bench/devices.sh, issue 22; not part of CI).
//!
//! `device_load register DB N` registers N simulated devices (kinds in turn) at the demo's buildings and
//! dwellings, straight into the tables, and writes `code,secret,street` lines to stdout.
//! `device_load publish DB FILE RATE SECONDS PREFIX` publishes RATE signed events a second, spread over the
//! devices of FILE, for SECONDS, at QoS 1 to the broker at 127.0.0.1:$MQTT_PORT (1883); once a second it also sends one
//! probe alarm from a device that has no open case and times it to the case on the database (polled every
//! 5 ms): the alarm-to-case latency. It prints the events sent and the probes' p50/p99/max.

use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, MqttOptions, QoS};
use shequ::db::Db;
use sqlx::Row;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("register") => register(&args[2], args[3].parse()?).await,
        Some("publish") => {
            publish(
                &args[2],
                &args[3],
                args[4].parse()?,
                args[5].parse()?,
                &args[6],
            )
            .await
        }
        _ => {
            anyhow::bail!("usage: device_load register DB N | publish DB FILE RATE SECONDS PREFIX")
        }
    }
}

const KINDS: [&str; 4] = ["smoke", "door", "camera", "sos"];

async fn register(url: &str, n: usize) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let places = sqlx::query(
        "SELECT id, street_id, community_id, grid_id, building_id FROM nodes \
         WHERE kind IN ('building', 'dwelling') AND archived = 0 AND grid_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    anyhow::ensure!(!places.is_empty(), "no places: run `shequ demo` first");
    let now = shequ::db::now();
    let mut tx = db.begin().await?;
    let mut out = String::new();
    for i in 0..n {
        let p = &places[i % places.len()];
        let (code, secret) = (
            format!("bench-{i}"),
            format!("secret-{i}-{}", i * 7919 % 104_729),
        );
        let street: i64 = p.get(1);
        sqlx::query(
            "INSERT INTO devices (code, name, kind, secret, location_node_id, street_id, community_id, grid_id, \
             building_id, created_at, due_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(&code)
        .bind(format!("压测设备{i}"))
        .bind(KINDS[i % 4])
        .bind(&secret)
        .bind(p.get::<i64, _>(0))
        .bind(street)
        .bind(p.get::<i64, _>(2))
        .bind(p.get::<i64, _>(3))
        .bind(p.get::<Option<i64>, _>(4))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        out.push_str(&format!("{code},{secret},{street},{}\n", KINDS[i % 4]));
    }
    tx.commit().await?;
    print!("{out}");
    Ok(())
}

async fn publish(
    url: &str,
    file: &str,
    rate: u64,
    seconds: u64,
    prefix: &str,
) -> anyhow::Result<()> {
    let devices: Vec<(String, String, String, String)> = std::fs::read_to_string(file)?
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.len() == 4).then(|| (f[0].into(), f[1].into(), f[2].into(), f[3].into()))
        })
        .collect();
    // The last 100 devices are the probes: each alarms once, so its alarm opens a case of its own.
    let (load, probes) = devices.split_at(devices.len() - 100);
    let db = Db::connect(url).await?;
    let port = std::env::var("MQTT_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(1883);
    let mut o = MqttOptions::new(
        format!("bench-load-{}", std::process::id()),
        "127.0.0.1",
        port,
    );
    o.set_keep_alive(Duration::from_secs(30)).set_inflight(1000);
    let (client, mut events) = AsyncClient::new(o, 10_000);
    tokio::spawn(async move {
        loop {
            if events.poll().await.is_err() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    let start = Instant::now();
    let mut sent = 0u64;
    let mut latencies = Vec::new();
    let tick = Duration::from_millis(10);
    let per_tick = rate / 100;
    let mut next = Instant::now();
    let mut probe = 0usize;
    let mut probe_at = Instant::now();
    let mut pending: Option<(String, Instant)> = None;
    let mut pending_sent = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        for _ in 0..per_tick {
            let (code, secret, street, kind) = &load[(sent as usize * 7) % load.len()];
            let body = format!("{{\"type\":\"{kind}\",\"id\":\"e{sent}\"}}");
            let payload =
                shequ::devices::mqtt::payload(secret, chrono::Utc::now().timestamp(), &body);
            client
                .publish(
                    format!("{prefix}/{street}/{code}/event"),
                    QoS::AtLeastOnce,
                    false,
                    payload,
                )
                .await?;
            sent += 1;
        }
        if pending.is_none() && probe_at.elapsed() >= Duration::from_secs(1) && probe < probes.len()
        {
            let (code, secret, street, kind) = &probes[probe];
            probe += 1;
            probe_at = Instant::now();
            let body = format!("{{\"type\":\"{kind}\",\"id\":\"probe\"}}");
            let payload =
                shequ::devices::mqtt::payload(secret, chrono::Utc::now().timestamp(), &body);
            client
                .publish(
                    format!("{prefix}/{street}/{code}/event"),
                    QoS::AtLeastOnce,
                    false,
                    payload,
                )
                .await?;
            pending = Some((code.clone(), Instant::now()));
            pending_sent = sent;
        }
        if let Some((code, at)) = &pending {
            let done: Option<i64> = sqlx::query_scalar(
                "SELECT e.case_id FROM device_events e JOIN devices d ON d.id = e.device_id \
                 WHERE d.code = $1 AND e.accepted = 1",
            )
            .bind(code)
            .fetch_optional(&db.pool)
            .await?
            .flatten();
            if done.is_some() {
                let ms = at.elapsed().as_millis() as u64;
                latencies.push(ms);
                println!(
                    "probe t_s={:.1} after_events={pending_sent} ms={ms}",
                    (*at - start).as_secs_f64()
                );
                pending = None;
            }
        }
        next += tick;
        let now = Instant::now();
        if next > now {
            tokio::time::sleep(next - now).await;
        }
    }
    latencies.sort_unstable();
    let q = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "sent={sent} seconds={:.1} probes={} p50_ms={} p99_ms={} max_ms={}",
        start.elapsed().as_secs_f64(),
        latencies.len(),
        q(0.5),
        q(0.99),
        latencies.last().copied().unwrap_or(0)
    );
    let accepted: i64 = sqlx::query("SELECT COUNT(*) FROM device_events WHERE accepted = 1")
        .fetch_one(&db.pool)
        .await?
        .get(0);
    println!("accepted_so_far={accepted}");
    Ok(())
}
