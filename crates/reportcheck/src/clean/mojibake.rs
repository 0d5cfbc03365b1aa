//! GBK/UTF-8 mojibake: certain repairs (UTF-8 bytes that were read as GBK) are applied and recorded;
//! uncertain cases (GBK read one byte out of step, replacement characters, runs of rare
//! characters) are only detected, as findings with a suggested reading where one exists.

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

/// Decode `seg`'s GBK bytes shifted by one byte; `Some(text)` when that reads as common Chinese.
pub fn shifted_reading(seg: &str) -> Option<String> {
    let bytes = to_gbk(seg)?;
    if bytes.len() < 4 {
        return None;
    }
    let (s, _, _) = encoding_rs::GBK.decode(&bytes[1..]);
    let s = s.trim_end_matches('\u{fffd}').to_string();
    let han = s.chars().filter(|&c| is_han(c)).count();
    (han >= 5 && !s.contains('\u{fffd}') && s.chars().all(|c| is_han(c) && gb_class(c) == 1))
        .then_some(s)
}

const WINDOW: usize = 8;

/// Findings for mojibake that cannot be repaired with certainty.
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
        let run = &chars[start..i];
        check_run(line, run, out);
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
        return;
    }
    if run.len() < 6 {
        return;
    }
    let mut marked = vec![false; run.len()];
    let mut any = false;
    let w = WINDOW.min(run.len());
    for s in 0..=run.len() - w {
        let win: String = run[s..s + w].iter().collect();
        if common_ratio(&win) > 0.8 {
            continue;
        }
        if shifted_reading(&win).is_some() {
            marked[s..s + w].iter_mut().for_each(|m| *m = true);
            any = true;
        }
    }
    if !any {
        return;
    }
    let mut k = 0;
    while k < run.len() {
        if !marked[k] {
            k += 1;
            continue;
        }
        let s = k;
        while k < run.len() && marked[k] {
            k += 1;
        }
        let span: String = run[s..k].iter().collect();
        let guess = shifted_reading(&span).unwrap_or_default();
        out.push(Finding::new(
            Rule::Mojibake,
            line.no,
            span,
            format!("疑似 GBK 编码错位一个字节读取造成的乱码,无法确定原文;错位还原后可能为“{guess}”,请对照原件修改。"),
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
    fn flags_shifted_gbk() {
        let l = Line {
            no: 4,
            text: "他们?cè)诒救俗栽傅那疤嵯?签订协议".into(),
        };
        let mut f = Vec::new();
        detect_line(&l, &mut f);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].rule, Rule::Mojibake);
        assert_eq!(f[0].line, 4);
        assert!(f[0].message.contains("本人自愿的前提"), "{}", f[0].message);
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
