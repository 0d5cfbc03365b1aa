//! One scoped query builder for list filters. A [`Filter`] starts with the actor's scope condition (integers
//! from the actor only), then takes conditions whose values are always bound (`$1`, `$2` …), never spliced;
//! column names come from the caller's fixed text. `sql()` gives the `WHERE` text, `bind` binds the values
//! in order on a query, and `page` runs a list with its total as one [`Page`].
//!
//! Why not sqlx's `QueryBuilder`: on the `Any` driver it writes `?` placeholders, which PostgreSQL refuses
//! (seen with the calendar seed); shequ's SQL is written once with `$n`, so the builder numbers them itself.

use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs};
use sqlx::{Any, FromRow};

use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;

/// A bound value.
#[derive(Clone, Debug)]
enum Arg {
    I(i64),
    S(String),
}

/// Conditions joined by AND, the scope first.
#[derive(Clone, Debug)]
pub struct Filter {
    conds: Vec<String>,
    args: Vec<Arg>,
    /// Placeholders the caller binds before the filter's (`$1` … `$offset`).
    offset: usize,
}

/// One page of a list, with the count of all rows the filter matches.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl Filter {
    /// The actor's scope on a table alias.
    pub fn scoped(actor: &Actor, alias: &str) -> Filter {
        Filter {
            conds: vec![actor.scope.sql(alias)],
            args: vec![],
            offset: 0,
        }
    }

    /// Leaves `$1` … `$n` to the caller, who binds them before calling [`Filter::bind`]. Call it first.
    pub fn after(mut self, n: usize) -> Filter {
        debug_assert!(self.args.is_empty());
        self.offset = n;
        self
    }

    fn next(&self) -> usize {
        self.offset + self.args.len() + 1
    }

    /// `sql` with `?` standing for the value (e.g. `"h.grid_id = ?"`, `"v.visited_on >= ?"`); every `?` of
    /// one condition is the same value.
    pub fn int(mut self, sql: &'static str, v: i64) -> Filter {
        self.conds
            .push(sql.replace('?', &format!("${}", self.next())));
        self.args.push(Arg::I(v));
        self
    }

    pub fn text(mut self, sql: &'static str, v: impl Into<String>) -> Filter {
        self.conds
            .push(sql.replace('?', &format!("${}", self.next())));
        self.args.push(Arg::S(v.into()));
        self
    }

    /// Placeholders used so far (the next free one is this plus one).
    pub fn placeholders(&self) -> usize {
        self.offset + self.args.len()
    }

    /// The number of conditions (1: the scope alone).
    pub fn conditions(&self) -> usize {
        self.conds.len()
    }

    pub fn opt_int(self, sql: &'static str, v: Option<i64>) -> Filter {
        match v {
            Some(v) => self.int(sql, v),
            None => self,
        }
    }

    pub fn opt_text(self, sql: &'static str, v: Option<String>) -> Filter {
        match v {
            Some(v) => self.text(sql, v),
            None => self,
        }
    }

    /// A condition without a value (fixed text of the caller's).
    pub fn when(mut self, on: bool, sql: &'static str) -> Filter {
        if on {
            self.conds.push(sql.to_string());
        }
        self
    }

    /// The `WHERE` text (without the keyword).
    pub fn sql(&self) -> String {
        self.conds.join(" AND ")
    }

    /// Binds the values in order.
    pub fn bind<'q>(
        &self,
        mut q: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        for a in &self.args {
            q = match a {
                Arg::I(i) => q.bind(*i),
                Arg::S(s) => q.bind(s.clone()),
            };
        }
        q
    }

    pub fn bind_as<'q, T>(
        &self,
        mut q: QueryAs<'q, Any, T, AnyArguments<'q>>,
    ) -> QueryAs<'q, Any, T, AnyArguments<'q>> {
        for a in &self.args {
            q = match a {
                Arg::I(i) => q.bind(*i),
                Arg::S(s) => q.bind(s.clone()),
            };
        }
        q
    }

    /// One page of rows: `{select} WHERE … ORDER BY {order}` (fixed text), without the total.
    pub async fn rows<T>(
        &self,
        db: &Db,
        select: &str,
        order: &str,
        page: i64,
        per_page: i64,
    ) -> Result<Vec<T>>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let (per_page, page) = (per_page.clamp(1, 5000), page.max(1));
        let n = self.next();
        let sql = format!(
            "{select} WHERE {} ORDER BY {order} LIMIT ${n} OFFSET ${}",
            self.sql(),
            n + 1
        );
        Ok(self
            .bind_as(sqlx::query_as::<_, T>(&sql))
            .bind(per_page)
            .bind((page - 1) * per_page)
            .fetch_all(&db.pool)
            .await?)
    }

    /// Runs `SELECT COUNT(*) {from} WHERE …` and `{select} WHERE … ORDER BY {order}` for one page.
    /// `from` is `FROM table alias`, `select` the full `SELECT … FROM …` of the rows; both fixed text.
    pub async fn page<T>(
        &self,
        db: &Db,
        from: &str,
        select: &str,
        order: &str,
        page: i64,
        per_page: i64,
    ) -> Result<Page<T>>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let per_page = per_page.clamp(1, 5000);
        let page = page.max(1);
        let where_ = self.sql();
        let count_sql = format!("SELECT COUNT(*) {from} WHERE {where_}");
        let total: i64 = sqlx::Row::get(
            &self
                .bind(sqlx::query(&count_sql))
                .fetch_one(&db.pool)
                .await?,
            0,
        );
        let n = self.next();
        let rows_sql = format!(
            "{select} WHERE {where_} ORDER BY {order} LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let items = self
            .bind_as(sqlx::query_as::<_, T>(&rows_sql))
            .bind(per_page)
            .bind((page - 1) * per_page)
            .fetch_all(&db.pool)
            .await?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_numbered_and_never_spliced() {
        let f = Filter::scoped(&Actor::system(), "h")
            .text("h.state = ?", "found' OR '1'='1")
            .opt_int("h.grid_id = ?", Some(7))
            .opt_int("h.team_id = ?", None)
            .when(true, "h.archived = 0");
        assert_eq!(
            f.sql(),
            "1=1 AND h.state = $1 AND h.grid_id = $2 AND h.archived = 0"
        );
        assert!(!f.sql().contains("OR"));
    }
}
