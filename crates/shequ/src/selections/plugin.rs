//! What 评比 contributes to reports: selections announced and honours awarded in a period (street and
//! community figures), and the ledger 评比表彰台账 (one line per honour).

use crate::reports::catalog::{
    Binds, Column, Count, Def, Indicator, Ledger, Level, Plugin, SqlLedger,
};

const LEVELS: &[Level] = &[Level::Street, Level::Community];

const fn def(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    definition: &'static str,
) -> Def {
    Def::new("selections", LEVELS, code, name, unit, definition)
}

pub fn plugin() -> Plugin {
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Box::new(Count {
            def: def("selections.announced", "开展评比", "次", "期内公布结果的评比次数"),
            alias: "s",
            sql: "SELECT COUNT(*) FROM selections s WHERE s.announced_at >= $1 AND s.announced_at < $2 AND {scope}",
            binds: Binds::Timestamps,
        }),
        Box::new(Count {
            def: def("selections.honours", "评选表彰", "户(人)次", "期内评比当选、记入荣誉的家庭和个人次数"),
            alias: "o",
            sql: "SELECT COUNT(*) FROM honours o WHERE o.awarded_on >= $1 AND o.awarded_on <= $2 AND {scope}",
            binds: Binds::Dates,
        }),
    ];
    const COLS: &[Column] = &[
        Column::text("荣誉", 20.0),
        Column::text("年度", 8.0),
        Column::text("社区", 12.0),
        Column::text("户号", 12.0),
        Column::text("姓名", 10.0),
        Column::text("表彰日期", 12.0),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![Box::new(SqlLedger {
        code: "selections.honours",
        title: "评比表彰台账",
        domain: "selections",
        due: "年报",
        columns: COLS,
        alias: "o",
        sql: "SELECT o.title, o.period, n.name, h.number, p.name, o.awarded_on FROM honours o \
              JOIN nodes n ON n.id = o.community_id LEFT JOIN households h ON h.id = o.household_id \
              LEFT JOIN persons p ON p.id = o.person_id \
              WHERE o.awarded_on >= $1 AND o.awarded_on <= $2 AND {scope} ORDER BY o.awarded_on, o.id LIMIT {limit}",
        binds: Binds::Dates,
    })];
    (indicators, ledgers)
}
