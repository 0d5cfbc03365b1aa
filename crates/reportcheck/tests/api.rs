//! End-to-end tests of the public API on texts written for the test.

use std::io::Write;

use reportcheck::{
    check_bytes, check_text, figures_xlsx, render_html_fragment, ChangeKind, Mapping, MemorySource,
    Options, Period, Rule,
};

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", opts).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#)
        .unwrap();
    zip.start_file("word/document.xml", opts).unwrap();
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    for p in paragraphs {
        // split each paragraph into two runs to check that runs are joined
        let mid = p
            .char_indices()
            .nth(p.chars().count() / 2)
            .map(|(i, _)| i)
            .unwrap_or(0);
        xml.push_str(&format!(
            "<w:p><w:r><w:t>{}</w:t></w:r><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
            &p[..mid].replace('&', "&amp;"),
            &p[mid..].replace('&', "&amp;")
        ));
    }
    xml.push_str("<w:p/></w:body></w:document>");
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap();
    buf.into_inner()
}

const SAMPLE: &str = "2023年**社区工作报告\n一、基本情况\n20xx年共受理各类纠纷3起,调解成功3起。全年为居民解决实际问题280余件,其中帮扶困难家庭35户。\n三、下一步打算\n热线满意率达%。";

#[test]
fn docx_input() {
    let paras: Vec<&str> = SAMPLE.lines().collect();
    let r = check_bytes(&docx(&paras), "报告.docx").unwrap();
    assert_eq!(r.encoding, "DOCX");
    assert_eq!(r.report_year, Some(2023));
    let got: Vec<(Rule, usize)> = r.findings.iter().map(|f| (f.rule, f.line)).collect();
    assert_eq!(
        got,
        [
            (Rule::PlaceholderStars, 1),
            (Rule::PlaceholderYear, 3),
            (Rule::NumberingSkip, 4),
            (Rule::PlaceholderMissingNumber, 5)
        ]
    );
    assert_eq!(r.figures.len(), 4);
    assert!(check_bytes(b"PK\x03\x04broken", "x.docx")
        .unwrap_err()
        .to_string()
        .contains("Word"));
}

#[test]
fn gbk_input_gives_same_findings() {
    let gbk = encoding_rs::GBK.encode(SAMPLE).0.into_owned();
    let a = check_bytes(&gbk, "report.txt").unwrap();
    let b = check_text(SAMPLE, &Options::default());
    assert_eq!(a.encoding, "GBK");
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.cleaned_text, b.cleaned_text);
}

#[test]
fn web_text_is_cleaned_with_every_change_listed() {
    let text = "來源:某網站\n社區(qū)服務(wù)中心堅持開展?兩率一度?宣傳\n登录网站(58.com)查询,他(她)可以参加。\n13位用户关注";
    let r = check_text(text, &Options::default());
    let lines: Vec<&str> = r.cleaned_text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0], "社区服务中心坚持开展“两率一度”宣传");
    assert!(lines[1].contains("(58.com)"));
    assert!(lines[1].contains("她"));
    assert_eq!(r.line_numbers, [2, 3]);
    let kinds: Vec<(ChangeKind, usize)> = r.changes.iter().map(|c| (c.kind, c.line)).collect();
    assert!(kinds.contains(&(ChangeKind::Boilerplate, 1)));
    assert!(kinds.contains(&(ChangeKind::Boilerplate, 4)));
    assert!(kinds.contains(&(ChangeKind::Pinyin, 2)));
    assert!(kinds.contains(&(ChangeKind::TradToSimp, 2)));
    assert!(kinds.contains(&(ChangeKind::Quotes, 2)));
    let pinyin = r
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::Pinyin)
        .unwrap();
    assert_eq!(pinyin.before, "區(qū) 務(wù)");
    let t2s = r
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::TradToSimp && c.line == 2)
        .unwrap();
    assert!(t2s.before.contains('區') && t2s.after.contains('区'));
}

#[test]
fn shifted_gbk_is_repaired_and_left_alone() {
    let r = check_text("他們?cè)诒救俗栽傅那疤嵯?签订协议", &Options::default());
    assert!(
        r.cleaned_text.starts_with("他们?本人自愿的前提?签订协议"),
        "{}",
        r.cleaned_text
    );
    let c: Vec<_> = r
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Mojibake)
        .collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].before, "诒救俗栽傅那疤嵯");
    assert!(r.changes.iter().all(|c| c.kind != ChangeKind::Quotes));
}

#[test]
fn personal_data() {
    let r = check_text(
        "2023年工作报告\n联系人电话13812345678。\n社区矫正人员张建国按时报到。",
        &Options::default(),
    );
    let got: Vec<(Rule, usize)> = r.findings.iter().map(|f| (f.rule, f.line)).collect();
    assert_eq!(
        got,
        [(Rule::PersonalPhone, 2), (Rule::PersonalNamedPerson, 3)]
    );
    assert!(r
        .findings
        .iter()
        .all(|f| !f.snippet.contains("13812345678")));
}

#[test]
fn outputs_and_comparison() {
    let mut r = check_text(
        SAMPLE,
        &Options {
            source_name: "a<b>.txt".into(),
            ..Options::default()
        },
    );
    let src = MemorySource::default().with("cases.closed", "c1", 263.0);
    r.compare_with(&Mapping::default(), &src, "c1", &Period::year(2023));
    let closed = r
        .comparisons
        .iter()
        .find(|c| c.code == "cases.closed")
        .unwrap();
    assert_eq!(closed.summary, "报告 280余件 / 系统 263件(相差 +17)");
    assert!(!closed.plausible);
    let md = r.to_markdown();
    for h in [
        "# 报告检查结果",
        "## 发现的问题",
        "## 清理修改",
        "## 提取的数据",
        "## 与系统数据对比",
        "placeholder.year",
    ] {
        assert!(md.contains(h), "{h}");
    }
    let html = render_html_fragment(&r);
    assert!(html.contains("a&lt;b&gt;.txt") && !html.contains("a<b>"));
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["findings"][0]["rule"], "placeholder.stars");
    assert_eq!(json["figures"][3]["parent"], 2);
    let xlsx = figures_xlsx(&r.figures);
    assert!(xlsx.starts_with(b"PK"));
    let h = r.to_history("c1", Period::year(2023));
    let back = reportcheck::History::from_json(&h.to_json()).unwrap();
    assert_eq!(
        (back.scope.as_str(), back.source.as_str(), &back.period),
        ("c1", "a<b>.txt", &h.period)
    );
    let brief =
        |f: &reportcheck::Figure| (f.line, f.subject.clone(), f.value, f.unit.clone(), f.parent);
    assert_eq!(
        back.figures.iter().map(brief).collect::<Vec<_>>(),
        h.figures.iter().map(brief).collect::<Vec<_>>()
    );
}

#[test]
fn report_year_from_years_not_counts_and_given_year_wins() {
    let text = "社区问卷调查报告\n本次共发放问卷2000余份,回收1900份。\n全年未发生重大安全事故。\n迎奥运志愿服务开展良好。";
    let r = check_text(text, &Options::default());
    assert_eq!(r.report_year, None);
    assert!(
        r.findings.iter().all(|f| !f.message.contains("2000 年")),
        "{:?}",
        r.findings
    );
    // a given year is the year of every section, even one whose heading says otherwise
    let opts = Options {
        report_year: Some(2023),
        ..Options::default()
    };
    let r = check_text("2008年社区工作总结\n迎奥运志愿服务开展良好。", &opts);
    assert_eq!(r.report_year, Some(2023));
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == Rule::DateEvent && f.line == 2),
        "{:?}",
        r.findings
    );
}

#[test]
fn cleaned_text_as_docx_and_html() {
    let r = check_text(
        "2023年社区工作报告\n社區(qū)服务,开展?四个一?活动\n他們?cè)诒救俗栽傅那疤嵯?签订协议",
        &Options::default(),
    );
    // the .docx reads back (through the check's own .docx reader) as the cleaned text
    let docx = reportcheck::cleaned_docx(&r);
    let back = reportcheck::decode_bytes(&docx, "cleaned.docx").unwrap();
    assert_eq!(back.text.trim_end(), r.cleaned_text.trim_end());
    let xml = {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&docx)).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut s)
            .unwrap();
        s
    };
    assert!(
        xml.contains("<w:highlight w:val=\"yellow\"/></w:rPr><w:t xml:space=\"preserve\">区</w:t>"),
        "{xml}"
    );
    let html = reportcheck::cleaned_html(&r);
    assert!(
        html.contains("<mark title=\"原文:區(qū)\">区</mark>"),
        "{html}"
    );
    assert!(
        // adjacent changes (們→们, the broken pinyin, the repaired mojibake) make one mark
        html.contains(
            "<mark title=\"原文:們?cè)诒救俗栽傅那疤嵯\">们?本人自愿的前提</mark>?签订协议"
        ),
        "{html}"
    );
    assert!(!render_html_fragment(&r).contains("placeholder."));
}
