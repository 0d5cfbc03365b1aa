//! What cases and the work around them contribute to reports: cases received, closed, closed on time and
//! overdue; disputes and mediation (调解成功率); petitions; satisfaction; hazards found and rectified; patrols
//! and findings; home visits and their coverage — and the ledgers offices keep of them.

use crate::reports::catalog::{
    Binds, Column, Count, Def, Indicator, Ledger, Plugin, Rate, SqlLedger, ALL_LEVELS,
};

const fn def(
    domain: &'static str,
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    definition: &'static str,
) -> Def {
    Def::new(domain, ALL_LEVELS, code, name, unit, definition)
}

const fn rate(
    domain: &'static str,
    code: &'static str,
    name: &'static str,
    definition: &'static str,
    n: &'static str,
    d: &'static str,
) -> Def {
    def(domain, code, name, "%", definition).rate(n, d)
}

pub fn plugin() -> Plugin {
    use Binds::*;
    let c = "cases";
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Count::boxed(def(c, "cases.received", "受理民情", "件", "期内上报的案件数(含不予立案)"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND {scope}", Timestamps),
        Count::boxed(def(c, "cases.closed", "办结民情", "件", "期内结案的案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.closed_at >= $1 AND c.closed_at < $2 AND {scope}", Timestamps),
        Count::boxed(def(c, "cases.closed_on_time", "按时办结", "件", "期内结案且结案时间不晚于总时限的案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.closed_at >= $1 AND c.closed_at < $2 AND c.closed_at <= c.due_at AND {scope}", Timestamps),
        Rate::boxed(rate(c, "cases.on_time_rate", "按时办结率", "按时办结 ÷ 办结民情", "cases.closed_on_time", "cases.closed")),
        Count::boxed(def(c, "cases.overdue", "超期案件", "件", "期内上报、曾有阶段超期的案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND c.was_overdue = 1 AND {scope}", Timestamps),
        Count::boxed(def(c, "cases.disputes", "受理矛盾纠纷", "起", "期内上报的矛盾纠纷类案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 \
             AND c.category_id IN (SELECT k.id FROM case_categories k WHERE k.dispute = 1) AND {scope}", Timestamps),
        Count::boxed(def(c, "cases.mediated_ok", "调解成功", "起", "期内调解结果为调解成功的纠纷数"), "m",
            "SELECT COUNT(*) FROM mediations m WHERE m.result = '调解成功' AND m.result_at >= $1 AND m.result_at < $2 AND {scope}", Timestamps),
        Rate::boxed(rate(c, "cases.mediation_rate", "调解成功率", "调解成功 ÷ 受理矛盾纠纷", "cases.mediated_ok", "cases.disputes")),
        Count::boxed(def(c, "cases.petitions", "信访", "件", "期内上报的信访类案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND c.category_id IN \
             (SELECT k.id FROM case_categories k WHERE k.code = 'petition' OR k.code LIKE 'petition.%') AND {scope}", Timestamps),
        Count::boxed(def(c, "cases.group_petitions", "群体上访", "件", "期内上报、标记为群体上访的案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND c.group_petition = 1 AND {scope}", Timestamps),
        Count::boxed(def(c, "cases.escalated", "升级督办", "件", "期内上报、因超期升级督办的案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND c.escalated_to IS NOT NULL AND {scope}", Timestamps),
        Count::boxed(def(c, "cases.rated", "参与评价", "件", "期内评价的案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.rated_at >= $1 AND c.rated_at < $2 AND c.rating IS NOT NULL AND {scope}", Timestamps),
        Count::boxed(def(c, "cases.satisfied", "满意评价", "件", "期内评价为满意或基本满意的案件数"), "c",
            "SELECT COUNT(*) FROM cases c WHERE c.rated_at >= $1 AND c.rated_at < $2 AND c.rating IN ('满意', '基本满意') AND {scope}", Timestamps),
        Rate::boxed(rate(c, "cases.satisfaction_rate", "群众满意率", "满意评价 ÷ 参与评价", "cases.satisfied", "cases.rated")),
        Count::boxed(def("hazards", "hazards.found", "排查安全隐患", "处", "期内发现的安全隐患数"), "h",
            "SELECT COUNT(*) FROM hazards h WHERE h.found_on >= $1 AND h.found_on <= $2 AND {scope}", Dates),
        Count::boxed(def("hazards", "hazards.rectified", "整改安全隐患", "处", "期内整改完成的安全隐患数"), "h",
            "SELECT COUNT(*) FROM hazards h WHERE h.rectified_on >= $1 AND h.rectified_on <= $2 AND {scope}", Dates),
        Rate::boxed(rate("hazards", "hazards.rectify_rate", "隐患整改率", "整改安全隐患 ÷ 排查安全隐患", "hazards.rectified", "hazards.found")),
        Count::boxed(def("fieldwork", "patrols.logs", "巡逻", "次", "期内开始的巡逻次数"), "l",
            "SELECT COUNT(*) FROM patrol_logs l WHERE l.started_at >= $1 AND l.started_at < $2 AND {scope}", LocalTimestamps),
        Count::boxed(def("fieldwork", "patrols.findings", "巡逻发现问题", "处", "期内巡逻记录的发现数"), "f",
            "SELECT COUNT(*) FROM patrol_findings f WHERE f.created_at >= $1 AND f.created_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("fieldwork", "visits.visits", "入户走访", "次", "期内的走访次数"), "v",
            "SELECT COUNT(*) FROM visits v WHERE v.visited_on >= $1 AND v.visited_on <= $2 AND {scope}", Dates),
        Count::boxed(def("fieldwork", "visits.households", "走访户数", "户", "期内至少走访一次的户数"), "v",
            "SELECT COUNT(DISTINCT v.household_id) FROM visits v WHERE v.visited_on >= $1 AND v.visited_on <= $2 AND {scope}", Dates),
        Rate::boxed(rate("fieldwork", "visits.coverage", "走访覆盖率", "走访户数 ÷ 期末户数", "visits.households", "registry.households")),
    ];
    const DISPUTE_COLS: &[Column] = &[
        Column::text("编号", 16.0),
        Column::time("受理时间"),
        Column::text("类别", 14.0),
        Column::text("纠纷事项", 30.0),
        Column::text("地点", 30.0),
        Column::text("调解员", 12.0),
        Column::text("调解结果", 12.0),
        Column::text("状态", 8.0),
    ];
    const PETITION_COLS: &[Column] = &[
        Column::text("编号", 16.0),
        Column::time("来访时间"),
        Column::text("来访人", 10.0),
        Column::text("反映问题", 36.0),
        Column::text("群体上访", 8.0),
        Column::text("承办", 16.0),
        Column::time("办结时间"),
        Column::text("评价", 8.0),
    ];
    const HAZARD_COLS: &[Column] = &[
        Column::text("编号", 16.0),
        Column::text("发现日期", 12.0),
        Column::text("类型", 10.0),
        Column::text("隐患内容", 30.0),
        Column::text("地点", 30.0),
        Column::text("发现人", 10.0),
        Column::text("整改期限", 12.0),
        Column::text("整改日期", 12.0),
    ];
    const PATROL_COLS: &[Column] = &[
        // Patrol times are stored as entered, in Beijing time.
        Column::text("开始时间", 16.0),
        Column::text("结束时间", 16.0),
        Column::text("巡逻队", 16.0),
        Column::text("巡逻人员", 20.0),
        Column::text("巡逻情况", 36.0),
        Column::number("发现问题"),
    ];
    const VISIT_COLS: &[Column] = &[
        Column::text("走访日期", 12.0),
        Column::text("户址", 30.0),
        Column::text("走访人", 10.0),
        Column::text("方式", 8.0),
        Column::text("事由", 16.0),
        Column::text("走访情况", 36.0),
    ];
    const RESOLVED_COLS: &[Column] = &[
        Column::text("编号", 16.0),
        Column::time("受理时间"),
        Column::text("类别", 14.0),
        Column::text("反映问题", 30.0),
        Column::text("反映人", 10.0),
        Column::text("地点", 30.0),
        Column::text("承办", 16.0),
        Column::time("办结时间"),
        Column::text("按时办结", 8.0),
        Column::text("评价", 8.0),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![
        Box::new(SqlLedger {
            code: "cases.resolved",
            title: "民情实事解决台账",
            domain: c,
            due: "月报",
            columns: RESOLVED_COLS,
            alias: "c",
            sql: "SELECT c.number, c.created_at, CASE WHEN p.id IS NULL THEN k.name ELSE p.name || '/' || k.name END, c.title, \
                  c.reporter_name, c.address, c.assignee_name, c.closed_at, CASE WHEN c.closed_at <= c.due_at THEN '是' ELSE '否' END, c.rating \
                  FROM cases c JOIN case_categories k ON k.id = c.category_id LEFT JOIN case_categories p ON p.id = k.parent_id \
                  WHERE c.closed_at >= $1 AND c.closed_at < $2 AND {scope} ORDER BY c.closed_at, c.id LIMIT {limit}",
            binds: Timestamps,
        }),
        Box::new(SqlLedger {
            code: "cases.disputes",
            title: "矛盾纠纷排查调处台账",
            domain: c,
            due: "月报",
            columns: DISPUTE_COLS,
            alias: "c",
            sql: "SELECT c.number, c.created_at, k.name, c.title, c.address, m.mediators, m.result, \
                  CASE c.state WHEN 'reported' THEN '上报' WHEN 'accepted' THEN '立案' WHEN 'rejected' THEN '不予立案' \
                  WHEN 'dispatched' THEN '派遣' WHEN 'handling' THEN '处置' WHEN 'verified' THEN '核查' \
                  WHEN 'closed' THEN '结案' WHEN 'rated' THEN '已评价' ELSE c.state END \
                  FROM cases c JOIN case_categories k ON k.id = c.category_id LEFT JOIN mediations m ON m.case_id = c.id \
                  WHERE k.dispute = 1 AND c.created_at >= $1 AND c.created_at < $2 AND {scope} ORDER BY c.created_at, c.id LIMIT {limit}",
            binds: Timestamps,
        }),
        Box::new(SqlLedger {
            code: "cases.petitions",
            title: "信访接待台账",
            domain: c,
            due: "月报",
            columns: PETITION_COLS,
            alias: "c",
            sql: "SELECT c.number, c.created_at, c.reporter_name, c.title, CASE WHEN c.group_petition = 1 THEN '是' ELSE '否' END, \
                  c.assignee_name, c.closed_at, c.rating FROM cases c WHERE c.category_id IN \
                  (SELECT k.id FROM case_categories k WHERE k.code = 'petition' OR k.code LIKE 'petition.%') \
                  AND c.created_at >= $1 AND c.created_at < $2 AND {scope} ORDER BY c.created_at, c.id LIMIT {limit}",
            binds: Timestamps,
        }),
        Box::new(SqlLedger {
            code: "hazards.found",
            title: "安全隐患排查台账",
            domain: "hazards",
            due: "月报",
            columns: HAZARD_COLS,
            alias: "h",
            sql: "SELECT h.number, h.found_on, h.kind, h.title, h.address, h.found_by_name, h.rectify_by, h.rectified_on \
                  FROM hazards h WHERE h.found_on >= $1 AND h.found_on <= $2 AND {scope} ORDER BY h.found_on, h.id LIMIT {limit}",
            binds: Dates,
        }),
        Box::new(SqlLedger {
            code: "patrols.logs",
            title: "巡逻记录台账",
            domain: "fieldwork",
            due: "月报",
            columns: PATROL_COLS,
            alias: "l",
            sql: "SELECT l.started_at, l.ended_at, t.name, l.patrollers, l.summary, \
                  (SELECT COUNT(*) FROM patrol_findings f WHERE f.log_id = l.id) \
                  FROM patrol_logs l JOIN patrol_teams t ON t.id = l.team_id \
                  WHERE l.started_at >= $1 AND l.started_at < $2 AND {scope} ORDER BY l.started_at, l.id LIMIT {limit}",
            binds: LocalTimestamps,
        }),
        Box::new(SqlLedger {
            code: "visits.visits",
            title: "入户走访台账",
            domain: "fieldwork",
            due: "月报",
            columns: VISIT_COLS,
            alias: "v",
            sql: "SELECT v.visited_on, h.address, v.worker_name, v.kind, v.reason, v.note FROM visits v \
                  JOIN households h ON h.id = v.household_id \
                  WHERE v.visited_on >= $1 AND v.visited_on <= $2 AND {scope} ORDER BY v.visited_on, v.id LIMIT {limit}",
            binds: Dates,
        }),
    ];
    (indicators, ledgers)
}
