//! What the registry contributes to reports: population, households, floating population, 人户分离,
//! rentals and their safety agreements, estates and buildings (as of a period's end), people by sex, age band
//! and non-sensitive special group; the ledgers 人口花名册, 流动人口登记台账, 特殊人群台账 (per group) and 出租房屋台账.

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
    Def::new(D, ALL_LEVELS, code, name, unit, definition)
}

const LIVING: &str =
    "SELECT COUNT(*) FROM residence_periods r JOIN persons p ON p.id = r.person_id \
     WHERE r.from_date <= $1 AND (r.to_date IS NULL OR r.to_date > $1) AND {scope}";

pub fn plugin() -> Plugin {
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Box::new(Count {
            def: def("registry.population", "实有人口", "人", "期末在本辖区居住(有未结束的居住期)的登记人员数"),
            alias: "r",
            sql: LIVING,
            binds: Binds::AsOf,
        }),
        Box::new(Count {
            def: def("registry.households", "户数", "户", "期末至少有一名成员在住的户数"),
            alias: "hh",
            sql: "SELECT COUNT(*) FROM households hh WHERE {scope} AND EXISTS (SELECT 1 FROM persons p \
                  JOIN residence_periods r ON r.person_id = p.id WHERE p.household_id = hh.id \
                  AND r.from_date <= $1 AND (r.to_date IS NULL OR r.to_date > $1))",
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
    let mut indicators = indicators;
    for (code, name, cond) in [
        ("registry.male", "男性人口", " AND p.sex = '男'"),
        ("registry.female", "女性人口", " AND p.sex = '女'"),
        (
            "registry.age_under_18",
            "未成年人口(18岁以下)",
            const_format(" AND p.birth_date > ", YEARS_BEFORE_18),
        ),
        (
            "registry.age_18_59",
            "18至59岁人口",
            const_format(
                const_format(" AND p.birth_date <= ", YEARS_BEFORE_18),
                const_format(" AND p.birth_date > ", YEARS_BEFORE_60),
            ),
        ),
        (
            "registry.age_60_plus",
            "60岁及以上老年人口",
            const_format(" AND p.birth_date <= ", YEARS_BEFORE_60),
        ),
        (
            "registry.age_80_plus",
            "80岁及以上高龄老人",
            const_format(" AND p.birth_date <= ", YEARS_BEFORE_80),
        ),
    ] {
        indicators.push(Box::new(Count {
            def: def(
                code,
                name,
                "人",
                "期末在住登记人员中按性别或年龄(按出生日期计至期末)统计的人数",
            ),
            alias: "r",
            sql: const_format(LIVING, cond),
            binds: Binds::AsOf,
        }));
    }
    // Special groups that are not sensitive (sensitive ones — health, correction, welfare — are counted by the
    // domains that serve them, for the roles that may see them).
    for (code, name) in [
        ("elderly_alone", "独居老人"),
        ("empty_nest", "空巢老人"),
        ("veteran", "退役军人"),
        ("military_family", "军属"),
    ] {
        let cond = format!(
            " AND EXISTS (SELECT 1 FROM person_tags t JOIN tag_types y ON y.id = t.tag_type_id \
             WHERE t.person_id = p.id AND t.archived = 0 AND y.sensitive = 0 AND y.code = '{code}')"
        );
        indicators.push(Box::new(Count {
            def: def(
                Box::leak(format!("registry.group.{code}").into_boxed_str()),
                name,
                "人",
                "期末在住且登记在该特殊群体(未归档)的人数",
            ),
            alias: "r",
            sql: const_format(LIVING, Box::leak(cond.into_boxed_str())),
            binds: Binds::AsOf,
        }));
    }
    const ROSTER_COLS: &[Column] = &[
        Column::text("户号", 14.0),
        Column::text("姓名", 10.0),
        Column::text("与户主关系", 10.0),
        Column::text("性别", 6.0),
        Column::text("出生日期", 12.0),
        Column::id_number("公民身份号码"),
        Column::text("人员类型", 10.0),
        Column::text("现住址", 36.0),
        Column::phone("联系电话"),
    ];
    const FLOATING_COLS: &[Column] = &[
        Column::text("姓名", 10.0),
        Column::text("性别", 6.0),
        Column::text("出生日期", 12.0),
        Column::id_number("公民身份号码"),
        Column::text("户籍地", 30.0),
        Column::text("现住址", 36.0),
        Column::text("登记居住日期", 12.0),
        Column::text("就业情况", 16.0),
        Column::phone("联系电话"),
    ];
    const GROUP_COLS: &[Column] = &[
        Column::text("姓名", 10.0),
        Column::text("性别", 6.0),
        Column::text("出生日期", 12.0),
        Column::text("户号", 14.0),
        Column::text("现住址", 36.0),
        Column::text("纳入日期", 12.0),
        Column::phone("联系电话"),
    ];
    const PERSON_JOIN: &str = "FROM residence_periods r JOIN persons p ON p.id = r.person_id \
        JOIN households h ON h.id = p.household_id \
        WHERE r.from_date <= $1 AND (r.to_date IS NULL OR r.to_date > $1) AND {scope}";
    let mut person_ledgers: Vec<Box<dyn Ledger>> = vec![
        Box::new(SqlLedger {
            code: "registry.roster",
            title: "人口花名册",
            domain: D,
            due: "年报",
            columns: ROSTER_COLS,
            alias: "r",
            sql: const_format(
                const_format("SELECT h.number, p.name, p.relation, p.sex, p.birth_date, p.id_number, p.hukou_type, h.address, p.phone ", PERSON_JOIN),
                " ORDER BY h.number, p.id LIMIT {limit}",
            ),
            binds: Binds::AsOf,
        }),
        Box::new(SqlLedger {
            code: "registry.floating",
            title: "流动人口登记台账",
            domain: D,
            due: "月报",
            columns: FLOATING_COLS,
            alias: "r",
            sql: const_format(
                const_format("SELECT p.name, p.sex, p.birth_date, p.id_number, p.hukou_address, h.address, r.from_date, p.employment, p.phone ", PERSON_JOIN),
                " AND p.hukou_type = '流动人口' ORDER BY r.from_date, p.id LIMIT {limit}",
            ),
            binds: Binds::AsOf,
        }),
    ];
    // One ledger per special group that is not sensitive (sensitive groups' ledgers belong to the domains
    // that serve them and to the roles that may see them).
    for (code, name) in [
        ("elderly_alone", "独居老人"),
        ("empty_nest", "空巢老人"),
        ("veteran", "退役军人"),
        ("military_family", "军属"),
    ] {
        let has = format!(
            "FROM person_tags t JOIN tag_types y ON y.id = t.tag_type_id WHERE t.person_id = p.id \
             AND t.archived = 0 AND y.sensitive = 0 AND y.code = '{code}'"
        );
        let sql = format!(
            "SELECT p.name, p.sex, p.birth_date, h.number, h.address, (SELECT MIN(t.since) {has}), p.phone \
             {PERSON_JOIN} AND EXISTS (SELECT 1 {has}) ORDER BY h.number, p.id LIMIT {{limit}}"
        );
        person_ledgers.push(Box::new(SqlLedger {
            code: Box::leak(format!("registry.group.{code}").into_boxed_str()),
            title: Box::leak(format!("特殊人群台账({name})").into_boxed_str()),
            domain: D,
            due: "季报",
            columns: GROUP_COLS,
            alias: "r",
            sql: Box::leak(sql.into_boxed_str()),
            binds: Binds::AsOf,
        }));
    }
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
    person_ledgers.extend(ledgers);
    (indicators, person_ledgers)
}

/// The date N years before the period's end ($1), as text: a birth date on or before it is N or older.
const YEARS_BEFORE_18: &str =
    "CAST(CAST(substr($1, 1, 4) AS INTEGER) - 18 AS TEXT) || substr($1, 5)";
const YEARS_BEFORE_60: &str =
    "CAST(CAST(substr($1, 1, 4) AS INTEGER) - 60 AS TEXT) || substr($1, 5)";
const YEARS_BEFORE_80: &str =
    "CAST(CAST(substr($1, 1, 4) AS INTEGER) - 80 AS TEXT) || substr($1, 5)";

/// `LIVING` with a condition appended (leaked once per indicator: the catalogue is built once).
fn const_format(base: &'static str, extra: &'static str) -> &'static str {
    Box::leak(format!("{base}{extra}").into_boxed_str())
}
