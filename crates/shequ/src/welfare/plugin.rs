//! What welfare contributes to reports: 低保户数 / 低保人数 as of a date (counted from the change events, so a
//! past date gives that day's figure), 新办 / 取消 (households), 降标 / 提标 (persons), applications and refusals
//! (拒绝不合要求申报), objections, payments and amounts, distributions, reviews done and overdue, care pairs and
//! contacts; and the ledgers 低保及救助台账, 发放台账, 慰问台账, 结对帮扶台账. Welfare ledgers name households on
//! a sensitive programme: they have rows only for roles that see sensitive groups, and each reading is audited.

use crate::reports::catalog::{
    Binds, BoxFuture, Column, Count, Def, Indicator, Ledger, Period, Plugin, SqlLedger, Where,
    ALL_LEVELS,
};

const fn def(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    definition: &'static str,
) -> Def {
    Def::new("welfare", ALL_LEVELS, code, name, unit, definition)
}

/// The latest event of each 城市低保 grant on or before `$1`.
macro_rules! dibao_as_of {
    ($what:literal) => {
        concat!(
            "SELECT ", $what, " FROM welfare_events e WHERE e.on_date <= $1 AND e.kind <> '取消' \
             AND e.programme_id IN (SELECT p.id FROM welfare_programmes p WHERE p.code = 'dibao') \
             AND NOT EXISTS (SELECT 1 FROM welfare_events f WHERE f.grant_id = e.grant_id AND f.on_date <= $1 \
             AND (f.on_date > e.on_date OR (f.on_date = e.on_date AND f.id > e.id))) AND {scope}"
        )
    };
}

macro_rules! dibao_events {
    ($what:literal, $kind:literal) => {
        concat!(
            "SELECT ", $what, " FROM welfare_events e WHERE e.kind = '", $kind, "' AND e.on_date >= $1 AND e.on_date <= $2 \
             AND e.programme_id IN (SELECT p.id FROM welfare_programmes p WHERE p.code = 'dibao') AND {scope}"
        )
    };
}

/// A ledger with rows only for roles that see sensitive groups (audited when read).
struct Sensitive(SqlLedger);

impl Ledger for Sensitive {
    fn code(&self) -> &'static str {
        self.0.code
    }
    fn title(&self) -> &'static str {
        self.0.title
    }
    fn domain(&self) -> &'static str {
        self.0.domain
    }
    fn due(&self) -> &'static str {
        self.0.due
    }
    fn columns(&self) -> &'static [Column] {
        self.0.columns
    }
    fn rows<'a>(
        &'a self,
        db: &'a crate::db::Db,
        at: &'a Where,
        period: &'a Period,
        limit: i64,
    ) -> BoxFuture<'a, crate::error::Result<Vec<Vec<String>>>> {
        Box::pin(async move {
            if !at.actor().role.sees_sensitive() {
                return Ok(vec![]);
            }
            super::audit_read(db, at.actor(), "ledger", None, self.0.code).await?;
            self.0.rows(db, at, period, limit).await
        })
    }
}

pub fn plugin() -> Plugin {
    use Binds::*;
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Count::boxed(def("welfare.dibao_households", "低保户数", "户", "期末在保的城市低保户数(停发仍计)"), "e",
            dibao_as_of!("COUNT(*)"), AsOf),
        Count::boxed(def("welfare.dibao_persons", "低保人数", "人", "期末城市低保在保人数"), "e",
            dibao_as_of!("CAST(COALESCE(SUM(e.persons_after), 0) AS BIGINT)"), AsOf),
        Count::boxed(def("welfare.dibao_new", "新办低保", "户", "期内新办城市低保的户数"), "e",
            dibao_events!("COUNT(*)", "新办"), Dates),
        Count::boxed(def("welfare.dibao_cancelled", "取消低保", "户", "期内取消城市低保的户数"), "e",
            dibao_events!("COUNT(*)", "取消"), Dates),
        Count::boxed(def("welfare.dibao_lowered", "低保降标", "人", "期内降标涉及的保障人数"), "e",
            dibao_events!("CAST(COALESCE(SUM(e.persons_after), 0) AS BIGINT)", "降标"), Dates),
        Count::boxed(def("welfare.dibao_raised", "低保提标", "人", "期内提标涉及的保障人数"), "e",
            dibao_events!("CAST(COALESCE(SUM(e.persons_after), 0) AS BIGINT)", "提标"), Dates),
        Count::boxed(def("welfare.dibao_added", "低保增人", "人", "期内增人事件增加的保障人数"), "e",
            dibao_events!("CAST(COALESCE(SUM(e.persons_after - e.persons_before), 0) AS BIGINT)", "增人"), Dates),
        Count::boxed(def("welfare.grants", "在保救助户数", "户", "期末在保的各项救助户数(一户多项分别计)"), "g",
            "SELECT COUNT(*) FROM welfare_grants g WHERE g.since <= $1 AND (g.ended_on IS NULL OR g.ended_on > $1) AND {scope}", AsOf),
        Count::boxed(def("welfare.applications", "受理救助申请", "件", "期内受理的救助申请数"), "a",
            "SELECT COUNT(*) FROM welfare_applications a WHERE a.applied_on >= $1 AND a.applied_on <= $2 AND {scope}", Dates),
        Count::boxed(def("welfare.refused", "拒绝不合要求申报", "户", "期内不予批准或撤回的申请数"), "a",
            "SELECT COUNT(*) FROM welfare_applications a WHERE a.state IN ('refused', 'withdrawn') AND a.decided_on >= $1 \
             AND a.decided_on <= $2 AND {scope}", Dates),
        Count::boxed(def("welfare.objections", "公示异议", "件", "期内收到的公示异议数"), "a",
            "SELECT COUNT(*) FROM welfare_objections o JOIN welfare_applications a ON a.id = o.application_id \
             WHERE o.created_at >= $1 AND o.created_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("welfare.objections_upheld", "异议成立", "件", "期内处理为异议成立的异议数"), "a",
            "SELECT COUNT(*) FROM welfare_objections o JOIN welfare_applications a ON a.id = o.application_id \
             WHERE o.status = 'upheld' AND o.resolved_at >= $1 AND o.resolved_at < $2 AND {scope}", Timestamps),
        Count::boxed(def("welfare.payments", "救助金发放户次", "户次", "期内已审批发放名单的户次"), "w",
            "SELECT COUNT(*) FROM welfare_payments w JOIN welfare_payment_lists l ON l.id = w.list_id WHERE l.status = 'approved' \
             AND l.month >= SUBSTR($1, 1, 7) AND l.month <= SUBSTR($2, 1, 7) AND {scope}", Dates),
        Count::boxed(def("welfare.paid", "救助金发放金额", "元", "期内已审批发放名单的金额合计"), "w",
            "SELECT CAST(COALESCE(SUM(w.amount), 0) AS BIGINT) FROM welfare_payments w JOIN welfare_payment_lists l ON l.id = w.list_id \
             WHERE l.status = 'approved' AND l.month >= SUBSTR($1, 1, 7) AND l.month <= SUBSTR($2, 1, 7) AND {scope}", Dates),
        Count::boxed(def("welfare.distributions", "慰问户数", "户次", "期内实物和慰问金发放的户次"), "d",
            "SELECT COUNT(*) FROM welfare_distributions d WHERE d.on_date >= $1 AND d.on_date <= $2 AND {scope}", Dates),
        Count::boxed(def("welfare.distributed", "慰问金额", "元", "期内发放的慰问金合计"), "d",
            "SELECT CAST(COALESCE(SUM(d.amount), 0) AS BIGINT) FROM welfare_distributions d WHERE d.on_date >= $1 AND d.on_date <= $2 AND {scope}", Dates),
        Count::boxed(def("welfare.reviews", "定期复核", "户次", "期内完成的定期复核数"), "wr",
            "SELECT COUNT(*) FROM welfare_reviews wr WHERE wr.on_date >= $1 AND wr.on_date <= $2 AND {scope}", Dates),
        Count::boxed(def("welfare.reviews_overdue", "复核逾期", "户", "期末未取消且复核日期已过的救助户数"), "g",
            "SELECT COUNT(*) FROM welfare_grants g WHERE g.status <> 'cancelled' AND g.next_review_on < $1 AND {scope}", AsOf),
        Count::boxed(def("care.pairs", "结对帮扶", "对", "期末在结对的帮扶对数"), "cp",
            "SELECT COUNT(*) FROM care_pairs cp WHERE cp.started_on <= $1 AND (cp.ended_on IS NULL OR cp.ended_on > $1) AND {scope}", AsOf),
        Count::boxed(def("care.contacts", "结对联系", "次", "期内记录的探访、电话和帮办次数"), "k",
            "SELECT COUNT(*) FROM care_contacts k WHERE k.on_date >= $1 AND k.on_date <= $2 AND {scope}", Dates),
        Count::boxed(def("care.uncontacted", "期内未联系结对", "对", "期末在结对、期内没有任何联系记录的帮扶对数"), "cp",
            "SELECT COUNT(*) FROM care_pairs cp WHERE cp.started_on <= $2 AND (cp.ended_on IS NULL OR cp.ended_on > $2) \
             AND NOT EXISTS (SELECT 1 FROM care_contacts k WHERE k.pair_id = cp.id AND k.on_date >= $1 AND k.on_date <= $2) AND {scope}", Dates),
    ];
    const ROSTER: &[Column] = &[
        Column::text("户号", 14.0),
        Column::text("户主", 10.0),
        Column::text("地址", 30.0),
        Column::text("救助项目", 14.0),
        Column::number("保障人数"),
        Column::number("月金额(元)"),
        Column::text("起始日期", 12.0),
        Column::text("状态", 8.0),
        Column::text("下次复核", 12.0),
    ];
    const PAYMENTS: &[Column] = &[
        Column::text("月份", 10.0),
        Column::text("救助项目", 14.0),
        Column::text("户号", 14.0),
        Column::text("户主", 10.0),
        Column::number("保障人数"),
        Column::number("金额(元)"),
        Column::text("审批人", 10.0),
    ];
    const GIFTS: &[Column] = &[
        Column::text("发放日期", 12.0),
        Column::text("慰问名称", 18.0),
        Column::text("户号", 14.0),
        Column::text("慰问物品", 24.0),
        Column::number("慰问金(元)"),
        Column::text("领取人签字", 10.0),
        Column::text("备注", 20.0),
        Column::text("经办人", 10.0),
    ];
    const PAIRS: &[Column] = &[
        Column::text("结对对象", 10.0),
        Column::text("网格", 12.0),
        Column::text("帮扶人", 10.0),
        Column::text("身份", 8.0),
        Column::text("结对日期", 12.0),
        Column::text("探访周期(天)", 10.0),
        Column::text("电话周期(天)", 10.0),
        Column::number("期内联系次数"),
        Column::text("最近联系", 12.0),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![
        Box::new(Sensitive(SqlLedger {
            code: "welfare.roster",
            title: "低保及救助台账",
            domain: "welfare",
            due: "月报",
            columns: ROSTER,
            alias: "g",
            sql: "SELECT h.number, COALESCE((SELECT x.name FROM persons x WHERE x.household_id = h.id AND x.archived = 0 \
                  ORDER BY CASE WHEN x.relation = '户主' THEN 0 ELSE 1 END, x.id LIMIT 1), ''), h.address, p.name, g.persons, g.amount, g.since, \
                  CASE g.status WHEN 'active' THEN '在保' WHEN 'stopped' THEN '停发' ELSE '取消' END, \
                  CASE WHEN g.next_review_on = '9999-12-31' THEN '' ELSE g.next_review_on END \
                  FROM welfare_grants g JOIN households h ON h.id = g.household_id JOIN welfare_programmes p ON p.id = g.programme_id \
                  WHERE g.since <= $2 AND (g.ended_on IS NULL OR g.ended_on >= $1) AND {scope} ORDER BY p.id, h.number LIMIT {limit}",
            binds: Dates,
        })),
        Box::new(Sensitive(SqlLedger {
            code: "welfare.payments",
            title: "发放台账",
            domain: "welfare",
            due: "月报",
            columns: PAYMENTS,
            alias: "w",
            sql: "SELECT l.month, p.name, h.number, COALESCE((SELECT x.name FROM persons x WHERE x.household_id = h.id AND x.archived = 0 \
                  ORDER BY CASE WHEN x.relation = '户主' THEN 0 ELSE 1 END, x.id LIMIT 1), ''), w.persons, w.amount, l.approved_by \
                  FROM welfare_payments w JOIN welfare_payment_lists l ON l.id = w.list_id JOIN welfare_programmes p ON p.id = l.programme_id \
                  JOIN households h ON h.id = w.household_id WHERE l.status = 'approved' AND l.month >= SUBSTR($1, 1, 7) \
                  AND l.month <= SUBSTR($2, 1, 7) AND {scope} ORDER BY l.month, p.id, h.number LIMIT {limit}",
            binds: Dates,
        })),
        Box::new(Sensitive(SqlLedger {
            code: "welfare.distributions",
            title: "慰问台账",
            domain: "welfare",
            due: "随时",
            columns: GIFTS,
            alias: "d",
            sql: "SELECT d.on_date, d.occasion, h.number, d.items, d.amount, d.signature, d.note, d.worker_name \
                  FROM welfare_distributions d JOIN households h ON h.id = d.household_id \
                  WHERE d.on_date >= $1 AND d.on_date <= $2 AND {scope} ORDER BY d.on_date, d.id LIMIT {limit}",
            binds: Dates,
        })),
        Box::new(SqlLedger {
            code: "care.pairs",
            title: "结对帮扶台账",
            domain: "welfare",
            due: "季报",
            columns: PAIRS,
            alias: "c",
            sql: "SELECT p.name, g.name, c.helper_name, c.helper_kind, c.started_on, c.visit_every_days, c.call_every_days, \
                  (SELECT COUNT(*) FROM care_contacts k WHERE k.pair_id = c.id AND k.on_date >= $1 AND k.on_date <= $2), \
                  (SELECT MAX(k.on_date) FROM care_contacts k WHERE k.pair_id = c.id AND k.on_date <= $2) \
                  FROM care_pairs c JOIN persons p ON p.id = c.person_id JOIN nodes g ON g.id = c.grid_id \
                  WHERE c.started_on <= $2 AND (c.ended_on IS NULL OR c.ended_on >= $1) AND {scope} ORDER BY c.grid_id, c.id LIMIT {limit}",
            binds: Dates,
        }),
    ];
    (indicators, ledgers)
}
