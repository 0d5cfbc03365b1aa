//! The end of a selection: an optional public vote over the accepted nominees (a governance vote — one per
//! household or one per person, secret, counted by the server after the close — whose options are the
//! nominees as the public sees them), the announcement (the most voted up to the places, or the committee's
//! choice), the results on the public board (张*明; a household as 张*明家 with its estate only), and the
//! honours recorded on the household or person.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{get, of_selection, NState, Selection};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::governance::votes::{self, NewVote};
use crate::workflow::FlowState;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OpenVote {
    /// household (一户一票) / person (一人一票)
    pub mode: String,
    /// Beijing time, "2026-12-07 09:00".
    pub opens_at: String,
    pub closes_at: String,
}

/// Opens the public vote over the accepted nominees (2 to 10 of them).
pub async fn open_vote(db: &Db, actor: &Actor, id: i64, v: &OpenVote) -> Result<Selection> {
    crate::governance::require_committee(actor)?;
    let s = get(db, actor, id).await?;
    if s.state != "nominating" {
        return Err(Error::invalid("评比", "该评比已经投票或公布"));
    }
    if !matches!(v.mode.as_str(), "household" | "person") {
        return Err(Error::invalid("投票方式", "投票方式应为一户一票或一人一票"));
    }
    let accepted: Vec<_> = of_selection(db, id)
        .await?
        .into_iter()
        .filter(|n| n.state == "accepted")
        .collect();
    if accepted.len() < 2 || accepted.len() > 10 {
        return Err(Error::invalid(
            "推荐对象",
            format!(
                "投票需要2至10名审核通过的推荐对象(现有{}名)",
                accepted.len()
            ),
        ));
    }
    // Options as the public sees them, made unique where two masked names coincide.
    let mut options: Vec<String> = Vec::new();
    for n in &accepted {
        let mut label = n.masked.clone();
        let mut k = 2;
        while options.contains(&label) {
            label = format!("{}({k})", n.masked);
            k += 1;
        }
        options.push(label);
    }
    let vote = votes::create(
        db,
        actor,
        &NewVote {
            community_id: Some(s.community_id),
            proposal_id: None,
            title: format!("{}({})投票", s.title, s.period),
            options,
            mode: v.mode.clone(),
            secret: true,
            opens_at: v.opens_at.clone(),
            closes_at: v.closes_at.clone(),
        },
    )
    .await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE selections SET state = 'voting', vote_id = $1 WHERE id = $2 AND state = 'nominating'")
        .bind(vote.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (i, n) in accepted.iter().enumerate() {
        sqlx::query("UPDATE selection_nominees SET vote_idx = $1 WHERE id = $2")
            .bind(i as i64)
            .bind(n.id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "open_vote",
        "selection",
        Some(id),
        None,
        Some(&json!({"vote": vote.number, "nominees": accepted.iter().map(|n| n.id).collect::<Vec<_>>()})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Announce {
    /// The nominees selected; empty after a vote: the most voted, up to the places.
    pub nominees: Vec<i64>,
}

/// Announces the result: the selected nominees get their honour; the board shows them.
pub async fn announce(db: &Db, actor: &Actor, id: i64, a: &Announce) -> Result<Selection> {
    crate::governance::require_committee(actor)?;
    let s = get(db, actor, id).await?;
    if s.state == "announced" {
        return Err(Error::conflict("评比", "结果已经公布"));
    }
    let all = of_selection(db, id).await?;
    let accepted: Vec<_> = all.iter().filter(|n| n.state == "accepted").collect();
    let mut counts = std::collections::HashMap::new();
    let chosen: Vec<i64> = if !a.nominees.is_empty() {
        a.nominees.clone()
    } else if let Some(vote) = s.vote_id {
        let t = votes::tally(db, actor, vote).await?;
        let idx: Vec<(i64, Option<i64>)> =
            sqlx::query("SELECT id, vote_idx FROM selection_nominees WHERE selection_id = $1")
                .bind(id)
                .fetch_all(&db.pool)
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
        let mut ranked: Vec<(i64, i64)> = idx
            .iter()
            .filter_map(|(nid, i)| {
                i.and_then(|i| t.counts.get(i as usize))
                    .map(|c| (*nid, c.count))
            })
            .collect();
        ranked.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        for (nid, c) in &ranked {
            counts.insert(*nid, *c);
        }
        ranked
            .into_iter()
            .take(s.places as usize)
            .map(|(n, _)| n)
            .collect()
    } else {
        return Err(Error::invalid("当选对象", "请选择当选的推荐对象"));
    };
    if chosen.len() as i64 > s.places {
        return Err(Error::invalid(
            "当选对象",
            format!("当选人数不能超过名额({}名)", s.places),
        ));
    }
    if chosen.iter().any(|c| !accepted.iter().any(|n| n.id == *c)) {
        return Err(Error::invalid(
            "当选对象",
            "只能从审核通过的推荐对象中确定当选",
        ));
    }
    let now = db::now();
    let today = db::today().to_string();
    let street: i64 = sqlx::query_scalar("SELECT street_id FROM selections WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE selections SET state = 'announced', announced_at = $1 WHERE id = $2 AND state <> 'announced'",
    )
    .bind(&now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::conflict("评比", "结果已经公布"));
    }
    for n in accepted.iter().filter(|n| chosen.contains(&n.id)) {
        sqlx::query("UPDATE selection_nominees SET state = $1 WHERE id = $2")
            .bind(NState::Selected.code())
            .bind(n.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO honours (street_id, community_id, selection_id, household_id, person_id, title, period, \
             awarded_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(street)
        .bind(s.community_id)
        .bind(id)
        .bind(n.household_id)
        .bind(n.person_id)
        .bind(&s.title)
        .bind(&s.period)
        .bind(&today)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "announce",
        "selection",
        Some(id),
        None,
        Some(&json!({"selected": chosen, "votes": counts.iter().map(|(k, v)| json!({"nominee": k, "count": v})).collect::<Vec<_>>()})),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// An announced selection as the public board shows it: names masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Announced {
    pub title: String,
    pub period: String,
    pub announced_at: String,
    pub winners: Vec<String>,
}

/// The announced selections of a community (no login).
pub async fn announced(db: &Db, community: i64) -> Result<Vec<Announced>> {
    let rows = sqlx::query(
        "SELECT id, title, period, announced_at FROM selections WHERE community_id = $1 AND state = 'announced' \
         ORDER BY announced_at DESC LIMIT 20",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.get(0);
        out.push(Announced {
            title: r.get(1),
            period: r.get(2),
            announced_at: r.get(3),
            winners: of_selection(db, id)
                .await?
                .into_iter()
                .filter(|n| n.state == "selected")
                .map(|n| n.masked)
                .collect(),
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Honour {
    pub id: i64,
    pub title: String,
    pub period: String,
    pub awarded_on: String,
    pub household_id: Option<i64>,
    pub person_id: Option<i64>,
    /// The person's name, or the household's 户号.
    pub name: String,
}

const HONOURS: &str = "SELECT o.id, o.title, o.period, o.awarded_on, o.household_id, o.person_id, \
     COALESCE(p.name, h.number, '') FROM honours o LEFT JOIN persons p ON p.id = o.person_id \
     LEFT JOIN households h ON h.id = o.household_id";

fn honour(r: &sqlx::any::AnyRow) -> Honour {
    Honour {
        id: r.get(0),
        title: r.get(1),
        period: r.get(2),
        awarded_on: r.get(3),
        household_id: r.get(4),
        person_id: r.get(5),
        name: r.get(6),
    }
}

/// The honours in the actor's scope (the table of honours), newest first.
pub async fn honours(db: &Db, actor: &Actor) -> Result<Vec<Honour>> {
    let sql = format!(
        "{HONOURS} WHERE {} ORDER BY o.awarded_on DESC, o.id DESC LIMIT 500",
        actor.scope.sql("o")
    );
    Ok(sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(honour)
        .collect())
}

/// The honours of a person and of their household, for the person's page (the caller has checked the
/// person is in scope).
pub async fn of_person(db: &Db, person: i64) -> Result<Vec<Honour>> {
    Ok(sqlx::query(&format!(
        "{HONOURS} WHERE o.person_id = $1 OR o.household_id = (SELECT x.household_id FROM persons x WHERE x.id = $1) \
         ORDER BY o.awarded_on DESC, o.id DESC"
    ))
    .bind(person)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(honour)
    .collect())
}

/// The honours of a household, for its page (the caller has checked it is in scope).
pub async fn of_household(db: &Db, household: i64) -> Result<Vec<Honour>> {
    Ok(sqlx::query(&format!(
        "{HONOURS} WHERE o.household_id = $1 ORDER BY o.awarded_on DESC, o.id DESC"
    ))
    .bind(household)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(honour)
    .collect())
}
