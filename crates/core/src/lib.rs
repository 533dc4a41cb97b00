//! Switchboard's product logic, with no Tauri in it.
//!
//! [`Switchboard`] is the one value the desktop shell and the CLI build at start-up: it owns the
//! SQLite store, the keychain handle and the data directory, and every operation hangs off it.

pub mod actor;
pub mod api_keys;
pub mod audit;
pub mod checks;
pub mod engine;
pub mod error;
pub mod export;
pub mod info;
pub mod ingest;
pub mod integrations;
pub mod lock;
pub mod logging;
pub mod missing;
pub mod oauth;
pub mod paths;
pub mod providers;
pub mod secrets;
pub mod services;
pub mod settings;
pub mod status;
pub mod store;
pub mod sync;
pub mod users;
pub mod webhooks;

mod app;

/// Moved to `switchboard-domain`; kept at core's paths so callers need not change.
pub use switchboard_domain::time;
/// Exact money and the SMS rules, from the domain crate.
pub use switchboard_domain::{money, sms};

pub use actor::{Actor, Operation, Permission, Role};
pub use app::{OpenOptions, Switchboard};
pub use error::{AppError, Error, ErrorCode, Result};
pub use info::AppInfo;
pub use paths::BuildKind;
pub use secrets::{Keychain, KeychainStatus, Secret};
