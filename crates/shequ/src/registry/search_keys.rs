//! Keys derived from a person for fast lookup: full pinyin (zhaojunjie), initials (zjj), the phone reversed
//! (so a phone tail is a prefix), and every 4-character window of the ID number (so any fragment of 4 or more
//! digits is an index lookup). Derived on every write; never typed by anyone.

use pinyin::ToPinyin;

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
