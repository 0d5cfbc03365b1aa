//! 调解: the mediation record of a dispute case — mediators, sessions (date, place, outcome), agreement text,
//! result (调解成功 / 未成功 / 移交派出所 / 移交法院) and the follow-up visit. The parties are the case's parties.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::intake::event;
use super::queries::{self, Case};
use super::{categories, fmt_ts, now_utc, require_worker, text};
use crate::accounts::Actor;
use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::validate;

pub const RESULTS: [&str; 4] = ["调解成功", "未成功", "移交派出所", "移交法院"];

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Mediation {
    pub id: i64,
    pub case_id: i64,
    /// Names of the mediators, separated by 、
    pub mediators: String,
    pub agreement: String,
    pub result: Option<String>,
    pub result_at: Option<String>,
    pub follow_up: Option<String>,
    pub sessions: Vec<MediationSession>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MediationSession {
    pub id: i64,
    /// 2024-05-01
    pub held_on: String,
    pub place: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MediationInput {
    pub mediators: String,
    pub agreement: String,
    /// 调解成功 / 未成功 / 移交派出所 / 移交法院, or empty while still mediating.
    pub result: String,
    /// 回访 notes.
    pub follow_up: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SessionInput {
    /// 2024-05-01
    pub held_on: String,
    pub place: String,
    pub outcome: String,
}

/// The mediation record of a case the actor can see, if there is one.
pub async fn get(db: &Db, actor: &Actor, case_id: i64) -> Result<Option<Mediation>> {
    queries::get(db, actor, case_id).await?;
    let Some(r) = sqlx::query(
        "SELECT id, mediators, agreement, result, result_at, follow_up FROM mediations WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let id: i64 = r.get(0);
    let sessions = sqlx::query_as::<_, MediationSession>(
        "SELECT id, held_on, place, outcome FROM mediation_sessions WHERE mediation_id = $1 ORDER BY held_on, id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(Some(Mediation {
        id,
        case_id,
        mediators: r.get(1),
        agreement: r.get(2),
        result: r.get(3),
        result_at: r.get(4),
        follow_up: r.get(5),
        sessions,
    }))
}

async fn dispute_case(db: &Db, actor: &Actor, case_id: i64) -> Result<Case> {
    let case = queries::get(db, actor, case_id).await?;
    require_worker(actor)?;
    let cat = categories::get(db, case.category_id).await?;
    if cat.dispute == 0 {
        return Err(Error::invalid("分类", "只有矛盾纠纷类案件可以登记调解"));
    }
    if !case.state().is_open() && case.state() != super::State::Closed {
        return Err(Error::invalid(
            "状态",
            format!("案件当前为“{}”,不能登记调解", case.state().label_zh()),
        ));
    }
    Ok(case)
}

/// Creates or updates the mediation record of a dispute case.
pub async fn save(
    db: &Db,
    actor: &Actor,
    case_id: i64,
    input: &MediationInput,
) -> Result<Mediation> {
    let case = dispute_case(db, actor, case_id).await?;
    let mediators = text("调解员", &input.mediators, 200)?;
    if mediators.is_empty() {
        return Err(Error::invalid("调解员", "请填写调解员"));
    }
    let agreement = text("调解协议", &input.agreement, 10000)?;
    let result = input.result.trim();
    if !result.is_empty() && !RESULTS.contains(&result) {
        return Err(Error::invalid(
            "调解结果",
            format!("调解结果应为:{}", RESULTS.join("、")),
        ));
    }
    if result == "调解成功" && agreement.is_empty() {
        return Err(Error::invalid("调解协议", "调解成功时请填写协议内容"));
    }
    let follow_up = text("回访情况", &input.follow_up, 2000)?;
    let before = get(db, actor, case_id).await?;
    let at = fmt_ts(now_utc());
    let result_opt = (!result.is_empty()).then(|| result.to_string());
    let result_at = match (&before, &result_opt) {
        (Some(b), Some(r)) if b.result.as_ref() == Some(r) => b.result_at.clone(),
        (_, Some(_)) => Some(at.clone()),
        _ => None,
    };
    let mut tx = db.begin().await?;
    if let Some(b) = &before {
        sqlx::query(
            "UPDATE mediations SET mediators = $1, agreement = $2, result = $3, result_at = $4, follow_up = $5, \
             updated_at = $6 WHERE id = $7",
        )
        .bind(&mediators)
        .bind(&agreement)
        .bind(result_opt.clone())
        .bind(result_at.clone())
        .bind(super::intake::non_empty(&follow_up))
        .bind(&at)
        .bind(b.id)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO mediations (case_id, mediators, agreement, result, result_at, follow_up, street_id, \
             community_id, grid_id, building_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(case_id)
        .bind(&mediators)
        .bind(&agreement)
        .bind(result_opt.clone())
        .bind(result_at.clone())
        .bind(super::intake::non_empty(&follow_up))
        .bind(case.street_id)
        .bind(case.community_id)
        .bind(case.grid_id)
        .bind(case.building_id)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    let state = case.state();
    let note = match &result_opt {
        Some(r) => format!("调解员:{mediators};结果:{r}"),
        None => format!("调解员:{mediators}"),
    };
    event(
        &mut tx,
        actor,
        case_id,
        "mediation",
        Some(state),
        Some(state),
        None,
        None,
        Some(&note),
        &at,
    )
    .await?;
    audit::record(
        &mut *tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "mediation",
        Some(case_id),
        before
            .as_ref()
            .map(|b| json!({"mediators": b.mediators, "agreement": b.agreement, "result": b.result}))
            .as_ref(),
        Some(&json!({"case_id": case_id, "mediators": mediators, "agreement": agreement, "result": result_opt})),
    )
    .await?;
    tx.commit().await?;
    Ok(get(db, actor, case_id).await?.expect("just saved"))
}

/// Records one mediation session (the record must exist).
pub async fn add_session(
    db: &Db,
    actor: &Actor,
    case_id: i64,
    input: &SessionInput,
) -> Result<Mediation> {
    let case = dispute_case(db, actor, case_id).await?;
    let Some(m) = get(db, actor, case_id).await? else {
        return Err(Error::invalid("调解员", "请先登记调解员,再记录调解过程"));
    };
    let held_on = validate::parse_date(&input.held_on)
        .ok_or_else(|| Error::invalid("调解日期", "日期格式不正确,请按2024-01-31填写"))?;
    let place = text("调解地点", &input.place, 100)?;
    let outcome = text("调解情况", &input.outcome, 5000)?;
    if outcome.is_empty() {
        return Err(Error::invalid("调解情况", "请填写本次调解情况"));
    }
    let at = fmt_ts(now_utc());
    let mut tx = db.begin().await?;
    let sid: i64 = sqlx::query_scalar(
        "INSERT INTO mediation_sessions (mediation_id, held_on, place, outcome, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(m.id)
    .bind(held_on.to_string())
    .bind(&place)
    .bind(&outcome)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    let state = case.state();
    event(
        &mut tx,
        actor,
        case_id,
        "mediation",
        Some(state),
        Some(state),
        None,
        None,
        Some(&format!("{held_on} {place} 调解:{outcome}")),
        &at,
    )
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "mediation_session",
        Some(sid),
        None,
        Some(&json!({"case_id": case_id, "held_on": held_on.to_string(), "place": place, "outcome": outcome})),
    )
    .await?;
    tx.commit().await?;
    Ok(get(db, actor, case_id).await?.expect("exists"))
}
