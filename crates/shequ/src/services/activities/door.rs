//! The door: `/checkin/{code}` opens an activity by its code; a signed-in worker confirms a sign-up, a
//! signed-up person confirms their own by name and the last four digits of their phone on the activity's
//! days, with wrong answers throttled per activity and per address.

use serde::Serialize;

use super::{mark, tick};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::{Error, Result};

/// What the door page shows of an activity, for anyone holding its code.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DoorView {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub community_name: String,
}

/// The activity of a check-in code (any case), or NotFound.
pub async fn by_code(db: &Db, code: &str) -> Result<DoorView> {
    sqlx::query_as::<_, DoorView>(
        "SELECT a.id, a.title, a.kind, a.starts_on, a.ends_on, a.place, c.name AS community_name \
         FROM activities a JOIN nodes c ON c.id = a.community_id WHERE a.checkin_code = $1",
    )
    .bind(code.trim().to_uppercase())
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)
}

/// Wrong answers at one activity's door, and from one address, before the door page makes them wait (the
/// login throttle's doubling blocks): a phone tail has only 10,000 values.
pub const DOOR_FREE_PER_ACTIVITY: i64 = 30;
pub const DOOR_FREE_PER_IP: i64 = 10;

/// A signed-up person checks in at the door: the code, their name and the last four digits of their phone,
/// on one of the activity's days. Any mismatch answers the same message and counts against the activity and
/// the address (`ip`); too many make the door wait.
pub async fn self_check_in(
    db: &Db,
    code: &str,
    name: &str,
    tail: &str,
    ip: &str,
) -> Result<String> {
    use crate::accounts::throttle;
    let a = by_code(db, code).await?;
    let today = crate::db::today().to_string();
    if today < a.starts_on || today > a.ends_on {
        return Err(Error::invalid("签到", "不在活动日期内,不能签到"));
    }
    let keys = [format!("checkin:{}", a.id), format!("checkin-ip:{ip}")];
    if let Some(secs) = throttle::blocked(db, &keys).await? {
        return Err(Error::invalid(
            "签到",
            format!(
                "尝试次数过多,请{}后再试,或请工作人员确认到场",
                throttle::wait_text(secs)
            ),
        ));
    }
    let tail = tail.trim();
    let found: Option<(i64, String)> =
        if tail.len() == 4 && tail.chars().all(|c| c.is_ascii_digit()) && !name.trim().is_empty() {
            sqlx::query_as(
                "SELECT s.id, p.name FROM activity_signups s JOIN persons p ON p.id = s.person_id \
             WHERE s.activity_id = $1 AND p.name = $2 AND (p.phone LIKE $3 OR p.phone2 LIKE $3)",
            )
            .bind(a.id)
            .bind(name.trim())
            .bind(format!("%{tail}"))
            .fetch_optional(&db.pool)
            .await?
        } else {
            None
        };
    let Some((sid, pname)) = found else {
        throttle::fail(db, &keys[0], DOOR_FREE_PER_ACTIVITY).await?;
        throttle::fail(db, &keys[1], DOOR_FREE_PER_IP).await?;
        return Err(Error::invalid(
            "签到",
            "没有找到您的报名信息,请向工作人员确认",
        ));
    };
    let sys = Actor::system();
    mark(db, &sys, a.id, sid, true, "本人签到").await?;
    Ok(pname)
}

/// A signed-in worker checks a signed-up person in at the door (the activity in their scope).
pub async fn worker_check_in(db: &Db, actor: &Actor, code: &str, signup_id: i64) -> Result<()> {
    let a = by_code(db, code).await?;
    tick(db, actor, a.id, signup_id, true).await
}
