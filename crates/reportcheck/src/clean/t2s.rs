//! Traditional → simplified conversion with OpenCC's t2s dictionaries (pure-Rust `ferrous-opencc`).
//! Only lines that contain characters outside GB2312 (i.e. not simplified) are converted, so
//! ordinary simplified text (著名, 乾隆 …) is never touched; every changed character is recorded.

use std::sync::OnceLock;

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

use crate::model::{Change, ChangeKind, Line};
use crate::text::{gb_class, is_han};

fn converter() -> Option<&'static OpenCC> {
    static CC: OnceLock<Option<OpenCC>> = OnceLock::new();
    CC.get_or_init(|| OpenCC::from_config(BuiltinConfig::T2s).ok())
        .as_ref()
}

/// Convert a string from traditional to simplified characters (whole string, no checks).
pub fn to_simplified(s: &str) -> String {
    match converter() {
        Some(cc) => cc.convert(s),
        None => s.to_string(),
    }
}

fn is_traditional_candidate(c: char) -> bool {
    is_han(c) && gb_class(c) == 0
}

/// Convert one line when it holds traditional characters.
pub fn convert_line(line: &mut Line, changes: &mut Vec<Change>) {
    let trad = line
        .text
        .chars()
        .filter(|&c| is_traditional_candidate(c))
        .count();
    if trad == 0 {
        return;
    }
    let converted = to_simplified(&line.text);
    if converted == line.text {
        return;
    }
    let a: Vec<char> = line.text.chars().collect();
    let b: Vec<char> = converted.chars().collect();
    let (mut before, mut after) = (String::new(), String::new());
    let result = if a.len() == b.len() {
        // Mostly traditional lines take every conversion; mixed lines only the non-GB2312 characters.
        let take_all = trad >= 3;
        let mut out = String::with_capacity(line.text.len());
        for (&x, &y) in a.iter().zip(&b) {
            if x != y && (take_all || is_traditional_candidate(x)) {
                before.push(x);
                after.push(y);
                out.push(y);
            } else {
                out.push(x);
            }
        }
        out
    } else {
        for (x, y) in a.iter().zip(&b) {
            if x != y {
                before.push(*x);
                after.push(*y);
            }
        }
        converted
    };
    if before.is_empty() {
        return;
    }
    changes.push(Change {
        kind: ChangeKind::TradToSimp,
        line: line.no,
        count: before.chars().count(),
        before,
        after,
    });
    line.text = result;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> (String, Vec<Change>) {
        let mut l = Line {
            no: 3,
            text: s.into(),
        };
        let mut c = Vec::new();
        convert_line(&mut l, &mut c);
        (l.text, c)
    }

    #[test]
    fn known_sentences() {
        assert_eq!(
            run("社區服務中心為居民辦實事").0,
            "社区服务中心为居民办实事"
        );
        assert_eq!(run("他們在本人自願的前提下").0, "他们在本人自愿的前提下");
        assert_eq!(
            run("堅持以人民為中心的發展思想").0,
            "坚持以人民为中心的发展思想"
        );
        let (_, c) = run("社區服務");
        assert_eq!(c[0].before, "區務");
        assert_eq!(c[0].after, "区务");
        assert_eq!(c[0].line, 3);
    }

    #[test]
    fn simplified_untouched() {
        for s in ["著名的乾隆皇帝", "社区服务中心", "干部队伍建设"] {
            let (t, c) = run(s);
            assert_eq!(t, s);
            assert!(c.is_empty());
        }
    }
}
