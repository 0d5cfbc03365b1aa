//! Normalises punctuation in Chinese context: ASCII , : ; ? ! ( ) next to Chinese text become
//! full-width; full-width digits and Latin letters become ASCII. Numbers such as 1,000, 3.5 and
//! 10:30, and parentheses around non-Chinese content like (58.com) or (1), are left alone.

use std::collections::BTreeMap;

use crate::model::{Change, ChangeKind, Line};
use crate::text::{is_cjk_punct, is_han};

fn chinese(c: Option<char>) -> bool {
    c.is_some_and(|c| is_han(c) || is_cjk_punct(c))
}

/// Full-width form of an ASCII punctuation mark.
fn full_width(c: char) -> char {
    match c {
        ',' => '\u{ff0c}',
        ';' => '\u{ff1b}',
        '!' => '\u{ff01}',
        '?' => '\u{ff1f}',
        ':' => '\u{ff1a}',
        '(' => '\u{ff08}',
        ')' => '\u{ff09}',
        c => c,
    }
}

/// Normalise the punctuation of a string (used for lines and for messages).
pub fn normalise(text: &str) -> (String, BTreeMap<(char, char), usize>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    let mut counts: BTreeMap<(char, char), usize> = BTreeMap::new();
    let next_non_space = |i: usize| chars[i + 1..].iter().find(|c| !c.is_whitespace()).copied();
    for i in 0..chars.len() {
        let c = chars[i];
        let to = match c {
            '\u{ff10}'..='\u{ff19}' | '\u{ff21}'..='\u{ff3a}' | '\u{ff41}'..='\u{ff5a}' => {
                char::from_u32(c as u32 - 0xFF10 + 0x30)
            }
            ',' | ';' | '!' | '?' | ':' => {
                // look back in `out`: a ')' already converted counts as Chinese
                let p = out[..i].iter().rev().find(|c| !c.is_whitespace()).copied();
                let n = next_non_space(i);
                let digits =
                    p.is_some_and(|p| p.is_ascii_digit()) && n.is_some_and(|n| n.is_ascii_digit());
                if digits || !(chinese(p) || chinese(n)) {
                    None
                } else {
                    Some(full_width(c))
                }
            }
            '(' => {
                // the matching ')' on the line; convert both when the content is Chinese
                let close = chars[i + 1..]
                    .iter()
                    .position(|&x| x == ')' || x == '(')
                    .map(|p| p + i + 1);
                match close {
                    Some(j) if chars[j] == ')' && chars[i + 1..j].iter().any(|&x| is_han(x)) => {
                        out[j] = full_width(')');
                        *counts.entry((')', full_width(')'))).or_default() += 1;
                        Some(full_width('('))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(t) = to {
            out[i] = t;
            *counts.entry((c, t)).or_default() += 1;
        }
    }
    (out.into_iter().collect(), counts)
}

/// Normalise one line, recording one change per kind of replacement.
pub fn normalise_line(line: &mut Line, changes: &mut Vec<Change>) {
    if !line.text.contains([',', ';', '!', '?', ':', '(']) && line.text.is_ascii() {
        return;
    }
    let (text, counts) = normalise(&line.text);
    if counts.is_empty() {
        return;
    }
    for ((from, to), n) in counts {
        changes.push(Change {
            kind: ChangeKind::Punctuation,
            line: line.no,
            before: from.to_string(),
            after: to.to_string(),
            count: n,
        });
    }
    line.text = text;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> String {
        let mut l = Line {
            no: 1,
            text: s.into(),
        };
        normalise_line(&mut l, &mut Vec::new());
        l.text
    }

    #[test]
    fn chinese_context() {
        assert_eq!(
            run("共受理纠纷3起,调解成功3起。"),
            "共受理纠纷3起\u{ff0c}调解成功3起。"
        );
        assert_eq!(run("自然情况:被调查社区"), "自然情况\u{ff1a}被调查社区");
        assert_eq!(
            run("机房(东风路社区)联网"),
            "机房\u{ff08}东风路社区\u{ff09}联网"
        );
        assert_eq!(run("如何呢?带着问题"), "如何呢\u{ff1f}带着问题");
        assert_eq!(run("共\u{ff12}\u{ff10}\u{ff12}\u{ff13}人"), "共2023人");
    }

    #[test]
    fn records_changes() {
        let mut l = Line {
            no: 9,
            text: "甲,乙,丙:丁".into(),
        };
        let mut c = Vec::new();
        normalise_line(&mut l, &mut c);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].before.as_str(), c[0].count, c[0].line), (",", 2, 9));
        assert_eq!(c[1].before, ":");
    }

    #[test]
    fn numbers_and_latin_untouched() {
        for s in [
            "投入1,000万元,增长3.5%",
            "会议于10:30开始",
            "登录(58.com)查询",
            "(1)提高参与度",
            "a, b; c",
        ] {
            let want = s.replacen("万元,", "万元\u{ff0c}", 1);
            assert_eq!(run(s), want);
        }
    }
}
