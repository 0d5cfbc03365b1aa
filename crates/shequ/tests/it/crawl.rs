//! Issue 21: a crawl of the pages as each demo role follows every same-site link it is shown (breadth first,
//! a few pages of each shape) and finds no link that answers 4xx or 5xx and no raw error text — a link a role
//! is shown must work for that role, and what it shows is written for people.

use std::collections::{HashMap, HashSet, VecDeque};

use shequ::demo::{self, Scale, DEMO_PASSWORD};

use crate::support::{fresh_db, Session};

/// Pages per role, and pages per shape (the path with its numbers as N).
const MAX_PAGES: usize = 800;
const PER_SHAPE: usize = 3;

/// Text that only code writes: serde and parse errors, Rust names, raw codes.
const RAW: &[&str] = &[
    "missing field",
    "Cannot parse",
    "invalid type",
    "panicked",
    "Error(",
    "sqlx",
    "内部错误",
    "数据库错误",
    "unknown variant",
    "(UTC)",
];

fn shape(path: &str) -> String {
    path.split(['/', '?', '&', '='])
        .map(|seg| if seg.parse::<i64>().is_ok() { "N" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let Some(end) = part.find('"') else { continue };
        let link = part[..end].replace("&amp;", "&").replace("&#x2f;", "/");
        let link = link.split('#').next().unwrap_or("").to_string();
        if link.starts_with('/')
            && !link.starts_with("//")
            && !link.starts_with("/static/")
            && !link.starts_with("/logout")
            && !link.starts_with("/lang")
        {
            out.push(link);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn every_link_a_role_is_shown_works_and_no_page_shows_raw_errors() {
    let (db, _dir, _url) = fresh_db().await;
    demo::generate(&db, Scale::Tiny, &|_| {}).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = shequ::web::router(shequ::web::AppState::new(db.clone()))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let mut broken = Vec::new();
    let mut summary = Vec::new();
    for user in ["admin", "shuji", "shegong", "wangge1", "louzu", "jumin"] {
        let s = Session::logged_in(&base, user, DEMO_PASSWORD).await;
        let start = if user == "jumin" { "/portal" } else { "/" };
        let mut queue: VecDeque<(String, String)> =
            VecDeque::from(vec![(start.to_string(), "(start)".to_string())]);
        let mut seen: HashSet<String> = HashSet::new();
        let mut shapes: HashMap<String, usize> = HashMap::new();
        let mut pages = 0;
        while let Some((path, from)) = queue.pop_front() {
            if pages >= MAX_PAGES || !seen.insert(path.clone()) {
                continue;
            }
            let n = shapes.entry(shape(&path)).or_default();
            *n += 1;
            if *n > PER_SHAPE {
                continue;
            }
            pages += 1;
            let r = s.get(&path).await;
            let status = r.status();
            let location = r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            let kind = r
                .headers()
                .get("content-type")
                .and_then(|c| c.to_str().ok())
                .unwrap_or("")
                .to_string();
            if status.is_redirection() {
                if let Some(l) = location.filter(|l| l.starts_with('/')) {
                    queue.push_front((l, path.clone()));
                }
                continue;
            }
            if !status.is_success() {
                broken.push(format!(
                    "{user}: {path} (linked from {from}) answered {status}"
                ));
                continue;
            }
            if !kind.starts_with("text/html") {
                continue;
            }
            let html = r.text().await.unwrap();
            for raw in RAW {
                if html.contains(raw) {
                    broken.push(format!("{user}: {path} shows “{raw}”"));
                }
            }
            for l in links(&html) {
                if !seen.contains(&l) {
                    queue.push_back((l, path.clone()));
                }
            }
        }
        summary.push(format!("{user}: {pages} pages"));
    }
    println!("{}", summary.join(", "));
    assert!(
        broken.is_empty(),
        "{} problems:\n{}",
        broken.len(),
        broken.join("\n")
    );
}
