//! Special groups (特殊群体) for the demo people, in plausible shares: 独居老人 and 空巢老人 follow the
//! household, 低保 covers a whole household, 流动人口 and 党员 follow the person's record, the rest are drawn
//! by age. Field values are strings valid for the built-in tag types of `registry::tags`.

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::Rng;

use super::names::{self, weighted};
use super::people::{between, Household, Kind, Person};
use super::{date, REF};

/// One tag to write: the type code, its field values and the date it applies from.
#[derive(Clone, Debug)]
pub struct Tag {
    pub code: &'static str,
    pub fields: Vec<(&'static str, String)>,
    pub since: NaiveDate,
}

impl Tag {
    pub fn fields_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}

fn years(d: NaiveDate, y: i32) -> NaiveDate {
    d.with_year(d.year() + y)
        .unwrap_or(d + Duration::days(365 * y as i64))
}

fn yes(rng: &mut StdRng, p: f64) -> String {
    (if rng.gen_bool(p) { "是" } else { "否" }).into()
}

/// Whether the household lives on 低保 (decided once per household).
pub fn dibao(rng: &mut StdRng, h: &Household) -> bool {
    h.hukou_type != "流动人口" && rng.gen_bool(0.016)
}

/// The tags of one living member `p` of household `h`. May adjust the person's health to match.
pub fn tags(
    rng: &mut StdRng,
    h: &Household,
    p: &mut Person,
    living: usize,
    dibao: bool,
    community: &str,
) -> Vec<Tag> {
    let mut out = Vec::new();
    let age = p.age();
    let move_in = p.move_in;
    let mut push = |code, fields, since: NaiveDate| {
        out.push(Tag {
            code,
            fields,
            since: since.max(move_in).min(REF),
        })
    };
    match h.kind {
        Kind::ElderlyAlone => {
            let volunteer = if rng.gen_bool(0.7) {
                {
                    let male = rng.gen_bool(0.4);
                    names::person(rng, male)
                }
            } else {
                String::new()
            };
            let mut f = vec![("card", yes(rng, 0.8)), ("ankangtong", yes(rng, 0.6))];
            if !volunteer.is_empty() {
                f.push(("volunteer", volunteer));
            }
            push("elderly_alone", f, years(p.birth, 70));
        }
        Kind::ElderlyCouple => {
            push(
                "empty_nest",
                vec![("child_phone", names::mobile(rng))],
                years(p.birth, 60),
            );
        }
        Kind::Other => {}
    }
    if dibao {
        let approved = between(rng, date(2016, 1, 1), date(2025, 10, 31));
        push(
            "dibao",
            vec![
                (
                    "cert_no",
                    format!("济历民低{:06}", rng.gen_range(1..999_999)),
                ),
                ("members", living.to_string()),
                (
                    "amount",
                    (living as i64 * rng.gen_range(60..=95) * 10).to_string(),
                ),
                ("approved", approved.to_string()),
            ],
            approved,
        );
    }
    let disabled_p = match age {
        0..=17 => 0.008,
        18..=59 => 0.02,
        _ => 0.06,
    };
    let disabled = rng.gen_bool(disabled_p);
    if disabled {
        let (ty, tcode) = weighted(
            rng,
            &[
                (("视力", 1), 12),
                (("听力", 2), 15),
                (("言语", 3), 2),
                (("肢体", 4), 45),
                (("智力", 5), 8),
                (("精神", 6), 10),
                (("多重", 7), 8),
            ],
        );
        let (grade, gcode) = weighted(
            rng,
            &[
                (("一级", 1), 10),
                (("二级", 2), 20),
                (("三级", 3), 35),
                (("四级", 4), 35),
            ],
        );
        p.health = "残疾";
        push(
            "disabled",
            vec![
                ("type", ty.into()),
                ("grade", grade.into()),
                ("cert_no", format!("{}{}{}", p.id_number, tcode, gcode)),
            ],
            between(rng, date(2008, 1, 1), date(2025, 6, 30)),
        );
    }
    let alone_old = living == 1 && age >= 60;
    if (alone_old && rng.gen_bool(0.05)) || (disabled && age >= 18 && rng.gen_bool(0.03)) {
        let mode = weighted(rng, &[("分散供养", 85), ("集中供养", 15)]);
        push(
            "tekun",
            vec![("mode", mode.into())],
            between(rng, date(2014, 1, 1), date(2025, 6, 30)),
        );
    }
    if (20..=60).contains(&age) && rng.gen_bool(0.0007) {
        let start = between(rng, date(2024, 1, 1), date(2025, 12, 1));
        let cat = weighted(
            rng,
            &[("缓刑", 80), ("假释", 10), ("管制", 5), ("暂予监外执行", 5)],
        );
        let end = start + Duration::days(rng.gen_range(1..=3) * 365);
        push(
            "correction",
            vec![
                ("category", cat.into()),
                ("start", start.to_string()),
                ("end", end.to_string()),
            ],
            start,
        );
    }
    if (25..=70).contains(&age) && rng.gen_bool(0.0014) {
        let on = between(rng, date(2018, 1, 1), date(2025, 10, 31));
        let agreement = weighted(rng, &[("已签订", 80), ("未签订", 20)]);
        push(
            "released",
            vec![
                ("released_on", on.to_string()),
                ("agreement", agreement.into()),
            ],
            on,
        );
    }
    if (12..=25).contains(&age) && rng.gen_bool(0.006) {
        let cat = weighted(
            rng,
            &[
                ("闲散青少年", 45),
                ("不良行为青少年", 30),
                ("流浪乞讨未成年人", 5),
                ("服刑在教人员未成年子女", 10),
                ("农村留守儿童", 10),
            ],
        );
        push(
            "key_youth",
            vec![("category", cat.into())],
            between(rng, date(2023, 1, 1), date(2025, 10, 31)),
        );
    }
    if (25..=85).contains(&age) && rng.gen_bool(if p.male { 0.04 } else { 0.003 }) {
        let discharged = years(p.birth, rng.gen_range(20..=26)).min(date(2025, 6, 30));
        push(
            "veteran",
            vec![
                ("discharged", discharged.to_string()),
                ("entitled", yes(rng, 0.2)),
            ],
            discharged,
        );
    }
    if (22..=75).contains(&age) && rng.gen_bool(0.008) {
        let (soldier, relation) = if age >= 45 {
            let s = if p.male {
                let sn: String = p.name.chars().take(1).collect();
                names::with_surname(rng, &sn, true)
            } else {
                names::person(rng, true)
            };
            (s, if p.male { "父子" } else { "母子" })
        } else {
            (names::person(rng, !p.male), "夫妻")
        };
        push(
            "military_family",
            vec![("soldier", soldier), ("relation", relation.into())],
            between(rng, date(2018, 1, 1), date(2025, 10, 31)),
        );
    }
    if age >= 50 && rng.gen_bool(0.08) {
        let disease = weighted(
            rng,
            &[
                ("高血压", 48),
                ("糖尿病", 24),
                ("冠心病", 10),
                ("慢阻肺", 6),
                ("脑卒中", 5),
                ("慢性肾病", 3),
                ("高血压、糖尿病", 4),
            ],
        );
        let interval: i64 = weighted(rng, &[(1, 20), (3, 60), (6, 20)]);
        let last = REF - Duration::days(rng.gen_range(1..=interval * 30 + 30));
        if p.health != "残疾" {
            p.health = "慢性病";
        }
        push(
            "chronic",
            vec![
                ("disease", disease.into()),
                ("interval", interval.to_string()),
                ("last_visit", last.to_string()),
            ],
            between(rng, date(2012, 1, 1), date(2025, 6, 30)),
        );
    }
    if h.hukou_type == "流动人口" {
        let reg = weighted(rng, &[("已登记", 85), ("未登记", 15)]);
        push(
            "floating",
            vec![
                ("arrived", p.move_in.to_string()),
                ("origin", h.origin.into()),
                ("registration", reg.into()),
            ],
            p.move_in,
        );
    }
    if p.political == "中共党员" {
        let joined = years(p.birth, rng.gen_range(19..=45)).min(date(2025, 7, 1));
        let branch = format!(
            "{community}第{}党支部",
            super::people::cn_number(rng.gen_range(1..=4))
        );
        push(
            "party_member",
            vec![("joined", joined.to_string()), ("branch", branch)],
            joined,
        );
    }
    out
}
