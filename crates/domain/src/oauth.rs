//! The rules of "Connect": which providers sign in through their own page, where each step of
//! the authorization-code flow goes, which redirect URI to register, what the `state` carries,
//! when a connection counts as made, and when Square's tokens are renewed.
//!
//! Facts: sync-apis.md §4 and providers.md §2.8, §3.2, §3.7. QuickBooks: code flow with the
//! client secret (no PKCE), `http://localhost` redirects for development keys only, an HTTPS
//! page for production keys. Square: PKCE (S256, no secret) unless an application secret is
//! given; PKCE refresh tokens are single-use and last 90 days.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::catalog::Provider;
use crate::Invalid;

/// A `state` expires 10 minutes after the flow starts.
pub const STATE_LIFETIME_MS: i64 = 10 * 60 * 1000;
/// The loopback port for `http://localhost:<port>/callback` unless the form sets another.
pub const DEFAULT_REDIRECT_PORT: u16 = 47321;
/// The path the loopback listener answers (and the relay page forwards to).
pub const CALLBACK_PATH: &str = "/callback";
/// Square access tokens are refreshed when the last refresh is older than this, so they are
/// renewed at least every 7 days as Square recommends (the checks run more often than daily).
pub const SQUARE_REFRESH_EVERY_MS: i64 = 6 * 24 * 60 * 60 * 1000;

pub const QUICKBOOKS_SCOPE: &str = "com.intuit.quickbooks.accounting";
pub const SQUARE_SCOPES: &str = "MERCHANT_PROFILE_READ PAYMENTS_READ";

const INTUIT_AUTHORIZE: &str = "https://appcenter.intuit.com";
const INTUIT_TOKEN: &str = "https://oauth.platform.intuit.com";
const INTUIT_REVOKE: &str = "https://developer.api.intuit.com";

/// Whether the provider connects through its sign-in page (QuickBooks, Square).
pub fn supports_connect(provider: Provider) -> bool {
    matches!(provider, Provider::Quickbooks | Provider::Square)
}

/// The URLs of one provider's flow. With a custom base URL (Advanced), every one is taken under
/// it with the provider's own paths, so one fake server serves the whole flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub revoke: String,
}

/// `environment_base` is the environment's API base (the catalogue's), `custom` the Advanced one.
pub fn endpoints(provider: Provider, environment_base: &str, custom: Option<&str>) -> Endpoints {
    let trim = |s: &str| s.trim_end_matches('/').to_owned();
    match provider {
        Provider::Quickbooks => {
            let (authorize, token, revoke) = match custom {
                Some(base) => (trim(base), trim(base), trim(base)),
                None => (
                    INTUIT_AUTHORIZE.to_owned(),
                    INTUIT_TOKEN.to_owned(),
                    INTUIT_REVOKE.to_owned(),
                ),
            };
            Endpoints {
                authorize: format!("{authorize}/connect/oauth2"),
                token: format!("{token}/oauth2/v1/tokens/bearer"),
                revoke: format!("{revoke}/v2/oauth2/tokens/revoke"),
            }
        }
        _ => {
            let base = trim(custom.unwrap_or(environment_base));
            Endpoints {
                authorize: format!("{base}/oauth2/authorize"),
                token: format!("{base}/oauth2/token"),
                revoke: format!("{base}/oauth2/revoke"),
            }
        }
    }
}

/// The port the loopback listener uses: the form's `redirect_port`, else the default. `0` means
/// any free port (only for providers that do not check the port, and for tests).
pub fn redirect_port(value: Option<&str>) -> Result<u16, Invalid> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_REDIRECT_PORT),
        Some(v) => v.parse::<u16>().map_err(|_| {
            Invalid::new(
                "redirect_port",
                "Redirect port must be a number from 1 to 65535.",
            )
        }),
    }
}

/// Where the provider sends the browser back: the relay page when one is set (it must be
/// HTTPS), else `http://localhost:<port>/callback`. QuickBooks production keys accept only
/// HTTPS redirect URIs, so they need the relay page.
pub fn redirect_uri(
    provider: Provider,
    environment: &str,
    relay_url: Option<&str>,
    port: u16,
) -> Result<String, Invalid> {
    match relay_url.map(str::trim).filter(|v| !v.is_empty()) {
        Some(url) => {
            let parsed = url::Url::parse(url).map_err(|_| {
                Invalid::new("relay_url", "Relay page URL is not a valid web address.")
            })?;
            if parsed.scheme() != "https" {
                return Err(Invalid::new(
                    "relay_url",
                    "Relay page URL must start with https:// (the providers refuse plain http).",
                ));
            }
            if parsed.query().is_some() || parsed.fragment().is_some() {
                return Err(Invalid::new(
                    "relay_url",
                    "Relay page URL must not contain ? or #: the provider adds the query.",
                ));
            }
            Ok(url.to_owned())
        }
        None if provider == Provider::Quickbooks && environment == "production" => {
            Err(Invalid::new(
                "relay_url",
                "QuickBooks production keys only redirect to an HTTPS page: host the relay page \
                 (docs/oauth-relay.md) and enter its address, or use development keys with the \
                 sandbox.",
            ))
        }
        None => Ok(format!("http://localhost:{port}{CALLBACK_PATH}")),
    }
}

/// The `state` of one attempt: at least 128 random bits (base64url) and the listener's port,
/// `<random>.<port>`, so the relay page knows where to forward.
pub fn make_state(random: &str, port: u16) -> String {
    format!("{random}.{port}")
}

/// The listener port a `state` carries; `None` if it is not one Switchboard made.
pub fn state_port(state: &str) -> Option<u16> {
    let (random, port) = state.rsplit_once('.')?;
    if random.len() < 22
        || !random
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    port.parse().ok().filter(|p| *p != 0)
}

/// Whether the stored secrets make a connection: QuickBooks needs its refresh token (and a
/// company id); Square a refresh token from Connect or a pasted access token.
pub fn is_connected(provider: Provider, secrets_set: &BTreeSet<String>) -> bool {
    match provider {
        Provider::Quickbooks => secrets_set.contains("refresh_token"),
        Provider::Square => {
            secrets_set.contains("refresh_token") || secrets_set.contains("access_token")
        }
        Provider::Twilio => true,
    }
}

/// What the card offers to (re)make the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ConnectAction {
    Connect,
    Reconnect,
}

impl ConnectAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectAction::Connect => "connect",
            ConnectAction::Reconnect => "reconnect",
        }
    }
}

/// Whether a Square access token obtained at `refreshed_at` should be renewed now.
pub fn square_refresh_due(refreshed_at: Option<i64>, now: i64) -> bool {
    refreshed_at.is_none_or(|at| now - at >= SQUARE_REFRESH_EVERY_MS)
}

/// A Square OAuth connection uses PKCE unless an application secret is stored.
pub fn square_uses_pkce(secrets_set: &BTreeSet<String>) -> bool {
    !secrets_set.contains("application_secret")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_base_puts_every_step_under_it_with_the_providers_paths() {
        let e = endpoints(
            Provider::Quickbooks,
            "https://x",
            Some("http://127.0.0.1:9/"),
        );
        assert_eq!(e.authorize, "http://127.0.0.1:9/connect/oauth2");
        assert_eq!(e.token, "http://127.0.0.1:9/oauth2/v1/tokens/bearer");
        assert_eq!(e.revoke, "http://127.0.0.1:9/v2/oauth2/tokens/revoke");
        let e = endpoints(
            Provider::Quickbooks,
            "https://sandbox-quickbooks.api.intuit.com",
            None,
        );
        assert_eq!(e.authorize, "https://appcenter.intuit.com/connect/oauth2");
        assert_eq!(
            e.token,
            "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
        );
        assert_eq!(
            e.revoke,
            "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
        );
        let e = endpoints(
            Provider::Square,
            "https://connect.squareupsandbox.com",
            None,
        );
        assert_eq!(
            e.authorize,
            "https://connect.squareupsandbox.com/oauth2/authorize"
        );
        assert_eq!(
            e.revoke,
            "https://connect.squareupsandbox.com/oauth2/revoke"
        );
    }

    #[test]
    fn quickbooks_production_needs_an_https_relay_page() {
        let err = redirect_uri(Provider::Quickbooks, "production", None, 47321).unwrap_err();
        assert_eq!(err.field, "relay_url");
        assert_eq!(
            redirect_uri(Provider::Quickbooks, "sandbox", None, 47321).unwrap(),
            "http://localhost:47321/callback"
        );
        let err = redirect_uri(
            Provider::Quickbooks,
            "production",
            Some("http://r.example"),
            1,
        )
        .unwrap_err();
        assert_eq!(err.field, "relay_url");
        assert_eq!(
            redirect_uri(
                Provider::Square,
                "production",
                Some("https://r.example/oauth/"),
                1
            )
            .unwrap(),
            "https://r.example/oauth/"
        );
    }

    #[test]
    fn redirect_port_is_a_port_number() {
        assert_eq!(redirect_port(None).unwrap(), DEFAULT_REDIRECT_PORT);
        assert_eq!(redirect_port(Some("8080")).unwrap(), 8080);
        assert_eq!(
            redirect_port(Some("70000")).unwrap_err().field,
            "redirect_port"
        );
    }

    #[test]
    fn state_carries_the_port_and_only_well_formed_states_are_read() {
        let s = make_state("AAAAAAAAAAAAAAAAAAAAAA", 5000);
        assert_eq!(state_port(&s), Some(5000));
        assert_eq!(state_port("short.5000"), None);
        assert_eq!(state_port("AAAAAAAAAAAAAAAAAAAAAA.notaport"), None);
        assert_eq!(state_port("AAAAAAAAAAAAAAAAAAA<>A.5000"), None);
    }

    #[test]
    fn connected_means_a_stored_token() {
        let set = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect();
        assert!(!is_connected(
            Provider::Quickbooks,
            &set(&["client_secret"])
        ));
        assert!(is_connected(
            Provider::Quickbooks,
            &set(&["client_secret", "refresh_token"])
        ));
        assert!(!is_connected(
            Provider::Square,
            &set(&["application_secret"])
        ));
        assert!(is_connected(Provider::Square, &set(&["access_token"])));
        assert!(square_uses_pkce(&set(&[])));
        assert!(!square_uses_pkce(&set(&["application_secret"])));
    }

    #[test]
    fn square_tokens_are_renewed_within_seven_days() {
        let day = 24 * 60 * 60 * 1000;
        assert!(square_refresh_due(None, 0));
        assert!(!square_refresh_due(Some(0), 5 * day));
        assert!(square_refresh_due(Some(0), 6 * day));
    }
}
