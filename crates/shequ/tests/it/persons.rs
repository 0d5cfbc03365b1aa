//! Persons through the API: ID validation, duplicates, tags, dated events and the population count,
//! search, masking, reveal, history and archiving. The list pages are in `persons_list.rs`, the .xlsx export
//! in `persons_export.rs`.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::support::{id, person_json, App};

#[tokio::test(flavor = "multi_thread")]
async fn id_numbers_are_checked_and_birth_and_sex_derived() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shegong").await;
    let good = id("1988-02-29", 7);
    let (st, p) = s
        .post_json("/api/persons", person_json("李闰年", &good, w.household1))
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["birth_date"], "1988-02-29");
    assert_eq!(p["sex"], "男");
    assert_eq!(p["id_number"], format!("110***********{}", &good[14..]));
    // Wrong check digit.
    let mut bad = good[..17].to_string();
    bad.push(if good.ends_with('0') { '1' } else { '0' });
    let (st, e) = s
        .post_json("/api/persons", person_json("王错号", &bad, w.household1))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "身份证号");
    assert!(e["error"].as_str().unwrap().contains("校验位"));
    // Impossible birth date (with a correct check digit), and one in the future.
    let feb30 = {
        let body = "11010519900230123";
        format!(
            "{body}{}",
            shequ::registry::idcard::check_char(body).unwrap()
        )
    };
    let (st, e) = s
        .post_json("/api/persons", person_json("王二月", &feb30, w.household1))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("不是有效日期"), "{e}");
    let (st, e) = s
        .post_json(
            "/api/persons",
            person_json("王未来", &id("2099-01-01", 1), w.household1),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("晚于今天"));
    // Sex that contradicts the number.
    let mut body = person_json("王性别", &id("1970-01-01", 8), w.household1);
    body["sex"] = json!("男");
    let (st, e) = s.post_json("/api/persons", body).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "性别");
    // Duplicate within the street is refused; the same number in another street is not ours to refuse.
    let (st, e) = s
        .post_json(
            "/api/persons",
            person_json("赵重复", &w.zhao_id, w.household1),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(e["field"], "身份证号");
    let b = app.login("admin_b").await;
    let (st, _) = b
        .post_json(
            "/api/persons",
            person_json("赵同号", &w.zhao_id, w.household_b),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // Passports need no checksum but keep the birth date given.
    let (st, p) = s
        .post_json("/api/persons", json!({"name": "Anna Schmidt", "id_type": "护照", "id_number": "C12345678", "birth_date": "1991-05-06", "sex": "女", "household_id": w.household1}))
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["birth_date"], "1991-05-06");
    // Other fields are checked too, and a refused request writes nothing.
    let before: i64 = sqlx::query("SELECT COUNT(*) FROM persons")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    let mut body = person_json("王电话", &id("1970-01-01", 9), w.household1);
    body["phone"] = json!("12345");
    let (st, e) = s.post_json("/api/persons", body).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "联系电话");
    let mut body = person_json("王民族", &id("1970-01-01", 9), w.household1);
    body["ethnicity"] = json!("火星族");
    assert_eq!(s.post_json("/api/persons", body).await.1["field"], "民族");
    let after: i64 = sqlx::query("SELECT COUNT(*) FROM persons")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_have_their_own_fields_and_sensitive_ones_are_hidden_and_audited() {
    let app = App::start().await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let (_, types) = admin.get_json("/api/tag-types").await;
    let type_id = |code: &str| {
        types
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let disabled = type_id("disabled");
    let veteran = type_id("veteran");
    let path = format!("/api/persons/{}/tags", w.zhao);
    // Missing required field, then a value outside the options, then a good one.
    let (st, e) = admin
        .post_json(
            &path,
            json!({"tag_type_id": disabled, "fields": {"type": "肢体"}}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "残疾等级");
    let (st, e) = admin
        .post_json(
            &path,
            json!({"tag_type_id": disabled, "fields": {"type": "肢体", "grade": "九级"}}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("不在可选范围"));
    let (st, tags) = admin.post_json(&path, json!({"tag_type_id": disabled, "fields": {"type": "肢体", "grade": "二级"}, "since": "2015-03-01"})).await;
    assert_eq!(st, StatusCode::OK, "{tags}");
    assert_eq!(tags[0]["fields"]["grade"], "二级");
    let (st, _) = admin
        .post_json(
            &path,
            json!({"tag_type_id": veteran, "fields": {"discharged": "2001/9/1"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = admin
        .post_json(&path, json!({"tag_type_id": veteran, "fields": {}}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "the same group twice");
    // The grid worker sees the veteran tag but not the disability; the social worker sees both, audited.
    let g1 = app.login("wangge1").await;
    let (_, seen) = g1.get_json(&path).await;
    let names: Vec<&str> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["退役军人"]);
    let (_, g1_types) = g1.get_json("/api/tag-types").await;
    assert!(g1_types
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["sensitive"] == false));
    let sw = app.login("shegong").await;
    let reads = || async {
        sqlx::query(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'read_sensitive' AND entity_id = $1",
        )
        .bind(w.zhao)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get::<i64, _>(0)
    };
    let before = reads().await;
    let (_, seen) = sw.get_json(&path).await;
    assert_eq!(seen.as_array().unwrap().len(), 2);
    assert_eq!(reads().await, before + 1);
    // Dashboard counts follow the same rule.
    let (_, dash) = g1.get_json("/api/dashboard").await;
    assert!(dash["groups"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["code"] != "disabled"));
    let (_, dash) = sw.get_json("/api/dashboard").await;
    assert_eq!(
        dash["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["code"] == "disabled")
            .unwrap()["count"],
        1
    );
    // Tag types are data: the street administrator adds one, others may not.
    let new_type = json!({"code": "blood_donor", "name": "无偿献血者", "sensitive": false,
        "fields": [{"key": "times", "label": "献血次数", "kind": "number", "required": true}]});
    let (st, _) = g1.post_json("/api/tag-types", new_type.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, t) = admin.post_json("/api/tag-types", new_type).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let (st, e) = admin
        .post_json(
            &path,
            json!({"tag_type_id": t["id"], "fields": {"times": "很多"}}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "献血次数");
    let (st, _) = g1
        .post_json(
            &path,
            json!({"tag_type_id": t["id"], "fields": {"times": 3}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn population_on_a_past_date_follows_dated_events() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shuji").await;
    let count = |date: &'static str| {
        let s = &s;
        async move {
            s.get_json(&format!("/api/population?date={date}")).await.1["population"]
                .as_i64()
                .unwrap()
        }
    };
    // The world: 赵 since 2010-01-01, 钱 since today. Add 李 from 2015-05-01, moved out 2020-06-30, back 2022-01-01.
    let mut body = person_json("李往返", &id("1960-05-05", 51), w.household2);
    body["move_in_date"] = json!("2015-05-01");
    let (st, li) = s.post_json("/api/persons", body).await;
    assert_eq!(st, StatusCode::OK, "{li}");
    let li = li["id"].as_i64().unwrap();
    let (st, p) = s
        .post_json(
            &format!("/api/persons/{li}/events"),
            json!({"kind": "move_out", "date": "2020-06-30", "note": "外出务工"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "迁出");
    let (st, e) = s
        .post_json(
            &format!("/api/persons/{li}/events"),
            json!({"kind": "move_out", "date": "2021-01-01"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cannot move out twice: {e}"
    );
    let (st, e) = s
        .post_json(
            &format!("/api/persons/{li}/events"),
            json!({"kind": "move_in", "date": "2019-01-01"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cannot move in before the last move out: {e}"
    );
    let (st, _) = s
        .post_json(
            &format!("/api/persons/{li}/events"),
            json!({"kind": "move_in", "date": "2022-01-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(count("2009-12-31").await, 0);
    assert_eq!(count("2010-01-01").await, 1);
    assert_eq!(count("2016-01-01").await, 2);
    assert_eq!(count("2020-06-29").await, 2);
    assert_eq!(count("2020-06-30").await, 1);
    assert_eq!(count("2021-12-31").await, 1);
    assert_eq!(count("2022-01-01").await, 2);
    // 赵 dies: counted before, not after.
    let (st, p) = s
        .post_json(
            &format!("/api/persons/{}/events", w.zhao),
            json!({"kind": "death", "date": "2023-03-03"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(p["status"], "死亡");
    assert_eq!(count("2023-03-02").await, 2);
    assert_eq!(count("2023-03-03").await, 1);
    let (st, _) = s
        .post_json(
            &format!("/api/persons/{}/events", w.zhao),
            json!({"kind": "move_in", "date": "2024-01-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // Bad dates are refused with the field named.
    let (st, e) = s
        .post_json(
            &format!("/api/persons/{li}/events"),
            json!({"kind": "move_out", "date": "2024-13-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "日期");
    let (st, _) = s.get_json("/api/population?date=yesterday").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn search_by_pinyin_initials_id_fragment_phone_tail_name_and_address() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("admin").await;
    let names = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (_, r) = s.get_json("/api/persons?q=zjj").await;
    assert_eq!(names(&r), vec!["赵军杰"]);
    let (_, r) = s.get_json("/api/persons?q=ZhaoJ").await;
    assert_eq!(names(&r), vec!["赵军杰"]);
    let fragment = &w.zhao_id[8..14]; // month, day and two more digits of the birth date
    let (_, r) = s.get_json(&format!("/api/persons?q={fragment}")).await;
    assert_eq!(names(&r), vec!["赵军杰"]);
    let (_, r) = s
        .get_json(&format!("/api/persons?q={}", &w.zhao_id[14..]))
        .await;
    assert_eq!(names(&r), vec!["赵军杰"]);
    let (_, r) = s.get_json("/api/persons?q=5678").await;
    assert_eq!(names(&r), vec!["赵军杰"], "phone tail");
    assert_eq!(r[0]["phone"], "138****5678");
    let (_, r) = s.get_json("/api/persons?q=钱小").await;
    assert_eq!(names(&r), vec!["钱小红"]);
    let (_, r) = s.get_json("/api/persons?q=阳光小区").await;
    assert_eq!(names(&r), vec!["钱小红"], "address");
    let (_, r) = s.get_json("/api/persons?q=123").await;
    assert!(
        r.as_array().unwrap().is_empty(),
        "fewer than 4 digits finds nothing"
    );
    // Street B's 孙立 is outside street A.
    let (_, r) = s.get_json("/api/persons?q=sl").await;
    assert!(names(&r).is_empty());
    let b = app.login("admin_b").await;
    let (_, r) = b.get_json("/api/persons?q=sl").await;
    assert_eq!(names(&r), vec!["孙立"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_are_audited_with_before_and_after_and_reveals_are_logged() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("wangge1").await;
    let (_, p) = s.get_json(&format!("/api/persons/{}", w.zhao)).await;
    assert_eq!(
        p["id_number"],
        format!("110***********{}", &w.zhao_id[14..])
    );
    let mut body = person_json("赵军杰", &w.zhao_id, w.household1);
    body["phone"] = json!("13900001111");
    body["education"] = json!("大学本科");
    let (st, p) = s.put_json(&format!("/api/persons/{}", w.zhao), body).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["phone"], "139****1111");
    let (_, history) = s
        .get_json(&format!("/api/persons/{}/history", w.zhao))
        .await;
    let update = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "update")
        .expect("update entry");
    assert_eq!(update["username"], "wangge1");
    // History values are masked exactly like the record (issue 16: they used to be full).
    let (before, after) = (
        update["before_json"].as_str().unwrap(),
        update["after_json"].as_str().unwrap(),
    );
    assert!(
        before.contains("138****5678") && !before.contains("13812345678"),
        "{before}"
    );
    assert!(
        after.contains("139****1111") && !after.contains("13900001111"),
        "{after}"
    );
    assert!(!before.contains(&w.zhao_id) && !after.contains(&w.zhao_id));
    // The audit log itself keeps the stored values.
    let stored: String = sqlx::query("SELECT after_json FROM audit_log WHERE action = 'update' AND entity = 'person' ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert!(stored.contains("13900001111"));
    assert!(history
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "create"));
    // Reveal: full values, and an audit entry naming the user.
    let (st, full) = s
        .post_json(&format!("/api/persons/{}/reveal", w.zhao), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(full["id_number"], w.zhao_id);
    assert_eq!(full["phone"], "13900001111");
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'unmask' AND username = 'wangge1' AND entity_id = $1")
        .bind(w.zhao)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // The building leader may read but neither reveal nor write.
    let louzu = app.login("louzu").await;
    let (st, p) = louzu.get_json(&format!("/api/persons/{}", w.zhao)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(p["phone"], "139****1111");
    assert_eq!(
        louzu
            .post_json(&format!("/api/persons/{}/reveal", w.zhao), json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        louzu
            .put_json(
                &format!("/api/persons/{}", w.zhao),
                person_json("改名", &w.zhao_id, w.household1)
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_entered_by_mistake_is_archived_not_deleted() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shuji").await;
    let today = shequ::db::today().to_string();
    let before = s.get_json(&format!("/api/population?date={today}")).await.1["population"]
        .as_i64()
        .unwrap();
    let r = s
        .post_form(&format!("/persons/{}/archive", w.qian), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = s.get_json(&format!("/api/population?date={today}")).await.1["population"]
        .as_i64()
        .unwrap();
    assert_eq!(after, before - 1);
    let (_, found) = s.get_json("/api/persons?q=qxh").await;
    assert!(
        found.as_array().unwrap().is_empty(),
        "archived people are not found"
    );
    let (st, p) = s.get_json(&format!("/api/persons/{}", w.qian)).await;
    assert_eq!(st, StatusCode::OK, "the record is kept");
    assert_eq!(p["archived"], 1);
    let entry: (Option<String>, Option<String>) = sqlx::query("SELECT before_json, after_json FROM audit_log WHERE action = 'archive' AND entity = 'person' AND entity_id = $1")
        .bind(w.qian)
        .fetch_one(&app.db.pool)
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(entry.0.as_deref(), Some("{\"archived\":0}"));
    assert_eq!(entry.1.as_deref(), Some("{\"archived\":1}"));
    // The building leader may not archive.
    let louzu = app.login("louzu").await;
    assert_eq!(
        louzu
            .post_form(&format!("/persons/{}/archive", w.zhao), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// ID grams are kept with the person's street (a scoped search reads its own street's part only): after a
/// household, a community or a person moves to another street, an ID fragment finds the person there, and no
/// longer in the old street.
#[tokio::test(flavor = "multi_thread")]
async fn an_id_fragment_finds_people_in_their_new_street_after_a_move() {
    use shequ::accounts::Actor;
    use shequ::registry::{households, nodes, persons};
    let app = App::start().await;
    let w = &app.world;
    let a = app.login("admin").await;
    let b = app.login("admin_b").await;
    let names = |v: serde_json::Value| {
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let sun = "/api/persons?q=19751111";
    let zhao = format!("/api/persons?q={}", &w.zhao_id[6..14]);
    assert_eq!(names(b.get_json(sun).await.1), ["孙立"]);
    assert!(names(a.get_json(sun).await.1).is_empty());
    assert_eq!(names(a.get_json(&zhao).await.1), ["赵军杰"]);
    // 赵军杰 alone moves into 孙立's household in street B.
    let sys = Actor::system();
    persons::update(
        &app.db,
        &sys,
        w.zhao,
        &crate::support::person("赵军杰", &w.zhao_id, w.household_b),
    )
    .await
    .unwrap();
    assert_eq!(names(b.get_json(&zhao).await.1), ["赵军杰"]);
    assert!(names(a.get_json(&zhao).await.1).is_empty());
    // The household moves into street A.
    households::move_to(&app.db, &sys, w.household_b, w.dwelling1)
        .await
        .unwrap();
    assert_eq!(names(a.get_json(sun).await.1), ["孙立"]);
    assert_eq!(names(a.get_json(&zhao).await.1), ["赵军杰"]);
    assert!(names(b.get_json(sun).await.1).is_empty());
    // The community around it moves to street B.
    nodes::move_to(&app.db, &sys, w.community_a1, w.street_b)
        .await
        .unwrap();
    assert_eq!(names(b.get_json(sun).await.1), ["孙立"]);
    assert_eq!(names(b.get_json(&zhao).await.1), ["赵军杰"]);
    assert!(names(a.get_json(&zhao).await.1).is_empty());
    let stale: i64 = sqlx::query(
        "SELECT COUNT(*) FROM person_id_grams g JOIN persons p ON p.id = g.person_id WHERE g.street_id <> p.street_id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(stale, 0);
}
