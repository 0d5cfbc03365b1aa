//! Figures that contradict each other: a 其中 part larger than its total, more people placed
//! than jobs created, a percentage that does not match its parts, and the same subject stated
//! with different numbers in two places of one document section.

use std::collections::HashMap;

use crate::figures::Figure;
use crate::model::{Finding, Rule};

fn fmt_fig(f: &Figure) -> String {
    if f.subject.is_empty() {
        f.text.clone()
    } else {
        format!("{}{}", f.subject, f.text)
    }
}

/// Contradiction findings; `section_of(line)` gives the document section of a line.
pub fn check(figs: &[Figure], section_of: &dyn Fn(usize) -> usize) -> Vec<Finding> {
    let mut out = Vec::new();
    parts_exceed_totals(figs, &mut out);
    placements_exceed_jobs(figs, &mut out);
    percentages(figs, &mut out);
    same_subject(figs, section_of, &mut out);
    out.sort_by_key(|f| f.line);
    out
}

fn parts_exceed_totals(figs: &[Figure], out: &mut Vec<Finding>) {
    for f in figs {
        let Some(p) = f.parent.map(|i| &figs[i]) else {
            continue;
        };
        let ((d1, v1), (d2, v2)) = (f.base(), p.base());
        if d1 == d2 && d1 != "percent" && v1 > v2 {
            out.push(
                Finding::new(
                    Rule::SubExceedsTotal,
                    f.line,
                    fmt_fig(f),
                    format!(
                        "其中的分项“{}”大于总数“{}”,数据矛盾。",
                        fmt_fig(f),
                        fmt_fig(p)
                    ),
                )
                .related(p.line),
            );
        }
    }
}

fn placements_exceed_jobs(figs: &[Figure], out: &mut Vec<Finding>) {
    for (i, jobs) in figs.iter().enumerate() {
        if !jobs.subject.contains("岗位") {
            continue;
        }
        for placed in figs[i + 1..]
            .iter()
            .take_while(|f| f.line == jobs.line)
            .take(3)
        {
            let s = &placed.subject;
            if (s.contains("安置") || s.contains("上岗") || s.contains("就业"))
                && placed.value > jobs.value
            {
                out.push(
                    Finding::new(
                        Rule::SubExceedsTotal,
                        placed.line,
                        fmt_fig(placed),
                        format!(
                            "“{}”多于“{}”,安置人数超过开发的岗位数,请核对。",
                            fmt_fig(placed),
                            fmt_fig(jobs)
                        ),
                    )
                    .related(jobs.line),
                );
            }
        }
    }
}

fn percentages(figs: &[Figure], out: &mut Vec<Finding>) {
    for (i, f) in figs.iter().enumerate() {
        if f.base().0 != "percent" || i == 0 || !f.subject.starts_with('占') {
            continue;
        }
        let part = &figs[i - 1];
        if part.sentence != f.sentence || part.base().0 == "percent" {
            continue;
        }
        // the total: the part's 其中 parent, or an earlier "总…" figure of the same kind on the line
        let stated_total = || {
            figs[..i - 1]
                .iter()
                .rev()
                .take_while(|t| t.line == f.line)
                .find(|t| {
                    t.base().0 == part.base().0
                        && t.base().1 > part.base().1
                        && t.subject.contains('总')
                })
        };
        let Some(total) = part.parent.map(|p| &figs[p]).or_else(stated_total) else {
            continue;
        };
        let ((d1, v1), (d2, v2)) = (part.base(), total.base());
        if d1 != d2 || v2 <= 0.0 {
            continue;
        }
        let expected = v1 / v2 * 100.0;
        let tolerance = if f.qualifier.is_some() { 3.0 } else { 1.0 };
        if (expected - f.value).abs() > tolerance {
            out.push(
                Finding::new(
                    Rule::PercentageMismatch,
                    f.line,
                    format!("{},{}", fmt_fig(part), fmt_fig(f)),
                    format!(
                        "按“{}”与总数“{}”计算应占 {:.1}%,报告写作 {}%。",
                        fmt_fig(part),
                        fmt_fig(total),
                        expected,
                        f.value
                    ),
                )
                .related(total.line),
            );
        }
    }
}

/// Words that do not change what is counted ("受理各类纠纷" and "受理纠纷" count the same).
const FILLERS: &[&str] = &[
    "各类",
    "各种",
    "各项",
    "全年",
    "今年",
    "本年度",
    "本年",
    "累计",
    "共计",
    "合计",
    "总共",
    "共",
    "了",
    "的",
    "全社区",
    "社区",
    "辖区",
    "矛盾",
];

/// The subject without filler words: the key under which two statements count the same thing.
pub fn subject_key(subject: &str) -> String {
    let mut s = subject.to_string();
    for f in FILLERS {
        s = s.replace(f, "");
    }
    s
}

fn same_subject(figs: &[Figure], section_of: &dyn Fn(usize) -> usize, out: &mut Vec<Finding>) {
    let mut seen: HashMap<(usize, String, &str, Option<&str>), &Figure> = HashMap::new();
    for f in figs {
        let key_subject = subject_key(&f.subject);
        if key_subject
            .chars()
            .filter(|c| crate::text::is_han(*c))
            .count()
            < 3
            || f.is_part
            || !f.whole_subject
        {
            continue;
        }
        let (dim, v) = f.base();
        let key = (section_of(f.line), key_subject, dim, f.year.as_deref());
        match seen.get(&key) {
            Some(first) if (first.base().1 - v).abs() > 1e-9 && first.sentence != f.sentence => {
                // "近300人" and "280人" may be the same figure rounded
                let approx = first.qualifier.is_some() || f.qualifier.is_some();
                if approx && (first.base().1 - v).abs() <= 0.1 * v.max(first.base().1) {
                    continue;
                }
                out.push(
                    Finding::new(
                        Rule::FiguresInconsistent,
                        f.line,
                        fmt_fig(f),
                        format!(
                            "“{}”在第 {} 行写作“{}{}”,此处为“{}”,前后不一致。",
                            f.subject, first.line, first.subject, first.text, f.text
                        ),
                    )
                    .related(first.line),
                );
            }
            Some(_) => {}
            None => {
                seen.insert(key, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::extract_figures;
    use crate::model::split_lines;

    fn run(s: &str) -> Vec<(Rule, usize, Option<usize>)> {
        let figs = extract_figures(&split_lines(s));
        check(&figs, &|_| 0)
            .into_iter()
            .map(|f| (f.rule, f.line, f.related_line))
            .collect()
    }

    #[test]
    fn part_larger_than_total() {
        assert_eq!(
            run("辖党员168名,其中离退休党员887名。"),
            [(Rule::SubExceedsTotal, 1, Some(1))]
        );
        assert!(run("辖党员1686名,其中离退休党员887名,下岗职工党员339名。").is_empty());
        assert!(run("解决实际问题280余件,其中帮扶困难家庭35户。").is_empty());
    }

    #[test]
    fn jobs_and_placements() {
        assert_eq!(
            run("累计开发就业岗位1638个,安置人员1899人;举办培训班3期。"),
            [(Rule::SubExceedsTotal, 1, Some(1))]
        );
        assert!(run("累计开发就业岗位1638个,安置人员1200人。").is_empty());
    }

    #[test]
    fn percentage_of_parts() {
        assert_eq!(
            run("社区工作人员84人,其中社区书记主任20人,占社区工作者队伍的50%。"),
            [(Rule::PercentageMismatch, 1, Some(1))]
        );
        assert!(run("社区工作人员80人,其中社区书记主任20人,占社区工作者队伍的25%。").is_empty());
        assert_eq!(
            run("社工总数688人,大专以上学历社工603人,占总数50%。"),
            [(Rule::PercentageMismatch, 1, Some(1))]
        );
        assert!(run("社工总数688人,大专以上学历社工603人,占总数88%。").is_empty());
    }

    #[test]
    fn same_subject_different_numbers() {
        assert_eq!(
            run("全年社区共受理各类纠纷12起。\n调解工作扎实。\n全年社区共受理各类纠纷15起。"),
            [(Rule::FiguresInconsistent, 3, Some(1))]
        );
        assert!(run("2022年受理各类纠纷12起。\n2023年受理各类纠纷15起。").is_empty());
        // the same figure in other words
        assert_eq!(
            run("全年共受理各类矛盾纠纷12起,调解成功12起。\n总结经验。\n今年社区受理纠纷15起。"),
            [(Rule::FiguresInconsistent, 3, Some(1))]
        );
        assert!(run("服务居民近300人次。\n全年服务居民280人次。").is_empty());
    }
}
