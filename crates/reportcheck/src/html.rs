//! Rendering of a [`Report`]: Markdown (CLI) and a plain, escaped HTML fragment (web page).
//! Punctuation changes are summarised in one row; all other changes are listed.

use std::fmt::Write;

use crate::model::{ChangeKind, Rule};
use crate::report::Report;

struct Table {
    title: &'static str,
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
    empty: &'static str,
}

fn tables(r: &Report, with_codes: bool) -> Vec<Table> {
    let findings = r
        .findings
        .iter()
        .map(|f| {
            let mut line = f.line.to_string();
            if let Some(rel) = f.related_line {
                let _ = write!(line, "(参见第{rel}行)");
            }
            vec![
                line,
                if with_codes {
                    format!("{}({})", f.rule.title(), f.rule.code())
                } else {
                    f.rule.title().to_string()
                },
                f.snippet.clone(),
                f.message.clone(),
            ]
        })
        .collect();
    let mut changes: Vec<Vec<String>> = r
        .changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Punctuation)
        .map(|c| {
            vec![
                c.line.to_string(),
                c.kind.title().into(),
                c.before.clone(),
                c.after.clone(),
                c.count.to_string(),
            ]
        })
        .collect();
    let punct: Vec<_> = r
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Punctuation)
        .collect();
    if !punct.is_empty() {
        let lines = {
            let mut v: Vec<usize> = punct.iter().map(|c| c.line).collect();
            v.dedup();
            v.len()
        };
        let total: usize = punct.iter().map(|c| c.count).sum();
        changes.push(vec![
            format!("{lines} 行"),
            ChangeKind::Punctuation.title().into(),
            "半角标点".into(),
            "全角标点".into(),
            total.to_string(),
        ]);
    }
    let figures = r
        .figures
        .iter()
        .map(|f| {
            vec![
                (f.id + 1).to_string(),
                f.line.to_string(),
                f.subject.clone(),
                f.text.clone(),
                f.qualifier.clone().unwrap_or_default(),
                f.parent
                    .map(|p| format!("第{}项的分项", p + 1))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let comparisons = r
        .comparisons
        .iter()
        .map(|c| {
            vec![
                c.line.to_string(),
                c.label.clone(),
                c.reported_text.clone(),
                c.system_text.clone(),
                c.difference.map(|d| format!("{d:+}")).unwrap_or_default(),
                if c.system.is_none() {
                    "—"
                } else if c.plausible {
                    "相符"
                } else {
                    "不符"
                }
                .into(),
            ]
        })
        .collect();
    let yoy = r
        .year_over_year
        .iter()
        .map(|y| {
            vec![
                y.subject.clone(),
                y.current.clone(),
                format!("{}({})", y.previous, y.previous_period),
                format!("{:+}", y.change),
            ]
        })
        .collect();
    vec![
        Table {
            title: "发现的问题",
            headers: &["行", "规则", "原文", "说明"],
            rows: findings,
            empty: "未发现问题。",
        },
        Table {
            title: "清理修改",
            headers: &["行", "类型", "修改前", "修改后", "次数"],
            rows: changes,
            empty: "无需清理。",
        },
        Table {
            title: "提取的数据",
            headers: &["序号", "行", "主题", "数据", "修饰", "所属"],
            rows: figures,
            empty: "未提取到数据。",
        },
        Table {
            title: "与系统数据对比",
            headers: &["行", "指标", "报告", "系统", "差值", "结论"],
            rows: comparisons,
            empty: "未与系统数据对比。",
        },
        Table {
            title: "与往年对比",
            headers: &["主题", "本期", "往期", "变化"],
            rows: yoy,
            empty: "无往年数据。",
        },
    ]
}

fn summary(r: &Report) -> Vec<String> {
    let count = |p: &str| {
        r.findings
            .iter()
            .filter(|f| f.rule.code().starts_with(p))
            .count()
    };
    vec![
        format!(
            "来源:{}",
            if r.source.is_empty() {
                "(粘贴文本)"
            } else {
                &r.source
            }
        ),
        format!("编码:{}", r.encoding),
        format!(
            "报告年份:{}",
            r.report_year
                .map(|y| format!("{y}年"))
                .unwrap_or_else(|| "未识别".into())
        ),
        format!(
            "行数:{},字数:{},篇数:{}",
            r.stats.lines, r.stats.characters, r.stats.sections
        ),
        format!(
            "问题:共 {} 处(占位符 {},重复 {},编号 {},日期 {},个人信息 {},数据矛盾 {},乱码 {})",
            r.findings.len(),
            count("placeholder"),
            count("duplicate"),
            count("numbering"),
            count("date"),
            count("personal"),
            count("figures"),
            r.findings
                .iter()
                .filter(|f| f.rule == Rule::Mojibake)
                .count()
        ),
        format!(
            "清理修改:{} 处;提取数据:{} 项",
            r.changes.len(),
            r.figures.len()
        ),
    ]
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown.
pub fn markdown(r: &Report) -> String {
    let mut out = String::from("# 报告检查结果\n\n");
    for s in summary(r) {
        let _ = writeln!(out, "- {s}");
    }
    for t in tables(r, true) {
        let _ = write!(out, "\n## {}\n\n", t.title);
        if t.rows.is_empty() {
            let _ = writeln!(out, "{}", t.empty);
            continue;
        }
        let _ = writeln!(out, "| {} |", t.headers.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(t.headers.len()));
        for row in &t.rows {
            let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    out
}

/// Escape text for HTML.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The report as a plain HTML fragment (no scripts or styles; all text escaped); rules by their Chinese
/// names (the codes stay in Markdown and JSON).
pub fn render_html_fragment(r: &Report) -> String {
    let mut out = String::from("<section class=\"report-check\">\n<h2>报告检查结果</h2>\n<ul>\n");
    for s in summary(r) {
        let _ = writeln!(out, "<li>{}</li>", escape(&s));
    }
    out.push_str("</ul>\n");
    for t in tables(r, false) {
        let _ = writeln!(out, "<h3>{}</h3>", escape(t.title));
        if t.rows.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", escape(t.empty));
            continue;
        }
        out.push_str("<table>\n<thead><tr>");
        for h in t.headers {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &t.rows {
            out.push_str("<tr>");
            for c in row {
                let _ = write!(out, "<td>{}</td>", escape(c));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
    out
}
