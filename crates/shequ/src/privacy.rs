//! Privacy below the handlers. Personal fields (ID numbers, phones) of every record type are declared with
//! [`ser`] serializers, so whatever turns a record into JSON or a page — an API answer, a template, an
//! htmx fragment — gets the masked value (110***********1234, 138****5678). There is no call to forget.
//!
//! The full values leave the process only through a [`Revealed`] wrapper, which only [`reveal`] makes, and
//! which writes the audit entry ("unmask") first. The audit log itself keeps the stored values
//! ([`stored_json`]); every history read masks them again by field name ([`mask_json`]).
//!
//! Who sees what is one table, [`RULES`] (also in docs/PRIVACY.md); sensitive groups and health are removed
//! by the domain read functions for roles that do not see them (see [`crate::accounts::Role::sees_sensitive`]).

use std::cell::Cell;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::accounts::{Actor, Role};
use crate::error::{Error, Result};
use crate::registry::mask;

/// How a personal field is masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    IdNumber,
    Phone,
}

/// Field names that hold personal values, wherever they appear (records, audit before/after, history).
pub const FIELDS: &[(&str, Kind)] = &[
    ("id_number", Kind::IdNumber),
    ("phone", Kind::Phone),
    ("phone2", Kind::Phone),
    ("landlord_phone", Kind::Phone),
    ("reporter_phone", Kind::Phone),
];

/// One line of the privacy table: what a role sees of a kind of data.
pub struct Rule {
    pub data: &'static str,
    pub roles: &'static [Role],
    pub shown: &'static str,
}

const ALL_STAFF: &[Role] = &[
    Role::StreetAdmin,
    Role::CommunityHead,
    Role::SocialWorker,
    Role::GridWorker,
    Role::BuildingLeader,
];
const WRITERS: &[Role] = &[
    Role::StreetAdmin,
    Role::CommunityHead,
    Role::SocialWorker,
    Role::GridWorker,
];
const SENSITIVE: &[Role] = &[Role::StreetAdmin, Role::CommunityHead, Role::SocialWorker];

/// The privacy table (docs/PRIVACY.md prints the same).
pub const RULES: &[Rule] = &[
    Rule {
        data: "证件号码、电话(人员、反映人、当事人、房东、巡逻队员)",
        roles: ALL_STAFF,
        shown: "打码显示(页面、接口、导出、变动记录)",
    },
    Rule {
        data: "证件号码、电话完整值",
        roles: WRITERS,
        shown: "逐条“查看完整信息”后显示,每次写入审计日志",
    },
    Rule {
        data: "健康状况、敏感人群标签(社区矫正、低保、残疾等)及其名单、走访规则",
        roles: SENSITIVE,
        shown: "显示,每次读取写入审计日志;其他角色看不到这些字段和名单",
    },
];

thread_local! {
    /// Set while a [`Revealed`] value or an audit copy is being serialized (serialization is synchronous).
    static FULL: Cell<bool> = const { Cell::new(false) };
}

struct FullGuard(bool);

impl FullGuard {
    fn on() -> FullGuard {
        FullGuard(FULL.with(|f| f.replace(true)))
    }
}

impl Drop for FullGuard {
    fn drop(&mut self) {
        let was = self.0;
        FULL.with(|f| f.set(was));
    }
}

fn full() -> bool {
    FULL.with(|f| f.get())
}

/// Masks a value of a kind.
pub fn mask(kind: Kind, v: &str) -> String {
    match kind {
        Kind::IdNumber => mask::id_number(v),
        Kind::Phone => mask::phone(v),
    }
}

/// Serializers for personal fields: `#[serde(serialize_with = "crate::privacy::ser::phone")]`.
pub mod ser {
    use super::*;

    fn one<S: Serializer>(
        kind: Kind,
        v: &Option<String>,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(v) if full() => s.serialize_some(v),
            Some(v) => s.serialize_some(&mask(kind, v)),
        }
    }

    pub fn id_number<S: Serializer>(
        v: &Option<String>,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        one(Kind::IdNumber, v, s)
    }

    pub fn phone<S: Serializer>(v: &Option<String>, s: S) -> std::result::Result<S::Ok, S::Error> {
        one(Kind::Phone, v, s)
    }
}

/// A record whose personal fields serialize in full. Made only by [`reveal`], after the audit entry.
#[derive(Debug, Clone)]
pub struct Revealed<T>(T);

impl<T> Revealed<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
    pub fn get(&self) -> &T {
        &self.0
    }
}

impl<T: Serialize> Serialize for Revealed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let _full = FullGuard::on();
        self.0.serialize(s)
    }
}

/// The one way to full values: checks the role may unmask, writes the "unmask" audit entry for the record
/// (with the reason and fields) and wraps it.
pub async fn reveal<T>(
    db: &crate::db::Db,
    actor: &Actor,
    entity: &str,
    entity_id: i64,
    reason: &str,
    record: T,
) -> Result<Revealed<T>> {
    if !actor.role.can_unmask() {
        return Err(Error::Forbidden(
            "您的角色不能查看完整的证件号码和电话".into(),
        ));
    }
    crate::audit::record(
        &db.pool,
        actor,
        "unmask",
        entity,
        Some(entity_id),
        None,
        Some(&serde_json::json!({"reason": reason, "fields": personal_fields_of(entity)})),
    )
    .await?;
    Ok(Revealed(record))
}

fn personal_fields_of(entity: &str) -> Vec<&'static str> {
    match entity {
        "person" => vec!["id_number", "phone", "phone2"],
        "case" => vec!["reporter_phone", "phone"],
        "patrol_team" => vec!["phone"],
        "rental" => vec!["landlord_phone"],
        _ => FIELDS.iter().map(|(f, _)| *f).collect(),
    }
}

/// The stored values of a record as JSON, for the audit log's before/after (never for an answer).
pub(crate) fn stored_json<T: Serialize>(v: &T) -> serde_json::Result<Value> {
    let _full = FullGuard::on();
    serde_json::to_value(v)
}

/// Masks every personal field of a JSON value, at any depth (audit values shown as history).
pub fn mask_json(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if let Some((_, kind)) = FIELDS.iter().find(|(f, _)| f == k) {
                    if let Value::String(s) = val {
                        *s = mask(*kind, s);
                    }
                } else {
                    mask_json(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_json),
        _ => {}
    }
}

/// [`mask_json`] on JSON text; text that is not JSON is kept as it is.
pub fn mask_json_text(s: &str) -> String {
    match serde_json::from_str::<Value>(s) {
        Ok(mut v) => {
            mask_json(&mut v);
            v.to_string()
        }
        Err(_) => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Clone)]
    struct Rec {
        name: String,
        #[serde(serialize_with = "ser::id_number")]
        id_number: Option<String>,
        #[serde(serialize_with = "ser::phone")]
        phone: Option<String>,
    }

    fn rec() -> Rec {
        Rec {
            name: "赵军杰".into(),
            id_number: Some("110105194912311234".into()),
            phone: Some("13812345678".into()),
        }
    }

    #[test]
    fn serialization_masks_and_only_revealed_or_stored_is_full() {
        let masked = serde_json::to_value(rec()).unwrap();
        assert_eq!(masked["id_number"], "110***********1234");
        assert_eq!(masked["phone"], "138****5678");
        let full = serde_json::to_value(Revealed(rec())).unwrap();
        assert_eq!(full["id_number"], "110105194912311234");
        let stored = stored_json(&rec()).unwrap();
        assert_eq!(stored["phone"], "13812345678");
        // The flag does not outlive the call.
        assert_eq!(serde_json::to_value(rec()).unwrap()["phone"], "138****5678");
    }

    #[test]
    fn history_values_are_masked_at_any_depth() {
        let mut v = serde_json::json!({"id_number": "110105194912311234", "members": [{"phone": "13812345678"}], "n": 1});
        mask_json(&mut v);
        assert_eq!(v["id_number"], "110***********1234");
        assert_eq!(v["members"][0]["phone"], "138****5678");
        assert_eq!(v["n"], 1);
    }
}
