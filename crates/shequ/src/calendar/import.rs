//! Reading a later year's holidays from a file: an .ics calendar (each event a holiday, or a 调休 working
//! day when its summary says 班/上班), or a sheet (.xlsx, .csv) with the columns 日期, 类型 (放假 / 上班) and
//! 名称. Every bad line is reported; nothing is taken from a file with one.

use calamine::{Data, Reader};
use chrono::{Duration, NaiveDate};

use super::DayKind;
use crate::error::{Error, Result};

/// Longest holiday event an .ics file may hold (the Spring Festival break is 8–9 days).
const MAX_EVENT_DAYS: i64 = 31;
/// Most days one file may list.
const MAX_DAYS: usize = 2000;

/// The listed days of a file, by its name's extension.
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Vec<(NaiveDate, DayKind, String)>> {
    let lower = file_name.to_lowercase();
    let days = if lower.ends_with(".ics") {
        ics(&String::from_utf8_lossy(bytes))?
    } else if lower.ends_with(".xlsx") {
        xlsx(bytes)?
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        let text = String::from_utf8_lossy(bytes);
        rows(
            text.lines()
                .map(|l| l.split(',').map(|c| c.trim().to_string()).collect())
                .collect(),
        )?
    } else {
        return Err(Error::invalid("文件", "请上传 .ics、.xlsx 或 .csv 文件"));
    };
    if days.is_empty() {
        return Err(Error::invalid("文件", "文件中没有找到日期"));
    }
    if days.len() > MAX_DAYS {
        return Err(Error::invalid(
            "文件",
            format!("一个文件最多 {MAX_DAYS} 天"),
        ));
    }
    Ok(days)
}

fn date_text(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .or_else(|| {
            (digits.len() == 8 && digits.len() == s.len())
                .then(|| NaiveDate::parse_from_str(&digits, "%Y%m%d").ok())
                .flatten()
        })
}

fn ics(text: &str) -> Result<Vec<(NaiveDate, DayKind, String)>> {
    // Unfold continuation lines (RFC 5545: a line starting with a space continues the previous one).
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        if let Some(rest) = raw.strip_prefix(' ').or_else(|| raw.strip_prefix('\t')) {
            if let Some(last) = lines.last_mut() {
                last.push_str(rest);
                continue;
            }
        }
        lines.push(raw.trim_end().to_string());
    }
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let (mut start, mut end, mut summary) = (None, None, String::new());
    for (n, line) in lines.iter().enumerate() {
        let (key, value) = match line.split_once(':') {
            Some((k, v)) => (
                k.split(';').next().unwrap_or("").to_ascii_uppercase(),
                v.trim(),
            ),
            None => continue,
        };
        match key.as_str() {
            "BEGIN" if value.eq_ignore_ascii_case("VEVENT") => {
                (start, end, summary) = (None, None, String::new());
            }
            "DTSTART" => start = date_text(&value[..value.len().min(8)]),
            "DTEND" => end = date_text(&value[..value.len().min(8)]),
            "SUMMARY" => summary = value.replace("\\,", ",").to_string(),
            "END" if value.eq_ignore_ascii_case("VEVENT") => {
                let Some(s) = start else {
                    bad.push(format!("第{}行:事件没有开始日期", n + 1));
                    continue;
                };
                // DTEND of an all-day event is the day after the last one.
                let e = end.map(|e| e - Duration::days(1)).unwrap_or(s).max(s);
                if (e - s).num_days() >= MAX_EVENT_DAYS {
                    bad.push(format!(
                        "第{}行:事件“{summary}”超过{MAX_EVENT_DAYS}天",
                        n + 1
                    ));
                    continue;
                }
                let kind = if summary.contains('班') {
                    DayKind::Workday
                } else {
                    DayKind::Holiday
                };
                let name = summary
                    .replace("(班)", "")
                    .replace("(休)", "")
                    .replace("补班", "")
                    .replace("上班", "")
                    .replace("放假", "")
                    .replace(['班', '休'], "");
                let mut d = s;
                while d <= e {
                    out.push((d, kind, name.trim().to_string()));
                    d += Duration::days(1);
                }
            }
            _ => {}
        }
    }
    if !bad.is_empty() {
        return Err(Error::invalid("文件", bad.join(";")));
    }
    Ok(out)
}

fn xlsx(bytes: &[u8]) -> Result<Vec<(NaiveDate, DayKind, String)>> {
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| Error::invalid("文件", format!("无法读取 .xlsx 文件:{e}")))?;
    let Some(name) = book.sheet_names().first().cloned() else {
        return Err(Error::invalid("文件", "文件中没有工作表"));
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| Error::invalid("文件", format!("无法读取工作表:{e}")))?;
    let cells = range
        .rows()
        .take(MAX_DAYS + 10)
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::DateTime(dt) => serial_date(dt.as_f64()),
                    Data::Float(f) if *f > 20000.0 && *f < 80000.0 => serial_date(*f),
                    other => other.to_string().trim().to_string(),
                })
                .collect()
        })
        .collect();
    rows(cells)
}

/// An Excel serial date (1900 system) as ISO text.
fn serial_date(f: f64) -> String {
    (NaiveDate::from_ymd_opt(1899, 12, 30).unwrap() + Duration::days(f as i64)).to_string()
}

/// Rows of (日期, 类型, 名称); a header row and comment rows (#) are skipped.
fn rows(rows: Vec<Vec<String>>) -> Result<Vec<(NaiveDate, DayKind, String)>> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let first = r.first().map(String::as_str).unwrap_or("");
        if r.iter().all(|c| c.is_empty())
            || first.starts_with('#')
            || first.contains("日期")
            || first.eq_ignore_ascii_case("date")
        {
            continue;
        }
        let Some(d) = date_text(first) else {
            bad.push(format!("第{}行:“{first}”不是日期", i + 1));
            continue;
        };
        let kind_text = r.get(1).map(String::as_str).unwrap_or("");
        let Some(k) = DayKind::from_code(kind_text) else {
            bad.push(format!("第{}行:类型“{kind_text}”应为放假或上班", i + 1));
            continue;
        };
        out.push((d, k, r.get(2).cloned().unwrap_or_default()));
    }
    if !bad.is_empty() {
        return Err(Error::invalid(
            "文件",
            bad.into_iter().take(20).collect::<Vec<_>>().join(";"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_ics_holiday_and_a_working_weekend() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20271001\r\nDTEND;VALUE=DATE:20271008\r\nSUMMARY:国庆节\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270926\r\nSUMMARY:国庆节(班)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let days = parse("2027.ics", ics.as_bytes()).unwrap();
        assert_eq!(days.len(), 8);
        assert_eq!(
            days[0],
            (
                NaiveDate::from_ymd_opt(2027, 10, 1).unwrap(),
                DayKind::Holiday,
                "国庆节".into()
            )
        );
        assert_eq!(
            days[7],
            (
                NaiveDate::from_ymd_opt(2027, 9, 26).unwrap(),
                DayKind::Workday,
                "国庆节".into()
            )
        );
    }

    #[test]
    fn a_bad_line_of_a_sheet_refuses_the_file_and_says_which() {
        let csv = "日期,类型,名称\n2027-01-01,放假,元旦\n2027-13-01,放假,x\n2027-02-06,休息,春节\n";
        let err = parse("2027.csv", csv.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("第3行") && err.contains("第4行"), "{err}");
        let ok = parse(
            "2027.csv",
            "日期,类型,名称\n2027/01/01,放假,元旦\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
    }
}
