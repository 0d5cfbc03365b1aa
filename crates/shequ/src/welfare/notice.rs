//! 公示 and 异议: the community's public notice of applications in their notice days (no login: names masked as
//! 张*明, no ID numbers or phones, no place beyond the estate), objections filed there by residents (at most
//! [`PUBLIC_PER_HOUR`] per client address an hour) or at the desk by a worker, and their resolution
//! (upheld / rejected, with the outcome recorded). An open objection blocks approval.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{fmt_ts, mask_name, now_utc, require_sees, text, who};
use crate::accounts::{Actor, Role};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

/// Objections one client address may file on public pages in an hour.
pub const PUBLIC_PER_HOUR: i64 = 5;

/// One line of the public notice: only what may be shown to anyone.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeItem {
    /// 申请编号 (the objection form names it).
    pub number: String,
    pub programme: String,
    /// 申请人, masked: 张*明
    pub applicant: String,
    pub persons: i64,
    /// 小区
    pub estate: String,
    /// 拟批准月金额 (元)
    pub amount: i64,
    pub notice_from: String,
    pub notice_to: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub community: String,
    pub code: String,
    pub items: Vec<NoticeItem>,
}

/// The community (by its code) for the public pages: (id, name).
async fn community(db: &Db, code: &str) -> Result<(i64, String)> {
    sqlx::query_as::<_, (i64, String)>(
        "SELECT id, name FROM nodes WHERE kind = 'community' AND code = $1 AND archived = 0",
    )
    .bind(code.trim())
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// (number, programme, head of household, persons, estate, amount, notice from, notice to)
type NoticeRow = (
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    String,
    String,
);

/// The public notice of a community: applications whose notice runs today.
pub async fn public(db: &Db, code: &str) -> Result<Notice> {
    let (cid, name) = community(db, code).await?;
    let today = db::today().to_string();
    let rows: Vec<NoticeRow> = sqlx::query_as(
        "SELECT a.number, p.name, COALESCE((SELECT x.name FROM persons x WHERE x.household_id = a.household_id \
         AND x.archived = 0 ORDER BY CASE WHEN x.relation = '户主' THEN 0 ELSE 1 END, x.id LIMIT 1), ''), \
         a.member_count, e.name, a.amount, a.notice_from, a.notice_to \
         FROM welfare_applications a JOIN welfare_programmes p ON p.id = a.programme_id \
         JOIN households h ON h.id = a.household_id JOIN nodes d ON d.id = h.dwelling_id \
         LEFT JOIN nodes e ON e.id = d.estate_id \
         WHERE a.community_id = $1 AND a.state = 'notice' AND a.notice_from <= $2 AND a.notice_to >= $2 ORDER BY a.id",
    )
    .bind(cid)
    .bind(&today)
    .fetch_all(&db.pool)
    .await?;
    Ok(Notice {
        community: name,
        code: code.trim().to_string(),
        items: rows
            .into_iter()
            .map(
                |(number, programme, head, persons, estate, amount, from, to)| NoticeItem {
                    number,
                    programme,
                    applicant: mask_name(&head),
                    persons,
                    estate: estate.unwrap_or_default(),
                    amount: amount.unwrap_or(0),
                    notice_from: from,
                    notice_to: to,
                },
            )
            .collect(),
    })
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ObjectionInput {
    pub body: String,
    /// Who files it (optional on the public page).
    pub filer: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Objection {
    pub id: i64,
    pub application_id: i64,
    pub body: String,
    pub filer: String,
    /// public | desk
    pub source: String,
    /// open | upheld | rejected
    pub status: String,
    pub outcome: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub created_at: String,
}

fn check(input: &ObjectionInput) -> Result<(String, String)> {
    let body = text("异议内容", &input.body, 2000)?;
    if body.chars().count() < 5 {
        return Err(Error::invalid("异议内容", "请写明异议内容(至少5个字)"));
    }
    Ok((body, text("反映人", &input.filer, 50)?))
}

async fn insert(
    db: &Db,
    actor: &Actor,
    app: i64,
    body: &str,
    filer: &str,
    source: &str,
    client: &str,
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO welfare_objections (application_id, body, filer, source, client, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
    )
    .bind(app)
    .bind(body)
    .bind(filer)
    .bind(source)
    .bind(client)
    .bind(fmt_ts(now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "welfare_objection",
        Some(id),
        None,
        Some(&json!({"application_id": app, "source": source, "filer": filer})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A resident's objection on the public page, to an application on notice in that community.
pub async fn file_public(
    db: &Db,
    code: &str,
    number: &str,
    client: &str,
    input: &ObjectionInput,
) -> Result<()> {
    let (body, filer) = check(input)?;
    let (cid, _) = community(db, code).await?;
    let today = db::today().to_string();
    let app: i64 = sqlx::query_scalar(
        "SELECT id FROM welfare_applications WHERE number = $1 AND community_id = $2 AND state = 'notice' \
         AND notice_from <= $3 AND notice_to >= $3",
    )
    .bind(number.trim())
    .bind(cid)
    .bind(&today)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let since = fmt_ts(now_utc() - chrono::Duration::hours(1));
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM welfare_objections WHERE client = $1 AND source = 'public' AND created_at >= $2",
    )
    .bind(client)
    .bind(&since)
    .fetch_one(&db.pool)
    .await?;
    if recent >= PUBLIC_PER_HOUR {
        return Err(Error::Locked(
            "提交过于频繁,请一小时后再试,或到社区窗口反映".into(),
        ));
    }
    insert(db, &Actor::system(), app, &body, &filer, "public", client).await?;
    Ok(())
}

/// An objection taken at the desk by a worker.
pub async fn file_desk(
    db: &Db,
    actor: &Actor,
    application_id: i64,
    input: &ObjectionInput,
) -> Result<Objection> {
    let a = super::applications::find(db, actor, application_id).await?;
    if a.state().code() != "notice" {
        return Err(Error::invalid("异议", "只有公示中的申请可以提出异议"));
    }
    let (body, filer) = check(input)?;
    let id = insert(db, actor, a.id, &body, &filer, "desk", "").await?;
    get(db, actor, id).await
}

async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Objection> {
    require_sees(actor)?;
    sqlx::query_as::<_, Objection>(&format!(
        "SELECT o.id, o.application_id, o.body, o.filer, o.source, o.status, o.outcome, o.resolved_by, o.resolved_at, \
         o.created_at FROM welfare_objections o JOIN welfare_applications a ON a.id = o.application_id \
         WHERE o.id = $1 AND {}",
        actor.scope.sql("a")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// The objections to an application.
pub async fn for_application(
    db: &Db,
    actor: &Actor,
    application_id: i64,
) -> Result<Vec<Objection>> {
    super::applications::find(db, actor, application_id).await?;
    Ok(sqlx::query_as::<_, Objection>(
        "SELECT id, application_id, body, filer, source, status, outcome, resolved_by, resolved_at, created_at \
         FROM welfare_objections WHERE application_id = $1 ORDER BY id",
    )
    .bind(application_id)
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Resolution {
    /// upheld (异议成立) | rejected (异议不成立)
    pub status: String,
    pub outcome: String,
}

/// Resolves an objection with its outcome (community heads, street administrators). An upheld objection
/// refuses the application with the outcome as its reason.
pub async fn resolve(db: &Db, actor: &Actor, id: i64, r: &Resolution) -> Result<Objection> {
    let o = get(db, actor, id).await?;
    if !matches!(actor.role, Role::StreetAdmin | Role::CommunityHead) {
        return Err(Error::Forbidden(
            "只有街道管理员或社区书记/主任可以处理异议".into(),
        ));
    }
    if o.status != "open" {
        return Err(Error::invalid("异议", "该异议已处理"));
    }
    if !matches!(r.status.as_str(), "upheld" | "rejected") {
        return Err(Error::invalid(
            "处理结果",
            "处理结果应为异议成立或异议不成立",
        ));
    }
    let outcome = text("处理意见", &r.outcome, 2000)?;
    if outcome.is_empty() {
        return Err(Error::invalid("处理意见", "请填写核实情况和处理意见"));
    }
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE welfare_objections SET status = $1, outcome = $2, resolved_by = $3, resolved_at = $4 \
         WHERE id = $5 AND status = 'open'",
    )
    .bind(&r.status)
    .bind(&outcome)
    .bind(who(actor))
    .bind(fmt_ts(now_utc()))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(Error::conflict("异议", "该异议已由他人处理,请刷新后重试"));
    }
    audit::record(
        &mut *tx,
        actor,
        "resolve",
        "welfare_objection",
        Some(id),
        Some(&json!({"status": "open"})),
        Some(&json!({"status": r.status, "outcome": outcome})),
    )
    .await?;
    tx.commit().await?;
    if r.status == "upheld" {
        let a = super::applications::find(db, actor, o.application_id).await?;
        if a.state().is_open() {
            super::applications::step(db, actor, a.id, "refuse", &format!("异议成立:{outcome}"))
                .await?;
        }
    }
    get(db, actor, id).await
}
