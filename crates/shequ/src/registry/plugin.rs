//! What the registry contributes to reports: population, households, floating population, 人户分离,
//! rentals and their safety agreements, estates and buildings (as of a period's end), and the rental ledger.

use crate::reports::catalog::{
    Binds, Column, Count, Def, Indicator, Ledger, Plugin, SqlLedger, ALL_LEVELS,
};

const D: &str = "registry";

const fn def(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    definition: &'static str,
) -> Def {
    Def {
        code,
        name,
        unit,
        definition,
        domain: D,
        levels: ALL_LEVELS,
        numerator: None,
        denominator: None,
    }
}

const LIVING: &str =
    "SELECT COUNT(*) FROM residence_periods r JOIN persons p ON p.id = r.person_id \
     WHERE r.from_date <= $1 AND (r.to_date IS NULL OR r.to_date > $1) AND {scope}";

pub fn plugin() -> Plugin {
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Box::new(Count {
            def: def("registry.population", "实有人口", "人", "期末在本辖区居住(有未结束的居住期)的登记人员数"),
            alias: "r",
            sql: "SELECT COUNT(*) FROM residence_periods r WHERE r.from_date <= $1 AND (r.to_date IS NULL OR r.to_date > $1) AND {scope}",
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.households", "户数", "户", "期末至少有一名成员在住的户数"),
            alias: "r",
            sql: "SELECT COUNT(DISTINCT p.household_id) FROM residence_periods r JOIN persons p ON p.id = r.person_id \
                  WHERE r.from_date <= $1 AND (r.to_date IS NULL OR r.to_date > $1) AND {scope}",
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.registered_hukou", "户籍人口", "人", "期末在住且人员类型为户籍的人数"),
            alias: "r",
            sql: const_format(LIVING, " AND p.hukou_type = '户籍'"),
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.floating", "流动人口", "人", "期末在住且登记为流动人口的人数"),
            alias: "r",
            sql: const_format(LIVING, " AND p.hukou_type = '流动人口'"),
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.separated", "人户分离人口", "人", "期末在住且登记为人户分离的人数"),
            alias: "r",
            sql: const_format(LIVING, " AND p.hukou_type = '人户分离'"),
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.rentals", "出租房屋", "户", "期末已登记、未归档的出租房屋数"),
            alias: "x",
            sql: "SELECT COUNT(*) FROM rentals x WHERE x.archived = 0 AND substr(x.created_at, 1, 10) <= $1 AND {scope}",
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.rentals_agreement", "签订安全责任书的出租房屋", "户", "期末责任书已签订且未过期的出租房屋数"),
            alias: "x",
            sql: "SELECT COUNT(*) FROM rentals x WHERE x.archived = 0 AND x.agreement_signed IS NOT NULL \
                  AND x.agreement_signed <= $1 AND (x.agreement_expires IS NULL OR x.agreement_expires >= $1) AND {scope}",
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.estates", "小区", "个", "期末未归档的小区数"),
            alias: "n",
            sql: "SELECT COUNT(*) FROM nodes n WHERE n.kind = 'estate' AND n.archived = 0 AND substr(n.created_at, 1, 10) <= $1 AND {scope}",
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.buildings", "楼栋", "栋", "期末未归档的楼栋数"),
            alias: "n",
            sql: "SELECT COUNT(*) FROM nodes n WHERE n.kind = 'building' AND n.archived = 0 AND substr(n.created_at, 1, 10) <= $1 AND {scope}",
            binds: Binds::AsOf,
        }),
    ];
    const RENTAL_COLS: &[Column] = &[
        Column::text("房屋地址", 36.0),
        Column::text("房东", 10.0),
        Column::text("责任书签订日期", 14.0),
        Column::text("责任书到期日期", 14.0),
        Column::number("租住人数"),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![Box::new(SqlLedger {
        code: "registry.rentals",
        title: "出租房屋台账",
        domain: D,
        due: "季报",
        columns: RENTAL_COLS,
        alias: "x",
        sql: "SELECT COALESCE((SELECT e.name FROM nodes d JOIN nodes e ON e.id = d.estate_id WHERE d.id = x.dwelling_id), '') \
              || COALESCE((SELECT b.name FROM nodes b WHERE b.id = x.building_id), '') \
              || COALESCE((SELECT d.name FROM nodes d WHERE d.id = x.dwelling_id), ''), \
              x.landlord_name, x.agreement_signed, x.agreement_expires, \
              (SELECT COUNT(*) FROM rental_tenants t WHERE t.rental_id = x.id) \
              FROM rentals x WHERE x.archived = 0 AND substr(x.created_at, 1, 10) <= $1 AND {scope} ORDER BY x.id LIMIT {limit}",
        binds: Binds::AsOf,
    })];
    (indicators, ledgers)
}

/// `LIVING` with a condition appended (leaked once per indicator: the catalogue is built once).
fn const_format(base: &'static str, extra: &'static str) -> &'static str {
    Box::leak(format!("{base}{extra}").into_boxed_str())
}
