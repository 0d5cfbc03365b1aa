//! A person's attributes drawn by age and sex: ethnicity, political status, education, employment and
//! health, in the values allowed by `registry::validate`.

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::Rng;

use super::names::weighted;

pub struct Attrs {
    pub ethnicity: &'static str,
    pub political: &'static str,
    pub education: &'static str,
    pub employment: &'static str,
    pub health: &'static str,
}

pub fn draw(rng: &mut StdRng, age: i32, birth: NaiveDate, male: bool) -> Attrs {
    let ethnicity = weighted(
        rng,
        &[
            ("汉族", 960),
            ("回族", 20),
            ("满族", 10),
            ("蒙古族", 3),
            ("朝鲜族", 2),
            ("壮族", 2),
            ("土家族", 2),
            ("苗族", 1),
        ],
    );
    let political = match age {
        0..=13 => "群众",
        14..=17 => weighted(rng, &[("共青团员", 45), ("群众", 55)]),
        18..=28 => weighted(
            rng,
            &[
                ("共青团员", 40),
                ("中共党员", 3),
                ("中共预备党员", 1),
                ("群众", 54),
            ],
        ),
        _ => weighted(
            rng,
            &[
                ("中共党员", 90),
                ("中共预备党员", 2),
                ("民主党派", 4),
                ("无党派人士", 3),
                ("群众", 901),
            ],
        ),
    };
    let education = match age {
        0..=5 => "学龄前",
        6..=11 => "小学",
        12..=14 => "初中",
        15..=17 => weighted(rng, &[("高中", 80), ("中专", 20)]),
        _ if birth.year() >= 1975 => weighted(
            rng,
            &[
                ("研究生", 8),
                ("大学本科", 33),
                ("大学专科", 22),
                ("高中", 14),
                ("中专", 9),
                ("初中", 13),
                ("小学", 1),
            ],
        ),
        _ => weighted(
            rng,
            &[
                ("研究生", 1),
                ("大学本科", 8),
                ("大学专科", 9),
                ("高中", 24),
                ("中专", 10),
                ("初中", 30),
                ("小学", 14),
                ("文盲或半文盲", 4),
            ],
        ),
    };
    let retire = if male { 60 } else { 55 };
    let employment = match age {
        0..=5 => "学龄前儿童",
        6..=17 => "在校学生",
        18..=22 if rng.gen_bool(0.6) => "在校学生",
        a if a < retire => weighted(
            rng,
            &[
                ("在职", 64),
                ("个体经营", 10),
                ("灵活就业", 10),
                ("失业", 4),
                ("无业", 8),
                ("务农", 1),
                ("其他", 3),
            ],
        ),
        _ => weighted(
            rng,
            &[("离退休", 86), ("无业", 10), ("务农", 2), ("其他", 2)],
        ),
    };
    let health = if age < 50 {
        weighted(rng, &[("健康", 90), ("一般", 9), ("重病", 1)])
    } else {
        weighted(rng, &[("健康", 60), ("一般", 37), ("重病", 3)])
    };
    Attrs {
        ethnicity,
        political,
        education,
        employment,
        health,
    }
}
