//! Issue 22: devices over MQTT with the real Mosquitto at 127.0.0.1:1883 (`.ci/run` starts it). Each test
//! uses a topic prefix and client id of its own, so that tests running at once do not see each other's
//! messages. An SOS opens one case and its outbox entries, however often it is delivered; events published
//! while the intake is stopped are processed after it restarts; bad messages are refused and counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use serde_json::json;
use shequ::devices::mqtt::{self, Config};
use shequ::devices::notify::{self, Adapter, Sending};
use sqlx::Row;

use crate::support::App;

static N: AtomicU64 = AtomicU64::new(0);

/// A configuration of its own for one test: the real broker, a unique prefix and a fixed client id.
fn config() -> Config {
    let tag = format!(
        "t{}x{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_subsec_micros()
    );
    Config {
        url: std::env::var("SHEQU_TEST_MQTT_URL")
            .unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into()),
        username: None,
        password: None,
        ca_file: None,
        client_id: format!("shequ-{tag}"),
        prefix: tag,
    }
}

/// Publishes each (topic, payload) at QoS 1 and returns once the broker acknowledged them all.
pub async fn publish(msgs: Vec<(String, Vec<u8>)>) {
    let id = format!("pub-{}", N.fetch_add(1, Ordering::SeqCst));
    let mut o = MqttOptions::new(id, "127.0.0.1", 1883);
    o.set_keep_alive(Duration::from_secs(10));
    let (client, mut events) = AsyncClient::new(o, msgs.len() + 10);
    let n = msgs.len();
    for (t, p) in msgs {
        client.publish(t, QoS::AtLeastOnce, false, p).await.unwrap();
    }
    let mut acked = 0;
    tokio::time::timeout(Duration::from_secs(20), async {
        while acked < n {
            match events.poll().await.expect("publish to the broker") {
                Event::Incoming(Packet::PubAck(_)) => acked += 1,
                Event::Outgoing(Outgoing::Disconnect) => break,
                _ => {}
            }
        }
    })
    .await
    .expect("broker acknowledges");
    let _ = client.disconnect().await;
    let _ = tokio::time::timeout(Duration::from_secs(2), events.poll()).await;
}

async fn scalar(app: &App, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

/// Waits (up to 20 s) until `sql` counts at least `n`.
async fn wait_for(app: &App, sql: &str, n: i64) -> i64 {
    let mut last = 0;
    for _ in 0..200 {
        last = scalar(app, sql).await;
        if last >= n {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited for {sql} >= {n}, got {last}");
}

/// Registers a device through the API; (id, code, secret).
async fn register(app: &App, code: &str, kind: &str, extra: serde_json::Value) -> (i64, String) {
    let admin = app.login("admin").await;
    let mut body = json!({"code": code, "name": format!("{code}设备"), "kind": kind,
        "location_id": app.world.dwelling1});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (st, d) = admin.post_json("/api/devices", body).await;
    assert_eq!(st, StatusCode::OK, "{d}");
    (
        d["device"]["id"].as_i64().unwrap(),
        d["secret"].as_str().unwrap().to_string(),
    )
}

fn topic(c: &Config, app: &App, code: &str, kind: &str) -> String {
    format!("{}/{}/{code}/{kind}", c.prefix, app.world.street_a)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An adapter that always fails, to see retries recorded.
struct Down;
impl Adapter for Down {
    fn channel(&self) -> &str {
        "sms"
    }
    fn send<'a>(&'a self, _: &'a str, _: &'a str) -> Sending<'a> {
        Box::pin(async { Err("短信网关不可用".to_string()) })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sos_published_twice_over_mqtt_is_one_case_with_its_people_in_the_outbox() {
    let app = App::start().await;
    let c = config();
    let (dev, secret) = register(
        &app,
        &format!("{}-sos", c.prefix),
        "sos",
        json!({"person_id": app.world.zhao, "contact_name": "赵小明", "contact_phone": "13900001111"}),
    )
    .await;
    let shuji = app.login("shuji").await;
    let (st, e) = shuji
        .put_json(
            &format!("/api/devices/duty-phones/{}", app.world.community_a1),
            json!({"phone": "010-66660000"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    // 赵军杰 is paired (结对) with a volunteer, who is told of his SOS too.
    let (st, pair) = shuji
        .post_json(
            "/api/care/pairs",
            json!({"person_id": app.world.zhao, "helper_name": "志愿者王芳", "helper_kind": "志愿者",
                   "helper_phone": "13700002222", "visit_every_days": 7, "call_every_days": 2,
                   "started_on": "2026-01-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{pair}");
    let (st, e) = shuji
        .put_json(
            &format!("/api/devices/duty-phones/{}", app.world.community_a1),
            json!({"phone": "12"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("值班电话"), "{e}");
    let cases_before = scalar(&app, "SELECT COUNT(*) FROM cases").await;
    let mut intake = mqtt::start(app.db.clone(), c.clone()).unwrap();
    assert!(intake.subscribed(Duration::from_secs(10)).await);
    let body = json!({"type": "sos", "id": "sos-0001", "message": "按下求助键"}).to_string();
    let code = format!("{}-sos", c.prefix);
    let t = topic(&c, &app, &code, "event");
    // The same event twice: once as sent, once re-signed later (a device retrying with the same id).
    publish(vec![
        (t.clone(), mqtt::payload(&secret, now(), &body)),
        (t.clone(), mqtt::payload(&secret, now() - 1, &body)),
    ])
    .await;
    let events = format!("SELECT COUNT(*) FROM device_events WHERE device_id = {dev}");
    wait_for(&app, &events, 2).await;
    intake.stop().await;
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM cases").await,
        cases_before + 1
    );
    let case: (i64, String, i64, String) = sqlx::query_as(
        "SELECT c.id, c.source, c.grid_id, k.code FROM cases c JOIN case_categories k ON k.id = c.category_id \
         ORDER BY c.id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (case.1.as_str(), case.2, case.3.as_str()),
        ("设备报警", app.world.grid1, "help.elderly")
    );
    let accepted: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT COALESCE(event_id, ''), channel FROM device_events WHERE device_id = {dev} AND accepted = 1"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(accepted, [("sos-0001".to_string(), "mqtt".to_string())]);
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM device_events WHERE device_id = {dev} AND reason = 'replay'"
            )
        )
        .await,
        1
    );
    // The grid worker (web push), the community duty phone, the emergency contact and the person's pair.
    let outbox: Vec<(String, String, String, String)> = sqlx::query_as(&format!(
        "SELECT recipient_kind, recipient, channel, state FROM outbox WHERE case_id = {} ORDER BY recipient_kind",
        case.0
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let wangge1: i64 = scalar(&app, "SELECT id FROM users WHERE username = 'wangge1'").await;
    let p = |a: &str, b: String, c: &str| (a.to_string(), b, c.to_string(), "pending".to_string());
    assert_eq!(
        outbox,
        [
            p("duty_phone", "010-66660000".into(), "sms"),
            p("emergency_contact", "13900001111".into(), "sms"),
            p("grid_worker", format!("user:{wangge1}"), "web"),
            p("pair", "13700002222".into(), "sms"),
        ]
    );
    // The sender: web goes out through the log adapter; SMS is down, retried with backoff, each attempt
    // recorded, given up after five.
    let adapters: Vec<Arc<dyn Adapter>> = vec![Arc::new(notify::LogAdapter("web")), Arc::new(Down)];
    let mut t0 = chrono::Utc::now().naive_utc();
    let first = notify::drain(&app.db, &adapters, t0).await.unwrap();
    assert_eq!((first.sent, first.retried, first.failed), (1, 3, 0));
    // Nothing is due again before its backoff.
    assert_eq!(
        notify::drain(&app.db, &adapters, t0).await.unwrap(),
        notify::Drained::default()
    );
    for _ in 0..4 {
        t0 += chrono::Duration::hours(2);
        notify::drain(&app.db, &adapters, t0).await.unwrap();
    }
    let states: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "SELECT recipient_kind, state, attempts FROM outbox WHERE case_id = {} ORDER BY recipient_kind",
        case.0
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        states,
        [
            ("duty_phone".to_string(), "failed".to_string(), 5),
            ("emergency_contact".to_string(), "failed".to_string(), 5),
            ("grid_worker".to_string(), "sent".to_string(), 1),
            ("pair".to_string(), "failed".to_string(), 5),
        ]
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM outbox_attempts WHERE ok = 0").await,
        15
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM outbox_attempts WHERE ok = 1").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn events_published_while_the_intake_is_stopped_are_processed_once_after_it_restarts() {
    let app = App::start().await;
    let c = config();
    let code = format!("{}-smoke", c.prefix);
    let (dev, secret) = register(&app, &code, "smoke", json!({})).await;
    // The first start creates the persistent session and its subscriptions.
    let mut intake = mqtt::start(app.db.clone(), c.clone()).unwrap();
    assert!(intake.subscribed(Duration::from_secs(10)).await);
    intake.stop().await;
    let cases_before = scalar(&app, "SELECT COUNT(*) FROM cases").await;
    let t = topic(&c, &app, &code, "event");
    let msgs = (1..=3)
        .map(|i| {
            let body = json!({"type": "smoke", "id": format!("smk-{i}"), "message": format!("烟雾浓度{i}")}).to_string();
            (t.clone(), mqtt::payload(&secret, now(), &body))
        })
        .collect();
    publish(msgs).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let accepted =
        format!("SELECT COUNT(*) FROM device_events WHERE device_id = {dev} AND accepted = 1");
    assert_eq!(
        scalar(&app, &accepted).await,
        0,
        "nothing is processed while stopped"
    );
    let mut intake = mqtt::start(app.db.clone(), c.clone()).unwrap();
    assert_eq!(wait_for(&app, &accepted, 3).await, 3);
    assert!(intake.subscribed(Duration::from_secs(10)).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    intake.stop().await;
    assert_eq!(scalar(&app, &accepted).await, 3);
    // Three alarms within the dedupe window: one case, the later two joined it.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM cases").await,
        cases_before + 1
    );
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(DISTINCT case_id) FROM device_events WHERE device_id = {dev}")
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_mqtt_messages_are_refused_and_counted_and_a_flood_does_not_delay_another_device() {
    let app = App::start().await;
    let c = config();
    let code = format!("{}-door", c.prefix);
    let other = format!("{}-cam", c.prefix);
    let (dev, secret) = register(&app, &code, "door", json!({})).await;
    let (cam, cam_secret) = register(&app, &other, "camera", json!({})).await;
    let mut intake = mqtt::start(app.db.clone(), c.clone()).unwrap();
    assert!(intake.subscribed(Duration::from_secs(10)).await);
    let t = topic(&c, &app, &code, "event");
    let ev = |id: &str| json!({"type": "door", "id": id}).to_string();
    let mut bad_sig =
        serde_json::from_slice::<serde_json::Value>(&mqtt::payload(&secret, now(), &ev("d1")))
            .unwrap();
    bad_sig["sig"] = json!("ab".repeat(32));
    publish(vec![
        (t.clone(), b"not json at all".to_vec()),
        (t.clone(), bad_sig.to_string().into_bytes()),
        (
            t.clone(),
            mqtt::payload(&secret, now() - 3 * 24 * 3600, &ev("d2")),
        ),
        (t.clone(), mqtt::payload(&secret, now() + 3600, &ev("d3"))),
        (t.clone(), mqtt::payload(&secret, now(), "{\"type\": 5")),
        (
            t.clone(),
            mqtt::payload(&secret, now(), &json!({"type": "flood"}).to_string()),
        ),
        (
            topic(&c, &app, "no-such-device", "event"),
            mqtt::payload(&secret, now(), &ev("d4")),
        ),
        // The right code under another street is unknown there.
        (
            format!("{}/{}/{code}/event", c.prefix, app.world.street_b),
            mqtt::payload(&secret, now(), &ev("d5")),
        ),
    ])
    .await;
    let refusals = |d: i64| {
        format!("SELECT COALESCE(CAST(SUM(count) AS BIGINT), 0) FROM device_refusals WHERE device_id = {d}")
    };
    wait_for(&app, &refusals(dev), 2).await;
    wait_for(&app, &refusals(0), 2).await;
    // Signed ones are logged with their reason: two bodies that are not events, two timestamps out of range.
    wait_for(
        &app,
        &format!("SELECT COUNT(*) FROM device_events WHERE device_id = {dev}"),
        4,
    )
    .await;
    let by_reason: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT reason, count FROM device_refusals WHERE device_id = {dev} ORDER BY reason"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        by_reason,
        [
            ("bad_body".to_string(), 1),
            ("bad_signature".to_string(), 1),
        ]
    );
    assert_eq!(
        scalar(&app, &format!("SELECT COUNT(*) FROM device_events WHERE device_id = {dev} AND accepted = 0 AND reason = 'bad_body'")).await,
        2
    );
    assert_eq!(
        scalar(&app, &format!("SELECT COUNT(*) FROM device_events WHERE device_id = {dev} AND reason = 'stale_timestamp'")).await,
        2
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM cases").await,
        0,
        "never a case"
    );
    // A flood of 200 events from one device, and one alarm from another device sent after it.
    let flood: Vec<_> = (0..200)
        .map(|i| {
            (
                t.clone(),
                mqtt::payload(&secret, now(), &ev(&format!("f{i}"))),
            )
        })
        .chain(std::iter::once((
            topic(&c, &app, &other, "event"),
            mqtt::payload(
                &cam_secret,
                now(),
                &json!({"type": "camera", "id": "c1"}).to_string(),
            ),
        )))
        .collect();
    publish(flood).await;
    wait_for(
        &app,
        &format!("SELECT COUNT(*) FROM device_events WHERE device_id = {cam} AND accepted = 1"),
        1,
    )
    .await;
    let limited = wait_for(
        &app,
        &format!("SELECT COUNT(*) FROM device_refusals WHERE device_id = {dev} AND reason = 'rate_limited'"),
        1,
    )
    .await;
    assert!(limited >= 1);
    intake.stop().await;
    // The device's page names the refusals.
    let admin = app.login("admin").await;
    let (st, d) = admin.get_json(&format!("/api/devices/{dev}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        d["refusals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["reason"] == "rate_limited"),
        "{d}"
    );
    let html = admin
        .get(&format!("/devices/{dev}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("签名错误") && html.contains("发送过频"),
        "{html}"
    );
}
