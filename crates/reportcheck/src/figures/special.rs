//! Two special cases of figure extraction: number words inside fixed phrases that are not figures
//! (三个代表, 二元结构, 百家/千家, 四个一 …), and zero statements (无一例, 没有发生, 未发生 …) that state
//! a figure of 0 with an implied unit.

use std::sync::OnceLock;

use regex::Regex;

use crate::text::is_han;

/// Fixed phrases whose number words count nothing.
const FIXED: &[&str] = &[
    "三个代表",
    "两个维护",
    "两个确立",
    "两个务必",
    "两个一百年",
    "两个基本点",
    "一个中心",
    "四个意识",
    "四个自信",
    "四个全面",
    "四个一",
    "三个一",
    "五个一",
    "七个一",
    "十个一",
    "五位一体",
    "三位一体",
    "二元结构",
    "二元化",
    "三大攻坚战",
    "两学一做",
    "三会一课",
    "三个务必",
    "三个有利于",
    "八项规定",
    "四风",
    "千家万户",
    "千方百计",
    "百家争鸣",
    "万家灯火",
    "百姓",
    "千家",
    "百家",
    "万家",
    "百户",
    "千户",
    "百名",
    "千名",
    "百人",
    "千人",
    "百村",
    "千村",
    "百日",
    "千里",
    "万里",
    "两新组织",
    "两委",
];

/// Is the Chinese-numeral figure starting at `text` (the numeral, then its unit) part of a fixed phrase?
pub fn in_fixed_phrase(text: &str, before: Option<char>) -> bool {
    if FIXED.iter().any(|p| text.starts_with(p)) {
        return true;
    }
    let mut it = text.chars();
    let first = it.next();
    // "多元", "二元结构", "一元化": 元 followed by a structure word is not money
    if let Some(pos) = text.find('元') {
        let after = &text[pos + '元'.len_utf8()..];
        if ["结构", "化", "论", "格局", "体制"]
            .iter()
            .any(|w| after.starts_with(w))
        {
            return true;
        }
    }
    // a phrase in quotation marks: “四个一”, “两个责任”
    before == Some('“') && first.is_some_and(|c| "一二两三四五六七八九十".contains(c))
}

/// A zero statement: where it starts (byte offset), what it counts, its implied unit and its words.
pub struct Zero {
    pub start: usize,
    pub subject: String,
    pub unit: &'static str,
    pub text: String,
}

fn zero_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"无一(?P<u>例|起|件|人|户|名|次|家|宗)|(?:没有|未|无)发生(?:过)?(?:一起|一例|一件|任何)?|实现零(?P<z>\p{Han}{2,6})|零(?P<z2>发案|上访|事故|投诉|伤亡)",
        )
        .unwrap()
    })
}

fn implied_unit(subject: &str) -> &'static str {
    if ["病例", "感染", "病", "疫情"]
        .iter()
        .any(|w| subject.contains(w))
    {
        "例"
    } else if ["伤亡", "死亡", "人员"]
        .iter()
        .any(|w| subject.ends_with(w))
    {
        "人"
    } else {
        "起"
    }
}

fn clause_after(text: &str) -> String {
    let s: String = text.chars().take_while(|&c| is_han(c)).take(10).collect();
    s.trim_end_matches(['了', '的', '过']).to_string()
}

fn clause_before(text: &str) -> String {
    let v: Vec<char> = text
        .chars()
        .rev()
        .take_while(|&c| is_han(c))
        .take(10)
        .collect();
    v.into_iter().rev().collect()
}

/// The zero statements of one line.
pub fn zeros(text: &str) -> Vec<Zero> {
    if !text.contains(['无', '未', '没', '零']) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in zero_re().captures_iter(text) {
        let m = c.get(0).unwrap();
        let (subject, unit) = if let Some(u) = c.name("u") {
            let after = clause_after(&text[m.end()..]);
            let before = clause_before(&text[..m.start()]);
            let subject = if after.chars().count() >= 2 {
                after
            } else {
                before
            };
            (
                subject,
                crate::figures::UNITS
                    .iter()
                    .find(|x| **x == u.as_str())
                    .copied()
                    .unwrap_or("起"),
            )
        } else if let Some(z) = c.name("z").or(c.name("z2")) {
            let s = z.as_str().to_string();
            let u = implied_unit(&s);
            (s, u)
        } else {
            let s = clause_after(&text[m.end()..]);
            let u = implied_unit(&s);
            (s, u)
        };
        if subject.chars().count() < 2 {
            continue;
        }
        out.push(Zero {
            start: m.start(),
            subject,
            unit,
            text: m.as_str().to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(s: &str) -> Vec<(String, &'static str)> {
        zeros(s).into_iter().map(|z| (z.subject, z.unit)).collect()
    }

    #[test]
    fn zero_statements() {
        assert_eq!(
            z("全年未发生重大安全事故。"),
            [("重大安全事故".into(), "起")]
        );
        assert_eq!(z("社区没有发生一起刑事案件"), [("刑事案件".into(), "起")]);
        assert_eq!(
            z("新冠肺炎确诊病例无一例"),
            [("新冠肺炎确诊病例".into(), "例")]
        );
        assert_eq!(z("辖区无发生火灾"), [("火灾".into(), "起")]);
        assert_eq!(z("实现零上访"), [("上访".into(), "起")]);
        assert!(z("社区工作人员无私奉献").is_empty());
    }

    #[test]
    fn fixed_phrases() {
        assert!(in_fixed_phrase("三个代表重要思想", None));
        assert!(in_fixed_phrase("二元结构", None));
        assert!(in_fixed_phrase("千家万户", None));
        assert!(in_fixed_phrase("四个一活动", Some('“')));
        assert!(!in_fixed_phrase("三个社区", None));
        assert!(!in_fixed_phrase("三十名志愿者", None));
    }
}
