//! Natural order of place names: numbers written in digits or in Chinese compare by value, so grids read
//! 第一, 第二 … 第十, 第十一 and buildings 1号楼, 2号楼 … 10号楼 (a plain text sort gives 第一, 第七, 第三 and
//! 1号楼, 10号楼, 2号楼).

use std::cmp::Ordering;

/// A piece of a name: a run of text or a number.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Num(u64),
    Text(String),
}

fn digit(c: char) -> Option<u64> {
    match c {
        '0'..='9' => c.to_digit(10).map(u64::from),
        '〇' | '零' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    }
}

fn unit(c: char) -> Option<u64> {
    match c {
        '十' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

/// The value of a Chinese numeral (十一 → 11, 二十 → 20, 一百零五 → 105, 二〇二六 → 2026).
fn chinese_value(s: &[char]) -> u64 {
    if !s.iter().any(|c| unit(*c).is_some()) {
        // Digit by digit (二〇二六).
        return s.iter().fold(0, |n, c| n * 10 + digit(*c).unwrap_or(0));
    }
    let (mut total, mut pending) = (0u64, None::<u64>);
    for c in s {
        if let Some(u) = unit(*c) {
            total += pending.unwrap_or(1) * u;
            pending = None;
        } else if let Some(d) = digit(*c) {
            pending = Some(d);
        }
    }
    total + pending.unwrap_or(0)
}

fn parts(name: &str) -> Vec<Part> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            out.push(Part::Num(s.parse().unwrap_or(u64::MAX)));
        } else if (digit(c).is_some() && !c.is_ascii_digit()) || unit(c).is_some() {
            let start = i;
            while i < chars.len()
                && !chars[i].is_ascii_digit()
                && (digit(chars[i]).is_some() || unit(chars[i]).is_some())
            {
                i += 1;
            }
            out.push(Part::Num(chinese_value(&chars[start..i])));
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_ascii_digit()
                && digit(chars[i]).is_none()
                && unit(chars[i]).is_none()
            {
                i += 1;
            }
            out.push(Part::Text(chars[start..i].iter().collect()));
        }
    }
    out
}

/// Compares two names naturally (numbers by value, then the text as written).
pub fn cmp(a: &str, b: &str) -> Ordering {
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

/// Compares two paths of names (community › grid › estate …) level by level.
pub fn cmp_path<S: AsRef<str>>(a: &[S], b: &[S]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        match cmp(x.as_ref(), y.as_ref()) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    a.len().cmp(&b.len())
}

/// Sorts items by a name naturally.
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| cmp(name(a), name(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_and_numbers_sort_by_value() {
        let mut grids = vec![
            "第七网格",
            "第十一网格",
            "第三网格",
            "第一网格",
            "第十网格",
            "第二网格",
            "第二十网格",
        ];
        grids.sort_by(|a, b| cmp(a, b));
        assert_eq!(
            grids,
            [
                "第一网格",
                "第二网格",
                "第三网格",
                "第七网格",
                "第十网格",
                "第十一网格",
                "第二十网格"
            ]
        );
        let mut buildings = vec!["10号楼", "2号楼", "1号楼", "1号楼2单元", "1号楼10单元"];
        buildings.sort_by(|a, b| cmp(a, b));
        assert_eq!(
            buildings,
            ["1号楼", "1号楼2单元", "1号楼10单元", "2号楼", "10号楼"]
        );
        assert_eq!(chinese_value(&"一百零五".chars().collect::<Vec<_>>()), 105);
        assert_eq!(chinese_value(&"二〇二六".chars().collect::<Vec<_>>()), 2026);
        assert_eq!(
            cmp_path(&["甲", "2号楼"], &["甲", "10号楼"]),
            Ordering::Less
        );
    }
}
