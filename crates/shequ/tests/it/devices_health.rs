//! Issue 22: device health and the registry. A device silent beyond its kind's interval shows on its grid
//! worker's 工作台 (and nobody else's) until a heartbeat comes; the device list and a device's page are
//! scoped; archiving the place retires the device; bad registrations name the field.

use reqwest::StatusCode;
use serde_json::json;
use shequ::devices::intake::{self, Signed, Target, Via};
use sqlx::Row;

use crate::support::App;

fn signed_now(secret: &str, body: &str, ts: i64) -> (String, String) {
    let ts = ts.to_string();
    let sig = shequ::devices::sign(secret, &ts, body.as_bytes());
    (ts, sig)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_device_shows_on_the_grid_workers_todo_list_until_a_heartbeat_comes() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let (st, d) = admin
        .post_json(
            "/api/devices",
            json!({"code": "CAM-1", "name": "一号楼门口摄像头", "kind": "camera", "location_id": app.world.building1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let dev = d["device"]["id"].as_i64().unwrap();
    let secret = d["secret"].as_str().unwrap().to_string();
    assert_eq!(d["device"]["state"], "ok");
    assert_eq!(d["device"]["place"], "1号楼");
    // Its last heartbeat came (late, over MQTT) an hour ago; a camera's interval is 10 minutes.
    let body = json!({"battery": 35, "signal": -91}).to_string();
    let an_hour_ago = chrono::Utc::now().timestamp() - 3600;
    let (ts, sig) = signed_now(&secret, &body, an_hour_ago);
    let now = chrono::Utc::now().naive_utc();
    let msg = Signed {
        timestamp: &ts,
        signature: &sig,
        body: body.as_bytes(),
    };
    assert_eq!(
        intake::heartbeat(&app.db, Target::Id(dev), msg, now, Via::Mqtt)
            .await
            .unwrap(),
        Ok(())
    );
    // Over HTTP the same late heartbeat is refused: HTTP devices post at once.
    assert!(
        intake::heartbeat(&app.db, Target::Id(dev), msg, now, Via::Http)
            .await
            .unwrap()
            .is_err()
    );
    let w1 = app.login("wangge1").await;
    let (_, silent) = w1.get_json("/api/devices/silent").await;
    assert_eq!(silent["total"], 1, "{silent}");
    assert_eq!(silent["items"][0]["name"], "一号楼门口摄像头");
    assert_eq!(silent["items"][0]["battery"], 35);
    let home = w1.get("/").await.text().await.unwrap();
    assert!(home.contains("id=\"todo-devices\""), "{home}");
    assert!(home.contains("一号楼门口摄像头"));
    // Another grid's worker does not see it, on the 工作台 or anywhere else.
    let w2 = app.login("wangge2").await;
    let (_, silent2) = w2.get_json("/api/devices/silent").await;
    assert_eq!(silent2["total"], 0);
    assert!(!w2
        .get("/")
        .await
        .text()
        .await
        .unwrap()
        .contains("一号楼门口摄像头"));
    let b = app.login("admin_b").await;
    for s in [&w2, &b] {
        assert_eq!(
            s.get(&format!("/api/devices/{dev}")).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            s.get(&format!("/devices/{dev}")).await.status(),
            StatusCode::NOT_FOUND
        );
        let (_, list) = s.get_json("/api/devices").await;
        assert_eq!(list.as_array().unwrap().len(), 0);
    }
    // The grid's list shows it silent, in Beijing time, with battery and signal.
    let (_, list) = w1
        .get_json(&format!("/api/devices?grid={}", app.world.grid1))
        .await;
    assert_eq!(list[0]["state"], "silent");
    let page = w1.get("/devices?state=silent").await.text().await.unwrap();
    assert!(
        page.contains("一号楼门口摄像头") && page.contains("35%") && page.contains("-91 dBm"),
        "{page}"
    );
    // A heartbeat now, over HTTP: the device is heard from and leaves the list.
    let body = json!({"battery": 80, "signal": -70}).to_string();
    let (ts, sig) = signed_now(&secret, &body, chrono::Utc::now().timestamp());
    let r = reqwest::Client::new()
        .post(format!("{}/api/devices/{dev}/heartbeat", app.base))
        .header("x-timestamp", ts)
        .header("x-signature", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, silent) = w1.get_json("/api/devices/silent").await;
    assert_eq!(silent["total"], 0);
    let (_, d) = w1.get_json(&format!("/api/devices/{dev}")).await;
    assert_eq!(
        (
            d["device"]["state"].as_str(),
            d["device"]["battery"].as_i64()
        ),
        (Some("ok"), Some(80))
    );
    // A malformed heartbeat is refused and counted.
    let (ts, sig) = signed_now(&secret, "battery=80", chrono::Utc::now().timestamp());
    let r = reqwest::Client::new()
        .post(format!("{}/api/devices/{dev}/heartbeat", app.base))
        .header("x-timestamp", ts)
        .header("x-signature", sig)
        .body("battery=80")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let n: i64 = sqlx::query(
        "SELECT count FROM device_refusals WHERE device_id = $1 AND reason = 'bad_body'",
    )
    .bind(dev)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sos_belongs_to_a_person_and_archiving_its_place_retires_it() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    // Bad input names the field and changes nothing.
    for (body, field) in [
        (
            json!({"code": "S 1", "name": "x", "kind": "sos", "location_id": app.world.dwelling1}),
            "设备编码",
        ),
        (
            json!({"code": "S1", "name": "x", "kind": "fridge", "location_id": app.world.dwelling1}),
            "设备类型",
        ),
        (
            json!({"code": "S1", "name": "x", "kind": "sos", "location_id": app.world.grid1}),
            "安装位置",
        ),
        (
            json!({"code": "S1", "name": "x", "kind": "sos", "location_id": app.world.dwelling_b}),
            "安装位置",
        ),
        (
            json!({"code": "S1", "name": "x", "kind": "sos", "location_id": app.world.dwelling1, "person_id": app.world.sun}),
            "使用人",
        ),
        (
            json!({"code": "S1", "name": "x", "kind": "sos", "location_id": app.world.dwelling1, "contact_phone": "123"}),
            "紧急联系人电话",
        ),
    ] {
        let (st, e) = admin.post_json("/api/devices", body).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(
            e["error"].as_str().unwrap().contains(field) || e["field"] == field,
            "{field}: {e}"
        );
    }
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(&db.pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM devices").await, 0);
    let (st, room) = admin
        .post_json(
            "/api/nodes",
            json!({"parent_id": app.world.building1, "kind": "dwelling", "name": "102"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{room}");
    let room = room["id"].as_i64().unwrap();
    let (st, d) = admin
        .post_json(
            "/api/devices",
            json!({"code": "SOS-102", "name": "102安康通", "kind": "sos", "location_id": room,
                   "person_id": app.world.zhao, "contact_name": "赵小明", "contact_phone": "13900001111"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let dev = d["device"]["id"].as_i64().unwrap();
    assert_eq!(d["device"]["person_name"], "赵军杰");
    // The contact's phone is personal: masked in every answer.
    assert_ne!(d["device"]["contact_phone"], "13900001111");
    let page = admin
        .get(&format!("/devices/{dev}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("赵军杰") && !page.contains("13900001111"),
        "{page}"
    );
    let (st, _) = admin
        .post_json(&format!("/api/nodes/{room}/archive"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, list) = admin.get_json("/api/devices").await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["code"] != "SOS-102"));
    let (_, d) = admin.get_json(&format!("/api/devices/{dev}")).await;
    assert_eq!(d["device"]["state"], "retired");
    assert_eq!(
        count("SELECT COUNT(*) FROM audit_log WHERE entity = 'device' AND action = 'retire'").await,
        1
    );
    // A retired device's events are refused as from an unknown device.
    let body = json!({"type": "sos", "id": "x"}).to_string();
    let (ts, sig) = signed_now("irrelevant", &body, chrono::Utc::now().timestamp());
    let r = reqwest::Client::new()
        .post(format!("{}/api/devices/{dev}/events", app.base))
        .header("x-timestamp", ts)
        .header("x-signature", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_community_head_registers_an_sos_on_the_page_by_household_number_and_sees_the_secret_once(
) {
    let app = App::start().await;
    let shuji = app.login("shuji").await;
    let page = shuji.get("/devices").await.text().await.unwrap();
    assert!(page.contains("id=\"device-form\""), "{page}");
    let zhao = app.world.zhao.to_string();
    let r = shuji
        .post_form(
            "/devices",
            &[
                ("code", "AKT-H001"),
                ("name", "赵军杰家安康通"),
                ("kind", "sos"),
                ("household", "H001"),
                ("person_id", zhao.as_str()),
                ("contact_name", "赵小明"),
                ("contact_phone", "13900001111"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"device-secret\"") && html.contains("赵军杰"),
        "{html}"
    );
    assert!(!html.contains("13900001111"));
    let place: i64 = sqlx::query("SELECT location_node_id FROM devices WHERE code = 'AKT-H001'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(place, app.world.dwelling1);
    // The secret is not shown again.
    let (_, list) = shuji.get_json("/api/devices").await;
    let id = list[0]["id"].as_i64().unwrap();
    assert!(!shuji
        .get(&format!("/devices/{id}"))
        .await
        .text()
        .await
        .unwrap()
        .contains("device-secret"));
    // A household outside the scope, and a grid worker, are refused; nothing is written.
    let r = shuji
        .post_form(
            "/devices",
            &[
                ("code", "AKT-2"),
                ("name", "x"),
                ("kind", "sos"),
                ("household", "H900"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("户号"));
    let w1 = app.login("wangge1").await;
    let b1 = app.world.building1.to_string();
    let r = w1
        .post_form(
            "/devices",
            &[
                ("code", "AKT-3"),
                ("name", "x"),
                ("kind", "smoke"),
                ("location_id", b1.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM devices")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}
