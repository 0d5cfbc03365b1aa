//! Building a street's tree from a sheet (`shequ tree import FILE --street …`): one row per place with 社区,
//! 网格 and optionally 小区, 楼栋, 单元 columns (found by their headers), so that a new street's communities,
//! grids, estates and buildings are in place before the person sheets are imported. Names are matched as the
//! person import matches them (spaces, "5" = "5号楼"); what exists is reused, what is missing is created. Every
//! bad row is reported with its number and then nothing is written; a dry run shows the tree it would build.

use std::collections::BTreeMap;

use super::nodes::{self, Kind, NodeInput};
use crate::accounts::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::imports::address;

/// Most rows a tree sheet may have.
pub const MAX_ROWS: usize = 100_000;

/// The columns, by level, with the headers that name them.
const LEVELS: [(Kind, &[&str]); 5] = [
    (Kind::Community, &["社区", "社区名称", "所属社区"]),
    (Kind::Grid, &["网格", "网格名称", "所属网格"]),
    (
        Kind::Estate,
        &["小区", "小区名称", "现住小区", "所属小区", "小区/建筑"],
    ),
    (Kind::Building, &["楼栋", "楼号", "楼栋号", "楼栋名称"]),
    (Kind::Unit, &["单元", "单元号"]),
];

/// One row: the names from the community down, as far as the row goes.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeRow {
    pub row: usize,
    pub path: Vec<(Kind, String)>,
}

/// The cells of the first sheet of an .xlsx, or of a .csv (UTF-8 or GB18030), as text.
fn cells(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsx") {
        crate::standards::sheet::first_sheet(bytes, MAX_ROWS + 20)
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t.to_string(),
            Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let mut out = Vec::new();
        for record in reader.records().take(MAX_ROWS + 20) {
            let record = record.map_err(|e| Error::invalid("文件", format!("CSV 无法解析:{e}")))?;
            out.push(record.iter().map(|c| c.trim().to_string()).collect());
        }
        Ok(out)
    } else {
        Err(Error::invalid("文件", "请提供 .xlsx 或 .csv 文件"))
    }
}

fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect()
}

/// Reads the rows; every bad row is an error listed with its number (as the spreadsheet numbers it).
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Vec<TreeRow>> {
    let cells = cells(file_name, bytes)?;
    // The header: the first of the first ten rows that names 社区 and 网格.
    let found = cells.iter().enumerate().take(10).find_map(|(i, row)| {
        let cols: Vec<(Kind, usize)> = LEVELS
            .iter()
            .filter_map(|(kind, names)| {
                row.iter()
                    .position(|h| names.contains(&header_key(h).as_str()))
                    .map(|c| (*kind, c))
            })
            .collect();
        let has = |k: Kind| cols.iter().any(|(c, _)| *c == k);
        (has(Kind::Community) && has(Kind::Grid)).then_some((i, cols))
    });
    let Some((header, cols)) = found else {
        return Err(Error::invalid(
            "文件",
            "前10行中找不到表头:至少需要“社区”和“网格”两列(可选“小区”“楼栋”“单元”)",
        ));
    };
    if cells.len() > MAX_ROWS + header + 1 {
        return Err(Error::invalid(
            "文件",
            format!("行数超过上限{MAX_ROWS}行,请分成几个文件导入"),
        ));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in cells.iter().enumerate().skip(header + 1) {
        let number = i + 1;
        let get = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
        if cols.iter().all(|(_, c)| get(*c).is_empty()) {
            continue;
        }
        let mut path = Vec::new();
        let mut gap: Option<Kind> = None;
        for (kind, c) in &cols {
            let name = get(*c);
            if name.is_empty() {
                gap.get_or_insert(*kind);
                continue;
            }
            if let Some(missing) = gap {
                errors.push(format!(
                    "第{number}行:填写了{}“{name}”,但缺少{}",
                    kind.label_zh(),
                    missing.label_zh()
                ));
                break;
            }
            if sheetimport::check::is_placeholder(name, true)
                || sheetimport::check::has_placeholder_part(name)
            {
                errors.push(format!(
                    "第{number}行:{}“{name}”含占位内容,请填写实际名称",
                    kind.label_zh()
                ));
                break;
            }
            if name.chars().count() > 100 {
                errors.push(format!(
                    "第{number}行:{}名称不能超过100个字符",
                    kind.label_zh()
                ));
                break;
            }
            let name = match kind {
                Kind::Building => address::building_name(name),
                Kind::Unit => address::unit_name(name),
                _ => name.to_string(),
            };
            path.push((*kind, name));
        }
        if path.len() < 2
            && errors
                .last()
                .is_none_or(|e| !e.starts_with(&format!("第{number}行")))
        {
            errors.push(format!("第{number}行:缺少社区或网格"));
        }
        rows.push(TreeRow { row: number, path });
    }
    if !errors.is_empty() {
        let n = errors.len();
        let shown: Vec<String> = errors.into_iter().take(50).collect();
        return Err(Error::invalid(
            "文件",
            format!(
                "{n}行有错误,未写入任何数据:{}{}",
                shown.join(";"),
                if n > 50 { " …" } else { "" }
            ),
        ));
    }
    Ok(rows)
}

/// What the tree import did (or, in a dry run, would do).
#[derive(Debug, Default, Clone)]
pub struct Plan {
    /// Per level: nodes created (or to create), nodes found.
    pub created: BTreeMap<&'static str, usize>,
    /// Each new node with its path: "幸福社区 › 第一网格 › 新苑小区(新建小区)".
    pub lines: Vec<String>,
}

fn key(kind: Kind, name: &str) -> String {
    match kind {
        Kind::Estate => address::estate_key(name),
        Kind::Building => address::building_key(name),
        Kind::Unit => address::unit_key(name),
        _ => name.chars().filter(|c| !c.is_whitespace()).collect(),
    }
}

/// Finds or creates every row's places under the street `street_id` (as `actor`, whose scope applies; each
/// creation is audited like one made on the pages). A dry run creates nothing.
pub async fn apply(
    db: &Db,
    actor: &Actor,
    street_id: i64,
    rows: &[TreeRow],
    dry_run: bool,
) -> Result<Plan> {
    let street = nodes::get(db, actor, street_id).await?;
    if street.kind() != Kind::Street {
        return Err(Error::invalid("街道", "请选择一个街道"));
    }
    let mut plan = Plan::default();
    // (parent id or a planned placeholder, key) → node id (negative: planned in a dry run).
    let mut known: BTreeMap<(i64, String), i64> = BTreeMap::new();
    let mut loaded: std::collections::BTreeSet<i64> = Default::default();
    let mut next_planned = -1i64;
    for row in rows {
        let mut parent = street.id;
        let mut trail: Vec<&str> = Vec::new();
        for (kind, name) in &row.path {
            if parent > 0 && loaded.insert(parent) {
                for c in nodes::children(db, actor, parent, false).await? {
                    known.insert((parent, key(c.kind(), &c.name)), c.id);
                }
            }
            let k = (parent, key(*kind, name));
            let id = match known.get(&k) {
                Some(id) => *id,
                None => {
                    let id = if dry_run {
                        next_planned -= 1;
                        next_planned
                    } else {
                        let input = NodeInput {
                            name: name.clone(),
                            code: None,
                        };
                        nodes::create(db, actor, Some(parent), *kind, &input)
                            .await
                            .map_err(|e| match e {
                                Error::Invalid { message, .. } => Error::invalid(
                                    "文件",
                                    format!(
                                        "第{}行:{}“{name}”:{message}",
                                        row.row,
                                        kind.label_zh()
                                    ),
                                ),
                                other => other,
                            })?
                            .id
                    };
                    *plan.created.entry(kind.label_zh()).or_default() += 1;
                    let above = if trail.is_empty() {
                        String::new()
                    } else {
                        format!("{} › ", trail.join(" › "))
                    };
                    plan.lines
                        .push(format!("{above}{name}(新建{})", kind.label_zh()));
                    known.insert(k, id);
                    id
                }
            };
            parent = id;
            trail.push(name);
        }
    }
    Ok(plan)
}
