//! Real files built in the test: an .xlsx with a merged title row, a comment row and every kind of value people
//! type; GBK and UTF-8-with-BOM CSV files; the blank template read back. Rows and problems are asserted exactly.

use std::ops::ControlFlow;

use rust_xlsxwriter::{Format, Workbook};
use sheetimport::{read_bytes, read_path, Field, ImportError, Problem, Row, Severity, Summary};

type Read = (Summary, Vec<Row>, Vec<Problem>);

fn read(bytes: &[u8], name: &str) -> Read {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let summary = read_bytes(bytes, name, &mut |r, p| {
        rows.push(r);
        problems.extend(p);
        ControlFlow::Continue(())
    })
    .expect("readable");
    (summary, rows, problems)
}

/// (row, column letter, code, severity) of each problem, for compact assertions.
fn brief(problems: &[Problem]) -> Vec<(usize, String, &'static str, Severity)> {
    problems
        .iter()
        .map(|p| {
            let col = p.column.clone().unwrap_or_default();
            (
                p.row,
                col.split(' ').next().unwrap_or("").to_string(),
                p.code,
                p.severity,
            )
        })
        .collect()
}

fn workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("人口信息").unwrap();
    let merged = Format::new().set_bold();
    ws.merge_range(0, 0, 0, 9, "XX社区人口信息登记表", &merged)
        .unwrap();
    let header = [
        "序号",
        "*姓名",
        "身份证号码(必填)",
        "性别",
        "出生日期",
        "联系电话",
        "重点人员",
        "是否人户分离",
        "现住址",
        "宠物",
    ];
    let comment = [
        "",
        "必填",
        "请填写18位身份证号",
        "男/女",
        "格式:2023-01-05",
        "11位手机号",
        "多个用、分隔",
        "是/否",
        "",
        "",
    ];
    for (c, (h, k)) in header.iter().zip(comment).enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
        if !k.is_empty() {
            ws.write_string(2, c as u16, k).unwrap();
        }
    }
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let s = |ws: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, v: &str| {
        ws.write_string(r, c, v).unwrap();
    };
    // row 4: plain text in every form
    for (c, v) in ["1", "张三", "110101199001011237", "男", "2023-01-05"]
        .iter()
        .enumerate()
    {
        s(ws, 3, c as u16, v);
    }
    ws.write_number(3, 5, 13800138000.0).unwrap();
    s(ws, 3, 6, "独居老人、低保;残疾");
    s(ws, 3, 7, "是");
    s(ws, 3, 8, "幸福小区3号楼");
    s(ws, 3, 9, "猫");
    // row 5: ID number as a numeric cell (damaged), slash date, spaced phone
    s(ws, 4, 1, "李四");
    ws.write_number(4, 2, 1.10101199001011E17).unwrap();
    s(ws, 4, 3, "F");
    s(ws, 4, 4, "2023/1/5");
    s(ws, 4, 5, "138 0013 8000");
    s(ws, 4, 7, "否");
    // row 6: scientific ID text, dotted date
    s(ws, 5, 1, "王五");
    s(ws, 5, 2, "1.10101E+17");
    s(ws, 5, 3, "1");
    s(ws, 5, 4, "2023.1.5");
    // row 7: full-width digits everywhere
    s(ws, 6, 1, "赵六");
    s(ws, 6, 2, "１１０１０１１９９００１０１１２３ｘ");
    s(ws, 6, 3, "女性");
    s(ws, 6, 4, "20230105");
    s(ws, 6, 5, "１３８００１３８０００");
    // row 8: placeholders
    s(ws, 7, 1, "某某");
    s(ws, 7, 2, "待定");
    s(ws, 7, 3, "0");
    s(ws, 7, 4, "2023年1月5日");
    // row 9: traditional characters, a real date cell
    s(ws, 8, 1, "劉德華");
    s(ws, 8, 2, "110101199001011237");
    s(ws, 8, 3, "M");
    ws.write_number_with_format(8, 4, 44931.0, &date_fmt)
        .unwrap();
    s(ws, 8, 8, "幸福小區3號樓");
    // row 10: a plain number as a date, then row 11 empty, row 12 a serial typed as text and a bad sex
    s(ws, 9, 1, "孙七");
    ws.write_number(9, 4, 44931.0).unwrap();
    s(ws, 11, 1, "周八");
    s(ws, 11, 3, "3");
    s(ws, 11, 4, "44931");
    s(ws, 11, 7, "可能");
    // row 13: 20xx placeholder date
    s(ws, 12, 1, "吴九");
    s(ws, 12, 4, "20xx");
    wb.add_worksheet().set_name("Sheet2").unwrap();
    let notes = wb.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes.write_string(0, 0, "请按模板填写").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_with_title_comment_row_and_every_value_form() {
    let (summary, rows, problems) = read(&workbook(), "人口.xlsx");
    assert_eq!(summary.format, "xlsx");
    assert_eq!(summary.layouts.len(), 1);
    let l = &summary.layouts[0];
    assert_eq!(
        (l.sheet.as_str(), l.header_row, l.comment_row),
        ("人口信息", 2, Some(3))
    );
    assert_eq!(l.columns.len(), 8);
    assert_eq!(
        l.unknown,
        vec![(0, "序号".to_string()), (9, "宠物".to_string())]
    );
    let file: Vec<_> = summary
        .problems
        .iter()
        .map(|p| (p.sheet.as_str(), p.row, p.column.as_deref(), p.code))
        .collect();
    assert_eq!(
        file,
        vec![
            ("人口信息", 2, Some("A (序号)"), "unknown_column"),
            ("人口信息", 2, Some("J (宠物)"), "unknown_column"),
            ("填表说明", 0, None, "no_header"),
        ]
    );

    let got: Vec<(usize, &str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.row,
                r.get(Field::Name),
                r.get(Field::IdNumber),
                r.get(Field::Sex),
                r.get(Field::BirthDate),
            )
        })
        .collect();
    let d = "2023-01-05";
    assert_eq!(
        got,
        vec![
            (4, "张三", "110101199001011237", "男", d),
            (5, "李四", "1.10101199001011E+17", "女", d),
            (6, "王五", "1.10101E+17", "男", d),
            (7, "赵六", "11010119900101123X", "女", d),
            (8, "某某", "待定", "女", d),
            (9, "劉德華", "110101199001011237", "男", d),
            (10, "孙七", "", "", d),
            (12, "周八", "", "3", d),
            (13, "吴九", "", "", "20xx"),
        ]
    );
    assert!(rows.iter().all(|r| r.sheet == "人口信息"));
    assert_eq!(rows[0].get(Field::Phone), "13800138000");
    assert_eq!(rows[1].get(Field::Phone), "13800138000");
    assert_eq!(rows[3].get(Field::Phone), "13800138000");
    assert_eq!(rows[0].tags, ["独居老人", "低保", "残疾"]);
    assert_eq!(rows[0].get(Field::Tags), "独居老人、低保、残疾");
    assert_eq!(
        (rows[0].separated, rows[1].separated, rows[2].separated),
        (Some(true), Some(false), None)
    );
    assert_eq!(rows[5].get(Field::Residence), "幸福小區3號樓");
    assert_eq!(rows[7].separated, None);

    use Severity::*;
    assert_eq!(
        brief(&problems),
        vec![
            (5, "C".to_string(), "id_damaged", Error),
            (6, "C".to_string(), "id_damaged", Error),
            // sex typed as a code, full-width digits: normalised, and said so
            (6, "D".to_string(), "normalised", Warning),
            (7, "C".to_string(), "normalised", Warning),
            (7, "F".to_string(), "normalised", Warning),
            (8, "B".to_string(), "placeholder", Error),
            (8, "C".to_string(), "placeholder", Error),
            (8, "D".to_string(), "normalised", Warning),
            (9, "B".to_string(), "traditional", Warning),
            (9, "I".to_string(), "traditional", Warning),
            (12, "D".to_string(), "sex_invalid", Error),
            (12, "H".to_string(), "bool_invalid", Error),
            (13, "E".to_string(), "placeholder", Error),
        ]
    );
    let damaged = &problems[0];
    assert_eq!(damaged.sheet, "人口信息");
    assert_eq!(damaged.column.as_deref(), Some("C (身份证号码(必填))"));
    assert_eq!(
        damaged.message,
        "身份证号被Excel转成了数字,后几位已丢失,请将该列设为文本格式后重新导出"
    );
    assert_eq!(problems[1].value, "1.10101E+17");
    assert_eq!(problems[8].message, "姓名含繁体字“劉華”,请确认是否应为简体");
}

#[test]
fn gbk_csv_is_detected_and_decoded() {
    let text = "XX社区人口信息登记表\n姓名,公民身份号码,性别,出生日期,所属网格,户籍地\n\
                张三,110101199001011237,男,2023/1/5,第一网格,北京市东城区\n\
                李四,\"1.10101E+17\",0,20230105,第二网格,\"河北省,保定市\"\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(text);
    assert!(std::str::from_utf8(&gbk).is_err());
    let (summary, rows, problems) = read(&gbk, "人口.csv");
    assert_eq!(summary.format, "csv-gb18030");
    assert_eq!(summary.layouts[0].header_row, 2);
    assert_eq!(summary.problems, vec![]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].row, 3);
    assert_eq!(rows[0].sheet, "CSV");
    let v: Vec<&str> = Field::ALL
        .iter()
        .map(|f| rows[0].get(*f))
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        v,
        [
            "张三",
            "110101199001011237",
            "男",
            "2023-01-05",
            "第一网格",
            "北京市东城区"
        ]
    );
    assert_eq!(rows[1].get(Field::HukouAddress), "河北省,保定市");
    assert_eq!(rows[1].get(Field::Sex), "女");
    assert_eq!(
        brief(&problems),
        vec![
            (4, "B".to_string(), "id_damaged", Severity::Error),
            (4, "C".to_string(), "normalised", Severity::Warning)
        ]
    );
}

#[test]
fn utf8_bom_csv_with_semicolons() {
    let text = "\u{FEFF}姓名;身份证号;是否人户分离;重点类别\n王五;11010119900101123x;Y;残疾\n";
    let (summary, rows, problems) = read(text.as_bytes(), "a.csv");
    assert_eq!(summary.format, "csv-utf8");
    assert_eq!(summary.layouts[0].columns.len(), 4);
    assert!(problems.is_empty());
    assert_eq!(rows[0].get(Field::Name), "王五");
    assert_eq!(rows[0].get(Field::IdNumber), "11010119900101123X");
    assert_eq!(rows[0].separated, Some(true));
    assert_eq!(rows[0].tags, ["残疾"]);
}

#[test]
fn blank_template_reads_back_empty() {
    let bytes = sheetimport::blank_template_xlsx();
    let (summary, rows, problems) = read(&bytes, "template.xlsx");
    assert!(rows.is_empty() && problems.is_empty());
    assert_eq!(summary.problems, vec![]);
    let l = &summary.layouts[0];
    assert_eq!((l.header_row, l.comment_row), (1, Some(2)));
    let fields: Vec<Field> = l.columns.iter().map(|c| c.1).collect();
    assert_eq!(fields, Field::ALL);
}

#[test]
fn read_path_streams_and_stops_on_break() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.xlsx");
    std::fs::write(&path, workbook()).unwrap();
    let mut seen = 0;
    let summary = read_path(&path, &mut |_, _| {
        seen += 1;
        if seen == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!((seen, summary.rows, summary.stopped), (2, 2, true));
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, encoding_rs::GB18030.encode("姓名,性别\n张三,男\n").0).unwrap();
    let summary = read_path(&csv, &mut |r, _| {
        assert_eq!(r.get(Field::Name), "张三");
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!((summary.format, summary.rows), ("csv-gb18030", 1));
}

#[test]
fn files_without_a_header_or_of_unknown_kind_are_refused() {
    let err = read_bytes(
        b"a,b\n1,2\n",
        "x.csv",
        &mut |_, _| ControlFlow::Continue(()),
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::NoHeader));
    assert!(err.to_string().contains("找不到表头"));
    let err = read_bytes(b"hello", "x.pdf", &mut |_, _| ControlFlow::Continue(())).unwrap_err();
    assert!(matches!(err, ImportError::UnknownFormat(_)));
    let err = read_bytes(b"PK\x03\x04garbage", "x.xlsx", &mut |_, _| {
        ControlFlow::Continue(())
    })
    .unwrap_err();
    assert!(matches!(err, ImportError::Excel(_)));
}
