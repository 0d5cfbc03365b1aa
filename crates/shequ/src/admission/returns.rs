//! 报送: what a community returns for a dispatched task, one row per requirement. A ledger is attached by
//! choosing it from the catalogue — its rows for the community and the period are read once and frozen (the
//! rows as JSON and the .xlsx as `exports::ledger` writes it), so later records do not change what was
//! returned; a figure is an indicator's value for the community frozen with its numerator and denominator,
//! or a typed number where no indicator exists; a file is a bounded upload. The street accepts a submitted
//! return or sends it back with a reason ([`RETURN_FLOW`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::kind_label;
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::cases::attachments::{Upload, MAX_BYTES};
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::governance::text;
use crate::reports::catalog::{catalog, Period, Where};
use crate::workflow::{Flow, FlowState, Reason, Stage, Step, Who};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RState {
    Due,
    Submitted,
    Accepted,
    Returned,
}

impl FlowState for RState {
    fn code(self) -> &'static str {
        match self {
            RState::Due => "due",
            RState::Submitted => "submitted",
            RState::Accepted => "accepted",
            RState::Returned => "returned",
        }
    }
    fn label_zh(self) -> &'static str {
        match self {
            RState::Due => "待报送",
            RState::Submitted => "已报送",
            RState::Accepted => "已通过",
            RState::Returned => "已退回",
        }
    }
}

impl RState {
    pub fn from_code(s: &str) -> Option<RState> {
        [
            RState::Due,
            RState::Submitted,
            RState::Accepted,
            RState::Returned,
        ]
        .into_iter()
        .find(|t| t.code() == s)
    }
}

const COMMUNITY: &[Role] = &[Role::CommunityHead, Role::SocialWorker];
const STREET: &[Role] = &[Role::StreetAdmin];

pub const RETURN_FLOW: Flow<RState> = Flow {
    subject: "报送事项",
    steps: &[
        Step {
            code: "submit",
            label: "报送",
            from: &[RState::Due, RState::Returned],
            to: Some(RState::Submitted),
            who: Who::Roles(COMMUNITY),
            reason: Reason::Optional,
        },
        Step {
            code: "accept",
            label: "通过",
            from: &[RState::Submitted],
            to: Some(RState::Accepted),
            who: Who::Roles(STREET),
            reason: Reason::Optional,
        },
        Step {
            code: "send_back",
            label: "退回",
            from: &[RState::Submitted],
            to: Some(RState::Returned),
            who: Who::Roles(STREET),
            reason: Reason::Required {
                field: "退回理由",
                message: "退回时请写明理由,社区据此修改后重新报送",
            },
        },
    ],
    stages: &[Stage {
        name: "报送",
        states: &[RState::Due, RState::Returned],
    }],
};

/// One return (without the frozen bytes).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Return {
    pub id: i64,
    pub task_id: i64,
    pub task_number: String,
    pub task_title: String,
    pub department: String,
    pub community_id: i64,
    pub community: String,
    /// ledger / figure / file
    pub kind: String,
    pub kind_label: String,
    pub label: String,
    /// The catalogue code asked for (ledger or indicator).
    pub code: Option<String>,
    pub period: Option<String>,
    pub due_on: String,
    pub state: String,
    pub state_label: String,
    /// Not submitted and past its due date (Beijing date).
    pub overdue: bool,
    pub ledger_code: Option<String>,
    pub ledger_count: Option<i64>,
    pub value: Option<String>,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub file_name: Option<String>,
    pub note: Option<String>,
    /// The street's reason when sent back.
    pub reason: Option<String>,
    pub submitted_at: Option<String>,
    pub reviewed_at: Option<String>,
}

/// The frozen rows of a ledger return: headers and cells as returned.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FrozenLedger {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub(crate) const SELECT: &str =
    "SELECT r.id, r.task_id, t.number, t.title, t.department, r.community_id, n.name, q.kind, q.label, q.code, \
     COALESCE(r.period, q.period), r.due_on, r.state, r.ledger_code, r.ledger_count, r.value, r.numerator, \
     r.denominator, r.file_name, r.note, r.reason, r.submitted_at, r.reviewed_at \
     FROM admission_returns r JOIN admission_tasks t ON t.id = r.task_id \
     JOIN admission_requirements q ON q.id = r.requirement_id JOIN nodes n ON n.id = r.community_id";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Return {
    let today = db::today().to_string();
    let state: String = r.get(12);
    let due_on: String = r.get(11);
    let kind: String = r.get(7);
    Return {
        id: r.get(0),
        task_id: r.get(1),
        task_number: r.get(2),
        task_title: r.get(3),
        department: r.get(4),
        community_id: r.get(5),
        community: r.get(6),
        kind_label: kind_label(&kind).into(),
        kind,
        label: r.get(8),
        code: r.get(9),
        period: r.get(10),
        overdue: matches!(state.as_str(), "due" | "returned") && due_on < today,
        due_on,
        state_label: RState::from_code(&state)
            .map(|s| s.label_zh())
            .unwrap_or("")
            .into(),
        state,
        ledger_code: r.get(13),
        ledger_count: r.get(14),
        value: r.get(15),
        numerator: r.get(16),
        denominator: r.get(17),
        file_name: r.get(18),
        note: r.get(19),
        reason: r.get(20),
        submitted_at: r.get(21),
        reviewed_at: r.get(22),
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct Filter {
    pub task_id: Option<i64>,
    /// due / submitted / accepted / returned / overdue
    pub state: Option<String>,
}

/// The returns in the actor's scope (a community's own; the street's all), due first.
pub async fn list(db: &Db, actor: &Actor, f: &Filter) -> Result<Vec<Return>> {
    let mut cond = actor.scope.sql("r");
    if let Some(t) = f.task_id {
        cond.push_str(&format!(" AND r.task_id = {t}"));
    }
    let today = db::today().to_string();
    match f.state.as_deref().map(str::trim) {
        Some("overdue") => cond.push_str(" AND r.state IN ('due','returned') AND r.due_on < $1"),
        Some(s) if RState::from_code(s).is_some() => {
            cond.push_str(&format!(" AND r.state = '{s}' AND $1 = $1"))
        }
        _ => cond.push_str(" AND $1 = $1"),
    }
    let sql = format!("{SELECT} WHERE {cond} ORDER BY r.due_on, t.id, n.name, q.idx LIMIT 1000");
    Ok(sqlx::query(&sql)
        .bind(today)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect())
}

/// One return in the actor's scope.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Return> {
    let sql = format!("{SELECT} WHERE r.id = $1 AND {}", actor.scope.sql("r"));
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .ok_or(Error::NotFound)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Submission {
    /// For a ledger the task left open: the catalogue code chosen.
    pub ledger_code: Option<String>,
    /// For a ledger or indicator whose period the task left open.
    pub period: Option<String>,
    /// For a figure without an indicator: the number typed.
    pub value: Option<String>,
    pub note: String,
}

/// Accepted materials: the attachment types (images, PDF) and office files (.docx / .xlsx, zip containers).
const FILE_TYPES: [(&str, &[u8]); 7] = [
    ("image/jpeg", b"\xFF\xD8\xFF"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("application/pdf", b"%PDF-"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    ),
    ("application/msword", b"\xD0\xCF\x11\xE0"),
    ("application/vnd.ms-excel", b"\xD0\xCF\x11\xE0"),
];

fn check_file(u: &Upload) -> Result<String> {
    if u.bytes.is_empty() {
        return Err(Error::invalid("材料", "请选择要上传的材料文件"));
    }
    if u.bytes.len() > MAX_BYTES {
        return Err(Error::invalid(
            "材料",
            format!("材料不能超过{}MB", MAX_BYTES / 1024 / 1024),
        ));
    }
    let declared = u
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((ty, magic)) = FILE_TYPES.iter().find(|(t, _)| *t == declared) else {
        return Err(Error::invalid(
            "材料",
            "材料只能是PDF、Word、Excel文件或JPEG、PNG图片",
        ));
    };
    if !u.bytes.starts_with(magic) {
        return Err(Error::invalid(
            "材料",
            format!("材料的内容与类型({ty})不符"),
        ));
    }
    Ok(ty.to_string())
}

/// What is frozen at submission.
#[derive(Default)]
struct Frozen {
    ledger_code: Option<String>,
    period: Option<String>,
    rows: Option<String>,
    count: Option<i64>,
    xlsx: Option<Vec<u8>>,
    value: Option<String>,
    numerator: Option<String>,
    denominator: Option<String>,
    file: Option<(String, String, Vec<u8>)>,
}

fn shown(v: Option<f64>) -> Option<String> {
    v.map(|x| {
        if x.fract() == 0.0 {
            format!("{}", x as i64)
        } else {
            format!("{x:.1}")
        }
    })
}

/// 报送: freezes what the requirement asks for and moves the return to 已报送.
pub async fn submit(
    db: &Db,
    actor: &Actor,
    id: i64,
    s: &Submission,
    file: Option<&Upload>,
) -> Result<Return> {
    let r = get(db, actor, id).await?;
    let from = RState::from_code(&r.state).unwrap_or(RState::Due);
    RETURN_FLOW.check("submit", from, actor.role)?;
    let note = text("说明", &s.note, 1000)?;
    let pick = |a: &Option<String>| {
        a.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    let mut f = Frozen::default();
    match r.kind.as_str() {
        "ledger" => {
            let code = pick(&r.code)
                .or_else(|| pick(&s.ledger_code))
                .ok_or_else(|| Error::invalid("台账", "请从台账目录中选择台账"))?;
            let label = pick(&r.period)
                .or_else(|| pick(&s.period))
                .ok_or_else(|| Error::invalid("统计期间", "请填写统计期间"))?;
            let period = Period::parse(&label)?;
            let ledger = crate::reports::custom::ledger(db, actor, &code)
                .await
                .map_err(|_| Error::invalid("台账", format!("台账目录中没有“{code}”")))?;
            let at = Where::new(db, actor, Some(r.community_id)).await?;
            let rows = ledger
                .rows(db, &at, &period, crate::exports::ledger::MAX_ROWS)
                .await?;
            let (bytes, _) = crate::exports::ledger::xlsx(db, actor, ledger, &at, &period).await?;
            let frozen = FrozenLedger {
                title: format!("{}({})", ledger.title(), period.label),
                headers: ledger
                    .columns()
                    .iter()
                    .map(|c| c.header.to_string())
                    .collect(),
                rows,
            };
            f.count = Some(frozen.rows.len() as i64);
            f.rows = Some(serde_json::to_string(&frozen).map_err(anyhow::Error::from)?);
            f.xlsx = Some(bytes);
            f.ledger_code = Some(code);
            f.period = Some(label);
        }
        "figure" => match pick(&r.code) {
            Some(code) => {
                let label = pick(&r.period)
                    .or_else(|| pick(&s.period))
                    .ok_or_else(|| Error::invalid("统计期间", "请填写统计期间"))?;
                let period = Period::parse(&label)?;
                let at = Where::new(db, actor, Some(r.community_id)).await?;
                let v = catalog().value(db, &at, &code, &period).await?;
                f.value = Some(shown(v.value).unwrap_or_else(|| "无数据".into()));
                f.numerator = shown(v.numerator);
                f.denominator = shown(v.denominator);
                f.period = Some(label);
            }
            None => {
                let typed = pick(&s.value)
                    .ok_or_else(|| Error::invalid("数值", format!("请填写“{}”的数值", r.label)))?;
                let n: f64 = typed
                    .parse()
                    .map_err(|_| Error::invalid("数值", "数值应为数字"))?;
                if !n.is_finite() || n.abs() > 1e12 {
                    return Err(Error::invalid("数值", "数值不正确"));
                }
                f.value = Some(typed);
            }
        },
        _ => {
            let u = file.ok_or_else(|| Error::invalid("材料", "请选择要上传的材料文件"))?;
            let ty = check_file(u)?;
            let name = text("文件名", &u.filename, 200)?;
            f.file = Some((
                if name.is_empty() {
                    "材料".into()
                } else {
                    name
                },
                ty,
                u.bytes.clone(),
            ));
        }
    }
    let now = db::now();
    let mut tx = db.begin().await?;
    let (fname, ftype, fbytes) = match f.file {
        Some((n, t, b)) => (Some(n), Some(t), Some(b)),
        None => (None, None, None),
    };
    let done = sqlx::query(
        "UPDATE admission_returns SET state = 'submitted', ledger_code = COALESCE($1, ledger_code), \
         period = COALESCE($2, period), ledger_rows = $3, ledger_count = $4, ledger_xlsx = $5, value = $6, \
         numerator = $7, denominator = $8, file_name = $9, file_type = $10, file_bytes = $11, note = $12, \
         submitted_by = $13, submitted_at = $14, updated_at = $14 WHERE id = $15 AND state = $16",
    )
    .bind(&f.ledger_code)
    .bind(&f.period)
    .bind(&f.rows)
    .bind(f.count)
    .bind(f.xlsx)
    .bind(&f.value)
    .bind(&f.numerator)
    .bind(&f.denominator)
    .bind(&fname)
    .bind(&ftype)
    .bind(fbytes)
    .bind(&note)
    .bind(actor.user_id)
    .bind(&now)
    .bind(id)
    .bind(from.code())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict("状态", "该事项已被他人办理,请刷新后重试"));
    }
    audit::record(
        &mut *tx,
        actor,
        "submit",
        "admission_return",
        Some(id),
        Some(&json!({"state": from.code()})),
        Some(&json!({"state": "submitted", "ledger": f.ledger_code, "period": f.period, "rows": f.count,
                     "value": f.value, "numerator": f.numerator, "denominator": f.denominator,
                     "file": fname, "note": note})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Review {
    /// accept / send_back
    pub action: String,
    pub reason: String,
}

/// 通过 / 退回 (with a reason) by the street.
pub async fn review(db: &Db, actor: &Actor, id: i64, v: &Review) -> Result<Return> {
    let r = get(db, actor, id).await?;
    if !matches!(v.action.as_str(), "accept" | "send_back") {
        return Err(Error::invalid("操作", "操作应为通过或退回"));
    }
    let from = RState::from_code(&r.state).unwrap_or(RState::Due);
    let (step, to) = RETURN_FLOW.check(&v.action, from, actor.role)?;
    let reason = text("理由", &v.reason, 1000)?;
    RETURN_FLOW.check_reason(step, &reason)?;
    let now = db::now();
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE admission_returns SET state = $1, reason = $2, reviewed_by = $3, reviewed_at = $4, updated_at = $4 \
         WHERE id = $5 AND state = $6",
    )
    .bind(to.code())
    .bind(if reason.is_empty() { None } else { Some(&reason) })
    .bind(actor.user_id)
    .bind(&now)
    .bind(id)
    .bind(from.code())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict("状态", "该事项已被他人办理,请刷新后重试"));
    }
    audit::record(
        &mut *tx,
        actor,
        step.code,
        "admission_return",
        Some(id),
        Some(&json!({"state": from.code()})),
        Some(&json!({"state": to.code(), "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// The frozen rows of a ledger return (NotFound when it has none).
pub async fn frozen_ledger(db: &Db, actor: &Actor, id: i64) -> Result<FrozenLedger> {
    get(db, actor, id).await?;
    let text: Option<String> =
        sqlx::query_scalar("SELECT ledger_rows FROM admission_returns WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
    let v: serde_json::Value =
        serde_json::from_str(&text.ok_or(Error::NotFound)?).map_err(anyhow::Error::from)?;
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x.as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(FrozenLedger {
        title: v["title"].as_str().unwrap_or("").into(),
        headers: strings(&v["headers"]),
        rows: v["rows"]
            .as_array()
            .map(|a| a.iter().map(strings).collect())
            .unwrap_or_default(),
    })
}

/// The bytes frozen with a return: the ledger's .xlsx or the file — (file name, content type, bytes).
pub async fn content(db: &Db, actor: &Actor, id: i64) -> Result<(String, String, Vec<u8>)> {
    let r = get(db, actor, id).await?;
    let row = sqlx::query(
        "SELECT ledger_xlsx, file_name, file_type, file_bytes FROM admission_returns WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await?;
    let out = if r.kind == "ledger" {
        let b: Option<Vec<u8>> = row.get(0);
        b.map(|b| {
            (
                format!("{}-{}.xlsx", r.label, r.community),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                b,
            )
        })
    } else {
        let b: Option<Vec<u8>> = row.get(3);
        b.map(|b| {
            (
                row.get::<Option<String>, _>(1).unwrap_or_default(),
                row.get::<Option<String>, _>(2).unwrap_or_default(),
                b,
            )
        })
    };
    let out = out.ok_or(Error::NotFound)?;
    audit::record(
        &db.pool,
        actor,
        "download",
        "admission_return",
        Some(id),
        None,
        Some(&json!({"file": out.0})),
    )
    .await?;
    Ok(out)
}
