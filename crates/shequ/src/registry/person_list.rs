//! The person list: one page of persons in scope, newest first, by offset or by keyset from an id, and the
//! narrow [`ListRow`] the list page reads. Split from [`super::persons`], which re-exports these items so
//! that `persons::list`, `persons::list_rows`, `persons::Start` and `persons::ListRow` keep working.

use serde::Serialize;

use super::persons::{Person, COLS};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;

/// One line of a person list, as the list page shows it. The page reads only these columns: it is the most
/// requested page, and every column read costs an allocation per row on its way out of the database.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub name: String,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    #[serde(serialize_with = "crate::privacy::ser::id_number")]
    pub id_number: Option<String>,
    #[serde(serialize_with = "crate::privacy::ser::phone")]
    pub phone: Option<String>,
    pub residence_address: Option<String>,
    pub status: String,
}

pub const LIST_ROW_COLS: &str =
    "id, name, sex, birth_date, id_number, phone, residence_address, status";

impl From<Person> for ListRow {
    fn from(p: Person) -> ListRow {
        ListRow {
            id: p.id,
            name: p.name,
            sex: p.sex,
            birth_date: p.birth_date,
            id_number: p.id_number,
            phone: p.phone,
            residence_address: p.residence_address,
            status: p.status,
        }
    }
}

/// Where a page of the person list starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// After skipping this many rows (0-based page × page size).
    Offset(i64),
    /// At the first person older than this id (the last of the page before): the next page, read from the
    /// index at that id without skipping rows.
    After(i64),
    /// The page of people just newer than this id (the first of the page after): the previous page.
    Before(i64),
}

/// One page of the person list (newest first), in scope.
pub async fn list(
    db: &Db,
    actor: &Actor,
    grid: Option<i64>,
    page: i64,
    per_page: i64,
) -> Result<Vec<Person>> {
    page_of(
        db,
        actor,
        grid,
        Start::Offset(page.max(0) * per_page),
        per_page,
        COLS,
    )
    .await
}

/// A page of the list as list rows from `start`, newest first, and whether older people follow it and newer
/// ones come before it.
pub async fn list_rows(
    db: &Db,
    actor: &Actor,
    grid: Option<i64>,
    start: Start,
    per_page: i64,
) -> Result<(Vec<ListRow>, bool, bool)> {
    let mut rows = page_of(db, actor, grid, start, per_page + 1, LIST_ROW_COLS).await?;
    let beyond = rows.len() as i64 > per_page;
    if beyond && matches!(start, Start::Before(_)) {
        // Read upwards from the id: the extra row is the newest one.
        rows.remove(0);
    }
    rows.truncate(per_page.max(0) as usize);
    Ok(match start {
        Start::Offset(o) => (rows, beyond, o > 0),
        Start::After(_) => (rows, beyond, true),
        Start::Before(_) => (rows, true, beyond),
    })
}

/// `limit` rows from `start` on, newest first.
async fn page_of<T>(
    db: &Db,
    actor: &Actor,
    grid: Option<i64>,
    start: Start,
    limit: i64,
    cols: &str,
) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let grid_filter = grid
        .map(|g| format!("AND grid_id = {g}"))
        .unwrap_or_default();
    let scope = actor.scope.sql("");
    let sql = match start {
        // The page starts at the id found OFFSET entries down the scope index (which holds archived and id,
        // so the skipped entries are never read as rows), and its rows are the next ones by id from there.
        // Reading the rows in the same step walked the primary key backwards through other streets' rows on
        // PostgreSQL (1.4 s at district scale) and every skipped row on SQLite; `id IN (page ids)` built a
        // temporary b-tree on SQLite for every request.
        Start::Offset(_) => format!(
            "SELECT {cols} FROM persons WHERE archived = 0 AND {scope} {grid_filter} AND id <= \
             (SELECT id FROM persons WHERE archived = 0 AND {scope} {grid_filter} ORDER BY id DESC LIMIT 1 \
             OFFSET $1) ORDER BY id DESC LIMIT {limit}"
        ),
        // Keyset: one range of the scope index from the id on.
        Start::After(_) => format!(
            "SELECT {cols} FROM persons WHERE archived = 0 AND {scope} {grid_filter} AND id < $1 \
             ORDER BY id DESC LIMIT {limit}"
        ),
        Start::Before(_) => format!(
            "SELECT * FROM (SELECT {cols} FROM persons WHERE archived = 0 AND {scope} {grid_filter} \
             AND id > $1 ORDER BY id ASC LIMIT {limit}) p ORDER BY id DESC"
        ),
    };
    // The offset or id is a parameter, so that every page of a scope is the same statement, prepared once
    // per connection (as a literal, each page was parsed and planned again).
    let (Start::Offset(value) | Start::After(value) | Start::Before(value)) = start;
    Ok(sqlx::query_as::<_, T>(&sql)
        .bind(value)
        .fetch_all(&db.pool)
        .await?)
}
