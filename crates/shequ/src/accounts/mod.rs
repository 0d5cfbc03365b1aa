//! Accounts: who a user is (role), what they may see (scope), passwords, sessions and the login throttle.
//! Nothing here knows HTTP; the web layer turns a session cookie into an [`Actor`].

pub mod admin;
pub mod password;
pub mod role;
pub mod scope;
pub mod sessions;
pub mod throttle;
pub mod users;

pub use role::Role;
pub use scope::Scope;

/// The user behind a request, with the scope every query of theirs is filtered by.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub lang: String,
}

impl Actor {
    /// The actor used by the CLI (`shequ demo`, `shequ admin`): the whole database, recorded as "system".
    pub fn system() -> Actor {
        Actor {
            user_id: 0,
            username: "system".into(),
            display_name: "系统".into(),
            role: Role::StreetAdmin,
            scope: Scope::All,
            lang: "zh".into(),
        }
    }

    pub fn require_write(&self) -> crate::error::Result<()> {
        if self.role.can_write_registry() {
            Ok(())
        } else {
            Err(crate::error::Error::Forbidden(
                "您的角色只能查看,不能修改".into(),
            ))
        }
    }
}
