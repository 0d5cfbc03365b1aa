//! Constraint races answered cleanly. A write checks for a duplicate first, but two concurrent requests can
//! both pass the check; the database's unique index then refuses the second. Every unique and foreign-key
//! violation is mapped here — once, for every query — to the same Chinese message as the pre-check (409 for
//! a duplicate, 422 for a missing referenced record), never a 500.

use crate::error::Error;

/// The message of a duplicate person (the pre-check in `registry::persons` says the same).
pub const DUPLICATE_PERSON: &str = "该证件号码已有登记,请在人员列表中查找该人员,不要重复登记";
/// A duplicate outside the user's scope: the message does not say that (or where) the number is registered.
pub const PERSON_ELSEWHERE: &str = "该证件号码不能在此登记,请联系街道管理员核实";
pub const DUPLICATE_USERNAME: &str = "该用户名已存在";
pub const DUPLICATE_CATEGORY: &str = "该分类编码已存在";
pub const DUPLICATE_DEVICE: &str = "该设备编码已存在";
pub const DUPLICATE_TAG_TYPE: &str = "已有同代码或同名称的特殊群体类型";

/// (PostgreSQL constraint name, the columns SQLite names in its message, field, message).
const UNIQUE: &[(&str, &str, &str, &str)] = &[
    (
        "persons_street_idnumber",
        "persons.street_id, persons.id_number",
        "身份证号",
        DUPLICATE_PERSON,
    ),
    (
        "users_username_key",
        "users.username",
        "用户名",
        DUPLICATE_USERNAME,
    ),
    (
        "case_categories_code_key",
        "case_categories.code",
        "编码",
        DUPLICATE_CATEGORY,
    ),
    (
        "devices_code_key",
        "devices.code",
        "设备编码",
        DUPLICATE_DEVICE,
    ),
    (
        "tag_types_code_key",
        "tag_types.code",
        "代码",
        DUPLICATE_TAG_TYPE,
    ),
    (
        "mediations_case_id_key",
        "mediations.case_id",
        "调解",
        "该案件的调解记录已由他人建立,请刷新后重试",
    ),
    (
        "diary_notes_user_id_day_key",
        "diary_notes.user_id, diary_notes.day",
        "日记",
        "当日日记已保存,请刷新后重试",
    ),
    (
        "welfare_distributions_once",
        "welfare_distributions.occasion, welfare_distributions.household_id",
        "慰问对象",
        crate::welfare::payments::DUPLICATE_DISTRIBUTION,
    ),
    (
        "welfare_payment_lists_month",
        "welfare_payment_lists.programme_id, welfare_payment_lists.community_id, welfare_payment_lists.month",
        "发放月份",
        crate::welfare::payments::DUPLICATE_LIST,
    ),
    (
        "calendar_days_pkey",
        "calendar_days.day",
        "日期",
        "该日期已由他人录入,请刷新后重试",
    ),
];

/// The error a database error stands for.
pub fn map(e: sqlx::Error) -> Error {
    let sqlx::Error::Database(d) = &e else {
        return Error::Db(e);
    };
    if d.is_unique_violation() {
        let constraint = d.constraint().unwrap_or("");
        let message = d.message();
        for (pg, sqlite, field, text) in UNIQUE {
            if constraint == *pg || message.ends_with(sqlite) {
                return Error::conflict(*field, *text);
            }
        }
        return Error::conflict("记录", "该记录已存在(可能刚由他人提交),请刷新后重试");
    }
    if d.is_foreign_key_violation() {
        return Error::invalid("关联记录", "关联的记录不存在或已变更,请刷新后重试");
    }
    Error::Db(e)
}
