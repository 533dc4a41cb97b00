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
//! | Twilio | `GET /2010-04-01/Accounts/{sid}.json`, `GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json`, `POST /2010-04-01/Accounts/{sid}/Messages.json` and `GET …/Messages/{SM…}.json` ([`twilio_messages`]: statuses moving one step per fetch, per-recipient outcomes, test credentials), `GET /v1/Services/{sid}` |
//! | Square | `GET /v2/locations`; `GET /v2/payments`, `GET /v2/refunds` ([`square_payments`]: filters, sort, cursor pages) |
//! | QuickBooks | `POST /oauth2/v1/tokens/bearer`, `GET /v3/company/{realm}/companyinfo/{realm}`; `GET /v3/company/{realm}/query`, `POST …/customer`, `…/invoice`, `…/payment` ([`quickbooks_api`]: `requestid` replay, Faults, throttles) |
//! | Intuit OAuth | `GET /connect/oauth2` (consent), `POST /v2/oauth2/tokens/revoke` |
//! | Square OAuth | `GET /oauth2/authorize` (consent), `POST /oauth2/token`, `POST /oauth2/revoke` |
//!
//! The control API (`/_control`, see the binary's documentation) also drives the sync endpoints:
//!
//! | route | does |
//! |---|---|
//! | `GET /_control/twilio/messages` | every message created, oldest first ([`FakeMessage`]) |
//! | `PUT /_control/twilio/recipients/{to}` | what happens to messages to `to` ([`Recipient`] as JSON, e.g. `{"outcome":"undelivered","error_code":30003}`) |
//! | `PUT /_control/twilio/senders` | the numbers live accounts own (JSON array; default `["+15005550006"]`) |
//! | `PUT /_control/twilio/test_accounts` | account SIDs whose credentials are test credentials (JSON array) |
//! | `GET /_control/quickbooks/{realm}/{entity}` | the company's customers, invoices, payments, … as JSON |
//! | `PUT`/`GET /_control/quickbooks/limits` | [`QuickbooksLimits`] (throttles on/off, latency) |
//! | `GET /_control/quickbooks/stats` | [`QuickbooksStats`] |
//! | `POST /_control/quickbooks/fail_next` | `{"code":"5010","count":2}`: the next API requests answer that fault (`"200-6000"`: inside a 200; `"create:6240"`: the next create, queries pass) |
//! | `POST /_control/square/payments` | add a payment ([`NewPayment`]); answers it |
//! | `POST /_control/square/payments/{id}/{complete,cancel,fail}` | move an APPROVED or PENDING payment |
//! | `POST /_control/square/refunds` | add a refund ([`NewRefund`]) |
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
pub mod quickbooks_api;
mod respond;
mod routes;
mod scenario;
mod server;
pub mod square;
pub mod square_payments;
mod state;
pub mod twilio;
pub mod twilio_messages;

use std::{borrow::Cow, io, net::SocketAddr, sync::Arc};

use tokio::sync::watch;

pub use oauth::{CODE_LIFETIME, QUICKBOOKS_REALM_ID, QUICKBOOKS_SCOPE, SQUARE_MERCHANT_ID};
pub use quickbooks_api::{QuickbooksLimits, QuickbooksStats};
pub use respond::{GARBAGE_BODY, HTML_BODY, HUGE_BODY_LEN, SLOW_DRIP_INTERVAL};
pub use scenario::{FakeProvider, Scenario};
pub use square_payments::{NewPayment, NewRefund};
pub use twilio_messages::{FakeMessage, Recipient};

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

    /// Every Twilio message created so far, oldest first.
    pub fn twilio_messages(&self) -> Vec<FakeMessage> {
        self.shared.lock().twilio_messages.messages.clone()
    }

    /// How many messages were created to `to`.
    pub fn twilio_sends_to(&self, to: &str) -> usize {
        self.shared
            .lock()
            .twilio_messages
            .messages
            .iter()
            .filter(|m| m.to == to)
            .count()
    }

    /// What happens to messages sent to `to` from now on.
    pub fn set_twilio_recipient(&self, to: &str, recipient: Recipient) {
        self.shared
            .lock()
            .twilio_messages
            .recipients
            .insert(to.to_owned(), recipient);
    }

    /// The numbers live accounts may send from (default only `+15005550006`).
    pub fn set_twilio_senders<I: IntoIterator<Item = S>, S: Into<String>>(&self, senders: I) {
        self.shared.lock().twilio_messages.senders =
            Some(senders.into_iter().map(Into::into).collect());
    }

    /// Treats `account_sid`'s credentials as Twilio test credentials (sync-apis.md §1.4).
    pub fn twilio_test_account(&self, account_sid: &str) {
        self.shared
            .lock()
            .twilio_messages
            .test_accounts
            .insert(account_sid.to_owned());
    }

    /// The QuickBooks objects of `entity` (`Customer`, `Invoice`, `Payment`, `Item`, …) in `realm`.
    pub fn quickbooks_objects(&self, realm: &str, entity: &str) -> Vec<serde_json::Value> {
        self.shared.lock().quickbooks_api.objects(realm, entity)
    }

    pub fn set_quickbooks_limits(&self, limits: QuickbooksLimits) {
        self.shared.lock().quickbooks_api.limits = limits;
    }

    pub fn quickbooks_stats(&self) -> QuickbooksStats {
        self.shared.lock().quickbooks_api.stats
    }

    /// The next `count` QuickBooks API requests answer the documented fault `code` (610, 2020,
    /// 2500, 5010, 6000, 6140, 6240, 3200, 3100, 3001, or any other as a 500 SystemFault);
    /// `200-<code>` sends the fault inside a 200.
    pub fn quickbooks_fail_next(&self, code: &str, count: usize) {
        let mut state = self.shared.lock();
        for _ in 0..count {
            state.quickbooks_api.fail_next.push_back(code.to_owned());
        }
    }

    /// Adds a Square payment and answers it as the API would list it.
    pub fn add_square_payment(&self, payment: NewPayment) -> Result<serde_json::Value, String> {
        self.shared.lock().square_payments.add_payment(payment)
    }

    /// `complete`, `cancel` or `fail` an APPROVED or PENDING payment.
    pub fn move_square_payment(&self, id: &str, action: &str) -> Result<serde_json::Value, String> {
        self.shared.lock().square_payments.move_payment(id, action)
    }

    pub fn add_square_refund(&self, refund: NewRefund) -> Result<serde_json::Value, String> {
        self.shared.lock().square_payments.add_refund(refund)
    }
}
