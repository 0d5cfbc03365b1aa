//! Values as people type them: full-width normalisation, dates (text and Excel serial numbers), sex, yes/no,
//! phones, tags. Each is a small pure function; the ID-number and placeholder checks live in [`crate::check`].

/// Full-width ASCII (ＡＢＣ１２３，) → half-width, ideographic and no-break spaces → space, zero-width characters
/// and control characters removed, line breaks → space, then trimmed.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{FF01}'..='\u{FF5E}' => out.push(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)),
            '\u{3000}' | '\u{A0}' | '\t' | '\r' | '\n' => out.push(' '),
            '\u{200B}'..='\u{200D}' | '\u{FEFF}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    let t = out.trim();
    if t.len() == out.len() {
        out
    } else {
        t.to_string()
    }
}

/// A calendar date as (year, month, day), formatted as ISO text by [`iso`].
pub type Ymd = (i32, u32, u32);

/// "YYYY-MM-DD".
pub fn iso((y, m, d): Ymd) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Whether (y, m, d) is a real calendar date between the years 1000 and 9999.
pub fn valid_ymd((y, m, d): Ymd) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => return false,
    };
    (1000..=9999).contains(&y) && d >= 1 && d <= days
}

/// Days since 1970-01-01 → calendar date (Howard Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> Ymd {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// Why a date could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not a date in any known format.
    Unreadable,
    /// Excel's serial number 60, the day 1900-02-29 that does not exist.
    Feb29In1900,
}

/// An Excel serial day number in the 1900 date system → date. 1 = 1900-01-01; Excel counts the non-existent
/// 1900-02-29 as day 60, so days from 61 on are shifted by one. The time of day (fraction) is ignored.
pub fn excel_serial(serial: f64) -> Result<Ymd, DateError> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return Err(DateError::Unreadable);
    }
    let day = serial.floor() as i64;
    if day == 60 {
        return Err(DateError::Feb29In1900);
    }
    // 1899-12-31 is day 0 before the bug, 1899-12-30 after it; 1970-01-01 is 25569 days after 1899-12-30.
    let offset = if day < 60 { day - 1 } else { day - 2 };
    Ok(civil_from_days(offset - 25_567))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A date typed as text: 2023-01-05, 2023/1/5, 2023.1.5, 20230105, 2023年1月5日, with an optional time after a
/// space or "T", or an Excel serial number typed as text ("44927").
pub fn parse_date(text: &str) -> Result<Ymd, DateError> {
    let t = normalize(text);
    let t = t.split([' ', 'T']).next().unwrap_or("");
    if t.is_empty() {
        return Err(DateError::Unreadable);
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        if t.len() == 8 {
            let ymd = (
                t[..4].parse().unwrap_or(0),
                t[4..6].parse().unwrap_or(0),
                t[6..].parse().unwrap_or(0),
            );
            return if valid_ymd(ymd) {
                Ok(ymd)
            } else {
                Err(DateError::Unreadable)
            };
        }
        if (2..=7).contains(&t.len()) {
            return excel_serial(t.parse::<f64>().map_err(|_| DateError::Unreadable)?);
        }
        return Err(DateError::Unreadable);
    }
    if let Ok(f) = t.parse::<f64>() {
        if t.matches('.').count() == 1
            && t.split('.')
                .next()
                .is_some_and(|i| i.len() <= 7 && i.len() != 4)
        {
            return excel_serial(f);
        }
    }
    let t = t
        .strip_suffix('日')
        .or_else(|| t.strip_suffix('号'))
        .unwrap_or(t);
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return Err(DateError::Unreadable);
    }
    match (num(parts[0]), num(parts[1]), num(parts[2])) {
        (Some(y), Some(m), Some(d)) if valid_ymd((y as i32, m, d)) => Ok((y as i32, m, d)),
        _ => Err(DateError::Unreadable),
    }
}

/// Sex as typed: 男/女/男性/女性/M/F/male/female/1 (男)/0 (女) → "男" or "女".
pub fn parse_sex(text: &str) -> Option<&'static str> {
    match normalize(text).to_ascii_lowercase().as_str() {
        "男" | "男性" | "m" | "male" | "1" => Some("男"),
        "女" | "女性" | "f" | "female" | "0" | "2" => Some("女"),
        _ => None,
    }
}

/// Yes/no as typed: 是/否/1/0/Y/N/yes/no/true/false/√/×/✓/✗/对/错/有/无.
pub fn parse_bool(text: &str) -> Option<bool> {
    match normalize(text).to_ascii_lowercase().as_str() {
        "是" | "1" | "y" | "yes" | "true" | "√" | "✓" | "✔" | "对" | "有" => Some(true),
        "否" | "0" | "n" | "no" | "false" | "×" | "✗" | "✘" | "x" | "错" | "无" | "不是" => {
            Some(false)
        }
        _ => None,
    }
}

/// A phone number: spaces, dashes and brackets removed from mobile numbers (also with +86/86 before them);
/// any other number (a landline with an area code, several numbers) is kept as typed.
pub fn normalize_phone(text: &str) -> String {
    let t = normalize(text);
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let bare = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("86"))
        .unwrap_or(&digits);
    for cand in [digits.as_str(), bare] {
        if cand.len() == 11 && cand.starts_with('1') && cand.bytes().all(|b| b.is_ascii_digit()) {
            return cand.to_string();
        }
    }
    t
}

/// Several phone numbers in one cell, separated by 、 , ; / (half or full width): each normalised as by
/// [`normalize_phone`]. One number (or none) gives a list of at most one.
pub fn split_phones(text: &str) -> Vec<String> {
    let t = normalize(text);
    let parts: Vec<&str> = t
        .split(['、', ',', ';', '，', '；', '/'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let digits = |p: &str| p.chars().filter(|c| c.is_ascii_digit()).count();
    if parts.len() > 1 && parts.iter().all(|p| digits(p) >= 7) {
        parts.into_iter().map(normalize_phone).collect()
    } else {
        vec![normalize_phone(&t)]
    }
}

/// A number as Excel stored it, written as people read it: integers without ".0", other numbers in the
/// shortest form that reads back the same.
pub fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Several tags in one cell, separated by , ; 、 (half or full width) or line breaks; trimmed, empty and
/// repeated tags dropped.
pub fn split_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for t in normalize(text).split([',', ';', '、', '，', '；', '\n']) {
        let t = t.trim();
        if !t.is_empty() && !tags.iter().any(|x| x == t) {
            tags.push(t.to_string());
        }
    }
    tags
}

/// 人员类型 as typed → the registry's 户籍类型: 常住人口/户籍人口/户籍 → 户籍; 流动人口/外来人口 → 流动人口;
/// 人户分离 → 人户分离.
pub fn person_type(text: &str) -> Option<&'static str> {
    match normalize(text).as_str() {
        "常住人口" | "常住" | "户籍人口" | "户籍" | "本地人口" | "本地" => {
            Some("户籍")
        }
        "流动人口" | "流动" | "外来人口" | "外来" | "暂住人口" => Some("流动人口"),
        "人户分离" | "人户分离人口" => Some("人户分离"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_is_normalised() {
        assert_eq!(normalize("ＡＢＣ１２３"), "ABC123");
        assert_eq!(normalize("　张　三　"), "张 三");
        assert_eq!(normalize("１１０１０１（北京）"), "110101(北京)");
        assert_eq!(normalize("\u{FEFF}a\u{200B}b\n"), "ab");
        assert_eq!(normalize("plain"), "plain");
    }

    #[test]
    fn dates_in_every_typed_form() {
        for s in [
            "2023-01-05",
            "2023/1/5",
            "2023.1.5",
            "20230105",
            "2023年1月5日",
            "2023-1-5",
            "２０２３－０１－０５",
            "2023-01-05 00:00:00",
            "2023-01-05T08:30",
            " 2023/01/05 ",
            "44931",
            "44931.25",
            "2023年01月05号",
        ] {
            assert_eq!(parse_date(s).map(iso), Ok("2023-01-05".to_string()), "{s}");
        }
        for s in [
            "",
            "2023-02-30",
            "2023/13/1",
            "20231301",
            "abc",
            "2023年1月",
            "23-1-5",
            "20xx-01-01",
            "1.2.3",
        ] {
            assert_eq!(parse_date(s), Err(DateError::Unreadable), "{s}");
        }
        assert_eq!(parse_date("2024-02-29").map(iso), Ok("2024-02-29".into()));
        assert_eq!(parse_date("2023-02-29"), Err(DateError::Unreadable));
    }

    #[test]
    fn excel_serials_in_the_1900_system() {
        assert_eq!(excel_serial(1.0), Ok((1900, 1, 1)));
        assert_eq!(excel_serial(59.0), Ok((1900, 2, 28)));
        assert_eq!(excel_serial(60.0), Err(DateError::Feb29In1900));
        assert_eq!(excel_serial(61.0), Ok((1900, 3, 1)));
        assert_eq!(excel_serial(25569.0), Ok((1970, 1, 1)));
        assert_eq!(excel_serial(44927.0), Ok((2023, 1, 1)));
        assert_eq!(excel_serial(44927.99), Ok((2023, 1, 1)));
        assert_eq!(excel_serial(2_958_465.0), Ok((9999, 12, 31)));
        assert_eq!(excel_serial(0.0), Err(DateError::Unreadable));
        assert_eq!(excel_serial(f64::NAN), Err(DateError::Unreadable));
        assert_eq!(parse_date("60"), Err(DateError::Feb29In1900));
    }

    #[test]
    fn sex_as_typed() {
        for s in ["男", "男性", "M", "m", "Male", "1", "１", " 男 "] {
            assert_eq!(parse_sex(s), Some("男"), "{s}");
        }
        for s in ["女", "女性", "F", "f", "female", "0", "2"] {
            assert_eq!(parse_sex(s), Some("女"), "{s}");
        }
        for s in ["", "未知", "3", "X"] {
            assert_eq!(parse_sex(s), None, "{s}");
        }
    }

    #[test]
    fn booleans_as_typed() {
        for s in ["是", "1", "Y", "y", "yes", "TRUE", "true", "√", "Ｙ"] {
            assert_eq!(parse_bool(s), Some(true), "{s}");
        }
        for s in ["否", "0", "N", "no", "false", "FALSE", "×", "无"] {
            assert_eq!(parse_bool(s), Some(false), "{s}");
        }
        assert_eq!(parse_bool("也许"), None);
        assert_eq!(parse_bool(""), None);
    }

    #[test]
    fn phones() {
        assert_eq!(normalize_phone("138 0013 8000"), "13800138000");
        assert_eq!(normalize_phone("138-0013-8000"), "13800138000");
        assert_eq!(normalize_phone("+86 138 0013 8000"), "13800138000");
        assert_eq!(normalize_phone("１３８００１３８０００"), "13800138000");
        assert_eq!(normalize_phone("010-62345678"), "010-62345678");
        assert_eq!(
            normalize_phone("13800138000/13900139000"),
            "13800138000/13900139000"
        );
        assert_eq!(number_text(13800138000.0), "13800138000");
        assert_eq!(number_text(1.5), "1.5");
    }

    #[test]
    fn two_phones_in_one_cell() {
        assert_eq!(
            split_phones("13800138000、139 0013 9000"),
            ["13800138000", "13900139000"]
        );
        assert_eq!(
            split_phones("13800138000；010-62345678"),
            ["13800138000", "010-62345678"]
        );
        assert_eq!(split_phones("13800138000/13900139000").len(), 2);
        assert_eq!(split_phones("138 0013 8000"), ["13800138000"]);
        assert_eq!(split_phones("13800138000/分机2"), ["13800138000/分机2"]);
    }

    #[test]
    fn tags_split_on_every_separator() {
        assert_eq!(
            split_tags("独居老人、低保;残疾"),
            ["独居老人", "低保", "残疾"]
        );
        assert_eq!(
            split_tags("独居老人，低保；残疾, 低保,"),
            ["独居老人", "低保", "残疾"]
        );
        assert!(split_tags(" ").is_empty());
    }

    #[test]
    fn person_types() {
        assert_eq!(person_type("常住人口"), Some("户籍"));
        assert_eq!(person_type("流动人口"), Some("流动人口"));
        assert_eq!(person_type("人户分离"), Some("人户分离"));
        assert_eq!(person_type("游客"), None);
    }
}
