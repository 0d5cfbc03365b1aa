//! Document structure: sections ("第N篇" / "【第一篇】" separators of compiled documents) and the
//! report year of each section, detected from its title lines ("2023社区建设工作报告", "2023年…").

use std::sync::OnceLock;

use regex::Regex;

use crate::model::Line;

/// A run of lines `[start, end)` (indices into the line slice) that is one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub start: usize,
    pub end: usize,
    pub year: Option<i32>,
}

fn separator() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^\s*第\s*[0-9一二三四五六七八九十]+\s*篇|【第[0-9一二三四五六七八九十]+篇】\s*$",
        )
        .unwrap()
    })
}

fn year_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?:19|20)\d{2}").unwrap())
}

/// What may follow a four-digit number for it to be a year: 年, a date separator and digit, the end,
/// a space or a Han character that starts no unit or count word ("2023社区…" but not "2000余份").
fn is_year_at(text: &str, start: usize, end: usize) -> bool {
    if text[..start]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_digit())
    {
        return false;
    }
    let rest = &text[end..];
    let mut it = rest.chars();
    let Some(next) = it.next() else {
        return true;
    };
    match next {
        '年' => true,
        '-' | '.' | '/' | '／' | '－' => it.next().is_some_and(|c| c.is_ascii_digit()),
        c if c.is_whitespace() => !crate::figures::starts_with_unit(rest.trim_start()),
        c if crate::text::is_han(c) => {
            !matches!(c, '余' | '多' | '万' | '千' | '亿' | '以' | '左' | '之')
                && !crate::figures::starts_with_unit(rest)
        }
        '—' | '–' | '~' | '～' | ')' | '）' | '】' | ']' => true,
        _ => false,
    }
}

/// The first year written in `text` (a "20xx年" pattern, a date or a heading's leading year), never a
/// count with a unit.
pub fn year_in(text: &str) -> Option<i32> {
    year_re()
        .find_iter(text)
        .filter(|m| is_year_at(text, m.start(), m.end()))
        .find_map(|m| m.as_str().parse().ok())
        .filter(|y| (1949..=2100).contains(y))
}

/// Is this line a separator between documents ("第3篇 …")?
pub fn is_separator(text: &str) -> bool {
    separator().is_match(text)
}

/// First plausible year in the first lines of `lines` (title, date line).
pub fn detect_year(lines: &[Line]) -> Option<i32> {
    lines
        .iter()
        .filter(|l| !l.text.trim().is_empty())
        .take(3)
        .find_map(|l| year_in(&l.text))
}

/// Split the document into sections; a document without separators is one section.
pub fn sections(lines: &[Line]) -> Vec<Section> {
    let mut starts: Vec<usize> = vec![0];
    for (i, l) in lines.iter().enumerate() {
        if i > 0 && is_separator(&l.text) {
            starts.push(i);
        }
    }
    let mut out = Vec::new();
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(lines.len());
        out.push(Section {
            start: s,
            end: e,
            year: detect_year(&lines[s..e]),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::split_lines;

    #[test]
    fn years_and_sections() {
        let lines = split_lines("第1篇 2023社区建设工作报告\n正文\n第2篇 社区工作计划\n2021年3月\n正文\n社区调查报告【第一篇】\n正文");
        let s = sections(&lines);
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].start, s[0].end, s[0].year), (0, 2, Some(2023)));
        assert_eq!(s[1].year, Some(2021));
        assert_eq!(s[2].year, None);
        assert_eq!(
            detect_year(&split_lines("1.2022社区建设工作报告")),
            Some(2022)
        );
    }

    #[test]
    fn counts_are_not_years() {
        for (s, y) in [
            ("共发放问卷2000余份", None),
            ("社区居民2000人,2023年工作总结", Some(2023)),
            ("发放宣传资料2000份", None),
            ("2000 份问卷", None),
            ("报告日期:2023-12-05", Some(2023)),
            ("2022.12", Some(2022)),
            ("2023社区工作报告", Some(2023)),
            ("2024", Some(2024)),
            ("投入12023元", None),
            ("（2021—2023年）", Some(2021)),
        ] {
            assert_eq!(year_in(s), y, "{s}");
        }
        assert_eq!(
            detect_year(&split_lines(
                "社区问卷调查报告\n本次调查发放问卷2000余份\n2021年3月"
            )),
            Some(2021)
        );
    }
}
