//! The special groups every street starts with (MISSION.md §1 and the foundation issue), inserted at start-up
//! when missing. More can be added as data by a street administrator (see [`super::tags`]).

use super::tags::FieldSpec;
use crate::db::{self, Db};
use crate::error::Result;

fn f(key: &str, label: &str, kind: &str, options: &[&str], required: bool) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        label: label.into(),
        kind: kind.into(),
        options: options.iter().map(|s| s.to_string()).collect(),
        required,
    }
}

/// The special groups every street starts with (MISSION.md §1 and the foundation issue).
pub fn builtin() -> Vec<(&'static str, &'static str, bool, Vec<FieldSpec>)> {
    let yes_no = &["是", "否"];
    vec![
        (
            "elderly_alone",
            "独居老人",
            false,
            vec![
                f("volunteer", "结对志愿者", "text", &[], false),
                f("card", "服务直通卡", "select", yes_no, false),
                f("ankangtong", "安康通设备", "select", yes_no, false),
            ],
        ),
        (
            "empty_nest",
            "空巢老人",
            false,
            vec![f("child_phone", "子女联系电话", "text", &[], false)],
        ),
        (
            "dibao",
            "低保",
            true,
            vec![
                f("cert_no", "低保证号", "text", &[], false),
                f("members", "保障人数", "number", &[], true),
                f("amount", "月保障金额(元)", "number", &[], false),
                f("approved", "批准日期", "date", &[], false),
            ],
        ),
        (
            "tekun",
            "特困",
            true,
            vec![f(
                "mode",
                "供养方式",
                "select",
                &["集中供养", "分散供养"],
                true,
            )],
        ),
        (
            "disabled",
            "残疾",
            true,
            vec![
                f(
                    "type",
                    "残疾类型",
                    "select",
                    &["视力", "听力", "言语", "肢体", "智力", "精神", "多重"],
                    true,
                ),
                f(
                    "grade",
                    "残疾等级",
                    "select",
                    &["一级", "二级", "三级", "四级"],
                    true,
                ),
                f("cert_no", "残疾证号", "text", &[], false),
            ],
        ),
        (
            "correction",
            "社区矫正",
            true,
            vec![
                f(
                    "category",
                    "矫正类别",
                    "select",
                    &["管制", "缓刑", "假释", "暂予监外执行"],
                    true,
                ),
                f("start", "矫正起始日期", "date", &[], true),
                f("end", "矫正终止日期", "date", &[], false),
            ],
        ),
        (
            "released",
            "刑满释放",
            true,
            vec![
                f("released_on", "释放日期", "date", &[], true),
                f(
                    "agreement",
                    "帮教协议",
                    "select",
                    &["已签订", "未签订"],
                    false,
                ),
            ],
        ),
        (
            "key_youth",
            "重点青少年",
            true,
            vec![f(
                "category",
                "类别",
                "select",
                &[
                    "闲散青少年",
                    "不良行为青少年",
                    "流浪乞讨未成年人",
                    "服刑在教人员未成年子女",
                    "农村留守儿童",
                ],
                true,
            )],
        ),
        (
            "veteran",
            "退役军人",
            false,
            vec![
                f("discharged", "退役时间", "date", &[], false),
                f("entitled", "优抚对象", "select", yes_no, false),
            ],
        ),
        (
            "military_family",
            "军属",
            false,
            vec![
                f("soldier", "军人姓名", "text", &[], false),
                f("relation", "与军人关系", "text", &[], false),
            ],
        ),
        (
            "chronic",
            "慢病",
            true,
            vec![
                f("disease", "疾病", "text", &[], true),
                f("interval", "随访间隔(月)", "number", &[], true),
                f("last_visit", "上次随访日期", "date", &[], false),
            ],
        ),
        (
            "floating",
            "流动人口",
            false,
            vec![
                f("arrived", "来本地日期", "date", &[], true),
                f("origin", "户籍地", "text", &[], false),
                f(
                    "registration",
                    "居住登记",
                    "select",
                    &["已登记", "未登记"],
                    false,
                ),
            ],
        ),
        (
            "party_member",
            "党员",
            false,
            vec![
                f("joined", "入党日期", "date", &[], false),
                f("branch", "所属支部", "text", &[], false),
            ],
        ),
        (
            "representative",
            "居民代表",
            false,
            vec![f(
                "kind",
                "代表类别",
                "select",
                &["居民代表", "社区成员代表"],
                false,
            )],
        ),
    ]
}

/// Inserts the built-in types that are missing (idempotent; run at start-up).
pub async fn ensure_builtin(db: &Db) -> Result<()> {
    for (code, name, sensitive, fields) in builtin() {
        sqlx::query(&format!(
            "INSERT INTO tag_types (code, name, fields, sensitive, created_at) VALUES ($1, $2, $3, $4, $5) {}",
            db.dialect.insert_ignore()
        ))
        .bind(code)
        .bind(name)
        .bind(serde_json::to_string(&fields)?)
        .bind(sensitive as i64)
        .bind(db::now())
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}
