//! What surveys contribute to reports: surveys opened, households sampled, responses returned (from sampled
//! households) and the response rate. Of a street or a community.

use crate::reports::catalog::{Binds, Count, Def, Indicator, Ledger, Level, Plugin, Rate};

const LEVELS: &[Level] = &[Level::Street, Level::Community];

const fn def(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    definition: &'static str,
) -> Def {
    Def::new("surveys", LEVELS, code, name, unit, definition)
}

fn count(def: Def, sql: &'static str) -> Box<dyn Indicator> {
    Box::new(Count {
        def,
        alias: "sv",
        sql,
        binds: Binds::Timestamps,
    })
}

pub fn plugin() -> Plugin {
    let indicators: Vec<Box<dyn Indicator>> = vec![
        count(def("surveys.opened", "开展问卷调查", "次", "期内发布的问卷调查次数"),
            "SELECT COUNT(*) FROM surveys sv WHERE sv.opened_at >= $1 AND sv.opened_at < $2 AND {scope}"),
        count(def("surveys.sampled", "调查样本", "户", "期内发布的问卷调查的样本户数之和"),
            "SELECT COUNT(*) FROM survey_sample x JOIN surveys sv ON sv.id = x.survey_id WHERE sv.opened_at >= $1 AND sv.opened_at < $2 AND {scope}"),
        count(def("surveys.returned", "回收问卷", "份", "期内发布的问卷调查中样本户交回的问卷份数"),
            "SELECT COUNT(*) FROM survey_responses r JOIN survey_sample x ON x.survey_id = r.survey_id AND x.household_id = r.household_id \
             JOIN surveys sv ON sv.id = r.survey_id WHERE sv.opened_at >= $1 AND sv.opened_at < $2 AND {scope}"),
        Rate::boxed(def("surveys.response_rate", "问卷回收率", "%", "回收问卷 ÷ 调查样本").rate("surveys.returned", "surveys.sampled")),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![];
    (indicators, ledgers)
}
