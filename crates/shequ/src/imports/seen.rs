//! The ID numbers an import has met and the row each was first seen on, to refuse a second row of the same
//! person. A big file holds a million of them, so a standard 18-character number is kept as one integer
//! (its 17 digits and the check character) instead of a string: the map's buckets are 16 bytes instead of 32
//! plus the string's own allocation.

use std::collections::HashMap;

#[derive(Default)]
pub struct SeenIds {
    packed: HashMap<u64, u32>,
    /// Numbers of other forms (other ID types), and rows past u32.
    other: HashMap<String, usize>,
}

impl SeenIds {
    /// The row `id` was first seen on.
    pub fn first_row(&self, id: &str) -> Option<usize> {
        match pack(id) {
            Some(k) => self
                .packed
                .get(&k)
                .map(|r| *r as usize)
                .or_else(|| self.other.get(id).copied()),
            None => self.other.get(id).copied(),
        }
    }

    /// Remembers that `id` was seen on `row`.
    pub fn insert(&mut self, id: &str, row: usize) {
        match (pack(id), u32::try_from(row)) {
            (Some(k), Ok(r)) => {
                self.packed.insert(k, r);
            }
            _ => {
                self.other.insert(id.to_string(), row);
            }
        }
    }
}

/// 17 digits and a check character (0–9 or X) as one number below 11 × 10¹⁷ (< 2⁶³).
fn pack(id: &str) -> Option<u64> {
    let b = id.as_bytes();
    if b.len() != 18 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in &b[..17] {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    let check = match b[17] {
        c @ b'0'..=b'9' => u64::from(c - b'0'),
        b'X' => 10,
        _ => return None,
    };
    Some(n * 11 + check)
}

#[cfg(test)]
mod tests {
    use super::SeenIds;

    #[test]
    fn numbers_are_told_apart_whatever_their_form() {
        let mut seen = SeenIds::default();
        seen.insert("11010519491231002X", 2);
        seen.insert("110105194912310029", 3);
        seen.insert("G12345678", 4);
        seen.insert("110105194912310021", usize::MAX);
        assert_eq!(seen.first_row("11010519491231002X"), Some(2));
        assert_eq!(seen.first_row("110105194912310029"), Some(3));
        assert_eq!(seen.first_row("G12345678"), Some(4));
        assert_eq!(seen.first_row("110105194912310021"), Some(usize::MAX));
        assert_eq!(seen.first_row("110105194912310028"), None);
        assert_eq!(seen.first_row("99999999999999999X"), None);
        assert_eq!(seen.first_row("g12345678"), None);
    }
}
