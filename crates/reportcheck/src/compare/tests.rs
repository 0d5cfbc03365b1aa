//! Tests of the mapping table and the comparison with an in-memory source.

use super::*;
use crate::figures::extract_figures;
use crate::model::split_lines;

#[test]
fn compares_with_records() {
    let figs = extract_figures(&split_lines(
        "20xx年共受理各类纠纷3起,调解成功3起。全年为居民解决实际问题280余件,其中帮扶困难家庭35户。\n**社区总人数有6035人,总户数约2100户。",
    ));
    let src = MemorySource::default()
        .with("cases.disputes", "s1", 3.0)
        .with("cases.mediated_ok", "s1", 2.0)
        .with("cases.closed", "s1", 263.0)
        .with("registry.population", "s1", 6035.0)
        .with("registry.households", "s1", 2150.0);
    let rows = compare(&figs, &Mapping::default(), &src, "s1", &Period::year(2023));
    let got: Vec<(&str, bool, Option<f64>)> = rows
        .iter()
        .map(|c| (c.code.as_str(), c.plausible, c.difference))
        .collect();
    assert_eq!(
        got,
        [
            ("cases.disputes", true, Some(0.0)),
            ("cases.mediated_ok", false, Some(1.0)),
            ("cases.closed", false, Some(17.0)),
            ("registry.population", true, Some(0.0)),
            ("registry.households", true, Some(-50.0)),
        ]
    );
    assert_eq!(rows[2].summary, "报告 280余件 / 系统 263件(相差 +17)");
    let none = compare(
        &figs,
        &Mapping::default(),
        &MemorySource::default(),
        "s1",
        &Period::year(2023),
    );
    assert_eq!(none[0].system_text, "无数据");
}

#[test]
fn qualifiers() {
    assert!(plausible(280.0, Some("余"), 290.0));
    assert!(!plausible(280.0, Some("余"), 263.0));
    assert!(plausible(300.0, Some("近"), 280.0));
    assert!(!plausible(300.0, Some("近"), 310.0));
    assert!(plausible(2100.0, Some("约"), 2150.0));
    assert!(!plausible(3.0, None, 2.0));
}

#[test]
fn mapping_json_round_trip_and_extension() {
    let mut m = Mapping::default();
    m.push(MapRow {
        pattern: "垃圾分类".into(),
        code: "env.sorting".into(),
        unit: "户".into(),
        label: "垃圾分类户数".into(),
    });
    let back = Mapping::from_json(&m.to_json()).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.lookup("参与垃圾分类").unwrap().code, "env.sorting");
    assert_eq!(back.lookup("受理各类纠纷").unwrap().code, "cases.disputes");
    assert_eq!(
        back.lookup("**社区总人数").unwrap().code,
        "registry.population"
    );
    assert!(back.invalid_rows().is_empty());
}

#[test]
fn periods() {
    assert_eq!(Period::year(2023).label(), "2023年");
    assert_eq!(Period::month(2024, 2).to, "2024-02-29");
}
