//! A resident's requests: reported from the portal into the closed loop (source 居民端, located at their
//! home), followed step by step with the deadline, photos added, and rated when closed (不满意 reopens the
//! case, as a worker's rating does). A resident reaches a case only by its number and only when it is theirs:
//! reported from their account or naming their person as the reporter; anything else answers NotFound.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{verified, Resident};
use crate::accounts::Actor;
use crate::cases::attachments::{self, Attachment, Owner, Upload};
use crate::cases::intake::{self, NewCase};
use crate::cases::queries::{self, Case};
use crate::cases::transitions::{self, Action};
use crate::cases::{categories, State};
use crate::db::Db;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResidentReport {
    pub category_id: i64,
    pub title: String,
    pub description: String,
}

/// A request as its resident sees it: no worker's notes beyond the outcome, no other person's data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyCase {
    pub number: String,
    pub title: String,
    pub description: String,
    pub category_name: String,
    pub state: String,
    pub state_label: String,
    /// Who acts next, in words (待社区受理, 正在处置 …).
    pub next: String,
    pub created_at: String,
    /// When it must be done (限时办结).
    pub due_at: String,
    pub closed_at: Option<String>,
    pub rating: Option<String>,
    pub rating_comment: Option<String>,
    /// May be rated now.
    pub can_rate: bool,
}

/// One step of the request's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyStep {
    pub label: String,
    pub at: String,
    /// The outcome told to the resident (结案说明, 不予立案理由, their own rating); empty for other steps.
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyCaseDetail {
    pub case: MyCase,
    pub steps: Vec<MyStep>,
    pub photos: Vec<MyPhoto>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyPhoto {
    pub id: i64,
    pub filename: String,
}

fn next_words(state: State) -> &'static str {
    match state {
        State::Reported => "等待社区受理",
        State::Accepted => "已受理,等待派遣",
        State::Dispatched | State::Handling => "正在处置",
        State::Verified => "处置完成,等待结案",
        State::Closed => "已办结,请您评价",
        State::Rated => "已评价",
        State::Rejected => "不予立案",
    }
}

fn my_case(c: &Case) -> MyCase {
    let state = c.state();
    MyCase {
        number: c.number.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        category_name: c.category_name.clone(),
        state: c.state.clone(),
        state_label: c.state_label.clone(),
        next: next_words(state).to_string(),
        created_at: c.created_at.clone(),
        due_at: c.due_at.clone(),
        closed_at: c.closed_at.clone(),
        rating: c.rating.clone(),
        rating_comment: c.rating_comment.clone(),
        can_rate: state == State::Closed,
    }
}

/// "this case is the resident's", as SQL on `cases c`.
fn own_sql(r: &Resident) -> String {
    format!(
        "(c.created_by = {} OR c.reporter_person_id = {})",
        r.user_id, r.person_id
    )
}

/// The categories a resident chooses from.
pub async fn categories(db: &Db, actor: &Actor) -> Result<Vec<(i64, String)>> {
    verified(db, actor).await?;
    Ok(categories::list(db)
        .await?
        .into_iter()
        .map(|c| {
            let name = if c.full_name.is_empty() {
                c.name
            } else {
                c.full_name
            };
            (c.id, name)
        })
        .collect())
}

/// Reports a request from home.
pub async fn report(db: &Db, actor: &Actor, input: &ResidentReport) -> Result<MyCase> {
    let r = verified(db, actor).await?;
    let new = NewCase {
        category_id: input.category_id,
        source: "居民端".into(),
        title: input.title.clone(),
        description: input.description.clone(),
        location_id: r.home_node_id,
        address: r.address.clone(),
        reporter_person_id: Some(r.person_id),
        ..NewCase::default()
    };
    let case = intake::create(db, &r.home_actor(actor), &new).await?;
    Ok(my_case(&case))
}

/// The resident's requests, newest first.
pub async fn mine(db: &Db, actor: &Actor) -> Result<Vec<MyCase>> {
    let r = verified(db, actor).await?;
    let sql = format!(
        "SELECT c.id FROM cases c WHERE {} ORDER BY c.created_at DESC, c.id DESC LIMIT 200",
        own_sql(&r)
    );
    let ids: Vec<i64> = sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let all = Actor {
        scope: crate::accounts::Scope::All,
        ..actor.clone()
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(my_case(&queries::get(db, &all, id).await?));
    }
    Ok(out)
}

/// The resident's case of that number (with an actor that may read it), or NotFound.
async fn own_case(db: &Db, actor: &Actor, number: &str) -> Result<(Resident, Actor, Case)> {
    let r = verified(db, actor).await?;
    let sql = format!(
        "SELECT c.id FROM cases c WHERE c.number = $1 AND {}",
        own_sql(&r)
    );
    let id: i64 = sqlx::query(&sql)
        .bind(number.trim())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?
        .get(0);
    // The case may have been reported at the resident's home and followed them after a move, or reported
    // by a worker elsewhere: it is theirs, so it is read without an area condition.
    let reader = Actor {
        scope: crate::accounts::Scope::All,
        ..actor.clone()
    };
    let case = queries::get(db, &reader, id).await?;
    Ok((r, reader, case))
}

/// One request with its steps and photos.
pub async fn detail(db: &Db, actor: &Actor, number: &str) -> Result<MyCaseDetail> {
    let (_, reader, case) = own_case(db, actor, number).await?;
    let steps = queries::events(db, &reader, case.id)
        .await?
        .into_iter()
        .filter_map(|e| {
            let label = match e.kind.as_str() {
                "create" => "已提交",
                "accept" => "已受理(立案)",
                "reject" => "不予立案",
                "dispatch" | "handover" => "已派遣处置",
                "handle" => "处置中",
                "verify" => "处置完成,已核查",
                "verify_failed" => "核查未通过,继续处置",
                "close" => "已办结",
                "rate" => "已评价",
                "reopen" => "评价不满意,重新处置",
                "escalate" => "已督办",
                _ => return None,
            };
            let note = match e.kind.as_str() {
                "reject" | "close" | "rate" | "reopen" => e.note.unwrap_or_default(),
                _ => String::new(),
            };
            Some(MyStep {
                label: label.into(),
                at: e.at,
                note,
            })
        })
        .collect();
    let photos = attachments::of(db, "case", case.id)
        .await?
        .into_iter()
        .map(|a| MyPhoto {
            id: a.id,
            filename: a.filename,
        })
        .collect();
    Ok(MyCaseDetail {
        case: my_case(&case),
        steps,
        photos,
    })
}

/// Rates a closed request: 满意 / 基本满意 / 不满意 (不满意 sends it back to 处置).
pub async fn rate(
    db: &Db,
    actor: &Actor,
    number: &str,
    rating: &str,
    comment: &str,
) -> Result<MyCase> {
    let (_, reader, case) = own_case(db, actor, number).await?;
    if case.state() != State::Closed {
        return Err(Error::invalid("评价", "只能评价已办结的诉求"));
    }
    let action = Action::Rate {
        rating: rating.to_string(),
        comment: comment.to_string(),
    };
    let case = transitions::apply(db, &reader, case.id, &action).await?;
    Ok(my_case(&case))
}

/// Adds a photo to an open request of the resident's.
pub async fn add_photo(db: &Db, actor: &Actor, number: &str, u: &Upload) -> Result<MyPhoto> {
    let (_, reader, case) = own_case(db, actor, number).await?;
    if !case.state().is_open() {
        return Err(Error::invalid("照片", "诉求已办结,不能再添加照片"));
    }
    let owner = Owner {
        kind: "case",
        id: case.id,
        street_id: case.street_id,
        community_id: case.community_id,
        grid_id: case.grid_id,
        building_id: case.building_id,
    };
    let a: Attachment = attachments::add(db, &reader, owner, "photo", u).await?;
    Ok(MyPhoto {
        id: a.id,
        filename: a.filename,
    })
}

/// A photo of one of the resident's requests.
pub async fn photo(db: &Db, actor: &Actor, number: &str, id: i64) -> Result<(Attachment, Vec<u8>)> {
    let (_, reader, case) = own_case(db, actor, number).await?;
    let a = attachments::content(db, &reader, id).await?;
    if a.0.owner_kind != "case" || a.0.owner_id != case.id {
        return Err(Error::NotFound);
    }
    Ok(a)
}
