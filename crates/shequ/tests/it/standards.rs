//! Standards self-inspection over real HTTP: an .xlsx with a bad row refused with its row number and nothing
//! stored, a good import, scores and totals (whole and per section), gaps to rectification tasks with a
//! working-day deadline checked against the calendar, tracked 待整改 → 已整改 → 已核查, the owner's 工作台, the
//! street's comparison, the indicators and the ledger, the printable report, and scope isolation.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{App, Session};

const HEAD: [&str; 5] = ["序号", "类别", "项目", "评分标准", "分值"];

/// An .xlsx with a title row, the header and the rows.
pub(crate) fn xlsx(rows: &[[&str; 5]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "某市和谐社区建设指导标准").unwrap();
    for (c, h) in HEAD.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 2, c as u16);
            match v.parse::<f64>() {
                Ok(n) if c == 4 => ws.write_number(r, c, n).unwrap(),
                _ => ws.write_string(r, c, *v).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

pub(crate) async fn import(s: &Session, title: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = Form::new().text("title", title.to_string()).part(
        "file",
        Part::bytes(bytes)
            .file_name("标准.xlsx")
            .mime_str("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .unwrap(),
    );
    let r = s
        .client
        .post(s.url("/api/standards/import"))
        .header("X-CSRF-Token", &s.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

pub(crate) const GOOD: [[&str; 5]; 4] = [
    ["1", "组织建设", "社区党组织健全", "按期换届得5分", "5"],
    ["2", "", "居委会依法选举", "程序规范得3分", "3"],
    ["3", "社区服务", "为老服务台账", "台账齐全得4分", "4"],
    ["4", "", "志愿服务", "注册率10%以上得2分", "2"],
];

async fn count(app: &App, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

pub(crate) fn item_id(s: &Value, number: &str) -> i64 {
    s["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["number"] == number)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// The standard imported by the street administrator and shuji's inspection of community A1 scored
/// 5 / 1 / 4 / 0 (two gaps).
async fn scored(app: &App) -> (Value, i64) {
    let admin = app.login("admin").await;
    let (st, s) = import(&admin, "和谐社区建设指导标准", xlsx(&GOOD)).await;
    assert_eq!(st, StatusCode::OK, "{s}");
    let shuji = app.login("shuji").await;
    let (st, i) = shuji
        .post_json(
            "/api/standards/inspections",
            json!({"standard_id": s["id"], "year": 2026}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{i}");
    let id = i["id"].as_i64().unwrap();
    let scores: Vec<Value> = [("1", 5), ("2", 1), ("3", 4), ("4", 0)]
        .iter()
        .map(|(n, v)| json!({"item_id": item_id(&s, n), "score": v, "note": format!("第{n}项")}))
        .collect();
    let (st, i) = shuji
        .put_json(
            &format!("/api/standards/inspections/{id}/scores"),
            json!({ "scores": scores }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{i}");
    (s, id)
}

#[tokio::test]
async fn a_bad_row_is_named_and_nothing_is_stored_and_a_good_sheet_imports() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let bad = [
        GOOD[0],
        ["2", "", "", "缺少内容", "3"],
        ["3", "社区服务", "为老服务", "", "五分"],
        ["3", "", "志愿服务", "", "-2"],
    ];
    let (st, e) = import(&admin, "坏标准", xlsx(&bad)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let msg = e["error"].as_str().unwrap();
    for part in [
        "第4行",
        "第5行",
        "第6行",
        "项目内容为空",
        "不是整数",
        "负数",
        "重复",
    ] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
    assert!(!msg.contains("第3行"), "{msg}");
    assert_eq!(count(&app, "standards").await, 0);
    assert_eq!(count(&app, "standard_items").await, 0);
    // Only the street administrator imports.
    let shuji = app.login("shuji").await;
    let (st, _) = import(&shuji, "标准", xlsx(&GOOD)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, s) = import(&admin, "和谐社区建设指导标准", xlsx(&GOOD)).await;
    assert_eq!(st, StatusCode::OK, "{s}");
    assert_eq!(s["total_points"], 14);
    assert_eq!(s["items"].as_array().unwrap().len(), 4);
    // A blank 类别 carries the one above.
    assert_eq!(s["items"][1]["section"], "组织建设");
    assert_eq!(s["items"][3]["section"], "社区服务");
    // The community sees its street's standard; another street does not.
    let (st, _) = shuji.get_json(&format!("/api/standards/{}", s["id"])).await;
    assert_eq!(st, StatusCode::OK);
    let other = app.login("admin_b").await;
    let (st, _) = other.get_json(&format!("/api/standards/{}", s["id"])).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The street administrator renames it; a community head cannot.
    let r = admin
        .post_form(
            &format!("/standards/{}/rename", s["id"]),
            &[("title", "和谐社区建设指导标准(2026版)")],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    let (_, got) = shuji.get_json(&format!("/api/standards/{}", s["id"])).await;
    assert_eq!(got["title"], "和谐社区建设指导标准(2026版)");
    let (st, _) = shuji
        .put_json(
            &format!("/api/standards/{}", s["id"]),
            json!({"title": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The built-in example imports from the page.
    let r = admin.post_form("/standards/example", &[]).await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let (_, list) = admin.get_json("/api/standards").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list[0]["title"].as_str().unwrap().contains("示例"));
    assert_eq!(list[0]["items"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn scores_add_up_and_gaps_become_rectifications_tracked_to_verified() {
    let app = App::start().await;
    let (s, id) = scored(&app).await;
    let shuji = app.login("shuji").await;
    let (_, i) = shuji
        .get_json(&format!("/api/standards/inspections/{id}"))
        .await;
    assert_eq!(i["total_points"], 14);
    assert_eq!(i["total_score"], 10);
    assert_eq!(i["checked"], 4);
    assert_eq!(i["items_met"], 2);
    assert_eq!(i["gaps"], 2);
    assert_eq!(i["sections"][0]["section"], "组织建设");
    assert_eq!(i["sections"][0]["score"], 6);
    assert_eq!(i["sections"][0]["points"], 8);
    assert_eq!(i["sections"][1]["score"], 4);
    // A score above the points is refused and changes nothing.
    let (st, e) = shuji
        .put_json(
            &format!("/api/standards/inspections/{id}/scores"),
            json!({"scores": [{"item_id": item_id(&s, "1"), "score": 0}, {"item_id": item_id(&s, "3"), "score": 9}]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("0至4分"), "{e}");
    let (_, i) = shuji
        .get_json(&format!("/api/standards/inspections/{id}"))
        .await;
    assert_eq!(i["total_score"], 10);
    // Evidence: a ledger by its code, shown by its title.
    let (st, ev) = shuji
        .post_json(
            &format!("/api/standards/inspections/{id}/evidence"),
            json!({"item_id": item_id(&s, "1"), "kind": "ledger", "ref_code": "governance.meetings"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{ev}");
    assert_eq!(ev["label"], "会议记录台账");
    // A meeting of the community, chosen from its list, shown by its title; another community's is refused.
    let (st, m) = shuji
        .post_json("/api/governance/meetings", json!({"type_code": "residents_reps", "title": "居民代表会议(第三季度)", "held_on": "2026-09-20", "invited": 10, "present": 9}))
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    let ev_url = format!("/api/standards/inspections/{id}/evidence");
    let (st, ev) = shuji
        .post_json(
            &ev_url,
            json!({"item_id": item_id(&s, "2"), "kind": "meeting", "ref_id": m["id"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{ev}");
    assert_eq!(ev["label"], "居民代表会议(第三季度)");
    let admin = app.login("admin").await;
    let (st2, m2) = admin
        .post_json("/api/governance/meetings", json!({"community_id": app.world.community_a2, "type_code": "residents_reps", "title": "别的社区会议", "held_on": "2026-09-21", "invited": 10, "present": 9}))
        .await;
    assert_eq!(st2, StatusCode::OK, "{m2}");
    let (st, e) = shuji
        .post_json(
            &ev_url,
            json!({"item_id": item_id(&s, "2"), "kind": "meeting", "ref_id": m2["id"]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{m2} {e}");
    assert!(e["error"].as_str().unwrap().contains("不在本社区"), "{e}");
    // A full-score item needs no rectification.
    let owner: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'wangge1'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let url = format!("/api/standards/inspections/{id}/rectifications");
    let (st, _) = shuji
        .post_json(
            &url,
            json!({"item_id": item_id(&s, "1"), "owner_id": owner, "working_days": 5}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // Someone outside the community cannot own one.
    let outsider: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin_b'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let (st, e) = shuji
        .post_json(
            &url,
            json!({"item_id": item_id(&s, "2"), "owner_id": outsider, "working_days": 5}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, k) = shuji
        .post_json(
            &url,
            json!({"item_id": item_id(&s, "2"), "owner_id": owner, "working_days": 5}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{k}");
    assert_eq!(k["state_label"], "待整改");
    assert_eq!(k["owner_name"], "wangge1用户");
    assert_eq!(k["title"], "居委会依法选举");
    // The deadline is the end of the 5th working day after today (Beijing), on the holiday calendar.
    let cal = shequ::calendar::store::load(&app.db).await.unwrap();
    let due =
        chrono::NaiveDateTime::parse_from_str(k["due_at"].as_str().unwrap(), "%Y-%m-%d %H:%M:%S")
            .unwrap();
    let last = (due + chrono::Duration::hours(8) - chrono::Duration::seconds(1)).date();
    let today = (chrono::Utc::now().naive_utc() + chrono::Duration::hours(8)).date();
    assert!(cal.is_working_day(last), "{last}");
    assert_eq!(cal.working_days_between(today, last), 5, "{today} → {last}");
    let (st, _) = shuji
        .post_json(
            &url,
            json!({"item_id": item_id(&s, "2"), "owner_id": owner, "working_days": 5}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, k2) = shuji
        .post_json(&url, json!({"item_id": item_id(&s, "4"), "title": "发动居民注册志愿者", "owner_id": owner, "working_days": 10}))
        .await;
    assert_eq!(st, StatusCode::OK, "{k2}");
    // The second is overdue: it shows on the owner's 工作台, marked.
    sqlx::query("UPDATE rectifications SET due_at = '2026-01-05 16:00:00' WHERE id = $1")
        .bind(k2["id"].as_i64().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let g1 = app.login("wangge1").await;
    let home = g1.get("/").await.text().await.unwrap();
    assert!(
        home.contains("id=\"todo-rectifications-count\">2<"),
        "{home}"
    );
    assert!(home.contains("发动居民注册志愿者") && home.contains("超期"));
    // The owner cannot see the inspection (a community record) but reports the rectification done.
    let (st, _) = g1
        .get_json(&format!("/api/standards/inspections/{id}"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let kid = k["id"].as_i64().unwrap();
    let (st, _) = g1
        .post_json(
            &format!("/api/standards/rectifications/{kid}/rectified"),
            json!({"note": ""}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, done) = g1
        .post_json(
            &format!("/api/standards/rectifications/{kid}/rectified"),
            json!({"note": "已补齐选举档案"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["state_label"], "已整改");
    // Only the committee verifies.
    let (st, _) = g1
        .post_json(
            &format!("/api/standards/rectifications/{kid}/verify"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let admin = app.login("admin").await;
    let (st, v) = admin
        .post_json(
            &format!("/api/standards/rectifications/{kid}/verify"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["state_label"], "已核查");
    let (st, _) = admin
        .post_json(
            &format!("/api/standards/rectifications/{kid}/verify"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // The street compares its communities: A1 scored, A2 not started.
    let (st, c) = admin
        .get_json(&format!("/api/standards/{}/comparison?year=2026", s["id"]))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let rows = c["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let a1 = &rows[0];
    assert_eq!(a1["community_id"], app.world.community_a1);
    assert_eq!(
        (a1["score"].as_i64(), a1["items_met"].as_i64()),
        (Some(10), Some(2))
    );
    assert_eq!(
        (
            a1["rectifications"].as_i64(),
            a1["open"].as_i64(),
            a1["overdue"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(a1["progress"], 50);
    assert!(rows[1]["inspection_id"].is_null());
    // The community head sees only their own row.
    let (_, mine) = shuji
        .get_json(&format!("/api/standards/{}/comparison?year=2026", s["id"]))
        .await;
    assert_eq!(mine["rows"].as_array().unwrap().len(), 1);
    // The printable report and the pages.
    let report = shuji
        .get(&format!("/standards/inspections/{id}/report"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        report.contains("@media print") && report.contains("id=\"report-score\">10<"),
        "{report}"
    );
    assert!(report.contains("已补齐选举档案") && report.contains("会议记录台账"));
    for page in [
        "/standards",
        &format!("/standards/{}", s["id"]),
        &format!("/standards/{}/compare?year=2026", s["id"]),
        &format!("/standards/inspections/{id}"),
        "/standards/rectifications",
    ] {
        let r = shuji.get(page).await;
        assert_eq!(r.status(), StatusCode::OK, "{page}");
    }
}

#[tokio::test]
async fn indicators_and_the_ledger_count_the_self_inspection() {
    let app = App::start().await;
    let (s, id) = scored(&app).await;
    let shuji = app.login("shuji").await;
    let owner: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'shegong'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let url = format!("/api/standards/inspections/{id}/rectifications");
    let mut ids = Vec::new();
    for n in ["2", "4"] {
        let (st, k) = shuji
            .post_json(
                &url,
                json!({"item_id": item_id(&s, n), "owner_id": owner, "working_days": 3}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{k}");
        ids.push(k["id"].as_i64().unwrap());
    }
    let (st, _) = shuji
        .post_json(
            &format!("/api/standards/rectifications/{}/rectified", ids[0]),
            json!({"note": "已整改"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // Periods by the due date: the whole span from this year to next covers both deadlines.
    let year = shequ::standards::this_year();
    let value = |code: &'static str| {
        let shuji = &shuji;
        async move {
            let mut total = 0.0;
            for y in [year, year + 1] {
                let (st, v) = shuji
                    .get_json(&format!("/api/indicators/{code}?period={y}"))
                    .await;
                assert_eq!(st, StatusCode::OK, "{code}: {v}");
                total += v["value"].as_f64().unwrap_or(0.0);
            }
            total
        }
    };
    let this = |code: &'static str| {
        let shuji = &shuji;
        async move {
            let (_, v) = shuji
                .get_json(&format!("/api/indicators/{code}?period={year}"))
                .await;
            v["value"].as_f64().unwrap_or(-1.0)
        }
    };
    assert_eq!(this("standards.items").await, 4.0);
    assert_eq!(this("standards.items_met").await, 2.0);
    assert_eq!(this("standards.score").await, 10.0);
    assert_eq!(this("standards.points").await, 14.0);
    let (_, rate) = shuji
        .get_json(&format!(
            "/api/indicators/standards.score_rate?period={year}"
        ))
        .await;
    assert!(
        (rate["value"].as_f64().unwrap() - 71.4).abs() < 0.1,
        "{rate}"
    );
    assert_eq!(value("standards.rectifications").await, 2.0);
    assert_eq!(value("standards.rectifications_open").await, 1.0);
    assert_eq!(value("standards.rectified_on_time").await, 1.0);
    // The ledger 创建达标自查整改台账 lists both, the other community's figures stay apart.
    let mut rows = 0;
    for y in [year, year + 1] {
        let (st, led) = shuji
            .get_json(&format!("/api/ledgers/standards.rectifications?period={y}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{led}");
        assert_eq!(led["title"], "创建达标自查整改台账");
        rows += led["rows"].as_array().unwrap().len();
    }
    assert_eq!(rows, 2);
    let admin = app.login("admin").await;
    let (_, a2) = admin
        .get_json(&format!(
            "/api/indicators/standards.score?period={year}&node={}",
            app.world.community_a2
        ))
        .await;
    assert_eq!(a2["value"].as_f64().unwrap_or(0.0), 0.0, "{a2}");
}
