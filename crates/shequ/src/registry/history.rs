//! A person's history (变动记录) as a role may read it: the audit entries of the person, their tags and dated
//! events, with ID numbers and phones masked exactly like the record itself, health left out and sensitive
//! groups' entries dropped for roles that do not see them. Pages and the API both read it from here.

use serde_json::Value;

use super::{persons, tags};
use crate::accounts::Actor;
use crate::audit::{self, Entry};
use crate::db::Db;
use crate::error::Result;
use crate::privacy;

/// The history of a person in the actor's scope, newest first.
pub async fn for_person(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Entry>> {
    persons::get(db, actor, id).await?;
    let sensitive = actor.role.sees_sensitive();
    let visible: Vec<String> = tags::types(db, actor)
        .await?
        .into_iter()
        .map(|t| format!("\"tag\":\"{}\"", t.name))
        .collect();
    let mut entries = audit::person_history(db, id).await?;
    entries.retain(|e| sensitive || e.action != "read_sensitive");
    entries.retain(|e| {
        e.entity != "person_tag"
            || visible.iter().any(|v| {
                e.before_json.as_deref().unwrap_or("").contains(v.as_str())
                    || e.after_json.as_deref().unwrap_or("").contains(v.as_str())
            })
    });
    for e in &mut entries {
        for j in [&mut e.before_json, &mut e.after_json] {
            let Some(text) = j.as_deref() else { continue };
            let Ok(mut v) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if !sensitive {
                if let Some(o) = v.as_object_mut() {
                    o.remove("health");
                }
            }
            privacy::mask_json(&mut v);
            *j = Some(v.to_string());
        }
    }
    Ok(entries)
}
