//! Keys derived from a person for fast lookup: full pinyin (zhaojunjie), initials (zjj), the phone reversed
//! (so a phone tail is a prefix), and every 4-character window of the ID number (so any fragment of 4 or more
//! digits is an index lookup). Derived on every write; never typed by anyone.

use pinyin::ToPinyin;

use crate::db::Dialect;

/// (full pinyin, initials), lower-case ASCII. Characters without pinyin are kept as they are (lower-cased).
pub fn pinyin_keys(name: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for (ch, py) in name.chars().zip(name.to_pinyin()) {
        match py {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if ch.is_alphanumeric() => {
                for l in ch.to_lowercase() {
                    full.push(l);
                    initials.push(l);
                }
            }
            None => {}
        }
    }
    (full, initials)
}

pub fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

/// The distinct 4-character windows of an ID number.
pub fn id_grams(id: &str) -> Vec<String> {
    let chars: Vec<char> = id.chars().collect();
    let mut grams: Vec<String> = chars.windows(4).map(|w| w.iter().collect()).collect();
    grams.sort();
    grams.dedup();
    grams
}

/// The longest ID number a person may have (other ID types than 居民身份证, see persons::validate_input).
pub const MAX_ID_CHARS: usize = 40;

/// The statement that writes the ID grams of the persons `persons_where` selects (a condition on `p`), cut as
/// [`id_grams`] cuts them — every 4-character window of the number, with the person's street; a window that
/// repeats within one number is written once. SQLite always gets them in key order (its B-tree is then filled
/// left to right; `ON CONFLICT DO NOTHING` drops the repeats and costs less than grouping: 300,000 people 6.0–6.6 s
/// vs 7.0–7.5 s); PostgreSQL groups them, and sorts only when `in_key_order` (a big fill — for a batch of 2,000
/// people the sort took half the statement's time, and its speculative `ON CONFLICT` insertion a quarter more).
pub fn id_grams_insert_sql(persons_where: &str, dialect: Dialect, in_key_order: bool) -> String {
    let windows = (1..=MAX_ID_CHARS - 3)
        .map(|k| format!("({k})"))
        .collect::<Vec<_>>()
        .join(",");
    let tail = match (dialect, in_key_order) {
        (Dialect::Sqlite, _) => "ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING",
        (Dialect::Postgres, true) => "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        (Dialect::Postgres, false) => "GROUP BY 1, 2, 3",
    };
    format!(
        "WITH k(k) AS (VALUES {windows}) \
         INSERT INTO person_id_grams (gram, street_id, person_id) \
         SELECT substr(p.id_number, k.k, 4), p.street_id, p.id FROM persons p \
         JOIN k ON k.k <= length(p.id_number) - 3 \
         WHERE p.id_number IS NOT NULL AND ({persons_where}) {tail}"
    )
}

/// The smallest string greater than every string that starts with `prefix` (for index range scans).
pub fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    "\u{10FFFF}".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_and_initials() {
        assert_eq!(pinyin_keys("赵军杰"), ("zhaojunjie".into(), "zjj".into()));
        assert_eq!(pinyin_keys("李A"), ("lia".into(), "la".into()));
    }

    #[test]
    fn grams_cover_every_fragment() {
        let g = id_grams("11010519491231002X");
        assert_eq!(g.len(), 15);
        assert!(g.contains(&"002X".to_string()));
        assert_eq!(prefix_end("zjj"), "zjk");
    }
}
