//! Cases (民情): the whole loop over real HTTP — every state, handover, rejection, verification by someone
//! other than the handler, the 不满意 reopening, deadlines with a controlled clock, scope isolation on every
//! case endpoint, and the pages. Mediation, dashboard, devices and categories are in `cases_records`.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::{App, Session};

pub(crate) async fn category(s: &Session, code: &str) -> i64 {
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

pub(crate) async fn user_id(app: &App, username: &str) -> i64 {
    sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

/// A case reported by `s` at `location` in the given category; returns its id.
pub(crate) async fn report(s: &Session, code: &str, location: i64, title: &str) -> i64 {
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

pub(crate) async fn act(s: &Session, id: i64, action: &str, body: Value) -> (StatusCode, Value) {
    s.post_json(&format!("/api/cases/{id}/{action}"), body)
        .await
}

pub(crate) async fn ok(s: &Session, id: i64, action: &str, body: Value) -> Value {
    let (st, c) = act(s, id, action, body).await;
    assert_eq!(st, StatusCode::OK, "{action}: {c}");
    c
}

pub(crate) async fn timeline_kinds(s: &Session, id: i64) -> Vec<String> {
    let (st, d) = s.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn ids(page: &Value) -> Vec<i64> {
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
    // Its row names the category (with its parent), the grid and the owner, as stored.
    let names = sqlx::query(
        "SELECT CASE WHEN p.id IS NULL THEN k.name ELSE p.name || '/' || k.name END, g.name, u.display_name \
         FROM cases c JOIN case_categories k ON k.id = c.category_id \
         LEFT JOIN case_categories p ON p.id = k.parent_id JOIN nodes g ON g.id = c.grid_id \
         JOIN users u ON u.id = c.owner_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let link = format!("<a href=\"/cases/{id}\">");
    let row = list[list.find(&link).unwrap()..]
        .split("</tr>")
        .next()
        .unwrap();
    for i in 0..3 {
        let name: String = names.get(i);
        assert!(row.contains(&format!("<td>{name}</td>")), "{name} in {row}");
    }
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
