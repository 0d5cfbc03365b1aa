//! Activities on the portal: a resident sees the coming activities of their community (and of their own
//! grid) and signs themselves up; the sign-up is the same row a worker's would be (`activity_signups`), so the
//! organiser's list, the door check-in and the figures count it. One sign-up per person and activity.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::verified;
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Coming {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub signed_up: bool,
}

/// The activities of the resident's community (or grid) that have not ended, soonest first.
pub async fn coming(db: &Db, actor: &Actor) -> Result<Vec<Coming>> {
    let r = verified(db, actor).await?;
    Ok(sqlx::query(
        "SELECT a.id, a.title, a.kind, a.starts_on, a.ends_on, a.place, \
         (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.person_id = $3) \
         FROM activities a WHERE a.community_id = $1 AND (a.grid_id IS NULL OR a.grid_id = $2) AND a.ends_on >= $4 \
         ORDER BY a.starts_on, a.id LIMIT 50",
    )
    .bind(r.community_id)
    .bind(r.grid_id)
    .bind(r.person_id)
    .bind(db::today().to_string())
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|x| Coming {
        id: x.get(0),
        title: x.get(1),
        kind: x.get(2),
        starts_on: x.get(3),
        ends_on: x.get(4),
        place: x.get(5),
        signed_up: x.get::<i64, _>(6) > 0,
    })
    .collect())
}

/// Signs the resident up for a coming activity of theirs.
pub async fn sign_up(db: &Db, actor: &Actor, activity: i64) -> Result<()> {
    let r = verified(db, actor).await?;
    if !coming(db, actor).await?.iter().any(|a| a.id == activity) {
        return Err(Error::NotFound);
    }
    let mut tx = db.begin().await?;
    let done = sqlx::query(&format!(
        "INSERT INTO activity_signups (activity_id, person_id, signed_up_at, signed_up_by) VALUES ($1, $2, $3, $4) {}",
        db.dialect.insert_ignore()
    ))
    .bind(activity)
    .bind(r.person_id)
    .bind(db::now())
    .bind(format!("{}(居民端)", r.name))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict("报名", "您已报名这个活动"));
    }
    audit::record(
        &mut *tx,
        actor,
        "create",
        "activity_signup",
        None,
        None,
        Some(&json!({"activity_id": activity, "person_id": r.person_id, "channel": "portal"})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The coming activities of a community, for its public board.
pub async fn announced(db: &Db, community: i64) -> Result<Vec<(String, String, String, String)>> {
    Ok(sqlx::query(
        "SELECT title, kind, starts_on, place FROM activities WHERE community_id = $1 AND ends_on >= $2 \
         ORDER BY starts_on, id LIMIT 20",
    )
    .bind(community)
    .bind(db::today().to_string())
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect())
}
