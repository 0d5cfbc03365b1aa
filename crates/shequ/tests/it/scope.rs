//! Scope isolation: a grid worker cannot read or change a person of another grid through any endpoint —
//! list, detail, search, API, pages, dashboard counts — and out-of-scope ids answer 404, not 403.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::support::{id, person_json, App};

#[tokio::test(flavor = "multi_thread")]
async fn a_grid_worker_cannot_reach_another_grids_person_through_any_endpoint() {
    let app = App::start().await;
    let w = &app.world;
    let g2 = app.login("wangge2").await;
    let qian = w.qian;
    let zhao = w.zhao; // grid 1: outside wangge2's scope
                       // Reads: API and pages answer 404 for the other grid, 200 for their own.
    for path in [
        format!("/api/persons/{zhao}"),
        format!("/api/persons/{zhao}/tags"),
        format!("/api/persons/{zhao}/history"),
        format!("/api/households/{}", w.household1),
        format!("/api/nodes/{}", w.grid1),
        format!("/api/nodes/{}", w.dwelling1),
        format!("/api/nodes/{}/children", w.estate1),
        format!("/persons/{zhao}"),
        format!("/persons/{zhao}/edit"),
        format!("/persons/{zhao}/history"),
        format!("/households/{}", w.household1),
        format!("/registry/nodes/{}", w.building1),
    ] {
        assert_eq!(
            g2.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    for path in [
        format!("/api/persons/{qian}"),
        format!("/persons/{qian}"),
        format!("/api/nodes/{}", w.grid2),
        format!("/households/{}", w.household2),
    ] {
        assert_eq!(g2.get(&path).await.status(), StatusCode::OK, "GET {path}");
    }
    // Ids that do not exist at all look the same as out-of-scope ones.
    assert_eq!(
        g2.get("/api/persons/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    // Writes: every one is 404 and changes nothing.
    let before: String =
        sqlx::query("SELECT updated_at || name || status FROM persons WHERE id = $1")
            .bind(zhao)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    let (st, _) = g2
        .put_json(
            &format!("/api/persons/{zhao}"),
            person_json("被改名", &w.zhao_id, w.household2),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(
        g2.post_json(&format!("/api/persons/{zhao}/reveal"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        g2.post_json(
            &format!("/api/persons/{zhao}/events"),
            json!({"kind": "move_out", "date": "2024-01-01"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        g2.post_json(
            &format!("/api/persons/{zhao}/tags"),
            json!({"tag_type_id": 1, "fields": {}})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        g2.put_json(&format!("/api/nodes/{}", w.estate1), json!({"name": "x"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        g2.post_json(&format!("/api/nodes/{}/archive", w.dwelling1), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        g2.post_form(
            &format!("/persons/{zhao}/events"),
            &[("kind", "death"), ("date", "2024-01-01")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        g2.post_form(&format!("/persons/{zhao}/reveal"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let after: String =
        sqlx::query("SELECT updated_at || name || status FROM persons WHERE id = $1")
            .bind(zhao)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(before, after);
    // Moving their own person, building or estate into grid 1 is refused.
    let (st, e) = g2
        .put_json(
            &format!("/api/persons/{qian}"),
            person_json("钱小红", &id("1990-07-01", 222), w.household1),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "所属户");
    let (st, e) = g2
        .post_json(
            &format!("/api/nodes/{}/move", w.building2),
            json!({"parent_id": w.estate1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    // Registering someone into another grid's household is refused the same way.
    let (st, e) = g2
        .post_json(
            "/api/persons",
            person_json("外网格", &id("1999-09-09", 99), w.household1),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "所属户");
    // Lists, search and counts only contain their own grid.
    let (_, list) = g2.get_json("/api/persons").await;
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![qian]);
    let (_, found) = g2.get_json("/api/persons?q=zjj").await;
    assert!(found.as_array().unwrap().is_empty());
    let (_, found) = g2
        .get_json(&format!("/api/persons?q={}", &w.zhao_id[10..16]))
        .await;
    assert!(found.as_array().unwrap().is_empty());
    let page = g2.get("/persons?q=zjj").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("id=\"result-summary\"") && !page.contains("赵军杰"));
    let own = g2.get("/persons?q=qxh").await.text().await.unwrap();
    assert!(
        own.contains("钱小红"),
        "the page search finds their own resident"
    );
    let (_, dash) = g2.get_json("/api/dashboard").await;
    assert_eq!(dash["population"], 1);
    assert_eq!(dash["grids"], 1);
    let (_, roots) = g2.get_json("/api/nodes").await;
    assert_eq!(roots.as_array().unwrap().len(), 1);
    assert_eq!(roots[0]["id"], w.grid2);
    let (_, pop) = g2.get_json("/api/population?date=2030-01-01").await;
    assert_eq!(pop["population"], 1);
    // The same person is visible to their own grid worker and to the community and street above.
    for who in ["wangge1", "shuji", "shegong", "admin"] {
        let s = app.login(who).await;
        assert_eq!(
            s.get(&format!("/api/persons/{zhao}")).await.status(),
            StatusCode::OK,
            "{who}"
        );
    }
    // Another street's administrator sees none of it.
    let b = app.login("admin_b").await;
    assert_eq!(
        b.get(&format!("/api/persons/{zhao}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!("/api/nodes/{}", w.street_a)).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, dash) = b.get_json("/api/dashboard").await;
    assert_eq!(dash["population"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn unauthenticated_requests_are_refused() {
    let app = App::start().await;
    let s = app.anonymous();
    assert_eq!(
        s.get("/api/persons").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.get(&format!("/api/persons/{}", app.world.zhao))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let r = s.get("/persons").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    // The OpenAPI document is public and describes the registry.
    let (st, doc) = s.get_json("/api/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["paths"]["/api/persons/{id}"]["get"].is_object());
    assert!(doc["components"]["schemas"]["PersonInput"].is_object());
    assert!(doc["paths"]["/api/households/{id}/move"]["post"].is_object());
}

/// Services (issue 18): every endpoint with an id answers 404 to another street's administrator and to the
/// other grid's worker for a grid's own record, changes nothing, and the lists are empty for them.
#[tokio::test(flavor = "multi_thread")]
async fn services_records_stay_inside_scope() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let id_of = |v: &serde_json::Value| v["id"].as_i64().unwrap();
    let post = |path: &'static str, body: serde_json::Value| {
        let s = &shuji;
        async move {
            let (st, v) = s.post_json(path, body).await;
            assert_eq!(st, StatusCode::OK, "{path}: {v}");
            v
        }
    };
    let g = w.grid1;
    let a = id_of(
        &post(
            "/api/activities",
            json!({"title": "网格宣传", "kind": "宣传", "starts_on": "2025-05-01", "area_id": g}),
        )
        .await,
    );
    let venue = id_of(
        &post(
            "/api/venues",
            json!({"name": "网格活动室", "kind": "活动室", "area_id": g}),
        )
        .await,
    );
    let team = id_of(
        &post(
            "/api/volunteer-teams",
            json!({"name": "网格环保队", "service": "环保", "area_id": g}),
        )
        .await,
    );
    let (_, m) = shuji
        .post_json(
            &format!("/api/volunteer-teams/{team}/members"),
            json!({"person_id": w.zhao}),
        )
        .await;
    let member = id_of(&m);
    let (_, r) = shuji
        .post_json(
            &format!("/api/volunteer-teams/{team}/records"),
            json!({"member_id": member, "served_on": "2025-05-02", "what": "捡垃圾", "hours": 2}),
        )
        .await;
    let record = id_of(&r);
    let org = id_of(
        &post(
            "/api/party/orgs",
            json!({"name": "网格党小组", "kind": "党小组", "area_id": g}),
        )
        .await,
    );
    let (_, s) = shuji
        .post_json(
            &format!("/api/activities/{a}/signups"),
            json!({"person_id": w.zhao}),
        )
        .await;
    let signup = id_of(&s);
    let gets = [
        format!("/api/activities/{a}"),
        format!("/api/activities/{a}/signups"),
        format!("/api/venues/{venue}/bookings"),
        format!("/api/volunteer-teams/{team}"),
        format!("/api/volunteer-teams/{team}/records"),
        format!("/api/volunteer-teams/{team}/hours"),
        format!("/api/volunteer-members/{member}/certificate"),
        format!("/api/party/orgs/{org}"),
        format!("/activities/{a}"),
        format!("/activities/{a}/signups.xlsx"),
        format!("/venues/{venue}"),
        format!("/venues/{venue}/bookings.xlsx"),
        format!("/volunteers/{team}"),
        format!("/volunteers/{team}/records.xlsx"),
        format!("/volunteers/{team}/hours.xlsx"),
        format!("/volunteers/members/{member}/certificate"),
        format!("/party/orgs/{org}"),
        format!("/party/orgs/{org}/members.xlsx"),
    ];
    let posts = [
        (
            format!("/api/activities/{a}/signups"),
            json!({"person_id": w.qian}),
        ),
        (
            format!("/api/activities/{a}/signups/{signup}/attendance"),
            json!({"present": true}),
        ),
        (
            format!("/api/venues/{venue}/bookings"),
            json!({"starts_at": "2030-01-01 09:00", "ends_at": "2030-01-01 10:00", "purpose": "x"}),
        ),
        (
            format!("/api/volunteer-teams/{team}/members"),
            json!({"name": "外人"}),
        ),
        (
            format!("/api/volunteer-teams/{team}/records"),
            json!({"member_id": member, "served_on": "2025-05-03", "what": "x", "hours": 1}),
        ),
        (
            format!("/api/volunteer-records/{record}/decision"),
            json!({"step": "approve"}),
        ),
        (
            format!("/api/party/orgs/{org}/members"),
            json!({"person_id": w.qian, "category": "在职", "joined_on": "2000-01-01"}),
        ),
        (
            format!("/api/party/orgs/{org}/meetings"),
            json!({"kind": "党小组会", "held_on": "2025-05-01", "topic": "x"}),
        ),
    ];
    for who in ["admin_b", "wangge2"] {
        let s = app.login(who).await;
        for path in &gets {
            assert_eq!(
                s.get(path).await.status(),
                StatusCode::NOT_FOUND,
                "{who} GET {path}"
            );
        }
        for (path, body) in &posts {
            let (st, v) = s.post_json(path, body.clone()).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{who} POST {path}: {v}");
        }
        for list in [
            "/api/activities",
            "/api/venues",
            "/api/volunteer-teams",
            "/api/party/orgs",
            "/api/party/meetings",
            "/api/units",
            "/api/agreements",
        ] {
            let (st, v) = s.get_json(list).await;
            assert_eq!(st, StatusCode::OK);
            assert_eq!(v.as_array().unwrap().len(), 0, "{who} {list}: {v}");
        }
    }
    // Nothing changed.
    for (table, n) in [
        ("activity_signups", 1),
        ("venue_bookings", 0),
        ("volunteer_members", 1),
        ("party_members", 0),
        ("party_meetings", 0),
    ] {
        let c: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(c, n, "{table}");
    }
    let state: String = sqlx::query("SELECT state FROM volunteer_records WHERE id = $1")
        .bind(record)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "submitted");
    // The grid's own worker reaches them.
    let g1 = app.login("wangge1").await;
    for path in &gets[..8] {
        assert_eq!(
            g1.get(path).await.status(),
            StatusCode::OK,
            "wangge1 GET {path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn devices_of_another_grid_or_street_answer_404_on_every_device_endpoint() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let (st, d) = admin
        .post_json(
            "/api/devices",
            json!({"code": "SCOPE-1", "name": "烟感", "kind": "smoke", "location_id": w.building1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let dev = d["device"]["id"].as_i64().unwrap();
    let g1 = app.login("wangge1").await;
    for path in [format!("/api/devices/{dev}"), format!("/devices/{dev}")] {
        assert_eq!(g1.get(&path).await.status(), StatusCode::OK, "GET {path}");
    }
    for user in ["wangge2", "admin_b"] {
        let s = app.login(user).await;
        for path in [format!("/api/devices/{dev}"), format!("/devices/{dev}")] {
            assert_eq!(
                s.get(&path).await.status(),
                StatusCode::NOT_FOUND,
                "{user} GET {path}"
            );
        }
        let (_, list) = s.get_json(&format!("/api/devices?grid={}", w.grid1)).await;
        assert_eq!(list.as_array().unwrap().len(), 0, "{user}");
        let (_, silent) = s.get_json("/api/devices/silent").await;
        assert_eq!(silent["total"], 0, "{user}");
        assert!(!s
            .get("/devices")
            .await
            .text()
            .await
            .unwrap()
            .contains("SCOPE-1"));
        // The outbox and the duty phones: nothing of the other grid's or street's.
        let (st, outbox) = s.get_json("/api/devices/outbox").await;
        assert_eq!(st, StatusCode::OK, "{user}");
        assert_eq!(outbox["entries"].as_array().unwrap().len(), 0, "{user}");
        assert_eq!(
            s.get("/devices/outbox").await.status(),
            StatusCode::OK,
            "{user}"
        );
        let (_, phones) = s.get_json("/api/devices/duty-phones").await;
        let other_street = user == "admin_b";
        assert_eq!(
            phones
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["community_id"] == w.community_a1),
            !other_street,
            "{user}"
        );
    }
    // Another street's administrator cannot set this community's duty phone, nor register in its places.
    let b = app.login("admin_b").await;
    let (st, _) = b
        .put_json(
            &format!("/api/devices/duty-phones/{}", w.community_a1),
            json!({"phone": "010-12345678"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = b
        .post_json(
            "/api/devices",
            json!({"code": "SCOPE-2", "name": "烟感", "kind": "smoke", "location_id": w.building1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM community_duty_phones")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

/// The PIPL requests (issue 16) on a person outside the user's scope answer 404 and change nothing.
#[tokio::test(flavor = "multi_thread")]
async fn personal_data_requests_stay_inside_scope() {
    let app = App::start().await;
    let w = &app.world;
    let zhao = w.zhao;
    let state = || async {
        sqlx::query("SELECT updated_at || name || archived FROM persons WHERE id = $1")
            .bind(zhao)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get::<String, _>(0)
    };
    let before = state().await;
    for who in ["wangge2", "admin_b"] {
        let s = app.login(who).await;
        let reason = json!({"reason": "本人申请"});
        for (path, body) in [
            (format!("/api/persons/{zhao}/data-export"), reason.clone()),
            (
                format!("/api/persons/{zhao}/correction"),
                json!({"reason": "本人申请", "person": person_json("被改名", &w.zhao_id, w.household1)}),
            ),
            (
                format!("/api/persons/{zhao}/archive-request"),
                reason.clone(),
            ),
            (
                "/api/persons/999999/data-export".to_string(),
                reason.clone(),
            ),
        ] {
            let (st, _) = s.post_json(&path, body).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{who} POST {path}");
        }
    }
    assert_eq!(state().await, before);
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'pipl_%' OR action = 'unmask'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(n, 0);
    // Inside the scope the same request works.
    let g1 = app.login("wangge1").await;
    let (st, _) = g1
        .post_json(
            &format!("/api/persons/{zhao}/data-export"),
            json!({"reason": "本人申请"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
}
