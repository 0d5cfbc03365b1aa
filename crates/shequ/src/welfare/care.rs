//! Elderly care and pairing (结对帮扶): the information base of elderly people (独居, 空巢, 80 岁以上) as a live
//! view of the registry and its tags, with their 安康通 (SOS) device where they have one; pairs of a helper
//! (志愿者, 工作人员, 党员) with a person and a contact schedule (a visit every N days, a call every M days);
//! contacts recorded; missed contacts listed for the pair and the grid. `care_pairs.person_id` is what the
//! devices domain routes a person's SOS alarm through.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{fmt_ts, now_utc, past_date, text, who};
use crate::accounts::Actor;
use crate::audit;
use crate::db::filter::Filter;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::registry::persons;

pub const HELPER_KINDS: [&str; 3] = ["志愿者", "工作人员", "党员"];
pub const CONTACT_KINDS: [&str; 3] = ["探访", "电话", "帮办"];

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Elder {
    pub person_id: i64,
    pub name: String,
    pub birth_date: Option<String>,
    pub household_number: Option<String>,
    pub grid_name: String,
    /// Tagged 独居老人 (1) or not (0).
    pub alone: i64,
    /// Tagged 空巢老人 (1) or not (0).
    pub empty_nest: i64,
    /// Has an active 安康通 (SOS) device at home.
    pub sos_device: i64,
    pub pairs: i64,
}

/// The elderly information base in scope: 独居 or 空巢 tags, or 80 and over.
pub async fn elderly(db: &Db, actor: &Actor, limit: i64) -> Result<Vec<Elder>> {
    let eighty = (db::today() - Duration::days(80 * 365 + 20)).to_string();
    let sql = format!(
        "SELECT p.id AS person_id, p.name, p.birth_date, h.number AS household_number, g.name AS grid_name, \
         (SELECT COUNT(*) FROM person_tags pt JOIN tag_types t ON t.id = pt.tag_type_id \
           WHERE pt.person_id = p.id AND pt.archived = 0 AND t.code = 'elderly_alone') AS alone, \
         (SELECT COUNT(*) FROM person_tags pt JOIN tag_types t ON t.id = pt.tag_type_id \
           WHERE pt.person_id = p.id AND pt.archived = 0 AND t.code = 'empty_nest') AS empty_nest, \
         (SELECT COUNT(*) FROM devices d WHERE d.kind = 'sos' AND d.archived = 0 AND d.location_node_id = h.dwelling_id) AS sos_device, \
         (SELECT COUNT(*) FROM care_pairs c WHERE c.person_id = p.id AND c.ended_on IS NULL) AS pairs \
         FROM persons p LEFT JOIN households h ON h.id = p.household_id JOIN nodes g ON g.id = p.grid_id \
         WHERE p.archived = 0 AND p.status = '在住' AND {} AND (p.birth_date <= $1 OR EXISTS (SELECT 1 FROM person_tags pt \
           JOIN tag_types t ON t.id = pt.tag_type_id WHERE pt.person_id = p.id AND pt.archived = 0 \
           AND t.code IN ('elderly_alone','empty_nest'))) ORDER BY p.grid_id, p.id LIMIT $2",
        actor.scope.sql("p")
    );
    Ok(sqlx::query_as::<_, Elder>(&sql)
        .bind(eighty)
        .bind(limit.clamp(1, 5000))
        .fetch_all(&db.pool)
        .await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Pair {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub helper_name: String,
    /// 志愿者 / 工作人员 / 党员
    pub helper_kind: String,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub helper_phone: Option<String>,
    pub visit_every_days: i64,
    pub call_every_days: i64,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub grid_id: i64,
    pub grid_name: String,
    pub last_visit: Option<String>,
    pub last_call: Option<String>,
}

const PAIR_SELECT: &str = "SELECT c.id, c.person_id, p.name AS person_name, c.helper_name, c.helper_kind, c.helper_phone, \
    c.visit_every_days, c.call_every_days, c.started_on, c.ended_on, c.grid_id, g.name AS grid_name, \
    (SELECT MAX(k.on_date) FROM care_contacts k WHERE k.pair_id = c.id AND k.kind = '探访') AS last_visit, \
    (SELECT MAX(k.on_date) FROM care_contacts k WHERE k.pair_id = c.id AND k.kind IN ('电话','探访')) AS last_call \
    FROM care_pairs c JOIN persons p ON p.id = c.person_id JOIN nodes g ON g.id = c.grid_id";

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PairInput {
    pub person_id: i64,
    pub helper_name: String,
    /// 志愿者 / 工作人员 / 党员
    pub helper_kind: String,
    pub helper_phone: String,
    /// A visit at least every N days (0: none).
    pub visit_every_days: i64,
    /// A call (or visit) at least every N days (0: none).
    pub call_every_days: i64,
    pub started_on: String,
}

/// Pairs a helper with a person in scope.
pub async fn create(db: &Db, actor: &Actor, input: &PairInput) -> Result<Pair> {
    actor.require_write()?;
    let p = persons::get(db, actor, input.person_id)
        .await
        .map_err(|_| Error::invalid("结对对象", "该人员不存在或不在您的管辖范围内"))?;
    let helper = text("帮扶人", &input.helper_name, 50)?;
    if helper.is_empty() {
        return Err(Error::invalid("帮扶人", "请填写帮扶人姓名"));
    }
    if !HELPER_KINDS.contains(&input.helper_kind.as_str()) {
        return Err(Error::invalid(
            "帮扶人身份",
            format!("帮扶人身份应为:{}", HELPER_KINDS.join("、")),
        ));
    }
    let phone = text("联系电话", &input.helper_phone, 20)?;
    for (field, v) in [
        ("探访周期", input.visit_every_days),
        ("电话周期", input.call_every_days),
    ] {
        if !(0..=366).contains(&v) {
            return Err(Error::invalid(field, format!("{field}应为0到366天")));
        }
    }
    if input.visit_every_days == 0 && input.call_every_days == 0 {
        return Err(Error::invalid("探访周期", "请设定探访或电话联系的周期"));
    }
    let since = past_date("结对日期", &input.started_on)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO care_pairs (person_id, helper_name, helper_kind, helper_phone, visit_every_days, call_every_days, \
         started_on, street_id, community_id, grid_id, building_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(p.id)
    .bind(&helper)
    .bind(&input.helper_kind)
    .bind((!phone.is_empty()).then_some(phone.clone()))
    .bind(input.visit_every_days)
    .bind(input.call_every_days)
    .bind(since.to_string())
    .bind(p.street_id)
    .bind(p.community_id)
    .bind(p.grid_id)
    .bind(p.building_id)
    .bind(fmt_ts(now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut *tx, actor, "create", "care_pair", Some(id), None,
        Some(&json!({"person_id": p.id, "helper_name": helper, "helper_kind": input.helper_kind,
            "helper_phone": phone, "visit_every_days": input.visit_every_days, "call_every_days": input.call_every_days}))).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// A pair in scope, or NotFound.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Pair> {
    sqlx::query_as::<_, Pair>(&format!(
        "{PAIR_SELECT} WHERE c.id = $1 AND {}",
        actor.scope.sql("c")
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct PairQuery {
    pub person_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Live pairs in scope.
pub async fn list(db: &Db, actor: &Actor, q: &PairQuery) -> Result<Vec<Pair>> {
    Filter::scoped(actor, "c")
        .opt_int("c.person_id = ?", q.person_id)
        .opt_int("c.grid_id = ?", q.grid_id)
        .when(true, "c.ended_on IS NULL")
        .rows(
            db,
            PAIR_SELECT,
            "c.grid_id, c.id",
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EndInput {
    /// Today when empty.
    pub ended_on: String,
    pub reason: String,
}

/// Ends a pair (the person moved, passed away, the helper left): it leaves the lists and the missed contacts.
pub async fn end(db: &Db, actor: &Actor, pair_id: i64, input: &EndInput) -> Result<Pair> {
    let pair = get(db, actor, pair_id).await?;
    actor.require_write()?;
    if pair.ended_on.is_some() {
        return Err(Error::invalid("结对", "该结对已结束"));
    }
    let on = past_date("结束日期", &input.ended_on)?;
    if on.to_string() < pair.started_on {
        return Err(Error::invalid("结束日期", "结束日期不能早于结对日期"));
    }
    let reason = text("结束原因", &input.reason, 500)?;
    if reason.is_empty() {
        return Err(Error::invalid("结束原因", "请填写结束原因"));
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE care_pairs SET ended_on = $1 WHERE id = $2 AND ended_on IS NULL")
        .bind(on.to_string())
        .bind(pair_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "end",
        "care_pair",
        Some(pair_id),
        Some(&json!({"ended_on": null})),
        Some(&json!({"ended_on": on.to_string(), "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, pair_id).await
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ContactInput {
    /// 探访 / 电话 / 帮办
    pub kind: String,
    pub on_date: String,
    /// 身体、生活状况
    pub observed: String,
    /// 帮办事项
    pub help: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Contact {
    pub id: i64,
    pub pair_id: i64,
    pub kind: String,
    pub on_date: String,
    pub observed: String,
    pub help: String,
    pub recorded_by: String,
}

/// Records a contact of a pair.
pub async fn contact(
    db: &Db,
    actor: &Actor,
    pair_id: i64,
    input: &ContactInput,
) -> Result<Contact> {
    let pair = get(db, actor, pair_id).await?;
    actor.require_write()?;
    if !CONTACT_KINDS.contains(&input.kind.as_str()) {
        return Err(Error::invalid(
            "联系方式",
            format!("联系方式应为:{}", CONTACT_KINDS.join("、")),
        ));
    }
    let on = past_date("联系日期", &input.on_date)?;
    if on.to_string() < pair.started_on {
        return Err(Error::invalid("联系日期", "联系日期不能早于结对日期"));
    }
    let observed = text("情况", &input.observed, 2000)?;
    let help = text("帮办事项", &input.help, 2000)?;
    let scope: (i64, i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT street_id, community_id, grid_id, building_id FROM care_pairs WHERE id = $1",
    )
    .bind(pair_id)
    .fetch_one(&db.pool)
    .await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO care_contacts (pair_id, kind, on_date, observed, help, recorded_by, street_id, community_id, \
         grid_id, building_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(pair_id)
    .bind(&input.kind)
    .bind(on.to_string())
    .bind(&observed)
    .bind(&help)
    .bind(who(actor))
    .bind(scope.0)
    .bind(scope.1)
    .bind(scope.2)
    .bind(scope.3)
    .bind(fmt_ts(now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "care_contact",
        Some(id),
        None,
        Some(&json!({"pair_id": pair_id, "kind": input.kind, "on_date": on.to_string()})),
    )
    .await?;
    tx.commit().await?;
    Ok(Contact {
        id,
        pair_id,
        kind: input.kind.clone(),
        on_date: on.to_string(),
        observed,
        help,
        recorded_by: who(actor),
    })
}

/// The contacts of a pair, newest first.
pub async fn contacts(db: &Db, actor: &Actor, pair_id: i64) -> Result<Vec<Contact>> {
    get(db, actor, pair_id).await?;
    Ok(sqlx::query_as::<_, Contact>(
        "SELECT id, pair_id, kind, on_date, observed, help, recorded_by FROM care_contacts WHERE pair_id = $1 \
         ORDER BY on_date DESC, id DESC LIMIT 500",
    )
    .bind(pair_id)
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Missed {
    pub pair: Pair,
    /// 探访 / 电话
    pub kind: String,
    /// The day the contact was due.
    pub due_on: String,
    pub days_overdue: i64,
}

/// Contacts missed as of a day: for each live pair in scope, a visit or call whose period since the last
/// such contact (or the pair's start) has passed.
pub fn missed_of(pair: &Pair, today: NaiveDate) -> Vec<(String, NaiveDate)> {
    let start = NaiveDate::parse_from_str(&pair.started_on, "%Y-%m-%d").unwrap_or(today);
    let last = |d: &Option<String>| {
        d.as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .unwrap_or(start)
    };
    let mut out = vec![];
    for (kind, every, from) in [
        ("探访", pair.visit_every_days, last(&pair.last_visit)),
        ("电话", pair.call_every_days, last(&pair.last_call)),
    ] {
        if every > 0 {
            let due = from + Duration::days(every);
            if due < today {
                out.push((kind.to_string(), due));
            }
        }
    }
    out
}

/// Missed contacts in scope (a grid's when given), longest overdue first.
pub async fn missed(db: &Db, actor: &Actor, grid_id: Option<i64>) -> Result<Vec<Missed>> {
    let today = db::today();
    let pairs = list(
        db,
        actor,
        &PairQuery {
            grid_id,
            per_page: Some(5000),
            ..Default::default()
        },
    )
    .await?;
    let mut out: Vec<Missed> = pairs
        .into_iter()
        .flat_map(|p| {
            missed_of(&p, today)
                .into_iter()
                .map(move |(kind, due)| Missed {
                    pair: p.clone(),
                    kind,
                    due_on: due.to_string(),
                    days_overdue: (today - due).num_days(),
                })
        })
        .collect();
    out.sort_by_key(|m| std::cmp::Reverse(m.days_overdue));
    Ok(out)
}
