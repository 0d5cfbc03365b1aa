//! Issue 16: device events. Identical signed requests sent at once are processed exactly once (the replay
//! key is unique in the database); unsigned posts are counted, not stored.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::App;

async fn count(app: &App, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn identical_signed_requests_at_once_are_processed_once_and_unsigned_ones_only_counted() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let (st, d) = admin
        .post_json(
            "/api/devices",
            json!({"code": "SOS-9", "name": "独居老人SOS", "kind": "sos", "location_id": app.world.dwelling1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let dev = d["device"]["id"].as_i64().unwrap();
    let secret = d["secret"].as_str().unwrap().to_string();
    let url = format!("{}/api/devices/{dev}/events", app.base);
    let ts = chrono::Utc::now().timestamp().to_string();
    let body = json!({"type": "sos", "message": "按下求助键"}).to_string();
    let sig = shequ::devices::sign(&secret, &ts, body.as_bytes());
    let client = reqwest::Client::new();
    let cases_before = count(&app, "SELECT COUNT(*) FROM cases").await;
    // Ten identical, validly signed requests at once.
    let sends = (0..10).map(|_| {
        let (client, url, ts, sig, body) = (
            client.clone(),
            url.clone(),
            ts.clone(),
            sig.clone(),
            body.clone(),
        );
        tokio::spawn(async move {
            let r = client
                .post(url)
                .header("content-type", "application/json")
                .header("x-timestamp", ts)
                .header("x-signature", sig)
                .body(body)
                .send()
                .await
                .unwrap();
            let st = r.status();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        })
    });
    let mut answers = Vec::new();
    for s in sends.collect::<Vec<_>>() {
        answers.push(s.await.unwrap());
    }
    let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{answers:?}");
    assert!(answers
        .iter()
        .filter(|(s, _)| *s != StatusCode::OK)
        .all(|(s, e)| *s == StatusCode::UNAUTHORIZED && e["error"] == "重复的请求"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM cases").await,
        cases_before + 1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM device_events WHERE accepted = 1"
        )
        .await,
        1
    );
    // The nine replays are logged with their reason.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM device_events WHERE reason = 'replay'"
        )
        .await,
        9
    );
    // 200 posts with a wrong signature (and 5 to a device that does not exist) store nothing.
    let stored = count(&app, "SELECT COUNT(*) FROM device_events").await;
    for i in 0..205 {
        let target = if i < 200 {
            url.clone()
        } else {
            format!("{}/api/devices/999999/events", app.base)
        };
        let r = client
            .post(target)
            .header("x-timestamp", &ts)
            .header("x-signature", "ab".repeat(32))
            .body(format!(
                "{{\"type\":\"sos\",\"message\":\"{}\"}}",
                "x".repeat(2000)
            ))
            .send()
            .await
            .unwrap();
        assert!(matches!(
            r.status(),
            StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND | StatusCode::TOO_MANY_REQUESTS
        ));
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM device_events").await,
        stored
    );
    let counted: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT device_id, reason, count FROM device_refusals ORDER BY device_id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    // A flood from one device is rate limited (issue 22) before its signature is even checked: the 200 are
    // counted as wrong signatures up to the device's burst, the rest as rate limited.
    assert_eq!(counted[0], (0, "unknown_device".to_string(), 5));
    assert_eq!(
        counted
            .iter()
            .filter(|c| c.0 == dev)
            .map(|c| c.2)
            .sum::<i64>(),
        200
    );
    assert!(counted.contains(&(
        dev,
        "rate_limited".to_string(),
        200 - counted.iter().find(|c| c.1 == "bad_signature").unwrap().2
    )));
}
