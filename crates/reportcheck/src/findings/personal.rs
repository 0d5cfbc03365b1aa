//! Personal data that must not appear in a public report: 18-digit ID numbers (GB 11643 checksum),
//! mobile numbers (1[3-9] + 9 digits), and named individuals in sensitive contexts (see [`super::names`]).

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Finding, Line, Rule};

/// GB 11643-1999 checksum of an 18-character ID number.
pub fn id_checksum_ok(id: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(&d, w)| (d - b'0') as u32 * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

fn digits_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\d{11,}[Xx]?").unwrap())
}

/// Personal data findings of one line.
pub fn check_line(line: &Line, out: &mut Vec<Finding>) {
    let text = &line.text;
    if text.bytes().filter(u8::is_ascii_digit).count() >= 11 {
        for m in digits_re().find_iter(text) {
            let s = m.as_str();
            if s.len() == 18 && id_checksum_ok(s) {
                out.push(Finding::new(
                    Rule::PersonalIdNumber,
                    line.no,
                    mask(s),
                    "含有居民身份证号码(校验位正确),公开报告中应删除或隐去。",
                ));
            } else if s.len() == 11
                && s.starts_with('1')
                && (b'3'..=b'9').contains(&s.as_bytes()[1])
            {
                out.push(Finding::new(
                    Rule::PersonalPhone,
                    line.no,
                    mask(s),
                    "含有手机号码,公开报告中应删除或隐去。",
                ));
            }
        }
    }
    super::names::check_line(line, out);
}

/// Show only the first 3 and last 2 characters of a number.
fn mask(s: &str) -> String {
    let n = s.len();
    format!("{}{}{}", &s[..3], "*".repeat(n - 5), &s[n - 2..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Vec<Rule> {
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
    fn ids_and_phones() {
        assert!(id_checksum_ok("11010519491231002X"));
        assert!(!id_checksum_ok("110105194912310021"));
        assert_eq!(
            run("身份证号11010519491231002X,电话13812345678"),
            [Rule::PersonalIdNumber, Rule::PersonalPhone]
        );
        assert!(run("身份证号110105194912310021").is_empty());
        assert!(run("座机02012345678,投入12345678901234元").is_empty());
    }

    #[test]
    fn named_people() {
        assert_eq!(
            run("社区矫正人员张建国每月报到"),
            [Rule::PersonalNamedPerson]
        );
        assert_eq!(run("居民李红梅系刑满释放人员"), [Rule::PersonalNamedPerson]);
        assert!(run("通过社区民警加强对矫正人员的教育").is_empty());
        assert!(run("社区矫正人员张某每月报到").is_empty());
        assert!(run("20xx年社区未发生居民群体上访事件").is_empty());
    }

    #[test]
    fn masks_numbers() {
        let mut f = Vec::new();
        check_line(
            &Line {
                no: 2,
                text: "电话13812345678".into(),
            },
            &mut f,
        );
        assert_eq!(f[0].snippet, "138******78");
    }
}
