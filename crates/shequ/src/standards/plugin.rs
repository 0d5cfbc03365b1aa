//! What standards self-inspection contributes to reports: items checked and met, the score against the points
//! (and its rate), rectification tasks, open ones, those rectified on time and the rate — and the ledger
//! 创建达标自查整改台账. Of a street or a community (community records; a grid has none).

use crate::reports::catalog::{
    Binds, Column, Count, Def, Indicator, Ledger, Level, Plugin, Rate, SqlLedger,
};

const LEVELS: &[Level] = &[Level::Street, Level::Community];

const fn def(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    definition: &'static str,
) -> Def {
    Def::new("standards", LEVELS, code, name, unit, definition)
}

fn count(def: Def, alias: &'static str, sql: &'static str) -> Box<dyn Indicator> {
    Box::new(Count {
        def,
        alias,
        sql,
        binds: Binds::Timestamps,
    })
}

pub fn plugin() -> Plugin {
    let indicators: Vec<Box<dyn Indicator>> = vec![
        count(def("standards.items", "自查项目", "项", "期内开始的达标自查中已评分的项目数"), "si",
            "SELECT COUNT(*) FROM inspection_scores x JOIN inspections si ON si.id = x.inspection_id WHERE si.created_at >= $1 AND si.created_at < $2 AND {scope}"),
        count(def("standards.items_met", "达标项目", "项", "期内开始的达标自查中得满分的项目数"), "si",
            "SELECT COUNT(*) FROM inspection_scores x JOIN standard_items i ON i.id = x.item_id JOIN inspections si ON si.id = x.inspection_id \
             WHERE x.score >= i.points AND si.created_at >= $1 AND si.created_at < $2 AND {scope}"),
        count(def("standards.score", "自查得分", "分", "期内开始的达标自查中各项目得分之和"), "si",
            "SELECT CAST(COALESCE(SUM(x.score), 0) AS BIGINT) FROM inspection_scores x JOIN inspections si ON si.id = x.inspection_id WHERE si.created_at >= $1 AND si.created_at < $2 AND {scope}"),
        count(def("standards.points", "自查项目分值", "分", "期内开始的达标自查中已评分项目的分值之和"), "si",
            "SELECT CAST(COALESCE(SUM(i.points), 0) AS BIGINT) FROM inspection_scores x JOIN standard_items i ON i.id = x.item_id JOIN inspections si ON si.id = x.inspection_id \
             WHERE si.created_at >= $1 AND si.created_at < $2 AND {scope}"),
        Rate::boxed(def("standards.score_rate", "自查得分率", "%", "自查得分 ÷ 自查项目分值").rate("standards.score", "standards.points")),
        count(def("standards.rectifications", "整改任务", "项", "期内到期的达标自查整改任务数"), "rk",
            "SELECT COUNT(*) FROM rectifications rk WHERE rk.due_at >= $1 AND rk.due_at < $2 AND {scope}"),
        count(def("standards.rectifications_open", "待整改任务", "项", "期内到期、尚未整改完成的整改任务数"), "rk",
            "SELECT COUNT(*) FROM rectifications rk WHERE rk.state = 'open' AND rk.due_at >= $1 AND rk.due_at < $2 AND {scope}"),
        count(def("standards.rectified_on_time", "按时整改", "项", "期内到期、在时限内整改完成的整改任务数"), "rk",
            "SELECT COUNT(*) FROM rectifications rk WHERE rk.rectified_at IS NOT NULL AND rk.rectified_at <= rk.due_at AND rk.due_at >= $1 AND rk.due_at < $2 AND {scope}"),
        Rate::boxed(def("standards.rectified_rate", "按时整改率", "%", "按时整改 ÷ 整改任务").rate("standards.rectified_on_time", "standards.rectifications")),
    ];
    const COLS: &[Column] = &[
        Column::text("社区", 14.0),
        Column::text("标准", 24.0),
        Column::text("序号", 6.0),
        Column::text("项目", 30.0),
        Column::number("分值"),
        Column::number("自查得分"),
        Column::text("整改任务", 30.0),
        Column::text("责任人", 10.0),
        Column::time("整改时限"),
        Column::text("状态", 8.0),
        Column::time("整改时间"),
        Column::text("整改情况", 30.0),
        Column::time("核查时间"),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![Box::new(SqlLedger {
        code: "standards.rectifications",
        title: "创建达标自查整改台账",
        domain: "standards",
        due: "随时",
        columns: COLS,
        alias: "rk",
        sql: "SELECT c.name, t.title, i.number, i.content, i.points, x.score, rk.title, u.display_name, rk.due_at, \
              CASE rk.state WHEN 'open' THEN '待整改' WHEN 'rectified' THEN '已整改' ELSE '已核查' END, \
              rk.rectified_at, rk.rectified_note, rk.verified_at \
              FROM rectifications rk JOIN inspections si ON si.id = rk.inspection_id JOIN standards t ON t.id = si.standard_id \
              JOIN standard_items i ON i.id = rk.item_id JOIN nodes c ON c.id = rk.community_id JOIN users u ON u.id = rk.owner_id \
              LEFT JOIN inspection_scores x ON x.inspection_id = rk.inspection_id AND x.item_id = rk.item_id \
              WHERE rk.due_at >= $1 AND rk.due_at < $2 AND {scope} ORDER BY c.name, rk.due_at, rk.id LIMIT {limit}",
        binds: Binds::Timestamps,
    })];
    (indicators, ledgers)
}
