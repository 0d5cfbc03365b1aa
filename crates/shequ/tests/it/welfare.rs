//! Welfare (民政救助) over HTTP: a full application with an objection rejected and one upheld, the public notice
//! showing only what it may, a review that lowers a benefit, household vs person counts on a known year of
//! events, a payment list whose total is the sum of its grants, a double holiday distribution refused, missed
//! pair contacts, and scope isolation on every new endpoint.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shequ::accounts::Actor;
use shequ::registry::persons;
use sqlx::Row;

use crate::support::{hidden_csrf, id as id_number, person, App, Session};

pub(crate) const CODE: &str = "XF0101";

pub(crate) async fn setup(app: &App) {
    sqlx::query("UPDATE nodes SET code = $1 WHERE id = $2")
        .bind(CODE)
        .bind(app.world.community_a1)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

pub(crate) async fn programme(s: &Session, code: &str) -> i64 {
    let (st, v) = s.get_json("/api/welfare/programmes").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 9, "the nine seeded programmes");
    v.as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn apply(s: &Session, programme: i64, household: i64, income: i64) -> Value {
    let (st, v) = s
        .post_json(
            "/api/welfare/applications",
            json!({"programme_id": programme, "household_id": household, "income": income, "assets": 1000}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

async fn step(s: &Session, id: i64, step: &str, note: &str) -> (StatusCode, Value) {
    s.post_json(
        &format!("/api/welfare/applications/{id}/steps"),
        json!({"step": step, "note": note}),
    )
    .await
}

async fn ok_step(s: &Session, id: i64, name: &str, note: &str) -> Value {
    let (st, v) = step(s, id, name, note).await;
    assert_eq!(st, StatusCode::OK, "{name}: {v}");
    v
}

/// The notice days have passed (the test cannot wait a week).
async fn end_notice(app: &App, id: i64) {
    sqlx::query("UPDATE welfare_applications SET notice_from = '2020-01-01', notice_to = '2020-01-07' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

/// From 申请 to 审批 with no objection; returns the grant id.
pub(crate) async fn approved(app: &App, programme: i64, household: i64, income: i64) -> i64 {
    let shuji = app.login("shuji").await;
    let admin = app.login("admin").await;
    let a = apply(&shuji, programme, household, income).await;
    let id = a["id"].as_i64().unwrap();
    ok_step(&shuji, id, "investigate", "入户核查属实").await;
    ok_step(&shuji, id, "audit", "").await;
    ok_step(&shuji, id, "publish", "").await;
    end_notice(app, id).await;
    ok_step(&admin, id, "approve", "").await;
    sqlx::query("SELECT id FROM welfare_grants WHERE application_id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

async fn public_objection(s: &mut Session, number: &str, body: &str) -> reqwest::Response {
    let page = s
        .get(&format!("/public/{CODE}/welfare"))
        .await
        .text()
        .await
        .unwrap();
    s.csrf = hidden_csrf(&page);
    s.post_form(
        &format!("/public/{CODE}/welfare/objection"),
        &[("number", number), ("body", body), ("filer", "邻居")],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_application_through_notice_with_objections_rejected_and_upheld() {
    let app = App::start().await;
    setup(&app).await;
    let w = &app.world;
    let shegong = app.login("shegong").await;
    let shuji = app.login("shuji").await;
    let admin = app.login("admin").await;
    let dibao = programme(&shegong, "dibao").await;

    // Bad input names the field and changes nothing.
    let (st, e) = shegong
        .post_json(
            "/api/welfare/applications",
            json!({"programme_id": dibao, "household_id": w.household1, "income": -5}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "家庭月收入");
    let a = apply(&shegong, dibao, w.household1, 290).await;
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["state"], "applied");
    let (st, e) = shegong
        .post_json(
            "/api/welfare/applications",
            json!({"programme_id": dibao, "household_id": w.household1}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::CONFLICT,
        "a household cannot apply twice: {e}"
    );

    // The steps with their roles and reasons.
    let (st, e) = step(&shegong, id, "investigate", "").await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("核查情况"))
    );
    ok_step(&shegong, id, "investigate", "入户核查:独居,无固定收入").await;
    ok_step(&shegong, id, "deliberate", "居民代表9人参加,9人同意").await;
    let (st, _) = step(&shegong, id, "audit", "").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a social worker does not audit");
    ok_step(&shuji, id, "audit", "").await;
    let a = ok_step(&shuji, id, "publish", "").await;
    assert_eq!(a["state"], "notice");
    assert_eq!(
        a["amount"],
        1290 - 290,
        "the standard for one person minus the income"
    );
    let (st, e) = step(&admin, id, "approve", "").await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("公示")),
        "{e}"
    );

    // The public page: no login, masked name, the estate, no ID number, phone or household number.
    let mut anon = app.anonymous();
    let r = anon.get(&format!("/public/{CODE}/welfare")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("赵*杰"), "{page}");
    assert!(page.contains("锦绣花园"));
    assert!(page.contains(a["number"].as_str().unwrap()));
    for hidden in ["赵军杰", w.zhao_id.as_str(), "13812345678", "H001", "290"] {
        assert!(!page.contains(hidden), "the public page shows {hidden}");
    }
    assert_eq!(
        anon.get("/public/NOPE/welfare").await.status(),
        StatusCode::NOT_FOUND
    );
    // Without the page's token the form is refused.
    let r = anon
        .client
        .post(anon.url(&format!("/public/{CODE}/welfare/objection")))
        .form(&[
            ("number", a["number"].as_str().unwrap()),
            ("body", "该户有车有房"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = public_objection(
        &mut anon,
        a["number"].as_str().unwrap(),
        "该户儿子有车有房,请核实",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        format!("/public/{CODE}/welfare?sent=1")
    );

    // An open objection blocks approval until resolved with an outcome.
    end_notice(&app, id).await;
    let (st, e) = step(&admin, id, "approve", "").await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("异议")),
        "{e}"
    );
    let (_, d) = shuji
        .get_json(&format!("/api/welfare/applications/{id}"))
        .await;
    let o = d["objections"][0]["id"].as_i64().unwrap();
    assert_eq!(d["objections"][0]["source"], "public");
    let (st, e) = shuji
        .post_json(
            &format!("/api/welfare/objections/{o}/resolve"),
            json!({"status": "rejected"}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("处理意见"))
    );
    let (st, _) = shegong
        .post_json(
            &format!("/api/welfare/objections/{o}/resolve"),
            json!({"status": "rejected", "outcome": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v) = shuji
        .post_json(
            &format!("/api/welfare/objections/{o}/resolve"),
            json!({"status": "rejected", "outcome": "经核实儿子已分户,异议不成立"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let a = ok_step(&admin, id, "approve", "").await;
    assert_eq!(a["state"], "approved");
    // The grant started, and the registry's 低保 tag followed it.
    let (_, grants) = shuji
        .get_json(&format!(
            "/api/welfare/grants?household_id={}",
            w.household1
        ))
        .await;
    assert_eq!(grants[0]["amount"], 1000);
    assert_eq!(grants[0]["persons"], 1);
    let (_, tags) = shuji
        .get_json(&format!("/api/persons/{}/tags", w.zhao))
        .await;
    assert!(tags.to_string().contains("低保"), "{tags}");
    // The tag is the programme's: not typed or removed by hand while the household is on it.
    let dibao_type: i64 = sqlx::query_scalar("SELECT id FROM tag_types WHERE code = 'dibao'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let (st, e) = shuji
        .post_json(
            &format!("/api/persons/{}/tags", w.zhao),
            json!({"tag_type_id": dibao_type, "fields": {"members": "1"}}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    assert!(e["error"].as_str().unwrap().contains("民政救助"), "{e}");
    // 入户核查 was recorded as a home visit (四必访, 困).
    let (_, visits) = shegong
        .get_json(&format!("/api/visits?household_id={}", w.household1))
        .await;
    assert_eq!(visits[0]["kind"], "四必访", "{visits}");
    assert!(visits[0]["note"].as_str().unwrap().contains("入户核查"));
    let reads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'read_sensitive' AND entity = 'welfare_application'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(reads > 0, "reads of applications are audited");

    // A second application: an objection taken on the public page is upheld, the application is refused.
    let b = apply(&shegong, dibao, w.household2, 0).await;
    let bid = b["id"].as_i64().unwrap();
    ok_step(&shegong, bid, "investigate", "入户核查").await;
    ok_step(&shuji, bid, "audit", "").await;
    ok_step(&shuji, bid, "publish", "").await;
    let r = public_objection(
        &mut anon,
        b["number"].as_str().unwrap(),
        "申请人在外有固定工作收入",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, d) = shuji
        .get_json(&format!("/api/welfare/applications/{bid}"))
        .await;
    let o = d["objections"][0]["id"].as_i64().unwrap();
    let (st, _) = shuji
        .post_json(
            &format!("/api/welfare/objections/{o}/resolve"),
            json!({"status": "upheld", "outcome": "经核实申请人有稳定工资收入"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, d) = shuji
        .get_json(&format!("/api/welfare/applications/{bid}"))
        .await;
    assert_eq!(d["application"]["state"], "refused");
    assert!(d["application"]["reason"]
        .as_str()
        .unwrap()
        .contains("异议成立"));
    // It is off the public notice, and counts as 拒绝不合要求申报.
    let page = anon
        .get(&format!("/public/{CODE}/welfare"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(b["number"].as_str().unwrap()));
    let (_, v) = shuji.get_json("/api/indicators/welfare.refused").await;
    assert_eq!(v["value"], 1.0, "{v}");
    let (_, v) = shuji.get_json("/api/indicators/welfare.objections").await;
    assert_eq!(v["value"], 2.0, "{v}");

    // The public form is rate-limited per client.
    let c = apply(
        &shegong,
        dibao,
        {
            let h = shequ::registry::households::create(
                &app.db,
                &Actor::system(),
                w.dwelling1,
                &shequ::registry::households::HouseholdInput {
                    number: "H003".into(),
                },
            )
            .await
            .unwrap()
            .id;
            persons::create(
                &app.db,
                &Actor::system(),
                &person("李小花", &id_number("1960-02-02", 444), h),
            )
            .await
            .unwrap();
            h
        },
        0,
    )
    .await;
    let cid = c["id"].as_i64().unwrap();
    ok_step(&shegong, cid, "investigate", "入户核查").await;
    ok_step(&shuji, cid, "audit", "").await;
    ok_step(&shuji, cid, "publish", "").await;
    let mut last = StatusCode::OK;
    for i in 0..6 {
        last = public_objection(
            &mut anon,
            c["number"].as_str().unwrap(),
            &format!("第{i}条异议内容,请核实"),
        )
        .await
        .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let open: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM welfare_objections WHERE application_id = $1")
            .bind(cid)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        open, 3,
        "5 public objections an hour: 2 before, 3 on this one"
    );

    // Pages render for the roles that see welfare.
    for path in [
        "/welfare",
        &format!("/welfare/applications/{id}"),
        "/welfare/grants",
        "/welfare/payments",
        "/welfare/distributions",
        "/care",
    ] {
        assert_eq!(shuji.get(path).await.status(), StatusCode::OK, "GET {path}");
    }
    // The page form files an application and redirects to it.
    let r = shuji
        .post_form(
            "/welfare/applications",
            &[
                (
                    "programme_id",
                    &programme(&shuji, "temporary").await.to_string(),
                ),
                ("household", "H003"),
                ("income", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/welfare/applications/"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_lowers_a_benefit_and_households_and_persons_count_apart_on_a_known_year() {
    let app = App::start().await;
    setup(&app).await;
    let w = &app.world;
    let sys = Actor::system();
    let a1 = persons::create(
        &app.db,
        &sys,
        &person("赵小军", &id_number("2005-01-01", 555), w.household1),
    )
    .await
    .unwrap()
    .id;
    let a2 = persons::create(
        &app.db,
        &sys,
        &person("赵小红", &id_number("2008-01-01", 666), w.household1),
    )
    .await
    .unwrap()
    .id;
    let shuji = app.login("shuji").await;
    let dibao = programme(&shuji, "dibao").await;
    let g1 = approved(&app, dibao, w.household1, 870).await;
    let g2 = approved(&app, dibao, w.household2, 0).await;
    let (_, d) = shuji.get_json(&format!("/api/welfare/grants/{g1}")).await;
    assert_eq!(d["grant"]["persons"], 3);
    assert_eq!(d["grant"]["amount"], 1290 * 3 - 870);
    // The approvals happened last year (dated back: the year's figures are of a known set of events).
    let y = chrono::Datelike::year(&shequ::db::today()) - 1;
    for (g, on) in [(g1, format!("{y}-01-10")), (g2, format!("{y}-02-01"))] {
        for sql in [
            "UPDATE welfare_events SET on_date = $1 WHERE grant_id = $2",
            "UPDATE welfare_grants SET since = $1 WHERE id = $2",
        ] {
            sqlx::query(sql)
                .bind(&on)
                .bind(g)
                .execute(&app.db.pool)
                .await
                .unwrap();
        }
    }
    // A review that lowers the benefit (income found higher).
    let (st, e) = shuji
        .post_json(
            &format!("/api/welfare/grants/{g1}/reviews"),
            json!({"outcome": "lower", "on_date": format!("{y}-03-01"), "income": 100}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("调整后金额")),
        "a lower amount must be lower: {e}"
    );
    let (st, r) = shuji
        .post_json(&format!("/api/welfare/grants/{g1}/reviews"), json!({"outcome": "lower", "on_date": format!("{y}-03-01"), "income": 1500, "note": "长子就业"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["grant"]["amount"], 1290 * 3 - 1500);
    assert_eq!(r["event"]["kind"], "降标");
    assert_eq!(r["event"]["amount_before"], 1290 * 3 - 870);
    assert!(r["grant"]["next_review_on"].as_str().unwrap() > format!("{y}-03-01").as_str());
    // 减人: one member leaves the programme and loses the 低保 tag; leaving nobody is refused.
    let (st, e) = shuji
        .post_json(
            &format!("/api/welfare/grants/{g1}/events"),
            json!({"kind": "减人", "reason": "全部迁出", "member_ids": []}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("保障人员"))
    );
    let (st, e) = shuji
        .post_json(&format!("/api/welfare/grants/{g1}/events"), json!({"kind": "减人", "on_date": format!("{y}-05-01"), "reason": "次女就读外地", "member_ids": [w.zhao, a1]}))
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(
        (e["persons_before"].as_i64(), e["persons_after"].as_i64()),
        (Some(3), Some(2))
    );
    let tagged = |p: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM person_tags pt JOIN tag_types t ON t.id = pt.tag_type_id \
                WHERE t.code = 'dibao' AND pt.archived = 0 AND pt.person_id = $1",
            )
            .bind(p)
            .fetch_one(&db.pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        (tagged(w.zhao).await, tagged(a1).await, tagged(a2).await),
        (1, 1, 0)
    );
    // 取消 the second household.
    let (st, e) = shuji
        .post_json(
            &format!("/api/welfare/grants/{g2}/events"),
            json!({"kind": "取消", "on_date": format!("{y}-04-01"), "reason": "就业,收入超标"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(tagged(w.qian).await, 0);
    let (st, _) = shuji
        .post_json(
            &format!("/api/welfare/grants/{g2}/events"),
            json!({"kind": "恢复", "reason": "x"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a cancelled grant takes no more events"
    );

    // The year's figures: households and persons apart.
    let value = |code: &'static str, period: String| {
        let s = &shuji;
        async move {
            let (st, v) = s
                .get_json(&format!("/api/indicators/{code}?period={period}"))
                .await;
            assert_eq!(st, StatusCode::OK, "{code}: {v}");
            v["value"].as_f64().unwrap()
        }
    };
    assert_eq!(value("welfare.dibao_new", y.to_string()).await, 2.0);
    assert_eq!(value("welfare.dibao_cancelled", y.to_string()).await, 1.0);
    assert_eq!(
        value("welfare.dibao_lowered", y.to_string()).await,
        3.0,
        "降标 counts the persons"
    );
    assert_eq!(
        value("welfare.dibao_households", format!("{y}-03")).await,
        2.0
    );
    assert_eq!(value("welfare.dibao_persons", format!("{y}-03")).await, 4.0);
    assert_eq!(value("welfare.dibao_households", y.to_string()).await, 1.0);
    assert_eq!(value("welfare.dibao_persons", y.to_string()).await, 2.0);
    assert_eq!(value("welfare.reviews", y.to_string()).await, 1.0);
    // A grid worker sees no welfare record, and the ledger has no rows for them.
    let g = app.login("wangge1").await;
    assert_eq!(
        g.get(&format!("/api/welfare/grants/{g1}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, l) = g
        .get_json(&format!("/api/ledgers/welfare.roster?period={y}"))
        .await;
    assert_eq!(l["rows"].as_array().map(|r| r.len()), Some(0), "{l}");
    let (_, l) = shuji
        .get_json(&format!("/api/ledgers/welfare.roster?period={y}"))
        .await;
    assert_eq!(l["rows"].as_array().map(|r| r.len()), Some(2), "{l}");
    assert_eq!(
        shuji.get(&format!("/welfare/grants/{g1}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_list_totals_its_grants_and_a_holiday_distribution_is_given_once() {
    let app = App::start().await;
    setup(&app).await;
    let w = &app.world;
    let admin = app.login("admin").await;
    let shuji = app.login("shuji").await;
    let dibao = programme(&admin, "dibao").await;
    approved(&app, dibao, w.household1, 500).await;
    approved(&app, dibao, w.household2, 100).await;
    let month = shequ::db::today().format("%Y-%m").to_string();
    let (st, e) = shuji
        .post_json(
            "/api/welfare/payment-lists",
            json!({"programme_id": dibao, "month": "2026/13"}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("发放月份"))
    );
    let (st, lists) = shuji
        .post_json(
            "/api/welfare/payment-lists",
            json!({"programme_id": dibao, "month": month}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{lists}");
    let l = &lists[0];
    let (_, grants) = shuji.get_json("/api/welfare/grants?status=active").await;
    let sum: i64 = grants
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, (1290 - 500) + (1290 - 100));
    assert_eq!(l["total"].as_i64(), Some(sum));
    assert_eq!(l["households"], 2);
    let lid = l["id"].as_i64().unwrap();
    let (_, d) = shuji
        .get_json(&format!("/api/welfare/payment-lists/{lid}"))
        .await;
    let rows: i64 = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(rows, sum);
    let (st, _) = shuji
        .post_json(
            "/api/welfare/payment-lists",
            json!({"programme_id": dibao, "month": month}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "one list a month");
    // Exported for the bank once approved (by the street).
    let r = admin
        .get(&format!("/welfare/payments/{lid}/export.xlsx"))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) = shuji
        .post_json(
            &format!("/api/welfare/payment-lists/{lid}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v) = admin
        .post_json(
            &format!("/api/welfare/payment-lists/{lid}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        (st, v["status"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
    let r = admin
        .get(&format!("/welfare/payments/{lid}/export.xlsx"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    let (_, v) = shuji
        .get_json(&format!("/api/indicators/welfare.paid?period={month}"))
        .await;
    assert_eq!(v["value"].as_f64(), Some(sum as f64));
    assert_eq!(
        shuji
            .get(&format!("/welfare/payments/{lid}"))
            .await
            .status(),
        StatusCode::OK
    );

    // The same holiday distribution to a household twice is refused, with the message.
    let body = json!({"occasion": "2026年春节慰问", "household_id": w.household1, "items": "米10斤、油1桶", "amount": 300, "signature": "赵军杰"});
    let (st, v) = shuji
        .post_json("/api/welfare/distributions", body.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, e) = shuji.post_json("/api/welfare/distributions", body).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(
        e["error"], "慰问对象: 该户已领取过本次慰问,不能重复发放",
        "{e}"
    );
    let (st, e) = shuji
        .post_json("/api/welfare/distributions", json!({"occasion": "2026年中秋慰问", "household_id": w.household1, "items": "月饼", "amount": -1, "signature": "x"}))
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("慰问金"))
    );
    let (_, v) = shuji.get_json("/api/welfare/distributions").await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    // The page form reaches the same rule.
    let r = shuji
        .post_form(
            "/welfare/distributions",
            &[
                ("occasion", "2026年春节慰问"),
                ("household", "H001"),
                ("items", "米"),
                ("signature", "赵军杰"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_street_administrator_edits_a_programme() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let shuji = app.login("shuji").await;
    let temporary = programme(&admin, "temporary").await;
    let path = format!("/welfare/programmes/{temporary}");
    let form = [
        ("name", "临时救助"),
        ("unit", "household"),
        ("rule", "fixed"),
        ("amount", "1500"),
        ("notice_days", "5"),
        ("review_months", "0"),
        ("eligibility", "突发困难"),
    ];
    assert_eq!(
        shuji.post_form(&path, &form).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = admin.post_form(&path, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], path.as_str());
    let (_, v) = admin.get_json("/api/welfare/programmes").await;
    let p = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == temporary)
        .unwrap()
        .clone();
    assert_eq!(
        (p["amount"].as_i64(), p["notice_days"].as_i64()),
        (Some(1500), Some(5))
    );
    let (st, e) = admin
        .put_json(
            &format!("/api/welfare/programmes/{temporary}"),
            json!({"name": "临时救助", "unit": "household", "rule": "fixed", "amount": -1, "review_months": 0}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("金额标准"))
    );
    assert_eq!(shuji.get(&path).await.status(), StatusCode::OK);
    // Another street's administrator does not see this street's programme.
    assert_eq!(
        app.login("admin_b").await.get(&path).await.status(),
        StatusCode::NOT_FOUND
    );
}
