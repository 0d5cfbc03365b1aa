//! Numbering breaks in headings within one document section: 一、二、二、 (repeat),
//! (一)(三) (skip), 1. 3., going backwards. Restarting at 一 / 1 is a new list and is allowed;
//! a heading of a higher level restarts the levels below it.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Finding, Line, Rule};
use crate::structure::Section;
use crate::text::{chinese_number, head};

/// Heading levels, highest first.
const LEVELS: usize = 5;

fn patterns() -> &'static [Regex; LEVELS] {
    static P: OnceLock<[Regex; LEVELS]> = OnceLock::new();
    P.get_or_init(|| {
        [
            Regex::new(r"^\s*第([一二三四五六七八九十]+)[章节部分]").unwrap(),
            Regex::new(r"^\s*([一二三四五六七八九十]+)\s*[、.．]").unwrap(),
            Regex::new(r"^\s*[(（]([一二三四五六七八九十]+)[)）]").unwrap(),
            Regex::new(r"^\s*(\d{1,2})\s*(?:[、．]|\.(?:\d{4}|[^\d]))").unwrap(),
            Regex::new(r"^\s*[(（](\d{1,2})[)）]").unwrap(),
        ]
    })
}

fn label(level: usize, n: u32) -> String {
    let zh = |n: u32| -> String {
        const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        match n {
            0..=9 => D[n as usize].to_string(),
            10 => "十".into(),
            11..=19 => format!("十{}", D[(n - 10) as usize]),
            _ => format!(
                "{}十{}",
                D[(n / 10) as usize],
                if n.is_multiple_of(10) {
                    ""
                } else {
                    D[(n % 10) as usize]
                }
            ),
        }
    };
    match level {
        0 => format!("第{}", zh(n)),
        1 => format!("{}、", zh(n)),
        2 => format!("({})", zh(n)),
        3 => format!("{n}."),
        _ => format!("({n})"),
    }
}

/// Parse a heading number at the start of a line: (level, number).
pub fn heading(text: &str) -> Option<(usize, u32)> {
    for (level, re) in patterns().iter().enumerate() {
        if let Some(c) = re.captures(text) {
            let s = &c[1];
            let n = if level >= 3 {
                s.parse().ok()?
            } else {
                chinese_number(s)? as u32
            };
            return Some((level, n));
        }
    }
    None
}

/// A short line naming a document ("2.2022社区建设工作报告"): a new document restarts all numbering.
pub fn is_title(text: &str) -> bool {
    let t = text.trim();
    let n = t.chars().count();
    (4..=40).contains(&n)
        && !t.contains(['。', ',', '\u{ff0c}', ';', '\u{ff1b}'])
        && [
            "报告",
            "总结",
            "计划",
            "讲话",
            "发言",
            "发言稿",
            "方案",
            "汇报",
            "材料",
            "调研",
            "心得",
        ]
        .iter()
        .any(|w| t.ends_with(w))
}

/// Numbering findings for the given sections.
pub fn check(lines: &[Line], sections: &[Section]) -> Vec<Finding> {
    let mut out = Vec::new();
    for sec in sections {
        let mut last: [Option<u32>; LEVELS] = [None; LEVELS];
        for line in &lines[sec.start..sec.end] {
            if is_title(&line.text) {
                last = [None; LEVELS];
                continue;
            }
            let Some((level, n)) = heading(&line.text) else {
                continue;
            };
            for l in last.iter_mut().skip(level + 1) {
                *l = None;
            }
            let prev = last[level];
            last[level] = Some(n);
            let Some(p) = prev else { continue };
            if n == 1 || n == p + 1 {
                continue;
            }
            let (rule, msg) = if n == p {
                (
                    Rule::NumberingRepeat,
                    format!(
                        "编号“{}”与上一个同级标题重复,应为“{}”。",
                        label(level, n),
                        label(level, p + 1)
                    ),
                )
            } else if n > p {
                (
                    Rule::NumberingSkip,
                    format!(
                        "编号从“{}”跳到“{}”,缺少“{}”。",
                        label(level, p),
                        label(level, n),
                        label(level, p + 1)
                    ),
                )
            } else {
                (
                    Rule::NumberingBackwards,
                    format!(
                        "编号“{}”出现在“{}”之后,顺序颠倒。",
                        label(level, n),
                        label(level, p)
                    ),
                )
            };
            out.push(Finding::new(rule, line.no, head(line.text.trim(), 20), msg));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::split_lines;
    use crate::structure::sections;

    fn run(s: &str) -> Vec<(Rule, usize)> {
        let lines = split_lines(s);
        check(&lines, &sections(&lines))
            .into_iter()
            .map(|f| (f.rule, f.line))
            .collect()
    }

    #[test]
    fn headings_parse() {
        assert_eq!(heading("一、加强领导"), Some((1, 1)));
        assert_eq!(heading("(三)存在问题"), Some((2, 3)));
        assert_eq!(heading("3.完善机制"), Some((3, 3)));
        assert_eq!(heading("1.2022社区建设工作报告"), Some((3, 1)));
        assert_eq!(heading("3.5万元用于"), None);
        assert_eq!(heading("(2)提升水平"), Some((4, 2)));
        assert_eq!(heading("十二、其他"), Some((1, 12)));
        assert_eq!(heading("一是加强领导"), None);
    }

    #[test]
    fn breaks() {
        let text =
            "一、甲\n(一)子\n(三)子\n二、乙\n(一)子\n(二)子\n二、丙\n1.a项\n3.c项\n2.b项\n四、丁";
        assert_eq!(
            run(text),
            [
                (Rule::NumberingSkip, 3),
                (Rule::NumberingRepeat, 7),
                (Rule::NumberingSkip, 9),
                (Rule::NumberingBackwards, 10),
                (Rule::NumberingSkip, 11),
            ]
        );
    }

    #[test]
    fn titles_restart_numbering() {
        assert!(run("1.2022社区建设工作报告\n一、甲\n1.子项\n2.子项\n3.子项\n4.子项\n2.2022社区建设工作报告\n一、乙").is_empty());
    }

    #[test]
    fn restart_and_sections_allowed() {
        assert!(run("一、甲\n二、乙\n一、新讲话\n二、乙\n第2篇 另一文\n三、丙").is_empty());
        assert!(run("一、甲\n(一)子\n(二)子\n二、乙\n(一)子").is_empty());
    }
}
