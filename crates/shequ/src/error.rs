//! The one error type of shequ. Domain functions return it; the web layer maps each variant to a status
//! (see `web::error`). Messages are Chinese, written for the person at the counter, and name the field.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: the field and what is wrong with it. Nothing was written.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Does not exist, or is outside the user's scope (the two are indistinguishable on purpose).
    #[error("未找到该记录")]
    NotFound,
    /// The user's role may not do this (in scope, but not allowed).
    #[error("{0}")]
    Forbidden(String),
    /// A uniqueness rule was broken, e.g. the same ID number twice in a street.
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    #[error("请先登录")]
    Unauthorized,
    #[error("{0}")]
    Locked(String),
    /// Any other database error (unique and foreign-key violations become Conflict / Invalid, see
    /// [`crate::db::constraints`]).
    #[error("数据库错误")]
    Db(sqlx::Error),
    #[error("内部错误")]
    Other(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        crate::db::constraints::map(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Other(e.into())
    }
}
