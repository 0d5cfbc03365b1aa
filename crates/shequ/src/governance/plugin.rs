//! What self-governance contributes to reports: meetings by type (社区成员代表大会, 居民代表会议, 听证会, 联席会议 …),
//! proposals received and decided, votes held and their turnout, resolution tasks and how many were done on
//! time, community expenses — and the ledgers 会议记录台账 and 决议事项落实台账. Figures are of a street or a
//! community (these are community records; a grid has none).

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
    Def::new("governance", LEVELS, code, name, unit, definition)
}

/// One meeting type's count.
macro_rules! meetings_of {
    ($code:literal, $name:literal, $type:literal) => {
        Count::boxed(
            def($code, $name, "次", concat!("期内召开的", $name, "次数")),
            "mt",
            concat!(
                "SELECT COUNT(*) FROM meetings mt WHERE mt.type_code = '",
                $type,
                "' AND mt.held_on >= $1 AND mt.held_on <= $2 AND {scope}"
            ),
            Binds::Dates,
        )
    };
}

pub fn plugin() -> Plugin {
    use Binds::*;
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Count::boxed(def("governance.meetings", "召开自治会议", "次", "期内召开的各类自治会议(代表大会、听证会、协调会等)次数"), "mt",
            "SELECT COUNT(*) FROM meetings mt WHERE mt.held_on >= $1 AND mt.held_on <= $2 AND {scope}", Dates),
        meetings_of!("governance.meetings.members_congress", "社区成员代表大会", "members_congress"),
        meetings_of!("governance.meetings.residents_reps", "居民代表会议", "residents_reps"),
        meetings_of!("governance.meetings.hearing", "听证会", "hearing"),
        meetings_of!("governance.meetings.appraisal", "评议会", "appraisal"),
        meetings_of!("governance.meetings.coordination", "协调会", "coordination"),
        meetings_of!("governance.meetings.joint", "联席会议", "joint"),
        Count::boxed(def("governance.proposals", "收到议题", "件", "期内提交的议题数(居民端与代表提议)"), "pp",
            "SELECT COUNT(*) FROM proposals pp WHERE pp.created_at >= $1 AND pp.created_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("governance.proposals_decided", "议题形成决定", "件", "期内提交、已形成决定的议题数"), "pp",
            "SELECT COUNT(*) FROM proposals pp WHERE pp.state = 'decided' AND pp.created_at >= $1 AND pp.created_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("governance.votes", "组织表决", "次", "期内结束的表决次数"), "vt",
            "SELECT COUNT(*) FROM votes vt WHERE vt.closes_at >= $1 AND vt.closes_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("governance.voters", "参加表决", "人次", "期内结束的表决中投票的人(户)次"), "vt",
            "SELECT COUNT(*) FROM vote_voters x JOIN votes vt ON vt.id = x.vote_id WHERE vt.closes_at >= $1 AND vt.closes_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("governance.electorate", "应参加表决", "人次", "期内结束的表决中有表决权的人(户)次之和"), "vt",
            "SELECT CAST(COALESCE(SUM(vt.electorate), 0) AS BIGINT) FROM votes vt WHERE vt.closes_at >= $1 AND vt.closes_at < $2 AND {scope}", Timestamps),
        Rate::boxed(def("governance.turnout", "表决参与率", "%", "参加表决 ÷ 应参加表决").rate("governance.voters", "governance.electorate")),
        Count::boxed(def("governance.tasks", "决议事项", "项", "期内到期的决议落实任务数"), "rt",
            "SELECT COUNT(*) FROM resolution_tasks rt WHERE rt.due_at >= $1 AND rt.due_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("governance.tasks_done_on_time", "决议事项按时落实", "项", "期内到期、在时限内办结的决议落实任务数"), "rt",
            "SELECT COUNT(*) FROM resolution_tasks rt WHERE rt.due_at >= $1 AND rt.due_at < $2 AND rt.done_at IS NOT NULL AND rt.done_at <= rt.due_at AND {scope}", Timestamps),
        Rate::boxed(def("governance.tasks_rate", "决议事项按时落实率", "%", "决议事项按时落实 ÷ 决议事项").rate("governance.tasks_done_on_time", "governance.tasks")),
        Count::boxed(def("governance.expense_yuan", "社区经费支出", "元", "期内记账的支出合计(元,舍去角分)"), "fe",
            "SELECT CAST(COALESCE(SUM(fe.amount_fen), 0) / 100 AS BIGINT) FROM finance_entries fe WHERE fe.kind = 'expense' AND fe.on_date >= $1 AND fe.on_date <= $2 AND {scope}", Dates),
    ];
    const MEETING_COLS: &[Column] = &[
        Column::text("日期", 12.0),
        Column::text("会议类型", 16.0),
        Column::text("会议名称", 30.0),
        Column::text("地点", 16.0),
        Column::number("应到"),
        Column::number("实到"),
        Column::number("决议"),
    ];
    const TASK_COLS: &[Column] = &[
        Column::text("会议日期", 12.0),
        Column::text("会议", 24.0),
        Column::text("决议", 30.0),
        Column::text("落实任务", 30.0),
        Column::text("责任人", 10.0),
        Column::time("办结时限"),
        Column::time("办结时间"),
        Column::text("办理情况", 30.0),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![
        Box::new(SqlLedger {
            code: "governance.meetings",
            title: "会议记录台账",
            domain: "governance",
            due: "季报",
            columns: MEETING_COLS,
            alias: "mt",
            sql: "SELECT mt.held_on, t.name, mt.title, mt.place, mt.invited, mt.present, \
                  (SELECT COUNT(*) FROM resolutions r WHERE r.meeting_id = mt.id) \
                  FROM meetings mt JOIN meeting_types t ON t.code = mt.type_code \
                  WHERE mt.held_on >= $1 AND mt.held_on <= $2 AND {scope} ORDER BY mt.held_on, mt.id LIMIT {limit}",
            binds: Dates,
        }),
        Box::new(SqlLedger {
            code: "governance.tasks",
            title: "决议事项落实台账",
            domain: "governance",
            due: "季报",
            columns: TASK_COLS,
            alias: "rt",
            sql: "SELECT mt.held_on, mt.title, r.text, rt.title, u.display_name, rt.due_at, rt.done_at, rt.done_note \
                  FROM resolution_tasks rt JOIN resolutions r ON r.id = rt.resolution_id JOIN meetings mt ON mt.id = r.meeting_id \
                  JOIN users u ON u.id = rt.owner_id \
                  WHERE rt.due_at >= $1 AND rt.due_at < $2 AND {scope} ORDER BY rt.due_at, rt.id LIMIT {limit}",
            binds: Timestamps,
        }),
    ];
    (indicators, ledgers)
}
