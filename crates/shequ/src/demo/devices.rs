//! Demo devices in the first community, registered through the same function as the API: a camera per
//! estate, smoke sensors in the first buildings, a door sensor, and an 安康通 for the oldest residents with an
//! emergency contact. A year of alarms before the reference date: each device's alarms are cases of its
//! category (source 设备报警, closed and rated) with their accepted events, so the device indicators and the
//! alarm ledger have a year of figures. Heartbeats: every device heard from a few minutes
//! ago except one camera of the first grid, silent for two days (it shows on 网格员's 工作台).

use chrono::Duration;
use sqlx::Row;

use super::case_rows::{self, number, Case, CaseRows, Location, Step};
use super::REF;
use crate::accounts::Actor;
use crate::cases::fmt_ts;
use crate::db::Db;
use crate::devices::{self, DeviceInput};

async fn places(db: &Db, kind: &str, grid: i64, n: i64) -> anyhow::Result<Vec<sqlx::any::AnyRow>> {
    Ok(sqlx::query(&format!(
        "SELECT id, name FROM nodes WHERE kind = $1 AND grid_id = $2 AND archived = 0 ORDER BY id LIMIT {n}"
    ))
    .bind(kind.to_string())
    .bind(grid)
    .fetch_all(&db.pool)
    .await?)
}

/// Registers the devices and their history; returns how many devices.
pub async fn generate(db: &Db, grids: &[i64]) -> anyhow::Result<usize> {
    let sys = Actor::system();
    let mut made: Vec<(i64, &'static str, i64)> = Vec::new();
    for (g, grid) in grids.iter().take(2).enumerate() {
        #[allow(clippy::type_complexity)]
        let mut plan: Vec<(String, String, &'static str, i64, Option<(i64, String)>)> = Vec::new();
        for r in places(db, "estate", *grid, 2).await? {
            let name: String = r.get(1);
            plan.push((
                format!("CAM-{g}-{}", r.get::<i64, _>(0)),
                format!("{name}大门摄像头"),
                "camera",
                r.get(0),
                None,
            ));
        }
        for (i, r) in places(db, "building", *grid, 4)
            .await?
            .into_iter()
            .enumerate()
        {
            let name: String = r.get(1);
            plan.push((
                format!("SMK-{g}-{}", r.get::<i64, _>(0)),
                format!("{name}楼道烟感"),
                "smoke",
                r.get(0),
                None,
            ));
            if i == 0 {
                plan.push((
                    format!("DOOR-{g}-{}", r.get::<i64, _>(0)),
                    format!("{name}单元门磁"),
                    "door",
                    r.get(0),
                    None,
                ));
            }
        }
        let elderly = sqlx::query(
            "SELECT p.id, h.dwelling_id, p.name FROM persons p JOIN households h ON h.id = p.household_id \
             WHERE p.grid_id = $1 AND p.archived = 0 AND p.birth_date IS NOT NULL ORDER BY p.birth_date, p.id LIMIT 3",
        )
        .bind(*grid)
        .fetch_all(&db.pool)
        .await?;
        for (i, r) in elderly.into_iter().enumerate() {
            let name: String = r.get(2);
            plan.push((
                format!("SOS-{g}-{}", r.get::<i64, _>(0)),
                format!("{name}家安康通"),
                "sos",
                r.get(1),
                Some((
                    r.get(0),
                    format!("1390{g}{i}{:05}", r.get::<i64, _>(0) % 100_000),
                )),
            ));
        }
        for (code, name, kind, place, person) in plan {
            let d = devices::register(
                db,
                &sys,
                &DeviceInput {
                    code,
                    name,
                    kind: kind.into(),
                    location_id: place,
                    person_id: person.as_ref().map(|p| p.0),
                    contact_name: person.as_ref().map(|_| "子女".to_string()),
                    contact_phone: person.map(|p| p.1),
                },
            )
            .await?;
            made.push((d.device.id, kind, *grid));
        }
    }
    let now = chrono::Utc::now().naive_utc();
    alarms(db, &made).await?;
    notifications(db, &made).await?;
    for (i, (dev, kind, _)) in made.iter().enumerate() {
        // Heard from a few minutes ago; the first camera silent for two days.
        let silent = *kind == "camera" && made.iter().position(|d| d.1 == "camera") == Some(i);
        let seen = if silent {
            now - Duration::days(2)
        } else {
            now - Duration::minutes(3 + i as i64 % 5)
        };
        let battery = 95 - (i as i64 * 7) % 60;
        devices::health::touch(
            db,
            *dev,
            Some(battery),
            Some(-60 - (i as i64 * 3) % 30),
            seen,
        )
        .await?;
    }
    if let Some((dev, _, _)) = made.get(1) {
        sqlx::query(
            "INSERT INTO device_refusals (device_id, reason, day, count, last_at) VALUES ($1, 'bad_signature', $2, 3, $3)",
        )
        .bind(*dev)
        .bind(now.format("%Y-%m-%d").to_string())
        .bind(fmt_ts(now))
        .execute(&db.pool)
        .await?;
    }
    Ok(made.len())
}

/// The duty phone of the devices' community, and the notifications of the latest alarm of each 安康通 as the
/// sender left them: the grid workers and the duty phone told at once, the emergency contact after one
/// failed try (the first device) or given up after five (the others).
async fn notifications(db: &Db, made: &[(i64, &'static str, i64)]) -> anyhow::Result<()> {
    let Some((_, _, grid)) = made.first() else {
        return Ok(());
    };
    let community: i64 = sqlx::query_scalar("SELECT community_id FROM nodes WHERE id = $1")
        .bind(*grid)
        .fetch_one(&db.pool)
        .await?;
    let duty = "010-62345678".to_string();
    sqlx::query(
        "INSERT INTO community_duty_phones (community_id, phone, updated_at) VALUES ($1, $2, $3)",
    )
    .bind(community)
    .bind(&duty)
    .bind(fmt_ts(REF.and_hms_opt(9, 0, 0).expect("nine")))
    .execute(&db.pool)
    .await?;
    for (n, (dev, _, grid)) in made.iter().filter(|d| d.1 == "sos").enumerate() {
        let Some(r) = sqlx::query(
            "SELECT c.id, c.number, c.created_at, d.name, d.contact_name, d.contact_phone, l.name \
             FROM device_events e JOIN cases c ON c.id = e.case_id JOIN devices d ON d.id = e.device_id \
             JOIN nodes l ON l.id = d.location_node_id WHERE e.device_id = $1 ORDER BY c.created_at DESC LIMIT 1",
        )
        .bind(*dev)
        .fetch_optional(&db.pool)
        .await?
        else {
            continue;
        };
        let (case, number, created, device, contact, phone, place): (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
        ) = (
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
            r.get(6),
        );
        let at = chrono::NaiveDateTime::parse_from_str(&created, "%Y-%m-%d %H:%M:%S")?;
        let payload = serde_json::json!({"case_number": number, "title": "安康通SOS求助", "device": device, "place": place,
            "text": format!("【社区】安康通SOS求助:{device}({place}),事件 {number}")})
        .to_string();
        let workers: Vec<(i64, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name FROM users u JOIN user_grids ug ON ug.user_id = u.id \
             WHERE ug.grid_id = $1 AND u.role = 'grid_worker' AND u.archived = 0 ORDER BY u.id",
        )
        .bind(*grid)
        .fetch_all(&db.pool)
        .await?;
        // (kind, address, name, channel, the errors of the failed tries, delivered at last)
        let mut rows: Vec<(&str, String, String, &str, usize, bool)> = workers
            .into_iter()
            .map(|(id, name)| ("grid_worker", format!("user:{id}"), name, "web", 0, true))
            .collect();
        rows.push((
            "duty_phone",
            duty.clone(),
            "社区值班电话".into(),
            "sms",
            0,
            true,
        ));
        if let Some(phone) = phone {
            let given_up = n > 0;
            rows.push((
                "emergency_contact",
                phone,
                contact.unwrap_or_else(|| "紧急联系人".into()),
                "sms",
                if given_up { 5 } else { 1 },
                !given_up,
            ));
        }
        for (kind, address, name, channel, failures, delivered) in rows {
            let tries = failures + delivered as usize;
            let last = at + Duration::seconds(30 * tries as i64);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO outbox (case_id, recipient_kind, recipient, recipient_name, channel, payload, attempts, \
                 state, next_at, last_error, created_at, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 RETURNING id",
            )
            .bind(case)
            .bind(kind)
            .bind(&address)
            .bind(&name)
            .bind(channel)
            .bind(&payload)
            .bind(tries as i64)
            .bind(if delivered { "sent" } else { "failed" })
            .bind(fmt_ts(last))
            .bind((failures > 0).then(|| "短信网关超时".to_string()))
            .bind(&created)
            .bind(delivered.then(|| fmt_ts(last)))
            .fetch_one(&db.pool)
            .await?;
            for t in 0..tries {
                let ok = delivered && t == tries - 1;
                sqlx::query("INSERT INTO outbox_attempts (outbox_id, at, ok, error) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(fmt_ts(at + Duration::seconds(30 * t as i64)))
                    .bind(ok as i64)
                    .bind((!ok).then(|| "短信网关超时".to_string()))
                    .execute(&db.pool)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Six alarms a year per device, every two months or so, each a case of the alarm's category (closed and
/// rated), every other one pressed twice (the repeat joined the case).
async fn alarms(db: &Db, made: &[(i64, &'static str, i64)]) -> anyhow::Result<()> {
    let mut conn = db.pool.acquire().await?;
    let cats = case_rows::categories(&mut conn).await?;
    let mut rows = CaseRows::new(&mut conn).await?;
    let mut events = Vec::new();
    let start = REF.and_hms_opt(0, 0, 0).expect("midnight");
    for (i, (dev, kind, _)) in made.iter().enumerate() {
        let r = sqlx::query(
            "SELECT d.location_node_id, d.street_id, d.community_id, d.grid_id, d.building_id, d.name, \
             t.category_code, t.title, l.name FROM devices d JOIN device_event_types t ON t.event_type = d.kind \
             JOIN nodes l ON l.id = d.location_node_id WHERE d.id = $1",
        )
        .bind(*dev)
        .fetch_one(&mut *conn)
        .await?;
        let (node, name, code, what, place): (i64, String, String, String, String) =
            (r.get(0), r.get(5), r.get(6), r.get(7), r.get(8));
        let Some(&(category, hours)) = cats.get(&code) else {
            continue;
        };
        let loc = Location {
            node,
            dwelling: (*kind == "sos").then_some(node),
            street: r.get(1),
            community: r.get(2),
            grid: r.get(3),
            building: r.get::<Option<i64>, _>(4).unwrap_or(0),
            address: &place,
        };
        let title = format!("{what}({name})");
        for a in 0..6i64 {
            let i = i as i64;
            let created = start - Duration::days(10 + 58 * a + (i * 7) % 45)
                + Duration::minutes((i * 37 + a * 113) % 1440);
            let id = rows.case_id();
            let closed = created + Duration::hours((hours / 3).max(1));
            let case = Case {
                id,
                number: number(created, id, 6),
                category,
                source: "设备报警",
                title: &title,
                place: &loc,
                reporter_phone: None,
                state: "rated",
                owner: None,
                assignee_kind: Some("community"),
                assignee_user: None,
                assignee_name: Some("社区居委会".into()),
                handler: None,
                stage_started: closed,
                stage_due: None,
                due: created + Duration::hours(hours),
                deadline_status: "ok",
                was_overdue: false,
                rating: Some("满意"),
                created,
                accepted: Some(created + Duration::minutes(10)),
                closed: Some(closed),
                rated: Some(closed + Duration::hours(20)),
                updated: closed,
            };
            rows.case(&case);
            let steps: Vec<Step> = vec![
                ("create", None, "reported", created, None),
                (
                    "accept",
                    Some("reported"),
                    "accepted",
                    created + Duration::minutes(10),
                    None,
                ),
                (
                    "dispatch",
                    Some("accepted"),
                    "dispatched",
                    created + Duration::minutes(15),
                    None,
                ),
                (
                    "handle",
                    Some("dispatched"),
                    "handling",
                    created + Duration::minutes(40),
                    None,
                ),
                (
                    "verify",
                    Some("handling"),
                    "verified",
                    closed - Duration::minutes(30),
                    None,
                ),
                ("close", Some("verified"), "closed", closed, None),
                (
                    "rate",
                    Some("closed"),
                    "rated",
                    closed + Duration::hours(20),
                    None,
                ),
            ];
            rows.trail(&case, (None, &name), steps);
            for r in 0..(1 + (a + i) % 2) {
                events.push((*dev, *kind, created + Duration::minutes(4 * r), id));
            }
        }
    }
    rows.flush(&mut conn, db.dialect).await?;
    // Explicit ids: PostgreSQL's sequences must move past them.
    super::bulk::advance_sequences(db, &mut conn, &["cases", "case_events"]).await?;
    for (n, (dev, kind, at, case)) in events.into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO device_events (device_id, event_type, sent_at, received_at, signature, accepted, \
             reason, case_id, body, event_id, channel) VALUES ($1, $2, $3, $3, $4, 1, NULL, $5, $6, $4, 'mqtt')",
        )
        .bind(dev)
        .bind(kind)
        .bind(fmt_ts(at))
        .bind(format!("demo-{n}"))
        .bind(case)
        .bind(format!("{{\"type\":\"{kind}\",\"id\":\"demo-{n}\"}}"))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
