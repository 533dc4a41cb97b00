//! Switchboard's rules as pure data and functions: who may do what, the provider catalogue and its
//! field rules, connection-test outcomes, the status rules, the delivery state machine and its
//! retry schedule, the event catalogue with its `data` schemas and typed views, exact money, the
//! SMS rules (templates, segments, quiet hours) and time parsing.
//!
//! No I/O: no database, network, keychain or async runtime (`tests/no_io.rs` checks the
//! dependency tree). `switchboard-core` does the I/O and re-exports these at its own paths.

pub mod actor;
pub mod catalog;
pub mod delivery;
pub mod endpoint_url;
pub mod events;
pub mod job;
pub mod message_status;
pub mod money;
pub mod net;
pub mod oauth;
pub mod outcome;
pub mod phone;
pub mod provider_errors;
pub mod refusals;
pub mod retry;
pub mod settings;
pub mod sms;
pub mod status;
pub mod sync_plan;
pub mod time;
pub mod validate;

/// A value that breaks a rule, naming the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
