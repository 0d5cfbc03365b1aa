//! Constraint races (issue 13): 20 concurrent creates of the same ID number over HTTP and of the same account
//! name: exactly one succeeds, the others get the pre-check's message as a 409 (Conflict), none a 500.

use reqwest::StatusCode;
use shequ::accounts::{users, Actor, Role};
use shequ::error::Error;

use crate::support::{id, person_json, App};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_get_one_success_and_clear_conflicts() {
    let app = App::start().await;
    let w = &app.world;
    let s = std::sync::Arc::new(app.login("wangge1").await);
    let number = id("1990-05-06", 321);
    let mut tasks = Vec::new();
    let names = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉";
    for given in names.chars() {
        let s = s.clone();
        let body = person_json(&format!("并发{given}"), &number, w.household1);
        tasks.push(tokio::spawn(async move {
            s.post_json("/api/persons", body).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (st, body) = t.await.unwrap();
        match st {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => assert!(
                body.to_string()
                    .contains(shequ::db::constraints::DUPLICATE_PERSON),
                "{body}"
            ),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok, 1);
    let (_, found) = s
        .get_json(&format!("/api/persons?q={}", &number[14..]))
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1);

    let mut tasks = Vec::new();
    for _ in 0..20 {
        let db = app.db.clone();
        let street = w.street_a;
        tasks.push(tokio::spawn(async move {
            users::create(
                &db,
                &Actor::system(),
                &users::NewUser {
                    username: "tongming".into(),
                    display_name: "同名".into(),
                    password: "long-enough-1".into(),
                    role: Role::StreetAdmin,
                    street_id: Some(street),
                    community_id: None,
                    grids: vec![],
                    buildings: vec![],
                },
            )
            .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Conflict { message, .. }) => {
                assert_eq!(message, shequ::db::constraints::DUPLICATE_USERNAME)
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 1);
}
