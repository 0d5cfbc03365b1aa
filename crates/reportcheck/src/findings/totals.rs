//! Sub-counts named by their words rather than by 其中: a count that is a part of an earlier total of
//! the same sentence or line (调解成功 of 受理, 回收 of 发放, 化解 of 排查 …) larger than the total, and a
//! rate (调解成功率, 回收率 …) that does not match the part and the total stated beside it.

use crate::figures::Figure;
use crate::model::{Finding, Rule};

/// (words of the total, words of the part, words of the rate)
const PAIRS: &[(&[&str], &[&str], &[&str])] = &[
    (
        &["受理", "排查", "接到", "收到", "调处"],
        &[
            "调解成功",
            "成功调解",
            "调处成功",
            "化解",
            "办结",
            "结案",
            "解决",
            "处理",
            "回复",
        ],
        &[
            "成功率",
            "化解率",
            "办结率",
            "结案率",
            "解决率",
            "处理率",
            "回复率",
        ],
    ),
    (&["发放", "发出"], &["回收", "收回"], &["回收率"]),
    (
        &["应到", "应参加", "应参会"],
        &["实到", "实际参加", "参会"],
        &["到会率", "参会率", "出席率"],
    ),
    (
        &["申请", "申报"],
        &["批准", "通过", "获批"],
        &["通过率", "批准率"],
    ),
    (&["走访", "入户"], &["建档", "登记"], &["建档率", "登记率"]),
];

fn has_any(s: &str, words: &[&str]) -> bool {
    words.iter().any(|w| s.contains(w))
}

fn fmt(f: &Figure) -> String {
    format!("{}{}", f.subject, f.text)
}

/// Findings of parts larger than their totals and of rates that do not match.
pub fn check(figs: &[Figure], out: &mut Vec<Finding>) {
    for (i, part) in figs.iter().enumerate() {
        if part.base().0 == "percent" || part.parent.is_some() {
            continue;
        }
        for (totals, parts, _) in PAIRS {
            if !has_any(&part.subject, parts) || has_any(&part.subject, totals) {
                continue;
            }
            // the nearest earlier figure of the same line and kind naming the total
            let Some(total) = figs[..i]
                .iter()
                .rev()
                .take_while(|t| t.line == part.line)
                .find(|t| {
                    has_any(&t.subject, totals)
                        && t.base().0 == part.base().0
                        && t.year == part.year
                })
            else {
                continue;
            };
            let (v, t) = (part.base().1, total.base().1);
            if v > t {
                out.push(
                    Finding::new(
                        Rule::SubExceedsTotal,
                        part.line,
                        fmt(part),
                        format!(
                            "“{}”多于“{}”,分项大于总数,数据矛盾。",
                            fmt(part),
                            fmt(total)
                        ),
                    )
                    .related(total.line),
                );
            }
            break;
        }
    }
    rates(figs, out);
}

fn rates(figs: &[Figure], out: &mut Vec<Finding>) {
    for (i, rate) in figs.iter().enumerate() {
        if rate.base().0 != "percent" {
            continue;
        }
        for (totals, parts, rate_words) in PAIRS {
            if !has_any(&rate.subject, rate_words) {
                continue;
            }
            let same_line = || figs[..i].iter().rev().take_while(|t| t.line == rate.line);
            let part = same_line().find(|f| {
                f.base().0 != "percent"
                    && has_any(&f.subject, parts)
                    && !has_any(&f.subject, totals)
            });
            let Some(part) = part else { break };
            let total = same_line().find(|t| {
                t.id < part.id && has_any(&t.subject, totals) && t.base().0 == part.base().0
            });
            let Some(total) = total else { break };
            let (p, t) = (part.base().1, total.base().1);
            if t <= 0.0 || p > t {
                break;
            }
            let expected = p / t * 100.0;
            let tolerance = if rate.qualifier.is_some() { 3.0 } else { 1.0 };
            if (expected - rate.value).abs() > tolerance {
                out.push(
                    Finding::new(
                        Rule::PercentageMismatch,
                        rate.line,
                        fmt(rate),
                        format!(
                            "按“{}”与“{}”计算应为 {:.1}%,报告写作 {}%。",
                            fmt(part),
                            fmt(total),
                            expected,
                            rate.value
                        ),
                    )
                    .related(total.line),
                );
            }
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::extract_figures;
    use crate::model::split_lines;

    fn run(s: &str) -> Vec<Rule> {
        let mut out = Vec::new();
        check(&extract_figures(&split_lines(s)), &mut out);
        out.into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn part_named_by_its_words() {
        assert_eq!(
            run("全年共受理各类矛盾纠纷12起,调解成功15起。"),
            [Rule::SubExceedsTotal]
        );
        assert!(run("全年共受理各类矛盾纠纷12起,调解成功12起。").is_empty());
        assert_eq!(run("发放问卷300份,回收320份。"), [Rule::SubExceedsTotal]);
        assert!(run("发放问卷300份,回收286份,回收率95.3%。").is_empty());
    }

    #[test]
    fn rate_against_its_parts() {
        assert_eq!(
            run("受理纠纷12起,调解成功10起,调解成功率100%。"),
            [Rule::PercentageMismatch]
        );
        assert!(run("受理纠纷12起,调解成功12起,调解成功率100%。").is_empty());
        assert_eq!(
            run("发放问卷300份,回收200份,回收率95%。"),
            [Rule::PercentageMismatch]
        );
    }
}
