//! Duplicated paragraphs: exact copies (after removing spaces and punctuation) and near-duplicates
//! (Jaccard similarity of 4-character shingles ≥ 0.9) among paragraphs of at least 30 characters.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::model::{Finding, Line, Rule};
use crate::text::head;

/// Paragraphs shorter than this (in letters, digits and Han characters) are not compared.
pub const MIN_CHARS: usize = 30;
const SHINGLE: usize = 4;
/// Shingles that occur in more paragraphs than this are too common to point at a copy.
const MAX_POSTING: usize = 64;

fn normalise(s: &str) -> Vec<char> {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn shingles(chars: &[char]) -> Vec<u64> {
    let mut v: Vec<u64> = chars
        .windows(SHINGLE)
        .map(|w| {
            let mut h = DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Duplicate findings over the whole document; the later copy is flagged, pointing at the first.
pub fn check(lines: &[Line], threshold: f64) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut exact: HashMap<Vec<char>, usize> = HashMap::new();
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut sets: Vec<(usize, Vec<u64>)> = Vec::new(); // (line index, shingles)
    for (li, line) in lines.iter().enumerate() {
        let norm = normalise(&line.text);
        if norm.len() < MIN_CHARS {
            continue;
        }
        if let Some(&first) = exact.get(&norm) {
            out.push(
                Finding::new(
                    Rule::DuplicateExact,
                    line.no,
                    head(line.text.trim(), 24),
                    format!("本段与第 {} 行完全相同,属重复段落。", lines[first].no),
                )
                .related(lines[first].no),
            );
            continue;
        }
        exact.insert(norm.clone(), li);
        let sh = shingles(&norm);
        let me = sets.len();
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for s in &sh {
            if let Some(p) = index.get(s) {
                if p.len() <= MAX_POSTING {
                    for &o in p {
                        *shared.entry(o).or_default() += 1;
                    }
                }
            }
        }
        let best = shared
            .into_iter()
            .map(|(o, n)| {
                let union = sh.len() + sets[o].1.len() - n;
                (o, n as f64 / union as f64)
            })
            .filter(|&(_, j)| j >= threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((o, j)) = best {
            let first = &lines[sets[o].0];
            out.push(
                Finding::new(
                    Rule::DuplicateNear,
                    line.no,
                    head(line.text.trim(), 24),
                    format!(
                        "本段与第 {} 行高度相似(相似度 {:.0}%),疑似重复段落。",
                        first.no,
                        j * 100.0
                    ),
                )
                .related(first.no),
            );
        }
        for s in &sh {
            index.entry(*s).or_default().push(me);
        }
        sets.push((li, sh));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::split_lines;

    const P1: &str = "社区充分发挥调解委员会作用,认真做好群众来访工作,及时解决问题,及时化解矛盾,消除不稳定因素。";
    const P2: &str = "社区组织安全大检查,对自查的安全隐患认真梳理及时整改,节假日张贴安全通告提醒居民加强自我防范意识。";

    #[test]
    fn exact_and_near() {
        let long = format!("{P1}{P2}");
        let near = long.replacen("节假日", "节日日", 1);
        let text = format!(
            "{P1}
短行
{long}
{P1}
{near}
短行"
        );
        let f = check(&split_lines(&text), 0.9);
        let got: Vec<(Rule, usize, Option<usize>)> =
            f.iter().map(|f| (f.rule, f.line, f.related_line)).collect();
        assert_eq!(
            got,
            [
                (Rule::DuplicateExact, 4, Some(1)),
                (Rule::DuplicateNear, 5, Some(3))
            ]
        );
        let f = check(&split_lines(&text), 0.97);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn short_and_distinct_lines_ignored() {
        let text = format!("短行\n短行\n{P1}\n{P2}");
        assert!(check(&split_lines(&text), 0.9).is_empty());
    }
}
