//! Dates and events inconsistent with the report's year: a table of dated events
//! (迎奥运 → 2008, 十七大 → 2007–2012, 十三五 → 2016–2020 …) flagged when the report year is outside
//! the event's span, and years later than the report year outside forward-looking sentences.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Finding, Line, Rule};
use crate::structure::Section;
use crate::text::excerpt;

/// A dated event: a report whose year is outside `from..=to` should not cite it as current.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub pattern: &'static str,
    pub name: &'static str,
    pub from: i32,
    pub to: i32,
}

/// Built-in event table (years in which citing the event is plausible).
pub const EVENTS: &[Event] = &[
    Event {
        pattern: "迎奥运|奥运会召开|北京奥运",
        name: "北京奥运会(2008年)",
        from: 2006,
        to: 2009,
    },
    Event {
        pattern: "世博会|迎世博",
        name: "上海世博会(2010年)",
        from: 2008,
        to: 2011,
    },
    Event {
        pattern: "建国60周年|新中国成立60周年|建国六十周年",
        name: "建国60周年(2009年)",
        from: 2009,
        to: 2009,
    },
    Event {
        pattern: "建国70周年|新中国成立70周年|建国七十周年",
        name: "建国70周年(2019年)",
        from: 2019,
        to: 2019,
    },
    Event {
        pattern: "建党90周年|建党九十周年",
        name: "建党90周年(2011年)",
        from: 2011,
        to: 2011,
    },
    Event {
        pattern: "建党100周年|建党一百周年|建党百年",
        name: "建党100周年(2021年)",
        from: 2021,
        to: 2021,
    },
    Event {
        pattern: "十六大",
        name: "党的十六大(2002—2007年)",
        from: 2002,
        to: 2007,
    },
    Event {
        pattern: "十七大",
        name: "党的十七大(2007—2012年)",
        from: 2007,
        to: 2012,
    },
    Event {
        pattern: "十八大|十八届",
        name: "党的十八大(2012—2017年)",
        from: 2012,
        to: 2017,
    },
    Event {
        pattern: "十九大|十九届",
        name: "党的十九大(2017—2022年)",
        from: 2017,
        to: 2022,
    },
    Event {
        pattern: "二十大|二十届",
        name: "党的二十大(2022—2027年)",
        from: 2022,
        to: 2027,
    },
    Event {
        pattern: "十一五",
        name: "“十一五”规划(2006—2010年)",
        from: 2005,
        to: 2011,
    },
    Event {
        pattern: "十二五",
        name: "“十二五”规划(2011—2015年)",
        from: 2010,
        to: 2016,
    },
    Event {
        pattern: "十三五",
        name: "“十三五”规划(2016—2020年)",
        from: 2015,
        to: 2021,
    },
    Event {
        pattern: "十四五",
        name: "“十四五”规划(2021—2025年)",
        from: 2020,
        to: 2026,
    },
    Event {
        pattern: "十五五",
        name: "“十五五”规划(2026—2030年)",
        from: 2025,
        to: 2031,
    },
    Event {
        pattern: "创先争优",
        name: "创先争优活动(2010—2012年)",
        from: 2010,
        to: 2012,
    },
    Event {
        pattern: "群众路线教育实践活动",
        name: "党的群众路线教育实践活动(2013—2014年)",
        from: 2013,
        to: 2015,
    },
    Event {
        pattern: "两学一做",
        name: "“两学一做”学习教育(2016—2017年)",
        from: 2016,
        to: 2019,
    },
    Event {
        pattern: "不忘初心、?牢记使命”?主题教育",
        name: "“不忘初心、牢记使命”主题教育(2019—2020年)",
        from: 2019,
        to: 2020,
    },
    Event {
        pattern: "党史学习教育",
        name: "党史学习教育(2021年)",
        from: 2021,
        to: 2022,
    },
    Event {
        pattern: "非典",
        name: "非典疫情(2003年)",
        from: 2003,
        to: 2004,
    },
    Event {
        pattern: "新冠|新型冠状病毒",
        name: "新冠疫情防控(2020—2022年)",
        from: 2020,
        to: 2023,
    },
];

fn event_res() -> &'static [Regex] {
    static R: OnceLock<Vec<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        EVENTS
            .iter()
            .map(|e| Regex::new(e.pattern).unwrap())
            .collect()
    })
}

fn year_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"((?:19|20)\d{2})\s*年").unwrap())
}

fn forward_looking() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"计划|规划|预计|力争|目标|展望|明年|今后|将|到|至|前|争取|打算|设想|远景")
            .unwrap()
    })
}

/// Date findings; each section is checked against its own report year (or `fallback`).
pub fn check(lines: &[Line], sections: &[Section], fallback: Option<i32>) -> Vec<Finding> {
    let mut out = Vec::new();
    for sec in sections {
        let Some(year) = sec.year.or(fallback) else {
            continue;
        };
        for line in &lines[sec.start..sec.end] {
            check_line(line, year, &mut out);
        }
    }
    out
}

/// Date findings of one line for a report of `year`.
pub fn check_line(line: &Line, year: i32, out: &mut Vec<Finding>) {
    let text = &line.text;
    for (e, re) in EVENTS.iter().zip(event_res()) {
        if year >= e.from && year <= e.to {
            continue;
        }
        if let Some(m) = re.find(text) {
            out.push(Finding::new(
                Rule::DateEvent,
                line.no,
                excerpt(text, m.start(), m.end(), 6),
                format!("提到{},与报告年份 {} 年不符,疑似照搬旧范文。", e.name, year),
            ));
        }
    }
    if !text.contains('年') || forward_looking().is_match(text) {
        return;
    }
    for c in year_re().captures_iter(text) {
        let m = c.get(1).unwrap();
        let y: i32 = m.as_str().parse().unwrap_or(0);
        if y > year && y <= 2100 {
            out.push(Finding::new(
                Rule::DateFutureYear,
                line.no,
                excerpt(text, m.start(), m.end() + 3, 6),
                format!("{y} 年晚于报告年份 {year} 年,请核对年份。"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::split_lines;
    use crate::structure::sections;

    fn run(s: &str) -> Vec<(Rule, usize)> {
        let lines = split_lines(s);
        check(&lines, &sections(&lines), None)
            .into_iter()
            .map(|f| (f.rule, f.line))
            .collect()
    }

    #[test]
    fn events_and_years() {
        let text = "2023年社区工作报告\n以迎奥运为契机开展活动\n深入学习贯彻党的二十大精神\n认真贯彻十七大精神\n2024年5月完成改造\n力争到2025年全面完成\n“十三五”期间建成";
        assert_eq!(
            run(text),
            [
                (Rule::DateEvent, 2),
                (Rule::DateEvent, 4),
                (Rule::DateFutureYear, 5),
                (Rule::DateEvent, 7)
            ]
        );
    }

    #[test]
    fn no_year_no_findings() {
        assert!(run("社区工作报告\n以迎奥运为契机").is_empty());
        assert!(run("2008年社区工作报告\n以迎奥运为契机").is_empty());
    }

    #[test]
    fn sections_have_own_years() {
        assert_eq!(
            run("第1篇 2008年报告\n迎奥运\n第2篇 2023年报告\n迎奥运"),
            [(Rule::DateEvent, 4)]
        );
    }
}
