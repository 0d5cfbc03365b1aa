//! Demo data: a deterministic, realistic invented district (`shequ demo --scale …`).
//!
//! One seeded RNG drives everything, so the same scale gives the same names, ID numbers and addresses on
//! every run and on both backends. The tree, households, persons (with search keys, ID grams, events and
//! residence periods), special-group tags and rentals are written with bulk multi-row inserts, one
//! transaction per community, with ids assigned here; then a handful of demo accounts are created through
//! the normal account code (argon2), all with [`DEMO_PASSWORD`].

mod admission;
mod attrs;
pub mod bench_cases;
mod bulk;
mod case_rows;
mod devices;
mod governance;
mod groups;
pub mod names;
mod patrols;
mod people;
mod photos;
mod portal;
mod records;
mod rows;
mod services;
mod standards;
mod tree;
mod welfare;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::SeedableRng;
use sqlx::{Connection, Row};

use crate::accounts::users::{self, NewUser};
use crate::accounts::{Actor, Role};
use crate::db::{Db, Dialect};
use crate::registry::tags;

pub const DEMO_PASSWORD: &str = "shequ-demo-2026";

/// The timestamp of every generated row.
pub(crate) const STAMP: &str = "2026-06-30 00:00:00";
/// The date the demo data describes (ages, "now" for agreements and tags).
pub(crate) const REF: NaiveDate = date(2026, 6, 30);

pub(crate) const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("invalid date"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// 1 street, 1 community, 2 grids, about 60 households (for tests).
    Tiny,
    /// 1 street, 1 community of about 6,000 persons in 2,000 households.
    Community,
    /// 1 street of 12 communities, about 100,000 persons.
    Street,
    /// 10 streets, 120 communities, about 1,000,000 persons in 400,000 households.
    District,
}

/// How big each level is.
struct Plan {
    streets: usize,
    communities: usize,
    grids: usize,
    households: usize,
    /// Living household size (1–5) with weights.
    sizes: &'static [(usize, u32)],
}

/// Mean 2.58 persons per household (1M persons in 400k households).
const CITY: &[(usize, u32)] = &[(1, 22), (2, 30), (3, 25), (4, 14), (5, 9)];
/// Mean 3.0 (社区总人数6035人,总户数2022户).
const OLD_COMMUNITY: &[(usize, u32)] = &[(1, 10), (2, 25), (3, 32), (4, 20), (5, 13)];

impl Scale {
    fn plan(self) -> Plan {
        let (streets, communities, grids, households, sizes) = match self {
            Scale::Tiny => (1, 1, 2, 30, CITY),
            Scale::Community => (1, 1, 7, 289, OLD_COMMUNITY),
            Scale::Street => (1, 12, 11, 292, CITY),
            Scale::District => (10, 12, 11, 303, CITY),
        };
        Plan {
            streets,
            communities,
            grids,
            households,
            sizes,
        }
    }
}

pub struct Summary {
    pub streets: i64,
    pub communities: i64,
    pub grids: i64,
    pub estates: i64,
    pub buildings: i64,
    pub dwellings: i64,
    pub households: i64,
    pub persons: i64,
    pub tags: i64,
    pub rentals: i64,
    /// Cases, home visits and hazards (see `records`).
    pub cases: i64,
    pub visits: i64,
    pub hazards: i64,
    /// Patrol logs of the first community's teams (see `patrols`).
    pub patrol_logs: i64,
    /// Photos attached to the first community's hazards (see `photos`).
    pub photos: i64,
    /// (username, password, role label in Chinese)
    pub users: Vec<(String, String, String)>,
    pub seconds: f64,
}

/// True when the database holds no area nodes (the only state `generate` fills).
pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) FROM nodes")
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get::<i64, _>(0)? == 0)
}

/// The first street, community, grids and building: where the demo accounts work.
#[derive(Default)]
struct Firsts {
    street: i64,
    community: i64,
    grids: Vec<i64>,
    building: i64,
}

/// Generates the demo data of `scale` into an empty database.
pub async fn generate(db: &Db, scale: Scale, progress: &dyn Fn(&str)) -> anyhow::Result<Summary> {
    let started = Instant::now();
    if !is_empty(db).await? {
        anyhow::bail!("数据库中已有区域数据,演示数据只能生成到空数据库中 (the database already holds area nodes; demo data is generated only into an empty database)");
    }
    tags::ensure_builtin(db).await?;
    let tag_types: HashMap<String, i64> = sqlx::query("SELECT code, id FROM tag_types")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect();
    let plan = scale.plan();
    let mut conn = db.pool.acquire().await?;
    if db.dialect == Dialect::Sqlite {
        sqlx::query("PRAGMA cache_size = -131072")
            .execute(&mut *conn)
            .await?;
    }
    let mut ids = rows::Ids {
        node: bulk::next_id(&mut conn, "nodes").await?,
        household: bulk::next_id(&mut conn, "households").await?,
        person: bulk::next_id(&mut conn, "persons").await?,
        event: bulk::next_id(&mut conn, "person_events").await?,
        period: bulk::next_id(&mut conn, "residence_periods").await?,
        tag: bulk::next_id(&mut conn, "person_tags").await?,
        rental: bulk::next_id(&mut conn, "rentals").await?,
    };
    let first_person = ids.person;
    let mut records = records::Records::new(&mut conn).await?;
    let mean: f64 = plan
        .sizes
        .iter()
        .map(|(s, w)| (*s as u32 * w) as f64)
        .sum::<f64>()
        / plan.sizes.iter().map(|(_, w)| *w as f64).sum::<f64>();
    let total_communities = plan.streets * plan.communities;
    let target = (total_communities * plan.grids * plan.households) as f64 * mean * 1.02;
    let mut rng = StdRng::seed_from_u64(2026);
    let community_names = names::communities();
    let mut out = rows::Out::new();
    let mut firsts = Firsts::default();
    for s in 0..plan.streets {
        let street_code = format!("{}{:03}", names::LOCAL_REGION, s + 1);
        let street_name = names::STREETS[s % names::STREETS.len()];
        let street = tree::node(
            &mut out.nodes,
            &mut ids.node,
            &tree::Anc::root(),
            "street",
            street_name.to_string(),
            Some(street_code.clone()),
        );
        let mut id_numbers: HashSet<String> = HashSet::new();
        let mut used_estates: HashSet<String> = HashSet::new();
        for c in 0..plan.communities {
            let ci = s * plan.communities + c;
            let cname = community_names[ci % community_names.len()].clone();
            let ccode = format!("{street_code}{:03}", c + 1);
            let community = tree::node(
                &mut out.nodes,
                &mut ids.node,
                &street,
                "community",
                cname.clone(),
                Some(ccode.clone()),
            );
            let mut seq = 0usize;
            for g in 0..plan.grids {
                let grid = tree::node(
                    &mut out.nodes,
                    &mut ids.node,
                    &community,
                    "grid",
                    format!("第{}网格", people::cn_number(g + 1)),
                    Some(format!("{ccode}{:02}", g + 1)),
                );
                let places = tree::grid(
                    &mut rng,
                    &mut out.nodes,
                    &mut ids.node,
                    &grid,
                    plan.households,
                    &mut used_estates,
                );
                if ci == 0 {
                    firsts.street = street.street.unwrap_or(0);
                    firsts.community = community.community.unwrap_or(0);
                    firsts.grids.push(grid.grid.unwrap_or(0));
                    if g == 0 {
                        firsts.building = places.first().map_or(0, |p| p.building_id);
                    }
                }
                let first_household = ids.household;
                for place in &places {
                    seq += 1;
                    let size = names::weighted(&mut rng, plan.sizes);
                    let full = format!(
                        "{}{street_name}{}{}",
                        names::LOCAL_PREFIX,
                        cname,
                        place.address
                    );
                    let h = people::household(&mut rng, size, &full, &mut id_numbers);
                    let number = format!("H{:02}{:02}{:05}", s + 1, c + 1, seq);
                    out.household(&mut rng, &mut ids, place, number, h, &cname, &tag_types);
                }
                let worker = names::WORKERS[(ci * plan.grids + g) % names::WORKERS.len()];
                records.grid(&places, first_household, worker);
            }
            let mut tx = conn.begin().await?;
            out.flush(&mut tx, db.dialect).await?;
            records.flush(&mut tx, db.dialect).await?;
            tx.commit().await?;
            progress(&format!(
                "persons {}/~{} (社区 {}/{} {}{})",
                out.persons.written,
                target.round() as i64,
                ci + 1,
                total_communities,
                street_name,
                cname
            ));
        }
    }
    progress("person_id_grams");
    let mut tx = conn.begin().await?;
    let grams = bulk::id_grams(&mut tx, db.dialect, first_person).await?;
    tx.commit().await?;
    progress(&format!("person_id_grams {grams}"));
    let counts = node_counts(&mut conn).await?;
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    bulk::advance_sequences(
        db,
        &mut conn,
        &[
            "nodes",
            "households",
            "persons",
            "person_events",
            "residence_periods",
            "person_tags",
            "rentals",
        ]
        .into_iter()
        .chain(records::TABLES)
        .collect::<Vec<_>>(),
    )
    .await?;
    progress("analyze");
    settle(db, &mut conn, &[]).await?;
    drop(conn);
    progress("accounts");
    let mut users = create_users(db, &firsts).await?;
    // The resident account reports one request from the portal.
    let resident = portal::create(db, firsts.building).await?;
    let portal_cases = resident.is_some() as i64;
    users.extend(resident);
    progress("governance");
    governance::generate(db, firsts.community).await?;
    progress("patrols");
    let worker = sqlx::query("SELECT id, display_name FROM users WHERE username = 'wangge1'")
        .fetch_optional(&db.pool)
        .await?
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)));
    let patrol_logs = patrols::generate(db, firsts.community, &firsts.grids, worker).await? as i64;
    progress("photos");
    let photos = photos::generate(db, firsts.community).await? as i64;
    progress("services");
    services::generate(db, firsts.community, &firsts.grids).await?;
    progress("welfare");
    welfare::generate(db, firsts.street, firsts.community, firsts.grids[0]).await?;
    progress("standards");
    standards::generate(db, firsts.community).await?;
    progress("devices");
    devices::generate(db, &firsts.grids).await?;
    progress("admission");
    admission::generate(db, firsts.street, firsts.community).await?;
    Ok(Summary {
        streets: count("street"),
        communities: count("community"),
        grids: count("grid"),
        estates: count("estate"),
        buildings: count("building"),
        dwellings: count("dwelling"),
        households: out.households.written,
        persons: out.persons.written,
        tags: out.tags.written,
        rentals: out.rentals.written,
        cases: records.written().0 + portal_cases,
        visits: records.written().1,
        hazards: records.written().2,
        patrol_logs,
        photos,
        users,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn node_counts(conn: &mut sqlx::AnyConnection) -> anyhow::Result<HashMap<String, i64>> {
    Ok(
        sqlx::query("SELECT kind, COUNT(*) FROM nodes GROUP BY kind")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
            .collect(),
    )
}

/// The demo accounts, in the first street and community. An existing username is left as it is.
async fn create_users(db: &Db, f: &Firsts) -> anyhow::Result<Vec<(String, String, String)>> {
    let grid = |i: usize| f.grids.get(i).copied().into_iter().collect::<Vec<_>>();
    let accounts = [
        ("admin", "赵立新", Role::StreetAdmin, vec![], vec![]),
        ("shuji", "孙慧敏", Role::CommunityHead, vec![], vec![]),
        ("shegong", "李静怡", Role::SocialWorker, vec![], vec![]),
        ("wangge1", "刘志强", Role::GridWorker, grid(0), vec![]),
        ("wangge2", "陈晓燕", Role::GridWorker, grid(1), vec![]),
        (
            "louzu",
            "张德福",
            Role::BuildingLeader,
            vec![],
            vec![f.building],
        ),
    ];
    let mut out = Vec::new();
    for (username, display, role, grids, buildings) in accounts {
        let exists = sqlx::query("SELECT 1 FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&db.pool)
            .await?;
        if exists.is_some() || (role == Role::GridWorker && grids.is_empty()) {
            continue;
        }
        let u = NewUser {
            username: username.into(),
            display_name: display.into(),
            password: DEMO_PASSWORD.into(),
            role,
            street_id: Some(f.street),
            community_id: Some(f.community),
            grids,
            buildings,
        };
        users::create(db, &Actor::system(), &u)
            .await
            .map_err(|e| anyhow::anyhow!("创建演示账号 {username} 失败: {e}"))?;
        out.push((
            username.to_string(),
            DEMO_PASSWORD.to_string(),
            role.label_zh().to_string(),
        ));
    }
    Ok(out)
}

/// After a bulk write: the per-scope case counts rebuilt (the cases were written past them), and statistics
/// for the query planner — sampled on SQLite, so that it takes seconds, not minutes; on PostgreSQL of `tables`
/// (every table when empty), with VACUUM as well: it sets the visibility map, without which PostgreSQL will not
/// plan index-only scans and walked the primary key backwards for the person list (1.1 s per page; 12 ms
/// after).
pub(crate) async fn settle(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    tables: &[&str],
) -> anyhow::Result<()> {
    crate::cases::counts::rebuild(db).await?;
    if db.dialect == Dialect::Sqlite {
        for sql in [
            "PRAGMA cache_size = -2000",
            "PRAGMA analysis_limit = 1000",
            "ANALYZE",
        ] {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
    } else if tables.is_empty() {
        sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await?;
    } else {
        for t in tables {
            sqlx::query(&format!("VACUUM ANALYZE {t}"))
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
