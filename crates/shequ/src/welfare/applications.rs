//! Applications (救助申请): a registry household, the members applying, their monthly income and assets, on
//! [`super::flow::APPLICATION_FLOW`]. A household cannot apply twice for a programme it has an open application
//! or an active grant for. 公示 sets the notice days; 审批 waits for the notice to end and for every objection
//! to be resolved, then starts the grant ([`super::grants::start`]) in the same transaction.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::flow::{State, APPLICATION_FLOW};
use super::{amount, audit_read, fmt_ts, now_utc, programmes, require_sees, text, who};
use crate::accounts::Actor;
use crate::audit;
use crate::db::filter::Filter;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::registry::{households, persons};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    /// 申请编号, e.g. MZ2026-00012
    pub number: String,
    pub programme_id: i64,
    pub programme_name: String,
    pub household_id: i64,
    pub household_number: String,
    /// 小区 (the estate), the only place named on the public notice.
    pub estate: Option<String>,
    pub state: String,
    /// JSON array of the applying members' person ids.
    pub members: String,
    pub member_count: i64,
    /// 家庭月收入 (元), sensitive.
    pub income: i64,
    /// 家庭财产 (元), sensitive.
    pub assets: i64,
    pub note: String,
    /// The reason of a refusal or withdrawal.
    pub reason: Option<String>,
    pub notice_from: Option<String>,
    pub notice_to: Option<String>,
    /// The monthly amount computed when the notice is published (元).
    pub amount: Option<i64>,
    pub applied_on: String,
    pub decided_on: Option<String>,
    pub community_id: i64,
    pub grid_id: i64,
    pub created_by: String,
    pub created_at: String,
}

pub(crate) const SELECT: &str = "SELECT a.id, a.number, a.programme_id, p.name AS programme_name, a.household_id, \
    h.number AS household_number, e.name AS estate, a.state, a.members, a.member_count, a.income, a.assets, a.note, \
    a.reason, a.notice_from, a.notice_to, a.amount, a.applied_on, a.decided_on, a.community_id, a.grid_id, \
    a.created_by, a.created_at FROM welfare_applications a JOIN welfare_programmes p ON p.id = a.programme_id \
    JOIN households h ON h.id = a.household_id JOIN nodes d ON d.id = h.dwelling_id \
    LEFT JOIN nodes e ON e.id = d.estate_id";

impl Application {
    pub fn state(&self) -> State {
        State::from_code(&self.state).unwrap_or(State::Applied)
    }
    pub fn member_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.members).unwrap_or_default()
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ApplicationInput {
    pub programme_id: i64,
    pub household_id: i64,
    /// The members applying (persons of the household); all members when empty.
    pub member_ids: Vec<i64>,
    /// 家庭月收入 (元)
    pub income: i64,
    /// 家庭财产 (元)
    pub assets: i64,
    pub note: String,
}

/// Whether a household has an open application or an active grant of a programme.
pub(crate) async fn on_programme(db: &Db, household: i64, programme: i64) -> Result<bool> {
    let open = sqlx::query(&format!(
        "SELECT 1 FROM welfare_applications WHERE household_id = $1 AND programme_id = $2 AND state IN {} \
         UNION ALL SELECT 1 FROM welfare_grants WHERE household_id = $1 AND programme_id = $2 AND status <> 'cancelled'",
        State::OPEN_SQL
    ))
    .bind(household)
    .bind(programme)
    .fetch_optional(&db.pool)
    .await?;
    Ok(open.is_some())
}

/// Files an application for a household in scope.
pub async fn create(db: &Db, actor: &Actor, input: &ApplicationInput) -> Result<Application> {
    require_sees(actor)?;
    let programme = programmes::get(db, actor, input.programme_id)
        .await
        .map_err(|_| Error::invalid("救助项目", "请选择救助项目"))?;
    if programme.archived != 0 {
        return Err(Error::invalid("救助项目", "该救助项目已停用"));
    }
    let h = households::get(db, actor, input.household_id)
        .await
        .map_err(|_| Error::invalid("申请家庭", "该户不存在或不在您的管辖范围内"))?;
    if h.archived != 0 {
        return Err(Error::invalid("申请家庭", "该户已归档"));
    }
    let people = persons::in_household(db, actor, h.id).await?;
    let members: Vec<i64> = if input.member_ids.is_empty() {
        people.iter().map(|p| p.id).collect()
    } else {
        let mut m = input.member_ids.clone();
        m.sort_unstable();
        m.dedup();
        if let Some(bad) = m.iter().find(|id| !people.iter().any(|p| p.id == **id)) {
            return Err(Error::invalid("申请人员", format!("人员{bad}不是该户成员")));
        }
        m
    };
    if members.is_empty() {
        return Err(Error::invalid(
            "申请人员",
            "该户没有在册人员,请先登记家庭成员",
        ));
    }
    let income = amount("家庭月收入", input.income)?;
    let assets = amount("家庭财产", input.assets)?;
    let note = text("申请说明", &input.note, 2000)?;
    if on_programme(db, h.id, programme.id).await? {
        return Err(Error::conflict(
            "申请家庭",
            format!("该户已申请或正在享受{},不能重复申请", programme.name),
        ));
    }
    let at = fmt_ts(now_utc());
    let today = db::today();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO welfare_applications (number, programme_id, household_id, state, members, member_count, income, \
         assets, note, applied_on, street_id, community_id, grid_id, building_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, 'applied', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    )
    .bind(format!("tmp-{}", crate::accounts::sessions::random_token()))
    .bind(programme.id)
    .bind(h.id)
    .bind(serde_json::to_string(&members)?)
    .bind(members.len() as i64)
    .bind(income)
    .bind(assets)
    .bind(&note)
    .bind(today.to_string())
    .bind(h.street_id)
    .bind(h.community_id)
    .bind(h.grid_id)
    .bind(h.building_id)
    .bind(who(actor))
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    let number = format!("MZ{}-{id:05}", chrono::Datelike::year(&today));
    sqlx::query("UPDATE welfare_applications SET number = $1 WHERE id = $2")
        .bind(&number)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    trail(&mut tx, id, "apply", "", "applied", &note, actor).await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "welfare_application",
        Some(id),
        None,
        Some(
            &json!({"number": number, "programme": programme.name, "household_id": h.id,
            "members": members, "income": income, "assets": assets}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

pub(crate) async fn trail(
    tx: &mut crate::db::Tx<'_>,
    id: i64,
    step: &str,
    from: &str,
    to: &str,
    note: &str,
    actor: &Actor,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO welfare_steps (application_id, step, from_state, to_state, note, actor_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(step)
    .bind(from)
    .bind(to)
    .bind(note)
    .bind(who(actor))
    .bind(fmt_ts(now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An application in scope, without auditing (internal checks).
pub(crate) async fn find(db: &Db, actor: &Actor, id: i64) -> Result<Application> {
    require_sees(actor)?;
    sqlx::query_as::<_, Application>(&format!(
        "{SELECT} WHERE a.id = $1 AND {}",
        actor.scope.sql("a")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// An application in scope (a sensitive read, audited), or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Application> {
    let a = find(db, actor, id).await?;
    audit_read(db, actor, "welfare_application", Some(id), "application").await?;
    Ok(a)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ApplicationQuery {
    pub state: Option<String>,
    pub programme_id: Option<i64>,
    pub household_id: Option<i64>,
    pub page: Option<i64>,
    /// Default 50, at most 5000.
    pub per_page: Option<i64>,
}

/// Applications in scope, newest first (audited as one sensitive read).
pub async fn list(db: &Db, actor: &Actor, q: &ApplicationQuery) -> Result<Vec<Application>> {
    require_sees(actor)?;
    let filter = Filter::scoped(actor, "a")
        .opt_text("a.state = ?", q.state.clone().filter(|s| !s.is_empty()))
        .opt_int("a.programme_id = ?", q.programme_id)
        .opt_int("a.household_id = ?", q.household_id);
    let rows: Vec<Application> = filter
        .rows(
            db,
            SELECT,
            "a.id DESC",
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await?;
    audit_read(db, actor, "welfare_application", None, "applications").await?;
    Ok(rows)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StepRow {
    pub step: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
    pub actor_name: String,
    pub at: String,
}

/// The trail of an application.
pub async fn steps(db: &Db, actor: &Actor, id: i64) -> Result<Vec<StepRow>> {
    find(db, actor, id).await?;
    Ok(sqlx::query_as::<_, StepRow>(
        "SELECT step, from_state, to_state, note, actor_name, at FROM welfare_steps WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// Takes a step of the flow (`investigate`, `deliberate`, `audit`, `publish`, `approve`, `refuse`, `withdraw`).
pub async fn step(db: &Db, actor: &Actor, id: i64, code: &str, note: &str) -> Result<Application> {
    let a = find(db, actor, id).await?;
    if !APPLICATION_FLOW.steps.iter().any(|s| s.code == code) {
        return Err(Error::invalid("操作", "没有这个操作"));
    }
    let from = a.state();
    let (st, to) = APPLICATION_FLOW.check(code, from, actor.role)?;
    APPLICATION_FLOW.check_reason(st, note)?;
    let note = text("说明", note, 2000)?;
    let programme = programmes::get(db, actor, a.programme_id).await?;
    let today = db::today();
    let mut tx = db.begin().await?;
    // Moves only if nobody moved it meanwhile.
    let moved = sqlx::query(
        "UPDATE welfare_applications SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(to.code())
    .bind(db::now())
    .bind(id)
    .bind(from.code())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(Error::conflict("状态", "该申请已被他人办理,请刷新后重试"));
    }
    let mut after = json!({"state": to.code(), "note": note});
    match code {
        "publish" => {
            let persons = a.member_count;
            let monthly = programmes::monthly_amount(&programme, persons, a.income);
            let days = programme.notice_days.max(1);
            let until = today + Duration::days(days - 1);
            sqlx::query("UPDATE welfare_applications SET notice_from = $1, notice_to = $2, amount = $3 WHERE id = $4")
                .bind(today.to_string())
                .bind(until.to_string())
                .bind(monthly)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            after["notice_to"] = json!(until.to_string());
            after["amount"] = json!(monthly);
        }
        "approve" => {
            if let Some(until) = a.notice_to.as_deref() {
                if until >= today.to_string().as_str() {
                    return Err(Error::invalid(
                        "公示",
                        format!("公示期至{until},公示期满后方可审批"),
                    ));
                }
            }
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM welfare_objections WHERE application_id = $1 AND status = 'open'",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if open > 0 {
                return Err(Error::invalid(
                    "异议",
                    format!("有{open}条异议尚未处理,处理后方可审批"),
                ));
            }
            sqlx::query("UPDATE welfare_applications SET decided_on = $1 WHERE id = $2")
                .bind(today.to_string())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let grant = super::grants::start(&mut tx, actor, &a, &programme, today).await?;
            after["grant_id"] = json!(grant);
        }
        "refuse" | "withdraw" => {
            sqlx::query(
                "UPDATE welfare_applications SET reason = $1, decided_on = $2 WHERE id = $3",
            )
            .bind(&note)
            .bind(today.to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        _ => {}
    }
    trail(&mut tx, id, code, from.code(), to.code(), &note, actor).await?;
    audit::record(
        &mut *tx,
        actor,
        code,
        "welfare_application",
        Some(id),
        Some(&json!({"state": from.code()})),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    if code == "investigate" {
        // 入户核查 is a home visit (四必访, 困): it shows in the visit list, the coverage and the diary.
        crate::fieldwork::visits::record(
            db,
            actor,
            &crate::fieldwork::visits::VisitInput {
                household_id: a.household_id,
                visited_on: String::new(),
                kind: "四必访".into(),
                reason: "困".into(),
                note: format!("民政救助入户核查({}):{note}", a.number),
                ..Default::default()
            },
        )
        .await?;
    }
    find(db, actor, id).await
}
