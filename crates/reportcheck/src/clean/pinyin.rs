//! Removal of pinyin annotations such as 服務(wù) or 區(qū): lowercase pinyin with tone marks
//! directly after a Han character or a Latin letter, in ASCII or full-width parentheses, and broken
//! fragments `?cè)` left where the annotated character was lost (its mark `?` stays). Real parentheses stay.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Change, ChangeKind, Line};

const TONED: &str = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ";

fn annotation() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(\p{Han}|[A-Za-z]|[?\x{ff1f}\x{fffd}][(\x{ff08}]?)[(\x{ff08}]?([a-zü āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]{1,24})[)\x{ff09}]")
            .unwrap()
    })
}

fn syllable() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(ü|v|[aeiou]{1,3})(ng|n|r)?$").unwrap()
    })
}

fn strip_tone(c: char) -> char {
    match c {
        'ā' | 'á' | 'ǎ' | 'à' => 'a',
        'ē' | 'é' | 'ě' | 'è' => 'e',
        'ī' | 'í' | 'ǐ' | 'ì' => 'i',
        'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
        'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
        'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'ü',
        'ń' | 'ň' | 'ǹ' => 'n',
        'ḿ' => 'm',
        c => c,
    }
}

/// Is `s` (the text inside the parentheses) a tone-marked pinyin annotation?
pub fn is_pinyin_annotation(s: &str) -> bool {
    if !s.chars().any(|c| TONED.contains(c)) {
        return false;
    }
    s.split(' ').filter(|w| !w.is_empty()).all(|w| {
        let plain: String = w.chars().map(strip_tone).collect();
        syllable().is_match(&plain) || plain == "ng" || plain == "m" || plain == "n"
    })
}

/// Remove pinyin annotations from one line.
pub fn strip_line(line: &mut Line, changes: &mut Vec<Change>) {
    if !line.text.contains([')', '\u{ff09}']) {
        return;
    }
    let re = annotation();
    let mut out = String::with_capacity(line.text.len());
    let mut last = 0;
    let mut removed = Vec::new();
    for caps in re.captures_iter(&line.text) {
        let inner = caps.get(2).unwrap();
        if !is_pinyin_annotation(inner.as_str()) {
            continue;
        }
        let han = caps.get(1).unwrap();
        // an opening parenthesis is needed, except after a lost character ("?cè)": the "(" went with it)
        let opened = line.text[han.end()..inner.start()].contains(['(', '\u{ff08}']);
        let lost = han.as_str().starts_with(['?', '\u{ff1f}', '\u{fffd}']);
        if !opened && !lost {
            continue;
        }
        // after a lost character only its mark stays
        let keep_end = if lost {
            han.start() + han.as_str().chars().next().unwrap().len_utf8()
        } else {
            han.end()
        };
        let whole = caps.get(0).unwrap();
        out.push_str(&line.text[last..keep_end]);
        last = whole.end();
        removed.push(whole.as_str().to_string());
    }
    if removed.is_empty() {
        return;
    }
    out.push_str(&line.text[last..]);
    let before = removed.join(" ");
    let after: String = removed
        .iter()
        .map(|r| r.chars().next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    changes.push(Change {
        kind: ChangeKind::Pinyin,
        line: line.no,
        before,
        after,
        count: removed.len(),
    });
    line.text = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> (String, Vec<Change>) {
        let mut l = Line {
            no: 1,
            text: s.into(),
        };
        let mut c = Vec::new();
        strip_line(&mut l, &mut c);
        (l.text, c)
    }

    #[test]
    fn removes_annotations() {
        let (t, c) = run("社區(qū)服務(wù)中心");
        assert_eq!(t, "社區服務中心");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].count, 2);
        assert_eq!(c[0].before, "區(qū) 務(wù)");
        assert_eq!(run("質(zhì)量(liàng)").0, "質量");
        // a broken fragment after a lost character, and an annotation after a Latin letter
        assert_eq!(run("他們?cè)诒救").0, "他們?诒救");
        assert_eq!(
            run("扫描二维码登录APP(ā pí pí)办理").0,
            "扫描二维码登录APP办理"
        );
        assert_eq!(run("居民?(mín)代表").0, "居民?代表");
    }

    #[test]
    fn keeps_real_parentheses() {
        for s in [
            "登录网站(58.com)查询",
            "他(她)应当",
            "(1)提高居民参与度",
            "(一)较好的方面",
            "办法(试行)",
            "社区建设的主要力量是(ngo)",
            "主任(zhu ren)",
        ] {
            let (t, c) = run(s);
            assert_eq!(t, s);
            assert!(c.is_empty(), "{s}");
        }
    }
}
