//! Test support: a fresh database per test, the server on a random port, a fixed small world, and clients
//! that log in like a browser does.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use shequ::accounts::{users, Actor, Role};
use shequ::db::Db;
use shequ::registry::households::{self, HouseholdInput};
use shequ::registry::nodes::{self, Kind, NodeInput};
use shequ::registry::persons::{self, PersonInput};
use shequ::registry::{idcard, tags};

pub const PASSWORD: &str = "test-password-1";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A database of its own: a SQLite file in a temp dir, or a PostgreSQL schema.
pub async fn fresh_db() -> (Db, Option<tempfile::TempDir>, String) {
    let (url, dir) = fresh_url().await;
    let db = Db::connect(&url).await.expect("connect");
    (db, dir, url)
}

/// The URL of an empty database, not yet migrated: a SQLite file to be in a temp dir, or a new PostgreSQL
/// schema.
pub async fn fresh_url() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("SHEQU_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let schema = format!("t_{}_{}_{}", std::process::id(), n, rand_suffix());
            let admin = sqlx::PgPool::connect(&url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&admin)
                .await
                .expect("create schema");
            admin.close().await;
            let sep = if url.contains('?') { '&' } else { '?' };
            (format!("{url}{sep}options=-csearch_path%3D{schema}"), None)
        }
        _ => {
            let dir = tempfile::tempdir().unwrap();
            let url = dir.path().join("test.db").to_str().unwrap().to_string();
            (url, Some(dir))
        }
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    format!(
        "{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// The ids of the fixed world every test starts from.
#[allow(dead_code)]
pub struct World {
    pub street_a: i64,
    pub street_b: i64,
    pub community_a1: i64,
    pub community_a2: i64,
    pub grid1: i64,
    pub grid2: i64,
    pub grid3: i64,
    pub grid_b: i64,
    pub estate1: i64,
    pub estate2: i64,
    pub building1: i64,
    pub building2: i64,
    pub dwelling1: i64,
    pub dwelling2: i64,
    pub dwelling_b: i64,
    pub household1: i64,
    pub household2: i64,
    pub household_b: i64,
    /// 赵军杰 in grid 1, household 1.
    pub zhao: i64,
    pub zhao_id: String,
    /// 钱小红 in grid 2, household 2.
    pub qian: i64,
    /// 孙立 in street B.
    pub sun: i64,
}

pub struct App {
    pub base: String,
    pub db: Db,
    /// The database URL, for running the `shequ` binary against the same database.
    pub url: String,
    pub world: World,
    _dir: Option<tempfile::TempDir>,
}

pub fn id(birth: &str, serial: u32) -> String {
    idcard::make(
        110105,
        chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap(),
        serial,
    )
}

async fn node(db: &Db, parent: Option<i64>, kind: Kind, name: &str) -> i64 {
    nodes::create(
        db,
        &Actor::system(),
        parent,
        kind,
        &NodeInput {
            name: name.into(),
            code: None,
        },
    )
    .await
    .unwrap()
    .id
}

pub fn person(name: &str, id_number: &str, household: i64) -> PersonInput {
    PersonInput {
        name: name.into(),
        id_number: id_number.into(),
        household_id: Some(household),
        ..Default::default()
    }
}

pub async fn build_world(db: &Db) -> World {
    tags::ensure_builtin(db).await.unwrap();
    let sys = Actor::system();
    let street_a = node(db, None, Kind::Street, "和平街道").await;
    let street_b = node(db, None, Kind::Street, "建设街道").await;
    let community_a1 = node(db, Some(street_a), Kind::Community, "幸福社区").await;
    let community_a2 = node(db, Some(street_a), Kind::Community, "光明社区").await;
    let community_b1 = node(db, Some(street_b), Kind::Community, "团结社区").await;
    let grid1 = node(db, Some(community_a1), Kind::Grid, "第一网格").await;
    let grid2 = node(db, Some(community_a1), Kind::Grid, "第二网格").await;
    let grid3 = node(db, Some(community_a2), Kind::Grid, "第三网格").await;
    let grid_b = node(db, Some(community_b1), Kind::Grid, "团结一网格").await;
    let estate1 = node(db, Some(grid1), Kind::Estate, "锦绣花园").await;
    let estate2 = node(db, Some(grid2), Kind::Estate, "阳光小区").await;
    let estate_b = node(db, Some(grid_b), Kind::Estate, "团结小区").await;
    let building1 = node(db, Some(estate1), Kind::Building, "1号楼").await;
    let building2 = node(db, Some(estate2), Kind::Building, "2号楼").await;
    let building_b = node(db, Some(estate_b), Kind::Building, "9号楼").await;
    let unit1 = node(db, Some(building1), Kind::Unit, "1单元").await;
    let dwelling1 = node(db, Some(unit1), Kind::Dwelling, "101").await;
    let dwelling2 = node(db, Some(building2), Kind::Dwelling, "202").await;
    let dwelling_b = node(db, Some(building_b), Kind::Dwelling, "303").await;
    let hh = |d: i64, n: &'static str| async move {
        households::create(
            db,
            &Actor::system(),
            d,
            &HouseholdInput { number: n.into() },
        )
        .await
        .unwrap()
        .id
    };
    let household1 = hh(dwelling1, "H001").await;
    let household2 = hh(dwelling2, "H002").await;
    let household_b = hh(dwelling_b, "H900").await;
    let zhao_id = id("1980-03-15", 123);
    let mut zhao_in = person("赵军杰", &zhao_id, household1);
    zhao_in.phone = "13812345678".into();
    zhao_in.move_in_date = "2010-01-01".into();
    let zhao = persons::create(db, &sys, &zhao_in).await.unwrap().id;
    let qian = persons::create(
        db,
        &sys,
        &person("钱小红", &id("1990-07-01", 222), household2),
    )
    .await
    .unwrap()
    .id;
    let sun = persons::create(
        db,
        &sys,
        &person("孙立", &id("1975-11-11", 331), household_b),
    )
    .await
    .unwrap()
    .id;
    let sys = &sys;
    let user = |username: &'static str,
                role: Role,
                street: i64,
                community: Option<i64>,
                grids: Vec<i64>,
                buildings: Vec<i64>| async move {
        users::create(
            db,
            sys,
            &users::NewUser {
                username: username.into(),
                display_name: format!("{username}用户"),
                password: PASSWORD.into(),
                role,
                street_id: Some(street),
                community_id: community,
                grids,
                buildings,
            },
        )
        .await
        .unwrap();
    };
    user("admin", Role::StreetAdmin, street_a, None, vec![], vec![]).await;
    user("admin_b", Role::StreetAdmin, street_b, None, vec![], vec![]).await;
    user(
        "shuji",
        Role::CommunityHead,
        street_a,
        Some(community_a1),
        vec![],
        vec![],
    )
    .await;
    user(
        "shegong",
        Role::SocialWorker,
        street_a,
        Some(community_a1),
        vec![],
        vec![],
    )
    .await;
    user(
        "wangge1",
        Role::GridWorker,
        street_a,
        None,
        vec![grid1],
        vec![],
    )
    .await;
    user(
        "wangge2",
        Role::GridWorker,
        street_a,
        None,
        vec![grid2],
        vec![],
    )
    .await;
    user(
        "louzu",
        Role::BuildingLeader,
        street_a,
        None,
        vec![],
        vec![building1],
    )
    .await;
    World {
        street_a,
        street_b,
        community_a1,
        community_a2,
        grid1,
        grid2,
        grid3,
        grid_b,
        estate1,
        estate2,
        building1,
        building2,
        dwelling1,
        dwelling2,
        dwelling_b,
        household1,
        household2,
        household_b,
        zhao,
        zhao_id,
        qian,
        sun,
    }
}

impl App {
    pub async fn start() -> App {
        // Server errors (logged, never shown to clients) appear in the output of a failing test.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("shequ=error")
            .with_test_writer()
            .try_init();
        let (db, dir, url) = fresh_db().await;
        let world = build_world(&db).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = shequ::web::router(shequ::web::AppState::new(db.clone()))
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        App {
            base,
            db,
            url,
            world,
            _dir: dir,
        }
    }

    /// A browser-like client with a cookie jar, not logged in.
    pub fn anonymous(&self) -> Session {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Session {
            client,
            base: self.base.clone(),
            csrf: String::new(),
        }
    }

    /// Logs in through the login form and fetches the CSRF token for API calls.
    pub async fn login(&self, username: &str) -> Session {
        let mut s = self.anonymous();
        let r = s.login_form(username, PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "login of {username} failed"
        );
        let me: Value = s
            .client
            .get(s.url("/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        s.csrf = me["csrf_token"].as_str().unwrap().to_string();
        s
    }
}

pub struct Session {
    pub client: Client,
    pub base: String,
    pub csrf: String,
}

impl Session {
    /// Logs in to the server at `base` with a password (the demo's accounts, say).
    #[allow(dead_code)]
    pub async fn logged_in(base: &str, username: &str, password: &str) -> Session {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut s = Session {
            client,
            base: base.to_string(),
            csrf: String::new(),
        };
        let r = s.login_form(username, password).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "login of {username} failed"
        );
        let me: Value = s.get("/api/me").await.json().await.unwrap();
        s.csrf = me["csrf_token"].as_str().unwrap().to_string();
        s
    }
}

/// The value of a hidden `_csrf` input in a page.
pub fn hidden_csrf(html: &str) -> String {
    let start = html
        .find("name=\"_csrf\" value=\"")
        .expect("page has a csrf field")
        + "name=\"_csrf\" value=\"".len();
    html[start..start + 64].to_string()
}

#[allow(dead_code)]
impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login_form(&self, username: &str, password: &str) -> Response {
        let page = self
            .client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_csrf(&page);
        self.client
            .post(self.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let r = self.get(path).await;
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let r = self
            .client
            .request(method, self.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    pub async fn put_json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    /// Posts a form the way the page does (with the session's `_csrf`).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .unwrap()
    }
}

/// A full person JSON body for the API.
#[allow(dead_code)]
pub fn person_json(name: &str, id_number: &str, household: i64) -> Value {
    json!({"name": name, "id_number": id_number, "household_id": household})
}
