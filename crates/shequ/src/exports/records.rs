//! The case list and the lists around it as .xlsx: cases (the same filters and scope as the page), hazards,
//! home visits, patrol logs and the overdue-visit list of a rule. Reporter phones are masked unless the role
//! may reveal them; every export is recorded in the audit log with its filter and row count.

use serde_json::{json, Value};

use super::sheet::{Cell, Column, Sheet};
use crate::accounts::Actor;
use crate::audit;
use crate::cases::hazards::{self, HazardQuery};
use crate::cases::queries::{self, ListQuery};
use crate::db::Db;
use crate::error::Result;
use crate::fieldwork::patrols::{self, LogQuery};
use crate::fieldwork::visit_stats;
use crate::fieldwork::visits::{self, VisitQuery};
use crate::registry::mask;

const PAGE: i64 = 5000;

fn cols(spec: &[(&'static str, f64)]) -> Vec<Column> {
    spec.iter()
        .map(|(header, width)| Column {
            header,
            width: *width,
        })
        .collect()
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// China-time date of a UTC timestamp, for the 上报时间 / 结案时间 columns.
fn local(ts: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(ts, "%Y-%m-%d %H:%M:%S")
        .map(|t| {
            (t + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| ts.to_string())
}

async fn finish(
    db: &Db,
    actor: &Actor,
    entity: &str,
    sheet: Sheet,
    filter: Value,
) -> Result<(Vec<u8>, u32)> {
    let rows = sheet.rows();
    let bytes = sheet.finish()?;
    audit::record(
        &db.pool,
        actor,
        "export",
        entity,
        None,
        None,
        Some(&json!({"filter": filter, "rows": rows})),
    )
    .await?;
    Ok((bytes, rows))
}

/// The case list: every case the page would list with these filters, page after page.
pub async fn cases(db: &Db, actor: &Actor, q: &ListQuery) -> Result<(Vec<u8>, u32)> {
    let columns = cols(&[
        ("编号", 18.0),
        ("标题", 30.0),
        ("分类", 16.0),
        ("来源", 10.0),
        ("网格", 12.0),
        ("地点", 14.0),
        ("地址", 24.0),
        ("反映人", 10.0),
        ("联系电话", 14.0),
        ("状态", 8.0),
        ("时限", 8.0),
        ("负责人", 10.0),
        ("派遣对象", 14.0),
        ("上报时间", 17.0),
        ("结案时间", 17.0),
        ("评价", 10.0),
    ]);
    let mut sheet = Sheet::new("民情案件", &columns)?;
    let full = actor.role.can_unmask();
    let mut page = 1;
    loop {
        let q = ListQuery {
            page: Some(page),
            per_page: Some(200),
            ..q.clone()
        };
        let got = queries::list(db, actor, &q).await?;
        let n = got.items.len() as i64;
        for c in got.items {
            let open = c.state().is_open();
            let phone = c
                .reporter_phone
                .map(|p| if full { p } else { mask::phone(&p) });
            let deadline = match c.deadline_status.as_str() {
                "overdue" if open => "超期",
                "due_soon" if open => "即将超期",
                _ if c.was_overdue == 1 => "曾超期",
                _ => "正常",
            };
            sheet.push(vec![
                t(c.number),
                t(c.title),
                t(c.category_name),
                t(c.source),
                t(c.grid_name),
                t(c.location_name),
                Some(c.address).into(),
                c.reporter_name.into(),
                phone.into(),
                t(c.state_label),
                t(deadline),
                c.owner_name.into(),
                c.assignee_name.into(),
                t(local(&c.created_at)),
                c.closed_at.map(|x| local(&x)).into(),
                c.rating.into(),
            ])?;
        }
        if n < 200 {
            break;
        }
        page += 1;
    }
    let filter = json!({"view": q.view, "grid_id": q.grid_id, "state": q.state, "category_id": q.category_id,
        "overdue": q.overdue, "open": q.open});
    finish(db, actor, "case", sheet, filter).await
}

/// The hazard list with the page's filters.
pub async fn hazards(db: &Db, actor: &Actor, q: &HazardQuery) -> Result<(Vec<u8>, u32)> {
    let columns = cols(&[
        ("编号", 18.0),
        ("隐患类型", 10.0),
        ("隐患名称", 28.0),
        ("网格", 12.0),
        ("地点", 14.0),
        ("发现日期", 12.0),
        ("发现人", 10.0),
        ("状态", 8.0),
        ("上报对象", 12.0),
        ("整改期限", 12.0),
        ("整改完成日期", 12.0),
        ("整改情况", 30.0),
        ("是否逾期", 8.0),
    ]);
    let mut sheet = Sheet::new("安全隐患", &columns)?;
    let mut page = 1;
    loop {
        let got = hazards::list(
            db,
            actor,
            &HazardQuery {
                page: Some(page),
                per_page: Some(PAGE),
                ..q.clone()
            },
        )
        .await?;
        let n = got.items.len() as i64;
        for h in got.items {
            sheet.push(vec![
                t(h.number),
                t(h.kind),
                t(h.title),
                t(h.grid_name),
                t(h.location_name),
                Cell::Date(h.found_on),
                t(h.found_by_name),
                t(h.state_label),
                h.reported_to.into(),
                Cell::Date(h.rectify_by),
                h.rectified_on.map(Cell::Date).unwrap_or(Cell::Empty),
                h.rectify_note.into(),
                t(if h.overdue { "是" } else { "否" }),
            ])?;
        }
        if n < PAGE {
            break;
        }
        page += 1;
    }
    let filter = json!({"state": q.state, "grid_id": q.grid_id, "overdue": q.overdue});
    finish(db, actor, "hazard", sheet, filter).await
}

/// The visit list (走访台账) with the page's filters.
pub async fn visits(db: &Db, actor: &Actor, q: &VisitQuery) -> Result<(Vec<u8>, u32)> {
    let columns = cols(&[
        ("走访日期", 12.0),
        ("户号", 12.0),
        ("地址", 30.0),
        ("网格", 12.0),
        ("走访人", 10.0),
        ("走访类型", 10.0),
        ("事由", 8.0),
        ("走访情况", 40.0),
    ]);
    let mut sheet = Sheet::new("走访台账", &columns)?;
    let mut page = 1;
    loop {
        let got = visits::list(
            db,
            actor,
            &VisitQuery {
                page: Some(page),
                per_page: Some(PAGE),
                ..q.clone()
            },
        )
        .await?;
        let n = got.len() as i64;
        for v in got {
            sheet.push(vec![
                Cell::Date(v.visited_on),
                t(v.household_number),
                Some(v.address).into(),
                t(v.grid_name),
                t(v.worker_name),
                t(v.kind),
                v.reason.into(),
                Some(v.note).into(),
            ])?;
        }
        if n < PAGE {
            break;
        }
        page += 1;
    }
    let filter = json!({"household_id": q.household_id, "grid_id": q.grid_id, "worker_id": q.worker_id,
        "from": q.from, "to": q.to});
    finish(db, actor, "visit", sheet, filter).await
}

/// The patrol log list (巡逻记录) with the page's filters.
pub async fn patrol_logs(db: &Db, actor: &Actor, q: &LogQuery) -> Result<(Vec<u8>, u32)> {
    let columns = cols(&[
        ("队伍", 16.0),
        ("巡逻区域", 14.0),
        ("网格", 12.0),
        ("开始时间", 17.0),
        ("结束时间", 17.0),
        ("巡逻人员", 24.0),
        ("巡逻情况", 40.0),
    ]);
    let mut sheet = Sheet::new("巡逻记录", &columns)?;
    let mut page = 1;
    loop {
        let got = patrols::logs(
            db,
            actor,
            &LogQuery {
                page: Some(page),
                per_page: Some(PAGE),
                ..q.clone()
            },
        )
        .await?;
        let n = got.len() as i64;
        for l in got {
            sheet.push(vec![
                t(l.team_name),
                t(l.area_name),
                t(l.grid_name),
                t(l.started_at),
                t(l.ended_at),
                t(l.patrollers),
                Some(l.summary).into(),
            ])?;
        }
        if n < PAGE {
            break;
        }
        page += 1;
    }
    let filter = json!({"team_id": q.team_id, "grid_id": q.grid_id, "from": q.from, "to": q.to});
    finish(db, actor, "patrol_log", sheet, filter).await
}

/// The overdue-visit list of a rule (every overdue household in scope).
pub async fn overdue_visits(
    db: &Db,
    actor: &Actor,
    rule_id: i64,
    grid: Option<i64>,
) -> Result<(Vec<u8>, u32)> {
    let list = visit_stats::overdue(db, actor, rule_id, grid, crate::db::today(), 100_000).await?;
    let columns = cols(&[
        ("户号", 12.0),
        ("地址", 30.0),
        ("网格", 12.0),
        ("上次走访", 12.0),
        ("应访日期", 12.0),
        ("距上次走访天数", 14.0),
    ]);
    let mut sheet = Sheet::new("逾期未走访", &columns)?;
    for o in list.items {
        sheet.push(vec![
            t(o.household_number),
            Some(o.address).into(),
            t(o.grid_name),
            o.last_visit.map(Cell::Date).unwrap_or(t("从未走访")),
            o.due_on.map(Cell::Date).unwrap_or(Cell::Empty),
            o.days_since
                .map(|d| t(d.to_string()))
                .unwrap_or(Cell::Empty),
        ])?;
    }
    let filter = json!({"rule_id": rule_id, "rule": list.rule.name, "grid_id": grid});
    finish(db, actor, "visit_overdue", sheet, filter).await
}
