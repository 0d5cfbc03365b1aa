//! The fixed value lists of the registry (婚姻状况, 文化程度, 就业状况 …) as people type them: the synonyms
//! are data (`vocab.txt`, one line per standard value), so that 离异, 本科, 大专, 退休, 在校 or 良好 are read as
//! the standard value with a notice, and a value outside the list is a notice that keeps the text in 备注 —
//! never a rejected person.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::registry::validate;

/// The synonym table, as shipped.
pub const DATA: &str = include_str!("vocab.txt");

/// How a typed value relates to its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// Empty, or a standard value as it is.
    Standard,
    /// A synonym of this standard value.
    Synonym(&'static str),
    /// Not in the list.
    Outside,
}

/// The standard values of a list, by the form's field label.
pub fn allowed(label: &str) -> &'static [&'static str] {
    match label {
        "婚姻状况" => validate::MARITAL,
        "文化程度" => validate::EDUCATION,
        "健康状况" => validate::HEALTH,
        "就业状况" => validate::EMPLOYMENT,
        "政治面貌" => validate::POLITICAL,
        "与户主关系" => validate::RELATIONS,
        "证件类型" => validate::ID_TYPES,
        "民族" => validate::ETHNICITIES,
        _ => &[],
    }
}

/// (label, synonym) → standard value, parsed from [`DATA`]. A line naming an unknown list or a standard value
/// outside its list is a bug of the data, caught by the tests.
pub fn table() -> &'static HashMap<(&'static str, &'static str), &'static str> {
    static T: OnceLock<HashMap<(&'static str, &'static str), &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = HashMap::new();
        for (label, standard, synonyms) in lines() {
            for s in synonyms {
                m.insert((label, s), standard);
            }
        }
        m
    })
}

/// The data lines: (label, standard value, synonyms).
pub fn lines() -> impl Iterator<Item = (&'static str, &'static str, Vec<&'static str>)> {
    DATA.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('\t');
            let label = parts.next()?.trim();
            let standard = parts.next()?.trim();
            let synonyms = parts
                .next()
                .unwrap_or("")
                .split([',', '，'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            Some((label, standard, synonyms))
        })
}

/// How `value` (trimmed) reads in the list `label`.
pub fn read(label: &str, value: &str) -> Typed {
    let v = value.trim();
    let list = allowed(label);
    if v.is_empty() || list.contains(&v) {
        return Typed::Standard;
    }
    if let Some(s) = table().get(&(label, v)) {
        return Typed::Synonym(s);
    }
    if label == "民族" {
        // 汉 → 汉族, 蒙古 → 蒙古族
        let with = format!("{v}族");
        if let Some(s) = list.iter().find(|s| **s == with) {
            return Typed::Synonym(s);
        }
    }
    Typed::Outside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_names_a_list_and_one_of_its_values() {
        let mut n = 0;
        for (label, standard, synonyms) in lines() {
            assert!(!allowed(label).is_empty(), "unknown list {label}");
            assert!(allowed(label).contains(&standard), "{label}: {standard}");
            for s in synonyms {
                assert!(!allowed(label).contains(&s), "{label}: {s} is standard");
                n += 1;
            }
        }
        assert!(n > 80);
    }

    #[test]
    fn values_people_write_every_day() {
        for (label, typed, standard) in [
            ("婚姻状况", "离异", "离婚"),
            ("文化程度", "本科", "大学本科"),
            ("文化程度", "大专", "大学专科"),
            ("文化程度", "硕士研究生", "研究生"),
            ("文化程度", "文盲", "文盲或半文盲"),
            ("健康状况", "良好", "健康"),
            ("就业状况", "退休", "离退休"),
            ("就业状况", "在校", "在校学生"),
            ("就业状况", "学龄前", "学龄前儿童"),
            ("民族", "汉", "汉族"),
            ("与户主关系", "妻子", "配偶"),
        ] {
            assert_eq!(read(label, typed), Typed::Synonym(standard), "{typed}");
        }
        assert_eq!(read("婚姻状况", "已婚"), Typed::Standard);
        assert_eq!(read("婚姻状况", ""), Typed::Standard);
        assert_eq!(read("就业状况", "某公司职员"), Typed::Outside);
    }
}
