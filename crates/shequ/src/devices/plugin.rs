//! What devices contribute to reports: alarms received, alarm cases opened, devices in use, and the
//! device alarm ledger (设备报警台账). Events count at the device's present place (devices follow moves).

use crate::reports::catalog::{
    Binds, Column, Count, Def, Indicator, Ledger, Plugin, SqlLedger, ALL_LEVELS,
};

const fn def(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    definition: &'static str,
) -> Def {
    Def::new("devices", ALL_LEVELS, code, name, unit, definition)
}

pub fn plugin() -> Plugin {
    let indicators: Vec<Box<dyn Indicator>> = vec![
        Box::new(Count {
            def: def("devices.alarms", "设备报警", "次", "期内收到并接受的设备报警事件数(重复报警并入同一事件的也计)"),
            alias: "d",
            sql: "SELECT COUNT(*) FROM device_events e JOIN devices d ON d.id = e.device_id \
                  WHERE e.accepted = 1 AND e.received_at >= $1 AND e.received_at < $2 AND {scope}",
            binds: Binds::Timestamps,
        }),
        Box::new(Count {
            def: def("devices.alarm_cases", "设备报警立案", "件", "期内由设备报警生成的案件数"),
            alias: "c",
            sql: "SELECT COUNT(*) FROM cases c WHERE c.source = '设备报警' AND c.created_at >= $1 \
                  AND c.created_at < $2 AND {scope}",
            binds: Binds::Timestamps,
        }),
        Box::new(Count {
            def: def("devices.in_use", "在用设备", "台", "期末已登记且未停用的设备数"),
            alias: "d",
            sql: "SELECT COUNT(*) FROM devices d WHERE d.created_at < $2 \
                  AND (d.retired_at IS NULL OR d.retired_at >= $2) AND COALESCE(d.retired_at, $1) >= $1 AND {scope}",
            binds: Binds::Timestamps,
        }),
    ];
    const ALARM_COLS: &[Column] = &[
        Column::time("报警时间"),
        Column::text("设备编码", 14.0),
        Column::text("设备名称", 16.0),
        Column::text("报警类型", 12.0),
        Column::text("安装位置", 16.0),
        Column::text("网格", 12.0),
        Column::text("事件编号", 16.0),
        Column::text("办理状态", 10.0),
    ];
    let ledgers: Vec<Box<dyn Ledger>> = vec![Box::new(SqlLedger {
        code: "devices.alarms",
        title: "设备报警台账",
        domain: "devices",
        due: "月报",
        columns: ALARM_COLS,
        alias: "d",
        sql: "SELECT e.received_at, d.code, d.name, COALESCE(t.title, e.event_type), l.name, g.name, c.number, \
              CASE c.state WHEN 'reported' THEN '上报' WHEN 'accepted' THEN '立案' WHEN 'rejected' THEN '不予立案' \
              WHEN 'dispatched' THEN '派遣' WHEN 'handling' THEN '处置' WHEN 'verified' THEN '核查' \
              WHEN 'closed' THEN '结案' WHEN 'rated' THEN '已评价' ELSE c.state END \
              FROM device_events e JOIN devices d ON d.id = e.device_id \
              JOIN nodes l ON l.id = d.location_node_id JOIN nodes g ON g.id = d.grid_id \
              LEFT JOIN device_event_types t ON t.event_type = e.event_type LEFT JOIN cases c ON c.id = e.case_id \
              WHERE e.accepted = 1 AND e.received_at >= $1 AND e.received_at < $2 AND {scope} \
              ORDER BY e.received_at, e.id LIMIT {limit}",
        binds: Binds::Timestamps,
    })];
    (indicators, ledgers)
}
