//! Special groups (特殊群体) as data: a tag type has a code, a name, its own fields and a sensitivity flag; a
//! street administrator adds new types without code changes. Sensitive tags (health, correction, welfare)
//! are shown only to roles that see sensitive data, and each such read is written to the audit log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;

use super::{persons, validate};
use crate::accounts::Actor;
use crate::audit;

pub use super::tags_builtin::{builtin, ensure_builtin};
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    /// text, date, number or select
    pub kind: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TagType {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub fields: Vec<FieldSpec>,
    pub sensitive: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PersonTag {
    pub id: i64,
    pub person_id: i64,
    pub tag_type_id: i64,
    pub type_name: String,
    pub sensitive: bool,
    pub fields: BTreeMap<String, String>,
    pub since: Option<String>,
}

fn row_to_type(r: &sqlx::any::AnyRow) -> TagType {
    TagType {
        id: r.get(0),
        code: r.get(1),
        name: r.get(2),
        fields: serde_json::from_str(&r.get::<String, _>(3)).unwrap_or_default(),
        sensitive: r.get::<i64, _>(4) != 0,
    }
}

/// The tag types the actor may see (sensitive types only for roles that see sensitive data).
pub async fn types(db: &Db, actor: &Actor) -> Result<Vec<TagType>> {
    let rows = sqlx::query(
        "SELECT id, code, name, fields, sensitive FROM tag_types WHERE archived = 0 ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(row_to_type)
        .filter(|t| !t.sensitive || actor.role.sees_sensitive())
        .collect())
}

pub async fn get_type(db: &Db, actor: &Actor, id: i64) -> Result<TagType> {
    types(db, actor)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(Error::NotFound)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TagTypeInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub sensitive: bool,
    pub fields: Vec<FieldSpec>,
}

/// A street administrator defines a new special group.
pub async fn create_type(db: &Db, actor: &Actor, input: &TagTypeInput) -> Result<TagType> {
    if !actor.role.is_admin() {
        return Err(Error::Forbidden(
            "只有街道管理员可以新增特殊群体类型".into(),
        ));
    }
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Error::invalid(
            "代码",
            "代码只能由小写字母、数字和下划线组成,不超过40个字符",
        ));
    }
    let name = validate::text("名称", &input.name, 40)?
        .ok_or_else(|| Error::invalid("名称", "名称不能为空"))?;
    for (i, fs) in input.fields.iter().enumerate() {
        if fs.key.trim().is_empty() || fs.label.trim().is_empty() {
            return Err(Error::invalid(
                "字段",
                format!("第{}个字段的代码和名称不能为空", i + 1),
            ));
        }
        if !["text", "date", "number", "select"].contains(&fs.kind.as_str()) {
            return Err(Error::invalid(
                "字段",
                format!(
                    "字段“{}”的类型只能是 text、date、number 或 select",
                    fs.label
                ),
            ));
        }
        if fs.kind == "select" && fs.options.is_empty() {
            return Err(Error::invalid(
                "字段",
                format!("选择字段“{}”必须列出选项", fs.label),
            ));
        }
        if input.fields[..i].iter().any(|o| o.key == fs.key) {
            return Err(Error::invalid("字段", format!("字段代码“{}”重复", fs.key)));
        }
    }
    let exists = sqlx::query("SELECT 1 FROM tag_types WHERE code = $1 OR name = $2")
        .bind(code)
        .bind(&name)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_some() {
        return Err(Error::conflict(
            "代码",
            crate::db::constraints::DUPLICATE_TAG_TYPE,
        ));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query("INSERT INTO tag_types (code, name, fields, sensitive, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(code)
        .bind(&name)
        .bind(serde_json::to_string(&input.fields)?)
        .bind(input.sensitive as i64)
        .bind(db::now())
        .fetch_one(&mut *tx)
        .await?
        .get(0);
    let after =
        json!({"code": code, "name": name, "sensitive": input.sensitive, "fields": input.fields});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "tag_type",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(TagType {
        id,
        code: code.into(),
        name,
        fields: input.fields.clone(),
        sensitive: input.sensitive,
    })
}

/// Checks submitted values against a type's fields; returns the cleaned map.
pub fn check_fields(
    t: &TagType,
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for fs in &t.fields {
        let v = values.get(&fs.key).map(|s| s.trim()).unwrap_or("");
        if v.is_empty() {
            if fs.required {
                return Err(Error::invalid(
                    &fs.label,
                    format!("{}:{}不能为空", t.name, fs.label),
                ));
            }
            continue;
        }
        let clean = match fs.kind.as_str() {
            "date" => validate::parse_date(v)
                .ok_or_else(|| Error::invalid(&fs.label, format!("{}“{v}”不是有效日期", fs.label)))?
                .to_string(),
            "number" => {
                let n: f64 = v.parse().map_err(|_| {
                    Error::invalid(&fs.label, format!("{}“{v}”必须是数字", fs.label))
                })?;
                if n < 0.0 {
                    return Err(Error::invalid(&fs.label, format!("{}不能为负数", fs.label)));
                }
                v.to_string()
            }
            "select" if !fs.options.iter().any(|o| o == v) => {
                return Err(Error::invalid(
                    &fs.label,
                    format!(
                        "{}“{v}”不在可选范围内(可选:{})",
                        fs.label,
                        fs.options.join("、")
                    ),
                ))
            }
            _ => validate::text(&fs.label, v, 200)?.unwrap_or_default(),
        };
        out.insert(fs.key.clone(), clean);
    }
    Ok(out)
}

/// A group's own rule on who belongs to it: the age a member must have reached (独居老人 and 空巢老人 are
/// 老年人, 60 and over, as the 老年人权益保障法 counts them).
pub fn min_age(code: &str) -> Option<i64> {
    match code {
        "elderly_alone" | "empty_nest" => Some(60),
        _ => None,
    }
}

/// Why a person of this birth date cannot be in the group on `today` (its age rule), if so. A person without
/// a birth date is not refused.
pub fn rule_refusal(t: &TagType, birth: Option<&str>, today: chrono::NaiveDate) -> Option<String> {
    use chrono::Datelike;
    let floor = min_age(&t.code)?;
    let b = chrono::NaiveDate::parse_from_str(birth?, "%Y-%m-%d").ok()?;
    let mut age = i64::from(today.year() - b.year());
    if (today.month(), today.day()) < (b.month(), b.day()) {
        age -= 1;
    }
    (age < floor).then(|| format!("{}须年满{floor}周岁,该人员{age}岁", t.name))
}

/// Tags a person with a special group.
pub async fn add(
    db: &Db,
    actor: &Actor,
    person_id: i64,
    type_id: i64,
    values: &BTreeMap<String, String>,
    since: &str,
) -> Result<i64> {
    actor.require_write()?;
    let p = persons::get(db, actor, person_id).await?;
    let t = get_type(db, actor, type_id)
        .await
        .map_err(|_| Error::invalid("类型", "特殊群体类型不存在"))?;
    let fields = check_fields(&t, values)?;
    if let Some(why) = rule_refusal(&t, p.birth_date.as_deref(), db::today()) {
        return Err(Error::invalid("类型", why));
    }
    crate::welfare::tag::refuse_by_hand(db, &t.code, p.household_id).await?;
    let since = validate::past_date("起始日期", since, db::today(), false)?.map(|d| d.to_string());
    let dup = sqlx::query(
        "SELECT 1 FROM person_tags WHERE person_id = $1 AND tag_type_id = $2 AND archived = 0",
    )
    .bind(person_id)
    .bind(type_id)
    .fetch_optional(&db.pool)
    .await?;
    if dup.is_some() {
        return Err(Error::conflict("类型", format!("该人员已标记为{}", t.name)));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO person_tags (person_id, tag_type_id, fields, since, street_id, community_id, grid_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(person_id)
    .bind(type_id)
    .bind(serde_json::to_string(&fields)?)
    .bind(&since)
    .bind(p.street_id)
    .bind(p.community_id)
    .bind(p.grid_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    let after = json!({"person_id": person_id, "tag": t.name, "tag_type_id": type_id, "fields": fields, "since": since});
    audit::record(
        &mut *tx,
        actor,
        "create",
        "person_tag",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Ends a tag (archived, kept in history).
pub async fn remove(db: &Db, actor: &Actor, person_id: i64, tag_id: i64) -> Result<()> {
    actor.require_write()?;
    persons::get(db, actor, person_id).await?;
    let visible = for_person(db, actor, person_id).await?;
    let tag = visible
        .into_iter()
        .find(|t| t.id == tag_id)
        .ok_or(Error::NotFound)?;
    let code = get_type(db, actor, tag.tag_type_id).await?.code;
    let household = persons::get(db, actor, person_id).await?.household_id;
    crate::welfare::tag::refuse_by_hand(db, &code, household).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE person_tags SET archived = 1 WHERE id = $1")
        .bind(tag_id)
        .execute(&mut *tx)
        .await?;
    let before = json!({"person_id": person_id, "tag": tag.type_name, "tag_type_id": tag.tag_type_id, "fields": tag.fields});
    audit::record(
        &mut *tx,
        actor,
        "archive",
        "person_tag",
        Some(tag_id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A person's live tags that the actor may see. Reading sensitive ones is audited.
pub async fn for_person(db: &Db, actor: &Actor, person_id: i64) -> Result<Vec<PersonTag>> {
    let rows = sqlx::query(
        "SELECT pt.id, pt.tag_type_id, t.name, t.sensitive, pt.fields, pt.since FROM person_tags pt \
         JOIN tag_types t ON t.id = pt.tag_type_id WHERE pt.person_id = $1 AND pt.archived = 0 ORDER BY pt.id",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    let tags: Vec<PersonTag> = rows
        .iter()
        .map(|r| PersonTag {
            id: r.get(0),
            person_id,
            tag_type_id: r.get(1),
            type_name: r.get(2),
            sensitive: r.get::<i64, _>(3) != 0,
            fields: serde_json::from_str(&r.get::<String, _>(4)).unwrap_or_default(),
            since: r.get(5),
        })
        .filter(|t| !t.sensitive || actor.role.sees_sensitive())
        .collect();
    let sensitive: Vec<&str> = tags
        .iter()
        .filter(|t| t.sensitive)
        .map(|t| t.type_name.as_str())
        .collect();
    if !sensitive.is_empty() {
        audit::record(
            &db.pool,
            actor,
            "read_sensitive",
            "person",
            Some(person_id),
            None,
            Some(&json!({"tags": sensitive})),
        )
        .await?;
    }
    Ok(tags)
}

/// The actor's scope as a condition on `person_tags pt` (tags carry no building: a building scope goes
/// through the person).
pub fn scope_sql(actor: &Actor) -> String {
    match &actor.scope {
        crate::accounts::Scope::Buildings { .. } => format!(
            "pt.person_id IN (SELECT id FROM persons p WHERE {})",
            actor.scope.sql("p")
        ),
        s => s.sql("pt"),
    }
}

/// Live tag counts per visible type in the actor's scope (for the dashboard).
pub async fn counts(db: &Db, actor: &Actor) -> Result<Vec<(TagType, i64)>> {
    let scope = scope_sql(actor);
    let sql = format!(
        "SELECT pt.tag_type_id, COUNT(*) FROM person_tags pt JOIN persons p ON p.id = pt.person_id \
         WHERE pt.archived = 0 AND p.archived = 0 AND p.status = '在住' AND {scope} GROUP BY pt.tag_type_id"
    );
    let rows = sqlx::query(&sql).fetch_all(&db.pool).await?;
    let counts: BTreeMap<i64, i64> = rows
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<i64, _>(1)))
        .collect();
    Ok(types(db, actor)
        .await?
        .into_iter()
        .map(|t| {
            let n = counts.get(&t.id).copied().unwrap_or(0);
            (t, n)
        })
        .collect())
}

/// Field values as one line, e.g. "残疾类型:肢体;残疾等级:二级".
pub fn describe(t: &TagType, values: &BTreeMap<String, String>) -> String {
    t.fields
        .iter()
        .filter_map(|fs| values.get(&fs.key).map(|v| format!("{}:{}", fs.label, v)))
        .collect::<Vec<_>>()
        .join(";")
}

/// Turns a JSON object into string values (the API sends numbers as numbers).
pub fn values_from_json(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One member of a special group as its list page shows it: the columns of its export, masked whatever the
/// role (the person's page reveals, audited), the field values in the type's order.
#[derive(Clone, Debug, Serialize)]
pub struct GroupMember {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub grid_name: String,
    pub address: String,
    pub values: Vec<String>,
    pub since: String,
}

/// One page of the members of a special group in scope, in tag order, with the count of all; a sensitive
/// group's list is audited as a sensitive read.
pub async fn members(
    db: &Db,
    actor: &Actor,
    type_id: i64,
    page: i64,
    per_page: i64,
) -> Result<(TagType, db::filter::Page<GroupMember>)> {
    let t = get_type(db, actor, type_id).await?;
    let (page, per_page) = (page.max(1), per_page.clamp(1, 500));
    let from = format!(
        "FROM person_tags pt JOIN persons p ON p.id = pt.person_id LEFT JOIN nodes g ON g.id = p.grid_id \
         WHERE pt.tag_type_id = $1 AND pt.archived = 0 AND p.archived = 0 AND p.status = '在住' AND {}",
        scope_sql(actor)
    );
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {from}"))
        .bind(t.id)
        .fetch_one(&db.pool)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT p.id, p.name, p.id_number, p.phone, g.name, p.residence_address, pt.fields, pt.since {from} \
         ORDER BY pt.id LIMIT $2 OFFSET $3"
    ))
    .bind(t.id)
    .bind(per_page)
    .bind((page - 1) * per_page)
    .fetch_all(&db.pool)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            let values: BTreeMap<String, String> =
                serde_json::from_str(&r.get::<String, _>(6)).unwrap_or_default();
            GroupMember {
                person_id: r.get(0),
                name: r.get(1),
                id_number: r
                    .get::<Option<String>, _>(2)
                    .as_deref()
                    .map(super::mask::id_number)
                    .unwrap_or_default(),
                phone: r
                    .get::<Option<String>, _>(3)
                    .as_deref()
                    .map(super::mask::phone)
                    .unwrap_or_default(),
                grid_name: r.get::<Option<String>, _>(4).unwrap_or_default(),
                address: r.get::<Option<String>, _>(5).unwrap_or_default(),
                values: t
                    .fields
                    .iter()
                    .map(|f| values.get(&f.key).cloned().unwrap_or_default())
                    .collect(),
                since: r.get::<Option<String>, _>(7).unwrap_or_default(),
            }
        })
        .collect();
    if t.sensitive {
        audit::record(
            &db.pool,
            actor,
            "read_sensitive",
            "tag_type",
            Some(t.id),
            None,
            Some(&json!({"tag": t.name, "list": true, "page": page})),
        )
        .await?;
    }
    Ok((
        t,
        db::filter::Page {
            items,
            total,
            page,
            per_page,
        },
    ))
}
