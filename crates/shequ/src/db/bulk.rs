//! Bulk inserts: rows are buffered per table and written as multi-row `INSERT … VALUES (…),(…)` statements,
//! each under the bind-parameter limits of SQLite (32766) and PostgreSQL (65535). Ids are assigned by the
//! caller (the demo generator; the importer through [`super::ids`]), so parents and children reference each
//! other without `RETURNING` round trips.

use sqlx::AnyConnection;

use super::Dialect;

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

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Rows waiting to be written.
    pub fn len(&self) -> usize {
        self.values.len() / self.cols.len()
    }

    /// The buffered rows, in the order they will be written (to fill a column computed over them all).
    pub fn rows_mut(&mut self) -> std::slice::ChunksExactMut<'_, V> {
        self.values.chunks_exact_mut(self.cols.len())
    }

    /// Drops the buffered rows unwritten.
    pub fn clear(&mut self) {
        self.values.clear();
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
            "INSERT {}INTO {} ({}) VALUES ",
            // OR FAIL: a failing row stops the statement without undoing its earlier rows, so SQLite keeps no
            // statement journal (a copy of every page the statement touches); the caller's transaction is
            // rolled back on any error anyway.
            if dialect == Dialect::Sqlite {
                "OR FAIL "
            } else {
                ""
            },
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
