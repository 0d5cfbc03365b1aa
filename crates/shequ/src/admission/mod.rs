//! 准入制: the street decides which tasks pushed down by upper-level departments (上级部门任务) reach its
//! communities. The street administrator enters a task — issuing department, title, content, deadline and
//! the returns it asks for (a ledger of the catalogue, a figure, a file) — then admits it (准入) or refuses it
//! (不予准入, a reason required) on [`TASK_FLOW`], and dispatches an admitted task to chosen communities: each
//! gets one return row per requirement ([`returns`]). The load of every community — tasks, returns due,
//! submitted and overdue, meetings, ledgers and materials — is in [`load`].
//!
//! Tasks are street records (no community): a community's users see the returns dispatched to them.

pub mod load;
pub mod plugin;
pub mod returns;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::accounts::{Actor, Role, Scope};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::governance::{number, required, text};
use crate::workflow::{Flow, FlowState, Reason, Stage, Step, Who};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TState {
    Received,
    Admitted,
    Refused,
}

impl FlowState for TState {
    fn code(self) -> &'static str {
        match self {
            TState::Received => "received",
            TState::Admitted => "admitted",
            TState::Refused => "refused",
        }
    }
    fn label_zh(self) -> &'static str {
        match self {
            TState::Received => "待审核",
            TState::Admitted => "已准入",
            TState::Refused => "不予准入",
        }
    }
}

impl TState {
    pub fn from_code(s: &str) -> Option<TState> {
        [TState::Received, TState::Admitted, TState::Refused]
            .into_iter()
            .find(|t| t.code() == s)
    }
}

const STREET: &[Role] = &[Role::StreetAdmin];

pub const TASK_FLOW: Flow<TState> = Flow {
    subject: "上级任务",
    steps: &[
        Step {
            code: "admit",
            label: "准入",
            from: &[TState::Received],
            to: Some(TState::Admitted),
            who: Who::Roles(STREET),
            reason: Reason::Optional,
        },
        Step {
            code: "refuse",
            label: "不予准入",
            from: &[TState::Received],
            to: Some(TState::Refused),
            who: Who::Roles(STREET),
            reason: Reason::Required {
                field: "不予准入理由",
                message: "不予准入时请写明理由(如不属于社区职责、未经区级审核)",
            },
        },
        Step {
            code: "dispatch",
            label: "派发",
            from: &[TState::Admitted],
            to: None,
            who: Who::Roles(STREET),
            reason: Reason::Optional,
        },
    ],
    stages: &[Stage {
        name: "准入审核",
        states: &[TState::Received],
    }],
};

/// What a return may be.
pub const KINDS: [(&str, &str); 3] = [("ledger", "台账"), ("figure", "数据"), ("file", "材料")];

pub fn kind_label(code: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("")
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Requirement {
    #[serde(skip_deserializing)]
    pub id: i64,
    /// ledger / figure / file
    pub kind: String,
    /// A ledger's or an indicator's code in the catalogue (empty for a free-named figure or a file).
    pub code: Option<String>,
    /// What is asked (defaults to the catalogue's name).
    pub label: String,
    /// For ledgers and indicators: 2026、2026-Q3、2026-11 …
    pub period: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewTask {
    /// Only for a user of every street (the CLI); street administrators enter their own street's tasks.
    pub street_id: Option<i64>,
    /// 下发部门
    pub department: String,
    pub title: String,
    pub content: String,
    /// 完成时限 (date, 2026-12-31)
    pub deadline: String,
    pub requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    /// ZR2026-00003
    pub number: String,
    pub street_id: i64,
    pub department: String,
    pub title: String,
    pub content: String,
    pub deadline: String,
    pub state: String,
    pub state_label: String,
    pub reason: Option<String>,
    pub created_at: String,
    pub requirements: Vec<Requirement>,
    /// The communities it was dispatched to.
    pub communities: Vec<Place>,
}

/// A community by id and name.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Place {
    pub id: i64,
    pub name: String,
}

/// Only the street administrator enters and decides tasks.
pub fn require_street(actor: &Actor) -> Result<i64> {
    if actor.role != Role::StreetAdmin {
        return Err(Error::Forbidden(
            "只有街道管理员可以登记和审核上级任务".into(),
        ));
    }
    actor
        .scope
        .street()
        .ok_or_else(|| Error::invalid("街道", "请选择街道"))
}

fn deadline(v: &str) -> Result<String> {
    crate::registry::validate::parse_date(v)
        .map(|d| d.to_string())
        .ok_or_else(|| Error::invalid("完成时限", "完成时限格式不正确,请按2026-12-31填写"))
}

async fn check_requirement(db: &Db, actor: &Actor, r: &Requirement) -> Result<Requirement> {
    let kind = r.kind.trim();
    if kind_label(kind).is_empty() {
        return Err(Error::invalid("报送要求", "报送要求应为台账、数据或材料"));
    }
    let code = r
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from);
    let cat = crate::reports::catalog::catalog();
    let mut label = text("报送要求", &r.label, 100)?;
    match (kind, &code) {
        ("ledger", None) => return Err(Error::invalid("台账", "请选择要报送的台账")),
        ("ledger", Some(c)) => {
            let l = crate::reports::custom::ledger(db, actor, c)
                .await
                .map_err(|_| Error::invalid("台账", format!("台账目录中没有“{c}”")))?;
            if label.is_empty() {
                label = l.title().to_string();
            }
        }
        ("figure", Some(c)) => {
            let i = cat
                .indicator(c)
                .map_err(|_| Error::invalid("数据", format!("指标目录中没有“{c}”")))?;
            if label.is_empty() {
                label = i.def().name.to_string();
            }
        }
        ("file", Some(_)) => return Err(Error::invalid("材料", "材料不需要目录编码")),
        _ => {}
    }
    if label.is_empty() {
        return Err(Error::invalid("报送要求", "请写明要报送的数据或材料名称"));
    }
    let period = r
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from);
    if code.is_some() {
        let p = period
            .as_deref()
            .ok_or_else(|| Error::invalid("统计期间", "台账和指标数据请填写统计期间"))?;
        crate::reports::catalog::Period::parse(p)?;
    }
    Ok(Requirement {
        id: 0,
        kind: kind.into(),
        code,
        label,
        period,
    })
}

/// Enters a task from above (待审核).
pub async fn create(db: &Db, actor: &Actor, input: &NewTask) -> Result<Task> {
    let street = match (&actor.scope, input.street_id) {
        (Scope::All, Some(s)) if actor.role == Role::StreetAdmin => s,
        _ => require_street(actor)?,
    };
    let department = required("下发部门", &input.department, 100)?;
    let title = required("任务名称", &input.title, 200)?;
    let content = text("任务内容", &input.content, 5000)?;
    let deadline = deadline(&input.deadline)?;
    if input.requirements.is_empty() {
        return Err(Error::invalid("报送要求", "请至少列出一项报送要求"));
    }
    if input.requirements.len() > 20 {
        return Err(Error::invalid("报送要求", "报送要求不能超过20项"));
    }
    let mut reqs = Vec::with_capacity(input.requirements.len());
    for r in &input.requirements {
        reqs.push(check_requirement(db, actor, r).await?);
    }
    let now = db::now();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO admission_tasks (number, street_id, department, title, content, deadline, state, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'received', $7, $8, $8) RETURNING id",
    )
    .bind(crate::accounts::sessions::random_token())
    .bind(street)
    .bind(&department)
    .bind(&title)
    .bind(&content)
    .bind(&deadline)
    .bind(actor.user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    sqlx::query("UPDATE admission_tasks SET number = $1 WHERE id = $2")
        .bind(number("ZR", id))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (i, r) in reqs.iter().enumerate() {
        sqlx::query(
            "INSERT INTO admission_requirements (task_id, idx, kind, code, label, period) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(&r.kind)
        .bind(&r.code)
        .bind(&r.label)
        .bind(&r.period)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "create",
        "admission_task",
        Some(id),
        None,
        Some(&json!({"department": department, "title": title, "deadline": deadline,
                     "requirements": reqs.iter().map(|r| json!({"kind": r.kind, "code": r.code, "label": r.label, "period": r.period})).collect::<Vec<_>>()})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

pub(crate) async fn load_task(db: &Db, id: i64) -> Result<Task> {
    let r = sqlx::query(
        "SELECT id, number, street_id, department, title, content, deadline, state, reason, created_at \
         FROM admission_tasks WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let requirements = sqlx::query(
        "SELECT id, kind, code, label, period FROM admission_requirements WHERE task_id = $1 ORDER BY idx",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|q| Requirement {
        id: q.get(0),
        kind: q.get(1),
        code: q.get(2),
        label: q.get(3),
        period: q.get(4),
    })
    .collect();
    let communities = sqlx::query_as::<_, Place>(
        "SELECT n.id, n.name FROM admission_dispatches d JOIN nodes n ON n.id = d.community_id \
         WHERE d.task_id = $1 ORDER BY n.name",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let state: String = r.get(7);
    Ok(Task {
        id: r.get(0),
        number: r.get(1),
        street_id: r.get(2),
        department: r.get(3),
        title: r.get(4),
        content: r.get(5),
        deadline: r.get(6),
        state_label: TState::from_code(&state)
            .map(|s| s.label_zh())
            .unwrap_or("")
            .into(),
        state,
        reason: r.get(8),
        created_at: r.get(9),
        requirements,
        communities,
    })
}

/// One task of the street (community users reach tasks through their returns).
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Task> {
    let sql = format!(
        "SELECT id FROM admission_tasks t WHERE t.id = $1 AND {}",
        actor.scope.sql("t")
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    load_task(db, id).await
}

/// The street's tasks, newest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Task>> {
    let sql = format!(
        "SELECT id FROM admission_tasks t WHERE {} ORDER BY t.id DESC LIMIT 300",
        actor.scope.sql("t")
    );
    let ids: Vec<i64> = sqlx::query_scalar(&sql).fetch_all(&db.pool).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load_task(db, id).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Decision {
    /// admit / refuse
    pub action: String,
    pub reason: String,
}

/// 准入 / 不予准入 (with a reason).
pub async fn decide(db: &Db, actor: &Actor, id: i64, d: &Decision) -> Result<Task> {
    let t = get(db, actor, id).await?;
    if !matches!(d.action.as_str(), "admit" | "refuse") {
        return Err(Error::invalid("操作", "操作应为准入或不予准入"));
    }
    let from = TState::from_code(&t.state).unwrap_or(TState::Received);
    let (step, to) = TASK_FLOW.check(&d.action, from, actor.role)?;
    let reason = text("理由", &d.reason, 1000)?;
    TASK_FLOW.check_reason(step, &reason)?;
    let mut tx = db.begin().await?;
    let now = db::now();
    let done = sqlx::query(
        "UPDATE admission_tasks SET state = $1, reason = $2, decided_at = $3, updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to.code())
    .bind(if reason.is_empty() { None } else { Some(&reason) })
    .bind(&now)
    .bind(id)
    .bind(from.code())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict("状态", "任务已被他人审核,请刷新后重试"));
    }
    audit::record(
        &mut *tx,
        actor,
        step.code,
        "admission_task",
        Some(id),
        Some(&json!({"state": from.code()})),
        Some(&json!({"state": to.code(), "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Dispatch {
    /// Communities of the street.
    pub communities: Vec<i64>,
}

/// 派发: an admitted task to chosen communities of its street; each gets a return per requirement, due on
/// the task's deadline. A community already given the task is skipped.
pub async fn dispatch(db: &Db, actor: &Actor, id: i64, d: &Dispatch) -> Result<Task> {
    let t = get(db, actor, id).await?;
    let from = TState::from_code(&t.state).unwrap_or(TState::Received);
    TASK_FLOW.check("dispatch", from, actor.role)?;
    if d.communities.is_empty() {
        return Err(Error::invalid("社区", "请选择要派发的社区"));
    }
    let mut tx = db.begin().await?;
    let now = db::now();
    let mut added = Vec::new();
    for &c in &d.communities {
        let ok: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM nodes WHERE id = $1 AND kind = 'community' AND archived = 0 AND street_id = $2",
        )
        .bind(c)
        .bind(t.street_id)
        .fetch_optional(&mut *tx)
        .await?;
        if ok.is_none() {
            return Err(Error::invalid("社区", "只能派发给本街道的社区"));
        }
        let first = sqlx::query(
            "INSERT INTO admission_dispatches (task_id, street_id, community_id, dispatched_by, dispatched_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (task_id, community_id) DO NOTHING",
        )
        .bind(id)
        .bind(t.street_id)
        .bind(c)
        .bind(actor.user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if first.rows_affected() != 1 {
            continue;
        }
        for r in &t.requirements {
            sqlx::query(
                "INSERT INTO admission_returns (task_id, requirement_id, street_id, community_id, due_on, state, \
                 ledger_code, period, updated_at) VALUES ($1, $2, $3, $4, $5, 'due', $6, $7, $8)",
            )
            .bind(id)
            .bind(r.id)
            .bind(t.street_id)
            .bind(c)
            .bind(&t.deadline)
            .bind(if r.kind == "ledger" { r.code.clone() } else { None })
            .bind(&r.period)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        added.push(c);
    }
    audit::record(
        &mut *tx,
        actor,
        "dispatch",
        "admission_task",
        Some(id),
        None,
        Some(&json!({"communities": added})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}
