//! 评比 over real HTTP: a household selection from the committee's and a resident's nominations through
//! review (a refusal needs its reason), a public vote (one ballot per household, counted by the server), the
//! announcement on the public board with names masked, the honour on the household's and its members' pages
//! and in the table of honours; a person selection decided by the committee; scope isolation.

use reqwest::StatusCode;
use serde_json::json;

use crate::portal::verified_resident;
use crate::support::App;

fn bj(hours: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8 + hours))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

async fn code(app: &App, community: i64) {
    sqlx::query("UPDATE nodes SET code = 'XF001' WHERE id = $1")
        .bind(community)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_household_selection_goes_from_nomination_to_the_board_and_the_honour() {
    let app = App::start().await;
    let w = &app.world;
    code(&app, w.community_a1).await;
    let shuji = app.login("shuji").await;
    let zhao = verified_resident(&app, w.zhao, "赵军杰", "13812345678").await;
    let qian = verified_resident(&app, w.qian, "钱小红", "13900002222").await;

    let (st, e) = shuji
        .post_json(
            "/api/selections",
            json!({"title": "文明家庭", "subject": "household", "period": "2026", "places": 0}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "名额");
    let (st, s) = shuji
        .post_json(
            "/api/selections",
            json!({"title": "文明家庭", "subject": "household", "period": "2026", "places": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{s}");
    let id = s["id"].as_i64().unwrap();
    let number = s["number"].as_str().unwrap().to_string();

    // Nominations: the committee by the household picked, a resident by 户号; none from elsewhere, none twice.
    // The page's form sends the 户号 the /lookup picker gives.
    let r = shuji
        .post_form(
            &format!("/selections/{id}/nominees"),
            &[
                ("household", "H001"),
                ("household_number", "H001"),
                ("reason", "邻里和睦,热心公益"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "redirected to the selection's page"
    );
    let (_, d) = shuji.get_json(&format!("/api/selections/{id}")).await;
    let n1 = d["nominees"][0].clone();
    assert_eq!(n1["household_id"], w.household1, "{d}");
    let (st, _) = shuji
        .post_json(
            &format!("/api/selections/{id}/nominees"),
            json!({"household_id": w.household_b, "reason": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, e) = zhao
        .post_json(
            &format!("/api/portal/selections/{number}/nominate"),
            json!({"household_number": "H900", "reason": "好"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, n2) = zhao
        .post_json(
            &format!("/api/portal/selections/{number}/nominate"),
            json!({"household_number": "H002", "reason": "照顾老人二十年"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{n2}");
    assert_eq!(n2["source"], "portal");
    assert_eq!(
        n2["name"], "钱*红家(阳光小区)",
        "a resident sees the nominee masked"
    );
    let (st, _) = qian
        .post_json(
            &format!("/api/portal/selections/{number}/nominate"),
            json!({"household_number": "H001", "reason": "再推荐"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (_, open) = qian.get_json("/api/portal/selections").await;
    assert_eq!(open[0]["number"], number.as_str());

    // Review: a refusal needs its reason; both accepted.
    let (n1, n2) = (n1["id"].as_i64().unwrap(), n2["id"].as_i64().unwrap());
    let (st, e) = shuji
        .post_json(
            &format!("/api/selections/{id}/nominees/{n1}/review"),
            json!({"action": "refuse"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "不通过理由");
    for n in [n1, n2] {
        let (st, r) = shuji
            .post_json(
                &format!("/api/selections/{id}/nominees/{n}/review"),
                json!({"action": "accept"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
    }

    // The public vote: one ballot per household; the server counts after the close.
    let (st, s) = shuji
        .post_json(
            &format!("/api/selections/{id}/vote"),
            json!({"mode": "household", "opens_at": bj(-1), "closes_at": bj(2)}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{s}");
    assert_eq!(s["state"], "voting");
    let (_, open) = qian.get_json("/api/portal/selections").await;
    let vote = open[0]["vote_number"].as_str().unwrap().to_string();
    assert_eq!(
        open[0]["nominees"],
        json!(["赵*杰家(锦绣花园)", "钱*红家(阳光小区)"])
    );
    let ballot = format!("/api/portal/votes/{vote}/ballot");
    assert_eq!(
        zhao.post_json(&ballot, json!({"option": 1})).await.0,
        StatusCode::OK
    );
    assert_eq!(
        qian.post_json(&ballot, json!({"option": 1})).await.0,
        StatusCode::OK
    );
    assert_eq!(
        qian.post_json(&ballot, json!({"option": 0})).await.0,
        StatusCode::CONFLICT
    );
    let (st, _) = shuji
        .post_json(&format!("/api/selections/{id}/announce"), json!({}))
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not before the vote closes"
    );
    sqlx::query("UPDATE votes SET closes_at = $1 WHERE number = $2")
        .bind(
            (chrono::Utc::now() - chrono::Duration::seconds(1))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
        )
        .bind(&vote)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (st, s) = shuji
        .post_json(&format!("/api/selections/{id}/announce"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{s}");
    assert_eq!(s["state"], "announced");
    let (_, d) = shuji.get_json(&format!("/api/selections/{id}")).await;
    let states: Vec<_> = d["nominees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states, ["accepted", "selected"]);

    // The board: masked, the estate only.
    let board = app
        .anonymous()
        .get("/public/XF001")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        board.contains("文明家庭") && board.contains("钱*红家(阳光小区)"),
        "{board}"
    );
    assert!(!board.contains("钱小红") && !board.contains("H002") && !board.contains("赵*杰家"));

    // The honour on the household's and its member's pages, and in the table.
    let page = shuji
        .get(&format!("/households/{}", w.household2))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"honours\"") && page.contains("文明家庭"),
        "{page}"
    );
    let page = shuji
        .get(&format!("/persons/{}", w.qian))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"honours\""));
    let page = shuji
        .get(&format!("/persons/{}", w.zhao))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"honours\""));
    let (_, h) = shuji.get_json("/api/honours").await;
    assert_eq!(h.as_array().unwrap().len(), 1);
    assert_eq!(h[0]["household_id"], w.household2);
    let year = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y")
        .to_string();
    let (_, v) = shuji
        .get_json(&format!("/api/indicators/selections.honours?period={year}"))
        .await;
    assert_eq!(v["value"], 1.0, "{v}");
    let (st, l) = shuji
        .get_json(&format!("/api/ledgers/selections.honours?period={year}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{l}");
    assert!(l.to_string().contains("H002"), "{l}");

    // Scope.
    for who in ["admin_b", "wangge1", "louzu"] {
        let s = app.login(who).await;
        assert_eq!(
            s.get_json(&format!("/api/selections/{id}")).await.0,
            StatusCode::NOT_FOUND,
            "{who}"
        );
        assert_eq!(s.get_json("/api/honours").await.1, json!([]), "{who}");
        assert_eq!(
            s.get(&format!("/selections/{id}")).await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    let louzu = app.login("louzu").await;
    let (st, _) = louzu
        .post_json(
            &format!("/api/selections/{id}/nominees"),
            json!({"household_id": w.household1, "reason": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    for path in [
        "/selections",
        &format!("/selections/{id}"),
        "/selections/honours",
    ] {
        assert_eq!(shuji.get(path).await.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(
        zhao.get("/portal/selections").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_person_selection_decided_by_the_committee_is_masked_on_the_board() {
    let app = App::start().await;
    let w = &app.world;
    code(&app, w.community_a1).await;
    let shuji = app.login("shuji").await;
    let (_, s) = shuji
        .post_json(
            "/api/selections",
            json!({"title": "好媳妇", "subject": "person", "period": "2026", "places": 1}),
        )
        .await;
    let id = s["id"].as_i64().unwrap();
    let (st, _) = shuji
        .post_json(
            &format!("/api/selections/{id}/nominees"),
            json!({"person_id": w.sun, "reason": "x"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a person of another street"
    );
    let (_, n) = shuji
        .post_json(
            &format!("/api/selections/{id}/nominees"),
            json!({"person_id": w.zhao, "reason": "孝敬公婆"}),
        )
        .await;
    let nid = n["id"].as_i64().unwrap();
    let (st, _) = shuji
        .post_json(
            &format!("/api/selections/{id}/announce"),
            json!({"nominees": [nid]}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only accepted nominees are selected"
    );
    shuji
        .post_json(
            &format!("/api/selections/{id}/nominees/{nid}/review"),
            json!({"action": "accept"}),
        )
        .await;
    let (st, e) = shuji
        .post_json(
            &format!("/api/selections/{id}/vote"),
            json!({"mode": "person", "opens_at": bj(-1), "closes_at": bj(1)}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one nominee is no vote: {e}"
    );
    let (st, s) = shuji
        .post_json(
            &format!("/api/selections/{id}/announce"),
            json!({"nominees": [nid]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{s}");
    let (st, _) = shuji
        .post_json(
            &format!("/api/selections/{id}/announce"),
            json!({"nominees": [nid]}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let board = app
        .anonymous()
        .get("/public/XF001")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        board.contains("赵*杰") && !board.contains("赵军杰"),
        "{board}"
    );
    let page = shuji
        .get(&format!("/persons/{}", w.zhao))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"honours\"") && page.contains("好媳妇"));
}
