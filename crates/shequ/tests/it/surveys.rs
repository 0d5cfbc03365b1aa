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

/// Age in whole years today of a person born on `birth` (YYYY-MM-DD), as the server counts it.
fn age_today(birth: &str) -> i64 {
    use chrono::Datelike;
    let b = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    let t = shequ::db::today();
    let mut a = t.year() - b.year();
    if (t.month(), t.day()) < (b.month(), b.day()) {
        a -= 1;
    }
    a as i64
}

fn band(age: i64) -> &'static str {
    shequ::surveys::results::AGE_BANDS
        .iter()
        .zip([18, 35, 60, 80, i64::MAX])
        .find(|(_, below)| age < *below)
        .map(|((l, _), _)| *l)
        .unwrap()
}

#[tokio::test]
async fn cross_tabs_by_sex_and_age_band_and_the_survey_in_a_work_report() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let (_, s) = survey(&shuji, json!({})).await;
    let id = s["id"].as_i64().unwrap();
    let number = s["number"].as_str().unwrap().to_string();
    shuji
        .post_json(&format!("/api/surveys/{id}/open"), json!({}))
        .await;
    let path = format!("/api/surveys/{id}/responses");
    // The respondent at the door must be a member of the household; a paper age must be plausible.
    let (st, e) = shuji
        .post_json(
            &path,
            json!({"household_id": w.household1, "respondent_id": w.qian, "channel": "door",
        "answers": [answer(1, &["满意"])]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("该户的成员"), "{e}");
    let (st, e) = shuji
        .post_json(
            &path,
            json!({"channel": "paper", "age": 150, "answers": [answer(1, &["满意"])]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("年龄"), "{e}");
    let (_, stored) = shuji.get_json(&format!("/api/surveys/{id}/results")).await;
    assert_eq!(stored["responses"], 0, "nothing stored by refused answers");

    // 赵 (男) at the door: 不满意; 钱 (女) on the portal: 满意; paper: 女, 70, 基本满意; paper without either: 满意.
    let (st, r) = shuji
        .post_json(
            &path,
            json!({"household_id": w.household1, "respondent_id": w.zhao, "channel": "door",
        "answers": [answer(1, &["不满意"]), answer(2, &["垃圾"])]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let qian = verified_resident(&app, w.qian, "钱小红", "13900002222").await;
    let (st, r) = qian
        .post_json(
            &format!("/api/portal/surveys/{number}/responses"),
            json!({"answers": [answer(1, &["满意"])]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    for extra in [
        json!({"sex": "女", "age": 70, "answers": [answer(1, &["基本满意"])]}),
        json!({"answers": [answer(1, &["满意"])]}),
    ] {
        let mut b = extra.clone();
        b["channel"] = json!("paper");
        let (st, r) = shuji.post_json(&path, b).await;
        assert_eq!(st, StatusCode::OK, "{r}");
    }
    let (_, res) = shuji.get_json(&format!("/api/surveys/{id}/results")).await;
    let q1 = &res["questions"][0];
    // Options: 满意, 基本满意, 不满意.
    assert_eq!(
        q1["by_sex"],
        json!([["男", [0, 0, 1]], ["女", [1, 1, 0]], ["未知", [1, 0, 0]]])
    );
    let (_, zhao) = shuji.get_json(&format!("/api/persons/{}", w.zhao)).await;
    let (_, qianp) = shuji.get_json(&format!("/api/persons/{}", w.qian)).await;
    let zb = band(age_today(zhao["birth_date"].as_str().unwrap()));
    let qb = band(age_today(qianp["birth_date"].as_str().unwrap()));
    let mut expected: Vec<(String, [i64; 3])> = Vec::new();
    for (b, cell) in [(zb, 2), (qb, 0), (band(70), 1), ("未知", 0)] {
        match expected.iter_mut().find(|(l, _)| l == b) {
            Some((_, row)) => row[cell] += 1,
            None => {
                let mut row = [0; 3];
                row[cell] = 1;
                expected.push((b.to_string(), row));
            }
        }
    }
    let order = |l: &str| {
        shequ::surveys::results::AGE_BANDS
            .iter()
            .position(|(x, _)| *x == l)
            .unwrap_or(99)
    };
    expected.sort_by_key(|(l, _)| order(l));
    assert_eq!(q1["by_age"], json!(expected), "{}", q1["by_age"]);
    let page = shuji
        .get(&format!("/surveys/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("按性别") && page.contains("按年龄段") && page.contains("class=\"bar\""));

    // The printable QR code carries the portal link.
    let qr = shuji.get(&format!("/surveys/{id}/qr")).await;
    assert_eq!(qr.status(), StatusCode::OK);
    let qr = qr.text().await.unwrap().replace("&#x2f;", "/");
    assert!(
        qr.contains("<svg") && qr.contains(&format!("/portal/surveys/{number}")),
        "{qr}"
    );
    assert_eq!(
        app.login("admin_b")
            .await
            .get(&format!("/surveys/{id}/qr"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // A work report places the survey: the sentence and the table, computed from the answers.
    let year = shequ::db::today().format("%Y").to_string();
    let (st, r) = shuji
        .post_json(
            "/api/reports",
            json!({"template": "annual", "node": w.community_a1, "period": year}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_i64().unwrap();
    let body = format!("# 一、问卷调查\n{{{{问卷 {number}}}}}");
    let (st, e) = shuji
        .put_json(
            &format!("/api/reports/{rid}"),
            json!({"title": "年度工作总结", "body": body}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    let (_, d) = shuji.get_json(&format!("/api/reports/{rid}")).await;
    let blocks = d["document"]["blocks"].as_array().unwrap();
    let text = serde_json::to_string(blocks).unwrap();
    assert!(
        text.contains("回收问卷4份") && text.contains("回收率100%"),
        "{text}"
    );
    let table = blocks.iter().find(|b| b["type"] == "table").unwrap();
    assert_eq!(
        table["rows"][0],
        json!(["1. 您对社区环境卫生是否满意", "满意", "2", "50%"])
    );
    // A bad number is refused with its line; a survey of another street is not found.
    let (st, e) = shuji
        .put_json(
            &format!("/api/reports/{rid}"),
            json!({"title": "年度工作总结", "body": "# 一\n{{问卷 abc}}"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("第2行"), "{e}");
}
