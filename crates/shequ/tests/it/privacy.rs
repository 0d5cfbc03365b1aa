//! The privacy walk (issue 13): on the tiny demo data, every demo role walks every GET route of the OpenAPI
//! document (each path parameter filled with the ids the role has seen) and every page reachable by links
//! from the home page, exports included. No answer may hold a full ID number or phone of a seeded record,
//! unless the role may unmask and the request wrote an audit entry (the edit form, an unmasked export).

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::io::Read;

use reqwest::StatusCode;
use serde_json::Value;
use shequ::demo::{self, Scale, DEMO_PASSWORD};
use sqlx::Row;

use crate::support::{fresh_db, Session};

/// Pages a role walks at most.
const MAX_PAGES: usize = 400;
/// Pages of one shape (the path with its numbers and query values left out) a role walks at most: the demo's
/// lists page far beyond what a walk needs, and every kind of page matters more than every page of a kind.
const PER_SHAPE: usize = 3;

fn shape(path: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let p: String = p
        .split('/')
        .map(|seg| if seg.parse::<i64>().is_ok() { "N" } else { seg })
        .collect::<Vec<_>>()
        .join("/");
    let keys: Vec<&str> = q
        .split('&')
        .map(|kv| kv.split('=').next().unwrap_or(""))
        .collect();
    format!("{p}?{}", keys.join("&"))
}
/// Ids tried per parameterised API path.
const MAX_IDS: usize = 14;

/// Every personal value stored, at least 7 characters long.
async fn personal_values(db: &shequ::db::Db) -> HashSet<String> {
    let mut out = HashSet::new();
    for sql in [
        "SELECT id_number FROM persons",
        "SELECT phone FROM persons",
        "SELECT phone2 FROM persons",
        "SELECT reporter_phone FROM cases",
        "SELECT phone FROM case_parties",
        "SELECT phone FROM patrol_members",
        "SELECT landlord_phone FROM rentals",
        "SELECT contact_phone FROM devices",
        "SELECT recipient FROM outbox WHERE recipient_kind IN ('emergency_contact', 'pair')",
    ] {
        for r in sqlx::query(sql).fetch_all(&db.pool).await.unwrap() {
            if let Ok(Some(v)) = r.try_get::<Option<String>, _>(0) {
                if v.chars().count() >= 7 {
                    out.insert(v);
                }
            }
        }
    }
    out
}

/// The personal values that occur in `body` as whole numbers (not inside a longer run of digits).
fn full_values_in(body: &str, values: &HashSet<String>) -> Vec<String> {
    let bytes = body.as_bytes();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let run = &body[start..i];
            if values.contains(run) {
                found.insert(run.to_string());
            }
        } else {
            i += 1;
        }
    }
    found.into_iter().collect()
}

/// The text of an answer: JSON and HTML as they are, .xlsx as the XML of its parts.
async fn body_text(r: reqwest::Response) -> (StatusCode, String, String) {
    let status = r.status();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = r.bytes().await.unwrap();
    if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut text = String::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let _ = f.read_to_string(&mut text);
        }
        return (status, kind, text);
    }
    (status, kind, String::from_utf8_lossy(&bytes).into_owned())
}

fn collect_ids(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "id" || k.ends_with("_id") {
                    if let Some(n) = v.as_i64() {
                        out.push(n);
                    }
                }
                collect_ids(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_ids(v, out)),
        _ => {}
    }
}

fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let Some(end) = part.find('"') else { continue };
        let link = part[..end].replace("&amp;", "&");
        if link.starts_with('/') && !link.starts_with("//") && !link.starts_with("/static/") {
            out.push(link);
        }
    }
    out
}

async fn audit_count(db: &shequ::db::Db) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get(0)
}

struct Walk<'a> {
    db: &'a shequ::db::Db,
    values: &'a HashSet<String>,
    user: &'a str,
    may_unmask: bool,
    requests: usize,
    revealed: usize,
    leaks: Vec<String>,
}

impl Walk<'_> {
    async fn check(&mut self, s: &Session, path: &str) -> (StatusCode, String, String) {
        let before = audit_count(self.db).await;
        let (status, kind, text) = body_text(s.get(path).await).await;
        self.requests += 1;
        assert!(
            !status.is_server_error(),
            "{} GET {path} answered {status}: {text:.300}",
            self.user
        );
        let full = full_values_in(&text, self.values);
        if !full.is_empty() {
            let audited = audit_count(self.db).await > before;
            if self.may_unmask && audited {
                self.revealed += 1;
            } else {
                self.leaks.push(format!(
                    "{} GET {path} shows {:?} (audited: {audited})",
                    self.user,
                    &full[..full.len().min(3)]
                ));
            }
        }
        (status, kind, text)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_answer_of_any_route_shows_personal_data_a_role_may_not_see() {
    let (db, _dir, _url) = fresh_db().await;
    demo::generate(&db, Scale::Tiny, &|_| {}).await.unwrap();
    let values = personal_values(&db).await;
    assert!(values.len() > 50, "the demo stores personal values");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = shequ::web::router(shequ::web::AppState::new(db.clone()));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let anon = reqwest::Client::new();
    let doc: Value = anon
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let get_paths: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get("get").is_some())
        .map(|(p, _)| p.clone())
        .collect();
    assert!(get_paths.len() > 30, "{get_paths:?}");

    let mut summary = Vec::new();
    let mut leaks = Vec::new();
    for (user, may_unmask) in [
        ("admin", true),
        ("shuji", true),
        ("shegong", true),
        ("wangge1", true),
        ("wangge2", true),
        ("louzu", false),
        ("jumin", false),
    ] {
        let s = Session::logged_in(&base, user, DEMO_PASSWORD).await;
        let mut walk = Walk {
            db: &db,
            values: &values,
            user,
            may_unmask,
            requests: 0,
            revealed: 0,
            leaks: Vec::new(),
        };
        // The API: lists first (they name the ids), then every parameterised path with those ids.
        let mut ids: Vec<i64> = Vec::new();
        let (fixed, with_params): (Vec<_>, Vec<_>) =
            get_paths.iter().partition(|p| !p.contains('{'));
        for p in &fixed {
            let (status, _, text) = walk.check(&s, p).await;
            if status.is_success() {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    collect_ids(&v, &mut ids);
                }
            }
        }
        // The pages, by their links; ids in links count too.
        let mut seen: HashSet<String> = HashSet::new();
        let mut shapes: std::collections::HashMap<String, usize> = Default::default();
        let mut queue: VecDeque<String> =
            VecDeque::from(vec!["/".to_string(), "/portal".to_string()]);
        let mut pages = 0;
        while let Some(path) = queue.pop_front() {
            if pages >= MAX_PAGES {
                break;
            }
            if !seen.insert(path.clone())
                || path.starts_with("/logout")
                || path.starts_with("/lang")
            {
                continue;
            }
            let n = shapes.entry(shape(&path)).or_default();
            *n += 1;
            if *n > PER_SHAPE {
                continue;
            }
            pages += 1;
            let (status, kind, text) = walk.check(&s, &path).await;
            if status.is_success() && kind.starts_with("text/html") {
                for l in links(&text) {
                    for seg in l.split(['/', '?', '&', '=']) {
                        if let Ok(n) = seg.parse::<i64>() {
                            ids.push(n);
                        }
                    }
                    if !seen.contains(&l) {
                        queue.push_back(l);
                    }
                }
            }
        }
        let mut uniq = Vec::new();
        for id in ids {
            if id > 0 && !uniq.contains(&id) {
                uniq.push(id);
            }
        }
        for p in &with_params {
            let tried: Vec<i64> = uniq
                .iter()
                .copied()
                .take(MAX_IDS)
                .chain(uniq.iter().rev().copied().take(4))
                .collect();
            for id in tried {
                let mut path = String::new();
                let mut rest = p.as_str();
                while let Some(open) = rest.find('{') {
                    path.push_str(&rest[..open]);
                    let close = rest[open..].find('}').unwrap() + open;
                    path.push_str(&id.to_string());
                    rest = &rest[close + 1..];
                }
                path.push_str(rest);
                walk.check(&s, &path).await;
            }
        }
        summary.push(format!(
            "{user}: {} requests, {pages} pages of {} kinds, {} audited reveals {:?}",
            walk.requests,
            shapes.len(),
            walk.revealed,
            if std::env::var("SHEQU_PRIVACY_SHAPES").is_ok() {
                shapes.keys().cloned().collect::<BTreeSet<_>>()
            } else {
                BTreeSet::new()
            }
        ));
        assert!(
            walk.requests > 100,
            "{user} walked too little: {}",
            walk.requests
        );
        leaks.extend(walk.leaks);
    }
    println!("{}", summary.join("\n"));
    assert!(
        leaks.is_empty(),
        "personal data shown:\n{}",
        leaks.join("\n")
    );
}

async fn audit_entries(db: &shequ::db::Db, action: &str, id: i64) -> Vec<String> {
    sqlx::query(
        "SELECT COALESCE(after_json, '') FROM audit_log WHERE action = $1 AND entity_id = $2 ORDER BY id",
    )
    .bind(action)
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// PIPL arts. 45–47 (issue 16): a person's data on request — a full copy for roles that may unmask, a
/// correction and an archive — each with the request's note in the audit log; refused without a note.
#[tokio::test(flavor = "multi_thread")]
async fn a_persons_data_export_correction_and_archive_on_request_are_audited() {
    use serde_json::json;
    let app = crate::support::App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let cat = crate::cases::category(&g1, "sanitation").await;
    let (st, case) = g1
        .post_json(
            "/api/cases",
            json!({"category_id": cat, "source": "来访", "title": "楼道灯坏了", "location_id": w.dwelling1,
                   "reporter_person_id": w.zhao, "reporter_name": "赵军杰", "reporter_phone": "13812345678"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{case}");
    let (st, v) = g1
        .post_json(
            "/api/visits",
            json!({"household_id": w.household1, "kind": "日常走访", "note": "了解近况"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let export = format!("/api/persons/{}/data-export", w.zhao);
    let reason = "本人2026-05-06来访,书面申请查阅个人信息";

    // A building leader sees the person masked and may not export.
    let louzu = app.login("louzu").await;
    let (st, e) = louzu.post_json(&export, json!({"reason": reason})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    // No note, nothing exported.
    let (st, e) = g1.post_json(&export, json!({"reason": "  "})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "申请说明");
    assert!(audit_entries(&app.db, "pipl_export", w.zhao)
        .await
        .is_empty());

    let r = g1
        .client
        .post(g1.url(&export))
        .header("X-CSRF-Token", &g1.csrf)
        .json(&json!({"reason": reason}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let data: Value = r.json().await.unwrap();
    assert_eq!(data["person"]["id_number"], w.zhao_id.as_str(), "{data}");
    assert_eq!(data["person"]["phone"], "13812345678");
    assert_eq!(data["reason"], reason);
    assert_eq!(data["household_number"], "H001");
    assert_eq!(data["cases"].as_array().unwrap().len(), 1, "{data}");
    assert_eq!(data["cases"][0]["relation"], "上报人");
    assert_eq!(data["cases"][0]["reporter_phone"], "13812345678");
    assert_eq!(data["visits"].as_array().unwrap().len(), 1);
    assert!(!data["residence"].as_array().unwrap().is_empty());
    let entries = audit_entries(&app.db, "pipl_export", w.zhao).await;
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0].contains(reason) && entries[0].contains("\"cases\":1"),
        "{}",
        entries[0]
    );
    let unmasks = audit_entries(&app.db, "unmask", w.zhao).await;
    assert!(
        unmasks.iter().any(|e| e.contains("pipl_export")),
        "{unmasks:?}"
    );

    // Correction on request: the edit with the note; the note and the changed fields are audited.
    let correction = format!("/api/persons/{}/correction", w.zhao);
    let mut person = crate::support::person_json("赵军杰", &w.zhao_id, w.household1);
    person["phone"] = json!("13900002222");
    let (st, _) = g1
        .post_json(&correction, json!({"reason": "", "person": person}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, p) = g1
        .post_json(
            &correction,
            json!({"reason": "本人来电要求更正手机号", "person": person}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["phone"], "139****2222", "answers stay masked");
    let entries = audit_entries(&app.db, "pipl_correct", w.zhao).await;
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0].contains("本人来电要求更正手机号") && entries[0].contains("\"phone\""),
        "{}",
        entries[0]
    );
    assert_eq!(
        louzu
            .post_json(&correction, json!({"reason": "x", "person": person}))
            .await
            .0,
        StatusCode::FORBIDDEN,
        "a read-only role cannot correct"
    );

    // The same from the pages: the person's page offers the requests to workers, not to building leaders.
    let page = g1
        .get(&format!("/persons/{}", w.zhao))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"pipl-request\""));
    let page = louzu
        .get(&format!("/persons/{}", w.zhao))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"pipl-request\""));
    let r = g1
        .post_form(
            &format!("/persons/{}/requests", w.zhao),
            &[("reason", "本人委托家属书面申请"), ("action", "export")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let data: Value = r.json().await.unwrap();
    assert_eq!(data["person"]["id_number"], w.zhao_id.as_str());
    assert_eq!(audit_entries(&app.db, "pipl_export", w.zhao).await.len(), 2);
    let hh = w.household1.to_string();
    let r = g1
        .post_form(
            &format!("/persons/{}", w.zhao),
            &[
                ("name", "赵军杰"),
                ("id_number", w.zhao_id.as_str()),
                ("household_id", hh.as_str()),
                ("phone", "13900003333"),
                ("correction_reason", "本人到社区书面申请更正电话"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let entries = audit_entries(&app.db, "pipl_correct", w.zhao).await;
    assert_eq!(entries.len(), 2);
    assert!(entries[1].contains("本人到社区书面申请更正电话"));
    // An edit without a reason is an ordinary edit.
    let r = g1
        .post_form(
            &format!("/persons/{}", w.zhao),
            &[
                ("name", "赵军杰"),
                ("id_number", w.zhao_id.as_str()),
                ("household_id", hh.as_str()),
                ("phone", "13900004444"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        audit_entries(&app.db, "pipl_correct", w.zhao).await.len(),
        2
    );

    // Archive on request: out of the lists, audited with the note.
    let archive = format!("/api/persons/{}/archive-request", w.zhao);
    let (st, _) = g1.post_json(&archive, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, p) = g1
        .post_json(&archive, json!({"reason": "本人已迁出本市,申请注销登记"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["archived"], 1);
    assert_eq!(
        audit_entries(&app.db, "pipl_archive", w.zhao).await.len(),
        1
    );
    let (_, list) = g1.get_json("/api/persons").await;
    assert!(list.as_array().unwrap().iter().all(|p| p["id"] != w.zhao));
}

/// PIPL art. 19 (issue 16): a closed case keeps its reporter's and parties' personal fields only for the
/// retention period; then the job blanks them (audited without the values), open cases untouched.
#[tokio::test(flavor = "multi_thread")]
async fn closed_cases_lose_their_personal_fields_after_the_retention_period() {
    use serde_json::json;
    use shequ::cases::retention;
    let app = crate::support::App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    let shuji = app.login("shuji").await;
    let cat = crate::cases::category(&g1, "sanitation").await;
    let mut ids = Vec::new();
    for title in ["垃圾堆放", "仍在处理"] {
        let (st, c) = g1
            .post_json(
                "/api/cases",
                json!({"category_id": cat, "source": "来访", "title": title, "location_id": w.dwelling1,
                       "reporter_person_id": w.zhao, "reporter_name": "赵军杰", "reporter_phone": "13812345678",
                       "parties": [{"name": "周邻居", "phone": "13700001111"}]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{c}");
        ids.push(c["id"].as_i64().unwrap());
    }
    let (closed, open) = (ids[0], ids[1]);
    crate::cases::ok(&g1, closed, "accept", json!({})).await;
    crate::cases::ok(&g1, closed, "dispatch", json!({"to": "community"})).await;
    crate::cases::ok(&g1, closed, "handle", json!({"note": "已清运"})).await;
    crate::cases::ok(&shuji, closed, "verify", json!({})).await;
    crate::cases::ok(&shuji, closed, "close", json!({})).await;

    let now = chrono::Utc::now().naive_utc();
    // Within the period nothing changes.
    assert_eq!(
        retention::clear(&app.db, now + chrono::Duration::days(29), 30)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        retention::clear(&app.db, now + chrono::Duration::days(31), 30)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        retention::clear(&app.db, now + chrono::Duration::days(32), 30)
            .await
            .unwrap(),
        0,
        "once"
    );
    let row = sqlx::query(
        "SELECT reporter_name, reporter_phone, reporter_person_id, personal_cleared_at FROM cases WHERE id = $1",
    )
    .bind(closed)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(row.get::<Option<String>, _>(0).is_none());
    assert!(row.get::<Option<String>, _>(1).is_none());
    assert!(row.get::<Option<i64>, _>(2).is_none());
    assert!(row.get::<Option<String>, _>(3).is_some());
    let parties = sqlx::query("SELECT name, phone FROM case_parties WHERE case_id = $1")
        .bind(closed)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(parties.len(), 1);
    assert_eq!(parties[0].get::<String, _>(0), retention::CLEARED_NAME);
    assert!(parties[0].get::<Option<String>, _>(1).is_none());
    // The open case keeps them; the case page still answers, without them.
    let kept: Option<String> = sqlx::query("SELECT reporter_phone FROM cases WHERE id = $1")
        .bind(open)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept.as_deref(), Some("13812345678"));
    let (st, c) = shuji.get_json(&format!("/api/cases/{closed}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(c["case"]["reporter_name"].is_null(), "{c}");
    assert_eq!(
        shuji.get(&format!("/cases/{closed}")).await.status(),
        StatusCode::OK
    );
    // Audited once, naming the fields, holding none of the values.
    let entries = audit_entries(&app.db, "retention_clear", closed).await;
    assert_eq!(entries.len(), 1);
    assert!(entries[0].contains("reporter_phone") && entries[0].contains("\"retention_days\":30"));
    assert!(!entries[0].contains("1381234") && !entries[0].contains("赵军杰"));
}
