//! Issue 16, several app servers on one database: two real `shequ serve` processes started at the same moment
//! on one empty database both migrate and serve; a session opened on one works on the other (and its logout
//! is seen there); the periodic jobs run in one process only (a lease in `job_leases`), their effects happen
//! once, and when the holder dies the other server takes the jobs over.
//!
//! The same test runs on SQLite (two processes on one database file) and on PostgreSQL (one schema).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sqlx::Row;
use tokio::io::AsyncBufReadExt;

use crate::cases::report;
use crate::support::{build_world, fresh_url, Session, PASSWORD};

struct Server {
    child: tokio::process::Child,
    base: String,
}

/// Starts `shequ serve` on a free port with fast job ticks; the base URL comes from its first line.
fn spawn(url: &str) -> tokio::process::Child {
    spawn_with(url, &[], &[])
}

fn spawn_with(url: &str, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["--database-url", url, "serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .env("SHEQU_DEADLINE_SCAN_SECONDS", "1")
        .env("SHEQU_OUTBOX_SECONDS", "1")
        .env("SHEQU_JOB_LEASE_SECONDS", "3")
        .env("RUST_LOG", "error")
        .env_remove("SHEQU_MQTT_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start shequ serve")
}

async fn ready(mut child: tokio::process::Child) -> Server {
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .expect("the server starts within 2 minutes")
            .unwrap();
        let Some(line) = line else {
            let out = child.wait_with_output().await.unwrap();
            panic!(
                "the server ended before listening: {} {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        };
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim().trim_end_matches('/').to_string();
        }
    };
    // Keep reading its output so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server { child, base }
}

async fn scalar(db: &shequ::db::Db, sql: &str, id: i64) -> i64 {
    sqlx::query(sql)
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get(0)
}

async fn lease(db: &shequ::db::Db, name: &str) -> (String, i64) {
    let r = sqlx::query("SELECT holder, runs FROM job_leases WHERE name = $1")
        .bind(name)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

/// Makes the cases overdue now and waits until a scan has marked them all.
async fn make_overdue_and_wait(db: &shequ::db::Db, ids: &[i64], within: Duration) {
    for id in ids {
        sqlx::query(
            "UPDATE cases SET stage_warn_at = '2000-01-01 00:00:00', stage_due_at = '2000-01-02 00:00:00' \
             WHERE id = $1",
        )
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let start = Instant::now();
    loop {
        let mut marked = 0;
        for id in ids {
            let r = sqlx::query("SELECT deadline_status FROM cases WHERE id = $1")
                .bind(id)
                .fetch_one(&db.pool)
                .await
                .unwrap();
            if r.get::<String, _>(0) == "overdue" {
                marked += 1;
            }
        }
        if marked == ids.len() {
            return;
        }
        assert!(
            start.elapsed() < within,
            "{marked} of {} cases marked overdue after {within:?}",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every case was marked overdue and escalated exactly once, and audited once.
async fn assert_once(db: &shequ::db::Db, ids: &[i64]) {
    for id in ids {
        for kind in ["overdue", "escalate"] {
            let n =
                sqlx::query("SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND kind = $2")
                    .bind(id)
                    .bind(kind)
                    .fetch_one(&db.pool)
                    .await
                    .unwrap()
                    .get::<i64, _>(0);
            assert_eq!(n, 1, "case {id}: {n} '{kind}' events");
        }
        let n = scalar(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'case' AND entity_id = $1 AND action = 'case_overdue'",
            *id,
        )
        .await;
        assert_eq!(n, 1, "case {id}: {n} case_overdue audit entries");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_database_migrate_share_sessions_and_run_jobs_once() {
    let (url, _dir) = fresh_url().await;
    // Both start at the same moment on the empty database: both migrate (one waits for the other) and serve.
    let t0 = Instant::now();
    let (a, b) = (spawn(&url), spawn(&url));
    let (a, b) = tokio::join!(ready(a), ready(b));
    let started = t0.elapsed();
    let pids = [a.child.id().unwrap(), b.child.id().unwrap()];
    eprintln!("both servers listening after {started:?}");
    let db = shequ::db::Db::connect(&url).await.expect("connect");
    let versions = sqlx::query("SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        versions.get::<i64, _>(0),
        versions.get::<i64, _>(1),
        "each migration applied once"
    );
    let holidays = sqlx::query("SELECT COUNT(*), COUNT(DISTINCT day) FROM calendar_days")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(holidays.get::<i64, _>(0) > 0);
    assert_eq!(holidays.get::<i64, _>(0), holidays.get::<i64, _>(1));
    let world = build_world(&db).await;

    // A session opened on A works on B, CSRF token included (both live in the database).
    let on_a = Session::logged_in(&a.base, "wangge1", PASSWORD).await;
    let on_b = Session {
        client: on_a.client.clone(),
        base: b.base.clone(),
        csrf: on_a.csrf.clone(),
    };
    let (st, me) = on_b.get_json("/api/me").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["username"], "wangge1");
    let mut ids = Vec::new();
    for i in 0..6 {
        let s = if i % 2 == 0 { &on_a } else { &on_b };
        ids.push(report(s, "sanitation", world.grid1, &format!("垃圾未清运 {i}")).await);
    }

    // The deadline scan runs every second in both processes; one holds the lease and does the work.
    make_overdue_and_wait(&db, &ids, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_once(&db, &ids).await;
    let (holder, runs) = lease(&db, "case_deadlines").await;
    assert!(runs >= 3, "{runs} passes");
    let holder_pid: u32 = holder.split('-').rev().nth(1).unwrap().parse().unwrap();
    assert!(pids.contains(&holder_pid), "{holder} is one of {pids:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        lease(&db, "case_deadlines").await.0,
        holder,
        "the lease stays"
    );

    // A notification in the outbox is sent once.
    let now = shequ::db::now();
    let outbox: i64 = sqlx::query(
        "INSERT INTO outbox (case_id, recipient_kind, recipient, recipient_name, channel, payload, next_at, \
         created_at) VALUES ($1, 'grid_worker', '13900001111', '测试', 'sms', '测试通知', $2, $2) RETURNING id",
    )
    .bind(ids[0])
    .bind(&now)
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .get(0);
    let start = Instant::now();
    loop {
        let st: String = sqlx::query("SELECT state FROM outbox WHERE id = $1")
            .bind(outbox)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        if st == "sent" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "outbox {st}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let attempts = scalar(
        &db,
        "SELECT COUNT(*) FROM outbox_attempts WHERE outbox_id = $1",
        outbox,
    )
    .await;
    assert_eq!(attempts, 1, "sent once");

    // Alarms of one device arriving at the same moment on both servers open one case; the others join it.
    let admin = Session::logged_in(&a.base, "admin", PASSWORD).await;
    let (st, d) = admin
        .post_json(
            "/api/devices",
            serde_json::json!({"code": "SOS-2S", "name": "两台服务器SOS", "kind": "sos", "location_id": world.dwelling1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let dev = d["device"]["id"].as_i64().unwrap();
    let secret = d["secret"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let ts = chrono::Utc::now().timestamp().to_string();
    let sends: Vec<_> = (0..12)
        .map(|i| {
            let base = if i % 2 == 0 { &a.base } else { &b.base };
            let url = format!("{base}/api/devices/{dev}/events");
            let body = serde_json::json!({"type": "sos", "message": format!("按下求助键 {i}")})
                .to_string();
            let sig = shequ::devices::sign(&secret, &ts, body.as_bytes());
            let (client, ts) = (client.clone(), ts.clone());
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-timestamp", ts)
                    .header("x-signature", sig)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for s in sends {
        assert_eq!(s.await.unwrap(), StatusCode::OK);
    }
    let cases = scalar(
        &db,
        "SELECT COUNT(DISTINCT case_id) FROM device_events WHERE device_id = $1 AND accepted = 1",
        dev,
    )
    .await;
    let accepted = scalar(
        &db,
        "SELECT COUNT(*) FROM device_events WHERE device_id = $1 AND accepted = 1",
        dev,
    )
    .await;
    assert_eq!(
        (cases, accepted),
        (1, 12),
        "one case for 12 alarms on two servers"
    );

    // A session ended on B (from another session of the user there) is refused on A within the session
    // cache's 5 seconds, although A had it cached.
    let desk_b = Session::logged_in(&b.base, "wangge1", PASSWORD).await;
    let (_, list) = on_a.get_json("/api/me/sessions").await;
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, _) = desk_b
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/me/sessions/{mine}"),
            serde_json::json!({}),
        )
        .await;
    assert!(st.is_success(), "{st}");
    tokio::time::sleep(Duration::from_secs(
        shequ::accounts::sessions::CACHE_SECONDS + 1,
    ))
    .await;
    let (st, _) = on_a.get_json("/api/me").await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "the ended session is refused on A"
    );

    // The holder dies (SIGKILL): the other server takes the jobs over once the lease (3 s here) expires.
    let (mut dead, alive) = if holder_pid == pids[0] {
        (a, b)
    } else {
        (b, a)
    };
    dead.child.kill().await.unwrap();
    let on_alive = Session::logged_in(&alive.base, "wangge1", PASSWORD).await;
    let later = vec![report(&on_alive, "sanitation", world.grid1, "takeover").await];
    make_overdue_and_wait(&db, &later, Duration::from_secs(30)).await;
    assert_once(&db, &later).await;
    let (new_holder, _) = lease(&db, "case_deadlines").await;
    assert_ne!(new_holder, holder, "the live server took the lease");
}

/// Two servers given the same MQTT broker and client id: only the holder of the `mqtt_intake` lease
/// connects (two would take the broker's session from each other), and an event published once is processed
/// once.
#[tokio::test(flavor = "multi_thread")]
async fn two_servers_with_one_mqtt_broker_run_one_intake() {
    let broker =
        std::env::var("SHEQU_TEST_MQTT_URL").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into());
    if !broker.starts_with("mqtt://127.0.0.1:1883") {
        eprintln!("skipped: the test publishes to the broker at 127.0.0.1:1883");
        return;
    }
    let (url, _dir) = fresh_url().await;
    let tag = format!(
        "ms{}x{}",
        std::process::id(),
        chrono::Utc::now().timestamp_subsec_micros()
    );
    let env = [
        ("SHEQU_MQTT_CLIENT_ID", tag.as_str()),
        ("SHEQU_MQTT_PREFIX", tag.as_str()),
    ];
    let args = ["--mqtt-url", broker.as_str()];
    let (a, b) = (spawn_with(&url, &args, &env), spawn_with(&url, &args, &env));
    let (a, b) = tokio::join!(ready(a), ready(b));
    let pids = [a.child.id().unwrap(), b.child.id().unwrap()];
    let db = shequ::db::Db::connect(&url).await.expect("connect");
    let world = build_world(&db).await;
    let admin = Session::logged_in(&b.base, "admin", PASSWORD).await;
    let (st, d) = admin
        .post_json(
            "/api/devices",
            serde_json::json!({"code": "SOS-MQ", "name": "MQTT SOS", "kind": "sos", "location_id": world.dwelling1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let dev = d["device"]["id"].as_i64().unwrap();
    let secret = d["secret"].as_str().unwrap().to_string();
    // The holder connects within a lease check (5 s) and subscribes.
    let start = Instant::now();
    let holder = loop {
        let r = sqlx::query("SELECT holder FROM job_leases WHERE name = 'mqtt_intake'")
            .fetch_optional(&db.pool)
            .await
            .unwrap();
        if let Some(r) = r {
            break r.get::<String, _>(0);
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no intake lease");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let holder_pid: u32 = holder.split('-').rev().nth(1).unwrap().parse().unwrap();
    assert!(pids.contains(&holder_pid), "{holder} is one of {pids:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let body =
        serde_json::json!({"type": "sos", "id": "ms-0001", "message": "按下求助键"}).to_string();
    let topic = format!("{tag}/{}/SOS-MQ/event", world.street_a);
    let ts = chrono::Utc::now().timestamp();
    crate::devices_mqtt::publish(vec![(
        topic,
        shequ::devices::mqtt::payload(&secret, ts, &body),
    )])
    .await;
    let start = Instant::now();
    loop {
        let n = scalar(
            &db,
            "SELECT COUNT(*) FROM device_events WHERE device_id = $1 AND accepted = 1",
            dev,
        )
        .await;
        if n >= 1 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the event was not processed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = scalar(
        &db,
        "SELECT COUNT(*) FROM device_events WHERE device_id = $1",
        dev,
    )
    .await;
    assert_eq!(
        all, 1,
        "processed once, no replay refused by a second intake"
    );
    assert_eq!(
        sqlx::query("SELECT holder FROM job_leases WHERE name = 'mqtt_intake'")
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get::<String, _>(0),
        holder,
        "one intake all along"
    );
}
