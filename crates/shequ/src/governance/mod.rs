//! Self-governance (自治): proposals (议题) screened on a workflow ([`proposals`]), votes counted by the
//! server ([`votes`]), meetings with a quorum check and resolutions tracked to done ([`meetings`]),
//! community finances with monthly statements ([`finance`]), and what the public board shows ([`board`]).
//!
//! Every record belongs to one community. The committee (街道管理员, 社区书记/主任, 社工) writes them; reads are
//! scoped like every table (grid and building scopes see none, except the tasks a user owns); residents
//! submit proposals and vote through the portal.

pub mod board;
pub mod finance;
pub mod meetings;
pub mod plugin;
pub mod proposals;
pub mod votes;

use chrono::{NaiveDateTime, TimeZone};
use sqlx::Row;

use crate::accounts::{Actor, Role};
use crate::db::Db;
use crate::error::{Error, Result};

/// 街道管理员, 社区书记/主任 and 社工 run the committee's business.
pub fn require_committee(actor: &Actor) -> Result<()> {
    if matches!(
        actor.role,
        Role::StreetAdmin | Role::CommunityHead | Role::SocialWorker
    ) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "只有社区两委成员、社工和街道管理员可以办理自治事务".into(),
        ))
    }
}

/// The community a committee member acts in: their own, or (for a street administrator) the one named,
/// which must be in their street. Answers (street, community).
pub async fn community_for(db: &Db, actor: &Actor, named: Option<i64>) -> Result<(i64, i64)> {
    require_committee(actor)?;
    let id = match (named, &actor.scope) {
        (Some(id), _) => id,
        (None, crate::accounts::Scope::Community { community, .. }) => *community,
        (None, _) => return Err(Error::invalid("社区", "请选择社区")),
    };
    let sql = format!(
        "SELECT street_id FROM nodes WHERE id = $1 AND kind = 'community' AND archived = 0 AND {}",
        actor.scope.sql("")
    );
    let street: Option<i64> = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.get(0));
    street
        .map(|s| (s, id))
        .ok_or_else(|| Error::invalid("社区", "社区不存在或不在您的管辖范围内"))
}

/// The communities a committee member may act in (id, name), for forms.
pub async fn communities(db: &Db, actor: &Actor) -> Result<Vec<(i64, String)>> {
    let sql = format!(
        "SELECT id, name FROM nodes WHERE kind = 'community' AND archived = 0 AND {} ORDER BY name",
        actor.scope.sql("")
    );
    Ok(sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// A short text field: trimmed, bounded, named in the message.
pub(crate) fn text(field: &'static str, v: &str, max: usize) -> Result<String> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(Error::invalid(field, format!("{field}不能超过{max}个字符")));
    }
    Ok(v.to_string())
}

pub(crate) fn required(field: &'static str, v: &str, max: usize) -> Result<String> {
    let v = text(field, v, max)?;
    if v.is_empty() {
        return Err(Error::invalid(field, format!("请填写{field}")));
    }
    Ok(v)
}

/// A time typed in Beijing time ("2026-12-07 09:00" or "2026-12-07T09:00"), stored as UTC text.
pub(crate) fn beijing_to_utc(field: &'static str, v: &str) -> Result<String> {
    let v = v.trim().replace('T', " ");
    let t = NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M:%S"))
        .map_err(|_| Error::invalid(field, "时间格式应为 2026-12-07 09:00(北京时间)"))?;
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let utc = bj
        .from_local_datetime(&t)
        .single()
        .ok_or_else(|| Error::invalid(field, "时间不正确"))?
        .naive_utc();
    Ok(utc.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// A record number: prefix, year and the row id (YT2026-00012).
pub(crate) fn number(prefix: &str, id: i64) -> String {
    format!("{prefix}{}-{id:05}", chrono::Utc::now().format("%Y"))
}
