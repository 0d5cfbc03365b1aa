//! 民政救助 (welfare): programmes as data per street ([`programmes`]), applications on their flow
//! ([`flow`], [`applications`]), the public notice and objections ([`notice`]), grants with their dated change
//! events and the registry's 低保 tag following them ([`grants`]), periodic reviews, monthly payment lists and
//! in-kind distributions ([`payments`]), elderly care pairing with scheduled contacts ([`care`]), and the
//! figures and ledgers for the report engine ([`plugin`]). Rules only, no HTTP.
//!
//! Welfare is a sensitive category (docs/PRIVACY.md): applications, grants, incomes and payments are read
//! only by the roles that see sensitive groups (街道管理员, 社区书记/主任, 社工); for the others they do not
//! exist (404). Every read of an application or grant is audited (`read_sensitive`).

pub mod applications;
pub mod care;
pub mod flow;
pub mod grants;
pub mod notice;
pub mod payments;
pub mod plugin;
pub mod programmes;
pub mod reviews;
pub mod tag;

use serde_json::json;

use crate::accounts::Actor;
use crate::error::{Error, Result};

pub(crate) use crate::cases::{fmt_ts, now_utc, text};

/// Welfare records exist only for roles that see sensitive groups; for others they answer NotFound.
pub(crate) fn require_sees(actor: &Actor) -> Result<()> {
    if actor.role.sees_sensitive() {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The name written on trails: the display name, or the username.
pub(crate) fn who(actor: &Actor) -> String {
    if actor.display_name.is_empty() {
        actor.username.clone()
    } else {
        actor.display_name.clone()
    }
}

/// A sensitive read, audited.
pub(crate) async fn audit_read(
    db: &crate::db::Db,
    actor: &Actor,
    entity: &str,
    id: Option<i64>,
    what: &str,
) -> Result<()> {
    crate::audit::record(
        &db.pool,
        actor,
        "read_sensitive",
        entity,
        id,
        None,
        Some(&json!({"welfare": what})),
    )
    .await
}

/// A name masked for the public notice: 张*明, 李*, 欧阳**.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// An amount in whole yuan, not negative.
pub(crate) fn amount(field: &str, v: i64) -> Result<i64> {
    if v < 0 {
        return Err(Error::invalid(field, format!("{field}不能为负数")));
    }
    if v > 100_000_000 {
        return Err(Error::invalid(field, format!("{field}过大")));
    }
    Ok(v)
}

/// A date field (today when empty), not in the future.
pub(crate) fn past_date(field: &str, v: &str) -> Result<chrono::NaiveDate> {
    let today = crate::db::today();
    if v.trim().is_empty() {
        return Ok(today);
    }
    let d = crate::registry::validate::parse_date(v)
        .ok_or_else(|| Error::invalid(field, format!("{field}格式不正确,请按2024-01-31填写")))?;
    if d > today {
        return Err(Error::invalid(field, format!("{field}不能晚于今天")));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_names_as_the_notice_shows() {
        assert_eq!(super::mask_name("张小明"), "张*明");
        assert_eq!(super::mask_name("李四"), "李*");
        assert_eq!(super::mask_name("欧阳春晓"), "欧**晓");
    }
}
