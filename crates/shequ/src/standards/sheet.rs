//! A standard's sheet (.xlsx or .csv): a header row naming 序号, 类别 (章节), 项目 (内容), 评分标准 and 分值, then
//! one item a row. A blank 类别 carries the one above (merged cells). Every bad row is reported with its row
//! number (as the spreadsheet numbers it); a sheet with one is refused whole.

use calamine::{Data, Reader};

use crate::error::{Error, Result};

/// Most rows a standard may have.
pub const MAX_ITEMS: usize = 500;

/// One item as read from a row.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    pub row: usize,
    pub number: String,
    pub section: String,
    pub content: String,
    pub criteria: String,
    pub points: i64,
}

/// The items of a file, by its name's extension.
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Vec<ItemRow>> {
    let lower = file_name.to_lowercase();
    let cells = if lower.ends_with(".xlsx") {
        xlsx(bytes)?
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        String::from_utf8_lossy(bytes)
            .trim_start_matches('\u{feff}')
            .lines()
            .take(MAX_ITEMS + 20)
            .map(|l| l.split(',').map(|c| c.trim().to_string()).collect())
            .collect()
    } else {
        return Err(Error::invalid("文件", "请上传 .xlsx 或 .csv 文件"));
    };
    rows(cells)
}

fn xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    first_sheet(bytes, MAX_ITEMS + 20)
}

/// The cells of an .xlsx file's first sheet as text (whole numbers without ".0"), at most `max_rows` rows,
/// indexed by row as the sheet numbers them — for the small sheets read whole (a standard, a street's tree).
pub(crate) fn first_sheet(bytes: &[u8], max_rows: usize) -> Result<Vec<Vec<String>>> {
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| Error::invalid("文件", format!("无法读取 .xlsx 文件:{e}")))?;
    let Some(name) = book.sheet_names().first().cloned() else {
        return Err(Error::invalid("文件", "文件中没有工作表"));
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| Error::invalid("文件", format!("无法读取工作表:{e}")))?;
    // Row numbers as the sheet shows them: the range may start below row 1.
    let first = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let mut out: Vec<Vec<String>> = vec![Vec::new(); first];
    out.extend(range.rows().take(max_rows).map(|r| {
        r.iter()
            .map(|c| match c {
                Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                other => other.to_string().trim().to_string(),
            })
            .collect()
    }));
    Ok(out)
}

/// Which column holds what, from the header row.
fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.replace([' ', '\u{3000}'], "") == *n))
}

fn rows(cells: Vec<Vec<String>>) -> Result<Vec<ItemRow>> {
    let head = cells
        .iter()
        .position(|r| column(r, &["分值", "分数", "标准分"]).is_some())
        .ok_or_else(|| {
            Error::invalid(
                "文件",
                "没有找到表头:应有“序号、类别、项目、评分标准、分值”等列",
            )
        })?;
    let h = &cells[head];
    let points_col = column(h, &["分值", "分数", "标准分"]).unwrap_or(0);
    let number_col = column(h, &["序号", "编号"]);
    let section_col = column(h, &["类别", "章节", "类别(章节)", "测评类别", "项目类别"]);
    let content_col = column(
        h,
        &[
            "项目",
            "内容",
            "项目(内容)",
            "测评内容",
            "标准内容",
            "测评项目",
        ],
    )
    .ok_or_else(|| Error::invalid("文件", "表头中没有“项目”(内容)列"))?;
    let criteria_col = column(h, &["评分标准", "评分细则", "测评标准", "考核标准"]);
    let get =
        |r: &Vec<String>, c: Option<usize>| c.and_then(|c| r.get(c)).cloned().unwrap_or_default();
    let mut out: Vec<ItemRow> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut section = String::new();
    for (i, r) in cells.iter().enumerate().skip(head + 1) {
        let row = i + 1;
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let s = get(r, section_col);
        if !s.is_empty() {
            section = s;
        }
        let number = match get(r, number_col) {
            n if n.is_empty() => (out.len() + 1).to_string(),
            n => n,
        };
        let content = get(r, Some(content_col));
        let raw = get(r, Some(points_col));
        let mut bad = Vec::new();
        if content.is_empty() {
            bad.push("项目内容为空".to_string());
        } else if content.chars().count() > 500 {
            bad.push("项目内容超过500个字符".to_string());
        }
        if section.is_empty() {
            bad.push("类别为空".to_string());
        }
        let points = match raw.parse::<i64>() {
            Ok(p) if p < 0 => {
                bad.push(format!("分值“{raw}”不能为负数"));
                0
            }
            Ok(p) if p > 1000 => {
                bad.push(format!("分值“{raw}”超过1000"));
                0
            }
            Ok(p) => p,
            Err(_) => {
                bad.push(format!("分值“{raw}”不是整数"));
                0
            }
        };
        if out.iter().any(|o| o.number == number) {
            bad.push(format!("序号“{number}”重复"));
        }
        if !bad.is_empty() {
            problems.push(format!("第{row}行:{}", bad.join(",")));
        }
        out.push(ItemRow {
            row,
            number,
            section: section.chars().take(100).collect(),
            content,
            criteria: get(r, criteria_col).chars().take(2000).collect(),
            points,
        });
        if out.len() > MAX_ITEMS {
            return Err(Error::invalid(
                "文件",
                format!("一个标准最多{MAX_ITEMS}个项目"),
            ));
        }
    }
    if !problems.is_empty() {
        let shown: Vec<_> = problems.iter().take(20).cloned().collect();
        return Err(Error::invalid(
            "文件",
            format!(
                "有{}行不正确,未导入任何项目:{}",
                problems.len(),
                shown.join(";")
            ),
        ));
    }
    if out.is_empty() {
        return Err(Error::invalid("文件", "文件中没有项目"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_checked_with_their_numbers() {
        let csv = "序号,类别,项目,评分标准,分值\n1,组织建设,党组织健全,有,5\n2,,居委会,有,x\n2,,议事会,有,-1\n";
        let e = parse("a.csv", csv.as_bytes()).unwrap_err().to_string();
        assert!(
            e.contains("第3行") && e.contains("第4行") && e.contains("重复"),
            "{e}"
        );
        let ok = parse("a.csv", b"\xEF\xBB\xBF\xE5\xBA\x8F\xE5\x8F\xB7,\xE7\xB1\xBB\xE5\x88\xAB,\xE9\xA1\xB9\xE7\x9B\xAE,\xE5\x88\x86\xE5\x80\xBC\n1,A,B,3\n2,,C,4\n").unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].section, "A");
        assert_eq!(ok[1].points, 4);
    }
}
