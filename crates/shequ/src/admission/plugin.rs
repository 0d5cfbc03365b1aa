//! What 准入制 contributes to reports: tasks from above received, admitted and refused (street figures);
//! returns due, returned on time and overdue (street and community figures), the on-time rate; and the
//! ledgers 上级任务准入台账 (one line per task with its decision and where it went, street) and 上级任务报送台账
//! (one line per return, street and community).

use crate::reports::catalog::{
    Binds, Column, Count, Def, Indicator, Ledger, Level, Plugin, Rate, SqlLedger,
};

const STREET: &[Level] = &[Level::Street];
const BOTH: &[Level] = &[Level::Street, Level::Community];

const fn def(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    definition: &'static str,
    levels: &'static [Level],
) -> Def {
    Def::new("admission", levels, code, name, unit, definition)
}

pub fn plugin() -> Plugin {
    use Binds::*;
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Count::boxed(def("admission.tasks", "收到上级任务", "项", "期内登记的上级部门下派任务数", STREET), "t",
            "SELECT COUNT(*) FROM admission_tasks t WHERE t.created_at >= $1 AND t.created_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("admission.tasks_admitted", "准入上级任务", "项", "期内登记、街道审核准入的上级任务数", STREET), "t",
            "SELECT COUNT(*) FROM admission_tasks t WHERE t.state = 'admitted' AND t.created_at >= $1 AND t.created_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("admission.tasks_refused", "不予准入上级任务", "项", "期内登记、街道不予准入的上级任务数", STREET), "t",
            "SELECT COUNT(*) FROM admission_tasks t WHERE t.state = 'refused' AND t.created_at >= $1 AND t.created_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("admission.returns", "应报送事项", "项", "期内到期的报送事项数(每个社区每项报送要求一项)", BOTH), "r",
            "SELECT COUNT(*) FROM admission_returns r WHERE r.due_on >= $1 AND r.due_on <= $2 AND {scope}", Dates),
        Count::boxed(def("admission.returns_on_time", "按时报送事项", "项", "期内到期、在完成时限当日及以前报送且未被退回的事项数", BOTH), "r",
            "SELECT COUNT(*) FROM admission_returns r WHERE r.due_on >= $1 AND r.due_on <= $2 AND r.state IN ('submitted','accepted') \
             AND SUBSTR(r.submitted_at, 1, 10) <= r.due_on AND {scope}", Dates),
        Rate::boxed(def("admission.on_time_rate", "按时报送率", "%", "按时报送事项 ÷ 应报送事项", BOTH).rate("admission.returns_on_time", "admission.returns")),
        Count::boxed(def("admission.returns_overdue", "超期未报事项", "项", "期末(或今天)已过完成时限、尚未报送或被退回未重报的事项数", BOTH), "r",
            "SELECT COUNT(*) FROM admission_returns r WHERE r.state IN ('due','returned') AND r.due_on < $1 AND {scope}", AsOf),
    ];
    const COLS: &[Column] = &[
        Column::text("任务编号", 14.0),
        Column::time("登记时间"),
        Column::text("下发部门", 16.0),
        Column::text("任务名称", 30.0),
        Column::text("完成时限", 12.0),
        Column::text("审核结果", 10.0),
        Column::text("理由", 30.0),
        Column::number("派发社区"),
        Column::number("报送要求"),
    ];
    const RETURN_COLS: &[Column] = &[
        Column::text("任务编号", 14.0),
        Column::text("下发部门", 16.0),
        Column::text("任务名称", 30.0),
        Column::text("社区", 12.0),
        Column::text("报送要求", 24.0),
        Column::text("完成时限", 12.0),
        Column::text("状态", 10.0),
        Column::time("报送时间"),
        Column::text("退回理由", 24.0),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![Box::new(SqlLedger {
        code: "admission.returns",
        title: "上级任务报送台账",
        domain: "admission",
        due: "季报",
        columns: RETURN_COLS,
        alias: "r",
        sql: "SELECT t.number, t.department, t.title, n.name, q.label, r.due_on, \
              CASE r.state WHEN 'due' THEN '待报送' WHEN 'submitted' THEN '已报送' WHEN 'accepted' THEN '已通过' \
              ELSE '已退回' END, r.submitted_at, r.reason \
              FROM admission_returns r JOIN admission_tasks t ON t.id = r.task_id \
              JOIN admission_requirements q ON q.id = r.requirement_id JOIN nodes n ON n.id = r.community_id \
              WHERE r.due_on >= $1 AND r.due_on <= $2 AND {scope} ORDER BY r.due_on, t.id, n.name, q.idx LIMIT {limit}",
        binds: Dates,
    }), Box::new(SqlLedger {
        code: "admission.tasks",
        title: "上级任务准入台账",
        domain: "admission",
        due: "季报",
        columns: COLS,
        alias: "t",
        sql: "SELECT t.number, t.created_at, t.department, t.title, t.deadline, \
              CASE t.state WHEN 'admitted' THEN '准入' WHEN 'refused' THEN '不予准入' ELSE '待审核' END, t.reason, \
              (SELECT COUNT(*) FROM admission_dispatches d WHERE d.task_id = t.id), \
              (SELECT COUNT(*) FROM admission_requirements q WHERE q.task_id = t.id) \
              FROM admission_tasks t WHERE t.created_at >= $1 AND t.created_at < $2 AND {scope} \
              ORDER BY t.created_at, t.id LIMIT {limit}",
        binds: Timestamps,
    })];
    (indicators, ledgers)
}
