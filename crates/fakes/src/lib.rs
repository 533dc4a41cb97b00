//! Fake Twilio, Square and QuickBooks Online servers on 127.0.0.1, for tests: real HTTP, the
//! providers' documented bodies (verbatim where a sample exists, see `src/samples/`), and
//! scenarios for every way a connection test can go wrong.
//!
//! ```no_run
//! # async fn example() {
//! use switchboard_fakes::{FakeProvider, FakeProviders, Scenario};
//! let fakes = FakeProviders::start().await;
//! fakes.set(FakeProvider::Square, Scenario::AccessTokenExpired);
//! // point the client's custom base URL at fakes.base_url(), run it, then:
//! let seen = fakes.requests();
//! # }
//! ```
//!
//! All three providers share one server; the path says which provider is meant:
//!
//! | provider | endpoints |
//! |---|---|
//! | Twilio | `GET /2010-04-01/Accounts/{sid}.json`, `GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json`, `POST /2010-04-01/Accounts/{sid}/Messages.json`, `GET /v1/Services/{sid}` |
//! | Square | `GET /v2/locations` |
//! | QuickBooks | `POST /oauth2/v1/tokens/bearer`, `GET /v3/company/{realm}/companyinfo/{realm}` |
//! | Intuit OAuth | `GET /connect/oauth2` (consent), `POST /v2/oauth2/tokens/revoke` |
//! | Square OAuth | `GET /oauth2/authorize` (consent), `POST /oauth2/token`, `POST /oauth2/revoke` |
//!
//! The consent pages answer 302 to the redirect URI at once with `fake_decision=approve` (a code)
//! or `fake_decision=deny` (`error=access_denied`) in the query; see `oauth.rs`.
//!
//! How each provider answers each [`Scenario`] (after the transport scenarios Hang, Reset,
//! Garbage, Html, HugeBody and SlowDrip, which apply to every endpoint before any check):
//!
//! | scenario | Twilio | Square | QuickBooks |
//! |---|---|---|---|
//! | `Ok` | 200 account (`sid` = the requested one), numbers list, service; messages by magic number | 200 the two sample locations | token rotation; 200 CompanyInfo |
//! | `WrongCredentials` | 401 20003 | 401 `UNAUTHORIZED` | API 401 3200 |
//! | `AccessTokenExpired` | 401 20003 | 401 `ACCESS_TOKEN_EXPIRED` | API 401 3200 even after a refresh |
//! | `AccessTokenRevoked` | 401 20003 | 401 `ACCESS_TOKEN_REVOKED` | API 401 3200 |
//! | `Suspended` / `Closed` | account 200 with that `status`; other endpoints 401 20003 | as `Ok` | as `Ok` |
//! | `MissingScope` | account 403 20003; other endpoints as `Ok` | 403 `INSUFFICIENT_SCOPES` | API 403 3100 |
//! | `NotFound` | 404 20404 | 200, the sample locations under other ids ([`square::NOT_FOUND_LOCATION_IDS`]) | API 403 3100 |
//! | `LocationInactive` | as `Ok` | 200, the sample locations with `"status": "INACTIVE"` | as `Ok` |
//! | `InvalidGrant` | 401 20003 | 401 `UNAUTHORIZED` | token 400 `invalid_grant` |
//! | `InvalidClient` | 401 20003 | 401 `UNAUTHORIZED` | token 401 `invalid_client` |
//! | `RateLimited` | 429 20429 | 429 `RATE_LIMITED` | API 429 `Fault` 3001 |
//! | `ServerError(s)` | `s`, 20500 / 20503 | `s`, `INTERNAL_SERVER_ERROR` / `SERVICE_UNAVAILABLE` / … | API `s`, `SystemFault` 10000 |
//!
//! Besides the scenario, requests are checked as the real provider would: Twilio wants Basic auth
//! (else 401 20003); Square wants `Authorization: Bearer …` (else 401) and a `YYYY-MM-DD`
//! `Square-Version` (else 400 `INVALID_SQUARE_VERSION_FORMAT`); the QuickBooks token endpoint
//! wants Basic client credentials (else 401 `invalid_client`) and the current refresh token (see
//! [`FakeProviders::quickbooks_refresh_token`]); the QuickBooks API wants the last issued access
//! token as Bearer (else 401 3200) and `Accept: application/json` (else XML).

mod control;
mod oauth;
mod quickbooks;
mod respond;
mod routes;
mod scenario;
mod server;
pub mod square;
mod state;
pub mod twilio;

use std::{borrow::Cow, io, net::SocketAddr, sync::Arc};

use tokio::sync::watch;

pub use oauth::{CODE_LIFETIME, QUICKBOOKS_REALM_ID, QUICKBOOKS_SCOPE, SQUARE_MERCHANT_ID};
pub use respond::{GARBAGE_BODY, HTML_BODY, HUGE_BODY_LEN, SLOW_DRIP_INTERVAL};
pub use scenario::{FakeProvider, Scenario};

/// A running fake; the servers stop when it is dropped.
pub struct FakeProviders {
    shared: Arc<state::Shared>,
    addr: SocketAddr,
    tls_addr: SocketAddr,
    certificate_pem: String,
    /// Dropping the sender tells the accept loops and every open connection to stop.
    _shutdown: watch::Sender<()>,
}

/// A request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// In arrival order, names lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of a header; `name` is matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body parsed as `application/x-www-form-urlencoded`.
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

impl FakeProviders {
    /// Binds 127.0.0.1:0 (plain HTTP) and serves all three providers' paths on one server; also
    /// starts an HTTPS listener with a self-signed certificate (for the TLS-failure case).
    ///
    /// Panics if it cannot bind or build the certificate; see [`FakeProviders::try_start`].
    pub async fn start() -> FakeProviders {
        match Self::try_start().await {
            Ok(fakes) => fakes,
            Err(error) => panic!("switchboard-fakes: cannot start the fake providers: {error}"),
        }
    }

    pub async fn try_start() -> io::Result<FakeProviders> {
        Self::try_start_on(0, 0).await
    }

    /// Like [`FakeProviders::try_start`] on given ports of 127.0.0.1 (0: any free port).
    pub async fn try_start_on(http_port: u16, https_port: u16) -> io::Result<FakeProviders> {
        let shared = Arc::new(state::Shared::default());
        let self_signed = server::self_signed()?;
        let (listener, addr) = server::bind(http_port).await?;
        let (tls_listener, tls_addr) = server::bind(https_port).await?;
        let (shutdown, stopped) = watch::channel(());
        let app = routes::router(shared.clone());
        tokio::spawn(server::accept_loop(
            listener,
            None,
            app.clone(),
            stopped.clone(),
        ));
        tokio::spawn(server::accept_loop(
            tls_listener,
            Some(self_signed.acceptor),
            app,
            stopped,
        ));
        Ok(FakeProviders {
            shared,
            addr,
            tls_addr,
            certificate_pem: self_signed.certificate_pem,
            _shutdown: shutdown,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://127.0.0.1:PORT2`: the same endpoints behind a self-signed certificate, so a client
    /// with normal verification fails the handshake.
    pub fn tls_base_url(&self) -> String {
        format!("https://{}", self.tls_addr)
    }

    /// `http://127.0.0.1:PORT/_control`: the control API (see the binary's documentation).
    pub fn control_url(&self) -> String {
        format!("{}/_control", self.base_url())
    }

    /// The HTTPS listener's certificate (PEM), for a test that trusts it on purpose.
    pub fn tls_certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// The scenario for `provider`'s next requests. The default for every provider is
    /// [`Scenario::Ok`].
    pub fn set(&self, provider: FakeProvider, scenario: Scenario) {
        self.shared.lock().set_scenario(provider, scenario);
    }

    pub fn scenario(&self, provider: FakeProvider) -> Scenario {
        self.shared.lock().scenario(provider)
    }

    /// Every provider request received so far (control API calls excluded), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// The refresh token the QuickBooks token endpoint accepts now: the last one it issued, or the
    /// preset one. `None` until then, meaning the first refresh token presented is accepted.
    pub fn quickbooks_refresh_token(&self) -> Option<String> {
        self.shared
            .lock()
            .quickbooks_tokens
            .accepted_refresh_token
            .clone()
    }

    /// Presets the refresh token the QuickBooks token endpoint accepts (`None`: the first one
    /// presented).
    pub fn set_quickbooks_refresh_token(&self, token: Option<String>) {
        self.shared.lock().quickbooks_tokens.accepted_refresh_token = token;
    }

    /// Makes every authorization code issued so far expired, as if 5 minutes had passed.
    pub fn expire_oauth_codes(&self) {
        self.shared.lock().oauth.expire_codes();
    }

    /// The access token the QuickBooks API accepts now: the last one the token endpoint issued.
    pub fn quickbooks_access_token(&self) -> Option<String> {
        self.shared.lock().quickbooks_tokens.access_token.clone()
    }
}
