//! Checks that catch what spreadsheets do to data: ID numbers that Excel turned into numbers, placeholder
//! text standing in for a real value, and traditional characters in names and addresses. The ID-number
//! checksum itself is left to the server, which applies the same rules as the web form.

use crate::value::normalize;

/// What became of an ID number in the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdText {
    /// Text kept as typed, normalised (half-width, upper-case X, inner spaces removed).
    Ok(String),
    /// Excel turned it into a number and its last digits are gone; holds the text as seen.
    Damaged(String),
}

/// Shown when an ID number was turned into a number by Excel.
pub const DAMAGED_ID: &str =
    "身份证号被Excel转成了数字,后几位已丢失,请将该列设为文本格式后重新导出";

/// An ID number typed as text. A float or scientific form ("1.10101E+17", "110101199001011234.0") is
/// damaged, and so are 18 digits ending in "000" whose check digit does not fit, which is what Excel writes for
/// an 18-digit number it kept to 15 significant digits. Other text is kept for the server to validate.
pub fn id_text(text: &str) -> IdText {
    let t: String = normalize(text)
        .chars()
        .filter(|c| *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase();
    let sci = t.contains('E') && t.parse::<f64>().is_ok() && t.contains(['.', '+']);
    let float = t.contains('.') && t.len() > 6 && t.parse::<f64>().is_ok();
    let zeros = t.len() == 18
        && t.ends_with("000")
        && t.bytes().all(|b| b.is_ascii_digit())
        && !check_digit_fits(&t);
    if sci || float || zeros {
        IdText::Damaged(t)
    } else {
        IdText::Ok(t)
    }
}

/// An ID number that arrived as a numeric cell. 16 or more digits, or a fraction, means digits were lost
/// (Excel keeps 15 significant digits): damaged. A whole number of at most 15 digits is read as its digits
/// (`Ok`), and the caller warns that the column should be text.
pub fn id_number_cell(f: f64) -> IdText {
    if f.fract() == 0.0 && f.abs() < 1e15 && f >= 0.0 {
        IdText::Ok(format!("{}", f as i64))
    } else {
        IdText::Damaged(excel_number(f))
    }
}

/// A large number as Excel shows it, with its 15 significant digits: "1.10101199001011E+17".
fn excel_number(f: f64) -> String {
    if f.abs() < 1e15 {
        return crate::value::number_text(f);
    }
    let s = format!("{f:.14E}");
    let (mantissa, exp) = s.split_once('E').unwrap_or((&s, "0"));
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    format!("{mantissa}E+{exp}")
}

/// Only used to tell an 18-digit ID ending in "000" that Excel truncated from a real one that happens to end
/// so; the server still validates every ID number in full.
fn check_digit_fits(id: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    let sum: u32 = (0..17).map(|i| u32::from(b[i] - b'0') * W[i]).sum();
    C[(sum % 11) as usize] == b[17]
}

/// Placeholder text standing in for a value: 20xx, 19XX年, xx, **, ***, ???, 某某, 待定, 待补, 不详, 未知 …
/// `strict` also counts 无/暂无/没有/-// (placeholders for an ID number or a name, but an honest answer
/// elsewhere).
pub fn is_placeholder(text: &str, strict: bool) -> bool {
    // fast path: most values hold none of the characters a placeholder is made of
    let marks = |c: char| "xX*?#某待不未暂nN无没-/空0.".contains(c);
    if !text.chars().any(marks) && !text.chars().any(|c| matches!(c, '\u{FF01}'..='\u{FF5E}')) {
        return false;
    }
    let t = normalize(text).to_ascii_lowercase();
    if t.is_empty() {
        return false;
    }
    let words = [
        "某某",
        "某",
        "待定",
        "待补",
        "待填",
        "待查",
        "不详",
        "未知",
        "不知道",
        "暂缺",
        "null",
        "n/a",
        "na",
    ];
    if words.contains(&t.as_str()) || t.contains("某某") {
        return true;
    }
    if strict && ["无", "暂无", "没有", "-", "--", "/", "空", "0"].contains(&t.as_str()) {
        return true;
    }
    if t.chars().all(|c| matches!(c, '*' | '?' | 'x' | '#' | '.')) {
        return true;
    }
    // digits with xx/** in place of some of them: 20xx, 19xx年, 1101011990xxxxxx, 138****0000
    let masked = t.contains("xx") || t.contains("**") || t.contains("??");
    let rest_digits = t.chars().all(|c| {
        c.is_ascii_digit() || matches!(c, 'x' | '*' | '?' | '-' | '/' | '.' | '年' | '月' | '日')
    });
    masked && rest_digits
}

/// Whether a part of a place (小区, 楼栋, 单元, 门牌, 户号) holds a placeholder inside it: "xx单元502",
/// "3号楼**室", "某某小区", "待定". Letters of a real name ("A座", "Xu") are not.
pub fn has_placeholder_part(text: &str) -> bool {
    if !text.chars().any(|c| "xX*?某待不未".contains(c)) {
        return false;
    }
    let t = normalize(text).to_ascii_lowercase();
    [
        "xx", "**", "??", "某某", "待定", "待补", "待填", "不详", "未知",
    ]
    .iter()
    .any(|m| t.contains(m))
}

/// Common traditional-only characters (a traditional form whose simplified form differs); enough to notice a
/// sheet typed with a traditional input method, not a converter.
const TRADITIONAL: &str = "劉陳張楊趙黃吳鄭馬孫區號樓單門華國東裡裏鄉鎮縣區廣蘇齊龍葉許蕭羅鄧謝韓馮鄒陸盧蔣賈錢湯鐘譚闕嚴\
    衛閻歐陽範蘇賴萬韋榮龐顧喬習遲溫紀瀋瀏濤偉軍強華麗鳳豔紅傑晉鵬寶慶義長開學書興來東發話說體業醫義愛聽時間隊員區縣\
    園廠電圖館場買賣車進運還過邊達與這會邁興壽鄰臺灣處後蘭遼寧貴陝龍滬瀋壩灣鋼鐵銀橋歲幾個為們";

/// The traditional-only characters in `text`, each once, in order of appearance.
pub fn traditional_chars(text: &str) -> String {
    let mut found = String::new();
    for c in text.chars() {
        if !c.is_ascii() && TRADITIONAL.contains(c) && !found.contains(c) {
            found.push(c);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_text_kept_and_upper_cased() {
        assert_eq!(
            id_text("11010119900101123x"),
            IdText::Ok("11010119900101123X".into())
        );
        assert_eq!(
            id_text("１１０１０１１９９００１０１１２３Ｘ"),
            IdText::Ok("11010119900101123X".into())
        );
        assert_eq!(
            id_text(" 110101 19900101 1237 "),
            IdText::Ok("110101199001011237".into())
        );
        assert_eq!(id_text("E12345678"), IdText::Ok("E12345678".into()));
        // a real ID ending in 000 whose check digit fits is not damaged
        assert!(
            check_digit_fits("110101199001010000")
                == matches!(id_text("110101199001010000"), IdText::Ok(_))
        );
    }

    #[test]
    fn id_text_damaged_by_excel() {
        for s in [
            "1.10101E+17",
            "1.10101199001011E+17",
            "1.10101e17",
            "110101199001011000",
            "110101199001011234.0",
        ] {
            assert!(matches!(id_text(s), IdText::Damaged(_)), "{s}");
        }
        assert_eq!(
            id_number_cell(1.101011990010112e17),
            IdText::Damaged("1.10101199001011E+17".into())
        );
        assert_eq!(id_number_cell(1.1e17), IdText::Damaged("1.1E+17".into()));
        assert_eq!(
            id_number_cell(110101900101123.0),
            IdText::Ok("110101900101123".into())
        );
        assert!(matches!(id_number_cell(12.5), IdText::Damaged(_)));
    }

    #[test]
    fn placeholders() {
        for s in [
            "20xx",
            "19XX年",
            "xx",
            "XX",
            "**",
            "***",
            "某某",
            "张某某",
            "待定",
            "不详",
            "???",
            "138****0000",
            "2023-xx-xx",
        ] {
            assert!(is_placeholder(s, false), "{s}");
        }
        for s in ["无", "暂无", "-", "/"] {
            assert!(is_placeholder(s, true) && !is_placeholder(s, false), "{s}");
        }
        for s in ["", "张三", "2023-01-05", "110101199001011237", "某", "Xu"] {
            assert_eq!(is_placeholder(s, false), s == "某", "{s}");
        }
    }

    #[test]
    fn placeholders_inside_a_place() {
        for s in ["xx单元502", "3号楼**室", "某某小区", "阳光小区待定", "XX栋"] {
            assert!(has_placeholder_part(s), "{s}");
        }
        for s in ["A座", "阳光小区", "11栋1单元502", "Xu"] {
            assert!(!has_placeholder_part(s), "{s}");
        }
    }

    #[test]
    fn traditional_characters_found() {
        assert_eq!(traditional_chars("劉德華"), "劉華");
        assert_eq!(traditional_chars("幸福小區3號樓2單元"), "區號樓單");
        assert_eq!(traditional_chars("刘德华 幸福小区3号楼"), "");
    }
}
