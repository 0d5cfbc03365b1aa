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

/// Counting is capped: past this many rows (in the street) a window is "common" and any rarer one is better.
const GRAM_COUNT_CAP: i64 = 5000;
/// How many further windows a candidate of the rarest one must also have before its row is read.
const GRAM_PROBES: usize = 3;

/// The distinct 4-character windows of a fragment, rarest first within the street (a region code or a birth
/// year is shared by many; the serial digits are not), counted in one query.
async fn windows_by_rarity(db: &Db, street: Option<i64>, fragment: &str) -> Result<Vec<String>> {
    let chars: Vec<char> = fragment.chars().collect();
    let mut windows: Vec<String> = Vec::new();
    for w in chars.windows(4) {
        let gram: String = w.iter().collect();
        if !windows.contains(&gram) {
            windows.push(gram);
        }
    }
    if windows.len() == 1 {
        return Ok(windows);
    }
    let in_street = street
        .map(|s| format!(" AND g.street_id = {s}"))
        .unwrap_or_default();
    let values: Vec<String> = (1..=windows.len()).map(|i| format!("(${i})")).collect();
    let sql = format!(
        "WITH w(gram) AS (VALUES {}) SELECT w.gram, (SELECT COUNT(*) FROM (SELECT 1 FROM person_id_grams g \
         WHERE g.gram = w.gram{in_street} LIMIT {GRAM_COUNT_CAP}) t) FROM w",
        values.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for w in &windows {
        query = query.bind(w.clone());
    }
    let mut counted: Vec<(i64, String)> = query
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (r.get::<i64, _>(1), r.get::<String, _>(0)))
        .collect();
    // Stable: among equally common windows the earlier one leads.
    counted.sort_by_key(|(n, _)| *n);
    Ok(counted.into_iter().map(|(_, g)| g).collect())
}

/// People in scope matching `q`, at most `limit`, as the actor's role may see them.
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
        // A role that may not unmask sees only the last 4 digits of a phone and no middle digits of an ID
        // number: searching by digits must not confirm what the mask hides (issue 16). It may search a phone
        // by the 4 digits it sees, nothing more.
        Some(Shape::Digits(d)) if d.len() == 4 && !actor.role.can_unmask() => {
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
        Some(Shape::Digits(_)) if !actor.role.can_unmask() => {}
        Some(Shape::Digits(d)) if d.len() >= 4 => {
            // ID fragment: walk its rarest 4-character window in the street, keep the people who also have
            // the next rarest windows (index probes, no row read), then confirm the whole fragment.
            let windows = windows_by_rarity(db, actor.scope.street(), &d).await?;
            let in_street = actor
                .scope
                .street()
                .map(|s| format!(" AND g.street_id = {s}"))
                .unwrap_or_default();
            let probes: String = (0..windows.len().saturating_sub(1).min(GRAM_PROBES))
                .map(|k| {
                    format!(
                        " AND EXISTS (SELECT 1 FROM person_id_grams h WHERE h.gram = ${} \
                         AND h.street_id = g.street_id AND h.person_id = g.person_id)",
                        k + 4
                    )
                })
                .collect();
            let sql = format!(
                "SELECT {} FROM person_id_grams g JOIN persons p ON p.id = g.person_id \
                 WHERE g.gram = $1{in_street}{probes} AND p.id_number LIKE $2 AND {live} \
                 ORDER BY g.person_id LIMIT $3",
                persons::qualified_cols("p")
            );
            let mut query = sqlx::query_as::<_, Person>(&sql)
                .bind(windows[0].clone())
                .bind(format!("%{d}%"))
                .bind(limit);
            for w in windows.iter().skip(1).take(GRAM_PROBES) {
                query = query.bind(w.clone());
            }
            push_unique(&mut out, query.fetch_all(&db.pool).await?, limit);
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
    Ok(out.into_iter().map(|p| p.for_role(actor.role)).collect())
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
