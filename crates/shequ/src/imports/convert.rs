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
    /// 迁往地, kept with the 迁出 event.
    pub move_to: String,
    /// 是否已迁出 / 是否已死亡 / 是否重点人员, when given.
    pub moved_out: Option<bool>,
    pub dead: Option<bool>,
    pub key_person: Option<bool>,
    /// Whether 迁往地 goes to 备注 (the row has no 迁出).
    pub note_move_to: bool,
}

/// A change the conversion made to a row, shown as a notice on its cell: (column, value, message).
pub type Notice = (Field, String, String);

fn yes_no(row: &Row, f: Field) -> Option<bool> {
    match row.get(f) {
        "是" => Some(true),
        "否" => Some(false),
        _ => None,
    }
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
        move_to: row.get(Field::MoveTo).trim().to_string(),
        moved_out: yes_no(row, Field::MovedOut),
        dead: yes_no(row, Field::Dead),
        key_person: yes_no(row, Field::KeyPerson),
        note_move_to: false,
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

/// Lays the row's non-empty values over `base`, leaving out the cells `sheetimport` could not read (they are
/// reported already). `health` is left alone for roles that may not see it. Returns what it changed on the
/// way (a passport number taken as the document, a value kept in 备注), for the report.
pub fn overlay(base: &mut PersonInput, row: &Row, health: bool) -> Vec<Notice> {
    let mut notices = Vec::new();
    let get = |f: Field| {
        if row.invalid.contains(&f) {
            ""
        } else {
            row.get(f).trim()
        }
    };
    let set = |target: &mut String, f: Field| {
        let v = get(f);
        if !v.is_empty() {
            *target = v.to_string();
        }
    };
    set(&mut base.name, Field::Name);
    if let Some(clean) = without_pinyin(&base.name) {
        let msg = format!("姓名中的拼音注音已删除,按“{clean}”导入");
        notices.push((Field::Name, base.name.clone(), msg));
        base.name = clean;
    }
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
    // 户籍小区/建筑 + 户籍详细地址: one address.
    let hukou_estate = get(Field::HukouEstate);
    if !hukou_estate.is_empty() && !base.hukou_address.starts_with(hukou_estate) {
        base.hukou_address = format!("{hukou_estate}{}", base.hukou_address);
    }
    // 护照/其他证件号码: the document of a person without an ID-card number; beside one, kept in 备注.
    let other = get(Field::OtherIdNumber);
    if !other.is_empty() {
        let other_type = get(Field::OtherIdType);
        if get(Field::IdNumber).is_empty() {
            base.id_number = other.to_string();
            base.id_type = if other_type.is_empty() {
                let msg = "未填写其他证件类型,证件类型按“其他”导入".to_string();
                notices.push((Field::OtherIdType, String::new(), msg));
                "其他".to_string()
            } else {
                other_type.to_string()
            };
        } else {
            let t = if other_type.is_empty() {
                "其他证件"
            } else {
                other_type
            };
            let kept = format!("{t}:{other}");
            let msg = format!("已有身份证号,{t}号码“{other}”记入备注");
            notices.push((Field::OtherIdNumber, other.to_string(), msg));
            append_note(&mut base.notes, &kept);
        }
    }
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
    notices
}

/// A name without the pinyin annotations a copy from a web page brings (劉(liú)德華 → 劉德華), with the report
/// check's cleaner; `None` when there is none.
pub fn without_pinyin(name: &str) -> Option<String> {
    if !name.contains([')', '\u{ff09}']) {
        return None;
    }
    let mut line = reportcheck::Line {
        no: 1,
        text: name.to_string(),
    };
    let mut changes = Vec::new();
    reportcheck::clean::pinyin::strip_line(&mut line, &mut changes);
    (!changes.is_empty() && line.text.trim() != name).then(|| line.text.trim().to_string())
}

/// Adds a line to 备注.
pub fn append_note(notes: &mut String, line: &str) {
    if !notes.is_empty() {
        notes.push(';');
    }
    notes.push_str(line);
}

/// The fixed-list fields of the form: (sheet column, form label, the input's field).
pub fn vocab_fields(i: &mut PersonInput) -> [(Field, &'static str, &mut String); 8] {
    [
        (Field::IdType, "证件类型", &mut i.id_type),
        (Field::Ethnicity, "民族", &mut i.ethnicity),
        (Field::Political, "政治面貌", &mut i.political_status),
        (Field::Marital, "婚姻状况", &mut i.marital_status),
        (Field::Education, "文化程度", &mut i.education),
        (Field::Employment, "就业状况", &mut i.employment),
        (Field::Health, "健康状况", &mut i.health),
        (Field::Relation, "与户主关系", &mut i.relation),
    ]
}

/// Reads the fixed-list values through the synonyms of [`super::vocab`]: a synonym becomes the standard value,
/// a value outside the list is kept in 备注 (证件类型 excepted: it decides how the number is checked, so a
/// type outside the list stays and is refused by the form's rule).
pub fn vocabularies(i: &mut PersonInput, vocab: &super::synonyms::StreetVocab) -> Vec<Notice> {
    use super::vocab::Typed;
    let mut notices = Vec::new();
    let mut kept = Vec::new();
    for (f, label, value) in vocab_fields(i) {
        match vocab.read(label, value) {
            Typed::Standard => {}
            Typed::Synonym(s) => {
                notices.push((f, value.clone(), format!("{label}“{value}”按“{s}”导入")));
                *value = s.to_string();
            }
            Typed::Outside if f == Field::IdType => {}
            Typed::Outside => {
                let msg = format!("{label}“{value}”不在可选范围内,原文记入备注,{label}留空");
                notices.push((f, value.clone(), msg));
                kept.push(format!("{label}:{value}"));
                value.clear();
            }
        }
    }
    for k in kept {
        append_note(&mut i.notes, &k);
    }
    notices
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
        "文化程度" => Some(Field::Education),
        "婚姻状况" => Some(Field::Marital),
        "健康状况" => Some(Field::Health),
        "政治面貌" => Some(Field::Political),
        "民族" => Some(Field::Ethnicity),
        "户籍地址" => Some(Field::HukouAddress),
        "实际居住地" => Some(Field::Residence),
        "备注" => Some(Field::Notes),
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

#[cfg(test)]
mod tests {
    #[test]
    fn pinyin_annotations_leave_names() {
        assert_eq!(
            super::without_pinyin("劉(liú)德華").as_deref(),
            Some("劉德華")
        );
        assert_eq!(
            super::without_pinyin("张(zhāng)三").as_deref(),
            Some("张三")
        );
        assert_eq!(super::without_pinyin("张三"), None);
        assert_eq!(super::without_pinyin("张三(小名)"), None);
    }
}
