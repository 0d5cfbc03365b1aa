//! Bulk inserts: rows are buffered per table and written as multi-row `INSERT … VALUES (…),(…)` statements,
//! each under the bind-parameter limits of SQLite (32766) and PostgreSQL (65535). Ids are assigned by the
//! generator, so parents and children reference each other without `RETURNING` round trips.

use sqlx::{AnyConnection, Row};

use crate::db::{Db, Dialect};

/// Binds per statement: below both backends' limits.
const MAX_PARAMS: usize = 30_000;
/// Rows per statement, whatever the width: keeps statements and their parse time moderate.
const MAX_ROWS: usize = 500;

/// A value as it crosses the storage boundary; NULLs are typed so that PostgreSQL accepts them.
#[derive(Clone, Debug)]
pub enum V {
    I(i64),
    S(String),
    NullI,
    NullS,
}

impl From<i64> for V {
    fn from(v: i64) -> V {
        V::I(v)
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V::S(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> V {
        V::S(v.to_string())
    }
}
impl From<Option<i64>> for V {
    fn from(v: Option<i64>) -> V {
        v.map(V::I).unwrap_or(V::NullI)
    }
}
impl From<Option<String>> for V {
    fn from(v: Option<String>) -> V {
        v.map(V::S).unwrap_or(V::NullS)
    }
}

/// The rows waiting to be written to one table.
pub struct Table {
    pub name: &'static str,
    pub cols: &'static [&'static str],
    values: Vec<V>,
    pub written: i64,
}

impl Table {
    pub fn new(name: &'static str, cols: &'static [&'static str]) -> Table {
        Table {
            name,
            cols,
            values: Vec::new(),
            written: 0,
        }
    }

    pub fn push(&mut self, row: Vec<V>) {
        debug_assert_eq!(row.len(), self.cols.len(), "{}", self.name);
        self.values.extend(row);
    }

    /// Writes every buffered row on `conn` (inside the caller's transaction) and empties the buffer.
    pub async fn flush(
        &mut self,
        conn: &mut AnyConnection,
        dialect: Dialect,
    ) -> anyhow::Result<()> {
        let w = self.cols.len();
        let per = (MAX_PARAMS / w).min(MAX_ROWS);
        let values = std::mem::take(&mut self.values);
        let mut it = values.into_iter().peekable();
        let mut full_sql: Option<String> = None;
        while it.peek().is_some() {
            let chunk: Vec<V> = it.by_ref().take(per * w).collect();
            let n = chunk.len() / w;
            let sql = if n == per {
                full_sql.get_or_insert_with(|| self.sql(n, dialect)).clone()
            } else {
                self.sql(n, dialect)
            };
            // Only full-size statements are worth keeping prepared.
            let mut q = sqlx::query(&sql).persistent(n == per);
            for v in chunk {
                q = match v {
                    V::I(i) => q.bind(i),
                    V::S(s) => q.bind(s),
                    V::NullI => q.bind(None::<i64>),
                    V::NullS => q.bind(None::<String>),
                };
            }
            q.execute(&mut *conn).await?;
            self.written += n as i64;
        }
        Ok(())
    }

    /// The statement for `rows` rows. SQLite gets anonymous `?` placeholders: it looks numbered ones
    /// (`$7`) up by a linear scan, which makes wide statements quadratic.
    fn sql(&self, rows: usize, dialect: Dialect) -> String {
        let w = self.cols.len();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.name,
            self.cols.join(", ")
        );
        for r in 0..rows {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..w {
                if c > 0 {
                    sql.push(',');
                }
                if dialect == Dialect::Sqlite {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&(r * w + c + 1).to_string());
                }
            }
            sql.push(')');
        }
        sql
    }
}

/// Fills `person_id_grams` (every 4-character window of each 18-character ID number, as
/// `search_keys::id_grams` computes them, with the person's street) for persons with ids from `first`, in one
/// sorted pass: inserting in key order is many times faster than scattering fifteen million keys over the
/// index batch by batch. When the table starts empty its secondary indexes are dropped first and rebuilt after
/// (read from the catalogue, so whatever the migrations define is kept): building an index is a sort,
/// maintaining it row by row is random I/O.
pub async fn id_grams(
    conn: &mut AnyConnection,
    dialect: Dialect,
    first: i64,
) -> anyhow::Result<u64> {
    let empty = sqlx::query("SELECT COUNT(*) FROM person_id_grams")
        .fetch_one(&mut *conn)
        .await?
        .try_get::<i64, _>(0)?
        == 0;
    let catalogue = match dialect {
        Dialect::Sqlite => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
             AND tbl_name = 'person_id_grams' AND sql IS NOT NULL"
        }
        Dialect::Postgres => {
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename = 'person_id_grams' \
             AND schemaname = current_schema() AND indexname NOT LIKE '%_pkey'"
        }
    };
    let indexes: Vec<(String, String)> = if empty {
        sqlx::query(catalogue)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    } else {
        Vec::new()
    };
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX {name}"))
            .execute(&mut *conn)
            .await?;
    }
    let windows = (1..=15)
        .map(|k| format!("({k})"))
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "WITH k(k) AS (VALUES {windows}) \
         INSERT INTO person_id_grams (gram, street_id, person_id) \
         SELECT DISTINCT substr(p.id_number, k.k, 4), p.street_id, p.id FROM persons p CROSS JOIN k \
         WHERE p.id >= $1 AND length(p.id_number) = 18 ORDER BY 1, 2, 3"
    );
    let done = sqlx::query(&sql).bind(first).execute(&mut *conn).await?;
    for (_, create) in &indexes {
        sqlx::query(create).execute(&mut *conn).await?;
    }
    Ok(done.rows_affected())
}

/// The next free id of a table (ids are assigned by the generator).
pub async fn next_id(conn: &mut AnyConnection, table: &str) -> anyhow::Result<i64> {
    let row = sqlx::query(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>(0)? + 1)
}

/// After explicit ids, PostgreSQL's identity sequences must be moved past them so that later normal
/// inserts do not collide. SQLite needs nothing: its rowids follow MAX(id).
pub async fn advance_sequences(
    db: &Db,
    conn: &mut AnyConnection,
    tables: &[&str],
) -> anyhow::Result<()> {
    if db.dialect != Dialect::Postgres {
        return Ok(());
    }
    for t in tables {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
