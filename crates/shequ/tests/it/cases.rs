//! Cases (民情): the whole loop over real HTTP — every state, handover, rejection, verification by someone
//! other than the handler, the 不满意 reopening, deadlines with a controlled clock, mediation and the dispute
//! figure, and scope isolation on every case endpoint.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::{App, Session};

async fn category(s: &Session, code: &str) -> i64 {
    let (st, cats) = s.get_json("/api/case-categories").await;
    assert_eq!(st, StatusCode::OK);
    cats.as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("category {code}"))["id"]
        .as_i64()
        .unwrap()
}

async fn user_id(app: &App, username: &str) -> i64 {
    sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

/// A case reported by `s` at `location` in the given category; returns its id.
async fn report(s: &Session, code: &str, location: i64, title: &str) -> i64 {
    let cat = category(s, code).await;
    let (st, c) = s
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "来访", "title": title, "location_id": location,
                   "description": "楼上漏水到楼下", "reporter_name": "王大妈", "reporter_phone": "13900001111"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "create: {c}");
    assert_eq!(c["state"], "reported");
    c["id"].as_i64().unwrap()
}

async fn act(s: &Session, id: i64, action: &str, body: Value) -> (StatusCode, Value) {
    s.post_json(&format!("/api/cases/{id}/{action}"), body)
        .await
}

async fn ok(s: &Session, id: i64, action: &str, body: Value) -> Value {
    let (st, c) = act(s, id, action, body).await;
    assert_eq!(st, StatusCode::OK, "{action}: {c}");
    c
}

async fn timeline_kinds(s: &Session, id: i64) -> Vec<String> {
    let (st, d) = s.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_walks_through_every_state() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let shegong = app.login("shegong").await;
    let cat = category(&g1, "dispute.neighbour").await;
    let (st, c) = g1
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "入户走访", "title": "邻里漏水纠纷", "location_id": w.dwelling1,
                   "reporter_person_id": w.zhao, "parties": [{"person_id": w.zhao, "role": "申请人"},
                   {"name": "楼上住户", "phone": "13700000000", "role": "被申请人"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let id = c["id"].as_i64().unwrap();
    assert!(c["number"].as_str().unwrap().starts_with("MQ"));
    assert_eq!(c["state_label"], "上报");
    assert_eq!(c["grid_id"], w.grid1);
    assert_eq!(c["dwelling_id"], w.dwelling1);
    assert_eq!(c["reporter_name"], "赵军杰");
    assert_eq!(c["category_name"], "矛盾纠纷/邻里纠纷");
    assert!(c["owner_id"].is_null());

    // A transition the state does not allow is refused in Chinese.
    let (st, e) = act(&g1, id, "close", json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("不能结案"), "{e}");

    // 立案: the first worker who accepts owns the case (首问负责).
    let c = ok(&g1, id, "accept", json!({"note": "属实"})).await;
    assert_eq!(c["state"], "accepted");
    assert_eq!(c["owner_id"], user_id(&app, "wangge1").await);
    let (_, mine) = g1.get_json("/api/cases?view=mine").await;
    assert_eq!(ids(&mine), vec![id]);

    // 派遣 to an outside department, then re-dispatched to the community office: both are on the trail.
    let c = ok(
        &g1,
        id,
        "dispatch",
        json!({"to": "department", "to_name": "物业", "note": "先请物业查看"}),
    )
    .await;
    assert_eq!(c["state"], "dispatched");
    assert_eq!(c["assignee_kind"], "department");
    assert_eq!(c["assignee_name"], "物业");
    let c = ok(&g1, id, "dispatch", json!({"to": "community"})).await;
    assert_eq!(c["assignee_name"], "幸福社区居委会");
    let (st, _) = act(
        &g1,
        id,
        "dispatch",
        json!({"to": "department", "to_name": ""}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // 处置 → 核查 (not by the handler) → 结案 → 评价.
    let (st, _) = act(&g1, id, "handle", json!({"note": ""})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let c = ok(&g1, id, "handle", json!({"note": "组织双方协商,更换水管"})).await;
    assert_eq!(c["state"], "handling");
    assert_eq!(c["handler_id"], user_id(&app, "wangge1").await);
    let (st, e) = act(&g1, id, "verify", json!({"passed": true})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "核查人");
    let c = ok(&shegong, id, "verify", json!({"note": "已回访确认"})).await;
    assert_eq!(c["state"], "verified");
    let c = ok(&shegong, id, "close", json!({"note": "办结"})).await;
    assert_eq!(c["state"], "closed");
    assert!(c["closed_at"].is_string());
    let (st, _) = act(&shegong, id, "rate", json!({"rating": "很好"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let c = ok(
        &shegong,
        id,
        "rate",
        json!({"rating": "满意", "comment": "及时"}),
    )
    .await;
    assert_eq!(c["state"], "rated");
    assert_eq!(c["rating"], "满意");
    let (_, mine) = g1.get_json("/api/cases?view=mine").await;
    assert!(ids(&mine).is_empty(), "a finished case leaves my cases");

    assert_eq!(
        timeline_kinds(&g1, id).await,
        ["create", "accept", "dispatch", "dispatch", "handle", "verify", "close", "rate"]
    );
    let (_, d) = g1.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(d["parties"].as_array().unwrap().len(), 2);
    assert_eq!(d["timeline"][1]["who"], "wangge1用户");
    assert_eq!(d["timeline"][3]["note"], "由物业改派至幸福社区居委会");
    let audited: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE entity = 'case' AND entity_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(audited, 8);

    // The pages show the case and its trail.
    let page = g1.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(page.contains("邻里漏水纠纷") && page.contains("核查通过") && page.contains("评价"));
    let list = g1.get("/cases").await.text().await.unwrap();
    assert!(list.contains("邻里漏水纠纷"));
}

#[tokio::test(flavor = "multi_thread")]
async fn rejection_needs_a_reason() {
    let app = App::start().await;
    let g1 = app.login("wangge1").await;
    let id = report(&g1, "sanitation", app.world.grid1, "垃圾桶满溢").await;
    let (st, e) = act(&g1, id, "reject", json!({"reason": "  "})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "不予立案理由");
    let c = ok(&g1, id, "reject", json!({"reason": "重复上报,已并入前案"})).await;
    assert_eq!(c["state"], "rejected");
    let (st, _) = act(&g1, id, "accept", json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, d) = g1.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(d["timeline"][1]["note"], "重复上报,已并入前案");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handover_keeps_the_trail() {
    let app = App::start().await;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let shegong = app.login("shegong").await;
    let id = report(&g1, "help.hardship", app.world.dwelling1, "独居老人求助").await;
    ok(&g1, id, "accept", json!({})).await;
    // Only someone who can work the case may receive it.
    let (st, _) = act(
        &g1,
        id,
        "handover",
        json!({"to_user_id": user_id(&app, "wangge2").await}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let sg = user_id(&app, "shegong").await;
    let c = ok(
        &g1,
        id,
        "handover",
        json!({"to_user_id": sg, "note": "需社工跟进"}),
    )
    .await;
    assert_eq!(c["owner_id"], sg);
    assert_eq!(c["state"], "accepted");
    // The former owner no longer has it; the new one does; the former owner may not hand it on.
    let (_, mine) = g1.get_json("/api/cases?view=mine").await;
    assert!(ids(&mine).is_empty());
    let (_, mine) = shegong.get_json("/api/cases?view=mine").await;
    assert_eq!(ids(&mine), vec![id]);
    let (st, _) = act(&g1, id, "handover", json!({"to_user_id": sg})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Dispatch to a worker is recorded with the receiver.
    let g1_id = user_id(&app, "wangge1").await;
    let c = ok(
        &shegong,
        id,
        "dispatch",
        json!({"to": "user", "to_user_id": g1_id}),
    )
    .await;
    assert_eq!(c["assignee_user_id"], g1_id);
    let (_, mine) = g1.get_json("/api/cases?view=mine").await;
    assert_eq!(
        ids(&mine),
        vec![id],
        "a worker sees cases dispatched to them"
    );
    let (_, d) = shegong.get_json(&format!("/api/cases/{id}")).await;
    let t = d["timeline"].as_array().unwrap();
    let kinds: Vec<&str> = t.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["create", "accept", "handover", "dispatch"]);
    assert_eq!(t[1]["user_id"], g1_id);
    assert_eq!(t[2]["to_user_id"], sg);
    assert_eq!(
        t[2]["note"],
        "负责人由wangge1用户移交给shegong用户。需社工跟进"
    );
    assert_eq!(t[3]["to_name"], "wangge1用户");
    // Outside the scope, a handover is 404.
    assert_eq!(
        act(&g2, id, "handover", json!({"to_user_id": sg})).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsatisfied_rating_reopens_the_case() {
    let app = App::start().await;
    let g1 = app.login("wangge1").await;
    let shuji = app.login("shuji").await;
    let id = report(&g1, "urban", app.world.grid1, "占道经营").await;
    ok(&g1, id, "accept", json!({})).await;
    ok(
        &g1,
        id,
        "dispatch",
        json!({"to": "department", "to_name": "城管"}),
    )
    .await;
    ok(&g1, id, "handle", json!({"note": "城管劝离"})).await;
    // A failed verification sends it back to 处置 with the reason.
    let (st, _) = act(&shuji, id, "verify", json!({"passed": false})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let c = ok(
        &shuji,
        id,
        "verify",
        json!({"passed": false, "note": "仍有摊位"}),
    )
    .await;
    assert_eq!(c["state"], "handling");
    ok(&g1, id, "handle", json!({"note": "再次清理"})).await;
    ok(&shuji, id, "verify", json!({})).await;
    ok(&shuji, id, "close", json!({})).await;
    let c = ok(
        &shuji,
        id,
        "rate",
        json!({"rating": "不满意", "comment": "第二天又来了"}),
    )
    .await;
    assert_eq!(c["state"], "handling");
    assert!(c["closed_at"].is_null());
    assert_eq!(c["rating"], "不满意");
    let (_, mine) = g1.get_json("/api/cases?view=mine").await;
    assert_eq!(ids(&mine), vec![id], "reopened: back in the owner's list");
    ok(&g1, id, "handle", json!({"note": "设置隔离栏"})).await;
    ok(&shuji, id, "verify", json!({})).await;
    ok(&shuji, id, "close", json!({})).await;
    let c = ok(&shuji, id, "rate", json!({"rating": "基本满意"})).await;
    assert_eq!(c["state"], "rated");
    let kinds = timeline_kinds(&g1, id).await;
    assert_eq!(
        kinds,
        [
            "create",
            "accept",
            "dispatch",
            "handle",
            "verify_failed",
            "handle",
            "verify",
            "close",
            "reopen",
            "handle",
            "verify",
            "close",
            "rate"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn overdue_cases_are_marked_and_escalated_with_a_controlled_clock() {
    use shequ::cases::deadlines;
    let app = App::start().await;
    let g1 = app.login("wangge1").await;
    let shuji = app.login("shuji").await;
    // 安全隐患/消防: 2 hours to accept.
    let id = report(&g1, "hazard.fire", app.world.dwelling1, "楼道堆放杂物").await;
    let other = report(&g1, "sanitation", app.world.grid1, "绿化带垃圾").await; // 24 hours
    let t0 = chrono::Utc::now().naive_utc();
    let at = |mins: i64| t0 + chrono::Duration::minutes(mins);

    let s = deadlines::scan(&app.db, at(60)).await.unwrap();
    assert_eq!((s.due_soon, s.overdue, s.escalated), (0, 0, 0));
    // 100 minutes of 120: within the last 20% → 即将超期.
    let s = deadlines::scan(&app.db, at(100)).await.unwrap();
    assert_eq!((s.due_soon, s.overdue, s.escalated), (1, 0, 0));
    let (_, page) = g1.get_json("/api/cases?overdue=due_soon").await;
    assert_eq!(ids(&page), vec![id]);
    // Past the limit → 超期, escalated once to the community head.
    let s = deadlines::scan(&app.db, at(125)).await.unwrap();
    assert_eq!((s.due_soon, s.overdue, s.escalated), (0, 1, 1));
    let s = deadlines::scan(&app.db, at(130)).await.unwrap();
    assert_eq!((s.due_soon, s.overdue, s.escalated), (0, 0, 0));
    let (_, c) = g1.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(c["case"]["deadline_status"], "overdue");
    assert_eq!(c["case"]["escalated_to"], user_id(&app, "shuji").await);
    let kinds: Vec<&str> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["create", "due_soon", "overdue", "escalate"]);
    assert_eq!(c["timeline"][3]["to_name"], "shuji用户");
    assert_eq!(c["timeline"][3]["who"], "系统");
    let (_, page) = shuji.get_json("/api/cases?view=escalated").await;
    assert_eq!(ids(&page), vec![id]);
    let (_, page) = g1.get_json("/api/cases?overdue=1").await;
    assert_eq!(ids(&page), vec![id]);
    // The 24-hour case becomes due later.
    let s = deadlines::scan(&app.db, at(24 * 60 + 1)).await.unwrap();
    assert_eq!((s.due_soon, s.overdue, s.escalated), (0, 1, 1));
    let _ = other;
    // Accepting starts a new stage: the marks are cleared, the record of having been overdue stays.
    let c = ok(&g1, id, "accept", json!({})).await;
    assert_eq!(c["deadline_status"], "ok");
    assert_eq!(c["was_overdue"], 1);
    let entries: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'case' AND entity_id = $1 AND action = 'case_overdue'",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(entries, 1);
}

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
async fn scope_isolation_on_every_case_endpoint() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let admin_b = app.login("admin_b").await;
    let louzu = app.login("louzu").await;
    let id = report(&g1, "dispute.neighbour", w.dwelling1, "一网格的案件").await;
    let mine2 = report(&g2, "sanitation", w.grid2, "二网格的案件").await;
    let g2_id = user_id(&app, "wangge2").await;
    for s in [&g2, &admin_b] {
        for path in [format!("/api/cases/{id}"), format!("/cases/{id}")] {
            assert_eq!(
                s.get(&path).await.status(),
                StatusCode::NOT_FOUND,
                "GET {path}"
            );
        }
        for (action, body) in [
            ("accept", json!({})),
            ("reject", json!({"reason": "x"})),
            ("dispatch", json!({"to": "department", "to_name": "派出所"})),
            ("handover", json!({"to_user_id": g2_id})),
            ("handle", json!({"note": "x"})),
            ("verify", json!({})),
            ("close", json!({})),
            ("rate", json!({"rating": "满意"})),
        ] {
            assert_eq!(
                act(s, id, action, body).await.0,
                StatusCode::NOT_FOUND,
                "{action}"
            );
        }
        assert_eq!(
            s.put_json(
                &format!("/api/cases/{id}/mediation"),
                json!({"mediators": "x"})
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            s.post_json(
                &format!("/api/cases/{id}/mediation/sessions"),
                json!({"held_on": "2026-01-01", "outcome": "x"})
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        let r = s
            .post_form(&format!("/cases/{id}/action"), &[("action", "accept")])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        for path in [
            "/api/cases".to_string(),
            format!("/api/cases?grid_id={}", w.grid1),
            "/api/cases?view=mine".to_string(),
        ] {
            let (st, page) = s.get_json(&path).await;
            assert_eq!(st, StatusCode::OK);
            assert!(!ids(&page).contains(&id), "{path}");
        }
        let html = s.get("/cases").await.text().await.unwrap();
        assert!(!html.contains("一网格的案件"));
    }
    // Nothing changed, and the other grid's own case is visible to its worker.
    let (_, c) = g1.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(c["case"]["state"], "reported");
    assert_eq!(timeline_kinds(&g1, id).await, ["create"]);
    let (_, page) = g2.get_json("/api/cases").await;
    assert_eq!(ids(&page), vec![mine2]);
    // Reporting into another grid, or with another grid's person, is refused.
    let cat = category(&g2, "sanitation").await;
    let (st, e) = g2
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "电话", "title": "x", "location_id": w.dwelling1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "地点");
    let (st, e) = g2
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "电话", "title": "x", "location_id": w.grid2, "reporter_person_id": w.zhao}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "反映人");
    let (st, e) = g2
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "电话", "title": "x", "location_id": w.grid2, "linked_case_id": id}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "关联案件");
    // The community head and the street administrator see both; the building leader sees the case in
    // their building but may not work it.
    let admin = app.login("admin").await;
    let (_, page) = admin.get_json("/api/cases").await;
    assert_eq!(page["total"], 2);
    let (_, page) = admin
        .get_json(&format!("/api/cases?grid_id={}", w.grid1))
        .await;
    assert_eq!(ids(&page), vec![id]);
    assert_eq!(
        louzu.get(&format!("/api/cases/{id}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        act(&louzu, id, "accept", json!({})).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn case_pages_report_and_work_a_case() {
    let app = App::start().await;
    let g1 = app.login("wangge1").await;
    let form = g1.get("/cases/new").await.text().await.unwrap();
    assert!(form.contains("第一网格") && !form.contains("第二网格"));
    let opts = g1
        .get(&format!("/cases/locations?grid_id={}", app.world.grid1))
        .await
        .text()
        .await
        .unwrap();
    assert!(opts.contains("锦绣花园 1号楼"), "{opts}");
    let opts = g1
        .get(&format!("/cases/locations?grid_id={}", app.world.grid2))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !opts.contains("2号楼"),
        "another grid's buildings stay hidden"
    );
    let cat = category(&g1, "dispute.family").await.to_string();
    let grid = app.world.grid1.to_string();
    let r = g1
        .post_form(
            "/cases",
            &[
                ("category_id", &cat),
                ("source", "电话"),
                ("title", "夫妻争吵"),
                ("grid_id", &grid),
                ("parties", "张某,13800000000\n李某"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/cases/").parse().unwrap();
    let r = g1
        .post_form(&format!("/cases/{id}/action"), &[("action", "reject")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = g1
        .post_form(&format!("/cases/{id}/action"), &[("action", "accept")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = g1
        .post_form(
            &format!("/cases/{id}/mediation"),
            &[("mediators", "社区调委会"), ("result", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = g1.get(&loc).await.text().await.unwrap();
    assert!(page.contains("夫妻争吵") && page.contains("张某") && page.contains("社区调委会"));
    assert!(page.contains("立案"));
    let mine = g1.get("/cases?view=mine").await.text().await.unwrap();
    assert!(mine.contains("夫妻争吵"));
}

#[tokio::test(flavor = "multi_thread")]
async fn device_alarms_open_cases_and_bad_signatures_are_refused_and_logged() {
    use shequ::cases::devices::sign;
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
        [
            "ok",
            "replay",
            "ok",
            "bad_signature",
            "stale_timestamp",
            "bad_body"
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
