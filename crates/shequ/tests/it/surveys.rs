//! Surveys over real HTTP: the question notation refused with its line, a reproducible random sample (same
//! seed, same households), skip logic enforced, one response per household (also from the portal), results,
//! the response rate and the cross-tab by grid on a known answer set, and scope isolation.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::portal::verified_resident;
use crate::support::{App, Session};

const QUESTIONS: &str = "单选* | 您对社区环境卫生是否满意 | 满意,基本满意,不满意\n\
                         多选 | 不满意的原因 | 垃圾,堆物,绿化 | 若 1=不满意\n\
                         评分 | 整体打分 | 5\n\
                         文本 | 意见建议";

async fn survey(s: &Session, extra: Value) -> (StatusCode, Value) {
    let mut b =
        json!({"title": "环境卫生满意度调查", "questions": QUESTIONS, "sample_kind": "all"});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    s.post_json("/api/surveys", b).await
}

async fn households(app: &App, s: &Session, n: usize) {
    for i in 0..n {
        let dwelling = if i % 2 == 0 {
            app.world.dwelling1
        } else {
            app.world.dwelling2
        };
        let (st, h) = s
            .post_json(
                "/api/households",
                json!({"dwelling_id": dwelling, "number": format!("HS{i:03}")}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{h}");
    }
}

fn answer(idx: i64, values: &[&str]) -> Value {
    json!({"idx": idx, "values": values})
}

#[tokio::test]
async fn the_notation_is_checked_and_a_seed_draws_the_same_households() {
    let app = App::start().await;
    let shuji = app.login("shuji").await;
    for (bad, line) in [
        ("单选 | 题目 | 只有一个", "第1行"),
        ("单选 | a | x,y\n问答 | b", "第2行"),
        ("单选 | a | x,y\n文本 | b | | 若 1=z", "第2行"),
        ("评分 | a | 99", "第1行"),
    ] {
        let (st, e) = survey(&shuji, json!({"questions": bad})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(e["error"].as_str().unwrap().contains(line), "{bad}: {e}");
    }
    households(&app, &shuji, 20).await;
    let mut drawn = Vec::new();
    for seed in [42, 42, 7] {
        let (st, s) = survey(
            &shuji,
            json!({"sample_kind": "random", "sample_size": 8, "sample_seed": seed}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{s}");
        let id = s["id"].as_i64().unwrap();
        let (st, o) = shuji
            .post_json(&format!("/api/surveys/{id}/open"), json!({}))
            .await;
        assert_eq!(st, StatusCode::OK, "{o}");
        assert_eq!(o["sampled"], 8);
        assert_eq!(o["sample_seed"], seed);
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT household_id FROM survey_sample WHERE survey_id = $1 ORDER BY household_id",
        )
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        drawn.push(rows);
    }
    assert_eq!(
        drawn[0], drawn[1],
        "the same seed draws the same households"
    );
    assert_ne!(drawn[0], drawn[2], "another seed draws others");
}

#[tokio::test]
async fn answers_follow_the_skip_logic_and_results_are_counted() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let (_, s) = survey(&shuji, json!({})).await;
    let id = s["id"].as_i64().unwrap();
    let path = format!("/api/surveys/{id}/responses");
    // Not open yet.
    let (st, _) = shuji
        .post_json(
            &path,
            json!({"channel": "paper", "answers": [answer(1, &["满意"])]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, o) = shuji
        .post_json(&format!("/api/surveys/{id}/open"), json!({}))
        .await;
    assert_eq!(o["sampled"], 2, "the community's households");

    // Skip logic: question 2 only after 不满意; question 1 is required; options must exist.
    for (answers, needle) in [
        (
            json!([answer(1, &["满意"]), answer(2, &["垃圾"])]),
            "只在第1题选“不满意”时作答",
        ),
        (json!([answer(3, &["4"])]), "第1题:此题必答"),
        (json!([answer(1, &["很好"])]), "没有选项"),
        (
            json!([answer(1, &["满意"]), answer(3, &["9"])]),
            "评分应为1至5",
        ),
        (json!([answer(1, &["满意", "不满意"])]), "只能选一项"),
    ] {
        let (st, e) = shuji
            .post_json(&path, json!({"channel": "paper", "answers": answers}))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{answers}");
        assert!(e["error"].as_str().unwrap().contains(needle), "{e}");
    }
    // A known answer set: 赵's household at the door (grid 1), 钱 on the portal (grid 2), two paper forms.
    let g1 = app.login("wangge1").await;
    let (st, r) = g1.post_json(&path, json!({"household_id": w.household1, "channel": "door",
        "answers": [answer(1, &["不满意"]), answer(2, &["垃圾", "堆物"]), answer(3, &["2"]), answer(4, &["楼道太脏"])]})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (st, _) = g1.post_json(&path, json!({"household_id": w.household1, "channel": "door", "answers": [answer(1, &["满意"])]})).await;
    assert_eq!(st, StatusCode::CONFLICT, "one response per household");
    let (st, _) = g1.post_json(&path, json!({"household_id": w.household2, "channel": "door", "answers": [answer(1, &["满意"])]})).await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "household 2 is not in grid 1's scope"
    );
    let qian = verified_resident(&app, w.qian, "钱小红", "13900002222").await;
    let (_, mine) = qian.get_json("/api/portal/surveys").await;
    let number = mine[0]["survey"]["number"].as_str().unwrap().to_string();
    let (st, r) = qian
        .post_json(
            &format!("/api/portal/surveys/{number}/responses"),
            json!({"answers": [answer(1, &["满意"]), answer(3, &["5"])]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (st, _) = qian
        .post_json(
            &format!("/api/portal/surveys/{number}/responses"),
            json!({"answers": [answer(1, &["满意"])]}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    for a in [
        json!([answer(1, &["基本满意"]), answer(3, &["4"])]),
        json!([answer(1, &["不满意"]), answer(2, &["绿化"])]),
    ] {
        let (st, _) = shuji
            .post_json(&path, json!({"channel": "paper", "answers": a}))
            .await;
        assert_eq!(st, StatusCode::OK);
    }

    let (st, res) = shuji.get_json(&format!("/api/surveys/{id}/results")).await;
    assert_eq!(st, StatusCode::OK, "{res}");
    assert_eq!(res["responses"], 4);
    assert_eq!(res["sampled_responses"], 2);
    assert_eq!(res["response_rate"], 100.0);
    let q = |i: usize| res["questions"][i].clone();
    let counts = |v: &Value| {
        v["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["count"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&q(0)), vec![1, 1, 2], "满意 基本满意 不满意");
    assert_eq!(q(0)["options"][2]["share"], 50.0);
    assert_eq!(q(1)["answered"], 2);
    assert_eq!(counts(&q(1)), vec![1, 1, 1]);
    assert_eq!(q(2)["answered"], 3);
    assert_eq!(q(2)["mean"], 3.67, "(2 + 5 + 4) / 3");
    assert_eq!(q(3)["texts"], json!(["楼道太脏"]));
    // By grid: the door answer in grid 1 (不满意), the portal answer in grid 2 (满意); paper forms have no grid.
    let by_grid = q(0)["by_grid"].as_array().unwrap().clone();
    assert_eq!(by_grid.len(), 2, "{by_grid:?}");
    let total: i64 = by_grid
        .iter()
        .flat_map(|g| g[1].as_array().unwrap().iter().map(|c| c.as_i64().unwrap()))
        .sum();
    assert_eq!(total, 2);
    let xlsx = shuji.get(&format!("/surveys/{id}/results.xlsx")).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let page = shuji
        .get(&format!("/surveys/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"response-rate\"") && page.contains("楼道太脏"));

    // Closed: no more answers. Out of scope: 404; grid workers see no results.
    shuji
        .post_json(&format!("/api/surveys/{id}/close"), json!({}))
        .await;
    let (st, _) = shuji
        .post_json(
            &path,
            json!({"channel": "paper", "answers": [answer(1, &["满意"])]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    for who in ["admin_b", "wangge1", "louzu"] {
        let s = app.login(who).await;
        assert_eq!(
            s.get(&format!("/api/surveys/{id}/results")).await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    assert_eq!(
        app.login("admin_b")
            .await
            .get(&format!("/surveys/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
