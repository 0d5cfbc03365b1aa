//! Self-governance over real HTTP: a resident's proposal screened by the committee and put to a secret vote;
//! one ballot per person (also when several arrive at once) and per household; tallies and turnout counted
//! by the server after the close; the published result on the public board, which shows no person; a
//! meeting below its quorum cannot resolve; a resolution's task tracked to done by its owner; a month's
//! statement whose totals equal its entries; scope isolation on every governance endpoint.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::portal::verified_resident;
use crate::support::App;

/// Beijing time `hours` from now, as the forms type it.
fn bj(hours: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8 + hours))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

async fn give_code(app: &App, community: i64, code: &str) {
    sqlx::query("UPDATE nodes SET code = $1 WHERE id = $2")
        .bind(code)
        .bind(community)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

/// Closes a vote now (the test's clock).
async fn close(app: &App, id: i64) {
    sqlx::query("UPDATE votes SET closes_at = $1 WHERE id = $2")
        .bind(
            (chrono::Utc::now() - chrono::Duration::seconds(1))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
        )
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn adults_of(app: &App, community: i64) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM persons WHERE community_id = $1 AND archived = 0 AND status = '在住' AND birth_date <= '2008-01-01'")
        .bind(community)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_proposal_goes_to_a_secret_vote_counted_once_per_person_and_published() {
    let app = App::start().await;
    let w = &app.world;
    give_code(&app, w.community_a1, "XF001").await;
    let zhao = verified_resident(&app, w.zhao, "赵军杰", "13812345678").await;
    let qian = verified_resident(&app, w.qian, "钱小红", "13900002222").await;
    let shuji = app.login("shuji").await;

    let (st, p) = zhao
        .post_json(
            "/api/portal/proposals",
            json!({"title": "增设电动车充电桩", "body": "小区电动车多,楼道充电危险"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["state"], "submitted");
    let pid = p["id"].as_i64().unwrap();
    // A decline needs its reason; the grid worker cannot screen; accepted by the head.
    let (st, e) = shuji
        .post_json(
            &format!("/api/governance/proposals/{pid}/screen"),
            json!({"action": "decline"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "不予采纳理由");
    let (st, _) = app
        .login("wangge1")
        .await
        .post_json(
            &format!("/api/governance/proposals/{pid}/screen"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "a grid scope sees no community records"
    );
    let (st, p) = shuji
        .post_json(
            &format!("/api/governance/proposals/{pid}/screen"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");

    // The vote: bad input first.
    let base = json!({"proposal_id": pid, "title": "是否在3号楼旁增设充电桩", "options": ["同意", "不同意", "弃权"],
                      "mode": "person", "secret": true, "opens_at": bj(-1), "closes_at": bj(2)});
    for (k, v) in [
        ("options", json!(["同意"])),
        ("mode", json!("everyone")),
        ("closes_at", json!(bj(-2))),
        ("opens_at", json!("明天")),
    ] {
        let mut b = base.clone();
        b[k] = v;
        let (st, _) = shuji.post_json("/api/governance/votes", b).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{k}");
    }
    let (st, v) = shuji.post_json("/api/governance/votes", base.clone()).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let vid = v["id"].as_i64().unwrap();
    let number = v["number"].as_str().unwrap().to_string();
    assert_eq!(v["electorate"], adults_of(&app, w.community_a1).await);
    let (_, p) = shuji
        .get_json(&format!("/api/governance/proposals/{pid}"))
        .await;
    assert_eq!(p["state"], "voting");

    // 赵 votes once; 钱 sends five ballots at once: exactly one counts.
    let path = format!("/api/portal/votes/{number}/ballot");
    let (st, _) = zhao.post_json(&path, json!({"option": 0})).await;
    assert_eq!(st, StatusCode::OK);
    let (st, e) = zhao.post_json(&path, json!({"option": 1})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (client, url, csrf) = (qian.client.clone(), qian.url(&path), qian.csrf.clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("X-CSRF-Token", csrf)
                .json(&json!({"option": 1}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let ok = answers.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, refused), (1, 4), "{answers:?}");
    let (st, _) = zhao.post_json(&path, json!({"option": 9})).await;
    assert!(st == StatusCode::UNPROCESSABLE_ENTITY || st == StatusCode::CONFLICT);

    // No count before the close; then the server's count.
    let (st, _) = shuji
        .get_json(&format!("/api/governance/votes/{vid}/tally"))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    close(&app, vid).await;
    let (st, _) = qian.post_json(&path, json!({"option": 0})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "closed");
    let (_, t) = shuji
        .get_json(&format!("/api/governance/votes/{vid}/tally"))
        .await;
    let counts: Vec<i64> = t["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![1, 1, 0]);
    assert_eq!(t["voters"], 2);
    let electorate = t["vote"]["electorate"].as_f64().unwrap();
    assert_eq!(
        t["turnout"].as_f64().unwrap(),
        (2.0 * 1000.0 / electorate).round() / 10.0
    );
    // Secret: no choice is linked to a voter, and the audit log does not say who chose what.
    let linked: i64 = sqlx::query(
        "SELECT COUNT(*) FROM vote_choices WHERE vote_id = $1 AND voter_key IS NOT NULL",
    )
    .bind(vid)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(linked, 0);
    let audits: Vec<String> =
        sqlx::query("SELECT COALESCE(after_json, '') FROM audit_log WHERE action = 'cast'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(audits.len(), 2);
    assert!(audits.iter().all(|a| !a.contains("同意")), "{audits:?}");

    // Published: the proposal is decided, the board shows the result and no person.
    let (st, _) = app
        .login("wangge1")
        .await
        .post_json(&format!("/api/governance/votes/{vid}/publish"), json!({}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, t) = shuji
        .post_json(&format!("/api/governance/votes/{vid}/publish"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let (_, p) = shuji
        .get_json(&format!("/api/governance/proposals/{pid}"))
        .await;
    assert_eq!(p["state"], "decided");
    let board = app.anonymous().get("/public/XF001").await;
    assert_eq!(board.status(), StatusCode::OK);
    let html = board.text().await.unwrap();
    assert!(
        html.contains("是否在3号楼旁增设充电桩") && html.contains(&number),
        "{html}"
    );
    for private in ["赵军杰", "钱小红", "13812345678", "13900002222"] {
        assert!(!html.contains(private), "the board shows {private}");
    }
    assert_eq!(
        app.anonymous().get("/public/NOPE").await.status(),
        StatusCode::NOT_FOUND
    );
    let page = zhao.get("/portal/votes").await.text().await.unwrap();
    assert!(
        page.contains("class=\"result\""),
        "the resident sees the published result"
    );
}

#[tokio::test]
async fn households_and_representatives_vote_as_their_mode_says() {
    let app = App::start().await;
    let w = &app.world;
    let zhao = verified_resident(&app, w.zhao, "赵军杰", "13812345678").await;
    let shuji = app.login("shuji").await;
    // A second member of 赵's household, with an account of her own.
    let (st, wife) = shuji
        .post_json("/api/persons", json!({"name": "周玉兰", "id_number": crate::support::id("1982-05-05", 456), "household_id": w.household1}))
        .await;
    assert_eq!(st, StatusCode::OK, "{wife}");
    let zhou = verified_resident(&app, wife["id"].as_i64().unwrap(), "周玉兰", "13700001111").await;
    let qian = verified_resident(&app, w.qian, "钱小红", "13900002222").await;
    let (st, v) = shuji
        .post_json(
            "/api/governance/votes",
            json!({"title": "楼道粉刷颜色", "options": ["浅灰", "米白"], "mode": "household",
            "secret": false, "opens_at": bj(-1), "closes_at": bj(1)}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["electorate"], 2, "households of the community");
    let path = format!("/api/portal/votes/{}/ballot", v["number"].as_str().unwrap());
    assert_eq!(
        zhao.post_json(&path, json!({"option": 0})).await.0,
        StatusCode::OK
    );
    let (st, e) = zhou.post_json(&path, json!({"option": 1})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        e["error"].as_str().unwrap().contains("一户只能投一票"),
        "{e}"
    );
    assert_eq!(
        qian.post_json(&path, json!({"option": 1})).await.0,
        StatusCode::OK
    );

    // Representatives only: none yet → refused; 钱 tagged 居民代表 → she may, 赵 may not.
    let reps = json!({"title": "议事规则修订", "options": ["同意", "不同意"], "mode": "representatives", "secret": true,
                      "opens_at": bj(-1), "closes_at": bj(1)});
    let (st, _) = shuji.post_json("/api/governance/votes", reps.clone()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let tag: i64 = sqlx::query("SELECT id FROM tag_types WHERE code = 'representative'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    let (st, t) = shuji
        .post_json(
            &format!("/api/persons/{}/tags", w.qian),
            json!({"tag_type_id": tag, "fields": {}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let (st, v) = shuji.post_json("/api/governance/votes", reps).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["electorate"], 1);
    let path = format!("/api/portal/votes/{}/ballot", v["number"].as_str().unwrap());
    assert_eq!(
        zhao.post_json(&path, json!({"option": 0})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        qian.post_json(&path, json!({"option": 0})).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn meetings_need_their_quorum_and_resolutions_are_tracked_to_done() {
    let app = App::start().await;
    let shuji = app.login("shuji").await;
    let meeting = |present: i64| {
        json!({"type_code": "members_congress", "title": "2026年第四季度社区成员代表大会",
        "held_on": "2026-12-01", "place": "社区会议室", "invited": 30, "present": present, "agenda": "审议充电桩方案"})
    };
    let (st, _) = shuji.post_json("/api/governance/meetings", json!({"type_code": "members_congress", "title": "x", "held_on": "2026-12-01", "invited": 10, "present": 11})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, low) = shuji
        .post_json("/api/governance/meetings", meeting(15))
        .await;
    assert_eq!(low["quorum_needed"], 21, "67% of 30, rounded up");
    assert_eq!(low["quorum_met"], false);
    let (st, e) = shuji
        .post_json(
            &format!("/api/governance/meetings/{}/resolutions", low["id"]),
            json!({"text": "同意增设充电桩"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"].as_str().unwrap().contains("未达到法定人数"),
        "{e}"
    );
    let (_, m) = shuji
        .post_json("/api/governance/meetings", meeting(25))
        .await;
    let mid = m["id"].as_i64().unwrap();
    let (st, r) = shuji
        .post_json(
            &format!("/api/governance/meetings/{mid}/resolutions"),
            json!({"text": "同意在3号楼旁增设充电桩10个", "published": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let rid = r["id"].as_i64().unwrap();
    let owner = crate::cases::user_id(&app, "wangge1").await;
    let other_street = crate::cases::user_id(&app, "admin_b").await;
    let (st, _) = shuji
        .post_json(
            &format!("/api/governance/resolutions/{rid}/tasks"),
            json!({"title": "联系供电所", "owner_id": other_street, "working_days": 5}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) = shuji
        .post_json(
            &format!("/api/governance/resolutions/{rid}/tasks"),
            json!({"title": "联系供电所", "owner_id": owner, "working_days": 0}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, task) = shuji
        .post_json(
            &format!("/api/governance/resolutions/{rid}/tasks"),
            json!({"title": "联系供电所勘查", "owner_id": owner, "working_days": 5}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{task}");
    let tid = task["id"].as_i64().unwrap();
    // The owner's worklist; another grid worker cannot close it; the owner does.
    let g1 = app.login("wangge1").await;
    let (_, mine) = g1.get_json("/api/governance/tasks").await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert!(g1
        .get("/governance/tasks")
        .await
        .text()
        .await
        .unwrap()
        .contains("联系供电所勘查"));
    let (st, _) = app
        .login("wangge2")
        .await
        .post_json(
            &format!("/api/governance/tasks/{tid}/done"),
            json!({"note": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, done) = g1
        .post_json(
            &format!("/api/governance/tasks/{tid}/done"),
            json!({"note": "供电所已勘查,可安装"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert!(done["done_at"].is_string());
    let (_, mine) = g1.get_json("/api/governance/tasks").await;
    assert_eq!(mine.as_array().unwrap().len(), 0);
    let (st, _) = g1
        .post_json(&format!("/api/governance/tasks/{tid}/done"), json!({}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // The figures and the ledger come from these records.
    let (_, n) = shuji
        .get_json("/api/indicators/governance.meetings.members_congress?period=2026")
        .await;
    assert_eq!(n["value"], 2.0, "{n}");
    let (_, led) = shuji
        .get_json("/api/ledgers/governance.meetings?period=2026")
        .await;
    assert_eq!(led["rows"].as_array().map(|r| r.len()), Some(2), "{led}");
}

#[tokio::test]
async fn a_month_statement_adds_up_and_is_published_once() {
    let app = App::start().await;
    let w = &app.world;
    give_code(&app, w.community_a1, "XF001").await;
    let shuji = app.login("shuji").await;
    let entries = [
        ("income", "街道拨款", "50000", ""),
        ("expense", "活动经费", "1234.50", "幸福文体用品店"),
        ("expense", "办公经费", "300", "晨光文具"),
        ("expense", "活动经费", "65.5", "幸福文体用品店"),
    ];
    for (kind, cat, amount, payee) in entries {
        let (st, e) = shuji.post_json("/api/governance/finance", json!({"kind": kind, "category": cat, "on_date": "2026-11-15", "amount": amount, "payee": payee})).await;
        assert_eq!(st, StatusCode::OK, "{e}");
    }
    for bad in ["-5", "12.345", "abc", ""] {
        let (st, _) = shuji.post_json("/api/governance/finance", json!({"kind": "expense", "category": "x", "on_date": "2026-11-15", "amount": bad, "payee": "y"})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let (st, s) = shuji
        .get_json(&format!(
            "/api/governance/finance?community_id={}&month=2026-11",
            w.community_a1
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{s}");
    let sum: i64 = s["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "expense")
        .map(|e| e["amount_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(s["expense_fen"].as_i64().unwrap(), sum);
    assert_eq!(sum, 123450 + 30000 + 6550);
    assert_eq!(s["expense"], "1,600.00");
    let by_cat: i64 = s["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c[0] == "expense")
        .map(|c| c[2].as_i64().unwrap())
        .sum();
    assert_eq!(by_cat, sum);
    let body = json!({"community_id": w.community_a1, "month": "2026-11"});
    assert_eq!(
        shuji
            .post_json("/api/governance/finance/publish", body.clone())
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        shuji
            .post_json("/api/governance/finance/publish", body)
            .await
            .0,
        StatusCode::CONFLICT
    );
    let html = app
        .anonymous()
        .get("/public/XF001")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("1,600.00") && html.contains("50,000.00"),
        "{html}"
    );
}

#[tokio::test]
async fn governance_records_stay_in_their_scope() {
    let app = App::start().await;
    let shuji = app.login("shuji").await;
    let (_, p) = shuji
        .post_json(
            "/api/governance/proposals",
            json!({"title": "议题", "submitter_name": "代表甲"}),
        )
        .await;
    let (_, m) = shuji.post_json("/api/governance/meetings", json!({"type_code": "hearing", "title": "听证会", "held_on": "2026-12-01", "invited": 5, "present": 5})).await;
    let (_, v) = shuji.post_json("/api/governance/votes", json!({"title": "表决", "options": ["是", "否"], "mode": "person", "opens_at": bj(-1), "closes_at": bj(1)})).await;
    let (pid, mid, vid) = (
        p["id"].as_i64().unwrap(),
        m["id"].as_i64().unwrap(),
        v["id"].as_i64().unwrap(),
    );
    for who in ["admin_b", "wangge1", "louzu"] {
        let s = app.login(who).await;
        for path in [
            format!("/api/governance/proposals/{pid}"),
            format!("/api/governance/meetings/{mid}"),
            format!("/api/governance/votes/{vid}"),
            format!("/governance/meetings/{mid}"),
            format!("/governance/votes/{vid}"),
        ] {
            assert_eq!(
                s.get(&path).await.status(),
                StatusCode::NOT_FOUND,
                "{who} {path}"
            );
        }
        let (_, list) = s.get_json("/api/governance/proposals").await;
        assert_eq!(list, Value::Array(vec![]), "{who}");
        let (st, _) = s.post_json("/api/governance/meetings", json!({"type_code": "hearing", "title": "x", "held_on": "2026-12-01", "invited": 1, "present": 1})).await;
        assert!(
            st == StatusCode::FORBIDDEN || st == StatusCode::UNPROCESSABLE_ENTITY,
            "{who}: {st}"
        );
    }
    // The street's administrator sees the community's records.
    let (st, _) = app
        .login("admin")
        .await
        .get_json(&format!("/api/governance/meetings/{mid}"))
        .await;
    assert_eq!(st, StatusCode::OK);
}
