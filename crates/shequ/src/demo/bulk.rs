//! Bulk writing for the demo generator: the id-gram fill and sequence moves; the batched `INSERT` itself is
//! [`crate::db::bulk`].

use sqlx::{AnyConnection, Row};

pub use crate::db::bulk::{Table, V};
use crate::db::deferred_indexes::DeferredIndexes;
use crate::db::{Db, Dialect};

/// Fills `person_id_grams` (every 4-character window of each ID number, as `search_keys::id_grams` computes
/// them, with the person's street) for persons with ids from `first`, in one
/// sorted pass: inserting in key order is many times faster than scattering fifteen million keys over the
/// index batch by batch. When the table starts empty its secondary indexes are set aside first and built again
/// after ([`DeferredIndexes`]): building an index is a sort, maintaining it row by row is random I/O.
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
    let deferred = if empty {
        DeferredIndexes::drop(conn, dialect, &["person_id_grams"], &[]).await?
    } else {
        DeferredIndexes::default()
    };
    let sql = crate::registry::search_keys::id_grams_insert_sql("p.id >= $1", dialect, true);
    let done = sqlx::query(&sql).bind(first).execute(&mut *conn).await?;
    deferred.restore(conn).await?;
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
