//! Work-report templates: text with live fields. A template is lines of prose; `#` starts a heading; a field
//! `{{…}}` is replaced by a figure computed from the records when the report is generated:
//!
//! | field | writes |
//! |---|---|
//! | `{{cases.disputes}}` | the value with its unit: 4起, 100%, 无数据 |
//! | `{{cases.closed 约数}}` | rounded as reports write it: 280余件 (exact below 20) |
//! | `{{cases.closed 数值}}` | the number alone: 283 |
//! | `{{cases.received 上年}}` | the same period a year earlier |
//! | `{{cases.received 同比}}` | 同比增长12.5% / 同比下降8% / 与上年同期持平 / 上年同期无数据 |
//! | `{{范围}}` `{{期间}}` `{{上年期间}}` | the unit's name, the period (2025年第一季度) |
//!
//! A line that is one block field becomes a table or a chart:
//! `{{表格 a b c}}` (指标 / 本期 / 上年同期 / 同比), `{{柱状图 a b c}}`, `{{饼图 a b c}}`, `{{折线图 a b}}` (month by
//! month over the period), `{{计划 a=300 b=15}}` (this period's result beside next period's target),
//! `{{问卷 DC2026-00012}}` (a survey of the unit: responses, response rate and a table of its choice questions).
//!
//! [`parse`] checks every field against the indicator catalogue and refuses a bad one with its line number,
//! before anything is computed; it also refuses a figure typed by hand ("共受理12起") — figures are computed,
//! never typed.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::reports::catalog::catalog;

/// A parsed template: its lines, each prose or a block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub lines: Vec<Line>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    Heading { level: u8, parts: Vec<Part> },
    Para { parts: Vec<Part> },
    Block { block: BlockField },
}

/// A piece of a prose line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    Text { text: String },
    Field { field: Field },
}

/// An inline field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Field {
    Scope,
    Period,
    PreviousPeriod,
    Figure { code: String, form: Form },
}

/// How an inline figure is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// 4起
    Value,
    /// 280余件
    Rounded,
    /// 283
    Number,
    /// last year's value: 3起
    PreviousYear,
    /// 同比增长12.5%
    YearOverYear,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Bar,
    Pie,
    Line,
}

/// A field that stands on a line of its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockField {
    Table {
        codes: Vec<String>,
    },
    Chart {
        kind: ChartKind,
        codes: Vec<String>,
    },
    Plan {
        targets: Vec<(String, f64)>,
    },
    /// A survey's results (by its number, DC2026-00012): a sentence with the responses and the response
    /// rate, and a table of every choice question's counts and shares.
    Survey {
        number: String,
    },
}

/// Units an indicator may have: a number followed by one of them in prose is a typed figure.
const UNITS: &[&str] = &[
    "人次", "人", "户", "起", "件", "次", "处", "%", "万元", "元", "个", "家", "份",
];

/// Parses and checks a template; the first bad line is refused with its number.
pub fn parse(source: &str) -> Result<Template> {
    if source.chars().count() > 100_000 {
        return Err(Error::invalid("模板", "模板不能超过100,000字"));
    }
    let mut lines = Vec::new();
    for (i, raw) in source.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |msg: String| Error::invalid("模板", format!("第{n}行:{msg}"));
        if let Some(inner) = whole_field(line) {
            if let Some(block) = block_field(inner).map_err(bad)? {
                lines.push(Line::Block { block });
                continue;
            }
        }
        let (level, text) = heading(line);
        let parts = inline(text).map_err(bad)?;
        lines.push(match level {
            0 => Line::Para { parts },
            l => Line::Heading { level: l, parts },
        });
    }
    Ok(Template { lines })
}

/// `## 标题` → (2, "标题").
fn heading(line: &str) -> (u8, &str) {
    let level = line.chars().take_while(|c| *c == '#').count();
    if level == 0 || level > 3 {
        return (0, line);
    }
    (level as u8, line[level..].trim())
}

/// The inside of a line that is exactly one `{{…}}`.
fn whole_field(line: &str) -> Option<&str> {
    let inner = line.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then_some(inner.trim())
}

fn known(code: &str) -> std::result::Result<(), String> {
    if catalog().indicator(code).is_ok() {
        Ok(())
    } else {
        Err(format!("没有指标“{code}”(指标目录见“指标”页)"))
    }
}

fn block_field(inner: &str) -> std::result::Result<Option<BlockField>, String> {
    let mut words = inner.split_whitespace();
    let Some(head) = words.next() else {
        return Ok(None);
    };
    let rest: Vec<&str> = words.collect();
    let codes = |rest: &[&str]| -> std::result::Result<Vec<String>, String> {
        if rest.is_empty() {
            return Err(format!("“{head}”后面要写至少一个指标代码"));
        }
        if rest.len() > 20 {
            return Err(format!("“{head}”最多列20个指标"));
        }
        rest.iter()
            .map(|c| known(c).map(|_| c.to_string()))
            .collect()
    };
    let chart = |kind| -> std::result::Result<Option<BlockField>, String> {
        Ok(Some(BlockField::Chart {
            kind,
            codes: codes(&rest)?,
        }))
    };
    match head {
        "表格" => Ok(Some(BlockField::Table {
            codes: codes(&rest)?,
        })),
        "柱状图" => chart(ChartKind::Bar),
        "饼图" => chart(ChartKind::Pie),
        "折线图" => chart(ChartKind::Line),
        "问卷" => match rest.as_slice() {
            [n] if n.starts_with("DC")
                && n.len() <= 40
                && n[2..].chars().all(|c| c.is_ascii_digit() || c == '-') =>
            {
                Ok(Some(BlockField::Survey {
                    number: n.to_string(),
                }))
            }
            _ => Err("“问卷”后面写一个问卷编号,如 {{问卷 DC2026-00012}}".into()),
        },
        "计划" => {
            if rest.is_empty() {
                return Err("“计划”后面要写“指标代码=目标”".into());
            }
            let mut targets = Vec::new();
            for w in &rest {
                let (code, target) = w
                    .split_once('=')
                    .ok_or_else(|| format!("“{w}”应写作“指标代码=目标”"))?;
                known(code)?;
                let t: f64 = target
                    .parse()
                    .ok()
                    .filter(|t: &f64| t.is_finite() && *t >= 0.0)
                    .ok_or_else(|| format!("“{w}”的目标应为非负数"))?;
                targets.push((code.to_string(), t));
            }
            Ok(Some(BlockField::Plan { targets }))
        }
        _ => Ok(None),
    }
}

/// Splits a prose line into text and fields.
fn inline(text: &str) -> std::result::Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let before = &rest[..start];
        typed_figure(before)?;
        if !before.is_empty() {
            parts.push(Part::Text {
                text: before.to_string(),
            });
        }
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("“{{”没有对应的“}}”")?;
        parts.push(Part::Field {
            field: field(after[..end].trim())?,
        });
        rest = &after[end + 2..];
    }
    if rest.contains("}}") {
        return Err("“}}”没有对应的“{{”".into());
    }
    typed_figure(rest)?;
    if !rest.is_empty() {
        parts.push(Part::Text {
            text: rest.to_string(),
        });
    }
    Ok(parts)
}

fn field(inner: &str) -> std::result::Result<Field, String> {
    let mut words = inner.split_whitespace();
    let code = words.next().ok_or("“{{}}”里没有写字段")?;
    let opt = words.next();
    if words.next().is_some() {
        return Err(format!(
            "字段“{inner}”只能带一个写法(约数、数值、上年、同比)"
        ));
    }
    match (code, opt) {
        ("范围", None) => return Ok(Field::Scope),
        ("期间", None) => return Ok(Field::Period),
        ("上年期间", None) => return Ok(Field::PreviousPeriod),
        ("表格" | "柱状图" | "饼图" | "折线图" | "计划" | "问卷", _) => {
            return Err(format!("“{code}”要单独写一行"));
        }
        _ => {}
    }
    known(code)?;
    let form = match opt {
        None => Form::Value,
        Some("约数") => Form::Rounded,
        Some("数值") => Form::Number,
        Some("上年") => Form::PreviousYear,
        Some("同比") => Form::YearOverYear,
        Some(o) => {
            return Err(format!(
                "字段“{code}”的写法“{o}”不认识(可用:约数、数值、上年、同比)"
            ))
        }
    };
    Ok(Field::Figure {
        code: code.to_string(),
        form,
    })
}

/// Refuses a figure typed into the prose: digits followed by a unit (12起, 95%).
fn typed_figure(text: &str) -> std::result::Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let tail: String = chars[i..].iter().take(2).collect();
            if let Some(u) = UNITS.iter().find(|u| tail.starts_with(*u)) {
                let typed: String = chars[start..i].iter().collect();
                return Err(format!(
                    "“{typed}{u}”是手写的数字;报告中的数字由字段计算(如 {{{{cases.disputes}}}}),请改用字段"
                ));
            }
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// Every indicator code a template uses (to compute them once).
pub fn codes(t: &Template) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    };
    for line in &t.lines {
        match line {
            Line::Heading { parts, .. } | Line::Para { parts } => {
                for p in parts {
                    if let Part::Field {
                        field: Field::Figure { code, .. },
                    } = p
                    {
                        add(code);
                    }
                }
            }
            Line::Block { block } => match block {
                BlockField::Table { codes } | BlockField::Chart { codes, .. } => {
                    codes.iter().for_each(|c| add(c))
                }
                BlockField::Plan { targets } => targets.iter().for_each(|(c, _)| add(c)),
                BlockField::Survey { .. } => {}
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_blocks_and_headings_parse() {
        let t = parse(
            "# 一、基本情况\n\n{{范围}}{{期间}}受理矛盾纠纷{{cases.disputes}},{{cases.disputes 同比}}。\n{{表格 cases.disputes cases.mediated_ok}}\n{{饼图 hazards.found hazards.rectified}}\n{{计划 cases.received=300}}",
        )
        .unwrap();
        assert_eq!(t.lines.len(), 5);
        assert!(matches!(&t.lines[0], Line::Heading { level: 1, .. }));
        let Line::Para { parts } = &t.lines[1] else {
            panic!()
        };
        assert_eq!(parts.len(), 7);
        assert_eq!(parts[6], Part::Text { text: "。".into() });
        assert!(matches!(
            &t.lines[3],
            Line::Block {
                block: BlockField::Chart {
                    kind: ChartKind::Pie,
                    ..
                }
            }
        ));
        assert_eq!(
            codes(&t),
            vec![
                "cases.disputes",
                "cases.mediated_ok",
                "hazards.found",
                "hazards.rectified",
                "cases.received"
            ]
        );
    }

    #[test]
    fn a_bad_field_is_refused_with_its_line() {
        let e = parse("# 标题\n共{{cases.nonsense}}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("第2行") && e.contains("cases.nonsense"), "{e}");
        let e = parse("一\n二\n受理{{cases.disputes 大约}}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("第3行") && e.contains("大约"), "{e}");
        let e = parse("受理{{cases.disputes").unwrap_err().to_string();
        assert!(e.contains("第1行"), "{e}");
        let e = parse("{{柱状图}}").unwrap_err().to_string();
        assert!(e.contains("柱状图"), "{e}");
    }

    #[test]
    fn typed_figures_are_refused() {
        let e = parse("全年调解纠纷12起。").unwrap_err().to_string();
        assert!(e.contains("12起"), "{e}");
        assert!(parse("2025年工作总结,第3网格").is_ok());
        assert!(parse("满意率95%").is_err());
    }
}
