//! 个人信息主体的请求 (PIPL arts. 45–47): a resident asks for a copy of their data, for a correction, or for
//! their record to be archived. Each request is carried out by a worker in whose scope the person is, with
//! the request's note (who asked, when, how — 申请说明), and audited with it (`pipl_export`, `pipl_correct`,
//! `pipl_archive`).
//!
//! The copy holds what the worker's role may see of the person, in full: the record (ID number and phones
//! unmasked — so only roles that may unmask may export, and the export is also audited as an `unmask`),
//! health and sensitive groups when the role sees them, tags, registry events, residence periods, the cases
//! they reported or are a party of, and their household's visits.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::persons::{self, Person, PersonInput};
use super::population::{self, Event};
use super::tags::{self, PersonTag};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{filter::Filter, Db};
use crate::error::{Error, Result};
use crate::fieldwork::visits::{self, Visit, VisitQuery};
use crate::privacy::Revealed;

/// The note every request carries: who asked, when and how (e.g. "本人 2026-05-01 来访书面申请").
pub fn check_reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::invalid(
            "申请说明",
            "请填写申请说明:谁、何时、以何种方式提出的申请",
        ));
    }
    if r.chars().count() > 500 {
        return Err(Error::invalid("申请说明", "申请说明不能超过500字"));
    }
    Ok(r.to_string())
}

/// A case the person reported or is a party of, as the copy shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PersonCase {
    pub number: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub state: String,
    pub reporter_name: Option<String>,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub reporter_phone: Option<String>,
    /// 上报人 or the party's role (当事人 …).
    pub relation: String,
    pub created_at: String,
    pub closed_at: Option<String>,
}

/// A residence period (居住期间): grid and building.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Residence {
    pub address: String,
    pub from_date: String,
    pub to_date: Option<String>,
}

/// The copy of a person's data.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PersonalData {
    /// When it was made (UTC).
    pub exported_at: String,
    pub exported_by: String,
    pub reason: String,
    pub person: Person,
    pub household_number: Option<String>,
    pub tags: Vec<PersonTag>,
    pub events: Vec<Event>,
    pub residence: Vec<Residence>,
    pub cases: Vec<PersonCase>,
    pub visits: Vec<Visit>,
}

/// The copy of one person's data for a request, unmasked; audited with the reason and what it holds.
pub async fn export(
    db: &Db,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> Result<Revealed<PersonalData>> {
    let reason = check_reason(reason)?;
    let person = persons::get(db, actor, id).await?;
    if !actor.role.can_unmask() {
        return Err(Error::Forbidden(
            "您的角色不能导出个人信息(含完整证件号码和电话),请联系社区或街道工作人员".into(),
        ));
    }
    let tags = tags::for_person(db, actor, id).await?;
    let events = population::events(db, actor, id).await?;
    let household_number: Option<String> = match person.household_id {
        Some(h) => {
            sqlx::query_scalar("SELECT number FROM households WHERE id = $1")
                .bind(h)
                .fetch_optional(&db.pool)
                .await?
        }
        None => None,
    };
    let residence: Vec<Residence> = sqlx::query_as(
        "SELECT COALESCE(g.name, '') || COALESCE(' ' || b.name, '') AS address, r.from_date, r.to_date \
         FROM residence_periods r LEFT JOIN nodes g ON g.id = r.grid_id LEFT JOIN nodes b ON b.id = r.building_id \
         WHERE r.person_id = $1 ORDER BY r.from_date, r.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let f = Filter::scoped(actor, "c").after(1);
    let cases: Vec<PersonCase> = sqlx::query_as::<_, PersonCase>(&format!(
        "SELECT c.number, k.name AS category, c.title, c.description, c.address, c.state, c.reporter_name, \
         c.reporter_phone, CASE WHEN c.reporter_person_id = $1 THEN '上报人' ELSE \
         (SELECT MIN(p.role) FROM case_parties p WHERE p.case_id = c.id AND p.person_id = $1) END AS relation, \
         c.created_at, c.closed_at FROM cases c JOIN case_categories k ON k.id = c.category_id \
         WHERE (c.reporter_person_id = $1 OR c.id IN (SELECT case_id FROM case_parties WHERE person_id = $1)) \
         AND {} ORDER BY c.created_at, c.id",
        f.sql()
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let visits = match person.household_id {
        Some(h) => {
            visits::list(
                db,
                actor,
                &VisitQuery {
                    household_id: Some(h),
                    per_page: Some(5000),
                    ..Default::default()
                },
            )
            .await?
        }
        None => vec![],
    };
    audit::record(
        &db.pool,
        actor,
        "pipl_export",
        "person",
        Some(id),
        None,
        Some(&json!({
            "reason": reason,
            "tags": tags.len(),
            "events": events.len(),
            "cases": cases.len(),
            "visits": visits.len(),
        })),
    )
    .await?;
    let data = PersonalData {
        exported_at: crate::db::now(),
        exported_by: actor.display_name.clone(),
        reason,
        person,
        household_number,
        tags,
        events,
        residence,
        cases,
        visits,
    };
    crate::privacy::reveal(db, actor, "person", id, "pipl_export", data).await
}

/// A correction on request: the person's edit with the request's note (audited `update` with the values
/// and `pipl_correct` with the note and the fields changed).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Correction {
    pub reason: String,
    pub person: PersonInput,
}

pub async fn correct(db: &Db, actor: &Actor, id: i64, c: &Correction) -> Result<Person> {
    let reason = check_reason(&c.reason)?;
    persons::update_with_reason(db, actor, id, &c.person, Some(&reason)).await
}

/// The note of an archive request.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Request {
    pub reason: String,
}

/// Archives the person's record on their request (audited `archive` and `pipl_archive` with the note). The
/// record is kept, out of every list, search and count.
pub async fn archive(db: &Db, actor: &Actor, id: i64, reason: &str) -> Result<()> {
    let reason = check_reason(reason)?;
    persons::archive_with_reason(db, actor, id, Some(&reason)).await
}
