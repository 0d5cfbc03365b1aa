//! GBK/UTF-8 mojibake: certain repairs are applied and recorded (UTF-8 bytes that were read as GBK;
//! GBK read one byte out of step where the shifted reading is far more likely, see [`shift`]);
//! uncertain cases are flagged with the best candidate, and so are replacement characters and runs
//! of rare characters.

pub mod model;
pub mod shift;

use crate::model::{Change, ChangeKind, Finding, Line, Rule};
use crate::text::{common_ratio, gb_class, head, is_han, to_gbk};

/// Try to undo "UTF-8 bytes decoded as GBK" on a segment; `Some(repaired)` only when certain.
pub fn repair_utf8_read_as_gbk(seg: &str) -> Option<String> {
    if seg.chars().count() < 2 || common_ratio(seg) >= 0.7 {
        return None;
    }
    let bytes = to_gbk(seg)?;
    let fixed = std::str::from_utf8(&bytes).ok()?;
    let plausible = fixed.chars().any(is_han)
        && fixed
            .chars()
            .all(|c| !c.is_control() && !('\u{e000}'..='\u{f8ff}').contains(&c) && c != '\u{fffd}')
        && common_ratio(fixed) >= 0.8
        && common_ratio(fixed) > common_ratio(seg) + 0.2;
    (plausible && fixed != seg).then(|| fixed.to_string())
}

/// Repair certain mojibake on one line: inside each non-ASCII run, spans whose GBK bytes form
/// valid UTF-8 that reads as common Chinese (and that themselves read badly) are replaced.
pub fn repair_line(line: &mut Line, changes: &mut Vec<Change>) {
    if line.text.is_ascii() || common_ratio(&line.text) > 0.9 {
        return;
    }
    let chars: Vec<char> = line.text.chars().collect();
    let mut out = String::with_capacity(line.text.len());
    let mut repaired = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match repair_at(&chars, i) {
            Some((end, fixed)) => {
                repaired.push((chars[i..end].iter().collect::<String>(), fixed.clone()));
                out.push_str(&fixed);
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    if repaired.is_empty() {
        return;
    }
    for (before, after) in repaired {
        changes.push(Change {
            kind: ChangeKind::Mojibake,
            line: line.no,
            before,
            after,
            count: 1,
        });
    }
    line.text = out;
}

/// The longest span starting at `i` that is UTF-8 read as GBK: `(end, repaired text)`.
fn repair_at(chars: &[char], i: usize) -> Option<(usize, String)> {
    let first = to_gbk(&chars[i].to_string())?;
    if first.len() != 2 || !matches!(first[0], 0xE3..=0xE9 | 0xEF) {
        return None;
    }
    let mut bytes = Vec::new();
    let mut bounds = Vec::new(); // (byte length, char end index)
    for (k, c) in chars.iter().enumerate().skip(i).take(200) {
        if c.is_ascii() {
            break;
        }
        let Some(b) = to_gbk(&c.to_string()) else {
            break;
        };
        bytes.extend_from_slice(&b);
        bounds.push((bytes.len(), k + 1));
    }
    let valid = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    };
    for &(len, end) in bounds.iter().rev() {
        if len > valid || end - i < 2 {
            continue;
        }
        let seg: String = chars[i..end].iter().collect();
        if let Some(fixed) = repair_utf8_read_as_gbk(&seg) {
            return Some((end, fixed));
        }
    }
    None
}

/// Repair (where certain) or flag GBK read one byte out of step on one line (see [`shift`]). The
/// repaired and flagged texts, with a lost-character mark (`?`) beside them, are pushed to `protect`:
/// later cleaning steps leave them alone.
pub fn repair_shifted(
    line: &mut Line,
    changes: &mut Vec<Change>,
    findings: &mut Vec<Finding>,
    protect: &mut Vec<String>,
) {
    let suspects = shift::suspects(&line.text);
    if suspects.is_empty() {
        return;
    }
    let text = std::mem::take(&mut line.text);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for s in suspects {
        if s.start < last {
            continue;
        }
        out.push_str(&text[last..s.start]);
        let span = &text[s.start..s.end];
        let kept = if s.certain {
            changes.push(Change {
                kind: ChangeKind::Mojibake,
                line: line.no,
                before: span.to_string(),
                after: s.candidate.clone(),
                count: 1,
            });
            s.candidate.as_str()
        } else {
            findings.push(Finding::new(
                Rule::Mojibake,
                line.no,
                head(span, 30),
                format!(
                    "疑似 GBK 编码错位一个字节读取造成的乱码,无法确定原文;错位还原后最可能为“{}”,请对照原件修改。",
                    s.candidate
                ),
            ));
            span
        };
        let before = lost_mark_before(&text[..s.start]);
        let after = text[s.end..].chars().next().filter(|&c| is_lost_mark(c));
        protect.push(format!(
            "{}{kept}{}",
            before.map(String::from).unwrap_or_default(),
            after.map(String::from).unwrap_or_default()
        ));
        out.push_str(kept);
        last = s.end;
    }
    out.push_str(&text[last..]);
    line.text = out;
}

/// The lost-character mark right before a span, also across a broken pinyin fragment ("?cè)").
fn lost_mark_before(pre: &str) -> Option<char> {
    let last = pre.chars().next_back()?;
    if is_lost_mark(last) {
        return Some(last);
    }
    let p = pre.strip_suffix([')', '\u{ff09}'])?;
    let p = p.trim_end_matches(|c: char| {
        c.is_ascii_lowercase() || c == ' ' || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü".contains(c)
    });
    let p = p.strip_suffix(['(', '\u{ff08}']).unwrap_or(p);
    p.chars().next_back().filter(|&c| is_lost_mark(c))
}

fn is_lost_mark(c: char) -> bool {
    matches!(c, '?' | '\u{ff1f}' | '\u{fffd}')
}

/// Findings for mojibake that cannot be repaired: replacement characters, runs of rare characters.
pub fn detect_line(line: &Line, out: &mut Vec<Finding>) {
    let text = &line.text;
    if text.is_ascii() {
        return;
    }
    if let Some(pos) = text.find('\u{fffd}') {
        out.push(Finding::new(
            Rule::Mojibake,
            line.no,
            crate::text::excerpt(text, pos, pos + 3, 8),
            "含有替换字符“\u{fffd}”,原文在编码转换中已损坏,请对照原件核对。",
        ));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_han(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_han(chars[i]) {
            i += 1;
        }
        check_run(line, &chars[start..i], out);
    }
}

fn check_run(line: &Line, run: &[char], out: &mut Vec<Finding>) {
    // rare (non-GB2312) characters left after traditional→simplified conversion
    let rare = run.iter().filter(|&&c| gb_class(c) == 0).count();
    if run.len() >= 3 && rare * 2 >= run.len() {
        let s: String = run.iter().collect();
        out.push(Finding::new(
            Rule::Mojibake,
            line.no,
            head(&s, 20),
            "连续出现大量生僻字,疑似编码错误造成的乱码,无法自动修复,请对照原件核对。",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf8_as_gbk(s: &str) -> String {
        encoding_rs::GBK.decode(s.as_bytes()).0.into_owned()
    }

    #[test]
    fn repairs_utf8_read_as_gbk() {
        let garbled = utf8_as_gbk("社区服务");
        assert_ne!(garbled, "社区服务");
        let mut l = Line {
            no: 7,
            text: format!("2023年{garbled}工作"),
        };
        let mut c = Vec::new();
        repair_line(&mut l, &mut c);
        assert_eq!(l.text, "2023年社区服务工作");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].after, "社区服务");
        assert_eq!(c[0].line, 7);
    }

    #[test]
    fn leaves_good_text() {
        for s in ["社区服务中心为居民办实事", "社區服務中心", "诒救俗栽"] {
            let mut l = Line {
                no: 1,
                text: s.into(),
            };
            let mut c = Vec::new();
            repair_line(&mut l, &mut c);
            assert_eq!(l.text, s);
        }
    }

    #[test]
    fn repairs_shifted_gbk_and_protects_it() {
        let mut l = Line {
            no: 4,
            text: "他们?cè)诒救俗栽傅那疤嵯?签订协议".into(),
        };
        let (mut c, mut f, mut p) = (Vec::new(), Vec::new(), Vec::new());
        repair_shifted(&mut l, &mut c, &mut f, &mut p);
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(c.len(), 1);
        assert!(l.text.contains("本人自愿的前提"), "{}", l.text);
        assert!(
            p[0].contains("本人自愿的前提") && p[0].ends_with('?'),
            "{p:?}"
        );
    }

    #[test]
    fn normal_text_not_flagged() {
        let l = Line {
            no: 1,
            text: "社区充分发挥调解委员会作用,依照及时排查各负其责工作在前预防为主的工作原则加强组织协调".into(),
        };
        let mut f = Vec::new();
        detect_line(&l, &mut f);
        assert!(f.is_empty(), "{f:?}");
    }
}
