//! Issue 16: the login throttle tells nothing about which usernames exist (same answer, similar time), backs
//! off per address and per name instead of a lock a stranger can renew, and an administrator's unlock lets
//! the owner in; users see and end their sessions; a password change, an administrator's reset or disable
//! ends the account's other sessions.

use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::{App, Session, PASSWORD};

/// The error paragraph of the login page, digits replaced (a wait of 30 or 29 seconds is the same answer).
async fn answer(s: &Session, user: &str, pass: &str) -> (StatusCode, String) {
    let r = s.login_form(user, pass).await;
    let status = r.status();
    let html = r.text().await.unwrap();
    let msg = html
        .split("<p class=\"error\" role=\"alert\" id=\"login-error\">")
        .nth(1)
        .and_then(|t| t.split("</p>").next())
        .unwrap_or("(no error)")
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    (status, msg)
}

async fn user_id(app: &App, name: &str) -> i64 {
    sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_names_and_wrong_passwords_get_the_same_answers() {
    let app = App::start().await;
    let s = app.anonymous();
    // Attempt by attempt, through the back-off, an existing name and an unknown one answer alike.
    for i in 1..=7 {
        let known = answer(&s, "wangge1", "wrong-password").await;
        let unknown = answer(&s, "no_such_user", "wrong-password").await;
        assert_eq!(known, unknown, "attempt {i}");
        assert_eq!(known.0, StatusCode::UNAUTHORIZED);
        if i < 5 {
            assert_eq!(known.1, "用户名或密码错误");
        } else {
            assert!(known.1.contains("登录尝试过于频繁"), "{}", known.1);
            assert!(!known.1.contains("UTC") && !known.1.contains("锁定"));
        }
    }
    // Both names were counted the same way.
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT key, failures FROM login_throttle WHERE key LIKE 'user:%' ORDER BY key",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            ("user:no_such_user".to_string(), 5),
            ("user:wangge1".to_string(), 5)
        ]
    );
    // Each failure is audited; the unknown name's entry names no account.
    let unknown_failures: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND entity_id IS NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(unknown_failures, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_names_take_as_long_as_wrong_passwords() {
    let app = App::start().await;
    let s = app.anonymous();
    // One wrong password per existing account, one attempt per unknown name (no back-off involved).
    let known = ["admin", "admin_b", "shuji", "shegong", "wangge2", "louzu"];
    let mut t_known = Vec::new();
    let mut t_unknown = Vec::new();
    for (i, name) in known.iter().enumerate() {
        let start = Instant::now();
        assert_eq!(
            answer(&s, name, "wrong-password").await.1,
            "用户名或密码错误"
        );
        t_known.push(start.elapsed());
        let start = Instant::now();
        let ghost = format!("ghost{i}");
        assert_eq!(
            answer(&s, &ghost, "wrong-password").await.1,
            "用户名或密码错误"
        );
        t_unknown.push(start.elapsed());
    }
    t_known.sort();
    t_unknown.sort();
    let (k, u) = (t_known[3], t_unknown[3]);
    eprintln!("median login failure: existing name {k:?}, unknown name {u:?}");
    // Before the fix an unknown name answered in a fifteenth of the time; now both run argon2.
    assert!(u * 2 >= k && k * 2 >= u, "existing {k:?} vs unknown {u:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_backs_off_exponentially_and_an_admin_unlock_lets_its_owner_in() {
    let app = App::start().await;
    let attacker = app.anonymous();
    for _ in 0..5 {
        attacker.login_form("wangge1", "wrong-password").await;
    }
    let block = |app: &App| {
        let pool = app.db.pool.clone();
        async move {
            let until: String =
                sqlx::query("SELECT blocked_until FROM login_throttle WHERE key = 'user:wangge1'")
                    .fetch_one(&pool)
                    .await
                    .unwrap()
                    .get(0);
            let until = chrono::NaiveDateTime::parse_from_str(&until, "%Y-%m-%d %H:%M:%S").unwrap();
            (until - chrono::Utc::now().naive_utc()).num_seconds()
        }
    };
    let secs = block(&app).await;
    assert!((25..=30).contains(&secs), "first block {secs} s");
    // The owner, with the right password, is told to wait; attempts while blocked do not count.
    let owner = app.anonymous();
    let (st, msg) = answer(&owner, "wangge1", PASSWORD).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert!(msg.contains("登录尝试过于频繁"), "{msg}");
    attacker.login_form("wangge1", "wrong-password").await;
    let failures: i64 =
        sqlx::query("SELECT failures FROM login_throttle WHERE key = 'user:wangge1'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(failures, 5);
    // Another account on the same address is not affected.
    assert_eq!(
        app.anonymous()
            .login_form("wangge2", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // Once the block has passed, the next failure doubles it: 60 s, and never more than 15 minutes.
    sqlx::query("UPDATE login_throttle SET blocked_until = '2000-01-01 00:00:00' WHERE key = 'user:wangge1'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    attacker.login_form("wangge1", "wrong-password").await;
    let secs = block(&app).await;
    assert!((55..=60).contains(&secs), "second block {secs} s");
    // Only a street administrator of the account's street may unlock it.
    let id = user_id(&app, "wangge1").await;
    let path = format!("/api/users/{id}/unlock");
    let shuji = app.login("shuji").await;
    assert_eq!(
        shuji.post_json(&path, json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let admin_b = app.login("admin_b").await;
    assert_eq!(
        admin_b.post_json(&path, json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let admin = app.login("admin").await;
    let (st, body) = admin.post_json(&path, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        owner.login_form("wangge1", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let unlocks: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'unlock' AND entity_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(unlocks, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_trying_many_names_is_blocked() {
    let app = App::start().await;
    let s = app.anonymous();
    for i in 0..20 {
        s.login_form(&format!("guess{i}"), "123456").await;
    }
    // From that address even a right password waits now; the answer is the same as for any name.
    let (st, msg) = answer(&s, "shuji", PASSWORD).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert!(msg.contains("登录尝试过于频繁"), "{msg}");
    assert_eq!(answer(&s, "nobody", PASSWORD).await.1, msg);
    let ip: i64 = sqlx::query("SELECT failures FROM login_throttle WHERE key LIKE 'ip:%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(ip, 20);
}

fn session_ids(list: &Value) -> Vec<(String, bool)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["current"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn users_list_and_end_their_own_sessions() {
    let app = App::start().await;
    let phone = app.login("shuji").await;
    let desk = app.login("shuji").await;
    let (st, list) = desk.get_json("/api/me/sessions").await;
    assert_eq!(st, StatusCode::OK);
    let ids = session_ids(&list);
    assert_eq!(ids.len(), 2, "{list}");
    assert_eq!(ids.iter().filter(|(_, c)| *c).count(), 1);
    assert_eq!(list[0]["ip"], "127.0.0.1");
    let other = ids.iter().find(|(_, c)| !c).unwrap().0.clone();
    // Someone else cannot end it.
    let shegong = app.login("shegong").await;
    let path = format!("/api/me/sessions/{other}");
    assert_eq!(
        shegong
            .send_json(reqwest::Method::DELETE, &path, json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(phone.get("/api/me").await.status(), StatusCode::OK);
    // The page lists both, in Beijing time, with a button to end the other one.
    let html = desk.get("/account").await.text().await.unwrap();
    assert!(html.contains("北京时间") && html.contains(&format!("/account/sessions/{other}/end")));
    let now_bj = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    assert!(html.contains(&now_bj));
    let (st, _) = desk
        .send_json(reqwest::Method::DELETE, &path, json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        phone.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(desk.get("/api/me").await.status(), StatusCode::OK);
    assert_eq!(
        session_ids(&desk.get_json("/api/me/sessions").await.1).len(),
        1
    );
    // The page's form ends a session too.
    let third = app.login("shuji").await;
    let (_, list) = desk.get_json("/api/me/sessions").await;
    let id = session_ids(&list).into_iter().find(|(_, c)| !c).unwrap().0;
    let r = desk
        .post_form(&format!("/account/sessions/{id}/end"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        third.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let ended: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'end_session'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(ended, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_change_ends_the_other_sessions() {
    let app = App::start().await;
    let old = app.login("shegong").await;
    let me = app.login("shegong").await;
    let (st, e) = me
        .post_json(
            "/api/me/password",
            json!({"current": "wrong", "new": "new-password-2"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"], "当前密码: 当前密码不正确");
    let (st, e) = me
        .post_json(
            "/api/me/password",
            json!({"current": PASSWORD, "new": "short"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(old.get("/api/me").await.status(), StatusCode::OK);
    let (st, e) = me
        .post_json(
            "/api/me/password",
            json!({"current": PASSWORD, "new": "new-password-2"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(e["sessions_ended"], 1);
    assert_eq!(old.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me.get("/api/me").await.status(), StatusCode::OK);
    let s = app.anonymous();
    assert_eq!(
        s.login_form("shegong", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.login_form("shegong", "new-password-2").await.status(),
        StatusCode::SEE_OTHER
    );
    // The page's form: a mismatch is told in Chinese; a change says how many sign-ins ended.
    let r = me
        .post_form(
            "/account/password",
            &[
                ("current", "new-password-2"),
                ("new", "third-password"),
                ("confirm", "other"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("两次输入的新密码不一致"));
    let r = me
        .post_form(
            "/account/password",
            &[
                ("current", "new-password-2"),
                ("new", "third-password"),
                ("confirm", "third-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("其他 1 个登录已退出"));
    assert_eq!(s.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    let audited: Vec<String> = sqlx::query(
        "SELECT COALESCE(after_json, '') FROM audit_log WHERE action = 'change_password' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(audited.len(), 2);
    assert!(audited
        .iter()
        .all(|a| !a.contains("password-2") && !a.contains("argon2")));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_reset_or_disable_ends_the_accounts_sessions() {
    let app = App::start().await;
    let worker = app.login("wangge1").await;
    let worker2 = app.login("wangge1").await;
    let id = user_id(&app, "wangge1").await;
    let admin = app.login("admin").await;
    let admin_b = app.login("admin_b").await;
    let shuji = app.login("shuji").await;
    let reset = format!("/api/users/{id}/password");
    let body = json!({"password": "reset-password-9"});
    assert_eq!(
        shuji.post_json(&reset, body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin_b.post_json(&reset, body.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(worker.get("/api/me").await.status(), StatusCode::OK);
    let (st, e) = admin.post_json(&reset, body).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(e["sessions_ended"], 2);
    assert_eq!(
        worker.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        worker2.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let worker = crate::support::Session::logged_in(&app.base, "wangge1", "reset-password-9").await;
    // Disabling ends the new session and the account cannot log in (the answer of any failure).
    let (st, e) = admin
        .post_json(&format!("/api/users/{id}/disable"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(e["sessions_ended"], 1);
    assert_eq!(
        worker.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let s = app.anonymous();
    let r = s.login_form("wangge1", "reset-password-9").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("用户名或密码错误"));
    // An administrator cannot disable themselves.
    let me = user_id(&app, "admin").await;
    let (st, e) = admin
        .post_json(&format!("/api/users/{me}/disable"), json!({}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"], "账号: 不能停用自己的账号");
    let (st, _) = admin
        .post_json(&format!("/api/users/{id}/enable"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        app.anonymous()
            .login_form("wangge1", "reset-password-9")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let actions: Vec<String> = sqlx::query(
        "SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = $1 AND action NOT LIKE 'login%' ORDER BY id",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(actions, ["create", "reset_password", "disable", "enable"]);
}
