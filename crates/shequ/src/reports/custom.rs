//! Ledgers a street administrator defines in the pages, without code: a record type (cases, hazards, visits,
//! residents), the columns wanted from that type's list, an optional filter (a case category, a hazard kind,
//! a visit kind, a resident type) and how often it is due. The SQL is assembled only from the fixed pieces
//! below; the filter value is bound. Once defined, a custom ledger is listed, shown, printed and exported
//! exactly like a built-in one (`custom.<id>`), within the reader's scope.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::reports::catalog::{cell_text, BoxFuture, Column, Ledger, Period, Where};

/// A column a record type offers: key, header, SQL expression, kind ("text", "time", "id_number", "phone").
type Offer = (&'static str, &'static str, &'static str, &'static str);

/// A record type: its name, FROM clause and alias, how the period applies, its columns and its filter.
pub struct RecordType {
    pub code: &'static str,
    pub name: &'static str,
    from: &'static str,
    alias: &'static str,
    /// The period condition, with `$1`/`$2` (timestamps or dates) or `$1` (as of the end).
    period: &'static str,
    binds: crate::reports::catalog::Binds,
    pub columns: &'static [Offer],
    /// The filter's label and its condition with `{v}` for the bound value.
    pub filter: (&'static str, &'static str),
    order: &'static str,
}

use crate::reports::catalog::Binds;

pub const TYPES: &[RecordType] = &[
    RecordType {
        code: "cases",
        name: "民情案件(按受理时间)",
        from: "FROM cases c JOIN case_categories k ON k.id = c.category_id",
        alias: "c",
        period: "c.created_at >= $1 AND c.created_at < $2",
        binds: Binds::Timestamps,
        columns: &[
            ("number", "编号", "c.number", "text"),
            ("created_at", "受理时间", "c.created_at", "time"),
            ("category", "类别", "k.name", "text"),
            ("title", "反映问题", "c.title", "text"),
            ("reporter", "反映人", "c.reporter_name", "text"),
            ("reporter_phone", "联系电话", "c.reporter_phone", "phone"),
            ("address", "地点", "c.address", "text"),
            ("assignee", "承办", "c.assignee_name", "text"),
            ("closed_at", "办结时间", "c.closed_at", "time"),
            ("rating", "评价", "c.rating", "text"),
        ],
        filter: ("案件类别代码(如 dispute、help.elderly)", "(k.code = {v} OR k.code LIKE {v} || '.%')"),
        order: "c.created_at, c.id",
    },
    RecordType {
        code: "hazards",
        name: "安全隐患(按发现日期)",
        from: "FROM hazards h",
        alias: "h",
        period: "h.found_on >= $1 AND h.found_on <= $2",
        binds: Binds::Dates,
        columns: &[
            ("number", "编号", "h.number", "text"),
            ("found_on", "发现日期", "h.found_on", "text"),
            ("kind", "类型", "h.kind", "text"),
            ("title", "隐患内容", "h.title", "text"),
            ("address", "地点", "h.address", "text"),
            ("found_by", "发现人", "h.found_by_name", "text"),
            ("rectify_by", "整改期限", "h.rectify_by", "text"),
            ("rectified_on", "整改日期", "h.rectified_on", "text"),
        ],
        filter: ("隐患类型(如 消防)", "h.kind = {v}"),
        order: "h.found_on, h.id",
    },
    RecordType {
        code: "visits",
        name: "入户走访(按走访日期)",
        from: "FROM visits v JOIN households x ON x.id = v.household_id",
        alias: "v",
        period: "v.visited_on >= $1 AND v.visited_on <= $2",
        binds: Binds::Dates,
        columns: &[
            ("visited_on", "走访日期", "v.visited_on", "text"),
            ("household", "户号", "x.number", "text"),
            ("address", "户址", "x.address", "text"),
            ("worker", "走访人", "v.worker_name", "text"),
            ("kind", "方式", "v.kind", "text"),
            ("reason", "事由", "v.reason", "text"),
            ("note", "走访情况", "v.note", "text"),
        ],
        filter: ("走访方式(如 日常走访)", "v.kind = {v}"),
        order: "v.visited_on, v.id",
    },
    RecordType {
        code: "residents",
        name: "在住人员(期末)",
        from: "FROM residence_periods r JOIN persons p ON p.id = r.person_id JOIN households x ON x.id = p.household_id",
        alias: "r",
        period: "r.from_date <= $1 AND (r.to_date IS NULL OR r.to_date > $1)",
        binds: Binds::AsOf,
        columns: &[
            ("household", "户号", "x.number", "text"),
            ("name", "姓名", "p.name", "text"),
            ("sex", "性别", "p.sex", "text"),
            ("birth_date", "出生日期", "p.birth_date", "text"),
            ("id_number", "公民身份号码", "p.id_number", "id_number"),
            ("hukou_type", "人员类型", "p.hukou_type", "text"),
            ("address", "现住址", "x.address", "text"),
            ("employment", "就业情况", "p.employment", "text"),
            ("phone", "联系电话", "p.phone", "phone"),
        ],
        filter: ("人员类型(如 流动人口)", "p.hukou_type = {v}"),
        order: "x.number, p.id",
    },
];

pub fn record_type(code: &str) -> Option<&'static RecordType> {
    TYPES.iter().find(|t| t.code == code)
}

/// A definition as stored and edited.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Definition {
    #[serde(default)]
    pub id: i64,
    pub title: String,
    pub record_type: String,
    /// Column keys of the record type, in order.
    pub columns: Vec<String>,
    #[serde(default)]
    pub filter: String,
    /// 月报 / 季报 / 年报 / 随时
    #[serde(default)]
    pub due: String,
}

fn check(d: &Definition) -> Result<&'static RecordType> {
    let t = record_type(&d.record_type).ok_or_else(|| {
        Error::invalid(
            "记录类型",
            "记录类型应为民情案件、安全隐患、入户走访或在住人员",
        )
    })?;
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > 60 {
        return Err(Error::invalid("台账名称", "请填写台账名称(最多60字)"));
    }
    if d.columns.is_empty() {
        return Err(Error::invalid("列", "请至少选择一列"));
    }
    for c in &d.columns {
        if !t.columns.iter().any(|o| o.0 == c) {
            return Err(Error::invalid("列", format!("{}没有“{c}”这一列", t.name)));
        }
    }
    if d.filter.chars().count() > 60 {
        return Err(Error::invalid("筛选", "筛选条件最多60字"));
    }
    if !["", "月报", "季报", "年报", "随时"].contains(&d.due.as_str()) {
        return Err(Error::invalid(
            "报送周期",
            "报送周期应为月报、季报、年报或随时",
        ));
    }
    Ok(t)
}

/// Saves a new definition (id 0) or changes one of the administrator's street.
pub async fn save(db: &Db, actor: &Actor, d: &Definition) -> Result<i64> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden("只有街道管理员可以定义台账".into()));
    }
    let street = actor
        .scope
        .street()
        .ok_or_else(|| Error::Forbidden("请用街道管理员账号定义台账".into()))?;
    check(d)?;
    let due = if d.due.is_empty() {
        "随时"
    } else {
        d.due.as_str()
    };
    let cols = serde_json::to_string(&d.columns)?;
    let mut tx = db.begin().await?;
    let now = db::now();
    let id = if d.id == 0 {
        sqlx::query_scalar(
            "INSERT INTO custom_ledgers (street_id, title, record_type, columns, filter, due, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(street)
        .bind(d.title.trim())
        .bind(&d.record_type)
        .bind(&cols)
        .bind(d.filter.trim())
        .bind(due)
        .bind(&actor.username)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
    } else {
        let n = sqlx::query(
            "UPDATE custom_ledgers SET title = $1, record_type = $2, columns = $3, filter = $4, due = $5, updated_by = $6, \
             updated_at = $7 WHERE id = $8 AND street_id = $9",
        )
        .bind(d.title.trim())
        .bind(&d.record_type)
        .bind(&cols)
        .bind(d.filter.trim())
        .bind(due)
        .bind(&actor.username)
        .bind(&now)
        .bind(d.id)
        .bind(street)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(Error::NotFound);
        }
        d.id
    };
    audit::record(
        &mut *tx,
        actor,
        if d.id == 0 { "create" } else { "update" },
        "custom_ledger",
        Some(id),
        None,
        Some(&json!({"title": d.title, "record_type": d.record_type, "columns": d.columns, "filter": d.filter, "due": due})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The custom ledgers of the actor's street.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Definition>> {
    let Some(street) = actor.scope.street() else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(
        "SELECT id, title, record_type, columns, filter, due FROM custom_ledgers WHERE street_id = $1 ORDER BY id",
    )
    .bind(street)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Definition {
            id: r.get(0),
            title: r.get(1),
            record_type: r.get(2),
            columns: serde_json::from_str(&r.get::<String, _>(3)).unwrap_or_default(),
            filter: r.get(4),
            due: r.get(5),
        })
        .collect())
}

/// A custom ledger as the catalogue's [`Ledger`]: built once per version of its definition (the strings it
/// hands out live as long as the process; a definition has few versions).
struct Custom {
    code: &'static str,
    title: &'static str,
    due: &'static str,
    columns: &'static [Column],
    exprs: Vec<&'static str>,
    t: &'static RecordType,
    filter: Option<String>,
}

impl Ledger for Custom {
    fn code(&self) -> &'static str {
        self.code
    }
    fn title(&self) -> &'static str {
        self.title
    }
    fn domain(&self) -> &'static str {
        "custom"
    }
    fn due(&self) -> &'static str {
        self.due
    }
    fn columns(&self) -> &'static [Column] {
        self.columns
    }
    fn rows<'a>(
        &'a self,
        db: &'a Db,
        at: &'a Where,
        period: &'a Period,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<Vec<String>>>> {
        Box::pin(async move {
            let next = if matches!(self.t.binds, Binds::AsOf) {
                "$2"
            } else {
                "$3"
            };
            let filter = match &self.filter {
                Some(_) => format!(" AND {}", self.t.filter.1.replace("{v}", next)),
                None => String::new(),
            };
            let sql = format!(
                "SELECT {} {} WHERE {} AND {}{filter} ORDER BY {} LIMIT {}",
                self.exprs.join(", "),
                self.t.from,
                self.t.period,
                at.sql(self.t.alias),
                self.t.order,
                limit.clamp(1, 1_000_000)
            );
            let mut q = self.t.binds.bind(sqlx::query(&sql), period);
            if let Some(v) = &self.filter {
                q = q.bind(v.clone());
            }
            let rows = q.fetch_all(&db.pool).await?;
            Ok(rows
                .iter()
                .map(|r| {
                    self.columns
                        .iter()
                        .enumerate()
                        .map(|(i, col)| col.shown(cell_text(r, i)))
                        .collect()
                })
                .collect())
        })
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn build(d: &Definition) -> Result<&'static Custom> {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static Custom>>> = OnceLock::new();
    let key = serde_json::to_string(d)?;
    let mut cache = CACHE.get_or_init(Default::default).lock().expect("cache");
    if let Some(c) = cache.get(&key) {
        return Ok(c);
    }
    let t = check(d)?;
    let mut columns = Vec::new();
    let mut exprs = Vec::new();
    for key in &d.columns {
        let o = t.columns.iter().find(|o| o.0 == key).expect("checked");
        columns.push(Column {
            header: o.1,
            total: false,
            utc_time: o.3 == "time",
            width: if o.3 == "time" {
                16.0
            } else {
                16.0_f64.max(o.1.chars().count() as f64 * 2.5)
            },
            personal: match o.3 {
                "id_number" => "id_number",
                "phone" => "phone",
                _ => "",
            },
        });
        exprs.push(o.2);
    }
    let c: &'static Custom = Box::leak(Box::new(Custom {
        code: leak(format!("custom.{}", d.id)),
        title: leak(d.title.trim().to_string()),
        due: leak(if d.due.is_empty() {
            "随时".into()
        } else {
            d.due.clone()
        }),
        columns: Box::leak(columns.into_boxed_slice()),
        exprs,
        t,
        filter: (!d.filter.trim().is_empty()).then(|| d.filter.trim().to_string()),
    }));
    cache.insert(key, c);
    Ok(c)
}

/// The ledger of a code: a built-in one, or `custom.<id>` of the actor's street.
pub async fn ledger(db: &Db, actor: &Actor, code: &str) -> Result<&'static dyn Ledger> {
    if let Some(id) = code.strip_prefix("custom.") {
        let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
        let d = list(db, actor)
            .await?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or(Error::NotFound)?;
        return Ok(build(&d)?);
    }
    crate::reports::catalog::catalog().ledger(code)
}
