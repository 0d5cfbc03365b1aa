//! Login, lock-out, session cookies and CSRF.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::support::{hidden_csrf, App, PASSWORD};

#[tokio::test(flavor = "multi_thread")]
async fn login_sets_an_httponly_samesite_cookie_and_logout_ends_the_session() {
    let app = App::start().await;
    let s = app.anonymous();
    let r = s.login_form("shuji", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("shequ_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let home = s.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("shuji用户"));
    let csrf = hidden_csrf(&html);
    let r = s
        .client
        .post(s.url("/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get("/").await.headers()["location"], "/login");
    assert_eq!(s.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_write_needs_the_sessions_csrf_token() {
    let app = App::start().await;
    let s = app.login("admin").await;
    let w = &app.world;
    let body = json!({"parent_id": w.grid1, "kind": "estate", "name": "新小区"});
    // API without the header, with a wrong one, and with the right one.
    let r = s
        .client
        .post(s.url("/api/nodes"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s
        .client
        .post(s.url("/api/nodes"))
        .header("X-CSRF-Token", "0".repeat(64))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, _) = s.post_json("/api/nodes", body).await;
    assert_eq!(status, StatusCode::OK);
    // Forms without `_csrf` or with another session's token.
    let path = format!("/registry/nodes/{}/children", w.grid1);
    let r = s
        .client
        .post(s.url(&path))
        .form(&[("kind", "estate"), ("name", "表单小区")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let other = app.login("shuji").await;
    let r = s
        .client
        .post(s.url(&path))
        .form(&[
            ("_csrf", other.csrf.as_str()),
            ("kind", "estate"),
            ("name", "表单小区"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        s.post_form(&path, &[("kind", "estate"), ("name", "表单小区")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM nodes WHERE name IN ('新小区', '表单小区')")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2, "only the two requests with the right token wrote");
    // The login form itself needs its double-submit token.
    let fresh = app.anonymous();
    let r = fresh
        .client
        .post(fresh.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_cli_path_creates_street_administrators_only_with_valid_input() {
    let app = App::start().await;
    let sys = shequ::accounts::Actor::system();
    let bad = shequ::accounts::users::NewUser {
        username: "x".into(),
        display_name: "x".into(),
        password: "short".into(),
        role: shequ::accounts::Role::StreetAdmin,
        street_id: Some(app.world.street_a),
        community_id: None,
        grids: vec![],
        buildings: vec![],
    };
    let err = shequ::accounts::users::create(&app.db, &sys, &bad)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("密码至少需要8个字符"), "{err}");
    let dup = shequ::accounts::users::NewUser {
        username: "admin".into(),
        password: "long-enough-1".into(),
        ..bad.clone()
    };
    assert!(shequ::accounts::users::create(&app.db, &sys, &dup)
        .await
        .unwrap_err()
        .to_string()
        .contains("已存在"));
    let grid_without_grids = shequ::accounts::users::NewUser {
        username: "g9".into(),
        password: "long-enough-1".into(),
        role: shequ::accounts::Role::GridWorker,
        ..bad
    };
    assert!(
        shequ::accounts::users::create(&app.db, &sys, &grid_without_grids)
            .await
            .unwrap_err()
            .to_string()
            .contains("网格")
    );
}

/// Sessions resolve to actors through an in-memory cache: whatever changes an account in this process drops
/// the cached entry at once, and a change behind the server's back (another process, plain SQL) is seen
/// within `CACHE_SECONDS`.
#[tokio::test(flavor = "multi_thread")]
async fn cached_sessions_follow_account_changes() {
    let app = App::start().await;
    let s = app.login("shuji").await;
    let other = app.login("shegong").await;
    assert_eq!(s.get("/api/me").await.status(), StatusCode::OK);
    // A change of language through the app is seen by the very next request.
    assert!(s.get("/").await.text().await.unwrap().contains("人口"));
    let r = s.post_form("/lang", &[("lang", "en")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(s
        .get("/")
        .await
        .text()
        .await
        .unwrap()
        .contains("Population"));
    // An account archived, with the account code told: refused at once.
    let id: i64 = sqlx::query("SELECT id FROM users WHERE username = 'shuji'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    sqlx::query("UPDATE users SET archived = 1 WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    shequ::accounts::sessions::forget_user(&app.db, id);
    assert_eq!(s.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    // A session ended straight in the database (another process) stops working within the cache's lifetime.
    assert_eq!(other.get("/api/me").await.status(), StatusCode::OK);
    sqlx::query(
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'shegong')",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(
        shequ::accounts::sessions::CACHE_SECONDS * 1000 + 200,
    ))
    .await;
    assert_eq!(
        other.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
