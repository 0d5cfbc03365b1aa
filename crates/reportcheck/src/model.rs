//! Shared data types: document lines, cleaning changes, findings and their rule codes.

use serde::{Deserialize, Serialize};

/// One line of the document being checked; `no` is the 1-based line number in the input,
/// kept through cleaning so that every finding points at the line the author sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub no: usize,
    pub text: String,
}

/// Split text into numbered lines (accepts `\n`, `\r\n` and `\r`).
pub fn split_lines(text: &str) -> Vec<Line> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalised;
    let text = if text.contains('\r') {
        normalised = text.replace("\r\n", "\n").replace('\r', "\n");
        normalised.as_str()
    } else {
        text
    };
    text.split('\n')
        .enumerate()
        .map(|(i, t)| Line {
            no: i + 1,
            text: t.to_string(),
        })
        .collect()
}

/// What a cleaning step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Pinyin,
    TradToSimp,
    Mojibake,
    Quotes,
    Boilerplate,
    Punctuation,
}

impl ChangeKind {
    pub fn title(self) -> &'static str {
        match self {
            ChangeKind::Pinyin => "删除拼音注音",
            ChangeKind::TradToSimp => "繁体转简体",
            ChangeKind::Mojibake => "修复乱码",
            ChangeKind::Quotes => "恢复引号",
            ChangeKind::Boilerplate => "删除网页附加内容",
            ChangeKind::Punctuation => "统一标点",
        }
    }
}

/// One change made while cleaning; `count` is how many times the same replacement happened on the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub line: usize,
    pub before: String,
    pub after: String,
    pub count: usize,
}

/// Rule codes of findings. The serialized code is stable (used by the server and in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rule {
    #[serde(rename = "placeholder.year")]
    PlaceholderYear,
    #[serde(rename = "placeholder.xx")]
    PlaceholderXx,
    #[serde(rename = "placeholder.stars")]
    PlaceholderStars,
    #[serde(rename = "placeholder.blank")]
    PlaceholderBlank,
    #[serde(rename = "placeholder.someone")]
    PlaceholderSomeone,
    #[serde(rename = "placeholder.empty_brackets")]
    PlaceholderEmptyBrackets,
    #[serde(rename = "placeholder.missing_number")]
    PlaceholderMissingNumber,
    #[serde(rename = "placeholder.date")]
    PlaceholderDate,
    #[serde(rename = "duplicate.exact")]
    DuplicateExact,
    #[serde(rename = "duplicate.near")]
    DuplicateNear,
    #[serde(rename = "numbering.repeat")]
    NumberingRepeat,
    #[serde(rename = "numbering.skip")]
    NumberingSkip,
    #[serde(rename = "numbering.backwards")]
    NumberingBackwards,
    #[serde(rename = "date.event")]
    DateEvent,
    #[serde(rename = "date.future_year")]
    DateFutureYear,
    #[serde(rename = "personal.id_number")]
    PersonalIdNumber,
    #[serde(rename = "personal.phone")]
    PersonalPhone,
    #[serde(rename = "personal.named_person")]
    PersonalNamedPerson,
    #[serde(rename = "figures.sub_exceeds_total")]
    SubExceedsTotal,
    #[serde(rename = "figures.percentage_mismatch")]
    PercentageMismatch,
    #[serde(rename = "figures.inconsistent")]
    FiguresInconsistent,
    #[serde(rename = "mojibake")]
    Mojibake,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::PlaceholderYear => "placeholder.year",
            Rule::PlaceholderXx => "placeholder.xx",
            Rule::PlaceholderStars => "placeholder.stars",
            Rule::PlaceholderBlank => "placeholder.blank",
            Rule::PlaceholderSomeone => "placeholder.someone",
            Rule::PlaceholderEmptyBrackets => "placeholder.empty_brackets",
            Rule::PlaceholderMissingNumber => "placeholder.missing_number",
            Rule::PlaceholderDate => "placeholder.date",
            Rule::DuplicateExact => "duplicate.exact",
            Rule::DuplicateNear => "duplicate.near",
            Rule::NumberingRepeat => "numbering.repeat",
            Rule::NumberingSkip => "numbering.skip",
            Rule::NumberingBackwards => "numbering.backwards",
            Rule::DateEvent => "date.event",
            Rule::DateFutureYear => "date.future_year",
            Rule::PersonalIdNumber => "personal.id_number",
            Rule::PersonalPhone => "personal.phone",
            Rule::PersonalNamedPerson => "personal.named_person",
            Rule::SubExceedsTotal => "figures.sub_exceeds_total",
            Rule::PercentageMismatch => "figures.percentage_mismatch",
            Rule::FiguresInconsistent => "figures.inconsistent",
            Rule::Mojibake => "mojibake",
        }
    }

    /// Short Chinese title of the rule.
    pub fn title(self) -> &'static str {
        match self {
            Rule::PlaceholderYear => "年份未填写",
            Rule::PlaceholderXx => "占位符 xx 未替换",
            Rule::PlaceholderStars => "占位符 ** 未替换",
            Rule::PlaceholderBlank => "空白下划线未填写",
            Rule::PlaceholderSomeone => "“某某”未替换",
            Rule::PlaceholderEmptyBrackets => "空括号或空引号",
            Rule::PlaceholderMissingNumber => "缺少数字",
            Rule::PlaceholderDate => "日期未填写",
            Rule::DuplicateExact => "段落重复",
            Rule::DuplicateNear => "段落近似重复",
            Rule::NumberingRepeat => "编号重复",
            Rule::NumberingSkip => "编号跳号",
            Rule::NumberingBackwards => "编号倒退",
            Rule::DateEvent => "事件与报告年份不符",
            Rule::DateFutureYear => "年份晚于报告年份",
            Rule::PersonalIdNumber => "身份证号码",
            Rule::PersonalPhone => "手机号码",
            Rule::PersonalNamedPerson => "敏感信息涉及的姓名",
            Rule::SubExceedsTotal => "分项大于总数",
            Rule::PercentageMismatch => "百分比与分项不符",
            Rule::FiguresInconsistent => "同一数据前后不一致",
            Rule::Mojibake => "疑似乱码",
        }
    }
}

/// Something wrong with the report: where (`line`), what (`snippet`), which rule, and why (`message`, Chinese).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub line: usize,
    pub snippet: String,
    pub message: String,
    /// Another line involved (the first copy of a duplicate, the total of a sub-count …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub related_line: Option<usize>,
}

impl Finding {
    pub fn new(
        rule: Rule,
        line: usize,
        snippet: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            line,
            snippet: snippet.into(),
            message: crate::clean::punct::normalise(&message.into()).0,
            related_line: None,
        }
    }

    pub fn related(mut self, line: usize) -> Self {
        self.related_line = Some(line);
        self
    }
}
