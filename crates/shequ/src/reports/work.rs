//! Work reports (年度工作总结, 半年工作总结, 季度工作报告, 工作计划): a template's text copied into a report of
//! one place and one period; staff rewrite the prose while the figures stay live; finalising freezes the
//! computed document with its figures and the time they were computed; a new version starts from a report.
//! A finalised report's figures are the history the next year's report compares with (同比).
//!
//! Templates: the built-in ones ship in `data/report_templates/`; a street administrator edits them, which
//! saves the street's own copy under the same code.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::registry::nodes::{self, Kind};
use crate::reports::catalog::{Period, Where};
use crate::reports::document::{self, Doc};
use crate::reports::template;

/// A template as the pages list it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateInfo {
    pub code: String,
    pub name: String,
    /// annual, half, quarter, plan or other
    pub kind: String,
    pub body: String,
    /// Shipped with shequ and not changed by the street.
    pub builtin: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
}

const BUILTIN: &[(&str, &str, &str, &str)] = &[
    (
        "annual",
        "年度工作总结",
        "annual",
        include_str!("../../data/report_templates/annual.md"),
    ),
    (
        "half",
        "半年工作总结",
        "half",
        include_str!("../../data/report_templates/half.md"),
    ),
    (
        "quarter",
        "季度工作报告",
        "quarter",
        include_str!("../../data/report_templates/quarter.md"),
    ),
    (
        "plan",
        "工作计划",
        "plan",
        include_str!("../../data/report_templates/plan.md"),
    ),
];

fn builtin(code: &str) -> Option<TemplateInfo> {
    BUILTIN
        .iter()
        .find(|b| b.0 == code)
        .map(|(code, name, kind, body)| TemplateInfo {
            code: code.to_string(),
            name: name.to_string(),
            kind: kind.to_string(),
            body: body.to_string(),
            builtin: true,
            updated_by: None,
            updated_at: None,
        })
}

/// The templates of the actor's street: the built-in ones (or the street's copies of them) and its own.
pub async fn templates(db: &Db, actor: &Actor) -> Result<Vec<TemplateInfo>> {
    let own = match actor.scope.street() {
        Some(street) => sqlx::query(
            "SELECT code, name, kind, body, updated_by, updated_at FROM report_templates WHERE street_id = $1 ORDER BY code",
        )
        .bind(street)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| TemplateInfo {
            code: r.get(0),
            name: r.get(1),
            kind: r.get(2),
            body: r.get(3),
            builtin: false,
            updated_by: r.get(4),
            updated_at: r.get(5),
        })
        .collect(),
        None => Vec::new(),
    };
    let mut out: Vec<TemplateInfo> = BUILTIN
        .iter()
        .map(|b| {
            own.iter()
                .find(|o| o.code == b.0)
                .cloned()
                .unwrap_or_else(|| builtin(b.0).expect("listed"))
        })
        .collect();
    out.extend(own.into_iter().filter(|o| builtin(&o.code).is_none()));
    Ok(out)
}

pub async fn template(db: &Db, actor: &Actor, code: &str) -> Result<TemplateInfo> {
    templates(db, actor)
        .await?
        .into_iter()
        .find(|t| t.code == code)
        .ok_or(Error::NotFound)
}

/// Saves a street's template (a new one, or its copy of a built-in one); a bad field is refused with its
/// line and nothing is saved.
pub async fn save_template(
    db: &Db,
    actor: &Actor,
    code: &str,
    name: &str,
    body: &str,
) -> Result<()> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以修改报告模板".into()));
    }
    let street = actor
        .scope
        .street()
        .ok_or_else(|| Error::Forbidden("请用街道管理员账号修改模板".into()))?;
    let code = code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::invalid(
            "代码",
            "模板代码只能用字母、数字、- 和 _(最多40个)",
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::invalid("名称", "请填写模板名称(最多60字)"));
    }
    template::parse(body)?;
    let kind = builtin(code)
        .map(|b| b.kind)
        .unwrap_or_else(|| "other".into());
    let mut tx = db.begin().await?;
    let before =
        sqlx::query("SELECT id, body FROM report_templates WHERE street_id = $1 AND code = $2")
            .bind(street)
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
    let now = db::now();
    let id: i64 = match &before {
        Some(r) => {
            let id: i64 = r.get(0);
            sqlx::query("UPDATE report_templates SET name = $1, body = $2, updated_by = $3, updated_at = $4 WHERE id = $5")
                .bind(name)
                .bind(body)
                .bind(&actor.username)
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => sqlx::query_scalar(
            "INSERT INTO report_templates (street_id, code, name, kind, body, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(street)
        .bind(code)
        .bind(name)
        .bind(&kind)
        .bind(body)
        .bind(&actor.username)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?,
    };
    audit::record(
        &mut *tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "report_template",
        Some(id),
        before
            .as_ref()
            .map(|r| json!({"code": code, "body": r.get::<String, _>(1)}))
            .as_ref(),
        Some(&json!({"code": code, "name": name, "body": body})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A report's title as offices write it: 幸福社区2025年度工作总结, 幸福社区2025年第一季度工作报告,
/// 幸福社区2025年上半年工作总结 (the period and the template's name share their 年度/季度/半年).
pub fn title(place: &str, period: &Period, name: &str) -> String {
    let l = period.label.as_str();
    let joined = if let (Some(y), Some(rest)) = (l.strip_suffix('年'), name.strip_prefix("年度"))
    {
        format!("{y}年度{rest}")
    } else if let (true, Some(rest)) = (l.ends_with("季度"), name.strip_prefix("季度")) {
        format!("{l}{rest}")
    } else if let (true, Some(rest)) = (l.ends_with("半年"), name.strip_prefix("半年")) {
        format!("{l}{rest}")
    } else {
        format!("{l}{name}")
    };
    format!("{place}{joined}")
}

/// A report as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    /// BG20250105000012
    pub number: String,
    pub template_code: String,
    pub title: String,
    pub node_id: i64,
    pub place: String,
    #[schema(value_type = String)]
    pub period_from: NaiveDate,
    #[schema(value_type = String)]
    pub period_to: NaiveDate,
    pub period_label: String,
    pub body: String,
    /// draft or final
    pub status: String,
    pub version: i64,
    pub parent_id: Option<i64>,
    pub computed_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub finalised_by: Option<String>,
    pub finalised_at: Option<String>,
}

impl Report {
    pub fn period(&self) -> Period {
        Period {
            from: self.period_from,
            to: self.period_to,
            label: self.period_label.clone(),
        }
    }
    pub fn is_final(&self) -> bool {
        self.status == "final"
    }
}

const COLS: &str = "r.id, r.number, r.template_code, r.title, r.node_id, n.name, r.period_from, r.period_to, \
    r.period_label, r.body, r.status, r.version, r.parent_id, r.computed_at, r.created_by, r.created_at, \
    r.updated_at, r.finalised_by, r.finalised_at";

fn from_row(r: &sqlx::any::AnyRow) -> Report {
    let date = |i: usize| {
        NaiveDate::parse_from_str(&r.get::<String, _>(i), "%Y-%m-%d").unwrap_or_default()
    };
    Report {
        id: r.get(0),
        number: r.get(1),
        template_code: r.get(2),
        title: r.get(3),
        node_id: r.get(4),
        place: r.get(5),
        period_from: date(6),
        period_to: date(7),
        period_label: r.get(8),
        body: r.get(9),
        status: r.get(10),
        version: r.get(11),
        parent_id: r.get(12),
        computed_at: r.get(13),
        created_by: r.get(14),
        created_at: r.get(15),
        updated_at: r.get(16),
        finalised_by: r.get(17),
        finalised_at: r.get(18),
    }
}

/// The reports the actor may read, newest first (at most 500).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Report>> {
    let sql = format!(
        "SELECT {COLS} FROM work_reports r JOIN nodes n ON n.id = r.node_id WHERE {} ORDER BY r.id DESC LIMIT 500",
        actor.scope.sql("r")
    );
    Ok(sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect())
}

/// One report in the actor's scope (404 outside it).
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Report> {
    let sql = format!(
        "SELECT {COLS} FROM work_reports r JOIN nodes n ON n.id = r.node_id WHERE r.id = $1 AND {}",
        actor.scope.sql("r")
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .ok_or(Error::NotFound)
}

fn writer(actor: &Actor) -> Result<()> {
    if actor.role.can_write_registry() {
        Ok(())
    } else {
        Err(Error::Forbidden("您的角色不能编写工作报告".into()))
    }
}

/// Starts a report of a place and a period from a template.
pub async fn create(
    db: &Db,
    actor: &Actor,
    template_code: &str,
    node_id: i64,
    period: &Period,
) -> Result<i64> {
    writer(actor)?;
    let t = template(db, actor, template_code).await?;
    let node = nodes::get(db, actor, node_id).await?;
    if !matches!(node.kind(), Kind::Street | Kind::Community | Kind::Grid) {
        return Err(Error::invalid("范围", "工作报告写给街道、社区或网格"));
    }
    let title = title(&node.name, period, &t.name);
    let mut tx = db.begin().await?;
    let now = db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO work_reports (number, template_code, title, node_id, street_id, community_id, grid_id, building_id, \
         period_from, period_to, period_label, body, status, version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', 1, $13, $14, $14) RETURNING id",
    )
    .bind(format!("tmp-{}", crate::accounts::sessions::random_token()))
    .bind(&t.code)
    .bind(&title)
    .bind(node.id)
    .bind(node.street_id)
    .bind(node.community_id)
    .bind(node.grid_id)
    .bind(node.building_id)
    .bind(period.from.to_string())
    .bind(period.to.to_string())
    .bind(&period.label)
    .bind(&t.body)
    .bind(&actor.username)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let number = numbered(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "work_report",
        Some(id),
        None,
        Some(&json!({"number": number, "template": t.code, "node_id": node.id, "period": period.label})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn numbered(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<String> {
    let number = format!(
        "BG{}{:06}",
        (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y%m%d"),
        id
    );
    sqlx::query("UPDATE work_reports SET number = $1 WHERE id = $2")
        .bind(&number)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(number)
}

/// Saves a draft's title and text; a bad field or a typed figure is refused with its line, nothing saved.
pub async fn update(db: &Db, actor: &Actor, id: i64, title: &str, body: &str) -> Result<()> {
    writer(actor)?;
    let r = get(db, actor, id).await?;
    if r.is_final() {
        return Err(Error::conflict(
            "报告",
            "报告已定稿,不能再修改;请从它新建一个版本",
        ));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(Error::invalid("标题", "请填写标题(最多100字)"));
    }
    template::parse(body)?;
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE work_reports SET title = $1, body = $2, updated_at = $3 WHERE id = $4 AND status = 'draft'",
    )
    .bind(title)
    .bind(body)
    .bind(db::now())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::conflict("报告", "报告刚被定稿,未保存"));
    }
    audit::record(
        &mut *tx,
        actor,
        "update",
        "work_report",
        Some(id),
        Some(&json!({"title": r.title, "body": r.body})),
        Some(&json!({"title": title, "body": body})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Where a report's figures are computed: its place, inside the reader's scope.
async fn place(db: &Db, actor: &Actor, r: &Report) -> Result<Where> {
    Where::new(db, actor, Some(r.node_id)).await
}

/// The figures a year earlier that 同比 reads instead of recomputing: the latest finalised report of the same
/// place and period; for a year of the reader's own unit without one, the figures saved from last year's
/// report written outside shequ (报告检查 → 保存为历史数据), each mapped to its indicator.
async fn saved_year_before(db: &Db, actor: &Actor, r: &Report) -> Result<HashMap<String, f64>> {
    let out = finalised_year_before(db, r).await?;
    if !out.is_empty() {
        return Ok(out);
    }
    let p = r.period();
    let whole_year = p.from.month() == 1
        && p.from.day() == 1
        && p.to.month() == 12
        && p.to.day() == 31
        && p.from.year() == p.to.year();
    let own_unit = match &actor.scope {
        crate::accounts::Scope::Street(s) => *s == r.node_id,
        crate::accounts::Scope::Community { community, .. } => *community == r.node_id,
        crate::accounts::Scope::Grids { grids, .. } => grids.as_slice() == [r.node_id],
        _ => false,
    };
    let mut out = HashMap::new();
    if whole_year && own_unit {
        if let Some(h) = crate::reports::history::load(db, actor, p.from.year() - 1).await? {
            let mapping = reportcheck::Mapping::default();
            for f in h.figures.iter().filter(|f| !f.is_part) {
                if let Some(row) = mapping.lookup(&f.subject) {
                    out.entry(row.code.clone()).or_insert(f.value);
                }
            }
        }
    }
    Ok(out)
}

async fn finalised_year_before(db: &Db, r: &Report) -> Result<HashMap<String, f64>> {
    let p = r.period().year_before();
    let row = sqlx::query(
        "SELECT frozen FROM work_reports WHERE node_id = $1 AND period_from = $2 AND period_to = $3 \
         AND status = 'final' ORDER BY version DESC, id DESC LIMIT 1",
    )
    .bind(r.node_id)
    .bind(p.from.to_string())
    .bind(p.to.to_string())
    .fetch_optional(&db.pool)
    .await?;
    let mut out = HashMap::new();
    if let Some(row) = row {
        let s: Option<String> = row.get(0);
        if let Some(doc) = s.and_then(|s| serde_json::from_str::<Doc>(&s).ok()) {
            for f in doc.figures {
                if let Some(v) = f.value {
                    out.insert(f.code, v);
                }
            }
        }
    }
    Ok(out)
}

/// The report's document: frozen for a finalised report, computed now for a draft.
pub async fn document(db: &Db, actor: &Actor, r: &Report) -> Result<Doc> {
    if r.is_final() {
        let s: Option<String> = sqlx::query_scalar("SELECT frozen FROM work_reports WHERE id = $1")
            .bind(r.id)
            .fetch_one(&db.pool)
            .await?;
        return Ok(serde_json::from_str(&s.unwrap_or_default())?);
    }
    compute(db, actor, r, &r.body).await
}

/// Computes a text for a report's place and period (the preview of unsaved edits, too).
pub async fn compute(db: &Db, actor: &Actor, r: &Report, body: &str) -> Result<Doc> {
    let t = template::parse(body)?;
    let at = place(db, actor, r).await?;
    let saved = saved_year_before(db, actor, r).await?;
    document::generate(db, &at, &r.period(), &r.title, &t, &saved).await
}

/// A report computed without storing it: a template for the actor's whole scope (or one node of it) and a
/// period (the `shequ report` command).
pub async fn preview(
    db: &Db,
    actor: &Actor,
    template_code: &str,
    node: Option<i64>,
    period: &Period,
) -> Result<Doc> {
    let t = template(db, actor, template_code).await?;
    let at = Where::new(db, actor, node).await?;
    let parsed = template::parse(&t.body)?;
    let title = title(&at.name, period, &t.name);
    document::generate(db, &at, period, &title, &parsed, &HashMap::new()).await
}

/// Freezes a draft: its document is computed once more and stored with its figures and the time.
pub async fn finalise(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    writer(actor)?;
    let r = get(db, actor, id).await?;
    if r.is_final() {
        return Err(Error::conflict("报告", "报告已定稿"));
    }
    let doc = compute(db, actor, &r, &r.body).await?;
    let frozen = serde_json::to_string(&doc)?;
    // The records each figure counts, kept so the frozen figures' drill-down lists them (reports::frozen).
    let codes: Vec<String> = doc.figures.iter().map(|f| f.code.clone()).collect();
    let at = place(db, actor, &r).await?;
    let kept = crate::reports::frozen::collect(db, &at, &r.period(), &codes).await?;
    let mut tx = db.begin().await?;
    let now = db::now();
    let n = sqlx::query(
        "UPDATE work_reports SET status = 'final', frozen = $1, computed_at = $2, finalised_by = $3, finalised_at = $4, \
         updated_at = $4 WHERE id = $5 AND status = 'draft'",
    )
    .bind(&frozen)
    .bind(&doc.computed_at)
    .bind(&actor.username)
    .bind(&now)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::conflict("报告", "报告已定稿"));
    }
    crate::reports::frozen::store(&mut tx, id, &kept).await?;
    let figures: serde_json::Map<String, serde_json::Value> = doc
        .figures
        .iter()
        .map(|f| (f.code.clone(), json!(f.value)))
        .collect();
    audit::record(
        &mut *tx,
        actor,
        "finalise",
        "work_report",
        Some(id),
        None,
        Some(&json!({"computed_at": doc.computed_at, "figures": figures})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts a new draft from a report (its text, the same place and period; version + 1).
pub async fn new_version(db: &Db, actor: &Actor, id: i64) -> Result<i64> {
    writer(actor)?;
    let r = get(db, actor, id).await?;
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) FROM work_reports WHERE node_id = $1 AND period_from = $2 AND period_to = $3 AND template_code = $4",
    )
    .bind(r.node_id)
    .bind(r.period_from.to_string())
    .bind(r.period_to.to_string())
    .bind(&r.template_code)
    .fetch_one(&db.pool)
    .await?;
    let node = nodes::get(db, actor, r.node_id).await?;
    let mut tx = db.begin().await?;
    let now = db::now();
    let new: i64 = sqlx::query_scalar(
        "INSERT INTO work_reports (number, template_code, title, node_id, street_id, community_id, grid_id, building_id, \
         period_from, period_to, period_label, body, status, version, parent_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $13, $14, $15, $16, $16) RETURNING id",
    )
    .bind(format!("tmp-{}", crate::accounts::sessions::random_token()))
    .bind(&r.template_code)
    .bind(&r.title)
    .bind(r.node_id)
    .bind(node.street_id)
    .bind(node.community_id)
    .bind(node.grid_id)
    .bind(node.building_id)
    .bind(r.period_from.to_string())
    .bind(r.period_to.to_string())
    .bind(&r.period_label)
    .bind(&r.body)
    .bind(version + 1)
    .bind(r.id)
    .bind(&actor.username)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let number = numbered(&mut tx, new).await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "work_report",
        Some(new),
        None,
        Some(&json!({"number": number, "from": r.number, "version": version + 1})),
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}

/// The versions of a report's place, period and template, oldest first.
pub async fn versions(db: &Db, actor: &Actor, r: &Report) -> Result<Vec<Report>> {
    let sql = format!(
        "SELECT {COLS} FROM work_reports r JOIN nodes n ON n.id = r.node_id WHERE r.node_id = $1 AND r.period_from = $2 \
         AND r.period_to = $3 AND r.template_code = $4 AND {} ORDER BY r.version, r.id",
        actor.scope.sql("r")
    );
    Ok(sqlx::query(&sql)
        .bind(r.node_id)
        .bind(r.period_from.to_string())
        .bind(r.period_to.to_string())
        .bind(&r.template_code)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect())
}

/// The default period of a template kind: last year for annual reports and plans, the last finished half
/// or quarter otherwise.
pub fn default_period(kind: &str) -> Period {
    let today = db::today();
    let y = today.year();
    match kind {
        "quarter" => {
            let q = (today.month() - 1) / 3;
            if q == 0 {
                Period::quarter(y - 1, 4)
            } else {
                Period::quarter(y, q)
            }
        }
        "half" => {
            if today.month() > 6 {
                Period::half(y, 1)
            } else {
                Period::half(y - 1, 2)
            }
        }
        _ => Period::year(y - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_read_as_offices_write_them() {
        assert_eq!(
            title("幸福社区", &Period::year(2025), "年度工作总结"),
            "幸福社区2025年度工作总结"
        );
        assert_eq!(
            title("幸福社区", &Period::quarter(2025, 1), "季度工作报告"),
            "幸福社区2025年第一季度工作报告"
        );
        assert_eq!(
            title("幸福社区", &Period::half(2025, 1), "半年工作总结"),
            "幸福社区2025年上半年工作总结"
        );
        assert_eq!(
            title("幸福社区", &Period::year(2026), "工作计划"),
            "幸福社区2026年工作计划"
        );
    }
}
