//! Persons through the API: ID validation, duplicates, tags, dated events and the population count,
//! search, masking, reveal and history.

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
    assert!(update["before_json"]
        .as_str()
        .unwrap()
        .contains("13812345678"));
    assert!(update["after_json"]
        .as_str()
        .unwrap()
        .contains("13900001111"));
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

/// The text of the first worksheet of an .xlsx.
fn sheet_xml(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[tokio::test(flavor = "multi_thread")]
async fn the_person_list_exports_to_xlsx_with_the_same_scope_and_masking() {
    let app = App::start().await;
    let w = &app.world;
    // A social worker of community A1: both of its residents, full numbers (the role may reveal them).
    let sw = app.login("shegong").await;
    let r = sw.get("/persons/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let xml = sheet_xml(&r.bytes().await.unwrap());
    assert!(xml.contains("赵军杰") && xml.contains("钱小红") && !xml.contains("孙立"));
    assert!(xml.contains(&w.zhao_id));
    assert!(xml.contains("身份证号") && xml.contains("户号") && xml.contains("H001"));
    assert!(
        xml.contains("<pane ") && xml.contains("state=\"frozen\""),
        "header row frozen"
    );
    // A grid worker's export holds only their grid; a search exports what the search shows.
    let g2 = app.login("wangge2").await;
    let xml = sheet_xml(&g2.get("/persons/export.xlsx").await.bytes().await.unwrap());
    assert!(xml.contains("钱小红") && !xml.contains("赵军杰"));
    let xml = sheet_xml(
        &sw.get("/persons/export.xlsx?q=zjj")
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert!(xml.contains("赵军杰") && !xml.contains("钱小红"));
    // The building leader's export is masked.
    let louzu = app.login("louzu").await;
    let xml = sheet_xml(
        &louzu
            .get("/persons/export.xlsx")
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert!(xml.contains("赵军杰") && !xml.contains(&w.zhao_id));
    assert!(xml.contains(&format!("110***********{}", &w.zhao_id[14..])));
    // Every export is audited with its filter and row count.
    let n: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'person'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(n, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_reads_back_through_the_importer_with_every_value() {
    use sheetimport::Field;
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("shuji").await;
    let bytes = s.get("/persons/export.xlsx").await.bytes().await.unwrap();
    let mut rows = Vec::new();
    let summary = sheetimport::read_bytes(&bytes, "export.xlsx", &mut |row, problems| {
        rows.push((row, problems));
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    let layout = &summary.layouts[0];
    // Every exported column is recognised except the status column, which the importer reports.
    let unknown: Vec<&str> = layout.unknown.iter().map(|(_, h)| h.as_str()).collect();
    assert_eq!(unknown, vec!["状态"]);
    assert_eq!(rows.len(), 2);
    let zhao = rows
        .iter()
        .find(|(r, _)| r.get(Field::Name) == "赵军杰")
        .expect("赵军杰 read back");
    assert!(
        zhao.1
            .iter()
            .all(|p| p.severity != sheetimport::Severity::Error),
        "{:?}",
        zhao.1
    );
    assert_eq!(zhao.0.get(Field::IdNumber), w.zhao_id);
    assert_eq!(zhao.0.get(Field::BirthDate), "1980-03-15");
    assert_eq!(zhao.0.get(Field::Phone), "13812345678");
    assert_eq!(zhao.0.get(Field::HouseholdNo), "H001");
    assert_eq!(zhao.0.get(Field::PersonType), "户籍");
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

/// The list is paged newest first within the scope: pages follow each other without gaps or repeats, skip
/// archived people, and the page shows a next-page link exactly when there is more.
#[tokio::test(flavor = "multi_thread")]
async fn list_pages_follow_each_other_newest_first_in_scope() {
    use shequ::accounts::Actor;
    use shequ::registry::persons;
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    let mut made = Vec::new();
    for i in 0..110 {
        let household = if i % 3 == 2 {
            w.household_b
        } else {
            w.household1
        };
        let p = persons::create(
            &app.db,
            &sys,
            &crate::support::person("测试人", &id("1985-01-01", 100 + i), household),
        )
        .await
        .unwrap();
        made.push(p.id);
    }
    persons::archive(&app.db, &sys, made[3]).await.unwrap();
    let expected: Vec<i64> = sqlx::query(
        "SELECT id FROM persons WHERE street_id = $1 AND archived = 0 ORDER BY id DESC",
    )
    .bind(w.street_a)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(expected.len(), 2 + (110 - 36) - 1);
    let s = app.login("admin").await;
    let mut seen = Vec::new();
    for page in 0.. {
        let (st, r) = s.get_json(&format!("/api/persons?page={page}")).await;
        assert_eq!(st, StatusCode::OK);
        let ids: Vec<i64> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert!(ids.len() <= 50);
        if ids.is_empty() {
            break;
        }
        // The HTML page holds the same people and links to the next page while there is one.
        let html = s
            .get(&format!("/persons?page={page}"))
            .await
            .text()
            .await
            .unwrap();
        for id in &ids {
            assert!(
                html.contains(&format!("/persons/{id}\"")),
                "page {page}: {id}"
            );
        }
        let more = seen.len() + ids.len() < expected.len();
        assert_eq!(
            html.contains(&format!(
                "/persons?page={}&after={}\"",
                page + 1,
                ids.last().unwrap()
            )),
            more,
            "page {page}"
        );
        seen.extend(ids);
    }
    assert_eq!(seen, expected);
    // A grid worker pages through their own grid only.
    let g2 = app.login("wangge2").await;
    let (_, r) = g2.get_json("/api/persons?page=0").await;
    let ids: Vec<i64> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![w.qian]);
    let (_, r) = g2.get_json("/api/persons?page=1").await;
    assert!(r.as_array().unwrap().is_empty());
}

/// The person ids listed on an HTML page, in order, and its next / previous page links.
fn html_page(html: &str) -> (Vec<i64>, Option<String>, Option<String>) {
    let ids = html
        .split("class=\"person-link\" href=\"/persons/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    let link = |rel: &str| {
        html.split(&format!("rel=\"{rel}\" href=\""))
            .nth(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
    };
    (ids, link("next"), link("prev"))
}

#[tokio::test(flavor = "multi_thread")]
async fn list_pages_by_id_links_lose_and_repeat_no_one_and_stay_in_scope() {
    use shequ::accounts::Actor;
    use shequ::registry::persons;
    let app = App::start().await;
    let w = &app.world;
    let sys = Actor::system();
    let mut made = Vec::new();
    for i in 0..160 {
        let household = if i % 4 == 3 {
            w.household_b
        } else if i % 4 == 2 {
            w.household2
        } else {
            w.household1
        };
        let p = persons::create(
            &app.db,
            &sys,
            &crate::support::person("翻页人", &id("1986-02-02", 200 + i), household),
        )
        .await
        .unwrap();
        made.push(p.id);
    }
    persons::archive(&app.db, &sys, made[7]).await.unwrap();
    let in_scope = |col: &'static str, id: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query(&format!(
                "SELECT id FROM persons WHERE {col} = $1 AND archived = 0 ORDER BY id DESC"
            ))
            .bind(id)
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect::<Vec<i64>>()
        }
    };
    let expected = in_scope("street_id", w.street_a).await;
    assert!(expected.len() > 100, "three pages at least");
    let s = app.login("admin").await;
    // Forward by the next-page links: every person once, newest first, 50 a page.
    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut url = "/persons".to_string();
    loop {
        let html = s.get(&url).await.text().await.unwrap();
        let (ids, next, _) = html_page(&html);
        assert!(ids.len() <= 50 && !ids.is_empty(), "{url}");
        pages.push(ids);
        match next {
            Some(n) => {
                assert!(n.contains("&after="), "{n}");
                url = n;
            }
            None => break,
        }
    }
    assert_eq!(pages.concat(), expected);
    assert!(pages[..pages.len() - 1].iter().all(|p| p.len() == 50));
    // A person added while reading does not shift the pages after the link: the next page still starts
    // right after the last person seen.
    let (_, second, _) = html_page(&s.get("/persons").await.text().await.unwrap());
    persons::create(
        &app.db,
        &sys,
        &crate::support::person("新来的", &id("1990-03-03", 900), w.household1),
    )
    .await
    .unwrap();
    let (ids, _, _) = html_page(&s.get(&second.unwrap()).await.text().await.unwrap());
    assert_eq!(ids, pages[1]);
    // Back from the last page by the previous-page links: the same pages in reverse.
    let expected = in_scope("street_id", w.street_a).await;
    let mut url = "/persons".to_string();
    let mut last = String::new();
    while !url.is_empty() {
        last = url.clone();
        url = html_page(&s.get(&url).await.text().await.unwrap())
            .1
            .unwrap_or_default();
    }
    let mut back: Vec<Vec<i64>> = Vec::new();
    let mut url = last;
    loop {
        let (ids, _, prev) = html_page(&s.get(&url).await.text().await.unwrap());
        back.push(ids);
        match prev {
            Some(p) => {
                assert!(p.contains("&before="), "{p}");
                url = p;
            }
            None => break,
        }
    }
    back.reverse();
    assert_eq!(back.concat(), expected);
    assert_eq!(back[0].len(), 50, "the first page is full again");
    // ?page=N (by offset) still answers the same pages.
    let (ids, _, _) = html_page(&s.get("/persons?page=1").await.text().await.unwrap());
    assert_eq!(ids, back[1]);
    // A grid worker reads their own grid only, however the link is made up.
    let g2 = app.login("wangge2").await;
    let grid2 = in_scope("grid_id", w.grid2).await;
    let mut seen = Vec::new();
    let mut url = "/persons".to_string();
    loop {
        let (ids, next, _) = html_page(&g2.get(&url).await.text().await.unwrap());
        seen.extend(ids);
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    assert_eq!(seen, grid2);
    let (ids, _, _) = html_page(
        &g2.get(&format!("/persons?after={}", i64::MAX))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(ids, grid2[..grid2.len().min(50)].to_vec());
    let (ids, _, _) = html_page(&g2.get("/persons?before=0").await.text().await.unwrap());
    assert!(ids.iter().all(|i| grid2.contains(i)));
}
