//! Choosing a case in a form (关联案件) by its number or title, never by a database id.

use serde::Serialize;

use super::State;
use crate::accounts::Actor;
use crate::db::filter::Filter;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::registry::lookup::{like_text, CHOICES};

#[derive(Clone, Debug, Serialize)]
pub struct CaseChoice {
    pub number: String,
    pub title: String,
    pub state_label: &'static str,
}

/// Cases in scope whose number or title contains `q`, newest first, at most [`CHOICES`].
pub async fn cases(db: &Db, actor: &Actor, q: &str) -> Result<Vec<CaseChoice>> {
    let q = like_text(q);
    if q.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<(String, String, String)> = Filter::scoped(actor, "c")
        .text(
            "(UPPER(c.number) LIKE ? OR c.title LIKE ?)",
            format!("%{}%", q.to_uppercase()),
        )
        .rows(
            db,
            "SELECT c.number, c.title, c.state FROM cases c",
            "c.id DESC",
            1,
            CHOICES,
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(number, title, state)| CaseChoice {
            number,
            title,
            state_label: State::from_code(&state).map(State::label_zh).unwrap_or(""),
        })
        .collect())
}

/// The id of the case in scope with this number (as typed), for a link between cases.
pub async fn id_by_number(db: &Db, actor: &Actor, field: &str, number: &str) -> Result<i64> {
    let number = number.trim().to_uppercase();
    let found: Vec<(i64,)> = Filter::scoped(actor, "c")
        .text("UPPER(c.number) = ?", number.clone())
        .rows(db, "SELECT c.id FROM cases c", "c.id", 1, 1)
        .await?;
    found.first().map(|r| r.0).ok_or_else(|| {
        Error::invalid(
            field,
            format!("案件编号 {number} 不存在或不在您的管辖范围内"),
        )
    })
}
