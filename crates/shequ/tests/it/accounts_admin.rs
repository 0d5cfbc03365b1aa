//! Issue 16: the street administrator's account pages — the street's staff listed with role, where each works
//! (by name), state, login throttle and last login; an account created from the form (a refused form keeps
//! what was typed and saves nothing); a password reset that ends the account's sessions; disable and enable;
//! unlock of a throttled name. Other roles and other streets get nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::{hidden_csrf, App, Session, PASSWORD};

async fn user_id(app: &App, name: &str) -> i64 {
    sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

fn account<'a>(list: &'a Value, username: &str) -> &'a Value {
    list["staff"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .unwrap_or_else(|| panic!("{username} in {list}"))
}

async fn page(s: &Session) -> String {
    let r = s.get("/users").await;
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_administrator_lists_creates_resets_disables_and_unlocks_accounts_of_the_street() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;

    // The list: this street's staff, places by name, no other street's accounts.
    let (st, list) = admin.get_json("/api/users").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(account(&list, "wangge1")["role_label"], "网格员");
    assert_eq!(account(&list, "wangge1")["works_in"], "第一网格");
    assert_eq!(account(&list, "shuji")["works_in"], "幸福社区");
    assert!(account(&list, "louzu")["works_in"]
        .as_str()
        .unwrap()
        .contains("1号楼"));
    assert!(!list["staff"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["username"] == "admin_b"));
    let html = page(&admin).await;
    assert!(html.contains("id=\"account-wangge1\"") && !html.contains("admin_b"));

    // A refused form: a grid worker without grids. Nothing saved, the typed values kept, 422.
    let csrf = hidden_csrf(&html);
    let g1 = w.grid1.to_string();
    let bad = admin
        .post_form(
            "/users",
            &[
                ("_csrf", &csrf),
                ("username", "wangge3"),
                ("display_name", "周网格"),
                ("role", "grid_worker"),
                ("password", "a-good-password-9"),
                ("confirm", "a-good-password-9"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text().await.unwrap();
    assert!(text.contains("网格员必须至少分配一个网格"), "{text}");
    assert!(text.contains("value=\"周网格\""), "the typed name is kept");
    assert!(
        !text.contains("a-good-password-9"),
        "passwords are not echoed"
    );
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = 'wangge3'")
        .fetch_optional(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(exists, None);
    let mismatch = admin
        .post_form(
            "/users",
            &[
                ("_csrf", &csrf),
                ("username", "wangge3"),
                ("display_name", "周网格"),
                ("role", "grid_worker"),
                ("grids", &g1),
                ("password", "a-good-password-9"),
                ("confirm", "another-password-9"),
            ],
        )
        .await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch
        .text()
        .await
        .unwrap()
        .contains("两次输入的密码不一致"));

    // Created from the form; the new grid worker logs in and sees grid 1.
    let ok = admin
        .post_form(
            "/users",
            &[
                ("_csrf", &csrf),
                ("username", "wangge3"),
                ("display_name", "周网格"),
                ("role", "grid_worker"),
                ("grids", &g1),
                ("password", "a-good-password-9"),
                ("confirm", "a-good-password-9"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.text().await.unwrap().contains("已创建账号 wangge3"));
    let new = Session::logged_in(&app.base, "wangge3", "a-good-password-9").await;
    let (st, me) = new.get_json("/api/me").await;
    assert_eq!(st, StatusCode::OK, "{me}");
    let (_, list) = admin.get_json("/api/users").await;
    assert_eq!(account(&list, "wangge3")["works_in"], "第一网格");
    assert!(account(&list, "wangge3")["last_login"].is_string());
    // The same name again: a conflict in Chinese.
    let (st, e) = admin
        .post_json(
            "/api/users",
            json!({"username": "wangge3", "display_name": "x", "password": "a-good-password-9",
                   "role": "grid_worker", "grids": [w.grid1]}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");

    // Reset: the account's sessions end and the new password works.
    let id = user_id(&app, "wangge3").await;
    let r = admin
        .post_form(
            &format!("/users/{id}/password"),
            &[("_csrf", &csrf), ("password", "reset-password-77")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("1 个登录已退出"));
    assert_eq!(
        new.get("/api/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "the old session ended"
    );
    Session::logged_in(&app.base, "wangge3", "reset-password-77").await;

    // Disable: refused at the door; enable: back in.
    let r = admin
        .post_form(&format!("/users/{id}/disable"), &[("_csrf", &csrf)])
        .await;
    assert!(r.status().is_redirection() || r.status() == StatusCode::OK);
    let (_, list) = admin.get_json("/api/users").await;
    assert_eq!(account(&list, "wangge3")["disabled"], true);
    let door = app
        .anonymous()
        .login_form("wangge3", "reset-password-77")
        .await;
    assert_eq!(door.status(), StatusCode::UNAUTHORIZED);
    admin
        .post_form(&format!("/users/{id}/enable"), &[("_csrf", &csrf)])
        .await;
    Session::logged_in(&app.base, "wangge3", "reset-password-77").await;
    // The administrator cannot disable their own account.
    let me = user_id(&app, "admin").await;
    let r = admin
        .post_form(&format!("/users/{me}/disable"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Unlock: a name throttled by failures shows its limit; unlocking lets the owner in at once.
    let stranger = app.anonymous();
    for _ in 0..6 {
        stranger.login_form("wangge2", "wrong-password").await;
    }
    let (_, list) = admin.get_json("/api/users").await;
    assert!(
        account(&list, "wangge2")["blocked_until"].is_string(),
        "{list}"
    );
    assert!(page(&admin).await.contains("登录受限至"));
    let w2 = user_id(&app, "wangge2").await;
    admin
        .post_form(&format!("/users/{w2}/unlock"), &[("_csrf", &csrf)])
        .await;
    let (_, list) = admin.get_json("/api/users").await;
    assert!(account(&list, "wangge2")["blocked_until"].is_null());
    Session::logged_in(&app.base, "wangge2", PASSWORD).await;

    // Everything is audited.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'user' AND entity_id IN ($1, $2) ORDER BY id",
    )
    .bind(id)
    .bind(w2)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    for a in ["create", "reset_password", "disable", "enable", "unlock"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn only_the_street_administrator_manages_accounts_and_only_of_their_street() {
    let app = App::start().await;
    for who in ["shuji", "shegong", "wangge1", "louzu"] {
        let s = app.login(who).await;
        assert_eq!(
            s.get("/users").await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let (st, _) = s.get_json("/api/users").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}");
        let (st, _) = s
            .post_json(
                "/api/users",
                json!({"username": "x1", "display_name": "x", "password": "a-good-password-9", "role": "social_worker"}),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}");
        assert!(!s
            .get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("href=\"/users\""));
    }
    // Another street's administrator: the accounts of street A answer 404.
    let b = app.login("admin_b").await;
    let (_, list) = b.get_json("/api/users").await;
    assert!(!list["staff"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["username"] == "wangge1"));
    let w1 = user_id(&app, "wangge1").await;
    let (st, _) = b
        .post_json(&format!("/api/users/{w1}/disable"), json!({}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = b
        .post_json(
            "/api/users",
            json!({"username": "x2", "display_name": "x", "password": "a-good-password-9",
                   "role": "grid_worker", "grids": [app.world.grid1]}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a grid of another street"
    );
}
