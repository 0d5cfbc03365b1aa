//! The demo generator on real databases: SQLite always, PostgreSQL when `SHEQU_TEST_DATABASE_URL` holds a server URL
//! (each run in a fresh schema). Generates the tiny scale and checks facts about what was written.
//! `cargo test --release --test demo_gen -- --ignored district --nocapture` times the district scale.

use std::collections::{BTreeMap, HashMap};

use shequ::accounts::{users, Actor, Scope};
use shequ::db::{Db, Dialect};
use shequ::demo::{self, Scale, DEMO_PASSWORD};
use shequ::registry::{idcard, nodes, persons, population, search, search_keys, tags};
use sqlx::Row;

/// A fresh database: a temp SQLite file, or a new schema on the PostgreSQL server.
struct TestDb {
    db: Db,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        let db = Db::connect(path.to_str().unwrap()).await.unwrap();
        TestDb {
            db,
            _dir: Some(dir),
            pg: None,
        }
    }

    async fn postgres(base: &str) -> TestDb {
        let schema = format!("demo_{}_{}", std::process::id(), rand::random::<u32>());
        let admin = sqlx::PgPool::connect(base).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        let db = Db::connect(&url).await.unwrap();
        TestDb {
            db,
            _dir: None,
            pg: Some((base.to_string(), schema)),
        }
    }

    async fn drop(self) {
        self.db.pool.close().await;
        if let Some((base, schema)) = self.pg {
            let admin = sqlx::PgPool::connect(&base).await.unwrap();
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&admin)
                .await
                .unwrap();
        }
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get::<i64, _>(0)
}

async fn names_and_numbers(db: &Db) -> Vec<(String, String)> {
    sqlx::query("SELECT name, id_number FROM persons ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// The demo records in a comparable form.
async fn records(db: &Db) -> Vec<String> {
    let mut out = vec![];
    for sql in [
        "SELECT number || title || state || created_at FROM cases ORDER BY id",
        "SELECT household_id || visited_on || kind FROM visits ORDER BY id",
        "SELECT number || state || rectify_by FROM hazards ORDER BY id",
        "SELECT started_at || patrollers || grid_id FROM patrol_logs ORDER BY id",
        "SELECT on_date || starts || team_id FROM patrol_shifts ORDER BY id",
        "SELECT owner_kind || owner_id || purpose || sha256 FROM attachments ORDER BY id",
    ] {
        for r in sqlx::query(sql).fetch_all(&db.pool).await.unwrap() {
            out.push(r.get::<String, _>(0));
        }
    }
    out
}

async fn check_tiny(db: &Db) {
    let s = demo::generate(db, Scale::Tiny, &|_| {}).await.unwrap();
    assert_eq!((s.streets, s.communities, s.grids), (1, 1, 2));
    assert!(s.estates >= 2 && s.buildings >= 2 && s.dwellings >= s.households);
    assert!((40..=90).contains(&s.households), "{}", s.households);
    assert!((90..=260).contains(&s.persons), "{}", s.persons);
    assert!(s.tags > 0);
    assert_eq!(s.users.len(), 7, "six workers and the resident jumin");
    assert!(!demo::is_empty(db).await.unwrap());
    assert_eq!(count(db, "SELECT COUNT(*) FROM persons").await, s.persons);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM households").await,
        s.households
    );
    // The registry's tags, and those the welfare records add as their events say (the 低保 tag follows them).
    assert!(count(db, "SELECT COUNT(*) FROM person_tags").await >= s.tags);
    assert_eq!(count(db, "SELECT COUNT(*) FROM rentals").await, s.rentals);
    check_records(db, &s).await;

    // The tree: paths and ancestor columns agree with parents; a level's own column holds its own id.
    let rows = sqlx::query("SELECT id, kind, parent_id, path, street_id, community_id, grid_id, estate_id, building_id FROM nodes ORDER BY id")
        .fetch_all(&db.pool).await.unwrap();
    let mut by_id: HashMap<i64, (String, String, [Option<i64>; 5])> = HashMap::new();
    for r in &rows {
        let id: i64 = r.get(0);
        let kind: String = r.get(1);
        let parent: Option<i64> = r.get(2);
        let path: String = r.get(3);
        let anc: [Option<i64>; 5] = [r.get(4), r.get(5), r.get(6), r.get(7), r.get(8)];
        let level = ["street", "community", "grid", "estate", "building"]
            .iter()
            .position(|k| *k == kind);
        match parent {
            None => assert_eq!(path, format!("/{id}/")),
            Some(p) => {
                let (_, ppath, panc) = &by_id[&p];
                assert_eq!(path, format!("{ppath}{id}/"));
                for (i, a) in anc.iter().enumerate() {
                    if Some(i) != level {
                        assert_eq!(a, &panc[i], "node {id} column {i}");
                    }
                }
            }
        }
        if let Some(l) = level {
            assert_eq!(anc[l], Some(id), "own column of {kind} {id}");
        }
        by_id.insert(id, (kind, path, anc));
    }

    // Persons and households agree on where they live; households sit on dwellings of their grid.
    let mismatched = count(db, "SELECT COUNT(*) FROM persons p JOIN households h ON h.id = p.household_id \
        WHERE p.grid_id <> h.grid_id OR p.community_id <> h.community_id OR p.street_id <> h.street_id OR p.building_id <> h.building_id").await;
    assert_eq!(mismatched, 0);
    let bad_dwellings = count(
        db,
        "SELECT COUNT(*) FROM households h JOIN nodes d ON d.id = h.dwelling_id \
        WHERE d.kind <> 'dwelling' OR d.grid_id <> h.grid_id OR d.building_id <> h.building_id",
    )
    .await;
    assert_eq!(bad_dwellings, 0);
    assert_eq!(count(db, "SELECT COUNT(*) FROM households h WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id AND p.relation = '户主')").await, 0);

    // Every person passes the registry's own validation, and the ID number matches birth date and sex.
    let today = shequ::db::today();
    let all = sqlx::query_as::<_, persons::Person>(&format!(
        "SELECT {} FROM persons ORDER BY id",
        persons::COLS
    ))
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for p in &all {
        let id = p.id_number.clone().unwrap();
        let info = idcard::parse(&id, today).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            p.birth_date.as_deref(),
            Some(info.birth_date.to_string().as_str())
        );
        assert_eq!(p.sex.as_deref(), Some(if info.male { "男" } else { "女" }));
        let input = persons::PersonInput {
            name: p.name.clone(),
            id_type: p.id_type.clone(),
            id_number: id.clone(),
            sex: p.sex.clone().unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
            phone2: p.phone2.clone().unwrap_or_default(),
            ethnicity: p.ethnicity.clone().unwrap_or_default(),
            political_status: p.political_status.clone().unwrap_or_default(),
            education: p.education.clone().unwrap_or_default(),
            employment: p.employment.clone().unwrap_or_default(),
            health: p.health.clone().unwrap_or_default(),
            hukou_type: p.hukou_type.clone(),
            hukou_address: p.hukou_address.clone().unwrap_or_default(),
            residence_address: p.residence_address.clone().unwrap_or_default(),
            household_id: p.household_id,
            relation: p.relation.clone().unwrap_or_default(),
            ..Default::default()
        };
        persons::validate_input(&input, today).unwrap_or_else(|e| panic!("{}: {e:?}", p.name));
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM (SELECT street_id, id_number FROM persons GROUP BY street_id, id_number HAVING COUNT(*) > 1) d").await, 0);

    // The dated population: living persons are the open residence periods, and the past had fewer.
    let living = count(db, "SELECT COUNT(*) FROM persons WHERE status = '在住'").await;
    assert!(living < s.persons || s.persons < 120, "some have left");
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM residence_periods WHERE to_date IS NULL"
        )
        .await,
        living
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM residence_periods").await,
        s.persons
    );
    let sys = Actor::system();
    assert_eq!(population::count_on(db, &sys, today).await.unwrap(), living);
    let then = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    assert!(population::count_on(db, &sys, then).await.unwrap() < living);
    assert_eq!(count(db, "SELECT COUNT(*) FROM persons p WHERE status <> '在住' AND NOT EXISTS \
        (SELECT 1 FROM person_events e WHERE e.person_id = p.id AND e.kind IN ('move_out', 'death'))").await, 0);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM person_events WHERE kind = 'move_in'"
        )
        .await,
        s.persons
    );

    // Tags: valid fields for their type; every floating resident and party member is tagged.
    let types: BTreeMap<i64, tags::TagType> = tags::types(db, &sys)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    for r in sqlx::query("SELECT tag_type_id, fields FROM person_tags")
        .fetch_all(&db.pool)
        .await
        .unwrap()
    {
        let t = &types[&r.get::<i64, _>(0)];
        let v: serde_json::Value = serde_json::from_str(&r.get::<String, _>(1)).unwrap();
        let values = tags::values_from_json(&v);
        let clean = tags::check_fields(t, &values).unwrap_or_else(|e| panic!("{}: {e:?}", t.name));
        assert_eq!(clean, values, "{}", t.name);
    }
    let tagged = |code: &str| {
        format!("SELECT COUNT(*) FROM person_tags pt JOIN tag_types t ON t.id = pt.tag_type_id WHERE t.code = '{code}'")
    };
    assert_eq!(
        count(db, &tagged("floating")).await,
        count(
            db,
            "SELECT COUNT(*) FROM persons WHERE hukou_type = '流动人口' AND status = '在住'"
        )
        .await
    );
    assert_eq!(
        count(db, &tagged("party_member")).await,
        count(
            db,
            "SELECT COUNT(*) FROM persons WHERE political_status = '中共党员' AND status = '在住'"
        )
        .await
    );

    // Rentals: tenants live at the rented dwelling.
    assert_eq!(count(db, "SELECT COUNT(*) FROM rental_tenants rt JOIN rentals r ON r.id = rt.rental_id \
        JOIN persons p ON p.id = rt.person_id JOIN households h ON h.id = p.household_id WHERE h.dwelling_id <> r.dwelling_id").await, 0);

    // ID grams are exactly what the registry writes for a person, and search finds by them.
    let expected: usize = all
        .iter()
        .map(|p| search_keys::id_grams(p.id_number.as_deref().unwrap()).len())
        .sum();
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM person_id_grams").await,
        expected as i64
    );
    // … each kept with the person's street (a scoped search reads its street's part only).
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM person_id_grams g JOIN persons p ON p.id = g.person_id WHERE g.street_id <> p.street_id"
        )
        .await,
        0
    );
    let first = &all[0];
    let grams: Vec<String> =
        sqlx::query("SELECT gram FROM person_id_grams WHERE person_id = $1 ORDER BY gram")
            .bind(first.id)
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(
        grams,
        search_keys::id_grams(first.id_number.as_deref().unwrap())
    );
    let initials = search_keys::pinyin_keys(&first.name).1;
    let found = search::search(db, &sys, &initials, 50).await.unwrap();
    assert!(found.iter().any(|p| p.id == first.id) || found.len() == 50);
    let frag: String = first.id_number.as_deref().unwrap()[8..14].to_string();
    let found = search::search(db, &sys, &frag, 50).await.unwrap();
    assert!(found.iter().any(|p| p.id == first.id));

    // Accounts log in and see their scope.
    let uid = users::login(db, "wangge1", DEMO_PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let actor = users::actor(db, uid).await.unwrap();
    assert!(matches!(actor.scope, Scope::Grids { ref grids, .. } if grids.len() == 1));
    for u in ["admin", "shuji", "shegong", "wangge2", "louzu"] {
        users::login(db, u, DEMO_PASSWORD, "127.0.0.1")
            .await
            .unwrap();
    }
    let visible = persons::count(db, &actor).await.unwrap();
    assert!(visible > 0 && visible < living, "{visible} of {living}");

    // Normal inserts still work after explicit ids (PostgreSQL identity sequences were advanced).
    let community: i64 = count(db, "SELECT id FROM nodes WHERE kind = 'community'").await;
    let max = count(db, "SELECT MAX(id) FROM nodes").await;
    let input = nodes::NodeInput {
        name: "新建网格".into(),
        code: None,
    };
    let n = nodes::create(db, &sys, Some(community), nodes::Kind::Grid, &input)
        .await
        .unwrap();
    assert!(n.id > max);

    // A second run on the same database is refused.
    let err = demo::generate(db, Scale::Tiny, &|_| {})
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("空数据库"), "{err}");
}

/// Cases, visits and hazards: plausible numbers per grid, consistent with the registry and the loop.
async fn check_records(db: &Db, s: &demo::Summary) {
    // The summary's cases are the records' (the demo devices' alarm cases come on top, issue 22).
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM cases WHERE source <> '设备报警'").await,
        s.cases
    );
    assert!(count(db, "SELECT COUNT(*) FROM cases WHERE source = '设备报警'").await > 0);
    // The generator's visits, and the welfare applications' 入户核查 recorded as visits.
    assert!(count(db, "SELECT COUNT(*) FROM visits").await >= s.visits);
    assert_eq!(count(db, "SELECT COUNT(*) FROM hazards").await, s.hazards);
    assert!((10..=22).contains(&s.cases), "{} cases in 2 grids", s.cases);
    assert!((2..=8).contains(&s.hazards), "{} hazards", s.hazards);
    // Photos of the first community's hazards: one of what was found on each, a rectification photo on the
    // rectified ones only; all PNG pictures.
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM attachments").await,
        s.photos
    );
    assert!(s.photos >= 2, "{} photos", s.photos);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM attachments a JOIN hazards h ON h.id = a.owner_id \
             WHERE a.owner_kind = 'hazard' AND a.purpose = 'rectification' AND h.state <> 'rectified'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM attachments WHERE content_type <> 'image/png' OR owner_kind <> 'hazard'"
        )
        .await,
        0
    );
    // Patrols of the first community: three teams, evening shifts every other day for four weeks, the logs
    // of the rounds up to the reference date, each made by the shift's two members, some with a finding.
    assert_eq!(count(db, "SELECT COUNT(*) FROM patrol_teams").await, 3);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM patrol_shifts").await,
        3 * 14
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM patrol_logs").await,
        s.patrol_logs
    );
    assert!(
        (18..=24).contains(&s.patrol_logs),
        "{} patrol logs",
        s.patrol_logs
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM patrol_logs WHERE patrollers NOT LIKE '%、%'"
        )
        .await,
        0,
        "every round names the shift's two members"
    );
    assert!(count(db, "SELECT COUNT(*) FROM patrol_findings").await >= 6);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM patrol_members m JOIN users u ON u.id = m.user_id WHERE u.username = 'wangge1'"
        )
        .await,
        1,
        "the first grid's worker patrols with her grid's team"
    );
    // About 7 households in 10 visited in the year, each visit in its household's grid.
    let visited = count(db, "SELECT COUNT(DISTINCT household_id) FROM visits").await;
    let share = visited as f64 / s.households as f64;
    assert!(
        (0.5..=0.9).contains(&share),
        "{visited} of {} households visited",
        s.households
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM visits v JOIN households h ON h.id = v.household_id \
                   WHERE h.grid_id <> v.grid_id OR h.building_id <> v.building_id"
        )
        .await,
        0
    );
    // Every case has its trail, closed ones up to the rating; scope columns match the location.
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e \
                   WHERE e.case_id = c.id AND e.kind = 'create')"
        )
        .await,
        0
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM cases c WHERE c.state = 'rated' AND (c.rating IS NULL OR NOT EXISTS \
                   (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.kind = 'rate'))").await,
        0
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM cases c JOIN nodes n ON n.id = c.location_node_id \
                   WHERE n.grid_id <> c.grid_id"
        )
        .await,
        0
    );
    // The sequences moved past the generated ids: a new row gets a fresh id.
    let max_event = count(db, "SELECT MAX(id) FROM case_events").await;
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO case_events (case_id, kind, who, at) VALUES (1, 'note', 'x', '2026-07-01 00:00:00') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(next > max_event);
}

#[tokio::test]
async fn tiny_on_sqlite() {
    let t = TestDb::sqlite().await;
    assert_eq!(t.db.dialect, Dialect::Sqlite);
    assert!(demo::is_empty(&t.db).await.unwrap());
    check_tiny(&t.db).await;
    t.drop().await;
}

#[tokio::test]
async fn tiny_on_postgres() {
    let Ok(base) = pg_url() else {
        eprintln!("SHEQU_TEST_DATABASE_URL is not a postgres:// URL: skipping PostgreSQL");
        return;
    };
    let t = TestDb::postgres(&base).await;
    assert_eq!(t.db.dialect, Dialect::Postgres);
    check_tiny(&t.db).await;
    t.drop().await;
}

#[tokio::test]
async fn same_data_every_time_and_on_both_backends() {
    let a = TestDb::sqlite().await;
    let b = TestDb::sqlite().await;
    demo::generate(&a.db, Scale::Tiny, &|_| {}).await.unwrap();
    demo::generate(&b.db, Scale::Tiny, &|_| {}).await.unwrap();
    let first = names_and_numbers(&a.db).await;
    assert!(!first.is_empty());
    assert_eq!(first, names_and_numbers(&b.db).await);
    assert_eq!(records(&a.db).await, records(&b.db).await);
    if let Ok(base) = pg_url() {
        let p = TestDb::postgres(&base).await;
        demo::generate(&p.db, Scale::Tiny, &|_| {}).await.unwrap();
        assert_eq!(first, names_and_numbers(&p.db).await);
        assert_eq!(records(&a.db).await, records(&p.db).await);
        p.drop().await;
    }
    a.drop().await;
    b.drop().await;
}

/// Times a scale by hand: `SHEQU_DEMO_SCALE=district SHEQU_DEMO_DB=/tmp/d.db cargo test --release --test
/// demo_gen -- --ignored district --nocapture` (the database URL may also be PostgreSQL).
#[tokio::test]
#[ignore]
async fn district_by_hand() {
    use clap::ValueEnum;
    let scale = std::env::var("SHEQU_DEMO_SCALE").unwrap_or_else(|_| "district".into());
    let scale = Scale::from_str(&scale, true).unwrap();
    let url = std::env::var("SHEQU_DEMO_DB").unwrap_or_else(|_| "/tmp/shequ-district.db".into());
    let db = Db::connect(&url).await.unwrap();
    let s = demo::generate(&db, scale, &|line| eprintln!("{line}"))
        .await
        .unwrap();
    eprintln!(
        "scale {scale:?}: {} streets, {} communities, {} grids, {} estates, {} buildings, {} dwellings, \
         {} households, {} persons, {} tags, {} rentals in {:.1} s",
        s.streets, s.communities, s.grids, s.estates, s.buildings, s.dwellings, s.households, s.persons,
        s.tags, s.rentals, s.seconds
    );
}

/// The PostgreSQL server the suite runs against, if any (the same variable as the integration tests).
fn pg_url() -> Result<String, std::env::VarError> {
    std::env::var("SHEQU_TEST_DATABASE_URL").and_then(|u| {
        if u.starts_with("postgres") {
            Ok(u)
        } else {
            Err(std::env::VarError::NotPresent)
        }
    })
}
