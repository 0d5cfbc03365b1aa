//! The registry's 低保 tag follows the 城市低保 grants: members of a live grant carry it (its fields — 保障人数,
//! 月保障金额, 批准日期 — are the grant's), members who leave and cancelled grants lose it, each change audited
//! in the event's transaction. A 低保 tag is therefore never typed by hand for a person on the programme
//! ([`on_dibao`] is what the registry asks).

use chrono::NaiveDate;
use serde_json::json;

use super::programmes::Programme;
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db, Tx};
use crate::error::Result;

/// Makes the registry's 低保 tag follow a 城市低保 grant: its members (while not cancelled) carry it, nobody
/// else from this grant does. Other programmes leave tags alone.
pub(crate) async fn sync(
    tx: &mut Tx<'_>,
    actor: &Actor,
    p: &Programme,
    grant: i64,
    on: NaiveDate,
) -> Result<()> {
    if p.code != "dibao" {
        return Ok(());
    }
    let Some(tag_type): Option<i64> =
        sqlx::query_scalar("SELECT id FROM tag_types WHERE code = 'dibao'")
            .fetch_optional(&mut **tx)
            .await?
    else {
        return Ok(());
    };
    let (status, persons, amount): (String, i64, i64) =
        sqlx::query_as("SELECT status, persons, amount FROM welfare_grants WHERE id = $1")
            .bind(grant)
            .fetch_one(&mut **tx)
            .await?;
    let members: Vec<i64> = if status == "cancelled" {
        vec![]
    } else {
        sqlx::query_scalar("SELECT person_id FROM welfare_members WHERE grant_id = $1")
            .bind(grant)
            .fetch_all(&mut **tx)
            .await?
    };
    let household: i64 =
        sqlx::query_scalar("SELECT household_id FROM welfare_grants WHERE id = $1")
            .bind(grant)
            .fetch_one(&mut **tx)
            .await?;
    let tagged: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT pt.id, pt.person_id FROM person_tags pt JOIN persons x ON x.id = pt.person_id \
         WHERE pt.tag_type_id = $1 AND pt.archived = 0 AND x.household_id = $2",
    )
    .bind(tag_type)
    .bind(household)
    .fetch_all(&mut **tx)
    .await?;
    let fields = json!({"members": persons.to_string(), "amount": amount.to_string(), "approved": on.to_string()}).to_string();
    for (tag, person) in &tagged {
        if members.contains(person) {
            sqlx::query("UPDATE person_tags SET fields = $1 WHERE id = $2")
                .bind(&fields)
                .bind(tag)
                .execute(&mut **tx)
                .await?;
        } else {
            sqlx::query("UPDATE person_tags SET archived = 1 WHERE id = $1")
                .bind(tag)
                .execute(&mut **tx)
                .await?;
            audit::record(
                &mut **tx,
                actor,
                "archive",
                "person_tag",
                Some(*tag),
                Some(&json!({"person_id": person, "tag": "低保", "by": "welfare"})),
                None,
            )
            .await?;
        }
    }
    for m in &members {
        if tagged.iter().any(|(_, p)| p == m) {
            continue;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO person_tags (person_id, tag_type_id, fields, since, street_id, community_id, grid_id, created_at) \
             SELECT id, $1, $2, $3, street_id, community_id, grid_id, $4 FROM persons WHERE id = $5 RETURNING id",
        )
        .bind(tag_type)
        .bind(&fields)
        .bind(on.to_string())
        .bind(db::now())
        .bind(m)
        .fetch_one(&mut **tx)
        .await?;
        audit::record(
            &mut **tx,
            actor,
            "create",
            "person_tag",
            Some(id),
            None,
            Some(&json!({"person_id": m, "tag": "低保", "by": "welfare"})),
        )
        .await?;
    }
    Ok(())
}

/// The message when a 低保 tag is typed or removed by hand for a household on the programme.
pub const MANAGED: &str = "该户正在享受城市低保,低保标记随救助变更自动维护,请在民政救助中办理";

/// Refuses a hand-made change of the 低保 tag (type code `dibao`) for a person whose household has a live
/// 城市低保 grant; other tags and households pass.
pub async fn refuse_by_hand(db: &Db, tag_code: &str, household: Option<i64>) -> Result<()> {
    let Some(h) = household else { return Ok(()) };
    if tag_code != "dibao" {
        return Ok(());
    }
    let live = sqlx::query(
        "SELECT 1 FROM welfare_grants g JOIN welfare_programmes p ON p.id = g.programme_id \
         WHERE g.household_id = $1 AND p.code = 'dibao' AND g.status <> 'cancelled'",
    )
    .bind(h)
    .fetch_optional(&db.pool)
    .await?;
    if live.is_some() {
        return Err(crate::error::Error::conflict("类型", MANAGED));
    }
    Ok(())
}

/// Whether a person is a member of a live 城市低保 grant (the 低保 tag is then the programme's, not typed).
pub async fn on_dibao(db: &Db, person_id: i64) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 FROM welfare_members m JOIN welfare_grants g ON g.id = m.grant_id \
         JOIN welfare_programmes p ON p.id = g.programme_id \
         WHERE m.person_id = $1 AND p.code = 'dibao' AND g.status <> 'cancelled'",
    )
    .bind(person_id)
    .fetch_optional(&db.pool)
    .await?
    .is_some())
}
