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
