//! How many SQL statements a device message costs (issue 22): counted from sqlx's own statement log
//! (target `sqlx::query`, one event per statement executed, BEGIN and COMMIT included) by a tracing layer.
//! The layer is process-wide, so the test is ignored in the suite and run alone:
//! `cargo test -p shequ --test it devices_statements -- --ignored --nocapture` (and with
//! SHEQU_TEST_DATABASE_URL for PostgreSQL).

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::json;
use shequ::devices::intake::{self, Signed, Target, Via};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::support::App;

type Log = Arc<Mutex<Option<Vec<String>>>>;

struct Count(Log);

struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
        if f.name() == "summary" {
            self.0 = v.to_string();
        }
    }
    fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
        if f.name() == "summary" {
            self.0 = format!("{v:?}");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Count {
    fn on_event(&self, e: &tracing::Event<'_>, _: Context<'_, S>) {
        if e.metadata().target() == "sqlx::query" {
            let mut s = Summary(String::new());
            e.record(&mut s);
            if let Some(list) = self.0.lock().unwrap().as_mut() {
                list.push(s.0);
            }
        }
    }
}

async fn counted<F: std::future::Future<Output = T>, T>(log: &Log, f: F) -> (T, Vec<String>) {
    *log.lock().unwrap() = Some(Vec::new());
    let out = f.await;
    let seen = log.lock().unwrap().take().unwrap();
    (out, seen)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "process-wide statement log: run alone"]
async fn devices_statements_per_message() {
    let log: Log = Arc::new(Mutex::new(None));
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(Count(log.clone())),
    );
    let app = App::start().await;
    let admin = app.login("admin").await;
    let (st, d) = admin
        .post_json(
            "/api/devices",
            json!({"code": "SMK-COUNT", "name": "一号楼烟感", "kind": "smoke", "location_id": app.world.building1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let dev = d["device"]["id"].as_i64().unwrap();
    let secret = d["secret"].as_str().unwrap().to_string();
    let send = |id: &str| {
        let body = json!({"type": "smoke", "id": id, "message": "烟雾浓度超限"}).to_string();
        let ts = chrono::Utc::now().timestamp().to_string();
        let sig = shequ::devices::sign(&secret, &ts, body.as_bytes());
        (body, ts, sig)
    };
    let mut report = Vec::new();
    for (what, id) in [
        ("first alarm (opens a case)", "c-1"),
        ("repeated alarm (joins it)", "c-2"),
        ("replay", "c-2"),
        ("another repeated alarm", "c-3"),
    ] {
        let (body, ts, sig) = send(id);
        let msg = Signed {
            timestamp: &ts,
            signature: &sig,
            body: body.as_bytes(),
        };
        let now = chrono::Utc::now().naive_utc();
        let (out, stmts) = counted(
            &log,
            intake::receive(&app.db, Target::Id(dev), msg, now, Via::Http),
        )
        .await;
        let out = out.unwrap();
        println!(
            "{what}: {} statements {:?}\n  {}",
            stmts.len(),
            out.as_ref().map(|o| o.joined),
            stmts.join("\n  ")
        );
        // BEGIN, COMMIT and ROLLBACK aside (PostgreSQL logs the last two, SQLite none).
        let work = stmts
            .iter()
            .filter(|s| !matches!(s.as_str(), "BEGIN" | "COMMIT" | "ROLLBACK"))
            .count();
        report.push((what, work, out.map(|o| o.joined)));
    }
    let hb = json!({"battery": 80, "signal": -70}).to_string();
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = shequ::devices::sign(&secret, &ts, hb.as_bytes());
    let msg = Signed {
        timestamp: &ts,
        signature: &sig,
        body: hb.as_bytes(),
    };
    let now = chrono::Utc::now().naive_utc();
    let (out, stmts) = counted(
        &log,
        intake::heartbeat(&app.db, Target::Id(dev), msg, now, Via::Http),
    )
    .await;
    out.unwrap().unwrap();
    println!(
        "heartbeat: {} statements\n  {}",
        stmts.len(),
        stmts.join("\n  ")
    );
    assert_eq!(report[1].2, Ok(true));
    // A repeated alarm: the device with its type and last case, its event row (the replay key), the case's
    // trail entry, the device's last seen time.
    assert!(report[1].1 <= 4 && report[3].1 <= 4, "{report:?}");
    assert!(report[2].2.is_err(), "the replay is refused");
    assert_eq!(report[3].2, Ok(true));
}
