//! 表决: a question with options, open between two times, in which each eligible voter votes once — one
//! person (adult residents of the community), one household, or the community's 居民代表 only. The
//! electorate is counted when the vote is created (turnout is voters ÷ electorate). A second ballot is
//! refused by the voters table's key, so two ballots arriving at once still count once. In a secret vote the
//! choice is stored without the voter. Results are counted by the server once the vote closes, and published
//! to the public board by the committee.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::proposals::{self, PState};
use super::{beijing_to_utc, community_for, number, required};
use crate::accounts::Actor;
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::reports::numbers::percent as pct;
use crate::workflow::FlowState;

pub const MODES: [(&str, &str); 3] = [
    ("person", "一人一票"),
    ("household", "一户一票"),
    ("representatives", "居民代表表决"),
];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewVote {
    pub community_id: Option<i64>,
    /// An accepted proposal this vote decides (it moves to 表决中).
    pub proposal_id: Option<i64>,
    pub title: String,
    /// Two to ten options (同意 / 不同意 / 弃权 …).
    pub options: Vec<String>,
    /// person / household / representatives
    pub mode: String,
    pub secret: bool,
    /// Beijing time, "2026-12-07 09:00".
    pub opens_at: String,
    pub closes_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Vote {
    pub id: i64,
    /// BJ2026-00003
    pub number: String,
    pub community_id: i64,
    pub proposal_id: Option<i64>,
    pub title: String,
    pub mode: String,
    pub mode_label: String,
    pub secret: bool,
    pub opens_at: String,
    pub closes_at: String,
    pub electorate: i64,
    pub published_at: Option<String>,
    pub options: Vec<String>,
    /// 未开始 / 进行中 / 已结束 / 已公布
    pub status: String,
}

/// The counted result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub vote: Vote,
    pub voters: i64,
    /// voters ÷ electorate, percent with one decimal.
    pub turnout: f64,
    pub counts: Vec<OptionCount>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionCount {
    pub label: String,
    pub count: i64,
    /// Of the ballots cast, percent with one decimal.
    pub share: f64,
}

/// Adults living in the community, its households, or its representatives, as SQL counting them.
fn electorate_sql(mode: &str) -> &'static str {
    match mode {
        "household" => "SELECT COUNT(*) FROM households h WHERE h.community_id = $1 AND h.archived = 0",
        "representatives" => {
            "SELECT COUNT(DISTINCT p.id) FROM persons p JOIN person_tags t ON t.person_id = p.id AND t.archived = 0 \
             JOIN tag_types y ON y.id = t.tag_type_id AND y.code = 'representative' \
             WHERE p.community_id = $1 AND p.archived = 0 AND p.status = '在住'"
        }
        _ => {
            "SELECT COUNT(*) FROM persons p WHERE p.community_id = $1 AND p.archived = 0 AND p.status = '在住' \
             AND (p.birth_date IS NULL OR p.birth_date <= $2)"
        }
    }
}

fn adult_cutoff() -> String {
    let today = crate::db::today();
    let y = today
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2000)
        - 18;
    format!("{y}{}", today.format("-%m-%d"))
}

fn status(opens: &str, closes: &str, published: &Option<String>) -> &'static str {
    let now = db::now();
    if published.is_some() {
        "已公布"
    } else if now.as_str() < opens {
        "未开始"
    } else if now.as_str() < closes {
        "进行中"
    } else {
        "已结束"
    }
}

/// Opens a vote (the committee), counting its electorate now.
pub async fn create(db: &Db, actor: &Actor, input: &NewVote) -> Result<Vote> {
    let (street, community) = community_for(db, actor, input.community_id).await?;
    let title = required("表决事项", &input.title, 200)?;
    let options: Vec<String> = input
        .options
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if options.len() < 2 || options.len() > 10 {
        return Err(Error::invalid("选项", "表决选项应为2至10个"));
    }
    if options.iter().any(|o| o.chars().count() > 50) {
        return Err(Error::invalid("选项", "每个选项不能超过50个字符"));
    }
    let mut uniq = options.clone();
    uniq.sort();
    uniq.dedup();
    if uniq.len() != options.len() {
        return Err(Error::invalid("选项", "选项不能重复"));
    }
    let mode = input.mode.trim();
    let Some((_, mode_label)) = MODES.iter().find(|(c, _)| *c == mode) else {
        return Err(Error::invalid(
            "表决方式",
            "表决方式应为一人一票、一户一票或居民代表表决",
        ));
    };
    let opens = beijing_to_utc("开始时间", &input.opens_at)?;
    let closes = beijing_to_utc("结束时间", &input.closes_at)?;
    if closes <= opens {
        return Err(Error::invalid("结束时间", "结束时间应晚于开始时间"));
    }
    let proposal = match input.proposal_id {
        Some(pid) => {
            let p = proposals::get(db, actor, pid)
                .await
                .map_err(|_| Error::invalid("议题", "议题不存在或不在您的管辖范围内"))?;
            if p.community_id != community {
                return Err(Error::invalid("议题", "议题不属于该社区"));
            }
            let from = PState::from_code(&p.state).unwrap_or(PState::Submitted);
            proposals::PROPOSAL_FLOW.check("to_vote", from, actor.role)?;
            Some((p, from))
        }
        None => None,
    };
    let electorate: i64 = sqlx::query(electorate_sql(mode))
        .bind(community)
        .bind(adult_cutoff())
        .fetch_one(&db.pool)
        .await?
        .get(0);
    if electorate == 0 {
        return Err(Error::invalid(
            "表决方式",
            format!("该社区没有可以参加“{mode_label}”的人"),
        ));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO votes (number, street_id, community_id, proposal_id, title, mode, secret, opens_at, closes_at, \
         electorate, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(crate::accounts::sessions::random_token())
    .bind(street)
    .bind(community)
    .bind(input.proposal_id)
    .bind(&title)
    .bind(mode)
    .bind(input.secret as i64)
    .bind(&opens)
    .bind(&closes)
    .bind(electorate)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    sqlx::query("UPDATE votes SET number = $1 WHERE id = $2")
        .bind(number("BJ", id))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (i, o) in options.iter().enumerate() {
        sqlx::query("INSERT INTO vote_options (vote_id, idx, label) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(i as i64)
            .bind(o)
            .execute(&mut *tx)
            .await?;
    }
    if let Some((p, from)) = &proposal {
        proposals::move_to(
            &mut tx,
            actor,
            p,
            *from,
            PState::Voting,
            "to_vote",
            "",
            None,
        )
        .await?;
    }
    audit::record(
        &mut *tx,
        actor,
        "create",
        "vote",
        Some(id),
        None,
        Some(
            &json!({"title": title, "options": options, "mode": mode, "secret": input.secret,
                     "opens_at": opens, "closes_at": closes, "electorate": electorate}),
        ),
    )
    .await?;
    tx.commit().await?;
    load(db, id).await
}

async fn load(db: &Db, id: i64) -> Result<Vote> {
    let r = sqlx::query(
        "SELECT id, number, community_id, proposal_id, title, mode, secret, opens_at, closes_at, electorate, \
         published_at FROM votes WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let options = sqlx::query("SELECT label FROM vote_options WHERE vote_id = $1 ORDER BY idx")
        .bind(id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|o| o.get::<String, _>(0))
        .collect();
    let mode: String = r.get(5);
    let (opens, closes, published): (String, String, Option<String>) =
        (r.get(7), r.get(8), r.get(10));
    Ok(Vote {
        id: r.get(0),
        number: r.get(1),
        community_id: r.get(2),
        proposal_id: r.get(3),
        title: r.get(4),
        mode_label: MODES
            .iter()
            .find(|(c, _)| *c == mode)
            .map(|(_, l)| l.to_string())
            .unwrap_or_default(),
        mode,
        secret: r.get::<i64, _>(6) == 1,
        status: status(&opens, &closes, &published).into(),
        opens_at: opens,
        closes_at: closes,
        electorate: r.get(9),
        published_at: published,
        options,
    })
}

/// One vote in the actor's scope.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Vote> {
    let sql = format!(
        "SELECT id FROM votes v WHERE v.id = $1 AND {}",
        actor.scope.sql("v")
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    load(db, id).await
}

/// The votes in the actor's scope, newest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Vote>> {
    let sql = format!(
        "SELECT id FROM votes v WHERE {} ORDER BY v.opens_at DESC, v.id DESC LIMIT 200",
        actor.scope.sql("v")
    );
    let ids: Vec<i64> = sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for id in ids {
        out.push(load(db, id).await?);
    }
    Ok(out)
}

/// The counted result, once the vote has closed.
pub async fn tally(db: &Db, actor: &Actor, id: i64) -> Result<Tally> {
    let vote = get(db, actor, id).await?;
    count(db, vote).await
}

async fn count(db: &Db, vote: Vote) -> Result<Tally> {
    if db::now() < vote.closes_at {
        return Err(Error::invalid("表决", "表决尚未结束,结束后才能计票"));
    }
    let voters: i64 = sqlx::query("SELECT COUNT(*) FROM vote_voters WHERE vote_id = $1")
        .bind(vote.id)
        .fetch_one(&db.pool)
        .await?
        .get(0);
    let rows = sqlx::query(
        "SELECT option_idx, COUNT(*) FROM vote_choices WHERE vote_id = $1 GROUP BY option_idx",
    )
    .bind(vote.id)
    .fetch_all(&db.pool)
    .await?;
    let counts = vote
        .options
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let n = rows
                .iter()
                .find(|r| r.get::<i64, _>(0) == i as i64)
                .map(|r| r.get::<i64, _>(1))
                .unwrap_or(0);
            OptionCount {
                label: label.clone(),
                count: n,
                share: pct(n, voters),
            }
        })
        .collect();
    Ok(Tally {
        turnout: pct(voters, vote.electorate),
        voters,
        counts,
        vote,
    })
}

/// Publishes a closed vote's result to the board; its proposal is decided.
pub async fn publish(db: &Db, actor: &Actor, id: i64) -> Result<Tally> {
    super::require_committee(actor)?;
    let t = tally(db, actor, id).await?;
    if t.vote.published_at.is_some() {
        return Err(Error::conflict("表决", "结果已经公布"));
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE votes SET published_at = $1 WHERE id = $2 AND published_at IS NULL")
        .bind(db::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if let Some(pid) = t.vote.proposal_id {
        let p = proposals::get(db, actor, pid).await?;
        let from = PState::from_code(&p.state).unwrap_or(PState::Submitted);
        if from == PState::Voting {
            proposals::move_to(
                &mut tx,
                actor,
                &p,
                from,
                PState::Decided,
                "decide",
                "表决结果已公布",
                None,
            )
            .await?;
        }
    }
    let result: Vec<_> = t
        .counts
        .iter()
        .map(|c| json!({"label": c.label, "count": c.count}))
        .collect();
    audit::record(
        &mut *tx,
        actor,
        "publish",
        "vote",
        Some(id),
        None,
        Some(&json!({"voters": t.voters, "electorate": t.vote.electorate, "result": result})),
    )
    .await?;
    tx.commit().await?;
    tally(db, actor, id).await
}

/// The open and recent votes a resident may take part in, with whether they (or their household) voted.
pub async fn for_resident(db: &Db, actor: &Actor) -> Result<Vec<(Vote, bool, bool)>> {
    let r = crate::portal::verified(db, actor).await?;
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM votes WHERE community_id = $1 ORDER BY opens_at DESC, id DESC LIMIT 50",
    )
    .bind(r.community_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|x| x.get(0))
    .collect();
    let mut out = Vec::new();
    for id in ids {
        let v = load(db, id).await?;
        let key = voter_key(&v.mode, &r);
        let voted = match &key {
            Some(k) => {
                sqlx::query("SELECT 1 FROM vote_voters WHERE vote_id = $1 AND voter_key = $2")
                    .bind(id)
                    .bind(k)
                    .fetch_optional(&db.pool)
                    .await?
                    .is_some()
            }
            None => false,
        };
        let eligible = eligible(db, &v, &r).await?;
        out.push((v, voted, eligible));
    }
    Ok(out)
}

fn voter_key(mode: &str, r: &crate::portal::Resident) -> Option<String> {
    match mode {
        "household" => r.household_id.map(|h| format!("h:{h}")),
        _ => Some(format!("p:{}", r.person_id)),
    }
}

async fn eligible(db: &Db, v: &Vote, r: &crate::portal::Resident) -> Result<bool> {
    if r.community_id != v.community_id {
        return Ok(false);
    }
    let sql = match v.mode.as_str() {
        "household" => return Ok(r.household_id.is_some()),
        "representatives" => {
            "SELECT 1 FROM person_tags t JOIN tag_types y ON y.id = t.tag_type_id AND y.code = 'representative' \
             WHERE t.person_id = $1 AND t.archived = 0 AND $2 = $2"
        }
        _ => "SELECT 1 FROM persons p WHERE p.id = $1 AND (p.birth_date IS NULL OR p.birth_date <= $2)",
    };
    Ok(sqlx::query(sql)
        .bind(r.person_id)
        .bind(adult_cutoff())
        .fetch_optional(&db.pool)
        .await?
        .is_some())
}

/// A resident's ballot. Refused outside the open time, when not eligible, and a second time.
pub async fn cast(db: &Db, actor: &Actor, number: &str, option: i64) -> Result<()> {
    let r = crate::portal::verified(db, actor).await?;
    let id: i64 = sqlx::query("SELECT id FROM votes WHERE number = $1 AND community_id = $2")
        .bind(number.trim())
        .bind(r.community_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?
        .get(0);
    let v = load(db, id).await?;
    let now = db::now();
    if now < v.opens_at {
        return Err(Error::invalid("表决", "表决尚未开始"));
    }
    if now >= v.closes_at {
        return Err(Error::invalid("表决", "表决已经结束"));
    }
    if option < 0 || option as usize >= v.options.len() {
        return Err(Error::invalid("选项", "请选择一个选项"));
    }
    if !eligible(db, &v, &r).await? {
        return Err(Error::Forbidden(format!(
            "您不在本次表决({})的范围内",
            v.mode_label
        )));
    }
    let key = voter_key(&v.mode, &r)
        .ok_or_else(|| Error::Forbidden("您没有登记户籍,不能参加一户一票的表决".into()))?;
    let mut tx = db.begin().await?;
    let first = sqlx::query(
        "INSERT INTO vote_voters (vote_id, voter_key, person_id, cast_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (vote_id, voter_key) DO NOTHING",
    )
    .bind(id)
    .bind(&key)
    .bind(r.person_id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    if first.rows_affected() != 1 {
        return Err(Error::conflict(
            "表决",
            if v.mode == "household" {
                "您家已经投过票了,一户只能投一票"
            } else {
                "您已经投过票了,每人只能投一票"
            },
        ));
    }
    sqlx::query(
        "INSERT INTO vote_choices (id, vote_id, option_idx, voter_key) VALUES ($1, $2, $3, $4)",
    )
    .bind(crate::accounts::sessions::random_token())
    .bind(id)
    .bind(option)
    .bind(if v.secret { None } else { Some(key.clone()) })
    .execute(&mut *tx)
    .await?;
    // The audit entry says that the person voted, never what they chose in a secret vote.
    let after = if v.secret {
        json!({"vote": v.number})
    } else {
        json!({"vote": v.number, "option": v.options[option as usize]})
    };
    audit::record(
        &mut *tx,
        actor,
        "cast",
        "vote",
        Some(id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The published results of a community, for the board (no login).
pub async fn published(db: &Db, community: i64) -> Result<Vec<Tally>> {
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM votes WHERE community_id = $1 AND published_at IS NOT NULL ORDER BY published_at DESC LIMIT 50",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut out = Vec::new();
    for id in ids {
        out.push(count(db, load(db, id).await?).await?);
    }
    Ok(out)
}

/// The state label of a vote's proposal (for pages).
pub fn proposal_state_label(code: &str) -> &'static str {
    PState::from_code(code).map(|s| s.label_zh()).unwrap_or("")
}
