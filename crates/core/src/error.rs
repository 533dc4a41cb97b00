//! One error type for core, and the stable `{ code, message, field }` shape the UI and the CLI's
//! `--json` output receive.

use std::path::PathBuf;

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {message}")]
    Validation { field: String, message: String },

    #[error("{0} was not found")]
    NotFound(String),

    #[error("{0}")]
    Conflict(String),

    #[error("{0}")]
    KeychainUnavailable(String),

    /// The actor's role does not allow the operation (already audited as refused).
    #[error("{0}")]
    Forbidden(String),

    /// Nobody is signed in, or the session is locked.
    #[error("{0}")]
    Locked(String),

    /// Too many wrong passwords: the next try is allowed after `retry_after_secs`.
    #[error("Too many wrong passwords. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u32 },

    #[error("cannot use the data directory {path}: {reason}")]
    DataDir { path: PathBuf, reason: String },

    #[error(
        "the database {path} was written by a newer version of Switchboard (schema {found}; this \
         version understands up to {supported}). Nothing was changed. Install the newer version, \
         or point --data-dir at another directory."
    )]
    DatabaseTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error(
        "the database {path} is not a Switchboard database or is damaged ({reason}). Nothing was \
         changed. Restore it from a backup, or point --data-dir at another directory."
    )]
    DatabaseCorrupt { path: PathBuf, reason: String },

    #[error(
        "the database {path} is locked by another program. Close other Switchboard windows or \
         `switchboard` commands using it, then try again."
    )]
    DatabaseLocked { path: PathBuf },

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// Input over a size limit (the ingest API answers 413).
    #[error("{0}")]
    PayloadTooLarge(String),

    /// A provider could not be reached (the message names it and what to do).
    #[error("{0}")]
    Network(String),

    /// A provider refused or answered what Switchboard cannot use (denied consent, a spent
    /// code, rejected app credentials); the message says what to do.
    #[error("{0}")]
    Provider(String),

    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation { .. } => ErrorCode::Validation,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::KeychainUnavailable(_) => ErrorCode::KeychainUnavailable,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::Locked(_) => ErrorCode::Locked,
            Error::Throttled { .. } => ErrorCode::Throttled,
            Error::DataDir { .. }
            | Error::DatabaseTooNew { .. }
            | Error::DatabaseCorrupt { .. }
            | Error::DatabaseLocked { .. }
            | Error::Sqlite(_) => ErrorCode::Storage,
            Error::PayloadTooLarge(_) => ErrorCode::Validation,
            Error::Network(_) => ErrorCode::Network,
            Error::Provider(_) => ErrorCode::Provider,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<switchboard_domain::Invalid> for Error {
    fn from(e: switchboard_domain::Invalid) -> Self {
        Error::Validation {
            field: e.field,
            message: e.message,
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        Error::Internal(format!("database connection pool: {e}"))
    }
}

/// The small, stable set of codes the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Validation,
    NotFound,
    Conflict,
    Forbidden,
    /// Nobody is signed in or the session is locked: show the sign-in screen.
    Locked,
    /// Too many wrong passwords; the message says when to try again.
    Throttled,
    KeychainUnavailable,
    Storage,
    Network,
    /// The provider refused (denied consent, spent code, rejected credentials).
    Provider,
    Internal,
}

/// What crosses to the UI (and to `--json` output) when an operation fails: a code to branch on,
/// a message a clinic worker can act on, and the offending field for validation errors.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
}

impl From<&Error> for AppError {
    fn from(e: &Error) -> Self {
        let message = match e {
            // The field is carried separately; the message alone reads as a sentence in a form.
            Error::Validation { message, .. } => message.clone(),
            other => other.to_string(),
        };
        AppError {
            code: e.code(),
            message,
            field: e.field().map(str::to_owned),
        }
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::from(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_error_keeps_field_apart_from_message() {
        let body = AppError::from(Error::validation("account_sid", "must start with AC"));
        assert_eq!(body.code, ErrorCode::Validation);
        assert_eq!(body.field.as_deref(), Some("account_sid"));
        assert_eq!(body.message, "must start with AC");
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["code"], "validation");
    }
}
