//! Header detection by meaning: every synonym maps to its field, markers and brackets are ignored, unknown and
//! duplicate columns are reported, title rows above the header and a comment row under it are skipped.

use sheetimport::header::{self, field_for_header, header_key};
use sheetimport::Field::{self, *};

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_synonym_in_the_issue_maps_to_its_field() {
    let table: &[(&str, Field)] = &[
        ("姓名", Name),
        ("身份证号", IdNumber),
        ("公民身份号码", IdNumber),
        ("证件号码", IdNumber),
        ("身份证号码", IdNumber),
        ("证件类型", IdType),
        ("性别", Sex),
        ("出生日期", BirthDate),
        ("民族", Ethnicity),
        ("联系电话", Phone),
        ("手机号", Phone),
        ("电话", Phone),
        ("手机", Phone),
        ("政治面貌", Political),
        ("婚姻状况", Marital),
        ("文化程度", Education),
        ("学历", Education),
        ("工作单位", Employment),
        ("工作学习情况", Employment),
        ("就业状况", Employment),
        ("职业", Employment),
        ("健康状况", Health),
        ("与户主关系", Relation),
        ("户号", HouseholdNo),
        ("户编号", HouseholdNo),
        ("现住小区", Estate),
        ("小区", Estate),
        ("建筑", Estate),
        ("现住建筑", Estate),
        ("楼栋", Building),
        ("楼号", Building),
        ("单元", Unit),
        ("门牌", Room),
        ("房号", Room),
        ("现住详细门牌", Room),
        ("门牌号", Room),
        ("所属网格", Grid),
        ("网格", Grid),
        ("人员类型", PersonType),
        ("重点人员", Tags),
        ("重点类别", Tags),
        ("特殊人群", Tags),
        ("户籍地址", HukouAddress),
        ("户籍地", HukouAddress),
        ("是否人户分离", Separated),
        ("实际居住地", Residence),
        ("现住址", Residence),
        ("迁入日期", MoveIn),
        ("迁出日期", MoveOut),
        ("死亡日期", Death),
        ("备注", Notes),
    ];
    for &(text, field) in table {
        assert_eq!(field_for_header(text), Some(field), "{text}");
    }
    for f in Field::ALL {
        assert_eq!(
            field_for_header(f.header_zh()),
            Some(f),
            "canonical header of {f:?}"
        );
        for s in f.synonyms() {
            assert_eq!(field_for_header(s), Some(f), "synonym {s} of {f:?}");
        }
    }
}

#[test]
fn markers_brackets_spaces_and_full_width_are_ignored() {
    for text in [
        "*姓名",
        "姓名*",
        "姓 名",
        "　姓名　",
        "姓名(必填)",
        "姓名（必填）",
        "*姓名（必填）",
        "姓名【必填】",
        "姓名:",
        "姓名必填",
        "＊姓名",
    ] {
        assert_eq!(field_for_header(text), Some(Name), "{text}");
    }
    assert_eq!(field_for_header("身份证号码(18位)"), Some(IdNumber));
    assert_eq!(field_for_header("联系电话（手机）"), Some(Phone));
    assert_eq!(field_for_header("出生日期[yyyy-mm-dd]"), Some(BirthDate));
    assert_eq!(header_key(" *身份证号（必填） "), "身份证号");
    // found by fuzzing: markers on both ends, and the key of a key is the key
    assert_eq!(header_key("选填电话选填"), "电话");
    let odd = String::from_utf8_lossy(b"\xe9\x80\x89\xe5\xa1\xab\xe5X\xe9\x80\x89\xe5\xa1\xab")
        .into_owned();
    assert_eq!(header_key(&header_key(&odd)), header_key(&odd));
}

#[test]
fn unknown_and_empty_headers() {
    for text in ["", "序号", "宠物", "车牌号", "(必填)"] {
        assert_eq!(field_for_header(text), None, "{text}");
    }
}

#[test]
fn layout_reports_unknown_and_duplicate_columns() {
    let cells = strings(&[
        "序号",
        "姓名",
        "身份证号",
        "公民身份号码",
        "宠物",
        "",
        "联系电话",
        "手机号",
        "电话",
    ]);
    let l = header::layout("人口", 3, &cells);
    assert_eq!(l.header_row, 3);
    assert_eq!(
        l.columns,
        vec![(1, Name), (2, IdNumber), (6, Phone), (7, Phone2)]
    );
    assert_eq!(
        l.unknown,
        vec![(0, "序号".to_string()), (4, "宠物".to_string())]
    );
    assert_eq!(
        l.duplicate,
        vec![(3, "公民身份号码".to_string()), (8, "电话".to_string())]
    );
    assert_eq!(l.column_label(2), "C (身份证号)");
}

#[test]
fn header_found_below_title_rows() {
    let rows = vec![
        (1, strings(&["XX社区人口信息登记表"])),
        (
            2,
            strings(&["填报单位:幸福街道", "", "填报日期:2023-01-05"]),
        ),
        (3, strings(&["序号", "*姓名", "身份证号码(必填)", "性别"])),
        (4, strings(&["1", "张三", "110101199001011237", "男"])),
    ];
    assert_eq!(header::find_header(&rows), Some(2));
    assert_eq!(header::find_header(&rows[..2]), None);
    // a single recognised cell is not a header
    assert_eq!(header::find_header(&[(1, strings(&["姓名"]))]), None);
}

#[test]
fn comment_row_recognised_and_data_row_not() {
    let l = header::layout("S", 1, &strings(&["姓名", "身份证号", "出生日期", "性别"]));
    let comment = strings(&["必填", "请填写18位身份证号", "格式:2023-01-05", "男/女"]);
    assert!(header::is_comment_row(&comment, &l));
    let hints: Vec<String> = [Name, IdNumber, BirthDate, Sex]
        .iter()
        .map(|f| f.hint_zh().to_string())
        .collect();
    assert!(header::is_comment_row(&hints, &l));
    let data = strings(&["张三", "110101199001011237", "2023-01-05", "男"]);
    assert!(!header::is_comment_row(&data, &l));
    assert!(!header::is_comment_row(&strings(&["", ""]), &l));
}

#[test]
fn column_letters() {
    assert_eq!(header::column_letter(0), "A");
    assert_eq!(header::column_letter(25), "Z");
    assert_eq!(header::column_letter(26), "AA");
    assert_eq!(header::column_letter(27), "AB");
    assert_eq!(header::column_letter(701), "ZZ");
    assert_eq!(header::column_letter(702), "AAA");
}

#[test]
fn peer_template_headers_and_the_header_that_wins() {
    let cells = strings(&[
        "唯一标识",
        "姓名",
        "户编号",
        "户号",
        "现住小区/建筑",
        "现住详细门牌",
        "户籍小区/建筑",
        "户籍详细地址",
        "户籍迁入日期",
        "迁入日期",
        "是否已迁出",
        "迁往地",
        "是否已死亡",
        "工作/学习情况",
        "护照/其他证件号码",
        "其他证件类型",
        "与其他人员关系",
        "与户主关系",
        "是否重点人员",
        "所属小区",
    ]);
    let l = header::layout("人员信息", 2, &cells);
    let field_at = |col: usize| l.columns.iter().find(|c| c.0 == col).map(|c| c.1);
    assert_eq!(field_at(0), Some(ExternalId));
    // 户号 wins over 户编号 although it comes second; 迁入日期 over 户籍迁入日期; 与户主关系 over
    // 与其他人员关系; 现住小区/建筑 (first) over 所属小区.
    assert_eq!((field_at(2), field_at(3)), (None, Some(HouseholdNo)));
    assert_eq!((field_at(8), field_at(9)), (None, Some(MoveIn)));
    assert_eq!((field_at(16), field_at(17)), (None, Some(Relation)));
    assert_eq!((field_at(4), field_at(19)), (Some(Estate), None));
    assert_eq!(field_at(5), Some(Room));
    assert_eq!(field_at(6), Some(HukouEstate));
    assert_eq!(field_at(7), Some(HukouAddress));
    assert_eq!(field_at(10), Some(MovedOut));
    assert_eq!(field_at(11), Some(MoveTo));
    assert_eq!(field_at(12), Some(Dead));
    assert_eq!(field_at(13), Some(Employment));
    assert_eq!(field_at(14), Some(OtherIdNumber));
    assert_eq!(field_at(15), Some(OtherIdType));
    assert_eq!(field_at(18), Some(KeyPerson));
    let dups: Vec<usize> = l.duplicate.iter().map(|d| d.0).collect();
    assert_eq!(dups, [2, 8, 16, 19]);
    assert!(l.unknown.is_empty());
    assert_eq!(header::winner_of(&l, "户编号"), Some(3));
}
