//! Figure extraction: every number (Arabic, or Chinese numerals attached to a unit) with its unit,
//! qualifier (余, 多, 近, 约, 超过, 以上 …), subject (the phrase before it) and line; 其中 sub-counts
//! are linked to their parent figure.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::model::Line;
use crate::text::{chinese_number, is_han};

/// One extracted figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Index in the report's figure list.
    pub id: usize,
    pub line: usize,
    /// What is counted, e.g. "受理各类纠纷".
    pub subject: String,
    /// The number as written, in Arabic digits (5 for "5万元").
    pub value: f64,
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub qualifier: Option<String>,
    /// The figure as written, e.g. "280余件".
    pub text: String,
    /// Year written before it in the same sentence ("2023", "20xx"), if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub year: Option<String>,
    /// For a 其中 sub-count: id of the figure it is part of.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parent: Option<usize>,
    /// Whether the figure follows 其中 (is a part of an earlier total).
    #[serde(default)]
    pub is_part: bool,
    /// Sentence number in the document (figures of one sentence share it).
    #[serde(skip)]
    pub sentence: usize,
    /// Byte offset of the figure in its cleaned line.
    #[serde(skip)]
    pub offset: usize,
    /// Whether the subject starts at the start of its clause (not right after another figure).
    #[serde(skip)]
    pub whole_subject: bool,
}

/// Units known to the extractor, longest first.
pub const UNITS: &[&str] = &[
    "万人次",
    "万平方米",
    "平方公里",
    "个百分点",
    "人次",
    "万人",
    "万户",
    "万元",
    "亿元",
    "千元",
    "平方米",
    "平米",
    "公顷",
    "公里",
    "千米",
    "小时",
    "万册",
    "%",
    "％",
    "‰",
    "元",
    "亩",
    "米",
    "人",
    "户",
    "起",
    "件",
    "次",
    "份",
    "个",
    "名",
    "家",
    "处",
    "栋",
    "幢",
    "间",
    "所",
    "支",
    "场",
    "期",
    "项",
    "条",
    "台",
    "辆",
    "张",
    "本",
    "册",
    "套",
    "座",
    "块",
    "种",
    "批",
    "位",
    "天",
    "岁",
    "吨",
    "篇",
    "盏",
    "部",
    "宗",
    "例",
    "对",
    "组",
];

/// Does `s` start with a unit of [`UNITS`] (or a count word such as 余/多)?
pub fn starts_with_unit(s: &str) -> bool {
    UNITS.iter().any(|u| s.starts_with(u))
}

/// Measurement dimension and factor to a base unit, so that 5万元 and 50000元 compare.
pub fn unit_scale(unit: &str) -> (&'static str, f64) {
    match unit {
        "元" => ("money", 1.0),
        "千元" => ("money", 1e3),
        "万元" => ("money", 1e4),
        "亿元" => ("money", 1e8),
        "人" | "名" | "位" => ("people", 1.0),
        "万人" => ("people", 1e4),
        "人次" => ("visits", 1.0),
        "万人次" => ("visits", 1e4),
        "户" => ("households", 1.0),
        "万户" => ("households", 1e4),
        "平方米" | "平米" => ("area", 1.0),
        "万平方米" => ("area", 1e4),
        "公顷" => ("area", 1e4),
        "平方公里" => ("area", 1e6),
        "亩" => ("area", 666.67),
        "%" | "％" => ("percent", 1.0),
        "件" | "起" | "宗" | "例" => ("cases", 1.0),
        _ => ("other", 1.0),
    }
}

impl Figure {
    /// Dimension of the unit ("people", "money" …) and the value in the base unit.
    pub fn base(&self) -> (&'static str, f64) {
        let (dim, f) = unit_scale(&self.unit);
        if dim == "other" {
            // "other" units only compare with the same unit
            return (leak_unit(&self.unit), self.value);
        }
        (dim, self.value * f)
    }
}

fn leak_unit(u: &str) -> &'static str {
    UNITS.iter().find(|x| **x == u).copied().unwrap_or("other")
}

fn figure_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let units = UNITS.join("|");
        Regex::new(&format!(
            r"(?P<pre>将近|大约|超过|多达|高达|不足|不到|近|约|逾|超)?(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|[零一二两三四五六七八九十百千]+)(?P<mid>余|多)?(?P<unit>{units})(?P<post>以上|左右|之多|多|余)?"
        ))
        .unwrap()
    })
}

fn year_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"((?:19|20)(?:\d{2}|[xX×]{2}|\*\*))\s*年(?:度)?(?:\d{1,2}月(?:\d{1,2}日)?)?")
            .unwrap()
    })
}

fn date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\d{1,2}月(?:\d{1,2}日)?|[上下]半年|截[至止]目前|截[至止]|目前").unwrap()
    })
}

const LEADING: &[&str] = &[
    "另有",
    "其中有",
    "其中",
    "共计",
    "合计",
    "总计",
    "共",
    "全年",
    "今年",
    "去年",
    "本年度",
    "本年",
    "年内",
    "同时",
    "另外",
    "此外",
    "并",
    "现有",
    "目前",
    "已",
    "先后",
    "还",
    "又",
    "和",
    "及",
    "以及",
    "其余",
    "年",
    "底",
    "末",
    "以来",
    "，",
    ",",
];
const TRAILING: &[&str] = &[
    "共有", "共计", "合计", "总计", "累计", "达到", "超过", "有", "为", "是", "达", "计", "共",
    "约", "近", "逾", "到", "了", "分别", "的",
];

fn trim_subject(s: &str) -> String {
    let mut t = s.trim_matches(|c: char| c.is_whitespace() || !(c.is_alphanumeric() || c == '*'));
    loop {
        let before = t;
        for p in LEADING {
            t = t.strip_prefix(p).unwrap_or(t);
        }
        for p in TRAILING {
            if t.chars().count() > p.chars().count() {
                t = t.strip_suffix(p).unwrap_or(t);
            }
        }
        t = t.trim_matches(|c: char| c.is_whitespace() || !(c.is_alphanumeric() || c == '*'));
        if t == before {
            break;
        }
    }
    t.to_string()
}

fn is_sentence_end(c: char) -> bool {
    matches!(
        c,
        '\u{3002}' | '\u{ff1b}' | '\u{ff01}' | '\u{ff1f}' | ';' | '!' | '?'
    )
}

fn is_clause_end(c: char) -> bool {
    is_sentence_end(c) || matches!(c, ',' | ':' | '(' | ')') || crate::text::is_cjk_punct(c)
}

/// Extract the figures of the given (cleaned) lines.
pub fn extract_figures(lines: &[Line]) -> Vec<Figure> {
    let mut out: Vec<Figure> = Vec::new();
    let mut sentence = 0usize;
    for line in lines {
        sentence += 1;
        extract_line(line, &mut sentence, &mut out);
    }
    out
}

fn extract_line(line: &Line, sentence: &mut usize, out: &mut Vec<Figure>) {
    let text = line.text.as_str();
    if !text.bytes().any(|b| b.is_ascii_digit())
        && !text.contains([
            '一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千', '无',
            '未', '没', '零',
        ])
    {
        return;
    }
    // sentence number and clause start of every byte offset
    let mut sent_at = Vec::with_capacity(text.len() + 1);
    let mut sent_start = Vec::with_capacity(text.len() + 1);
    let mut clause_start = Vec::with_capacity(text.len() + 1);
    let (mut s_no, mut s_start, mut c_start) = (*sentence, 0usize, 0usize);
    for (i, c) in text.char_indices() {
        for _ in 0..c.len_utf8() {
            sent_at.push(s_no);
            sent_start.push(s_start);
            clause_start.push(c_start);
        }
        if is_clause_end(c) {
            c_start = i + c.len_utf8();
        }
        if is_sentence_end(c) {
            s_no += 1;
            s_start = i + c.len_utf8();
        }
    }
    sent_at.push(s_no);
    sent_start.push(s_start);
    clause_start.push(c_start);
    *sentence = s_no;

    let first_of_line = out.len();
    let mut prev_end = 0usize;
    for caps in figure_re().captures_iter(text) {
        let whole = caps.get(0).unwrap();
        let num = caps.name("num").unwrap();
        let unit = caps.name("unit").unwrap().as_str();
        let before = text[..whole.start()].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '第' || c == '*') {
            continue;
        }
        let chinese = !num.as_str().as_bytes()[0].is_ascii_digit();
        let value = if chinese {
            match chinese_number(num.as_str()) {
                Some(v) if v >= 2.0 => v,
                _ => continue,
            }
        } else {
            match num.as_str().replace(',', "").parse::<f64>() {
                Ok(v) => v,
                Err(_) => continue,
            }
        };
        if chinese
            && (before.is_some_and(|c| matches!(c, '之' | '每' | '星' | '周'))
                || special::in_fixed_phrase(&text[num.start()..], before)
                || num
                    .as_str()
                    .chars()
                    .all(|c| matches!(c, '百' | '千' | '万')))
        {
            continue;
        }
        let start = whole.start();
        let seg_start = clause_start[start].max(prev_end.min(start));
        let raw = &text[seg_start..start];
        let year = year_re()
            .captures_iter(&text[sent_start[start]..start])
            .last()
            .map(|c| c[1].to_string());
        let stripped = date_re()
            .replace_all(&year_re().replace_all(raw, ""), "")
            .to_string();
        let mut subject = trim_subject(&stripped);
        let existential = raw.ends_with('有') || subject.is_empty();
        if existential || subject.chars().count() < 2 {
            let after: String = text[whole.end()..]
                .chars()
                .take_while(|&c| is_han(c))
                .take(8)
                .collect();
            if !after.is_empty() {
                subject.push_str(&after);
            }
        }
        if subject.chars().count() < 2 {
            // "其中男性120人,女性130人" keeps its subject; a bare "3人" borrows the clause's words
            subject = subject_of_clause(&text[sent_start[start]..start])
                .or_else(|| {
                    out[first_of_line..]
                        .last()
                        .filter(|f| f.sentence == sent_at[start])
                        .map(|f| f.subject.clone())
                })
                .unwrap_or(subject);
        }
        let qualifier = caps
            .name("pre")
            .or(caps.name("mid"))
            .or(caps.name("post"))
            .map(|m| m.as_str().to_string());
        prev_end = whole.end();
        let sent = sent_at[start];
        let id = out.len();
        // 其中: a part of an earlier total in this sentence (or the previous one)
        let s_text = &text[sent_start[start]..start];
        let qz = s_text.rfind("其中").map(|p| p + sent_start[start]);
        let mut fig = Figure {
            id,
            line: line.no,
            subject,
            value,
            unit: unit.to_string(),
            qualifier,
            text: whole.as_str().to_string(),
            year,
            parent: None,
            is_part: qz.is_some(),
            sentence: sent,
            offset: start,
            whole_subject: seg_start == clause_start[start],
        };
        if let Some(q) = qz {
            let q_start = q; // figures before this offset in the same sentence are candidate totals
            let before_q: Vec<&Figure> = out[first_of_line..]
                .iter()
                .filter(|f| {
                    (f.sentence == sent && f.offset < q_start)
                        || (f.sentence + 1 == sent && sent_start[start] == q)
                })
                .filter(|f| !f.is_part)
                .collect();
            let dim = fig.base().0;
            // the first figure after 其中 may count something else (35户 of 280件 问题);
            // later ones are parts only of a total of the same kind
            let first_after = !out[first_of_line..]
                .iter()
                .any(|f| f.sentence == sent && f.offset > q);
            fig.parent = before_q
                .iter()
                .rev()
                .find(|f| f.base().0 == dim)
                .or(if first_after { before_q.last() } else { None })
                .map(|f| f.id);
        }
        out.push(fig);
    }
    for z in special::zeros(text) {
        let id = out.len();
        out.push(Figure {
            id,
            line: line.no,
            subject: z.subject,
            value: 0.0,
            unit: z.unit.to_string(),
            qualifier: None,
            text: z.text,
            year: year_re()
                .captures_iter(&text[sent_start[z.start]..z.start])
                .last()
                .map(|c| c[1].to_string()),
            parent: None,
            is_part: false,
            sentence: sent_at[z.start],
            offset: z.start,
            whole_subject: false,
        });
    }
}

/// The Han words of a sentence before a figure, when its own subject is too short to name anything.
fn subject_of_clause(before: &str) -> Option<String> {
    let cut = before.rfind(is_clause_end).map_or("", |p| &before[..p]);
    let words: String = cut
        .chars()
        .rev()
        .skip_while(|c| !is_han(*c))
        .take_while(|c| is_han(*c))
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let s = trim_subject(&words);
    (s.chars().count() >= 2).then_some(s)
}

mod special;

#[cfg(test)]
mod tests;
