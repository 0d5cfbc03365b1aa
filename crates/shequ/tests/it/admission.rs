//! 准入制 over real HTTP: a task from above admitted and dispatched, another refused (not without a reason);
//! returns of a ledger frozen at submission (a meeting recorded later changes neither its rows nor the
//! returned figure), of a computed and a typed figure and of a file; sent back with a reason and accepted;
//! overdue returns on the community's 工作台 and in the load table; scope isolation on every endpoint.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{App, Session};

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn year() -> String {
    today().format("%Y").to_string()
}

async fn meeting(s: &Session, title: &str) {
    let (st, m) = s
        .post_json(
            "/api/governance/meetings",
            json!({"type_code": "joint", "title": title, "held_on": today().to_string(), "invited": 10, "present": 8}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
}

async fn new_task(admin: &Session, title: &str, deadline: &str) -> Value {
    let (st, t) = admin
        .post_json(
            "/api/admission/tasks",
            json!({"department": "区民政局", "title": title, "content": "请各社区报送本年度工作情况",
                   "deadline": deadline, "requirements": [
                {"kind": "ledger", "code": "governance.meetings", "period": year()},
                {"kind": "figure", "code": "governance.meetings", "period": year()},
                {"kind": "figure", "label": "走访困难群众户数"},
                {"kind": "file", "label": "年度工作总结"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    t
}

fn by_label<'a>(list: &'a Value, kind: &str, code: bool) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind && r["code"].is_string() == code)
        .unwrap()
}

#[tokio::test]
async fn a_task_is_admitted_dispatched_returned_frozen_reviewed_and_scoped() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let shuji = app.login("shuji").await;
    let louzu = app.login("louzu").await;
    let wangge = app.login("wangge1").await;
    let deadline = (today() + chrono::Duration::days(10)).to_string();

    // Only the street enters tasks.
    let (st, _) = shuji
        .post_json(
            "/api/admission/tasks",
            json!({"department": "区民政局", "title": "x", "deadline": deadline,
            "requirements": [{"kind": "file", "label": "材料"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, e) = admin
        .post_json(
            "/api/admission/tasks",
            json!({"department": "区民政局", "title": "x", "deadline": deadline,
            "requirements": [{"kind": "ledger", "code": "no.such"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // Refused: not without a reason.
    let other = new_task(&admin, "创建全国文明城市迎检材料", &deadline).await;
    let oid = other["id"].as_i64().unwrap();
    assert_eq!(other["state"], "received");
    let (st, e) = admin
        .post_json(
            &format!("/api/admission/tasks/{oid}/decide"),
            json!({"action": "refuse"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "不予准入理由");
    let (st, t) = admin
        .post_json(
            &format!("/api/admission/tasks/{oid}/decide"),
            json!({"action": "refuse", "reason": "未经区级准入审核,不属于社区职责"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(t["state"], "refused");
    let (st, _) = admin
        .post_json(
            &format!("/api/admission/tasks/{oid}/dispatch"),
            json!({"communities": [w.community_a1]}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refused task is not dispatched"
    );

    // Admitted and dispatched to two communities: four returns each.
    let task = new_task(&admin, "年度社区工作情况报送", &deadline).await;
    let tid = task["id"].as_i64().unwrap();
    assert!(task["number"].as_str().unwrap().starts_with("ZR"));
    let (st, _) = shuji
        .post_json(
            &format!("/api/admission/tasks/{tid}/decide"),
            json!({"action": "admit"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "a community does not see the street's tasks"
    );
    let (st, t) = admin
        .post_json(
            &format!("/api/admission/tasks/{tid}/decide"),
            json!({"action": "admit"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let (st, t) = admin
        .post_json(
            &format!("/api/admission/tasks/{tid}/dispatch"),
            json!({"communities": [w.community_a1, w.community_a2]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(t["communities"].as_array().unwrap().len(), 2);
    let (_, all) = admin
        .get_json(&format!("/api/admission/returns?task_id={tid}"))
        .await;
    assert_eq!(all.as_array().unwrap().len(), 8);
    let (_, mine) = shuji.get_json("/api/admission/returns").await;
    let mine_list = mine.as_array().unwrap();
    assert_eq!(mine_list.len(), 4, "{mine}");
    assert!(mine_list
        .iter()
        .all(|r| r["community_id"] == w.community_a1));
    let theirs = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["community_id"] == w.community_a2)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    for (who, s) in [("shuji", &shuji), ("louzu", &louzu), ("wangge1", &wangge)] {
        let (st, _) = s
            .get_json(&format!("/api/admission/returns/{theirs}"))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{who}");
    }
    let (_, none) = louzu.get_json("/api/admission/returns").await;
    assert_eq!(none, json!([]));
    let (_, none) = wangge.get_json("/api/admission/tasks").await;
    assert_eq!(none, json!([]));

    // A ledger and a computed figure: one meeting now, frozen at submission.
    meeting(&shuji, "第一次联席会议").await;
    let ledger = by_label(&mine, "ledger", true)["id"].as_i64().unwrap();
    let figure = by_label(&mine, "figure", true)["id"].as_i64().unwrap();
    let typed = by_label(&mine, "figure", false)["id"].as_i64().unwrap();
    let file = by_label(&mine, "file", false)["id"].as_i64().unwrap();
    let (st, _) = louzu
        .post_json(
            &format!("/api/admission/returns/{ledger}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "a building leader cannot write");
    let (st, r) = shuji
        .post_json(
            &format!("/api/admission/returns/{ledger}/submit"),
            json!({"note": "见附表"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "submitted");
    assert_eq!(r["ledger_count"], 1);
    let (st, r) = shuji
        .post_json(
            &format!("/api/admission/returns/{figure}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["value"], "1");
    let (st, e) = shuji
        .post_json(&format!("/api/admission/returns/{typed}/submit"), json!({}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "数值");
    let (st, r) = shuji
        .post_json(
            &format!("/api/admission/returns/{typed}/submit"),
            json!({"value": "35"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["value"], "35");

    // A file: a script named .pdf is refused, a PDF accepted.
    let upload = |bytes: &'static [u8]| {
        Form::new().text("note", "总结").part(
            "file",
            Part::bytes(bytes)
                .file_name("总结.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
    };
    let send = |form: Form| {
        shuji
            .client
            .post(shuji.url(&format!("/api/admission/returns/{file}/file")))
            .header("X-CSRF-Token", &shuji.csrf)
            .multipart(form)
            .send()
    };
    let r = send(upload(b"#!/bin/sh\necho")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(upload(b"%PDF-1.4\n%test\n")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Later records do not change what was returned.
    meeting(&shuji, "第二次联席会议").await;
    let (_, frozen) = shuji
        .get_json(&format!("/api/admission/returns/{ledger}/ledger"))
        .await;
    assert_eq!(frozen["rows"].as_array().unwrap().len(), 1, "{frozen}");
    assert!(frozen["rows"][0]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "第一次联席会议"));
    let (_, r) = admin
        .get_json(&format!("/api/admission/returns/{figure}"))
        .await;
    assert_eq!(r["value"], "1");
    let (_, live) = shuji
        .get_json(&format!(
            "/api/indicators/governance.meetings?period={}",
            year()
        ))
        .await;
    assert_eq!(live["value"], 2.0, "{live}");
    let x = admin
        .get(&format!("/api/admission/returns/{ledger}/content"))
        .await;
    assert_eq!(x.status(), StatusCode::OK);
    assert!(x.bytes().await.unwrap().starts_with(b"PK"));
    let (st, _) = louzu
        .get_json(&format!("/api/admission/returns/{ledger}/ledger"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Sent back (with a reason), submitted again, accepted.
    let (st, e) = admin
        .post_json(
            &format!("/api/admission/returns/{typed}/review"),
            json!({"action": "send_back"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "退回理由");
    let (st, _) = shuji
        .post_json(
            &format!("/api/admission/returns/{typed}/review"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "a community does not review its own return"
    );
    let (st, r) = admin
        .post_json(
            &format!("/api/admission/returns/{typed}/review"),
            json!({"action": "send_back", "reason": "户数与走访台账不一致"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "returned");
    let (_, r) = shuji
        .post_json(
            &format!("/api/admission/returns/{typed}/submit"),
            json!({"value": "32"}),
        )
        .await;
    assert_eq!(r["state"], "submitted");
    let (_, r) = admin
        .post_json(
            &format!("/api/admission/returns/{typed}/review"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(r["state"], "accepted");

    // The load: a1 returned everything, a2 nothing; meetings, ledgers and materials counted.
    let (st, load) = admin.get_json("/api/admission/load").await;
    assert_eq!(st, StatusCode::OK, "{load}");
    assert_eq!(
        (
            load["tasks"].as_i64(),
            load["admitted"].as_i64(),
            load["refused"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let row = |id: i64| {
        load["communities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["community_id"] == id)
            .unwrap()
            .clone()
    };
    let a1 = row(w.community_a1);
    assert_eq!(
        (
            a1["tasks"].as_i64(),
            a1["returns_due"].as_i64(),
            a1["returns_submitted"].as_i64(),
            a1["returns_accepted"].as_i64()
        ),
        (Some(1), Some(0), Some(3), Some(1)),
        "{a1}"
    );
    assert_eq!(
        (
            a1["meetings"].as_i64(),
            a1["ledgers"].as_i64(),
            a1["materials"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let a2 = row(w.community_a2);
    assert_eq!(
        (a2["returns_due"].as_i64(), a2["returns_overdue"].as_i64()),
        (Some(4), Some(0))
    );
    let (_, own) = shuji.get_json("/api/admission/load").await;
    assert_eq!(
        own["communities"].as_array().unwrap().len(),
        1,
        "a community sees its own load"
    );
    let (_, b) = app
        .login("admin_b")
        .await
        .get_json("/api/admission/load")
        .await;
    assert!(b["communities"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["community_id"] != w.community_a1));

    // The ledger of tasks and the pages.
    let (st, l) = admin
        .get_json(&format!("/api/ledgers/admission.tasks?period={}", year()))
        .await;
    assert_eq!(st, StatusCode::OK, "{l}");
    assert!(l.to_string().contains("创建全国文明城市迎检材料"), "{l}");
    let (_, l) = shuji
        .get_json(&format!("/api/ledgers/admission.returns?period={}", year()))
        .await;
    assert!(
        l.to_string().contains("已通过") && !l.to_string().contains("光明社区"),
        "{l}"
    );
    for path in [
        "/admission",
        &format!("/admission/tasks/{tid}"),
        &format!("/admission/returns/{ledger}"),
        "/admission/load",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let page = shuji
        .get(&format!("/admission/returns/{ledger}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("第一次联席会议") && !page.contains("第二次联席会议"),
        "{page}"
    );
    assert_eq!(
        shuji
            .get(&format!("/admission/returns/{theirs}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn overdue_returns_show_on_the_workbench_and_in_the_load() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let shuji = app.login("shuji").await;
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let task = new_task(&admin, "安全生产大检查台账", &yesterday).await;
    let tid = task["id"].as_i64().unwrap();
    admin
        .post_json(
            &format!("/api/admission/tasks/{tid}/decide"),
            json!({"action": "admit", "reason": "属社区安全职责"}),
        )
        .await;
    let (st, _) = admin
        .post_json(
            &format!("/api/admission/tasks/{tid}/dispatch"),
            json!({"communities": [w.community_a1]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, overdue) = shuji.get_json("/api/admission/returns?state=overdue").await;
    assert_eq!(overdue.as_array().unwrap().len(), 4);
    assert!(overdue
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["overdue"] == true));
    let home = shuji.get("/").await.text().await.unwrap();
    assert!(home.contains("id=\"todo-returns-count\">4<"), "{home}");
    // Submitted returns leave the list.
    let typed = by_label(&overdue, "figure", false)["id"].as_i64().unwrap();
    shuji
        .post_json(
            &format!("/api/admission/returns/{typed}/submit"),
            json!({"value": "7"}),
        )
        .await;
    let (_, load) = admin.get_json("/api/admission/load").await;
    let a1 = load["communities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["community_id"] == w.community_a1)
        .unwrap()
        .clone();
    assert_eq!(a1["returns_overdue"].as_i64(), Some(3), "{a1}");
    let (_, v) = admin
        .get_json(&format!(
            "/api/indicators/admission.returns_overdue?period={}",
            year()
        ))
        .await;
    assert_eq!(v["value"], 3.0, "{v}");
    let (_, grid_home) = (
        0,
        app.login("wangge1")
            .await
            .get("/")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(!grid_home.contains("todo-returns-count"));
}

#[tokio::test]
async fn the_pages_forms_enter_decide_dispatch_and_return() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let shuji = app.login("shuji").await;
    let deadline = (today() + chrono::Duration::days(5)).to_string();
    let r = admin
        .post_form(
            "/admission/tasks",
            &[
                ("department", "区退役军人事务局"),
                ("title", "退役军人信息采集"),
                ("deadline", &deadline),
                ("kind0", "figure"),
                ("indicator0", ""),
                ("label0", "退役军人人数"),
                ("kind1", "ledger"),
                ("ledger1", "governance.meetings"),
                ("period1", &year()),
                ("kind2", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, tasks) = admin.get_json("/api/admission/tasks").await;
    let t = &tasks[0];
    assert_eq!(t["requirements"].as_array().unwrap().len(), 2, "{t}");
    let tid = t["id"].as_i64().unwrap();
    let r = admin
        .post_form(
            &format!("/admission/tasks/{tid}/decide"),
            &[("action", "refuse"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .post_form(
            &format!("/admission/tasks/{tid}/decide"),
            &[("action", "admit"), ("reason", "")],
        )
        .await;
    let c = format!("c{}", w.community_a1);
    let r = admin
        .post_form(
            &format!("/admission/tasks/{tid}/dispatch"),
            &[(c.as_str(), "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, mine) = shuji.get_json("/api/admission/returns").await;
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let typed = by_label(&mine, "figure", false)["id"].as_i64().unwrap();
    let r = shuji
        .post_form(
            &format!("/admission/returns/{typed}/submit"),
            &[("value", "12"), ("note", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = shuji
        .get(&format!("/admission/returns/{typed}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<strong>12</strong>"), "{page}");
}
