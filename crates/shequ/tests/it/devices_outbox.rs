//! Issue 22 (leftovers): an alarm's case and its notifications are written in one transaction — both are
//! there together, and a failure after the case is inserted (a notification the database refuses) leaves
//! neither, and gives the event back so the device's retry opens the case then.

use reqwest::StatusCode;
use serde_json::json;
use shequ::devices::intake::{self, Signed, Target, Via};
use sqlx::Row;

use crate::support::App;

async fn scalar(app: &App, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

/// An 安康通 for 赵军杰 with an emergency contact and two pairs (结对), and the community's duty phone.
async fn sos(app: &App) -> (i64, String) {
    let admin = app.login("admin").await;
    let (st, d) = admin
        .post_json(
            "/api/devices",
            json!({"code": "SOS-TX", "name": "赵军杰安康通", "kind": "sos", "location_id": app.world.dwelling1,
                   "person_id": app.world.zhao, "contact_name": "赵小明", "contact_phone": "13900001111"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let shuji = app.login("shuji").await;
    let (st, e) = shuji
        .put_json(
            &format!("/api/devices/duty-phones/{}", app.world.community_a1),
            json!({"phone": "010-66660000"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    for (name, phone) in [("志愿者王芳", "13700002222"), ("邻居李强", "13700003333")] {
        let (st, p) = shuji
            .post_json(
                "/api/care/pairs",
                json!({"person_id": app.world.zhao, "helper_name": name, "helper_kind": "志愿者",
                       "helper_phone": phone, "visit_every_days": 7, "call_every_days": 2,
                       "started_on": "2026-01-01"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{p}");
    }
    (
        d["device"]["id"].as_i64().unwrap(),
        d["secret"].as_str().unwrap().to_string(),
    )
}

async fn press(app: &App, dev: i64, secret: &str, id: &str) -> bool {
    let body = json!({"type": "sos", "id": id, "message": "按下求助键"}).to_string();
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = shequ::devices::sign(secret, &ts, body.as_bytes());
    let msg = Signed {
        timestamp: &ts,
        signature: &sig,
        body: body.as_bytes(),
    };
    let now = chrono::Utc::now().naive_utc();
    matches!(
        intake::receive(&app.db, Target::Id(dev), msg, now, Via::Http).await,
        Ok(Ok(_))
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alarm_case_and_its_notifications_are_written_together() {
    let app = App::start().await;
    let (dev, secret) = sos(&app).await;
    let cases_before = scalar(&app, "SELECT COUNT(*) FROM cases").await;
    assert!(press(&app, dev, &secret, "tx-1").await);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM cases").await,
        cases_before + 1
    );
    let case = scalar(&app, "SELECT MAX(id) FROM cases").await;
    let kinds: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT recipient_kind FROM outbox WHERE case_id = {case} ORDER BY recipient_kind, recipient"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let kinds: Vec<&str> = kinds.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "duty_phone",
            "emergency_contact",
            "grid_worker",
            "pair",
            "pair"
        ]
    );
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM device_events WHERE case_id = {case} AND accepted = 1")
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_refused_after_the_case_insert_leaves_neither_and_the_retry_succeeds() {
    let app = App::start().await;
    let (dev, secret) = sos(&app).await;
    // Injected failure: one notification per kind and case — the second pair's row violates it, after the
    // case and the first rows were inserted in the same transaction.
    sqlx::query("CREATE UNIQUE INDEX test_one_per_kind ON outbox(case_id, recipient_kind)")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let cases_before = scalar(&app, "SELECT COUNT(*) FROM cases").await;
    assert!(!press(&app, dev, &secret, "tx-2").await);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM cases").await,
        cases_before
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM outbox").await, 0);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM device_events WHERE device_id = {dev} AND accepted = 1")
        )
        .await,
        0
    );
    // Nor the case's audit entry, written in the same transaction.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE username = 'device:SOS-TX'"
        )
        .await,
        0
    );
    // The event was given back: the device's retry of the same event opens the case with all its people.
    sqlx::query("DROP INDEX test_one_per_kind")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(press(&app, dev, &secret, "tx-2").await);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM cases").await,
        cases_before + 1
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM outbox").await, 5);
}
