//! Home visits (走访) over HTTP: recording (四必访 with its reason), coverage on a known small data set (the
//! expected figures are computed here from what the test created), visit rules and overdue lists, the worker
//! diary assembled from the day's records, and scope isolation.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::StatusCode;
use serde_json::{json, Value};
use shequ::accounts::Actor;
use shequ::registry::households::{self, HouseholdInput};
use sqlx::Row;

use crate::cases::{ok, report, user_id};
use crate::hazards::{day, new_hazard};
use crate::support::{App, Session};

async fn household(app: &App, dwelling: i64, number: &str) -> i64 {
    households::create(
        &app.db,
        &Actor::system(),
        dwelling,
        &HouseholdInput {
            number: number.into(),
        },
    )
    .await
    .unwrap()
    .id
}

async fn visit(s: &Session, household: i64, on: &str, kind: &str, reason: &str) -> Value {
    let (st, v) = s
        .post_json(
            "/api/visits",
            json!({"household_id": household, "visited_on": on, "kind": kind, "reason": reason, "note": "了解近况"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

fn row<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("row {name} in {rows}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn coverage_overdue_lists_and_rules_on_a_known_data_set() {
    let app = App::start().await;
    let w = &app.world;
    // Community 幸福社区: grid 1 holds H001, HA, HB; grid 2 holds H002, HC.
    let ha = household(&app, w.dwelling1, "HA").await;
    let hb = household(&app, w.dwelling1, "HB").await;
    let hc = household(&app, w.dwelling2, "HC").await;
    let grid_of: BTreeMap<i64, &str> = [
        (w.household1, "第一网格"),
        (ha, "第一网格"),
        (hb, "第一网格"),
        (w.household2, "第二网格"),
        (hc, "第二网格"),
    ]
    .into_iter()
    .collect();
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let shegong = app.login("shegong").await;
    let shuji = app.login("shuji").await;

    // Checks name the field.
    let (st, e) = g1
        .post_json(
            "/api/visits",
            json!({"household_id": w.household1, "kind": "四必访"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "走访事由");
    let (st, e) = g1
        .post_json(
            "/api/visits",
            json!({"household_id": w.household1, "visited_on": day(1)}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "走访日期");
    let (st, e) = g1
        .post_json("/api/visits", json!({"household_id": w.household2}))
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "grid 2 is not wangge1's"
    );
    assert_eq!(e["field"], "走访对象");

    // (session, worker, household, days ago, kind, reason)
    let plan: Vec<(&Session, &str, i64, i64, &str, &str)> = vec![
        (&g1, "wangge1用户", w.household1, 10, "日常走访", ""),
        (&g1, "wangge1用户", w.household1, 5, "四必访", "病"),
        (&g1, "wangge1用户", hb, 400, "日常走访", ""),
        (&g2, "wangge2用户", w.household2, 3, "四必访", "婚丧"),
        (&shegong, "shegong用户", ha, 20, "四必访", "困"),
    ];
    for (s, _, h, ago, kind, reason) in &plan {
        let v = visit(s, *h, &day(-ago), kind, reason).await;
        assert_eq!(v["kind"], *kind);
    }

    // Coverage over the last 30 days, computed from the plan.
    let (from, to) = (day(-30), day(0));
    let in_period: Vec<_> = plan.iter().filter(|p| p.3 <= 30).collect();
    let visited: BTreeSet<i64> = in_period.iter().map(|p| p.2).collect();
    let (st, c) = shuji
        .get_json(&format!("/api/visits/coverage?from={from}&to={to}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["total"]["households"], grid_of.len());
    assert_eq!(c["total"]["visited"], visited.len());
    assert_eq!(c["total"]["visits"], in_period.len());
    assert_eq!(c["total"]["rate"], percent(visited.len(), grid_of.len()));
    for grid in ["第一网格", "第二网格"] {
        let hh = grid_of.values().filter(|g| **g == grid).count();
        let v = visited.iter().filter(|h| grid_of[h] == grid).count();
        let r = row(&c["by_grid"], grid);
        assert_eq!(r["households"], hh, "{grid}");
        assert_eq!(r["visited"], v, "{grid}");
        assert_eq!(r["rate"], percent(v, hh), "{grid}");
    }
    // A worker's households are those of their own area: a grid for grid workers, the community for the
    // social worker.
    for (worker, area) in [
        ("wangge1用户", Some("第一网格")),
        ("wangge2用户", Some("第二网格")),
        ("shegong用户", None),
    ] {
        let hh = grid_of
            .values()
            .filter(|g| area.is_none_or(|a| **g == a))
            .count();
        let mine: Vec<_> = in_period.iter().filter(|p| p.1 == worker).collect();
        let v: BTreeSet<i64> = mine.iter().map(|p| p.2).collect();
        let r = row(&c["by_worker"], worker);
        assert_eq!(r["households"], hh, "{worker}");
        assert_eq!(r["visited"], v.len(), "{worker}");
        assert_eq!(r["visits"], mine.len(), "{worker}");
        assert_eq!(r["rate"], percent(v.len(), hh), "{worker}");
    }
    // The grid worker's own coverage counts only grid 1.
    let (_, c1) = g1
        .get_json(&format!("/api/visits/coverage?from={from}&to={to}"))
        .await;
    let grid1: Vec<_> = grid_of.iter().filter(|(_, g)| **g == "第一网格").collect();
    let v1 = visited.iter().filter(|h| grid_of[h] == "第一网格").count();
    assert_eq!(c1["total"]["households"], grid1.len());
    assert_eq!(c1["total"]["rate"], percent(v1, grid1.len()));
    assert_eq!(c1["by_grid"].as_array().unwrap().len(), 1);

    // Rules: every household once a year; 独居老人 every 4 days.
    let (st, _) = g1
        .post_json(
            "/api/visit-rules",
            json!({"name": "每年一次", "every_days": 365}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, e) = shuji
        .post_json(
            "/api/visit-rules",
            json!({"name": "每年一次", "every_days": 0}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "走访周期");
    let (st, yearly) = shuji
        .post_json(
            "/api/visit-rules",
            json!({"name": "全部住户每年走访一次", "every_days": 365}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{yearly}");
    let elderly_type: i64 = sqlx::query("SELECT id FROM tag_types WHERE code = 'elderly_alone'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    let (st, elderly) = shuji
        .post_json(
            "/api/visit-rules",
            json!({"name": "独居老人每4天走访", "tag_type_id": elderly_type, "every_days": 4}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{elderly}");
    assert_eq!(elderly["tag_name"], "独居老人");
    for person in [w.zhao, w.qian] {
        // 独居老人 are 60 and over (the group's rule): these two are, for this test.
        sqlx::query("UPDATE persons SET birth_date = '1945-01-01' WHERE id = $1")
            .bind(person)
            .execute(&app.db.pool)
            .await
            .unwrap();
        let (st, t) = shuji
            .post_json(
                &format!("/api/persons/{person}/tags"),
                json!({"tag_type_id": elderly_type}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{t}");
    }

    // Yearly: never visited first (HC), then HB, last seen 400 days ago.
    let (st, o) = shuji
        .get_json(&format!("/api/visit-rules/{}/overdue", yearly["id"]))
        .await;
    assert_eq!(st, StatusCode::OK, "{o}");
    let numbers = |o: &Value| -> Vec<String> {
        o["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["household_number"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(numbers(&o), vec!["HC", "HB"]);
    assert_eq!(o["total"], 2);
    assert!(o["items"][0]["last_visit"].is_null());
    assert_eq!(o["items"][1]["last_visit"], day(-400));
    assert_eq!(o["items"][1]["days_since"], 400);
    assert_eq!(o["items"][1]["due_on"], day(-35));
    let (_, o2) = g2
        .get_json(&format!("/api/visit-rules/{}/overdue", yearly["id"]))
        .await;
    assert_eq!(numbers(&o2), vec!["HC"]);
    // 独居老人 every 4 days: 赵 (H001) last seen 5 days ago is overdue; 钱 (H002) 3 days ago is not.
    let (_, o) = shuji
        .get_json(&format!("/api/visit-rules/{}/overdue", elderly["id"]))
        .await;
    assert_eq!(numbers(&o), vec!["H001"]);
    assert_eq!(o["items"][0]["days_since"], 5);
    visit(&g1, w.household1, &day(0), "日常走访", "").await;
    let (_, o) = shuji
        .get_json(&format!("/api/visit-rules/{}/overdue", elderly["id"]))
        .await;
    assert_eq!(o["total"], 0);

    // Out of scope: other grids and other streets get 404.
    let (_, mine) = g1.get_json("/api/visits").await;
    let first = mine[0]["id"].as_i64().unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 5, "every visit in grid 1");
    let other = app.login("admin_b").await;
    for s in [&g2, &other] {
        assert_eq!(
            s.get(&format!("/api/visits/{first}")).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        other
            .get(&format!("/api/visit-rules/{}/overdue", yearly["id"]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, none) = other.get_json("/api/visits").await;
    assert_eq!(none.as_array().unwrap().len(), 0);
    let (_, c) = other
        .get_json(&format!("/api/visits/coverage?from={from}&to={to}"))
        .await;
    assert_eq!(c["total"]["visited"], 0);
    let audited: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE entity IN ('visit', 'visit_rule')")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(audited as usize, plan.len() + 1 + 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_diary_assembles_a_workers_day() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let shuji = app.login("shuji").await;
    let today = day(0);
    visit(&g1, w.household1, &today, "日常走访", "").await;
    visit(&g1, w.household1, &day(-1), "日常走访", "").await;
    let case = report(&g1, "dispute.neighbour", w.dwelling1, "漏水").await;
    ok(&g1, case, "accept", json!({"note": "属实"})).await;
    let hz = new_hazard(&g1, w.building1, "", &day(3)).await;
    let (st, team) = shuji
        .post_json(
            "/api/patrol-teams",
            json!({"name": "联防队", "kind": "治安联防队", "area_id": w.grid1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, log) = g1
        .post_json(
            "/api/patrol-logs",
            json!({"team_id": team["id"], "area_id": w.estate1, "started_at": format!("{today} 19:00"),
                   "ended_at": format!("{today} 21:00"), "patrollers": "刘志强"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{log}");
    let (st, d) = g1
        .put_json(
            &format!("/api/diary/{today}"),
            json!({"note": "上午走访,下午调解漏水纠纷"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let (st, d2) = g1
        .put_json(
            &format!("/api/diary/{today}"),
            json!({"note": "上午走访,下午调解漏水纠纷,晚上巡逻"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(d2["note"], "上午走访,下午调解漏水纠纷,晚上巡逻");
    let (st, e) = g1
        .put_json(&format!("/api/diary/{}", day(1)), json!({"note": "x"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "日期");

    let check = |d: &Value| {
        assert_eq!(d["day"], today);
        assert_eq!(d["visits"].as_array().unwrap().len(), 1, "{d}");
        let kinds: Vec<&str> = d["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, vec!["create", "accept"]);
        assert_eq!(d["cases"][0]["case_id"], case);
        assert_eq!(d["patrols"].as_array().unwrap().len(), 1);
        assert_eq!(d["hazards"][0]["id"], hz["id"]);
        assert_eq!(d["note"], "上午走访,下午调解漏水纠纷,晚上巡逻");
    };
    let (_, d) = g1.get_json(&format!("/api/diary/{today}")).await;
    check(&d);
    let me = user_id(&app, "wangge1").await;
    let (st, d) = shuji
        .get_json(&format!("/api/diary/{today}?user_id={me}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    check(&d);
    assert_eq!(d["user_name"], "wangge1用户");
    let (_, y) = g1.get_json(&format!("/api/diary/{}", day(-1))).await;
    assert_eq!(y["visits"].as_array().unwrap().len(), 1);
    assert_eq!(y["cases"].as_array().unwrap().len(), 0);
    // Another grid's worker and another street's administrator cannot read it.
    for name in ["wangge2", "admin_b"] {
        let s = app.login(name).await;
        assert_eq!(
            s.get(&format!("/api/diary/{today}?user_id={me}"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    let entries: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE entity = 'diary_note'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(entries, 2);
}

/// Issue 16: a visit rule on a sensitive group obeys the group's visibility — grid workers and building
/// leaders get 404 on its overdue list, page and .xlsx and do not see it listed; roles that see the group
/// read it, audited.
#[tokio::test(flavor = "multi_thread")]
async fn a_rule_on_a_sensitive_group_is_hidden_like_the_group() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let (_, types) = admin.get_json("/api/tag-types").await;
    let correction = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "correction")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (st, rule) = admin
        .post_json("/api/visit-rules", serde_json::json!({"name": "矫正人员每周走访", "tag_type_id": correction, "every_days": 7}))
        .await;
    assert_eq!(st, reqwest::StatusCode::OK, "{rule}");
    let id = rule["id"].as_i64().unwrap();
    for user in ["wangge1", "louzu"] {
        let s = app.login(user).await;
        let (st, _) = s.get_json(&format!("/api/visit-rules/{id}/overdue")).await;
        assert_eq!(st, reqwest::StatusCode::NOT_FOUND, "{user}");
        assert_eq!(
            s.get(&format!("/visits/rules/{id}/overdue")).await.status(),
            reqwest::StatusCode::NOT_FOUND,
            "{user}"
        );
        assert_eq!(
            s.get(&format!("/visits/rules/{id}/overdue.xlsx"))
                .await
                .status(),
            reqwest::StatusCode::NOT_FOUND,
            "{user}"
        );
        let (_, list) = s.get_json("/api/visit-rules").await;
        assert!(
            !list.to_string().contains("矫正人员每周走访"),
            "{user}: {list}"
        );
        let page = s.get("/visits/rules").await.text().await.unwrap();
        assert!(!page.contains("矫正人员每周走访"), "{user}");
    }
    let shegong = app.login("shegong").await;
    let (st, _) = shegong
        .get_json(&format!("/api/visit-rules/{id}/overdue"))
        .await;
    assert_eq!(st, reqwest::StatusCode::OK);
    let audited: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'read_sensitive' AND entity = 'visit_rule' AND entity_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
        0,
    );
    assert_eq!(audited, 1);
}

/// A visit queued offline on a phone may arrive more than once (a lost answer, two sends at once): the phone's
/// key makes it one visit; a bad key is refused; another worker's key is not theirs to reuse.
#[tokio::test(flavor = "multi_thread")]
async fn a_visit_sent_twice_with_the_phones_key_is_recorded_once() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let key = "6f1c2d3e-0000-4000-8000-00000000abcd";
    let body = json!({"household_id": w.household1, "note": "离线走访", "client_key": key});
    let (a, b, c) = tokio::join!(
        g1.post_json("/api/visits", body.clone()),
        g1.post_json("/api/visits", body.clone()),
        g1.post_json("/api/visits", body.clone())
    );
    for (st, v) in [&a, &b, &c] {
        assert_eq!(*st, StatusCode::OK, "{v}");
    }
    assert_eq!(a.1["id"], b.1["id"]);
    assert_eq!(a.1["id"], c.1["id"]);
    // The page form, as offline.js sends it, returns to the list without a second visit.
    let page = g1.get("/visits").await.text().await.unwrap();
    let csrf = crate::support::hidden_csrf(&page);
    let r = g1
        .post_form(
            "/visits",
            &[
                ("_csrf", &csrf),
                ("household", "H001"),
                ("note", "离线走访"),
                ("client_key", key),
            ],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status() == StatusCode::OK,
        "{}",
        r.status()
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM visits WHERE note = '离线走访'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (st, e) = g1
        .post_json(
            "/api/visits",
            json!({"household_id": w.household1, "client_key": "bad key; drop"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"].as_str().unwrap().contains("离线记录"));
}
