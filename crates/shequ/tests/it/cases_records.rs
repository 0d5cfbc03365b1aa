//! Cases beyond the loop: mediation records and the dispute figure, the dashboard, device alarms, and the
//! category tree — over real HTTP on both databases.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::cases::{category, ok, report, timeline_kinds};
use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn mediation_records_and_the_dispute_figure() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let shuji = app.login("shuji").await;
    // Three accepted disputes in community 1 (two mediated successfully), one still only reported, one
    // accepted case that is not a dispute.
    let a = report(&g1, "dispute.neighbour", w.dwelling1, "噪音纠纷").await;
    let b = report(&g1, "dispute.family", w.grid1, "赡养纠纷").await;
    let c = report(&g2, "dispute.property", w.dwelling2, "物业费纠纷").await;
    let _pending = report(&g2, "dispute.neighbour", w.grid2, "未立案纠纷").await;
    let env = report(&g1, "sanitation", w.grid1, "垃圾").await;
    for (s, id) in [(&g1, a), (&g1, b), (&g2, c), (&g1, env)] {
        ok(s, id, "accept", json!({})).await;
    }
    // Mediation only for disputes, with a known result.
    let (st, _) = g1
        .put_json(
            &format!("/api/cases/{env}/mediation"),
            json!({"mediators": "张三"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, e) = g1
        .put_json(
            &format!("/api/cases/{a}/mediation"),
            json!({"mediators": "张三", "result": "和解"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "调解结果");
    let (st, m) = g1
        .put_json(
            &format!("/api/cases/{a}/mediation"),
            json!({"mediators": "张三、李四"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    let (st, m) = g1
        .post_json(
            &format!("/api/cases/{a}/mediation/sessions"),
            json!({"held_on": "2026-03-02", "place": "社区调解室", "outcome": "双方同意晚十点后不施工"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(m["sessions"][0]["place"], "社区调解室");
    let (st, _) = g1
        .post_json(
            &format!("/api/cases/{a}/mediation/sessions"),
            json!({"held_on": "2026-02-30", "outcome": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, m) = g1
        .put_json(
            &format!("/api/cases/{a}/mediation"),
            json!({"mediators": "张三、李四", "result": "调解成功", "agreement": "晚十点后不施工"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(m["result"], "调解成功");
    for (s, id, result, agreement) in [
        (&g1, b, "调解成功", "子女按月支付赡养费"),
        (&g2, c, "移交法院", ""),
    ] {
        let (st, m) = s
            .put_json(
                &format!("/api/cases/{id}/mediation"),
                json!({"mediators": "王调解", "result": result, "agreement": agreement}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{m}");
    }
    let (_, d) = g1.get_json(&format!("/api/cases/{a}")).await;
    assert_eq!(d["mediation"]["agreement"], "晚十点后不施工");
    assert!(timeline_kinds(&g1, a)
        .await
        .contains(&"mediation".to_string()));

    let today = shequ::db::today();
    let q = format!(
        "from={}&to={}",
        today - chrono::Duration::days(1),
        today + chrono::Duration::days(1)
    );
    let (st, f) = shuji
        .get_json(&format!("/api/cases/figures/disputes?{q}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{f}");
    assert_eq!(
        f["text"],
        "共受理各类纠纷3起,调解成功2起,未发生居民群体上访事件"
    );
    // Each grid worker sees only their grid's figure.
    let (_, f) = g2
        .get_json(&format!("/api/cases/figures/disputes?{q}"))
        .await;
    assert_eq!(
        (f["disputes"].as_i64(), f["mediated"].as_i64()),
        (Some(1), Some(0))
    );
    // A period before the cases counts nothing.
    let (_, f) = shuji
        .get_json("/api/cases/figures/disputes?from=2020-01-01&to=2020-12-31")
        .await;
    assert_eq!(
        f["text"],
        "共受理各类纠纷0起,调解成功0起,未发生居民群体上访事件"
    );
    let (st, _) = shuji
        .get_json("/api/cases/figures/disputes?from=2020-12-31&to=2020-01-01")
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // A group petition is reported in the line.
    let cat = category(&g1, "petition").await;
    let (st, _) = g1
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "上级交办", "title": "集体反映拆迁补偿", "location_id": w.grid1,
                   "group_petition": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, f) = shuji
        .get_json(&format!("/api/cases/figures/disputes?{q}"))
        .await;
    assert_eq!(
        f["text"],
        "共受理各类纠纷3起,调解成功2起,发生居民群体上访事件1起"
    );

    // The dashboard counts by category and grid.
    let (st, d) = shuji.get_json(&format!("/api/cases/dashboard?{q}")).await;
    assert_eq!(st, StatusCode::OK, "{d}");
    assert_eq!(d["total"]["received"], 6);
    assert_eq!(d["total"]["open"], 6);
    let grid1 = d["by_grid"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == w.grid1)
        .unwrap();
    assert_eq!(grid1["received"], 4);
    let page = shuji
        .get(&format!("/cases/dashboard?{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("共受理各类纠纷3起,调解成功2起"));
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_counts_closed_on_time_and_satisfaction() {
    let app = App::start().await;
    let g1 = app.login("wangge1").await;
    let shuji = app.login("shuji").await;
    let mut done = vec![];
    for (title, rating) in [("甲", "满意"), ("乙", "不满意"), ("丙", "基本满意")] {
        let id = report(&g1, "sanitation", app.world.grid1, title).await;
        ok(&g1, id, "accept", json!({})).await;
        ok(
            &g1,
            id,
            "dispatch",
            json!({"to": "department", "to_name": "物业"}),
        )
        .await;
        ok(&g1, id, "handle", json!({"note": "已清理"})).await;
        ok(&shuji, id, "verify", json!({})).await;
        ok(&shuji, id, "close", json!({})).await;
        ok(&shuji, id, "rate", json!({"rating": rating})).await;
        done.push(id);
    }
    report(&g1, "sanitation", app.world.grid1, "丁").await;
    let today = shequ::db::today();
    let (_, d) = shuji
        .get_json(&format!("/api/cases/dashboard?from={today}&to={today}"))
        .await;
    let t = &d["total"];
    assert_eq!(t["received"], 4);
    // The 不满意 one was reopened: not closed any more.
    assert_eq!(t["closed"], 2);
    assert_eq!(t["closed_on_time"], 2);
    assert_eq!(t["rated"], 3);
    assert_eq!(t["satisfied"], 2);
    assert_eq!(t["satisfaction"], 66.7);
    assert_eq!(t["open"], 2);
    assert_eq!(d["by_category"][0]["name"], "环境卫生");
    let worker = d["by_worker"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "wangge1用户")
        .unwrap();
    assert_eq!(worker["received"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn device_alarms_open_cases_and_bad_signatures_are_refused_and_logged() {
    use shequ::devices::sign;
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let shegong = app.login("shegong").await;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let body =
        json!({"code": "YG-001", "name": "1号楼烟感", "kind": "smoke", "location_id": w.dwelling1});
    assert_eq!(
        shegong.post_json("/api/devices", body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, d) = admin.post_json("/api/devices", body).await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let dev = d["device"]["id"].as_i64().unwrap();
    let secret = d["secret"].as_str().unwrap().to_string();
    let (_, list) = g1.get_json("/api/devices").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, list) = g2.get_json("/api/devices").await;
    assert!(list.as_array().unwrap().is_empty());

    let device = app.anonymous();
    let send = |ts: i64, sig: Option<String>, body: String, id: i64| {
        let client = device.client.clone();
        let url = device.url(&format!("/api/devices/{id}/events"));
        let secret = secret.clone();
        async move {
            let ts = ts.to_string();
            let sig = sig.unwrap_or_else(|| sign(&secret, &ts, body.as_bytes()));
            let r = client
                .post(url)
                .header("content-type", "application/json")
                .header("x-timestamp", &ts)
                .header("x-signature", sig)
                .body(body)
                .send()
                .await
                .unwrap();
            let st = r.status();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let now = chrono::Utc::now().timestamp();
    let first = json!({"type": "smoke", "message": "101室烟雾浓度超标"}).to_string();
    let (st, o) = send(now, None, first.clone(), dev).await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["joined"], false);
    let case_id = o["case_id"].as_i64().unwrap();
    // The exact same request again is a replay.
    let (st, _) = send(now, None, first.clone(), dev).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // A second alarm within the window joins the open case.
    let second = json!({"type": "smoke", "message": "持续报警"}).to_string();
    let (st, o) = send(now + 1, None, second, dev).await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["joined"], true);
    assert_eq!(o["case_id"], case_id);
    // Wrong signature, old timestamp, unknown device, unknown type.
    let other = json!({"type": "smoke"}).to_string();
    let (st, e) = send(now, Some("00".repeat(32)), other.clone(), dev).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"], "签名错误");
    let (st, e) = send(now - 3600, None, other.clone(), dev).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"], "时间戳已过期或无效");
    assert_eq!(send(now, None, other, 99999).await.0, StatusCode::NOT_FOUND);
    let (st, _) = send(now, None, json!({"type": "flood"}).to_string(), dev).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let reasons: Vec<String> = sqlx::query(
        "SELECT COALESCE(reason, 'ok') FROM device_events WHERE device_id = $1 ORDER BY id",
    )
    .bind(dev)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(
        reasons,
        ["ok", "replay", "ok", "stale_timestamp", "bad_body"]
    );
    // Requests nobody signed are counted, not stored.
    let counted: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT device_id, reason, count FROM device_refusals ORDER BY device_id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        counted,
        [
            (0, "unknown_device".to_string(), 1),
            (dev, "bad_signature".to_string(), 1)
        ]
    );
    // The case is in the device's grid, with the configured category, seen only there.
    let (st, d) = g1.get_json(&format!("/api/cases/{case_id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(d["case"]["source"], "设备报警");
    assert_eq!(d["case"]["category_name"], "安全隐患/消防");
    assert_eq!(d["case"]["grid_id"], w.grid1);
    let kinds: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["create", "device"]);
    assert_eq!(
        g2.get(&format!("/api/cases/{case_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn categories_are_a_configurable_tree_with_stage_hours() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let shegong = app.login("shegong").await;
    let (_, cats) = admin.get_json("/api/case-categories").await;
    let names: Vec<&str> = cats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["full_name"].as_str().unwrap())
        .collect();
    for n in [
        "矛盾纠纷/家庭问题",
        "矛盾纠纷/邻里纠纷",
        "安全隐患/消防",
        "环境卫生",
        "城市管理",
        "信访",
        "求助/困难帮扶",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let dispute = category(&admin, "dispute").await;
    let body = json!({"code": "dispute.parking", "name": "停车纠纷", "parent_id": dispute, "dispute": true,
        "accept_hours": 12, "dispatch_hours": 12, "handle_hours": 48, "close_hours": 24});
    assert_eq!(
        shegong
            .post_json("/api/case-categories", body.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (st, c) = admin.post_json("/api/case-categories", body.clone()).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["full_name"], "矛盾纠纷/停车纠纷");
    assert_eq!(
        admin.post_json("/api/case-categories", body).await.0,
        StatusCode::CONFLICT
    );
    let id = c["id"].as_i64().unwrap();
    let (st, e) = admin
        .put_json(
            &format!("/api/case-categories/{id}"),
            json!({"accept_hours": 0, "dispatch_hours": 1, "handle_hours": 1, "close_hours": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "立案时限");
    let (st, c) = admin
        .put_json(
            &format!("/api/case-categories/{id}"),
            json!({"accept_hours": 1, "dispatch_hours": 2, "handle_hours": 3, "close_hours": 4}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(c["handle_hours"], 3);
    // A new case takes its limits from its category: 1 hour to accept, 10 hours in all.
    let g1 = app.login("wangge1").await;
    let case = report(&g1, "dispute.parking", app.world.grid1, "抢占车位").await;
    let (_, d) = g1.get_json(&format!("/api/cases/{case}")).await;
    let ts = |s: &Value| {
        chrono::NaiveDateTime::parse_from_str(s.as_str().unwrap(), "%Y-%m-%d %H:%M:%S").unwrap()
    };
    let c = &d["case"];
    assert_eq!(
        (ts(&c["stage_due_at"]) - ts(&c["created_at"])).num_hours(),
        1
    );
    assert_eq!((ts(&c["due_at"]) - ts(&c["created_at"])).num_hours(), 10);
    // The API document describes the case endpoints.
    let (_, doc) = g1.get_json("/api/openapi.json").await;
    assert!(doc["paths"]["/api/cases/{id}/verify"]["post"].is_object());
    assert!(doc["paths"]["/api/devices/{id}/events"]["post"].is_object());
    assert!(doc["components"]["schemas"]["NewCase"].is_object());
}
