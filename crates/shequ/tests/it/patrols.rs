//! Patrols over HTTP: teams, members, the duty roster, a patrol log with findings, a finding turned into a
//! case and another into a hazard (each in one step), and scope isolation on every patrol endpoint.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::cases::{category, timeline_kinds, user_id};
use crate::hazards::day;
use crate::support::{App, Session};

/// A grid-1 team with one member (wangge1), a shift today, and a log with two findings.
async fn patrol(app: &App, shuji: &Session, g1: &Session) -> (i64, Value) {
    let w = &app.world;
    let (st, e) = shuji
        .post_json(
            "/api/patrol-teams",
            json!({"name": "一网格联防队", "kind": "保安队", "area_id": w.grid1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "队伍类型");
    let (st, e) = g1
        .post_json(
            "/api/patrol-teams",
            json!({"name": "一网格联防队", "kind": "治安联防队", "area_id": w.grid1}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    let (st, team) = shuji
        .post_json(
            "/api/patrol-teams",
            json!({"name": "一网格联防队", "kind": "治安联防队", "area_id": w.grid1, "leader": "周队长"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{team}");
    let team_id = team["id"].as_i64().unwrap();
    assert_eq!(team["grid_id"], w.grid1);
    let (st, m) = shuji
        .post_json(
            &format!("/api/patrol-teams/{team_id}/members"),
            json!({"name": "刘志强", "phone": "13800000001", "user_id": user_id(app, "wangge1").await}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    let member = m["id"].as_i64().unwrap();
    let (st, m2) = shuji
        .post_json(
            &format!("/api/patrol-teams/{team_id}/members"),
            json!({"name": "周大海", "role": "队长"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m2}");
    let (st, e) = shuji
        .post_json(
            &format!("/api/patrol-teams/{team_id}/shifts"),
            json!({"on_date": day(0), "starts": "8点", "ends": "20:00", "area_id": w.estate1, "member_ids": [member]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "开始时间");
    let (st, e) = shuji
        .post_json(
            &format!("/api/patrol-teams/{team_id}/shifts"),
            json!({"on_date": day(0), "starts": "08:00", "ends": "20:00", "area_id": w.estate2, "member_ids": [member]}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another grid's estate"
    );
    assert_eq!(e["field"], "巡逻区域");
    let (st, shift) = shuji
        .post_json(
            &format!("/api/patrol-teams/{team_id}/shifts"),
            json!({"on_date": day(0), "starts": "08:00", "ends": "20:00", "area_id": w.estate1,
                   "member_ids": [member, m2["id"]]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{shift}");
    assert_eq!(shift["members"], "刘志强、周大海");
    let (_, roster) = g1
        .get_json(&format!(
            "/api/patrol-teams/{team_id}/shifts?from={}&to={}",
            day(-1),
            day(1)
        ))
        .await;
    assert_eq!(roster.as_array().unwrap().len(), 1);

    let start = format!("{} 08:00", day(0));
    let (st, e) = g1
        .post_json(
            "/api/patrol-logs",
            json!({"team_id": team_id, "area_id": w.estate1, "started_at": start, "ended_at": format!("{} 07:00", day(0))}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "结束时间");
    let (st, log) = g1
        .post_json(
            "/api/patrol-logs",
            json!({"team_id": team_id, "shift_id": shift["id"], "area_id": w.estate1, "started_at": start,
                   "ended_at": format!("{} 10:30", day(0)), "summary": "锦绣花园巡逻一圈",
                   "findings": [{"description": "1号楼东侧路灯不亮"},
                                {"description": "1号楼电动车楼道充电", "location_id": w.building1}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{log}");
    assert_eq!(log["log"]["patrollers"], "刘志强、周大海");
    assert_eq!(log["log"]["grid_id"], w.grid1);
    (team_id, log)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patrol_finding_becomes_a_case_or_a_hazard_in_one_step() {
    let app = App::start().await;
    let shuji = app.login("shuji").await;
    let g1 = app.login("wangge1").await;
    let (_, log) = patrol(&app, &shuji, &g1).await;
    let findings = log["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    let (f1, f2) = (
        findings[0]["id"].as_i64().unwrap(),
        findings[1]["id"].as_i64().unwrap(),
    );
    let cases_before: i64 = sqlx::query("SELECT COUNT(*) FROM cases")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);

    // A bad category changes nothing: no case, the finding stays open.
    let (st, e) = g1
        .post_json(
            &format!("/api/patrol-findings/{f1}/case"),
            json!({"category_id": 999999}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "分类");
    let cat = category(&g1, "urban").await;
    let (st, case) = g1
        .post_json(
            &format!("/api/patrol-findings/{f1}/case"),
            json!({"category_id": cat}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{case}");
    assert_eq!(case["source"], "网格巡查");
    assert_eq!(case["title"], "1号楼东侧路灯不亮");
    assert_eq!(case["state"], "reported");
    let case_id = case["id"].as_i64().unwrap();
    assert_eq!(timeline_kinds(&g1, case_id).await, vec!["create"]);
    let cases_after: i64 = sqlx::query("SELECT COUNT(*) FROM cases")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(cases_after, cases_before + 1);
    // Once only.
    let (st, _) = g1
        .post_json(
            &format!("/api/patrol-findings/{f1}/hazard"),
            json!({"kind": "用电", "rectify_by": day(3)}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    let (st, e) = g1
        .post_json(
            &format!("/api/patrol-findings/{f2}/hazard"),
            json!({"kind": "用电"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "整改期限");
    let (st, h) = g1
        .post_json(
            &format!("/api/patrol-findings/{f2}/hazard"),
            json!({"kind": "用电", "rectify_by": day(2)}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    assert_eq!(h["title"], "1号楼电动车楼道充电");
    assert_eq!(h["location_node_id"], app.world.building1);
    assert_eq!(h["patrol_log_id"], log["log"]["id"]);
    assert_eq!(h["found_on"], day(0));
    let (_, detail) = g1
        .get_json(&format!("/api/patrol-logs/{}", log["log"]["id"]))
        .await;
    assert_eq!(detail["findings"][0]["case_id"], case_id);
    assert_eq!(detail["findings"][1]["hazard_id"], h["id"]);
    let audited: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE entity IN ('patrol_team','patrol_member','patrol_shift','patrol_log','patrol_finding')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(audited, 1 + 2 + 1 + 1 + 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn patrols_stay_inside_scope() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let other = app.login("admin_b").await;
    let (team, log) = patrol(&app, &shuji, &g1).await;
    let log_id = log["log"]["id"].as_i64().unwrap();
    let finding = log["findings"][0]["id"].as_i64().unwrap();
    // A community-wide team is seen by every grid of the community.
    let (st, whole) = shuji
        .post_json(
            "/api/patrol-teams",
            json!({"name": "幸福社区夕阳红巡逻队", "kind": "志愿者巡逻队", "area_id": w.community_a1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{whole}");
    let (_, teams) = g2.get_json("/api/patrol-teams").await;
    let names: Vec<&str> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["幸福社区夕阳红巡逻队"]);
    let (_, teams) = g1.get_json("/api/patrol-teams").await;
    assert_eq!(teams.as_array().unwrap().len(), 2);

    for s in [&g2, &other] {
        for path in [
            format!("/api/patrol-teams/{team}"),
            format!(
                "/api/patrol-teams/{team}/shifts?from={}&to={}",
                day(0),
                day(0)
            ),
            format!("/api/patrol-logs/{log_id}"),
        ] {
            assert_eq!(s.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let (_, logs) = s.get_json("/api/patrol-logs").await;
        assert_eq!(logs.as_array().unwrap().len(), 0);
        let cat = category(s, "urban").await;
        for (path, body) in [
            (
                format!("/api/patrol-findings/{finding}/case"),
                json!({"category_id": cat}),
            ),
            (
                format!("/api/patrol-findings/{finding}/hazard"),
                json!({"kind": "用电", "rectify_by": day(2)}),
            ),
            (
                format!("/api/patrol-teams/{team}/members"),
                json!({"name": "某人"}),
            ),
            (
                format!("/api/patrol-teams/{team}/shifts"),
                json!({"on_date": day(0), "starts": "08:00", "ends": "09:00", "area_id": w.grid1, "member_ids": []}),
            ),
        ] {
            let (st, _) = s.post_json(&path, body).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        }
        let (st, e) = s
            .post_json(
                "/api/patrol-logs",
                json!({"team_id": team, "area_id": w.grid1, "started_at": format!("{} 08:00", day(0)),
                       "ended_at": format!("{} 09:00", day(0)), "patrollers": "某人"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["field"], "巡逻队伍");
    }
    // The API document describes every new endpoint.
    let (_, doc) = g1.get_json("/api/openapi.json").await;
    for (path, method) in [
        ("/api/patrol-teams", "post"),
        ("/api/patrol-teams/{id}/shifts", "get"),
        ("/api/patrol-logs", "post"),
        ("/api/patrol-findings/{id}/case", "post"),
        ("/api/patrol-findings/{id}/hazard", "post"),
        ("/api/hazards", "post"),
        ("/api/hazards/{id}/rectify", "post"),
        ("/api/attachments/{id}", "get"),
        ("/api/cases/{id}/attachments", "post"),
        ("/api/visits", "post"),
        ("/api/visits/coverage", "get"),
        ("/api/visit-rules/{id}/overdue", "get"),
        ("/api/diary/{day}", "put"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    assert!(doc["components"]["schemas"]["Coverage"].is_object());
}

/// The team page: a manager adds members and puts a shift on the roster with forms; phones stay masked; a
/// shift without members is refused with nothing written; grid workers read it, other grids get 404.
#[tokio::test(flavor = "multi_thread")]
async fn the_team_page_keeps_members_and_the_duty_roster() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let grid1 = w.grid1.to_string();
    let r = shuji
        .post_form(
            "/patrols/teams",
            &[
                ("name", "一网格夜巡队"),
                ("kind", "志愿者巡逻队"),
                ("area_id", &grid1),
                ("leader", "周大海"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, teams) = shuji.get_json("/api/patrol-teams").await;
    let team = teams.as_array().unwrap()[0]["id"].as_i64().unwrap();
    let page = format!("/patrols/teams/{team}");
    let list = shuji.get("/patrols").await.text().await.unwrap();
    assert!(
        list.contains(&format!("href=\"{page}\"")),
        "the list links the team page"
    );

    for (name, phone, role) in [
        ("刘志强", "13800000001", "队员"),
        ("周大海", "13900000002", "队长"),
    ] {
        let r = shuji
            .post_form(
                &format!("{page}/members"),
                &[("name", name), ("phone", phone), ("role", role)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], page.as_str());
    }
    let r = shuji
        .post_form(&format!("{page}/members"), &[("name", " "), ("phone", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("队员姓名不能为空"));
    let (_, members) = shuji.get_json(&format!("/api/patrol-teams/{team}")).await;
    let html = shuji.get(&page).await.text().await.unwrap();
    assert!(
        html.contains("刘志强") && html.contains("周大海"),
        "{members}"
    );
    assert!(html.contains("138****0001") && !html.contains("13800000001"));

    let ids: Vec<i64> = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM patrol_members WHERE team_id = $1 ORDER BY id",
    )
    .bind(team)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(ids.len(), 2);
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let today = day(0);
    let shift = |members: Vec<(&'static str, String)>| {
        let mut f: Vec<(&str, String)> = vec![
            ("on_date", today.clone()),
            ("starts", "19:00".into()),
            ("ends", "22:00".into()),
            ("area_id", grid1.clone()),
        ];
        f.extend(members);
        f
    };
    // Refused without members, and nothing is written.
    let f = shift(vec![]);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = shuji.post_form(&format!("{page}/shifts"), &refs).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请至少安排一名队员"));
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM patrol_shifts WHERE team_id = $1")
            .bind(team)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 0);
    // Two members ticked: the form sends member_ids twice.
    let f = shift(vec![("member_ids", a.clone()), ("member_ids", b.clone())]);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = shuji.post_form(&format!("{page}/shifts"), &refs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(back, format!("{page}?from={today}"));
    assert_eq!(count().await, 1);
    let html = g1.get(&back).await.text().await.unwrap();
    assert!(
        html.contains("刘志强、周大海"),
        "the roster shows who is on duty"
    );
    assert!(html.contains("19:00–22:00"));
    assert!(
        !html.contains(&format!("action=\"{page}/members\"")),
        "grid workers read the roster but get no forms"
    );
    let r = g1
        .post_form(&format!("{page}/members"), &[("name", "王五")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The roster of another fortnight is empty.
    let later = g1
        .get(&format!("{page}?from={}", day(30)))
        .await
        .text()
        .await
        .unwrap();
    assert!(later.contains("这两周没有排班"));
    assert!(
        later.contains(&format!("最近的排班 {today}</a>")),
        "an empty fortnight links the nearest shift"
    );
    // Another grid's worker does not see the team at all.
    assert_eq!(g2.get(&page).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        g2.post_form(&format!("{page}/members"), &[("name", "王五")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// A patrol log recorded offline is sent when the network is back, perhaps twice (issue 21): the phone's
/// key makes it one log with its findings; a bad key is refused and records nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_patrol_log_sent_twice_with_the_phones_key_is_recorded_once() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let g1 = app.login("wangge1").await;
    let r = shuji
        .post_form(
            "/patrols/teams",
            &[
                ("name", "平安巡逻队"),
                ("kind", "志愿者巡逻队"),
                ("area_id", &w.community_a1.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, teams) = g1.get_json("/api/patrol-teams").await;
    let team = teams[0]["id"].as_i64().unwrap().to_string();
    let grid = w.grid1.to_string();
    let (start, end) = (format!("{}T19:00", day(0)), format!("{}T21:00", day(0)));
    let send = |key: &'static str| {
        let (g1, team, grid, start, end) = (&g1, &team, &grid, &start, &end);
        async move {
            g1.post_form(
                "/patrols/logs",
                &[
                    ("team_id", team.as_str()),
                    ("area_id", grid.as_str()),
                    ("started_at", start.as_str()),
                    ("ended_at", end.as_str()),
                    ("patrollers", "张三、李四"),
                    ("summary", "离线记录"),
                    ("findings", "井盖松动"),
                    ("client_key", key),
                ],
            )
            .await
        }
    };
    let count = |sql: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&app.db.pool)
                .await
                .unwrap()
        }
    };
    let first = send("p-1a2b-3c").await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let again = send("p-1a2b-3c").await;
    assert_eq!(again.headers()["location"], first.headers()["location"]);
    assert_eq!(
        count("SELECT COUNT(*) FROM patrol_logs WHERE summary = '离线记录'").await,
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM patrol_findings WHERE description = '井盖松动'").await,
        1
    );
    let bad = send("../../etc").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        count("SELECT COUNT(*) FROM patrol_logs WHERE summary = '离线记录'").await,
        1
    );
}
