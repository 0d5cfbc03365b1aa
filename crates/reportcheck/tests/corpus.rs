//! Checks of the three real corpus documents (read at test time from ../shared/corpus or
//! $SHEQU_CORPUS_DIR; no passage of them is copied here — only line numbers, counts and rule codes).

use std::collections::BTreeMap;
use std::path::PathBuf;

use reportcheck::{check_bytes, ChangeKind, Report, Rule};

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("SHEQU_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        });
    assert!(
        dir.join("community-reports-a.txt").is_file(),
        "corpus not found at {} — clone the repository with shared/ beside it or set SHEQU_CORPUS_DIR",
        dir.display()
    );
    dir
}

fn check(name: &str) -> Report {
    let bytes = std::fs::read(corpus_dir().join(name)).expect("read corpus file");
    check_bytes(&bytes, name).expect("check corpus file")
}

fn lines_of(r: &Report, rule: Rule) -> Vec<usize> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.line)
        .collect()
}

fn counts(r: &Report) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for f in &r.findings {
        *m.entry(f.rule.code()).or_default() += 1;
    }
    m
}

fn boilerplate_lines(r: &Report) -> Vec<usize> {
    r.changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Boilerplate)
        .map(|c| c.line)
        .collect()
}

#[test]
fn reports_a() {
    let r = check("community-reports-a.txt");
    assert_eq!(r.encoding, "UTF-8");
    assert_eq!(r.report_year, Some(2023));
    assert_eq!(r.stats.sections, 12);
    // "N位用户关注" lines at the end
    assert_eq!(boilerplate_lines(&r), (432..=441).collect::<Vec<_>>());
    // the same field-trip paragraphs appear twice (lines 180–192 again at 379–412)
    let dups: Vec<(usize, Option<usize>)> = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::DuplicateExact)
        .map(|f| (f.line, f.related_line))
        .collect();
    assert_eq!(
        dups,
        [
            (379, Some(180)),
            (381, Some(182)),
            (382, Some(183)),
            (383, Some(184)),
            (385, Some(186)),
            (386, Some(187)),
            (387, Some(188)),
            (388, Some(189)),
            (389, Some(190)),
            (412, Some(192))
        ]
    );
    assert_eq!(lines_of(&r, Rule::DuplicateNear), [378]);
    // placeholders by line
    let years = lines_of(&r, Rule::PlaceholderYear);
    assert_eq!(&years[..5], [3, 9, 9, 11, 12]);
    assert_eq!(years.len(), 18);
    assert!(lines_of(&r, Rule::PlaceholderStars).starts_with(&[3, 11, 14, 19]));
    assert_eq!(
        lines_of(&r, Rule::PlaceholderStars)
            .iter()
            .filter(|&&l| l == 38)
            .count(),
        13
    );
    assert_eq!(lines_of(&r, Rule::PlaceholderXx)[..2], [14, 23]);
    assert_eq!(lines_of(&r, Rule::PlaceholderMissingNumber), [141, 142]);
    assert_eq!(lines_of(&r, Rule::PlaceholderDate), [196]);
    assert_eq!(lines_of(&r, Rule::PlaceholderEmptyBrackets), [224]);
    assert_eq!(
        lines_of(&r, Rule::PlaceholderBlank),
        [32, 136, 151, 151, 151, 158, 403, 429]
    );
    // a 2023 report citing the 2008 Olympics, 建党90周年, 创先争优
    assert_eq!(lines_of(&r, Rule::DateEvent), [27, 28, 112, 120]);
    assert_eq!(lines_of(&r, Rule::NumberingSkip), [137]);
    let c = counts(&r);
    assert_eq!(c.get("personal.id_number"), None);
    assert_eq!(c.get("mojibake"), None);
    // the snippet of a year placeholder shows the token
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::PlaceholderYear)
        .unwrap();
    assert!(f.snippet.contains("20xx"));
    // figures: "20xx年共受理各类纠纷3起,调解成功3起" on line 9
    let l9: Vec<(&str, f64, &str)> = r
        .figures
        .iter()
        .filter(|f| f.line == 9)
        .map(|f| (f.subject.as_str(), f.value, f.unit.as_str()))
        .collect();
    // … and "未发生居民群体上访事件" is a zero figure
    assert_eq!(
        l9,
        [
            ("受理各类纠纷", 3.0, "起"),
            ("调解成功", 3.0, "起"),
            ("居民群体上访事件", 0.0, "起")
        ]
    );
    assert_eq!(
        r.figures
            .iter()
            .filter(|f| f.line == 9)
            .filter_map(|f| f.year.as_deref())
            .collect::<Vec<_>>(),
        ["20xx", "20xx", "20xx"]
    );
}

#[test]
fn figures_have_subjects_and_no_fixed_phrases() {
    for name in [
        "community-reports-a.txt",
        "community-speeches-b.txt",
        "community-surveys-c.txt",
    ] {
        let r = check(name);
        let short = r
            .figures
            .iter()
            .filter(|f| f.subject.chars().count() < 2)
            .count();
        println!(
            "{name}: {} figures, {short} with a subject under 2 characters",
            r.figures.len()
        );
        assert!(
            short * 50 <= r.figures.len(),
            "{name}: {short} short subjects"
        );
        let lines: Vec<&str> = r.cleaned_text.split('\n').collect();
        for f in &r.figures {
            let i = r.line_numbers.iter().position(|&n| n == f.line).unwrap();
            let at = &lines[i][lines[i].find(&f.text).unwrap_or(0)..];
            assert!(
                !["三个代表", "二元结构", "百家", "千家", "四个一"]
                    .iter()
                    .any(|p| at.starts_with(p)),
                "{name}: {f:?}"
            );
        }
    }
}

#[test]
fn speeches_b() {
    let r = check("community-speeches-b.txt");
    assert_eq!(boilerplate_lines(&r), [2, 3, 4]);
    assert_eq!(lines_of(&r, Rule::PlaceholderBlank), [133, 133, 133, 133]);
    assert_eq!(lines_of(&r, Rule::PlaceholderXx), [162]);
    assert_eq!(lines_of(&r, Rule::NumberingBackwards), [155]);
    assert_eq!(r.findings.len(), 6, "{:#?}", r.findings);
    assert!(
        r.changes.iter().all(|c| c.kind != ChangeKind::Quotes),
        "no quotation marks to restore"
    );
}

#[test]
fn surveys_c() {
    let r = check("community-surveys-c.txt");
    assert_eq!(boilerplate_lines(&r), [1, 5, 7, 275, 277, 279]);
    assert_eq!(r.stats.sections, 5);
    assert_eq!(
        lines_of(&r, Rule::PlaceholderYear),
        [15, 15, 15, 15, 15, 17, 19]
    );
    // "为万元", "达%", five "占%"
    assert_eq!(
        lines_of(&r, Rule::PlaceholderMissingNumber),
        [15, 91, 145, 145, 145, 145, 145]
    );
    assert_eq!(lines_of(&r, Rule::PlaceholderEmptyBrackets), [23, 83]);
    // more people placed than jobs created on line 185
    let sub: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::SubExceedsTotal)
        .collect();
    assert_eq!(sub.len(), 1);
    assert_eq!((sub[0].line, sub[0].related_line), (185, Some(185)));
    // line 15: households and residents, with 其中 parts linked to the total of the same kind
    let l15: Vec<_> = r.figures.iter().filter(|f| f.line == 15).collect();
    let households = l15
        .iter()
        .find(|f| f.unit == "户" && f.parent.is_none())
        .unwrap();
    let needy = l15
        .iter()
        .find(|f| f.unit == "户" && f.parent.is_some())
        .unwrap();
    assert_eq!(needy.parent, Some(households.id));
    assert!(needy.value < households.value);
}

#[test]
fn all_three_clean_without_surprises() {
    for name in [
        "community-reports-a.txt",
        "community-speeches-b.txt",
        "community-surveys-c.txt",
    ] {
        let r = check(name);
        let c = counts(&r);
        for rule in [
            "personal.id_number",
            "personal.phone",
            "mojibake",
            "date.future_year",
        ] {
            assert_eq!(c.get(rule), None, "{name}: {rule}");
        }
        // one named party member, in the survey report (line 179)
        let named = lines_of(&r, Rule::PersonalNamedPerson);
        let expected: &[usize] = if name == "community-surveys-c.txt" {
            &[179]
        } else {
            &[]
        };
        assert_eq!(named, expected, "{name}");
        // cleaning keeps every content line and never changes characters other than punctuation here
        assert!(
            r.changes
                .iter()
                .all(|c| matches!(c.kind, ChangeKind::Boilerplate | ChangeKind::Punctuation)),
            "{name}"
        );
        assert_eq!(
            r.line_numbers.len() + boilerplate_lines(&r).len(),
            r.stats.lines,
            "{name}"
        );
        assert!(!r.cleaned_text.contains("位用户关注"));
        assert!(r.to_markdown().contains("## 发现的问题"));
    }
}
