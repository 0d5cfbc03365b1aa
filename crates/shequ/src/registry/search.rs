//! Finding people fast: by name, pinyin or pinyin initials (zjj → 赵军杰), any 4+ digit fragment of the ID
//! number, the tail of a phone number, or the start of the address (estate, building …). Every branch is an
//! index range scan on a key from [`super::search_keys`], filtered by the actor's scope.

use sqlx::Row;

use super::persons::{self, Person, COLS};
use super::search_keys::{prefix_end, reverse};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::Result;

pub const MAX_RESULTS: i64 = 50;

/// Which kind of key a query looks like.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Digits(String),
    Latin(String),
    Text(String),
}

fn shape(q: &str) -> Option<Shape> {
    let q: String = super::idcard::normalize(q);
    if q.is_empty() {
        return None;
    }
    if q.chars().all(|c| c.is_ascii_digit() || c == 'X') && q.chars().any(|c| c.is_ascii_digit()) {
        return Some(Shape::Digits(q));
    }
    if q.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(Shape::Latin(q.to_ascii_lowercase()));
    }
    Some(Shape::Text(q))
}

async fn run(db: &Db, sql: &str, binds: &[String], limit: i64) -> Result<Vec<Person>> {
    let mut query = sqlx::query_as::<_, Person>(sql);
    for b in binds {
        query = query.bind(b.clone());
    }
    Ok(query.bind(limit).fetch_all(&db.pool).await?)
}

fn push_unique(out: &mut Vec<Person>, more: Vec<Person>, limit: i64) {
    for p in more {
        if out.len() as i64 >= limit {
            break;
        }
        if !out.iter().any(|o| o.id == p.id) {
            out.push(p);
        }
    }
}

/// Counting is capped: past this many rows a window is "common" and any rarer one is better.
const GRAM_COUNT_CAP: i64 = 2000;

/// The 4-character window of a fragment with the fewest people (a region code or a birth year is shared
/// by many; the serial digits are not), so the lookup reads as few index entries as possible.
async fn rarest_gram(db: &Db, fragment: &str) -> Result<String> {
    let chars: Vec<char> = fragment.chars().collect();
    let mut best: Option<(i64, String)> = None;
    for w in chars.windows(4) {
        let gram: String = w.iter().collect();
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM (SELECT 1 FROM person_id_grams WHERE gram = $1 LIMIT $2) t",
        )
        .bind(&gram)
        .bind(GRAM_COUNT_CAP)
        .fetch_one(&db.pool)
        .await?
        .get(0);
        if best.as_ref().is_none_or(|(m, _)| n < *m) {
            best = Some((n, gram));
        }
        if n == 0 {
            break;
        }
    }
    Ok(best.map(|(_, g)| g).unwrap_or_default())
}

/// People in scope matching `q`, at most `limit` (unmasked: callers mask before showing).
pub async fn search(db: &Db, actor: &Actor, q: &str, limit: i64) -> Result<Vec<Person>> {
    let limit = limit.clamp(1, MAX_RESULTS);
    let scope = actor.scope.sql_for_search("p");
    let live = format!("p.archived = 0 AND {scope}");
    let range = |col: &str| {
        format!("SELECT {COLS} FROM persons p WHERE p.{col} >= $1 AND p.{col} < $2 AND {live} ORDER BY p.{col}, p.id LIMIT $3")
    };
    let mut out = Vec::new();
    match shape(q) {
        None => {}
        Some(Shape::Digits(d)) if d.len() >= 4 => {
            // ID fragment: look up its rarest 4-character window, then confirm the whole fragment.
            let gram = rarest_gram(db, &d).await?;
            let sql = format!(
                "SELECT {} FROM person_id_grams g JOIN persons p ON p.id = g.person_id \
                 WHERE g.gram = $1 AND p.id_number LIKE $2 AND {live} ORDER BY g.person_id LIMIT $3",
                persons::qualified_cols("p")
            );
            push_unique(
                &mut out,
                run(db, &sql, &[gram, format!("%{d}%")], limit).await?,
                limit,
            );
            let rev = reverse(&d);
            push_unique(
                &mut out,
                run(
                    db,
                    &range("phone_rev"),
                    &[rev.clone(), prefix_end(&rev)],
                    limit,
                )
                .await?,
                limit,
            );
        }
        Some(Shape::Digits(_)) => {}
        Some(Shape::Latin(l)) => {
            push_unique(
                &mut out,
                run(
                    db,
                    &range("name_initials"),
                    &[l.clone(), prefix_end(&l)],
                    limit,
                )
                .await?,
                limit,
            );
            push_unique(
                &mut out,
                run(
                    db,
                    &range("name_pinyin"),
                    &[l.clone(), prefix_end(&l)],
                    limit,
                )
                .await?,
                limit,
            );
        }
        Some(Shape::Text(t)) => {
            push_unique(
                &mut out,
                run(db, &range("name"), &[t.clone(), prefix_end(&t)], limit).await?,
                limit,
            );
            if (out.len() as i64) < limit {
                // Addresses start with the estate's name: 锦绣花园3号楼2单元401.
                push_unique(
                    &mut out,
                    run(
                        db,
                        &range("residence_address"),
                        &[t.clone(), prefix_end(&t)],
                        limit,
                    )
                    .await?,
                    limit,
                );
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("zjj"), Some(Shape::Latin("zjj".into())));
        assert_eq!(shape(" １２３４ "), Some(Shape::Digits("1234".into())));
        assert_eq!(shape("赵军"), Some(Shape::Text("赵军".into())));
        assert_eq!(shape(""), None);
    }
}
