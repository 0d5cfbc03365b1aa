//! Resident identity card numbers (GB 11643-1999): 6-digit region code, 8-digit birth date, 3-digit serial
//! (odd for men), and a check character computed with ISO 7064 MOD 11-2.

use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// First two digits of the region code: provinces, plus 71 (台湾), 81 (香港), 82 (澳门), 83 (台湾居民居住证).
const PROVINCES: [u32; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdInfo {
    pub birth_date: NaiveDate,
    pub male: bool,
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Normalises what people type: full-width digits, lower-case x, spaces.
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            _ => c,
        })
        .collect()
}

/// Validates an 18-digit number and derives birth date and sex. The error is a Chinese sentence.
pub fn parse(raw: &str, today: NaiveDate) -> Result<IdInfo, String> {
    let id = normalize(raw);
    if id.chars().count() != 18 {
        return Err(format!("身份证号应为18位,现为{}位", id.chars().count()));
    }
    let (body, last) = id.split_at(17);
    if !body.chars().all(|c| c.is_ascii_digit())
        || !(last.chars().all(|c| c.is_ascii_digit() || c == 'X'))
    {
        return Err("身份证号只能由数字组成,最后一位可以是X".into());
    }
    let province: u32 = id[0..2].parse().unwrap_or(0);
    if !PROVINCES.contains(&province) {
        return Err(format!(
            "身份证号前两位{}不是有效的省级行政区划代码",
            &id[0..2]
        ));
    }
    let birth = NaiveDate::parse_from_str(&id[6..14], "%Y%m%d")
        .map_err(|_| format!("身份证号中的出生日期{}不是有效日期", &id[6..14]))?;
    if birth > today {
        return Err(format!("身份证号中的出生日期{}晚于今天", birth));
    }
    if birth < NaiveDate::from_ymd_opt(1880, 1, 1).unwrap() {
        return Err(format!("身份证号中的出生日期{}不合理", birth));
    }
    let expected = check_char(body).expect("17 digits");
    if !last.starts_with(expected) {
        return Err("身份证号校验位不正确,请核对是否输错".into());
    }
    let serial: u32 = id[14..17].parse().unwrap_or(0);
    Ok(IdInfo {
        birth_date: birth,
        male: serial % 2 == 1,
    })
}

/// Builds a valid number from region, birth date and serial (used by the demo generator and tests).
pub fn make(region: u32, birth: NaiveDate, serial: u32) -> String {
    let body = format!(
        "{:06}{}{:03}",
        region,
        birth.format("%Y%m%d"),
        serial % 1000
    );
    let check = check_char(&body).expect("17 digits");
    format!("{body}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    #[test]
    fn accepts_the_standard_example_and_derives_birth_and_sex() {
        // The worked example of GB 11643-1999.
        let info = parse("11010519491231002X", today()).unwrap();
        assert_eq!(
            info.birth_date,
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!info.male);
        let info = parse("440524188001010014", today()).unwrap();
        assert!(info.male);
    }

    #[test]
    fn rejects_wrong_check_digit_length_and_dates() {
        assert!(parse("110105194912310021", today())
            .unwrap_err()
            .contains("校验位"));
        assert!(parse("1101051949123100", today())
            .unwrap_err()
            .contains("18位"));
        assert!(parse(
            &make(110105, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), 1),
            today()
        )
        .unwrap_err()
        .contains("晚于今天"));
        let mut bad = "11010519490231001".to_string();
        bad.push(check_char(&bad).unwrap());
        assert!(parse(&bad, today()).unwrap_err().contains("不是有效日期"));
        let mut bad = "99010519490101001".to_string();
        bad.push(check_char(&bad).unwrap());
        assert!(parse(&bad, today()).unwrap_err().contains("行政区划"));
    }

    #[test]
    fn normalises_full_width_and_lower_x() {
        assert!(parse("１１０１０５１９４９１２３１００２x", today()).is_ok());
        assert_eq!(normalize(" 11010519491231002x "), "11010519491231002X");
    }

    #[test]
    fn made_numbers_validate() {
        let birth = NaiveDate::from_ymd_opt(1987, 6, 5).unwrap();
        for serial in 0..200 {
            let id = make(320106, birth, serial);
            let info = parse(&id, today()).unwrap();
            assert_eq!(info.birth_date, birth);
            assert_eq!(info.male, serial % 2 == 1);
        }
    }
}
