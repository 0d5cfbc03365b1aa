//! The public board (居务公开) of a community: what the committee published — resolutions, vote results and
//! monthly finance statements — read without login by the community's code. It carries no ID number, no
//! phone and no person's name: resolutions and results are about matters, statements about payees (units).

use serde::Serialize;
use sqlx::Row;

use super::{finance, meetings, votes};
use crate::db::Db;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub code: String,
    pub community: String,
    pub street: String,
    /// (会议日期, 会议名称, 决议)
    pub resolutions: Vec<(String, String, String)>,
    pub results: Vec<votes::Tally>,
    pub statements: Vec<finance::Statement>,
    /// Coming activities: (活动, 类型, 日期, 地点).
    pub activities: Vec<(String, String, String, String)>,
    /// Announced selections (评比结果), names masked.
    pub selections: Vec<crate::selections::announce::Announced>,
}

/// The board of the community with this code (NotFound for an unknown code).
pub async fn of(db: &Db, code: &str) -> Result<Board> {
    let row = sqlx::query(
        "SELECT c.id, c.name, s.name FROM nodes c JOIN nodes s ON s.id = c.street_id \
         WHERE c.kind = 'community' AND c.code = $1 AND c.archived = 0",
    )
    .bind(code.trim())
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let (id, name): (i64, String) = (row.get(0), row.get(1));
    Ok(Board {
        code: code.trim().to_string(),
        street: row.get(2),
        resolutions: meetings::published(db, id).await?,
        results: votes::published(db, id).await?,
        statements: finance::published(db, id, &name).await?,
        activities: crate::portal::activities::announced(db, id).await?,
        selections: crate::selections::announce::announced(db, id).await?,
        community: name,
    })
}
