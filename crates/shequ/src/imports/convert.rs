//! A spreadsheet row as the registry's form input: the values `sheetimport` normalised, laid over an empty
//! form (a new person) or over the stored person (an update: a blank cell keeps what is stored).

use sheetimport::{Field, Row};

use super::address::Place;
use crate::registry::persons::{Person, PersonInput};

/// What a row asks for, besides the person's own fields.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub place: Place,
    pub household_no: String,
    pub grid_name: String,
    pub tags: Vec<String>,
    pub move_in: String,
    pub move_out: String,
    pub death: String,
}

pub fn extra(row: &Row) -> Extra {
    Extra {
        place: Place::from_columns(
            row.get(Field::Estate),
            row.get(Field::Building),
            row.get(Field::Unit),
            row.get(Field::Room),
        ),
        household_no: row.get(Field::HouseholdNo).trim().to_string(),
        grid_name: row.get(Field::Grid).trim().to_string(),
        tags: row.tags.clone(),
        move_in: row.get(Field::MoveIn).to_string(),
        move_out: row.get(Field::MoveOut).to_string(),
        death: row.get(Field::Death).to_string(),
    }
}

/// The stored person as the form would show it (unmasked), to lay a row over.
pub fn from_person(p: &Person) -> PersonInput {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    PersonInput {
        name: p.name.clone(),
        id_type: p.id_type.clone(),
        id_number: s(&p.id_number),
        birth_date: if p.id_type == "居民身份证" {
            String::new()
        } else {
            s(&p.birth_date)
        },
        sex: s(&p.sex),
        phone: s(&p.phone),
        phone2: s(&p.phone2),
        ethnicity: s(&p.ethnicity),
        political_status: s(&p.political_status),
        marital_status: s(&p.marital_status),
        education: s(&p.education),
        employment: s(&p.employment),
        health: s(&p.health),
        hukou_type: p.hukou_type.clone(),
        hukou_address: s(&p.hukou_address),
        residence_address: s(&p.residence_address),
        household_id: p.household_id,
        relation: s(&p.relation),
        notes: s(&p.notes),
        move_in_date: String::new(),
    }
}

/// Lays the row's non-empty values over `base`. `health` is left alone for roles that may not see it.
pub fn overlay(base: &mut PersonInput, row: &Row, health: bool) {
    let set = |target: &mut String, f: Field| {
        let v = row.get(f).trim();
        if !v.is_empty() {
            *target = v.to_string();
        }
    };
    set(&mut base.name, Field::Name);
    set(&mut base.id_type, Field::IdType);
    set(&mut base.id_number, Field::IdNumber);
    set(&mut base.sex, Field::Sex);
    set(&mut base.phone, Field::Phone);
    set(&mut base.phone2, Field::Phone2);
    set(&mut base.ethnicity, Field::Ethnicity);
    set(&mut base.political_status, Field::Political);
    set(&mut base.marital_status, Field::Marital);
    set(&mut base.education, Field::Education);
    set(&mut base.employment, Field::Employment);
    if health {
        set(&mut base.health, Field::Health);
    }
    set(&mut base.relation, Field::Relation);
    set(&mut base.hukou_type, Field::PersonType);
    set(&mut base.hukou_address, Field::HukouAddress);
    set(&mut base.residence_address, Field::Residence);
    set(&mut base.notes, Field::Notes);
    set(&mut base.move_in_date, Field::MoveIn);
    // The birth date only counts for documents other than the ID card (it is derived otherwise); an ID-card
    // row's 出生日期 is checked against the number instead (see `birth_mismatch`).
    if base.id_type.trim().is_empty() || base.id_type == "居民身份证" {
        base.birth_date.clear();
    } else {
        set(&mut base.birth_date, Field::BirthDate);
    }
    if row.separated == Some(true) && matches!(base.hukou_type.as_str(), "" | "户籍") {
        base.hukou_type = "人户分离".into();
    }
}

/// For an ID card: the 出生日期 column disagreeing with the number is an error, never silently replaced.
pub fn birth_mismatch(row: &Row, derived: Option<&str>) -> Option<String> {
    let given = row.get(Field::BirthDate).trim();
    match derived {
        Some(d) if !given.is_empty() && given != d => Some(format!(
            "出生日期“{given}”与身份证号不符(身份证号中的出生日期为{d})"
        )),
        _ => None,
    }
}

/// The sheet column a validation error's field name belongs to, for the report.
pub fn field_for_label(label: &str) -> Option<Field> {
    let direct = match label {
        "姓名" => Some(Field::Name),
        "证件类型" => Some(Field::IdType),
        "身份证号" | "证件号码" => Some(Field::IdNumber),
        "性别" => Some(Field::Sex),
        "出生日期" => Some(Field::BirthDate),
        "联系电话" => Some(Field::Phone),
        "备用电话" => Some(Field::Phone2),
        "户籍类型" => Some(Field::PersonType),
        "就业状况" => Some(Field::Employment),
        "迁入日期" => Some(Field::MoveIn),
        "迁出日期" => Some(Field::MoveOut),
        "死亡日期" => Some(Field::Death),
        _ => None,
    };
    direct.or_else(|| {
        Field::ALL
            .into_iter()
            .find(|f| f.synonyms().contains(&label))
    })
}
