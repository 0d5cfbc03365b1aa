//! The demo's resident account (居民端): `jumin`, linked to a resident of the first building, with one request
//! reported from the portal, so that `serve --demo` shows the portal as a resident sees it.

use sqlx::Row;

use super::DEMO_PASSWORD;
use crate::accounts::{password, users};
use crate::db::{self, Db};
use crate::portal::requests::{self, ResidentReport};

/// Creates `jumin` unless it exists; answers the account line of the summary when created.
pub async fn create(db: &Db, building: i64) -> anyhow::Result<Option<(String, String, String)>> {
    let exists = sqlx::query("SELECT 1 FROM users WHERE username = 'jumin'")
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_some() {
        return Ok(None);
    }
    let Some(person) = sqlx::query(
        "SELECT p.id, p.name FROM persons p WHERE p.building_id = $1 AND p.household_id IS NOT NULL \
         AND p.archived = 0 AND p.status = '在住' ORDER BY p.id LIMIT 1",
    )
    .bind(building)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let (person_id, name): (i64, String) = (person.get(0), person.get(1));
    let now = db::now();
    let mut tx = db.begin().await?;
    let user_id: i64 = sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, role, created_at) \
         VALUES ('jumin', $1, $2, 'resident', $3) RETURNING id",
    )
    .bind(&name)
    .bind(password::hash(DEMO_PASSWORD)?)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    sqlx::query(
        "INSERT INTO resident_links (user_id, person_id, method, verified_at) VALUES ($1, $2, 'demo', $3)",
    )
    .bind(user_id)
    .bind(person_id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let actor = users::actor(db, user_id).await?;
    let category = crate::cases::categories::by_code(db, "sanitation").await?;
    let case = requests::report(
        db,
        &actor,
        &ResidentReport {
            category_id: category.id,
            title: "楼道灯坏了".into(),
            description: "单元楼道的灯不亮有一周了,晚上上下楼看不清。".into(),
        },
    )
    .await?;
    // Reported the evening before the demo's day, like the rest of its records (deterministic).
    let at = "2026-06-29 12:30:00";
    sqlx::query("UPDATE cases SET created_at = $1, stage_started_at = $1, updated_at = $1 WHERE number = $2")
        .bind(at)
        .bind(&case.number)
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "UPDATE case_events SET at = $1 WHERE case_id = (SELECT id FROM cases WHERE number = $2)",
    )
    .bind(at)
    .bind(&case.number)
    .execute(&db.pool)
    .await?;
    Ok(Some((
        "jumin".into(),
        DEMO_PASSWORD.into(),
        "居民(居民端)".into(),
    )))
}
