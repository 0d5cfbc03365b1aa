//! Field rules for people: the allowed values of each choice field and the parsing of what people type.
//! Every error names the field in Chinese.

use chrono::NaiveDate;

use crate::error::{Error, Result};

pub const ID_TYPES: &[&str] = &[
    "居民身份证",
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "外国人永久居留身份证",
    "其他",
];
pub const SEXES: &[&str] = &["男", "女"];
pub const HUKOU_TYPES: &[&str] = &["户籍", "流动人口", "人户分离"];
pub const RELATIONS: &[&str] = &[
    "户主",
    "配偶",
    "子女",
    "父母",
    "孙子女",
    "祖父母",
    "兄弟姐妹",
    "儿媳",
    "女婿",
    "其他亲属",
    "非亲属",
];
pub const POLITICAL: &[&str] = &[
    "中共党员",
    "中共预备党员",
    "共青团员",
    "民主党派",
    "无党派人士",
    "群众",
];
pub const EDUCATION: &[&str] = &[
    "研究生",
    "大学本科",
    "大学专科",
    "高中",
    "中专",
    "初中",
    "小学",
    "文盲或半文盲",
    "学龄前",
];
pub const EMPLOYMENT: &[&str] = &[
    "在职",
    "个体经营",
    "灵活就业",
    "离退休",
    "失业",
    "无业",
    "在校学生",
    "学龄前儿童",
    "务农",
    "其他",
];
pub const MARITAL: &[&str] = &[
    "未婚", "已婚", "初婚", "再婚", "复婚", "离婚", "丧偶", "其他",
];
pub const HEALTH: &[&str] = &["健康", "一般", "慢性病", "残疾", "重病", "其他"];
/// The 56 ethnic groups (GB/T 3304), then the registration categories for others.
pub const ETHNICITIES: &[&str] = &[
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "穿青人",
    "外国血统",
    "其他",
];

/// A choice field: empty is allowed unless `required`; anything else must be one of `allowed`.
pub fn choice(
    field: &str,
    value: &str,
    allowed: &[&str],
    required: bool,
) -> Result<Option<String>> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            return Err(Error::invalid(field, format!("{field}不能为空")));
        }
        return Ok(None);
    }
    if allowed.contains(&v) {
        Ok(Some(v.to_string()))
    } else {
        Err(Error::invalid(
            field,
            format!("{field}“{v}”不在可选范围内(可选:{})", allowed.join("、")),
        ))
    }
}

/// Free text, trimmed, bounded.
pub fn text(field: &str, value: &str, max: usize) -> Result<Option<String>> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(Error::invalid(field, format!("{field}不能超过{max}个字符")));
    }
    Ok(if v.is_empty() {
        None
    } else {
        Some(v.to_string())
    })
}

/// A date as people type it: 2023-01-05, 2023/1/5, 20230105, 2023年1月5日.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let v = value
        .trim()
        .replace(['年', '月'], "-")
        .replace('日', "")
        .replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&v, "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(&v, "%Y%m%d").ok())
}

/// A date field that must not lie in the future.
pub fn past_date(
    field: &str,
    value: &str,
    today: NaiveDate,
    required: bool,
) -> Result<Option<NaiveDate>> {
    if value.trim().is_empty() {
        if required {
            return Err(Error::invalid(field, format!("{field}不能为空")));
        }
        return Ok(None);
    }
    let d = parse_date(value).ok_or_else(|| {
        Error::invalid(
            field,
            format!(
                "{field}“{}”不是有效日期,请按2024-01-31的格式填写",
                value.trim()
            ),
        )
    })?;
    if d > today {
        return Err(Error::invalid(field, format!("{field}{d}晚于今天")));
    }
    if d.year_ce().1 < 1880 {
        return Err(Error::invalid(field, format!("{field}{d}不合理")));
    }
    Ok(Some(d))
}

use chrono::Datelike;

/// A phone: an 11-digit mobile number or a landline of digits and dashes.
pub fn phone(field: &str, value: &str) -> Result<Option<String>> {
    let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() {
        return Ok(None);
    }
    let digits: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
    let mobile = digits.len() == 11 && digits.starts_with('1') && v == digits;
    let landline = (7..=16).contains(&digits.len())
        && v.chars().all(|c| c.is_ascii_digit() || c == '-')
        && !v.starts_with('1');
    if mobile || landline {
        Ok(Some(v))
    } else {
        Err(Error::invalid(
            field,
            format!("{field}“{value}”格式不正确:手机号为11位数字,座机如 010-12345678"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_people_type_them() {
        let d = NaiveDate::from_ymd_opt(2023, 1, 5).unwrap();
        for s in [
            "2023-01-05",
            "2023/1/5",
            "20230105",
            "2023年1月5日",
            "2023.1.5",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("2023-02-30"), None);
    }

    #[test]
    fn phones() {
        assert!(phone("电话", "13812345678").unwrap().is_some());
        assert!(phone("电话", "010-12345678").unwrap().is_some());
        assert!(phone("电话", "1381234567").is_err());
        assert!(phone("电话", "abc").is_err());
    }
}
