//! 会议: meetings of the types the street uses (社区成员代表大会, 居民代表会议, 听证会, 评议会, 协调会, 议事会,
//! 联席会议, 两委会) with agenda, invited and present, minutes; a type with a quorum refuses resolutions when
//! fewer attended. A resolution (决议) may name the proposal and the vote it settles, and becomes follow-up
//! tasks with an owner and a deadline in working days (calendar::Limit), tracked to done; open tasks show in
//! their owners' worklist and on the dashboard.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::proposals::{self, PState};
use super::{community_for, required, text};
use crate::accounts::Actor;
use crate::audit;
use crate::calendar::Limit;
use crate::db::{self, Db};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingType {
    pub code: String,
    pub name: String,
    pub quorum_pct: Option<i64>,
}

pub async fn types(db: &Db) -> Result<Vec<MeetingType>> {
    Ok(
        sqlx::query("SELECT code, name, quorum_pct FROM meeting_types ORDER BY sort")
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|r| MeetingType {
                code: r.get(0),
                name: r.get(1),
                quorum_pct: r.get(2),
            })
            .collect(),
    )
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewMeeting {
    pub community_id: Option<i64>,
    pub type_code: String,
    pub title: String,
    /// 2026-12-07
    pub held_on: String,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    /// 应到
    pub invited: i64,
    /// 实到
    pub present: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: i64,
    pub community_id: i64,
    pub type_code: String,
    pub type_name: String,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    pub invited: i64,
    pub present: i64,
    /// Attendees needed (None: the type has no quorum).
    pub quorum_needed: Option<i64>,
    pub quorum_met: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Resolution {
    pub id: i64,
    pub meeting_id: i64,
    pub text: String,
    pub proposal_number: Option<String>,
    pub vote_number: Option<String>,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub resolution_id: i64,
    pub title: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub due_at: String,
    pub done_at: Option<String>,
    pub done_note: Option<String>,
    pub overdue: bool,
}

const M_COLS: &str =
    "m.id, m.community_id, m.type_code, t.name, m.title, m.held_on, m.place, m.agenda, m.minutes, \
                      m.invited, m.present, t.quorum_pct";

fn meeting(r: &sqlx::any::AnyRow) -> Meeting {
    let invited: i64 = r.get(9);
    let present: i64 = r.get(10);
    let q: Option<i64> = r.get(11);
    let needed = q.map(|q| (invited * q + 99) / 100);
    Meeting {
        id: r.get(0),
        community_id: r.get(1),
        type_code: r.get(2),
        type_name: r.get(3),
        title: r.get(4),
        held_on: r.get(5),
        place: r.get(6),
        agenda: r.get(7),
        minutes: r.get(8),
        invited,
        present,
        quorum_needed: needed,
        quorum_met: needed.is_none_or(|n| present >= n),
    }
}

/// Records a meeting.
pub async fn create(db: &Db, actor: &Actor, m: &NewMeeting) -> Result<Meeting> {
    let (street, community) = community_for(db, actor, m.community_id).await?;
    let kind = types(db)
        .await?
        .into_iter()
        .find(|t| t.code == m.type_code.trim())
        .ok_or_else(|| Error::invalid("会议类型", "请选择会议类型"))?;
    let title = required("会议名称", &m.title, 100)?;
    let held_on = crate::registry::validate::parse_date(&m.held_on)
        .ok_or_else(|| Error::invalid("会议日期", "日期格式不正确,请按2024-01-31填写"))?;
    if m.invited <= 0 || m.present < 0 || m.present > m.invited {
        return Err(Error::invalid(
            "实到人数",
            "应到人数应大于0,实到人数不能超过应到人数",
        ));
    }
    let place = text("地点", &m.place, 100)?;
    let agenda = text("议程", &m.agenda, 5000)?;
    let minutes = text("会议记录", &m.minutes, 20000)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO meetings (street_id, community_id, type_code, title, held_on, place, agenda, minutes, invited, \
         present, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(street)
    .bind(community)
    .bind(&kind.code)
    .bind(&title)
    .bind(held_on.to_string())
    .bind(&place)
    .bind(&agenda)
    .bind(&minutes)
    .bind(m.invited)
    .bind(m.present)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::record(
        &mut *tx,
        actor,
        "create",
        "meeting",
        Some(id),
        None,
        Some(
            &json!({"type": kind.name, "title": title, "held_on": held_on.to_string(),
                     "invited": m.invited, "present": m.present}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Meeting> {
    let sql = format!(
        "SELECT {M_COLS} FROM meetings m JOIN meeting_types t ON t.code = m.type_code WHERE m.id = $1 AND {}",
        actor.scope.sql("m")
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| meeting(&r))
        .ok_or(Error::NotFound)
}

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Meeting>> {
    let sql = format!(
        "SELECT {M_COLS} FROM meetings m JOIN meeting_types t ON t.code = m.type_code WHERE {} \
         ORDER BY m.held_on DESC, m.id DESC LIMIT 500",
        actor.scope.sql("m")
    );
    Ok(sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(meeting)
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewResolution {
    pub text: String,
    /// The proposal it settles (moves to 已决定).
    pub proposal_id: Option<i64>,
    /// The vote whose result it records.
    pub vote_id: Option<i64>,
    /// Shown on the public board.
    pub published: bool,
}

/// A resolution of a meeting; refused when the meeting's type needs a quorum it did not reach.
pub async fn resolve(
    db: &Db,
    actor: &Actor,
    meeting_id: i64,
    r: &NewResolution,
) -> Result<Resolution> {
    super::require_committee(actor)?;
    let m = get(db, actor, meeting_id).await?;
    if !m.quorum_met {
        return Err(Error::invalid(
            "决议",
            format!(
                "{}应到{}人、实到{}人,未达到法定人数({}人),不能形成决议",
                m.type_name,
                m.invited,
                m.present,
                m.quorum_needed.unwrap_or(0)
            ),
        ));
    }
    let body = required("决议内容", &r.text, 5000)?;
    let proposal = match r.proposal_id {
        Some(pid) => {
            let p = proposals::get(db, actor, pid)
                .await
                .map_err(|_| Error::invalid("议题", "议题不存在"))?;
            if p.community_id != m.community_id {
                return Err(Error::invalid("议题", "议题不属于该社区"));
            }
            Some(p)
        }
        None => None,
    };
    if let Some(vid) = r.vote_id {
        let v = super::votes::get(db, actor, vid)
            .await
            .map_err(|_| Error::invalid("表决", "表决不存在"))?;
        if v.community_id != m.community_id {
            return Err(Error::invalid("表决", "表决不属于该社区"));
        }
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO resolutions (meeting_id, street_id, community_id, text, proposal_id, vote_id, published, created_at) \
         SELECT m.id, m.street_id, m.community_id, $2, $3, $4, $5, $6 FROM meetings m WHERE m.id = $1 RETURNING id",
    )
    .bind(meeting_id)
    .bind(&body)
    .bind(r.proposal_id)
    .bind(r.vote_id)
    .bind(r.published as i64)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    if let Some(p) = &proposal {
        let from = PState::from_code(&p.state).unwrap_or(PState::Submitted);
        if matches!(from, PState::Accepted | PState::Voting) {
            proposals::PROPOSAL_FLOW.check("decide", from, actor.role)?;
            proposals::move_to(
                &mut tx,
                actor,
                p,
                from,
                PState::Decided,
                "decide",
                &m.title,
                None,
            )
            .await?;
        }
    }
    audit::record(
        &mut *tx,
        actor,
        "create",
        "resolution",
        Some(id),
        None,
        Some(&json!({"meeting": m.title, "text": body, "proposal_id": r.proposal_id, "vote_id": r.vote_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(resolutions(db, actor, meeting_id)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .expect("just written"))
}

/// The resolutions of a meeting with their tasks.
pub async fn resolutions(db: &Db, actor: &Actor, meeting_id: i64) -> Result<Vec<Resolution>> {
    get(db, actor, meeting_id).await?;
    let rows = sqlx::query(
        "SELECT r.id, r.meeting_id, r.text, p.number, v.number FROM resolutions r \
         LEFT JOIN proposals p ON p.id = r.proposal_id LEFT JOIN votes v ON v.id = r.vote_id \
         WHERE r.meeting_id = $1 ORDER BY r.id",
    )
    .bind(meeting_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.get(0);
        out.push(Resolution {
            id,
            meeting_id: r.get(1),
            text: r.get(2),
            proposal_number: r.get(3),
            vote_number: r.get(4),
            tasks: tasks_where(db, "k.resolution_id = $1", id).await?,
        });
    }
    Ok(out)
}

async fn tasks_where(db: &Db, cond: &str, bind: i64) -> Result<Vec<Task>> {
    let now = db::now();
    let sql = format!(
        "SELECT k.id, k.resolution_id, k.title, k.owner_id, u.display_name, k.due_at, k.done_at, k.done_note \
         FROM resolution_tasks k JOIN users u ON u.id = k.owner_id WHERE {cond} ORDER BY k.due_at, k.id LIMIT 500"
    );
    Ok(sqlx::query(&sql)
        .bind(bind)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            let due: String = r.get(5);
            let done: Option<String> = r.get(6);
            Task {
                id: r.get(0),
                resolution_id: r.get(1),
                title: r.get(2),
                owner_id: r.get(3),
                owner_name: r.get(4),
                overdue: done.is_none() && due < now,
                due_at: due,
                done_at: done,
                done_note: r.get(7),
            }
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewTask {
    pub title: String,
    /// A worker of the resolution's community.
    pub owner_id: i64,
    /// 限时办结: working days from tomorrow.
    pub working_days: i64,
}

/// A follow-up task of a resolution, due at the end of the n-th working day.
pub async fn add_task(db: &Db, actor: &Actor, resolution_id: i64, t: &NewTask) -> Result<Task> {
    super::require_committee(actor)?;
    let sql = format!(
        "SELECT r.meeting_id, r.street_id, r.community_id FROM resolutions r WHERE r.id = $1 AND {}",
        actor.scope.sql("r")
    );
    let row = sqlx::query(&sql)
        .bind(resolution_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let (street, community): (i64, i64) = (row.get(1), row.get(2));
    let title = required("任务", &t.title, 200)?;
    if !(1..=250).contains(&t.working_days) {
        return Err(Error::invalid("办结时限", "办结时限应为1至250个工作日"));
    }
    // The owner works in the community: its committee, or a grid worker of one of its grids.
    let owner = sqlx::query(
        "SELECT u.id FROM users u WHERE u.id = $1 AND u.archived = 0 AND u.street_id = $2 AND u.role <> 'resident' \
         AND (u.role = 'street_admin' OR u.community_id = $3 OR EXISTS (SELECT 1 FROM user_grids g JOIN nodes n \
         ON n.id = g.grid_id WHERE g.user_id = u.id AND n.community_id = $3))",
    )
    .bind(t.owner_id)
    .bind(street)
    .bind(community)
    .fetch_optional(&db.pool)
    .await?;
    if owner.is_none() {
        return Err(Error::invalid("责任人", "请选择本社区的工作人员作为责任人"));
    }
    let cal = crate::calendar::store::load(db).await?;
    let (_, due) = Limit::WorkingDays(t.working_days).times(chrono::Utc::now().naive_utc(), &cal);
    let due = due.format("%Y-%m-%d %H:%M:%S").to_string();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO resolution_tasks (resolution_id, street_id, community_id, title, owner_id, due_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(resolution_id)
    .bind(street)
    .bind(community)
    .bind(&title)
    .bind(t.owner_id)
    .bind(&due)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::record(
        &mut *tx,
        actor,
        "create",
        "resolution_task",
        Some(id),
        None,
        Some(&json!({"title": title, "owner_id": t.owner_id, "due_at": due})),
    )
    .await?;
    tx.commit().await?;
    Ok(tasks_where(db, "k.id = $1", id).await?.remove(0))
}

/// Marks a task done: its owner, or the committee of its community.
pub async fn complete(db: &Db, actor: &Actor, task_id: i64, note: &str) -> Result<Task> {
    let sql = format!(
        "SELECT k.owner_id, k.done_at FROM resolution_tasks k WHERE k.id = $1 AND (k.owner_id = $2 OR {})",
        actor.scope.sql("k")
    );
    let row = sqlx::query(&sql)
        .bind(task_id)
        .bind(actor.user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let owner: i64 = row.get(0);
    if owner != actor.user_id {
        super::require_committee(actor)?;
    }
    if row.get::<Option<String>, _>(1).is_some() {
        return Err(Error::conflict("任务", "任务已经办结"));
    }
    let note = text("办理情况", note, 2000)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE resolution_tasks SET done_at = $1, done_note = $2 WHERE id = $3 AND done_at IS NULL")
        .bind(db::now())
        .bind(&note)
        .bind(task_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "complete",
        "resolution_task",
        Some(task_id),
        None,
        Some(&json!({"note": note})),
    )
    .await?;
    tx.commit().await?;
    Ok(tasks_where(db, "k.id = $1", task_id).await?.remove(0))
}

/// The open tasks a user owns (their worklist), soonest due first.
pub async fn my_open_tasks(db: &Db, actor: &Actor) -> Result<Vec<Task>> {
    tasks_where(db, "k.owner_id = $1 AND k.done_at IS NULL", actor.user_id).await
}

/// The published resolutions of a community, for the board.
pub async fn published(db: &Db, community: i64) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query(
        "SELECT m.held_on, m.title, r.text FROM resolutions r JOIN meetings m ON m.id = r.meeting_id \
         WHERE r.community_id = $1 AND r.published = 1 ORDER BY m.held_on DESC, r.id DESC LIMIT 50",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect())
}

/// The workers who may own a task of a community (its committee, its grids' workers, the street's
/// administrators), for the form.
pub async fn owners(db: &Db, community: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query(
        "SELECT u.id, u.display_name FROM users u JOIN nodes c ON c.id = $1 \
         WHERE u.archived = 0 AND u.role <> 'resident' AND u.street_id = c.street_id \
         AND (u.role = 'street_admin' OR u.community_id = $1 OR EXISTS (SELECT 1 FROM user_grids g JOIN nodes n \
         ON n.id = g.grid_id WHERE g.user_id = u.id AND n.community_id = $1)) ORDER BY u.display_name",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}
