//! Unfilled placeholders left from model texts: 20xx, xx, **, ___, 某某, empty 《》/“”/(),
//! a unit without its number ("为万元", "达%"), and blank dates ("于 年", "X月X日").

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Finding, Line, Rule};
use crate::text::excerpt;

struct Pattern {
    rule: Rule,
    re: Regex,
    message: &'static str,
}

fn patterns() -> &'static [Pattern] {
    static P: OnceLock<Vec<Pattern>> = OnceLock::new();
    P.get_or_init(|| {
        let p = |rule, re: &str, message| Pattern {
            rule,
            re: Regex::new(re).unwrap(),
            message,
        };
        vec![
            p(
                Rule::PlaceholderYear,
                r"(?:19|20)[0-9xX×][xX×]|20\*{2}|20[_＿]{2}|二[〇零○][〇零○一二]?[xX×]{1,2}",
                "年份仍是范文中的占位符,未填写实际年份。",
            ),
            p(
                Rule::PlaceholderDate,
                r"[xX×]{1,2}月(?:[xX×]{1,2}日)?|[于至在止到自从][ 　]+年|年[ 　]+月|月[ 　]+日",
                "日期未填写完整。",
            ),
            p(Rule::PlaceholderXx, r"[xX×]{2,}", "“xx”占位符未替换为实际内容。"),
            p(
                Rule::PlaceholderXx,
                r"[一二三四五六七八九十][xX×](?:大|届|五|次|周年)|[xX×](?:月|日|周年|届)",
                "“x”占位符未替换为实际内容。",
            ),
            p(Rule::PlaceholderStars, r"\*{2,}|＊{2,}", "“**”占位符未替换为实际名称或数字。"),
            p(Rule::PlaceholderBlank, r"_{2,}|＿{2,}", "下划线空白处未填写。"),
            p(Rule::PlaceholderSomeone, r"某某", "“某某”未替换为实际名称。"),
            p(
                Rule::PlaceholderEmptyBrackets,
                r"《\s*》|“\s*”|\x{ff08}\x{ff09}|\(\)|【\s*】|「\s*」|‘\s*’|\x22\s*\x22",
                "空的书名号、引号或括号,内容缺失。",
            ),
            p(
                Rule::PlaceholderMissingNumber,
                r"(?:为|达|达到|占|约|增长|增加|下降|提高|降低|共计|合计|累计|投入|完成|总计)(?:万元|亿元|千元|万平方米|平方米|亩|公里|人次|万人|%|％)",
                "数量单位前缺少数字。",
            ),
            p(Rule::PlaceholderMissingNumber, r"(?:^|[^0-9０-９.xX×%％])([%％])", "百分号前缺少数字。"),
        ]
    })
}

/// Placeholder findings of one line.
pub fn check_line(line: &Line, out: &mut Vec<Finding>) {
    let text = &line.text;
    let mut covered: Vec<(usize, usize)> = Vec::new();
    for p in patterns() {
        for caps in p.re.captures_iter(text) {
            let m = caps.get(1).unwrap_or_else(|| caps.get(0).unwrap());
            let (s, e) = (m.start(), m.end());
            if covered.iter().any(|&(a, b)| s < b && a < e) {
                continue;
            }
            let before = text[..s].chars().next_back();
            let after = text[e..].chars().next();
            match p.rule {
                // xx inside a Latin word (e.g. "xxx.com", "Maxx") is not a placeholder
                Rule::PlaceholderXx | Rule::PlaceholderDate
                    if before.is_some_and(|c| c.is_ascii_alphabetic())
                        || after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.') =>
                {
                    continue
                }
                _ => {}
            }
            covered.push((s, e));
            out.push(Finding::new(
                p.rule,
                line.no,
                excerpt(text, s, e, 6),
                p.message,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(s: &str) -> Vec<Rule> {
        let mut f = Vec::new();
        check_line(
            &Line {
                no: 1,
                text: s.into(),
            },
            &mut f,
        );
        f.into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn each_placeholder() {
        assert_eq!(rules("20xx年共受理各类纠纷3起"), [Rule::PlaceholderYear]);
        assert_eq!(rules("截止20**年11月"), [Rule::PlaceholderYear]);
        assert_eq!(rules("以党的xx大精神为指导"), [Rule::PlaceholderXx]);
        assert_eq!(rules("志愿者人数增长XX%"), [Rule::PlaceholderXx]);
        assert_eq!(rules("**社区总人数有6035人"), [Rule::PlaceholderStars]);
        assert_eq!(rules("社区位于_____,占地面积"), [Rule::PlaceholderBlank]);
        assert_eq!(rules("某某社区"), [Rule::PlaceholderSomeone]);
        assert_eq!(rules("根据《》要求"), [Rule::PlaceholderEmptyBrackets]);
        assert_eq!(
            rules("调查数据看,()反映的情况"),
            [Rule::PlaceholderEmptyBrackets]
        );
        assert_eq!(rules("“”期间,我区先后"), [Rule::PlaceholderEmptyBrackets]);
        assert_eq!(
            rules("收入为5万元,次年为万元"),
            [Rule::PlaceholderMissingNumber]
        );
        assert_eq!(rules("热线满意率达%。"), [Rule::PlaceholderMissingNumber]);
        assert_eq!(
            rules("占社区工作者队伍的%;"),
            [Rule::PlaceholderMissingNumber]
        );
        assert_eq!(
            rules("于 年 月 日召开"),
            [Rule::PlaceholderDate, Rule::PlaceholderDate]
        );
        assert_eq!(rules("X月X日前完成"), [Rule::PlaceholderDate]);
        assert_eq!(rules("201x年社区工作总结"), [Rule::PlaceholderYear]);
        assert_eq!(rules("二〇一x年"), [Rule::PlaceholderYear]);
        assert_eq!(rules("深入学习党的十x大精神"), [Rule::PlaceholderXx]);
        assert_eq!(rules("庆祝建党x周年"), [Rule::PlaceholderXx]);
    }

    #[test]
    fn questionnaire_blanks_are_not_placeholders() {
        for s in [
            "1.您的性别( ) A.男 B.女",
            "您对社区服务是否满意?（  ）",
            "您参加过社区活动吗?(   )",
        ] {
            assert!(rules(s).is_empty(), "{s}: {:?}", rules(s));
        }
    }

    #[test]
    fn clean_text_has_none() {
        for s in [
            "2023年共受理各类纠纷3起,满意率达98%。",
            "访问xxx.com或Maxx网站",
            "他(她)应当在3月5日前完成,投入5万元",
            "人均收入增长12.5%",
        ] {
            assert!(rules(s).is_empty(), "{s}: {:?}", rules(s));
        }
    }

    #[test]
    fn multiple_with_lines() {
        let mut f = Vec::new();
        check_line(
            &Line {
                no: 12,
                text: "20xx年**社区".into(),
            },
            &mut f,
        );
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.line == 12));
        assert_eq!(f[1].rule, Rule::PlaceholderStars);
    }
}
