//! The providers Switchboard connects to: Twilio, Square and QuickBooks Online.
//!
//! [`catalog`] describes each provider once (its form fields, rules and environments); the UI
//! renders forms from it and [`validate`] is the authority on what may be saved. `twilio`,
//! `square` and `quickbooks` are the connection tests, over the one client from [`http`].
//! `twilio_messages`, `quickbooks_api` and `square_payments` are the sync calls, each answering a
//! [`call::Called`]: the attempt's record and the typed result or a [`call::CallFailure`].

pub mod call;
pub mod http;
pub mod limits;
pub mod quickbooks;
pub mod quickbooks_api;
pub mod square;
pub mod square_payments;
pub mod tokens;
pub mod twilio;
pub mod twilio_messages;

/// The catalogue and its rules are pure data in `switchboard-domain`, kept at these paths.
pub use switchboard_domain::{catalog, validate};

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use catalog::{
    catalog, spec, EnvironmentSpec, FieldKind, FieldSpec, Provider, ProviderSpec, Requirement,
};
pub use validate::{FieldIssue, Severity};

use crate::secrets::Secret;
use switchboard_domain::outcome::Outcome;

pub type SaveSecret =
    Arc<dyn Fn(Secret) -> Pin<Box<dyn Future<Output = crate::Result<()>> + Send>> + Send + Sync>;

/// Everything a connection test needs about one integration.
pub struct Target {
    pub provider: Provider,
    pub environment: String,
    /// The environment's base URL, or the custom one.
    pub base_url: String,
    pub custom_base: Option<String>,
    pub settings: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, Secret>,
    pub timeout: Duration,
    /// Stores a rotated refresh token (QuickBooks, Square PKCE) in the keychain.
    pub save_refresh_token: SaveSecret,
    /// Keeps a renewed access token in memory for the next calls (Square).
    pub remember_access_token: Arc<dyn Fn(Secret) + Send + Sync>,
}

impl Target {
    pub fn setting(&self, name: &str) -> &str {
        self.settings.get(name).map_or("", String::as_str)
    }

    pub fn secret(&self, name: &str) -> &str {
        self.secrets.get(name).map_or("", Secret::expose)
    }
}

/// What a test learned about the OAuth tokens (QuickBooks, Square), times in unix ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenLifetimes {
    pub access_expires_at: Option<i64>,
    pub refresh_expires_at: Option<i64>,
    /// When the access token was renewed, if this test renewed it.
    pub refreshed_at: Option<i64>,
    /// The token endpoint refused the stored refresh token (`invalid_grant`): reconnect.
    pub refresh_refused: bool,
}

/// Runs the provider's connection test.
pub async fn test_connection(
    client: &reqwest::Client,
    target: &Target,
) -> (Outcome, Option<TokenLifetimes>) {
    match target.provider {
        Provider::Twilio => (twilio::test(client, target).await, None),
        Provider::Square => square::test(client, target).await,
        Provider::Quickbooks => quickbooks::test(client, target).await,
    }
}
