//! The configurable category tree with the time allowed per stage (限时办结), in clock hours or in working
//! days on the calendar ([`crate::calendar`]). Categories are shared by the whole installation; street
//! administrators add categories and change the limits.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::Actor;
use crate::audit;
use crate::calendar::Limit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    /// 1: counted among disputes (纠纷).
    pub dispute: i64,
    /// Hours allowed for 上报 → 立案.
    pub accept_hours: i64,
    /// Hours allowed for 立案 → 派遣.
    pub dispatch_hours: i64,
    /// Hours allowed for 派遣 → 核查.
    pub handle_hours: i64,
    /// Hours allowed for 核查 → 结案.
    pub close_hours: i64,
    /// What the four limits count: `hours` (clock hours) or `working_days` (工作日).
    pub limit_unit: String,
    pub sort: i64,
    /// "矛盾纠纷/邻里纠纷".
    #[sqlx(default)]
    pub full_name: String,
}

impl Category {
    /// The whole time allowed from report to closing, in the category's unit.
    pub fn total_hours(&self) -> i64 {
        self.accept_hours + self.dispatch_hours + self.handle_hours + self.close_hours
    }

    /// A limit of the category's unit.
    pub fn limit(&self, n: i64) -> Limit {
        Limit::from_unit(&self.limit_unit, n)
    }

    /// The whole time allowed from report to closing.
    pub fn total_limit(&self) -> Limit {
        self.limit(self.total_hours())
    }
}

/// The units a category's limits may count.
pub const UNITS: &[(&str, &str)] = &[("hours", "小时"), ("working_days", "工作日")];

fn unit(input: &str) -> Result<&'static str> {
    match input.trim() {
        "" | "hours" | "小时" => Ok("hours"),
        "working_days" | "工作日" => Ok("working_days"),
        _ => Err(Error::invalid("时限单位", "时限单位应为小时或工作日")),
    }
}

const COLS: &str = "c.id, c.code, c.name, c.parent_id, c.dispute, c.accept_hours, c.dispatch_hours, \
                    c.handle_hours, c.close_hours, c.limit_unit, c.sort, \
                    CASE WHEN p.id IS NULL THEN c.name ELSE p.name || '/' || c.name END AS full_name";

/// All categories in tree order (parents before their children). Kept for a few seconds in the list cache
/// (cleared by [`create`] and [`set_hours`]): every case list page shows them in its filter.
pub async fn list(db: &Db) -> Result<Vec<Category>> {
    Ok(shared(db).await?.as_ref().clone())
}

/// [`list`] as the cache holds it, for readers that need not own it.
pub async fn shared(db: &Db) -> Result<std::sync::Arc<Vec<Category>>> {
    const KEY: &str = "case_categories";
    if let Some(hit) = db.lists.get::<Vec<Category>>(KEY) {
        return Ok(hit);
    }
    let generation = db.lists.generation();
    let sql = format!(
        "SELECT {COLS} FROM case_categories c LEFT JOIN case_categories p ON p.id = c.parent_id \
         WHERE c.archived = 0 ORDER BY c.sort, c.id"
    );
    let all = std::sync::Arc::new(
        sqlx::query_as::<_, Category>(&sql)
            .fetch_all(&db.pool)
            .await?,
    );
    db.lists.put(KEY.to_string(), generation, all.clone());
    Ok(all)
}

pub async fn get(db: &Db, id: i64) -> Result<Category> {
    let sql = format!(
        "SELECT {COLS} FROM case_categories c LEFT JOIN case_categories p ON p.id = c.parent_id \
         WHERE c.id = $1 AND c.archived = 0"
    );
    sqlx::query_as::<_, Category>(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn by_code(db: &Db, code: &str) -> Result<Category> {
    let sql = format!(
        "SELECT {COLS} FROM case_categories c LEFT JOIN case_categories p ON p.id = c.parent_id \
         WHERE c.code = $1 AND c.archived = 0"
    );
    sqlx::query_as::<_, Category>(&sql)
        .bind(code)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CategoryInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub dispute: bool,
    pub accept_hours: i64,
    pub dispatch_hours: i64,
    pub handle_hours: i64,
    pub close_hours: i64,
    /// `hours` (default) or `working_days`.
    #[serde(default)]
    pub limit_unit: String,
    #[serde(default)]
    pub sort: i64,
}

fn check_hours(input: &CategoryInput) -> Result<()> {
    if unit(&input.limit_unit)? == "working_days" {
        for (field, n) in [
            ("立案时限", input.accept_hours),
            ("派遣时限", input.dispatch_hours),
            ("处置时限", input.handle_hours),
            ("结案时限", input.close_hours),
        ] {
            if !(1..=250).contains(&n) {
                return Err(Error::invalid(field, format!("{field}应为1到250个工作日")));
            }
        }
        return Ok(());
    }
    for (field, h) in [
        ("立案时限", input.accept_hours),
        ("派遣时限", input.dispatch_hours),
        ("处置时限", input.handle_hours),
        ("结案时限", input.close_hours),
    ] {
        if !(1..=24 * 365).contains(&h) {
            return Err(Error::invalid(field, format!("{field}应为1到8760小时")));
        }
    }
    Ok(())
}

/// A street administrator adds a category.
pub async fn create(db: &Db, actor: &Actor, input: &CategoryInput) -> Result<Category> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以设置民情分类".into()));
    }
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 64
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(Error::invalid(
            "编码",
            "编码只能包含字母、数字、下划线、点和减号",
        ));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(Error::invalid("名称", "分类名称不能为空,不超过50个字符"));
    }
    check_hours(input)?;
    if let Some(p) = input.parent_id {
        get(db, p)
            .await
            .map_err(|_| Error::invalid("上级分类", "上级分类不存在"))?;
    }
    if by_code(db, code).await.is_ok() {
        return Err(Error::conflict(
            "编码",
            crate::db::constraints::DUPLICATE_CATEGORY,
        ));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO case_categories (code, name, parent_id, dispute, accept_hours, dispatch_hours, handle_hours, \
         close_hours, sort, created_at, limit_unit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(input.parent_id)
    .bind(input.dispute as i64)
    .bind(input.accept_hours)
    .bind(input.dispatch_hours)
    .bind(input.handle_hours)
    .bind(input.close_hours)
    .bind(input.sort)
    .bind(db::now())
    .bind(unit(&input.limit_unit)?)
    .fetch_one(&mut *tx)
    .await?;
    let after = json!({"code": code, "name": name, "parent_id": input.parent_id, "dispute": input.dispute,
        "hours": [input.accept_hours, input.dispatch_hours, input.handle_hours, input.close_hours],
        "limit_unit": unit(&input.limit_unit)?});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "case_category",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    db.lists.clear();
    get(db, id).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Hours {
    pub accept_hours: i64,
    pub dispatch_hours: i64,
    pub handle_hours: i64,
    pub close_hours: i64,
    /// `hours` (default) or `working_days`.
    #[serde(default)]
    pub limit_unit: String,
}

/// A street administrator changes the time limits of a category (cases already in a stage keep theirs).
pub async fn set_hours(db: &Db, actor: &Actor, id: i64, hours: &Hours) -> Result<Category> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以设置办理时限".into()));
    }
    let before = get(db, id).await?;
    check_hours(&CategoryInput {
        code: before.code.clone(),
        name: before.name.clone(),
        parent_id: None,
        dispute: false,
        accept_hours: hours.accept_hours,
        dispatch_hours: hours.dispatch_hours,
        handle_hours: hours.handle_hours,
        close_hours: hours.close_hours,
        limit_unit: hours.limit_unit.clone(),
        sort: 0,
    })?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE case_categories SET accept_hours = $1, dispatch_hours = $2, handle_hours = $3, close_hours = $4, \
         limit_unit = $6 WHERE id = $5",
    )
    .bind(hours.accept_hours)
    .bind(hours.dispatch_hours)
    .bind(hours.handle_hours)
    .bind(hours.close_hours)
    .bind(id)
    .bind(unit(&hours.limit_unit)?)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "update",
        "case_category",
        Some(id),
        Some(&json!({"hours": [before.accept_hours, before.dispatch_hours, before.handle_hours, before.close_hours], "limit_unit": before.limit_unit})),
        Some(&json!({"hours": [hours.accept_hours, hours.dispatch_hours, hours.handle_hours, hours.close_hours], "limit_unit": unit(&hours.limit_unit)?})),
    )
    .await?;
    tx.commit().await?;
    db.lists.clear();
    get(db, id).await
}
