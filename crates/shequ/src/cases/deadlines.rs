//! 限时办结: each stage of a case has a time limit from its category, in clock hours or in working days on
//! the calendar ([`crate::calendar`]). Entering a stage sets its warning time (80% of an hour limit spent;
//! the start of the last working day) and its due time; [`scan`] — run every minute by the server, and by tests with a
//! clock of their own — marks cases 即将超期 and 超期 and escalates each overdue stage once to the owner's
//! supervisor: the community head of the case's community (or, without one, the street administrator).

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::{fmt_ts, intake, State};
use crate::accounts::Actor;
use crate::audit;
use crate::calendar::{Calendar, Limit};
use crate::db::Db;
use crate::error::Result;

/// Share of a stage's time after which a case is 即将超期 (the last 20% are the warning).
pub const WARN_SHARE: f64 = crate::calendar::WARN_SHARE;

/// (warning time, due time) of a stage that starts at `start` (UTC) with a limit, on the calendar.
pub fn stage_times(start: NaiveDateTime, limit: Limit, cal: &Calendar) -> (String, String) {
    let (warn, due) = limit.times(start, cal);
    (fmt_ts(warn), fmt_ts(due))
}

/// The stage limit of a category for a state, if that state's stage has one (in the category's unit).
pub fn stage_limit(category: &super::categories::Category, state: State) -> Option<Limit> {
    let n = match super::flow::CASE_FLOW.stage_of(state)?.name {
        "立案" => category.accept_hours,
        "派遣" => category.dispatch_hours,
        "处置" => category.handle_hours,
        _ => category.close_hours,
    };
    Some(category.limit(n))
}

#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanSummary {
    /// Cases newly marked 即将超期.
    pub due_soon: i64,
    /// Cases newly marked 超期.
    pub overdue: i64,
    /// Overdue cases escalated to a supervisor.
    pub escalated: i64,
}

/// The supervisor of a case: the community head of its community, else the street administrator.
async fn supervisor(db: &Db, community: i64, street: i64) -> Result<Option<(i64, String)>> {
    let row = sqlx::query(
        "SELECT id, display_name FROM users WHERE archived = 0 AND \
         ((role = 'community_head' AND community_id = $1) OR (role = 'street_admin' AND street_id = $2)) \
         ORDER BY CASE WHEN role = 'community_head' THEN 0 ELSE 1 END, id LIMIT 1",
    )
    .bind(community)
    .bind(street)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// Marks and escalates cases as of `now` (UTC). Each case's change is its own transaction.
pub async fn scan(db: &Db, now: NaiveDateTime) -> Result<ScanSummary> {
    let at = fmt_ts(now);
    let system = Actor::system();
    let mut summary = ScanSummary::default();
    let open = State::open_sql();

    // 超期: the stage's due time has passed.
    let rows = sqlx::query(&format!(
        "SELECT id, state, community_id, street_id, stage_due_at, escalated FROM cases \
         WHERE state IN {open} AND stage_due_at IS NOT NULL AND stage_due_at <= $1 AND deadline_status <> 'overdue' \
         ORDER BY id"
    ))
    .bind(&at)
    .fetch_all(&db.pool)
    .await?;
    for r in rows {
        let (id, state, community, street, due): (i64, String, i64, i64, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        let state = State::from_code(&state).unwrap_or(State::Reported);
        let boss = supervisor(db, community, street).await?;
        let mut tx = db.begin().await?;
        let changed = sqlx::query(
            "UPDATE cases SET deadline_status = 'overdue', was_overdue = 1, escalated = $1, escalated_to = \
             COALESCE($2, escalated_to), updated_at = $3 WHERE id = $4 AND state = $5 AND deadline_status <> 'overdue'",
        )
        .bind(boss.is_some() as i64)
        .bind(boss.as_ref().map(|b| b.0))
        .bind(&at)
        .bind(id)
        .bind(state.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            continue;
        }
        let note = format!(
            "{}阶段已超期(时限 {})",
            state.label_zh(),
            crate::reports::catalog::beijing_time(&due)
        );
        intake::event(
            &mut tx,
            &system,
            id,
            "overdue",
            Some(state),
            Some(state),
            None,
            None,
            Some(&note),
            &at,
        )
        .await?;
        summary.overdue += 1;
        if let Some((boss_id, boss_name)) = &boss {
            intake::event(
                &mut tx,
                &system,
                id,
                "escalate",
                Some(state),
                Some(state),
                Some(*boss_id),
                Some(boss_name),
                Some(&format!("超期升级至{boss_name}督办")),
                &at,
            )
            .await?;
            summary.escalated += 1;
        }
        audit::record(
            &mut *tx,
            &system,
            "case_overdue",
            "case",
            Some(id),
            None,
            Some(&json!({"state": state.code(), "stage_due_at": due, "escalated_to": boss.as_ref().map(|b| b.0)})),
        )
        .await?;
        tx.commit().await?;
    }

    // 即将超期: past the warning time, not yet due.
    let rows = sqlx::query(&format!(
        "SELECT id, state, stage_due_at FROM cases WHERE state IN {open} AND stage_warn_at IS NOT NULL \
         AND stage_warn_at <= $1 AND stage_due_at > $1 AND deadline_status = 'ok' ORDER BY id"
    ))
    .bind(&at)
    .fetch_all(&db.pool)
    .await?;
    for r in rows {
        let (id, state, due): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
        let state = State::from_code(&state).unwrap_or(State::Reported);
        let mut tx = db.begin().await?;
        let changed = sqlx::query(
            "UPDATE cases SET deadline_status = 'due_soon', updated_at = $1 WHERE id = $2 AND state = $3 \
             AND deadline_status = 'ok'",
        )
        .bind(&at)
        .bind(id)
        .bind(state.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            continue;
        }
        intake::event(
            &mut tx,
            &system,
            id,
            "due_soon",
            Some(state),
            Some(state),
            None,
            None,
            Some(&format!(
                "{}阶段即将超期(时限 {})",
                state.label_zh(),
                crate::reports::catalog::beijing_time(&due)
            )),
            &at,
        )
        .await?;
        audit::record(
            &mut *tx,
            &system,
            "case_due_soon",
            "case",
            Some(id),
            None,
            Some(&json!({"state": state.code(), "stage_due_at": due})),
        )
        .await?;
        tx.commit().await?;
        summary.due_soon += 1;
    }
    Ok(summary)
}

/// The server's background job: a scan every minute (`SHEQU_DEADLINE_SCAN_SECONDS`) in the one server
/// process that holds the job's lease ([`crate::jobs`]).
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = crate::jobs::seconds_from_env("SHEQU_DEADLINE_SCAN_SECONDS", 60);
        let lease = crate::jobs::lease_for(every);
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match crate::jobs::claim(&db, "case_deadlines", lease).await {
                Ok(c) if c.held() => {}
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = ?e, "case deadline lease");
                    continue;
                }
            }
            match scan(&db, super::now_utc()).await {
                Ok(s) if s.due_soon + s.overdue > 0 => {
                    tracing::info!(
                        due_soon = s.due_soon,
                        overdue = s.overdue,
                        escalated = s.escalated,
                        "case deadlines"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "case deadline scan failed"),
            }
        }
    })
}
