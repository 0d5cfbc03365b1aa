//! What services contribute to reports: activities and their stated figures (活动场次, 参加人数, 宣传资料,
//! 咨询人次 …), volunteer service (approved hours only), party building (三会一课 counts, 参学率, 党员人数),
//! organisations and responsibility letters — and the ledgers offices keep of them.

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

/// The sum of an activity figure (totals only, not their 其中 lines) over the activities of the period.
macro_rules! figure_sum {
    ($metric:literal) => {
        concat!(
            "SELECT CAST(COALESCE(SUM(f.value), 0) AS BIGINT) FROM activity_figures f JOIN activities a ON a.id = f.activity_id \
             WHERE f.metric = '", $metric, "' AND f.parent_id IS NULL AND a.starts_on >= $1 AND a.starts_on <= $2 AND {scope}"
        )
    };
}

macro_rules! meetings_of {
    ($kind:literal) => {
        concat!(
            "SELECT COUNT(*) FROM party_meetings g WHERE g.held_on >= $1 AND g.held_on <= $2 AND {scope} AND g.kind = '",
            $kind, "'"
        )
    };
}

pub fn plugin() -> Plugin {
    use Binds::*;
    let (a, v, p, u) = ("activities", "volunteers", "party", "units");
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Count::boxed(def(a, "activities.count", "开展活动", "场", "期内开始的活动场次"), "a",
            "SELECT COUNT(*) FROM activities a WHERE a.starts_on >= $1 AND a.starts_on <= $2 AND {scope}", Dates),
        Count::boxed(def(a, "activities.participants", "参加活动", "人次", "期内活动登记的参加人数之和(总数,不含其中项)"), "a",
            figure_sum!("participants"), Dates),
        Count::boxed(def(a, "activities.materials", "发放宣传资料", "份", "期内活动登记的发放宣传资料份数之和"), "a",
            figure_sum!("materials"), Dates),
        Count::boxed(def(a, "activities.consultations", "接受咨询", "人次", "期内活动登记的咨询人次之和"), "a",
            figure_sum!("consultations"), Dates),
        Count::boxed(def(a, "activities.questionnaires", "问卷调查", "份", "期内活动登记的问卷份数之和"), "a",
            figure_sum!("questionnaires"), Dates),
        Count::boxed(def(a, "activities.items", "发放物品", "件", "期内活动登记的发放物品件数之和"), "a",
            figure_sum!("items"), Dates),
        Count::boxed(def(a, "activities.checked_in", "活动签到", "人次", "期内活动中签到或由组织者确认到场的报名人次"), "a",
            "SELECT COUNT(*) FROM activity_signups s JOIN activities a ON a.id = s.activity_id \
             WHERE s.attended_at IS NOT NULL AND a.starts_on >= $1 AND a.starts_on <= $2 AND {scope}", Dates),
        Count::boxed(def(v, "volunteers.hours", "志愿服务时长", "小时", "期内经队长审核通过的服务时长之和(整小时)"), "vr",
            "SELECT CAST(COALESCE(SUM(vr.minutes), 0) AS BIGINT) / 60 FROM volunteer_records vr \
             WHERE vr.state = 'approved' AND vr.served_on >= $1 AND vr.served_on <= $2 AND {scope}", Dates),
        Count::boxed(def(v, "volunteers.services", "志愿服务", "次", "期内经审核通过的服务记录数"), "vr",
            "SELECT COUNT(*) FROM volunteer_records vr WHERE vr.state = 'approved' AND vr.served_on >= $1 AND vr.served_on <= $2 AND {scope}", Dates),
        Count::boxed(def(v, "volunteers.volunteers", "参与服务志愿者", "人", "期内有审核通过的服务记录的志愿者人数"), "vr",
            "SELECT COUNT(DISTINCT vr.member_id) FROM volunteer_records vr WHERE vr.state = 'approved' AND vr.served_on >= $1 AND vr.served_on <= $2 AND {scope}", Dates),
        Count::boxed(def(v, "volunteers.teams", "志愿服务队", "支", "期末在册的志愿服务队数"), "t",
            "SELECT COUNT(*) FROM volunteer_teams t WHERE t.archived = 0 AND SUBSTR(t.created_at, 1, 10) <= $1 AND {scope}", AsOf),
        Count::boxed(def(p, "party.members", "党员", "名", "期末在册党员数(入党日期不晚于期末)"), "pm",
            "SELECT COUNT(*) FROM party_members pm WHERE pm.active = 1 AND pm.joined_on <= $1 AND {scope}", AsOf),
        Count::boxed(def(p, "party.orgs", "党组织", "个", "期末在册的党委、党总支、党支部和党小组数"), "o",
            "SELECT COUNT(*) FROM party_orgs o WHERE o.archived = 0 AND SUBSTR(o.created_at, 1, 10) <= $1 AND {scope}", AsOf),
        Count::boxed(def(p, "party.general_meetings", "召开党员大会", "次", "期内召开的党员大会次数"), "g", meetings_of!("党员大会"), Dates),
        Count::boxed(def(p, "party.committee_meetings", "召开支委会", "次", "期内召开的支委会次数"), "g", meetings_of!("支委会"), Dates),
        Count::boxed(def(p, "party.group_meetings", "召开党小组会", "次", "期内召开的党小组会次数"), "g", meetings_of!("党小组会"), Dates),
        Count::boxed(def(p, "party.lectures", "上党课", "次", "期内的党课次数"), "g", meetings_of!("党课"), Dates),
        Count::boxed(def(p, "party.theme_days", "主题党日", "次", "期内的主题党日活动次数"), "g", meetings_of!("主题党日"), Dates),
        Count::boxed(def(p, "party.expected", "应参学", "人次", "期内各次会议应到党员人次之和"), "g",
            "SELECT CAST(COALESCE(SUM(g.expected), 0) AS BIGINT) FROM party_meetings g WHERE g.held_on >= $1 AND g.held_on <= $2 AND {scope}", Dates),
        Count::boxed(def(p, "party.attended", "实参学", "人次", "期内各次会议实到党员人次之和"), "g",
            "SELECT CAST(COALESCE(SUM(g.attended), 0) AS BIGINT) FROM party_meetings g WHERE g.held_on >= $1 AND g.held_on <= $2 AND {scope}", Dates),
        Rate::boxed(def(p, "party.study_rate", "参学率", "%", "实参学 ÷ 应参学").rate("party.attended", "party.expected")),
        Count::boxed(def(u, "units.social_orgs", "社会组织", "家", "期末登记在册的社会组织(民间组织)数"), "u",
            "SELECT COUNT(*) FROM service_units u WHERE u.kind = '社会组织' AND u.archived = 0 AND SUBSTR(u.created_at, 1, 10) <= $1 AND {scope}", AsOf),
        Count::boxed(def(u, "units.filed_orgs", "备案社会组织", "家", "期末已登记或已备案的社会组织数"), "u",
            "SELECT COUNT(*) FROM service_units u WHERE u.kind = '社会组织' AND u.filing IN ('已登记', '已备案') AND u.archived = 0 AND SUBSTR(u.created_at, 1, 10) <= $1 AND {scope}", AsOf),
        Count::boxed(def(u, "units.resident_units", "驻区单位", "家", "期末登记的驻区单位数"), "u",
            "SELECT COUNT(*) FROM service_units u WHERE u.kind = '驻区单位' AND u.archived = 0 AND SUBSTR(u.created_at, 1, 10) <= $1 AND {scope}", AsOf),
        Count::boxed(def(u, "units.outlets", "便民服务网点", "个", "期末登记的便民服务网点数"), "u",
            "SELECT COUNT(*) FROM service_units u WHERE u.kind = '便民服务网点' AND u.archived = 0 AND SUBSTR(u.created_at, 1, 10) <= $1 AND {scope}", AsOf),
        Count::boxed(def(u, "agreements.signed", "签订责任书", "份", "期内签订的责任书份数(房屋出租安全责任书见出租房屋)"), "ag",
            "SELECT COUNT(*) FROM agreements ag WHERE ag.signed_on >= $1 AND ag.signed_on <= $2 AND {scope}", Dates),
        Count::boxed(def(u, "agreements.valid", "有效责任书", "份", "期末已签订且未过期的责任书份数"), "ag",
            "SELECT COUNT(*) FROM agreements ag WHERE ag.signed_on <= $1 AND (ag.expires_on IS NULL OR ag.expires_on >= $1) AND {scope}", AsOf),
    ];
    const ACTIVITY_COLS: &[Column] = &[
        Column::text("日期", 12.0),
        Column::text("活动主题", 30.0),
        Column::text("类型", 8.0),
        Column::text("地点", 20.0),
        Column::text("主办/协办", 24.0),
        Column::text("参加对象", 16.0),
        Column::text("活动成效", 40.0),
        Column::number("签到人数"),
    ];
    const VOLUNTEER_COLS: &[Column] = &[
        Column::text("服务日期", 12.0),
        Column::text("服务队", 20.0),
        Column::text("志愿者", 10.0),
        Column::text("服务内容", 36.0),
        Column::number("时长(分钟)"),
        Column::text("审核人", 10.0),
    ];
    const MEETING_COLS: &[Column] = &[
        Column::text("日期", 12.0),
        Column::text("党组织", 20.0),
        Column::text("会议类型", 10.0),
        Column::text("主题", 36.0),
        Column::number("应到"),
        Column::number("实到"),
        Column::text("缺席及原因", 30.0),
    ];
    const UNIT_COLS: &[Column] = &[
        Column::text("类型", 12.0),
        Column::text("名称", 30.0),
        Column::text("类别", 10.0),
        Column::text("备案情况", 8.0),
        Column::text("负责人", 10.0),
        Column::text("地址", 30.0),
    ];
    const AGREEMENT_COLS: &[Column] = &[
        Column::text("类型", 12.0),
        Column::text("名称", 30.0),
        Column::text("甲方", 20.0),
        Column::text("乙方", 20.0),
        Column::text("签订日期", 12.0),
        Column::text("到期日期", 12.0),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![
        Box::new(SqlLedger {
            code: "activities.activities",
            title: "社区活动台账",
            domain: a,
            due: "月报",
            columns: ACTIVITY_COLS,
            alias: "a",
            // The figures as reports state them: 参加人数300余人(其中…128人);发放宣传资料约2000份.
            sql: "SELECT a.starts_on, a.title, a.kind, a.place, a.organisers || CASE WHEN a.partners = '' THEN '' ELSE '/' || a.partners END, \
                  a.target_groups, COALESCE((SELECT STRING_AGG(CASE WHEN f.parent_id IS NULL THEN '' ELSE '其中' END || f.label || \
                  CASE f.qualifier WHEN '余' THEN CAST(f.value AS TEXT) || '余' WHEN '' THEN CAST(f.value AS TEXT) ELSE f.qualifier || CAST(f.value AS TEXT) END \
                  || f.unit, ';' ORDER BY f.id) FROM activity_figures f WHERE f.activity_id = a.id), ''), \
                  (SELECT COUNT(*) FROM activity_signups s WHERE s.activity_id = a.id AND s.attended_at IS NOT NULL) \
                  FROM activities a WHERE a.starts_on >= $1 AND a.starts_on <= $2 AND {scope} ORDER BY a.starts_on, a.id LIMIT {limit}",
            binds: Dates,
        }),
        Box::new(SqlLedger {
            code: "volunteers.records",
            title: "志愿服务记录台账",
            domain: v,
            due: "季报",
            columns: VOLUNTEER_COLS,
            alias: "vr",
            sql: "SELECT vr.served_on, t.name, m.name, vr.what, vr.minutes, vr.decided_by FROM volunteer_records vr \
                  JOIN volunteer_teams t ON t.id = vr.team_id JOIN volunteer_members m ON m.id = vr.member_id \
                  WHERE vr.state = 'approved' AND vr.served_on >= $1 AND vr.served_on <= $2 AND {scope} ORDER BY vr.served_on, vr.id LIMIT {limit}",
            binds: Dates,
        }),
        Box::new(SqlLedger {
            code: "party.meetings",
            title: "三会一课记录台账",
            domain: p,
            due: "月报",
            columns: MEETING_COLS,
            alias: "g",
            sql: "SELECT g.held_on, o.name, g.kind, g.topic, g.expected, g.attended, \
                  COALESCE((SELECT STRING_AGG(pp.name || '(' || x.reason || ')', '、' ORDER BY x.id) FROM party_attendance x \
                  JOIN party_members m ON m.id = x.member_id JOIN persons pp ON pp.id = m.person_id \
                  WHERE x.meeting_id = g.id AND x.present = 0), '') \
                  FROM party_meetings g JOIN party_orgs o ON o.id = g.org_id \
                  WHERE g.held_on >= $1 AND g.held_on <= $2 AND {scope} ORDER BY g.held_on, g.id LIMIT {limit}",
            binds: Dates,
        }),
        Box::new(SqlLedger {
            code: "units.units",
            title: "社会组织及驻区单位台账",
            domain: u,
            due: "年报",
            columns: UNIT_COLS,
            alias: "u",
            sql: "SELECT u.kind, u.name, u.category, u.filing, u.leader, u.address FROM service_units u \
                  WHERE u.archived = 0 AND SUBSTR(u.created_at, 1, 10) <= $1 AND {scope} ORDER BY u.kind, u.category, u.id LIMIT {limit}",
            binds: AsOf,
        }),
        Box::new(SqlLedger {
            code: "agreements.agreements",
            title: "责任书签订台账",
            domain: u,
            due: "年报",
            columns: AGREEMENT_COLS,
            alias: "ag",
            sql: "SELECT ag.kind, ag.title, ag.party_a, ag.party_b, ag.signed_on, ag.expires_on FROM agreements ag \
                  WHERE ag.signed_on >= $1 AND ag.signed_on <= $2 AND {scope} ORDER BY ag.signed_on, ag.id LIMIT {limit}",
            binds: Dates,
        }),
    ];
    (indicators, ledgers)
}
