//! Tests of figure extraction on paragraphs written for the test.

use super::*;
use crate::model::split_lines;

type Brief<'a> = (usize, &'a str, f64, &'a str, Option<&'a str>, Option<usize>);

fn brief(fs: &[Figure]) -> Vec<Brief<'_>> {
    fs.iter()
        .map(|f| {
            (
                f.line,
                f.subject.as_str(),
                f.value,
                f.unit.as_str(),
                f.qualifier.as_deref(),
                f.parent,
            )
        })
        .collect()
}

#[test]
fn known_paragraph() {
    let text =
        "20xx年共受理各类纠纷3起,调解成功3起。全年为居民解决实际问题280余件,其中帮扶困难家庭35户。";
    let f = extract_figures(&split_lines(text));
    assert_eq!(
        brief(&f),
        [
            (1, "受理各类纠纷", 3.0, "起", None, None),
            (1, "调解成功", 3.0, "起", None, None),
            (1, "为居民解决实际问题", 280.0, "件", Some("余"), None),
            (1, "帮扶困难家庭", 35.0, "户", None, Some(2)),
        ]
    );
    assert_eq!(f[0].year.as_deref(), Some("20xx"));
    assert_eq!(f[2].text, "280余件");
    assert!(f[3].is_part);
}

#[test]
fn units_qualifiers_chinese_numerals() {
    let text = "**社区总人数有6035人,总户数约2100户。\n投入资金5万元,改造面积1,200平方米,覆盖率达85.5%。\n组织三十名志愿者开展活动两次,参与居民近300人次,60岁以上老人20多人。";
    let f = extract_figures(&split_lines(text));
    assert_eq!(
        brief(&f),
        [
            (1, "**社区总人数", 6035.0, "人", None, None),
            (1, "总户数", 2100.0, "户", Some("约"), None),
            (2, "投入资金", 5.0, "万元", None, None),
            (2, "改造面积", 1200.0, "平方米", None, None),
            (2, "覆盖率", 85.5, "%", None, None),
            (3, "组织", 30.0, "名", None, None),
            (3, "志愿者开展活动", 2.0, "次", None, None),
            (3, "参与居民", 300.0, "人次", Some("近"), None),
            (3, "老人", 60.0, "岁", Some("以上"), None),
            (3, "老人", 20.0, "人", Some("多"), None),
        ]
    );
    assert_eq!(f[2].base(), ("money", 50000.0));
}

#[test]
fn not_figures() {
    let text = "第3期培训于2023年3月13日举行。一、加强领导\n1、自然情况\n统一思想,坚持一个核心";
    assert!(
        extract_figures(&split_lines(text)).is_empty(),
        "{:?}",
        extract_figures(&split_lines(text))
    );
}

#[test]
fn parts_link_to_compatible_total() {
    let text = "被调查社区共有71栋居民楼,5047户居民17875人,其中有困难户262户,158名在籍党员。";
    let f = extract_figures(&split_lines(text));
    let b = brief(&f);
    assert_eq!(b[0], (1, "被调查社区居民楼", 71.0, "栋", None, None));
    assert_eq!(b[1], (1, "居民", 5047.0, "户", None, None));
    assert_eq!(b[2], (1, "居民", 17875.0, "人", None, None));
    assert_eq!((b[3].1, b[3].5), ("困难户", Some(1)));
    assert_eq!((b[4].1, b[4].5), ("在籍党员", Some(2)));
}

#[test]
fn part_in_next_sentence() {
    let f = extract_figures(&split_lines("全县开工建设15个社区。其中,市级重点社区7个。"));
    assert_eq!(f.len(), 2);
    assert_eq!(f[1].parent, Some(0));
}

#[test]
fn fixed_phrases_are_not_figures() {
    let text = "坚持以“三个代表”重要思想为指导,打破城乡二元结构,开展“四个一”活动,走进千家万户,百家企业参与。组织三个小组。";
    let f = extract_figures(&split_lines(text));
    assert_eq!(
        f.iter().map(|f| f.text.as_str()).collect::<Vec<_>>(),
        ["三个"],
        "{f:?}"
    );
    assert_eq!(f[0].subject, "组织");
}

#[test]
fn zero_statements_are_figures() {
    let f = extract_figures(&split_lines(
        "全年受理纠纷12起,未发生重大安全事故,辖区内无一例新冠确诊病例,没有发生一起刑事案件。",
    ));
    let b: Vec<(&str, f64, &str)> = f
        .iter()
        .map(|f| (f.subject.as_str(), f.value, f.unit.as_str()))
        .collect();
    assert_eq!(
        b,
        [
            ("受理纠纷", 12.0, "起"),
            ("重大安全事故", 0.0, "起"),
            ("新冠确诊病例", 0.0, "例"),
            ("刑事案件", 0.0, "起"),
        ]
    );
}

#[test]
fn short_subjects_borrow_the_clause() {
    let f = extract_figures(&split_lines("参加培训的社区干部中,有5人,另有3人。"));
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f.subject.chars().count() >= 2), "{f:?}");
}
