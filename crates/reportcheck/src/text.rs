//! Small text helpers: Han character tests, GB2312 level tables, GBK encoding and snippets.

use std::sync::OnceLock;

/// CJK unified ideograph (basic block and extension A).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Chinese (full-width) punctuation and quotes.
pub fn is_cjk_punct(c: char) -> bool {
    matches!(
        c,
        '\u{ff0c}'
            | '\u{3002}'
            | '\u{3001}'
            | '\u{ff1b}'
            | '\u{ff1a}'
            | '\u{ff1f}'
            | '\u{ff01}'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{ff08}'
            | '\u{ff09}'
            | '\u{300a}'
            | '\u{300b}'
            | '\u{3010}'
            | '\u{3011}'
            | '\u{2026}'
            | '\u{2014}'
            | '\u{b7}'
            | '\u{300c}'
            | '\u{300d}'
    )
}

/// Class of a Han character in GB2312: 1 = level 1 (3755 common), 2 = level 2, 0 = outside GB2312
/// (traditional-only characters, GBK extension characters and other rare ones).
pub fn gb_class(c: char) -> u8 {
    let cp = c as u32;
    if !(0x4e00..=0x9fff).contains(&cp) {
        return 0;
    }
    table()[(cp - 0x4e00) as usize]
}

fn table() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = vec![0u8; 0x9fff - 0x4e00 + 1];
        for lead in 0xB0u8..=0xF7 {
            for trail in 0xA1u8..=0xFE {
                let pair = [lead, trail];
                let (s, _, err) = encoding_rs::GBK.decode(&pair);
                if err {
                    continue;
                }
                if let Some(c) = s.chars().next() {
                    let cp = c as u32;
                    if (0x4e00..=0x9fff).contains(&cp) {
                        t[(cp - 0x4e00) as usize] = if lead <= 0xD7 { 1 } else { 2 };
                    }
                }
            }
        }
        t
    })
}

/// Share of level-1 GB2312 characters among the Han characters of `s` (1.0 for no Han).
pub fn common_ratio(s: &str) -> f64 {
    let (mut han, mut common) = (0usize, 0usize);
    for c in s.chars().filter(|&c| is_han(c)) {
        han += 1;
        if gb_class(c) == 1 {
            common += 1;
        }
    }
    if han == 0 {
        1.0
    } else {
        common as f64 / han as f64
    }
}

/// Encode to GBK; `None` if a character has no GBK form.
pub fn to_gbk(s: &str) -> Option<Vec<u8>> {
    let (bytes, _, err) = encoding_rs::GBK.encode(s);
    if err {
        None
    } else {
        Some(bytes.into_owned())
    }
}

/// `s[start..end]` with up to `ctx` characters on each side (byte offsets, must be char boundaries).
pub fn excerpt(s: &str, start: usize, end: usize, ctx: usize) -> String {
    let before: String = {
        let v: Vec<char> = s[..start].chars().rev().take(ctx).collect();
        v.into_iter().rev().collect()
    };
    let after: String = s[end..].chars().take(ctx).collect();
    format!("{}{}{}", before, &s[start..end], after)
}

/// First `n` characters of `s`, with "…" when cut.
pub fn head(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}

/// Value of a Chinese numeral such as 三十, 两, 一百二十, 三千五百 (None if not a numeral).
pub fn chinese_number(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut section = 0f64;
    let mut digit: Option<f64> = None;
    for c in s.chars() {
        let d = match c {
            '零' | '〇' => Some(0.0),
            '一' => Some(1.0),
            '二' | '两' => Some(2.0),
            '三' => Some(3.0),
            '四' => Some(4.0),
            '五' => Some(5.0),
            '六' => Some(6.0),
            '七' => Some(7.0),
            '八' => Some(8.0),
            '九' => Some(9.0),
            _ => None,
        };
        if let Some(d) = d {
            digit = Some(d);
            continue;
        }
        let mult = match c {
            '十' => 10.0,
            '百' => 100.0,
            '千' => 1000.0,
            '万' => 10000.0,
            _ => return None,
        };
        if mult == 10000.0 {
            section += digit.take().unwrap_or(0.0);
            total += section * mult;
            section = 0.0;
        } else {
            section += digit.take().unwrap_or(1.0) * mult;
        }
    }
    Some(total + section + digit.unwrap_or(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb_classes() {
        assert_eq!(gb_class('的'), 1);
        assert_eq!(gb_class('诒'), 2);
        assert_eq!(gb_class('務'), 0);
        assert_eq!(gb_class('a'), 0);
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(chinese_number("三十"), Some(30.0));
        assert_eq!(chinese_number("两"), Some(2.0));
        assert_eq!(chinese_number("一百二十"), Some(120.0));
        assert_eq!(chinese_number("三千五百"), Some(3500.0));
        assert_eq!(chinese_number("十二"), Some(12.0));
        assert_eq!(chinese_number("两万三千"), Some(23000.0));
        assert_eq!(chinese_number("社区"), None);
    }
}
