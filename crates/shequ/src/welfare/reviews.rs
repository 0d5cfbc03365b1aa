//! 定期复核: the grants whose review falls due (on the worker's list and the 工作台), and the review itself —
//! keep, lower, raise or cancel — recorded with its note; a change is made as the grant's event
//! ([`super::grants::change`]) and the next review is set from the programme's interval.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::grants::{change, find, list, next_review, Event, EventInput, Grant, GrantQuery};
use super::{fmt_ts, now_utc, past_date, programmes, text, who};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

/// Reviews due within 30 days or overdue (the worker's list and the dashboard).
pub async fn due_reviews(db: &Db, actor: &Actor) -> Result<Vec<Grant>> {
    if !actor.role.sees_sensitive() {
        return Ok(vec![]);
    }
    let by = (db::today() + chrono::Duration::days(30)).to_string();
    list(
        db,
        actor,
        &GrantQuery {
            review_by: Some(by),
            per_page: Some(500),
            ..Default::default()
        },
    )
    .await
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReviewInput {
    /// keep | lower | raise | cancel (维持 / 降标 / 提标 / 取消)
    pub outcome: String,
    pub on_date: String,
    pub note: String,
    /// The household's monthly income found at the review.
    pub income: Option<i64>,
    /// The new amount of a fixed-sum programme (lower / raise).
    pub amount_after: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub grant: Grant,
    pub outcome: String,
    pub event: Option<Event>,
}

/// A periodic review (定期复核): keeps, lowers, raises or cancels; the next review is set from the programme.
pub async fn review(db: &Db, actor: &Actor, grant_id: i64, input: &ReviewInput) -> Result<Review> {
    let g = find(db, actor, grant_id).await?;
    let p = programmes::get(db, actor, g.programme_id).await?;
    let kind = match input.outcome.as_str() {
        "keep" => None,
        "lower" => Some("降标"),
        "raise" => Some("提标"),
        "cancel" => Some("取消"),
        _ => {
            return Err(Error::invalid(
                "复核结果",
                "复核结果应为维持、降标、提标或取消",
            ))
        }
    };
    let on = past_date("复核日期", &input.on_date)?;
    let note = text("复核情况", &input.note, 2000)?;
    if g.status == "cancelled" {
        return Err(Error::invalid("复核结果", "该户已取消救助"));
    }
    let event = match kind {
        Some(k) => Some(
            change(
                db,
                actor,
                grant_id,
                &EventInput {
                    kind: k.into(),
                    on_date: on.to_string(),
                    reason: if note.is_empty() {
                        format!("定期复核{k}")
                    } else {
                        format!("定期复核:{note}")
                    },
                    member_ids: vec![],
                    income: input.income,
                    amount_after: input.amount_after,
                },
            )
            .await?,
        ),
        None => {
            if !actor.role.sees_sensitive() {
                return Err(Error::NotFound);
            }
            None
        }
    };
    let scope: (i64, i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT street_id, community_id, grid_id, building_id FROM welfare_grants WHERE id = $1",
    )
    .bind(grant_id)
    .fetch_one(&db.pool)
    .await?;
    let mut tx = db.begin().await?;
    let rid: i64 = sqlx::query_scalar(
        "INSERT INTO welfare_reviews (grant_id, on_date, outcome, note, reviewer, due_on, street_id, community_id, \
         grid_id, building_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(grant_id)
    .bind(on.to_string())
    .bind(&input.outcome)
    .bind(&note)
    .bind(who(actor))
    .bind(&g.next_review_on)
    .bind(scope.0)
    .bind(scope.1)
    .bind(scope.2)
    .bind(scope.3)
    .bind(fmt_ts(now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE welfare_grants SET next_review_on = $1 WHERE id = $2")
        .bind(next_review(&p, on))
        .bind(grant_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "welfare_review",
        Some(rid),
        None,
        Some(&json!({"grant_id": grant_id, "outcome": input.outcome, "note": note})),
    )
    .await?;
    tx.commit().await?;
    Ok(Review {
        grant: find(db, actor, grant_id).await?,
        outcome: input.outcome.clone(),
        event,
    })
}

/// How many grants in scope are due for review within 30 days or overdue (a count for the 工作台: no names,
/// not a sensitive read). Zero for roles that do not see welfare.
pub async fn due_count(db: &Db, actor: &Actor) -> Result<i64> {
    if !actor.role.sees_sensitive() {
        return Ok(0);
    }
    let by = (db::today() + chrono::Duration::days(30)).to_string();
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM welfare_grants g WHERE g.status <> 'cancelled' AND g.next_review_on <= $1 AND {}",
        actor.scope.sql("g")
    ))
    .bind(by)
    .fetch_one(&db.pool)
    .await?)
}
