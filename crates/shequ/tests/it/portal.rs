//! The resident portal over real HTTP: sign-up, verification by a worker (only inside the worker's scope)
//! and by a printed 登记码, a request reported with a photo, taken through the loop by workers and rated by
//! the resident (不满意 reopens it), and isolation: a resident reaches only their own requests and never a
//! worker page or endpoint; workers cannot use the resident's endpoints.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::cases::{category, ok};
use crate::hazards::{upload, PNG};
use crate::support::{hidden_csrf, App, Session};

const PASS: &str = "居民密码12345";

/// Signs up through the page; answers the session (logged in when the sign-up passed) and the response.
async fn signup(app: &App, phone: &str, name: &str, code: &str) -> (Session, reqwest::Response) {
    let mut s = app.anonymous();
    let page = s.get("/portal/signup").await.text().await.unwrap();
    let csrf = hidden_csrf(&page);
    let r = s
        .client
        .post(s.url("/portal/signup"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("phone", phone),
            ("name", name),
            ("password", PASS),
            ("code", code),
        ])
        .send()
        .await
        .unwrap();
    if r.status() == StatusCode::SEE_OTHER {
        let me: Value = s.get("/api/me").await.json().await.unwrap();
        s.csrf = me["csrf_token"].as_str().unwrap().to_string();
    }
    (s, r)
}

async fn case_id(app: &App, number: &str) -> i64 {
    sqlx::query("SELECT id FROM cases WHERE number = $1")
        .bind(number)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_resident_signs_up_is_verified_reports_follows_and_rates() {
    let app = App::start().await;
    let w = &app.world;
    let (zhao, r) = signup(&app, "13812345678", "赵军杰", "").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/portal");
    // Waiting: the page says so, the requests are refused with the reason.
    let home = zhao.get("/portal").await.text().await.unwrap();
    assert!(home.contains("id=\"waiting\""), "{home}");
    let (st, e) = zhao.get_json("/api/portal/cases").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(e["error"].as_str().unwrap().contains("尚未核实"), "{e}");

    // The sign-up's phone is 赵军杰's, in grid 1: the grid-2 worker does not see it, grid 1's does.
    let g2 = app.login("wangge2").await;
    let (st, list) = g2.get_json("/api/resident-accounts/pending").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
    let g1 = app.login("wangge1").await;
    let (st, list) = g1.get_json("/api/resident-accounts/pending").await;
    assert_eq!(st, StatusCode::OK);
    let pending = &list.as_array().unwrap()[0];
    assert_eq!(pending["matches"][0]["person_id"], w.zhao);
    assert_eq!(pending["matches"][0]["same_name"], true);
    assert!(
        !list.to_string().contains("13812345678"),
        "phone masked: {list}"
    );
    let uid = pending["user_id"].as_i64().unwrap();
    // The grid-2 worker cannot verify it (404), nor link it to another person.
    let (st, _) = g2
        .post_json(
            &format!("/api/resident-accounts/{uid}/verify"),
            json!({"person_id": w.zhao}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = g1
        .post_json(
            &format!("/api/resident-accounts/{uid}/verify"),
            json!({"person_id": w.qian}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = g1
        .post_json(
            &format!("/api/resident-accounts/{uid}/verify"),
            json!({"person_id": w.zhao}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, me) = zhao.get_json("/api/portal/me").await;
    assert_eq!(me["verified"], true);
    assert_eq!(me["resident"]["person_id"], w.zhao);

    // A report from the page, with a photo (htmx multipart, CSRF header); a bad file leaves no request.
    let cat = category(&g1, "sanitation").await;
    let fields = [
        ("category_id", cat.to_string()),
        ("title", "楼道灯坏了".to_string()),
        ("description", "三楼楼道灯不亮一周了".to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _) = upload(
        &zhao,
        "/portal/report",
        &fields,
        Some(("photo", "image/png", b"#!/bin/sh".to_vec())),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (_, mine) = zhao.get_json("/api/portal/cases").await;
    assert_eq!(
        mine.as_array().unwrap().len(),
        0,
        "a refused photo leaves no request: {mine}"
    );
    let r = zhao
        .client
        .post(zhao.url("/portal/report"))
        .header("X-CSRF-Token", &zhao.csrf)
        .multipart(
            fields
                .iter()
                .fold(reqwest::multipart::Form::new(), |f, (k, v)| {
                    f.text(k.to_string(), v.to_string())
                })
                .part(
                    "photo",
                    reqwest::multipart::Part::bytes(PNG.to_vec())
                        .file_name("灯.png")
                        .mime_str("image/png")
                        .unwrap(),
                ),
        )
        .send()
        .await
        .unwrap();
    let to = r.headers()["HX-Redirect"].to_str().unwrap().to_string();
    assert!(to.starts_with("/portal/cases/"), "{to}");
    let number = to.trim_start_matches("/portal/cases/").to_string();
    let id = case_id(&app, &number).await;
    let (_, c) = g1.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(c["case"]["source"], "居民端", "{c}");
    assert_eq!(c["case"]["reporter_person_id"], w.zhao);
    assert_eq!(c["case"]["location_node_id"], w.dwelling1);
    let photos: i64 =
        sqlx::query("SELECT COUNT(*) FROM attachments WHERE owner_kind = 'case' AND owner_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(photos, 1);
    let (_, d) = zhao.get_json(&format!("/api/portal/cases/{number}")).await;
    assert_eq!(d["case"]["next"], "等待社区受理");
    assert_eq!(d["photos"].as_array().unwrap().len(), 1);
    let photo = d["photos"][0]["id"].as_i64().unwrap();
    let r = zhao
        .get(&format!("/portal/cases/{number}/photos/{photo}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);

    // Workers take it through the loop; the resident cannot rate before it is closed.
    let (st, _) = zhao
        .post_json(
            &format!("/api/portal/cases/{number}/rate"),
            json!({"rating": "满意"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let shuji = app.login("shuji").await;
    ok(&g1, id, "accept", json!({})).await;
    ok(&g1, id, "dispatch", json!({"to": "community"})).await;
    ok(&g1, id, "handle", json!({"note": "已更换灯泡"})).await;
    ok(&shuji, id, "verify", json!({"passed": true})).await;
    ok(&g1, id, "close", json!({"note": "已更换灯泡,恢复照明"})).await;
    let page = zhao
        .get(&format!("/portal/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已更换灯泡,恢复照明"), "the outcome is told");
    assert!(page.contains("id=\"rate\""));
    // 不满意 reopens it; after a second closing, 满意 rates it.
    let r = zhao
        .post_form(
            &format!("/portal/cases/{number}/rate"),
            &[("rating", "不满意"), ("comment", "还是不亮")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, c) = g1.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(c["case"]["state"], "handling");
    ok(&g1, id, "handle", json!({"note": "检查线路老化"})).await;
    ok(&shuji, id, "verify", json!({"passed": true})).await;
    ok(&g1, id, "close", json!({"note": "已更换线路"})).await;
    let (st, mc) = zhao
        .post_json(
            &format!("/api/portal/cases/{number}/rate"),
            json!({"rating": "满意", "comment": "谢谢"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{mc}");
    assert_eq!(mc["state"], "rated");
    let (_, d) = zhao.get_json(&format!("/api/portal/cases/{number}")).await;
    let labels: Vec<&str> = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.first(), Some(&"已提交"));
    assert!(labels.contains(&"评价不满意,重新处置"), "{labels:?}");
    assert_eq!(labels.last(), Some(&"已评价"));
    // The steps name no worker and no internal note.
    assert!(!d.to_string().contains("wangge1"), "{d}");
    assert!(
        !d.to_string().contains("线路老化"),
        "handling notes are not shown: {d}"
    );
}

#[tokio::test]
async fn a_code_verifies_at_once_and_residents_reach_only_their_own() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let (st, c) = shuji
        .post_json(&format!("/api/persons/{}/portal-code", w.qian), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let code = c["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 9, "ABCD-EFGH: {code}");
    // Out of scope: street B's administrator gets 404 for our person; a building leader may not issue.
    let (st, _) = app
        .login("admin_b")
        .await
        .post_json(&format!("/api/persons/{}/portal-code", w.qian), json!({}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = app
        .login("louzu")
        .await
        .post_json(&format!("/api/persons/{}/portal-code", w.zhao), json!({}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // A wrong code or the wrong name creates nothing.
    let users = |app: &App| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query("SELECT COUNT(*) FROM users WHERE role = 'resident'")
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    let (_, r) = signup(&app, "13900002222", "钱小红", "ABCD-EFGH").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, r) = signup(&app, "13900002222", "钱大红", &code).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("登记码"));
    assert_eq!(users(&app).await, 0);
    let (qian, r) = signup(&app, "13900002222", "钱小红", &code.to_lowercase()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, me) = qian.get_json("/api/portal/me").await;
    assert_eq!(me["verified"], true, "{me}");
    assert_eq!(me["resident"]["person_id"], w.qian);
    // Used once only.
    let (_, r) = signup(&app, "13900003333", "钱小红", &code).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // 赵军杰 reports; 钱小红 cannot read it by any route, nor any worker page or endpoint.
    let (zhao, _) = signup(&app, "13812345678", "赵军杰", "").await;
    let g1 = app.login("wangge1").await;
    let (_, list) = g1.get_json("/api/resident-accounts/pending").await;
    let uid = list[0]["user_id"].as_i64().unwrap();
    g1.post_json(
        &format!("/api/resident-accounts/{uid}/verify"),
        json!({"person_id": w.zhao}),
    )
    .await;
    let cat = category(&g1, "sanitation").await;
    let (st, mc) = zhao
        .post_json(
            "/api/portal/cases",
            json!({"category_id": cat, "title": "垃圾未清运", "description": "两天没收了"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{mc}");
    let number = mc["number"].as_str().unwrap();
    let id = case_id(&app, number).await;
    for path in [
        format!("/api/portal/cases/{number}"),
        format!("/portal/cases/{number}"),
        format!("/portal/cases/{number}/photos/1"),
    ] {
        assert_eq!(
            qian.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (st, _) = qian
        .post_json(
            &format!("/api/portal/cases/{number}/rate"),
            json!({"rating": "不满意"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, theirs) = qian.get_json("/api/portal/cases").await;
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    for path in [
        "/persons",
        "/cases",
        "/",
        &format!("/cases/{id}"),
        "/reports/ledgers",
    ] {
        let r = qian.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()["location"], "/portal", "{path}");
    }
    for path in [
        "/api/persons",
        &format!("/api/cases/{id}"),
        "/api/dashboard",
        "/api/resident-accounts/pending",
    ] {
        assert_eq!(
            qian.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let (st, _) = qian
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "来访", "title": "x", "location_id": w.dwelling1}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Workers do not use the resident's endpoints.
    let (st, _) = g1.get_json("/api/portal/cases").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(g1.get("/portal").await.status(), StatusCode::FORBIDDEN);
    // The worker reporting desk sees the resident's request like any other, with its source.
    let (_, c) = g1.get_json(&format!("/api/cases/{id}")).await;
    assert_eq!(c["case"]["source"], "居民端");
}

#[tokio::test]
async fn sign_ups_are_throttled_and_checked() {
    let app = App::start().await;
    let (_, r) = signup(&app, "1381234", "赵军杰", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("11位手机号码"));
    let (_, r) = signup(&app, "13812345678", "赵军杰", "").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, r) = signup(&app, "13812345678", "赵军杰", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "taken phone");
    assert!(r.text().await.unwrap().contains("已注册"));
    let mut locked = false;
    for i in 0..12 {
        let (_, r) = signup(&app, &format!("137000000{i:02}"), "某居民", "").await;
        if r.status() == StatusCode::UNPROCESSABLE_ENTITY {
            let body = r.text().await.unwrap();
            assert!(body.contains("过于频繁"), "{body}");
            locked = true;
            break;
        }
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    assert!(locked, "sign-ups from one address are slowed down");
}

/// A resident signed up with a code issued by the community head: verified and logged in.
pub(crate) async fn verified_resident(app: &App, person: i64, name: &str, phone: &str) -> Session {
    let shuji = app.login("shuji").await;
    let (st, c) = shuji
        .post_json(&format!("/api/persons/{person}/portal-code"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let (s, r) = signup(app, phone, name, c["code"].as_str().unwrap()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-up of {name}");
    s
}

#[tokio::test]
async fn a_resident_signs_up_for_a_coming_activity_once_and_the_board_announces_it() {
    let app = App::start().await;
    let w = &app.world;
    sqlx::query("UPDATE nodes SET code = 'XF001' WHERE id = $1")
        .bind(w.community_a1)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let shuji = app.login("shuji").await;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let (st, a) = shuji
        .post_json("/api/activities", json!({"title": "重阳节敬老文艺演出", "kind": "文体", "starts_on": (today + chrono::Duration::days(3)).to_string(),
            "place": "社区广场", "area_id": w.community_a1}))
        .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    let id = a["id"]
        .as_i64()
        .or_else(|| a["activity"]["id"].as_i64())
        .unwrap();
    let (_, past) = shuji
        .post_json("/api/activities", json!({"title": "去年的活动", "kind": "宣传", "starts_on": "2025-01-05", "area_id": w.community_a1}))
        .await;
    let zhao = verified_resident(&app, w.zhao, "赵军杰", "13812345678").await;
    let (st, list) = zhao.get_json("/api/portal/activities").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        vec!["重阳节敬老文艺演出"],
        "ended ones are not offered"
    );
    let path = format!("/api/portal/activities/{id}/signup");
    assert_eq!(zhao.post_json(&path, json!({})).await.0, StatusCode::OK);
    assert_eq!(
        zhao.post_json(&path, json!({})).await.0,
        StatusCode::CONFLICT
    );
    let past_id = past["id"]
        .as_i64()
        .or_else(|| past["activity"]["id"].as_i64())
        .unwrap();
    assert_eq!(
        zhao.post_json(
            &format!("/api/portal/activities/{past_id}/signup"),
            json!({})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // The organiser's list has the resident; the board announces the activity.
    let (_, signups) = shuji
        .get_json(&format!("/api/activities/{id}/signups"))
        .await;
    assert_eq!(signups[0]["person_id"], w.zhao, "{signups}");
    let board = app
        .anonymous()
        .get("/public/XF001")
        .await
        .text()
        .await
        .unwrap();
    assert!(board.contains("重阳节敬老文艺演出") && !board.contains("去年的活动"));
    assert!(!board.contains("赵军杰"));
}
