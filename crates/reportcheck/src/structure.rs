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
    RE.get_or_init(|| Regex::new(r"((?:19|20)\d{2})(?:\D|$)").unwrap())
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
        .find_map(|l| {
            year_re()
                .captures(&l.text)
                .and_then(|c| c[1].parse().ok())
                .filter(|y| (1949..=2100).contains(y))
        })
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
}
