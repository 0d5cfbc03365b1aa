//! 评比: a community's selections — 文明家庭, 星级文明户, 好媳妇/好婆婆, 优秀志愿者 — of households or persons, for
//! a period and a number of places. Nominations come from the committee (a household by 户号 or a person
//! picked with /lookup) or from verified residents on the portal (a household or person of their community,
//! with a reason); the committee reviews them (accepted, or refused with a reason, [`NOMINEE_FLOW`]). The
//! vote over the accepted nominees, the announcement, the public board and the honours are in [`announce`].
//!
//! Selections are community records (grid and building scopes see none); the committee writes them.

pub mod announce;
pub mod plugin;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::accounts::{Actor, Role};
use crate::audit;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::governance::{community_for, number, required, text};
use crate::workflow::{Flow, FlowState, Reason, Stage, Step, Who};

/// The usual selections: (title, subject).
pub const KINDS: [(&str, &str); 5] = [
    ("文明家庭", "household"),
    ("星级文明户", "household"),
    ("好媳妇", "person"),
    ("好婆婆", "person"),
    ("优秀志愿者", "person"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NState {
    Nominated,
    Accepted,
    Refused,
    Selected,
}

impl FlowState for NState {
    fn code(self) -> &'static str {
        match self {
            NState::Nominated => "nominated",
            NState::Accepted => "accepted",
            NState::Refused => "refused",
            NState::Selected => "selected",
        }
    }
    fn label_zh(self) -> &'static str {
        match self {
            NState::Nominated => "待审核",
            NState::Accepted => "审核通过",
            NState::Refused => "未通过",
            NState::Selected => "当选",
        }
    }
}

impl NState {
    pub fn from_code(s: &str) -> Option<NState> {
        [
            NState::Nominated,
            NState::Accepted,
            NState::Refused,
            NState::Selected,
        ]
        .into_iter()
        .find(|n| n.code() == s)
    }
}

const COMMITTEE: &[Role] = &[Role::StreetAdmin, Role::CommunityHead, Role::SocialWorker];

pub const NOMINEE_FLOW: Flow<NState> = Flow {
    subject: "推荐对象",
    steps: &[
        Step {
            code: "accept",
            label: "审核通过",
            from: &[NState::Nominated],
            to: Some(NState::Accepted),
            who: Who::Roles(COMMITTEE),
            reason: Reason::Optional,
        },
        Step {
            code: "refuse",
            label: "不予通过",
            from: &[NState::Nominated],
            to: Some(NState::Refused),
            who: Who::Roles(COMMITTEE),
            reason: Reason::Required {
                field: "不通过理由",
                message: "不予通过时请写明理由",
            },
        },
        Step {
            code: "select",
            label: "确定当选",
            from: &[NState::Accepted],
            to: Some(NState::Selected),
            who: Who::Roles(COMMITTEE),
            reason: Reason::Optional,
        },
    ],
    stages: &[Stage {
        name: "审核",
        states: &[NState::Nominated],
    }],
};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewSelection {
    pub community_id: Option<i64>,
    /// 2026年度文明家庭
    pub title: String,
    /// household / person
    pub subject: String,
    /// 2026
    pub period: String,
    /// 名额
    pub places: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Selection {
    pub id: i64,
    /// PB2026-00001
    pub number: String,
    pub community_id: i64,
    pub title: String,
    pub subject: String,
    pub period: String,
    pub places: i64,
    /// nominating / voting / announced
    pub state: String,
    pub state_label: String,
    pub vote_id: Option<i64>,
    pub announced_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Nominee {
    pub id: i64,
    pub selection_id: i64,
    pub household_id: Option<i64>,
    pub person_id: Option<i64>,
    /// The person's name, or the household's 户号 and head (for the committee's pages).
    pub name: String,
    /// As the public sees it: 张*明, or 张*明家(锦绣花园).
    pub masked: String,
    pub reason: String,
    /// committee / portal
    pub source: String,
    pub state: String,
    pub state_label: String,
    pub review_reason: Option<String>,
}

fn state_label(s: &str) -> &'static str {
    match s {
        "nominating" => "推荐中",
        "voting" => "投票中",
        "announced" => "已公布",
        _ => "",
    }
}

fn selection(r: &sqlx::any::AnyRow) -> Selection {
    let state: String = r.get(7);
    Selection {
        id: r.get(0),
        number: r.get(1),
        community_id: r.get(2),
        title: r.get(3),
        subject: r.get(4),
        period: r.get(5),
        places: r.get(6),
        state_label: state_label(&state).into(),
        state,
        vote_id: r.get(8),
        announced_at: r.get(9),
    }
}

const SEL: &str =
    "SELECT s.id, s.number, s.community_id, s.title, s.subject, s.period, s.places, s.state, \
                   s.vote_id, s.announced_at FROM selections s";

/// Opens a selection for nominations (the committee).
pub async fn create(db: &Db, actor: &Actor, input: &NewSelection) -> Result<Selection> {
    let (street, community) = community_for(db, actor, input.community_id).await?;
    let title = required("评比名称", &input.title, 100)?;
    let subject = input.subject.trim();
    if !matches!(subject, "household" | "person") {
        return Err(Error::invalid("评比对象", "评比对象应为家庭(户)或个人"));
    }
    let period = required("评比年度", &input.period, 20)?;
    if input.places < 1 || input.places > 100 {
        return Err(Error::invalid("名额", "名额应为1至100"));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO selections (number, street_id, community_id, title, subject, period, places, state, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'nominating', $8, $9) RETURNING id",
    )
    .bind(crate::accounts::sessions::random_token())
    .bind(street)
    .bind(community)
    .bind(&title)
    .bind(subject)
    .bind(&period)
    .bind(input.places)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    sqlx::query("UPDATE selections SET number = $1 WHERE id = $2")
        .bind(number("PB", id))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "create",
        "selection",
        Some(id),
        None,
        Some(
            &json!({"title": title, "subject": subject, "period": period, "places": input.places}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// One selection in the actor's scope.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Selection> {
    let sql = format!("{SEL} WHERE s.id = $1 AND {}", actor.scope.sql("s"));
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| selection(&r))
        .ok_or(Error::NotFound)
}

/// The selections in the actor's scope, newest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Selection>> {
    let sql = format!(
        "{SEL} WHERE {} ORDER BY s.id DESC LIMIT 200",
        actor.scope.sql("s")
    );
    Ok(sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(selection)
        .collect())
}

/// The selections of a community open for nominations or votes, for its residents.
pub async fn open_in(db: &Db, community: i64) -> Result<Vec<Selection>> {
    Ok(sqlx::query(&format!(
        "{SEL} WHERE s.community_id = $1 AND s.state <> 'announced' ORDER BY s.id DESC LIMIT 50"
    ))
    .bind(community)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(selection)
    .collect())
}

/// The name and the masked name of a nominee's household or person.
pub(crate) const NOMINEE_SQL: &str =
    "SELECT n.id, n.selection_id, n.household_id, n.person_id, n.reason, n.source, n.state, n.review_reason, \
     p.name, h.number, \
     (SELECT x.name FROM persons x WHERE x.household_id = h.id AND x.archived = 0 \
        ORDER BY CASE WHEN x.relation = '户主' THEN 0 ELSE 1 END, x.id LIMIT 1), e.name \
     FROM selection_nominees n LEFT JOIN persons p ON p.id = n.person_id \
     LEFT JOIN households h ON h.id = n.household_id LEFT JOIN nodes d ON d.id = h.dwelling_id \
     LEFT JOIN nodes e ON e.id = d.estate_id";

pub(crate) fn nominee(r: &sqlx::any::AnyRow) -> Nominee {
    let mask = crate::welfare::mask_name;
    let person: Option<String> = r.get(8);
    let hnum: Option<String> = r.get(9);
    let head: Option<String> = r.get(10);
    let estate: Option<String> = r.get(11);
    let (name, masked) = match person {
        Some(p) => (p.clone(), mask(&p)),
        None => {
            let head = head.unwrap_or_default();
            (
                format!("{} {}家", hnum.unwrap_or_default(), head),
                format!("{}家({})", mask(&head), estate.unwrap_or_default()),
            )
        }
    };
    let state: String = r.get(6);
    Nominee {
        id: r.get(0),
        selection_id: r.get(1),
        household_id: r.get(2),
        person_id: r.get(3),
        reason: r.get(4),
        source: r.get(5),
        state_label: NState::from_code(&state)
            .map(|s| s.label_zh())
            .unwrap_or("")
            .into(),
        state,
        review_reason: r.get(7),
        name,
        masked,
    }
}

/// The nominees of a selection in the actor's scope.
pub async fn nominees(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Nominee>> {
    get(db, actor, id).await?;
    of_selection(db, id).await
}

pub(crate) async fn of_selection(db: &Db, id: i64) -> Result<Vec<Nominee>> {
    Ok(sqlx::query(&format!(
        "{NOMINEE_SQL} WHERE n.selection_id = $1 ORDER BY n.id"
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(nominee)
    .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Nomination {
    /// The committee: the household (its id, or the 户号 the /lookup picker gives) or person (picked by name).
    pub household_id: Option<i64>,
    pub person_id: Option<i64>,
    /// A resident on the portal: the 户号 of a household, or the name of a person, of their community.
    pub household_number: String,
    pub person_name: String,
    pub reason: String,
}

async fn insert_nominee(
    db: &Db,
    actor: &Actor,
    s: &Selection,
    (household, person): (Option<i64>, Option<i64>),
    reason: &str,
    source: &str,
) -> Result<Nominee> {
    if s.state != "nominating" {
        return Err(Error::invalid("评比", "推荐已经截止"));
    }
    let street: i64 = sqlx::query_scalar("SELECT street_id FROM selections WHERE id = $1")
        .bind(s.id)
        .fetch_one(&db.pool)
        .await?;
    let mut tx = db.begin().await?;
    let dup: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM selection_nominees WHERE selection_id = $1 AND (household_id = $2 OR person_id = $3)",
    )
    .bind(s.id)
    .bind(household)
    .bind(person)
    .fetch_optional(&mut *tx)
    .await?;
    if dup.is_some() {
        return Err(Error::conflict("推荐对象", "该对象已被推荐"));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO selection_nominees (selection_id, street_id, community_id, household_id, person_id, reason, \
         source, nominated_by, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'nominated', $9) RETURNING id",
    )
    .bind(s.id)
    .bind(street)
    .bind(s.community_id)
    .bind(household)
    .bind(person)
    .bind(reason)
    .bind(source)
    .bind(actor.user_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    audit::record(
        &mut *tx,
        actor,
        "nominate",
        "selection",
        Some(s.id),
        None,
        Some(&json!({"nominee": id, "household_id": household, "person_id": person, "reason": reason, "source": source})),
    )
    .await?;
    tx.commit().await?;
    let r = sqlx::query(&format!("{NOMINEE_SQL} WHERE n.id = $1"))
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    Ok(nominee(&r))
}

/// The committee nominates a household or person of the selection's community.
pub async fn nominate(db: &Db, actor: &Actor, id: i64, n: &Nomination) -> Result<Nominee> {
    crate::governance::require_committee(actor)?;
    let s = get(db, actor, id).await?;
    let reason = required("推荐理由", &n.reason, 1000)?;
    let target = if s.subject == "household" {
        let by_number: Option<i64> = match n.household_number.trim() {
            "" => None,
            num => {
                sqlx::query_scalar(
                    "SELECT id FROM households WHERE number = $1 AND community_id = $2 AND archived = 0",
                )
                .bind(num)
                .bind(s.community_id)
                .fetch_optional(&db.pool)
                .await?
            }
        };
        let h = n
            .household_id
            .or(by_number)
            .ok_or_else(|| Error::invalid("家庭", "请按户号选择推荐的家庭"))?;
        let ok: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM households WHERE id = $1 AND community_id = $2 AND archived = 0",
        )
        .bind(h)
        .bind(s.community_id)
        .fetch_optional(&db.pool)
        .await?;
        ok.ok_or_else(|| Error::invalid("家庭", "该家庭不在本社区"))?;
        (Some(h), None)
    } else {
        let p = n
            .person_id
            .ok_or_else(|| Error::invalid("人员", "请按姓名选择推荐的人员"))?;
        let ok: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM persons WHERE id = $1 AND community_id = $2 AND archived = 0",
        )
        .bind(p)
        .bind(s.community_id)
        .fetch_optional(&db.pool)
        .await?;
        ok.ok_or_else(|| Error::invalid("人员", "该人员不在本社区"))?;
        (None, Some(p))
    };
    insert_nominee(db, actor, &s, target, &reason, "committee").await
}

/// A verified resident nominates a household (by 户号) or person (by name) of their community.
pub async fn nominate_as_resident(
    db: &Db,
    actor: &Actor,
    number: &str,
    n: &Nomination,
) -> Result<Nominee> {
    let r = crate::portal::verified(db, actor).await?;
    let row = sqlx::query(&format!(
        "{SEL} WHERE s.number = $1 AND s.community_id = $2"
    ))
    .bind(number.trim())
    .bind(r.community_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let s = selection(&row);
    let reason = required("推荐理由", &n.reason, 1000)?;
    let target = if s.subject == "household" {
        let num = required("户号", &n.household_number, 50)?;
        let h: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM households WHERE number = $1 AND community_id = $2 AND archived = 0",
        )
        .bind(&num)
        .bind(s.community_id)
        .fetch_optional(&db.pool)
        .await?;
        (
            Some(h.ok_or_else(|| Error::invalid("户号", "本社区没有这个户号"))?),
            None,
        )
    } else {
        let name = required("姓名", &n.person_name, 50)?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM persons WHERE name = $1 AND community_id = $2 AND archived = 0 LIMIT 2",
        )
        .bind(&name)
        .bind(s.community_id)
        .fetch_all(&db.pool)
        .await?;
        match ids.as_slice() {
            [one] => (None, Some(*one)),
            [] => return Err(Error::invalid("姓名", "本社区没有这个人")),
            _ => return Err(Error::invalid("姓名", "本社区有同名居民,请到社区当面推荐")),
        }
    };
    // A resident sees the nominee as the public does (the 户号 they typed does not reveal the head's name).
    let mut n = insert_nominee(db, actor, &s, target, &reason, "portal").await?;
    n.name = n.masked.clone();
    Ok(n)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NomineeReview {
    /// accept / refuse
    pub action: String,
    pub reason: String,
}

/// 审核通过 / 不予通过 (with a reason).
pub async fn review(
    db: &Db,
    actor: &Actor,
    id: i64,
    nominee_id: i64,
    v: &NomineeReview,
) -> Result<Nominee> {
    let s = get(db, actor, id).await?;
    if s.state != "nominating" {
        return Err(Error::invalid("评比", "投票开始后不能再审核推荐对象"));
    }
    let n = of_selection(db, id)
        .await?
        .into_iter()
        .find(|n| n.id == nominee_id)
        .ok_or(Error::NotFound)?;
    if !matches!(v.action.as_str(), "accept" | "refuse") {
        return Err(Error::invalid("操作", "操作应为审核通过或不予通过"));
    }
    let from = NState::from_code(&n.state).unwrap_or(NState::Nominated);
    let (step, to) = NOMINEE_FLOW.check(&v.action, from, actor.role)?;
    let reason = text("理由", &v.reason, 1000)?;
    NOMINEE_FLOW.check_reason(step, &reason)?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE selection_nominees SET state = $1, review_reason = $2, reviewed_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to.code())
    .bind(if reason.is_empty() { None } else { Some(&reason) })
    .bind(db::now())
    .bind(nominee_id)
    .bind(from.code())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        step.code,
        "selection_nominee",
        Some(nominee_id),
        Some(&json!({"state": from.code()})),
        Some(&json!({"state": to.code(), "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    of_selection(db, id)
        .await?
        .into_iter()
        .find(|n| n.id == nominee_id)
        .ok_or(Error::NotFound)
}
