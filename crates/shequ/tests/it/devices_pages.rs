//! Issue 22 (pages): what a community worker sees of the alarms — the outbox page (every notification with
//! its attempts and state, recipients' phones masked by role, scoped), the duty-phone page (a form for
//! those who may set it, masked to the others), and the links between a device and the cases it raised.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;
use shequ::devices::intake::{self, Signed, Target, Via};
use shequ::devices::notify::{self, Adapter, LogAdapter, Sending};
use sqlx::Row;

use crate::support::App;

/// SMS gateway that is down.
struct Down;

impl Adapter for Down {
    fn channel(&self) -> &str {
        "sms"
    }
    fn send<'a>(&'a self, _: &'a str, _: &'a str) -> Sending<'a> {
        Box::pin(async { Err("短信网关超时".to_string()) })
    }
}

/// An 安康通 of 赵军杰 with an emergency contact, the community's duty phone, and one SOS: its case id and
/// number, and the device id.
async fn alarm(app: &App) -> (i64, String, i64) {
    let admin = app.login("admin").await;
    let (st, d) = admin
        .post_json(
            "/api/devices",
            json!({"code": "SOS-PG", "name": "赵军杰家安康通", "kind": "sos", "location_id": app.world.dwelling1,
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
    let dev = d["device"]["id"].as_i64().unwrap();
    let secret = d["secret"].as_str().unwrap();
    let body = json!({"type": "sos", "id": "pg-1", "message": "按下求助键"}).to_string();
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = shequ::devices::sign(secret, &ts, body.as_bytes());
    let msg = Signed {
        timestamp: &ts,
        signature: &sig,
        body: body.as_bytes(),
    };
    let out = intake::receive(
        &app.db,
        Target::Id(dev),
        msg,
        chrono::Utc::now().naive_utc(),
        Via::Http,
    )
    .await
    .unwrap()
    .unwrap();
    (out.case_id, out.case_number, dev)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_page_shows_each_notification_with_its_attempts_masked_by_role_and_scoped() {
    let app = App::start().await;
    let (case, number, _) = alarm(&app).await;
    // The web push goes out; the SMS gateway is down: one failed attempt each, retried later.
    let adapters: Vec<Arc<dyn Adapter>> = vec![Arc::new(LogAdapter("web")), Arc::new(Down)];
    let done = notify::drain(&app.db, &adapters, chrono::Utc::now().naive_utc())
        .await
        .unwrap();
    assert_eq!((done.sent, done.retried), (1, 2), "{done:?}");

    let shuji = app.login("shuji").await;
    let r = shuji.get("/devices/outbox").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/cases/{case}\">{number}</a>")),
        "{html}"
    );
    assert!(html.contains("wangge1用户"), "the grid worker by name");
    assert!(!html.contains("user:"), "no account ids");
    assert!(html.contains("赵小明") && html.contains("139****1111"));
    assert!(
        !html.contains("13900001111"),
        "the contact's phone is masked"
    );
    assert!(
        html.contains("010-66660000"),
        "the duty phone in full to the community head"
    );
    assert!(html.contains("失败:短信网关超时") && html.contains("成功"));
    assert!(html.contains("下次重试"));
    assert!(!html.contains(" UTC"), "Beijing time");
    // A filter by state; a state that does not exist is a clear error.
    let failed = shuji
        .get("/devices/outbox?state=sent")
        .await
        .text()
        .await
        .unwrap();
    assert!(failed.contains("wangge1用户") && !failed.contains("赵小明"));
    let (st, e) = shuji.get_json("/api/devices/outbox?state=lost").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("状态"), "{e}");

    // A grid worker sees the duty phone masked too.
    let g1 = app.login("wangge1").await;
    let (st, o) = g1.get_json("/api/devices/outbox").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(o["entries"].as_array().unwrap().len(), 3, "{o}");
    assert_eq!(
        (o["pending"].as_i64(), o["sent"].as_i64()),
        (Some(2), Some(1))
    );
    let duty = o["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["recipient_kind"] == "duty_phone")
        .unwrap();
    assert_eq!(duty["recipient"], "010*****0000");
    assert_eq!(duty["tries"].as_array().unwrap().len(), 1);
    let html = g1.get("/devices/outbox").await.text().await.unwrap();
    assert!(!html.contains("010-66660000") && !html.contains("13900001111"));

    // Another grid's worker and another street's administrator see none of it.
    for user in ["wangge2", "admin_b"] {
        let s = app.login(user).await;
        let (_, o) = s.get_json("/api/devices/outbox").await;
        assert_eq!(o["entries"].as_array().unwrap().len(), 0, "{user}");
        assert_eq!(o["pending"], 0, "{user}");
        let html = s.get("/devices/outbox").await.text().await.unwrap();
        assert!(!html.contains(&number), "{user}");
    }
    // The device list links to both pages.
    let list = shuji.get("/devices").await.text().await.unwrap();
    assert!(
        list.contains("href=\"/devices/outbox\"") && list.contains("href=\"/devices/duty-phones\"")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_duty_phone_page_is_a_form_for_community_heads_and_masked_for_others() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let html = shuji
        .get("/devices/duty-phones")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(
        "action=\"/devices/duty-phones/{}\"",
        w.community_a1
    )));
    let g1 = app.login("wangge1").await;
    assert!(g1
        .get("/devices/duty-phones")
        .await
        .text()
        .await
        .unwrap()
        .contains("未设置"));
    let r = shuji
        .post_form(
            &format!("/devices/duty-phones/{}", w.community_a1),
            &[("phone", "010-66661234")],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    let html = shuji
        .get("/devices/duty-phones")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("value=\"010-66661234\""), "{html}");
    // Bad input: a clear Chinese error, nothing changed.
    let r = shuji
        .post_form(
            &format!("/devices/duty-phones/{}", w.community_a1),
            &[("phone", "abc")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("值班电话"));
    let phone: String = sqlx::query("SELECT phone FROM community_duty_phones")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(phone, "010-66661234");
    let audits: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'duty_phone' AND action = 'update'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(audits, 1);

    // A grid worker sees the phone masked, and no form.
    let html = g1.get("/devices/duty-phones").await.text().await.unwrap();
    assert!(html.contains("010*****1234") && !html.contains("010-66661234"));
    assert!(!html.contains("action=\"/devices/duty-phones/"));
    let r = g1
        .post_form(
            &format!("/devices/duty-phones/{}", w.community_a1),
            &[("phone", "010-11112222")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another street's administrator does not see the community.
    let b = app.login("admin_b").await;
    let (_, rows) = b.get_json("/api/devices/duty-phones").await;
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["community_id"] != w.community_a1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_page_links_its_cases_and_a_case_page_names_its_device() {
    let app = App::start().await;
    let (case, number, dev) = alarm(&app).await;
    let g1 = app.login("wangge1").await;
    let html = g1
        .get(&format!("/devices/{dev}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("<a href=\"/cases/{case}\">{number}</a>")),
        "{html}"
    );
    assert!(html.contains("安康通SOS求助(赵军杰家安康通)"));
    let html = g1
        .get(&format!("/cases/{case}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("<a href=\"/devices/{dev}\">赵军杰家安康通</a>")),
        "{html}"
    );
    // A case nobody's device raised names none.
    let (st, c) = g1
        .post_json(
            "/api/cases",
            json!({"category_id": 1, "title": "路灯不亮", "location_id": app.world.building1}),
        )
        .await;
    if st == StatusCode::OK {
        let html = g1
            .get(&format!("/cases/{}", c["id"]))
            .await
            .text()
            .await
            .unwrap();
        assert!(!html.contains("id=\"case-device\""));
    }
}
