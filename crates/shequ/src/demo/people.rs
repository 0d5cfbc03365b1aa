//! Households and their members: composition (head, spouse, children, parents) with consistent ages and
//! sexes, hukou type and origin, valid ID numbers unique within the street, and each person's attributes
//! (ethnicity, political status, education, employment, health, phones). Some members have left (迁出) or
//! died (死亡), with dated events.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::Rng;

use super::attrs::{self, Attrs};
use super::names::{self, weighted};
use super::{date, REF};
use crate::registry::idcard;

/// How a member's residence ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Left {
    MovedOut,
    Died,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub id_number: String,
    pub birth: NaiveDate,
    pub male: bool,
    pub phone: Option<String>,
    pub phone2: Option<String>,
    pub ethnicity: &'static str,
    pub political: &'static str,
    pub education: &'static str,
    pub employment: &'static str,
    pub health: &'static str,
    pub relation: &'static str,
    pub hukou_address: String,
    pub move_in: NaiveDate,
    pub left: Option<(NaiveDate, Left)>,
}

impl Person {
    pub fn age(&self) -> i32 {
        age_on(self.birth, REF)
    }
}

pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut a = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

/// What kind of household, for the special groups that depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ElderlyAlone,
    ElderlyCouple,
    Other,
}

#[derive(Clone, Debug)]
pub struct Household {
    pub kind: Kind,
    pub hukou_type: &'static str,
    /// The region prefix of the origin (流动人口) or of the hukou (人户分离).
    pub origin: &'static str,
    pub members: Vec<Person>,
}

/// Chinese numerals for small numbers (二期, 三期).
pub fn cn_number(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n % 10]),
        _ => n.to_string(),
    }
}

fn birth_for_age(rng: &mut StdRng, age: i32) -> NaiveDate {
    REF - Duration::days(age as i64 * 365 + age as i64 / 4 + rng.gen_range(1..365))
}

/// One member before its name and number: relation, age and sex.
struct Seed {
    relation: &'static str,
    age: i32,
    male: bool,
}

/// The people of one household of `size` living members.
fn composition(rng: &mut StdRng, size: usize) -> (Kind, Vec<Seed>) {
    let s = |relation, age, male| Seed {
        relation,
        age,
        male,
    };
    let head_male = rng.gen_bool(0.62);
    let mut v = Vec::new();
    let mut kind = Kind::Other;
    let couple = |rng: &mut StdRng, v: &mut Vec<Seed>, lo: i32, hi: i32| {
        let a = rng.gen_range(lo..=hi);
        v.push(s("户主", a, head_male));
        let b = (a + rng.gen_range(-4..=4)).clamp(lo.min(a), 100);
        v.push(s("配偶", b, !head_male));
    };
    let children = |rng: &mut StdRng, v: &mut Vec<Seed>, n: usize| {
        let young = v.iter().map(|p| p.age).min().unwrap_or(30);
        let mut last = young - rng.gen_range(23..=34);
        for _ in 0..n {
            let age = last.max(0);
            v.push(s("子女", age, rng.gen_bool(0.52)));
            last = age - rng.gen_range(2..=7);
        }
    };
    let parents = |rng: &mut StdRng, v: &mut Vec<Seed>, n: usize| {
        let head = v[0].age;
        let a = (head + rng.gen_range(24..=32)).min(98);
        let male = rng.gen_bool(0.4);
        v.push(s("父母", a, male));
        if n > 1 {
            v.push(s("父母", (a + rng.gen_range(-3..=3)).min(99), !male));
        }
    };
    match size {
        1 => {
            let a = if rng.gen_bool(0.25) {
                kind = Kind::ElderlyAlone;
                rng.gen_range(70..=95)
            } else if rng.gen_bool(0.15) {
                rng.gen_range(60..=69)
            } else {
                rng.gen_range(22..=59)
            };
            v.push(s("户主", a, head_male));
        }
        2 => match weighted(rng, &[(0, 13), (1, 47), (2, 30), (3, 10)]) {
            0 => {
                kind = Kind::ElderlyCouple;
                couple(rng, &mut v, 62, 88);
            }
            1 => couple(rng, &mut v, 22, 59),
            2 => {
                v.push(s("户主", rng.gen_range(30..=60), head_male));
                children(rng, &mut v, 1);
            }
            _ => {
                v.push(s("户主", rng.gen_range(35..=60), head_male));
                parents(rng, &mut v, 1);
            }
        },
        3 => {
            couple(rng, &mut v, 26, 60);
            if rng.gen_bool(0.85) {
                children(rng, &mut v, 1);
            } else {
                parents(rng, &mut v, 1);
            }
        }
        4 => {
            couple(rng, &mut v, 30, 58);
            if rng.gen_bool(0.6) {
                children(rng, &mut v, 2);
            } else {
                children(rng, &mut v, 1);
                parents(rng, &mut v, 1);
            }
        }
        _ => {
            couple(rng, &mut v, 30, 56);
            match weighted(rng, &[(0, 50), (1, 30), (2, 20)]) {
                0 => {
                    children(rng, &mut v, 2);
                    parents(rng, &mut v, 1);
                }
                1 => {
                    children(rng, &mut v, 1);
                    parents(rng, &mut v, 2);
                }
                _ => children(rng, &mut v, 3),
            }
        }
    }
    (kind, v)
}

/// Generates one household at `address` in `community` of `street`; ID numbers are unique in `ids`.
pub fn household(
    rng: &mut StdRng,
    size: usize,
    full_address: &str,
    ids: &mut HashSet<String>,
) -> Household {
    let (kind, seeds) = composition(rng, size);
    let head_age = seeds[0].age;
    let hukou_type = if head_age >= 60 {
        weighted(rng, &[("户籍", 90), ("人户分离", 10)])
    } else {
        weighted(rng, &[("户籍", 75), ("流动人口", 18), ("人户分离", 7)])
    };
    let (origin_code, origin) = match hukou_type {
        "流动人口" => names::ORIGINS[rng.gen_range(0..names::ORIGINS.len())],
        "人户分离" => names::CITY_REGIONS[rng.gen_range(0..names::CITY_REGIONS.len())],
        _ => (names::LOCAL_REGION, names::LOCAL_PREFIX),
    };
    let hukou_address = match hukou_type {
        "户籍" => full_address.to_string(),
        _ => names::address_in(rng, origin),
    };
    let head_birth = birth_for_age(rng, head_age);
    let earliest = if hukou_type == "流动人口" {
        date(2012, 1, 1)
    } else {
        date(1990, 1, 1)
    };
    let earliest = earliest.max(head_birth + Duration::days(18 * 365 + 5));
    let latest = date(2025, 12, 31);
    let hh_move_in = between(rng, earliest.min(latest), latest);
    // Children take the father's surname; the head's father shares the head's.
    let surname = names::surname(rng);
    let head_surname = if seeds[0].male {
        surname
    } else {
        names::surname(rng)
    };
    let mut members = Vec::with_capacity(seeds.len() + 1);
    for (i, seed) in seeds.iter().enumerate() {
        let birth = if i == 0 {
            head_birth
        } else {
            birth_for_age(rng, seed.age)
        };
        let family_name = match (seed.relation, seed.male) {
            ("户主", _) => head_surname,
            ("配偶" | "子女", true) | ("子女", false) => surname,
            ("父母", true) => head_surname,
            _ => names::surname(rng),
        };
        let move_in = hh_move_in.max(birth);
        members.push(person(
            rng,
            seed.relation,
            birth,
            seed.male,
            Some(family_name),
            move_in,
            hukou_type,
            origin_code,
            &hukou_address,
            ids,
        ));
    }
    if head_age >= 42 && rng.gen_bool(0.04) {
        // A grown child who has moved out.
        let age = rng.gen_range(20..=(head_age - 22).min(40));
        let birth = birth_for_age(rng, age);
        let move_in = hh_move_in.max(birth);
        let from = move_in.max(birth + Duration::days(18 * 365));
        if from < latest {
            let male = rng.gen_bool(0.5);
            let sn = Some(surname);
            let mut p = person(
                rng,
                "子女",
                birth,
                male,
                sn,
                move_in,
                hukou_type,
                origin_code,
                &hukou_address,
                ids,
            );
            p.left = Some((between(rng, from, latest), Left::MovedOut));
            members.push(p);
        }
    }
    if head_age >= 35 && rng.gen_bool(0.02) {
        // A parent who lived here and died.
        let age = (head_age + rng.gen_range(24..=32)).min(105);
        let birth = birth_for_age(rng, age);
        let from = hh_move_in.max(birth + Duration::days(60 * 365));
        if from < latest {
            let male = rng.gen_bool(0.5);
            let sn = male.then_some(head_surname);
            let mut p = person(
                rng,
                "父母",
                birth,
                male,
                sn,
                hh_move_in,
                hukou_type,
                origin_code,
                &hukou_address,
                ids,
            );
            p.left = Some((between(rng, from, latest), Left::Died));
            members.push(p);
        }
    }
    Household {
        kind,
        hukou_type,
        origin,
        members,
    }
}

pub fn between(rng: &mut StdRng, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    let days = (b - a).num_days().max(0);
    a + Duration::days(rng.gen_range(0..=days))
}

#[allow(clippy::too_many_arguments)]
fn person(
    rng: &mut StdRng,
    relation: &'static str,
    birth: NaiveDate,
    male: bool,
    surname: Option<&str>,
    move_in: NaiveDate,
    hukou_type: &'static str,
    origin_code: u32,
    hukou_address: &str,
    ids: &mut HashSet<String>,
) -> Person {
    let name = match surname {
        Some(s) => names::with_surname(rng, s, male),
        None => names::person(rng, male),
    };
    let region = match hukou_type {
        "流动人口" => origin_code,
        _ => {
            let r = rng.gen_range(0..100);
            if r < 62 {
                names::LOCAL_REGION
            } else if r < 88 {
                names::CITY_REGIONS[rng.gen_range(0..names::CITY_REGIONS.len())].0
            } else {
                names::ORIGINS[rng.gen_range(0..names::ORIGINS.len())].0
            }
        }
    };
    let id_number = loop {
        let serial = rng.gen_range(0..500u32) * 2 + male as u32;
        let id = idcard::make(region, birth, serial);
        if ids.insert(id.clone()) {
            break id;
        }
    };
    let age = age_on(birth, REF);
    let phone =
        (age >= 12 && rng.gen_bool(if age >= 80 { 0.6 } else { 0.95 })).then(|| names::mobile(rng));
    let phone2 = (age >= 30 && rng.gen_bool(0.05)).then(|| names::landline(rng));
    let Attrs {
        ethnicity,
        political,
        education,
        employment,
        health,
    } = attrs::draw(rng, age, birth, male);
    Person {
        name,
        id_number,
        birth,
        male,
        phone,
        phone2,
        ethnicity,
        political,
        education,
        employment,
        health,
        relation,
        hukou_address: hukou_address.to_string(),
        move_in,
        left: None,
    }
}
