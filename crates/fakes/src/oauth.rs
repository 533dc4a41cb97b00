//! The providers' authorization servers: Intuit's consent page, token (authorization code) and
//! revoke endpoints, and Square's authorize, token (code + secret, or code + PKCE verifier,
//! and refresh) and revoke endpoints. Facts: sync-apis.md §4, providers.md §2.8 and §3.2.
//!
//! | provider | path | what it does |
//! |---|---|---|
//! | Intuit | `GET /connect/oauth2` | consent page; `fake_decision=approve\|deny` answers 302 at once |
//! | Intuit | `POST /oauth2/v1/tokens/bearer` `grant_type=authorization_code` | see `quickbooks.rs`; the code is checked here |
//! | Intuit | `POST /v2/oauth2/tokens/revoke` | Basic client auth, `{"token":…}`; the refresh token stops working |
//! | Square | `GET /oauth2/authorize` | consent page, the same switch; `code_challenge` (S256) kept with the code |
//! | Square | `POST /oauth2/token` | JSON; `authorization_code` or `refresh_token`; PKCE refresh tokens single-use, 90 days |
//! | Square | `POST /oauth2/revoke` | `Authorization: Client SECRET`; every token of the app for the merchant stops working |
//!
//! Codes are single-use and expire after 5 minutes ([`crate::FakeProviders::expire_oauth_codes`]
//! ages them at once). A denied consent redirects with `error=access_denied`. Intuit's callback
//! carries `realmId` ([`QUICKBOOKS_REALM_ID`]).

use std::{
    collections::{hash_map::RandomState, HashMap, HashSet},
    hash::{BuildHasher, Hasher},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::{
    respond,
    routes::{self, Req},
    state::Shared,
    FakeProvider, Scenario,
};

/// The company id Intuit's callback names (the sandbox example of providers.md §3.1).
pub const QUICKBOOKS_REALM_ID: &str = "9341453000000001";
/// The merchant of Square's token sample (providers.md §2.8).
pub const SQUARE_MERCHANT_ID: &str = "MLQW2MYBY81PZ";
/// The scope Intuit's accounting API needs; the authorize page refuses a request without it.
pub const QUICKBOOKS_SCOPE: &str = "com.intuit.quickbooks.accounting";
/// Authorization codes live 5 minutes (providers.md §2.1).
pub const CODE_LIFETIME: Duration = Duration::from_secs(5 * 60);
const SQUARE_ACCESS_LIFETIME_S: u64 = 30 * 24 * 3600;
const SQUARE_PKCE_REFRESH_LIFETIME_S: u64 = 90 * 24 * 3600;

const INVALID_GRANT: &str = r#"{"error_description":"Token invalid","error":"invalid_grant"}"#;
const INVALID_CLIENT: &str = r#"{"error":"invalid_client"}"#;

/// What the authorization servers remember.
#[derive(Default)]
pub(crate) struct OAuthState {
    codes: HashMap<String, Grant>,
    square_refresh: HashMap<String, SquareRefresh>,
    square_access: HashSet<String>,
    square_revoked_access: HashSet<String>,
    issued: u64,
}

struct Grant {
    provider: FakeProvider,
    client_id: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    expires_at: Instant,
    used: bool,
}

struct SquareRefresh {
    client_id: String,
    /// PKCE refresh tokens are single-use and expire; code-flow ones are neither.
    pkce: bool,
}

impl OAuthState {
    pub(crate) fn expire_codes(&mut self) {
        let now = Instant::now();
        for grant in self.codes.values_mut() {
            grant.expires_at = now;
        }
    }

    /// Whether Square revoked this access token (the API then answers `ACCESS_TOKEN_REVOKED`).
    pub(crate) fn square_access_revoked(&self, token: &str) -> bool {
        self.square_revoked_access.contains(token)
    }

    fn next(&mut self, prefix: &str) -> String {
        self.issued += 1;
        format!("{prefix}{}{:016x}", self.issued, random())
    }
}

/// Distinct per process and call: `RandomState` is seeded from the OS. Unguessable enough for a
/// fake, and long enough that a test scanning files for a token finds only that token.
fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(now_s());
    hasher.finish()
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether this path belongs to an authorization server here.
pub(crate) fn owns(path: &str) -> bool {
    matches!(
        path,
        "/connect/oauth2"
            | "/v2/oauth2/tokens/revoke"
            | "/oauth2/authorize"
            | "/oauth2/token"
            | "/oauth2/revoke"
    )
}

pub(crate) async fn handle(shared: &Shared, req: &Req) -> Response {
    let provider = match req.path.as_str() {
        "/connect/oauth2" | "/v2/oauth2/tokens/revoke" => FakeProvider::Quickbooks,
        _ => FakeProvider::Square,
    };
    let scenario = shared.lock().scenario(provider);
    match (req.method.clone(), req.path.as_str()) {
        (Method::GET, "/connect/oauth2") => authorize(shared, FakeProvider::Quickbooks, req),
        (Method::GET, "/oauth2/authorize") => authorize(shared, FakeProvider::Square, req),
        (Method::POST, "/v2/oauth2/tokens/revoke") => intuit_revoke(shared, scenario, req).await,
        (Method::POST, "/oauth2/token") => square_token(shared, scenario, req).await,
        (Method::POST, "/oauth2/revoke") => square_revoke(shared, scenario, req).await,
        _ => routes::method_not_allowed(&req.method, &req.path),
    }
}

fn query(req: &Req) -> Vec<(String, String)> {
    form_urlencoded::parse(req.query.as_deref().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

/// The consent page, or (with `fake_decision`) the redirect the provider sends after it.
fn authorize(shared: &Shared, provider: FakeProvider, req: &Req) -> Response {
    let params = query(req);
    let p = |name| param(&params, name);
    // Bad requests get an error page, never a redirect: the redirect URI is not trusted yet.
    let Some(client_id) = p("client_id") else {
        return error_page("The request names no client_id.");
    };
    let Some(redirect_uri) = p("redirect_uri") else {
        return error_page("The request names no redirect_uri.");
    };
    if !(redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://")) {
        return error_page("The redirect_uri is not an http(s) URL.");
    }
    let challenge = match provider {
        FakeProvider::Quickbooks => {
            if p("response_type") != Some("code") {
                return error_page("response_type must be code.");
            }
            if !p("scope").is_some_and(|s| s.split(' ').any(|s| s == QUICKBOOKS_SCOPE)) {
                return error_page("The scope must include com.intuit.quickbooks.accounting.");
            }
            None
        }
        _ => {
            if p("scope").is_none() {
                return error_page("The request names no scope.");
            }
            match (p("code_challenge"), p("code_challenge_method")) {
                (Some(c), None | Some("S256")) => Some(c.to_owned()),
                (Some(_), Some(_)) => return error_page("code_challenge_method must be S256."),
                (None, _) => None,
            }
        }
    };
    let state = p("state");
    let decision = p("fake_decision");
    let callback = |pairs: &[(&str, &str)]| {
        let mut url = redirect_uri.to_owned();
        url.push(if url.contains('?') { '&' } else { '?' });
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        url.push_str(&query.finish());
        redirect(&url)
    };
    match decision {
        Some("approve") => {
            let code = {
                let mut s = shared.lock();
                let prefix = match provider {
                    FakeProvider::Quickbooks => "AB11-fake-code-",
                    _ => "sq0cgb-fake-code-",
                };
                let code = s.oauth.next(prefix);
                s.oauth.codes.insert(
                    code.clone(),
                    Grant {
                        provider,
                        client_id: client_id.to_owned(),
                        redirect_uri: redirect_uri.to_owned(),
                        code_challenge: challenge,
                        expires_at: Instant::now() + CODE_LIFETIME,
                        used: false,
                    },
                );
                code
            };
            match provider {
                FakeProvider::Quickbooks => {
                    callback(&[("code", &code), ("realmId", QUICKBOOKS_REALM_ID)])
                }
                _ => callback(&[("code", &code), ("response_type", "code")]),
            }
        }
        Some("deny") => match provider {
            FakeProvider::Quickbooks => callback(&[("error", "access_denied")]),
            _ => callback(&[
                ("error", "access_denied"),
                ("error_description", "user_denied"),
            ]),
        },
        Some(_) => error_page("fake_decision must be approve or deny."),
        None => consent_page(provider, client_id, req.query.as_deref().unwrap_or("")),
    }
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn consent_page(provider: FakeProvider, client_id: &str, query: &str) -> Response {
    let (company, path) = match provider {
        FakeProvider::Quickbooks => ("Intuit", "/connect/oauth2"),
        _ => ("Square", "/oauth2/authorize"),
    };
    let link = |decision: &str| escape(&format!("{path}?{query}&fake_decision={decision}"));
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{company} — authorize</title></head>\
         <body><h1>{company} (fake)</h1><p>The app <code>{}</code> asks to connect to your account.</p>\
         <p><a id=\"approve\" href=\"{}\">Approve</a> <a id=\"deny\" href=\"{}\">Deny</a></p></body></html>",
        escape(client_id),
        link("approve"),
        link("deny"),
    );
    respond::with_content_type(StatusCode::OK, "text/html; charset=utf-8", body)
}

fn error_page(message: &str) -> Response {
    respond::with_content_type(
        StatusCode::BAD_REQUEST,
        "text/html; charset=utf-8",
        format!(
            "<!doctype html><html><body><h1>Authorization error</h1><p>{}</p></body></html>",
            escape(message)
        ),
    )
}

/// Why a presented code is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeRefusal {
    Unknown,
    Replayed,
    Expired,
    /// Another client, redirect URI or provider than the one the code was issued for.
    Mismatch,
    /// PKCE: no verifier, or one that does not hash to the challenge.
    Verifier,
}

/// Redeems a code once; a second try is refused. `verifier` is checked when the code was issued
/// with a challenge.
pub(crate) fn redeem_code(
    shared: &Shared,
    provider: FakeProvider,
    code: &str,
    client_id: Option<&str>,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<bool, CodeRefusal> {
    let mut s = shared.lock();
    let Some(grant) = s.oauth.codes.get_mut(code) else {
        return Err(CodeRefusal::Unknown);
    };
    if grant.used {
        return Err(CodeRefusal::Replayed);
    }
    // Spent by the attempt whatever happens next, as providers do.
    grant.used = true;
    if Instant::now() >= grant.expires_at {
        return Err(CodeRefusal::Expired);
    }
    if grant.provider != provider
        || client_id.is_some_and(|c| c != grant.client_id)
        || redirect_uri.is_some_and(|r| r != grant.redirect_uri)
    {
        return Err(CodeRefusal::Mismatch);
    }
    match (&grant.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) => {
            let digest = Sha256::digest(verifier.as_bytes());
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
            if computed != *challenge {
                return Err(CodeRefusal::Verifier);
            }
            Ok(true)
        }
        (Some(_), None) => Err(CodeRefusal::Verifier),
        (None, _) => Ok(false),
    }
}

/// Intuit's `invalid_grant` body for a refused code (the same as for a refused refresh token).
pub(crate) fn intuit_invalid_grant() -> Response {
    respond::json(StatusCode::BAD_REQUEST, INVALID_GRANT)
}

/// `POST /v2/oauth2/tokens/revoke`: Basic client auth and `{"token": …}`. Afterwards the token
/// endpoint accepts no refresh token and the API no access token, until a new connection.
async fn intuit_revoke(shared: &Shared, scenario: Scenario, req: &Req) -> Response {
    if let Some(response) = respond::transport(scenario, req.conn.as_ref(), String::new).await {
        return response;
    }
    if let Scenario::ServerError(status) = scenario {
        return respond::json(
            respond::server_error_status(status),
            r#"{"error":"server_error"}"#,
        );
    }
    if !req
        .basic_auth()
        .is_some_and(|(id, secret)| !id.is_empty() && !secret.is_empty())
        || scenario == Scenario::InvalidClient
    {
        return respond::json(StatusCode::UNAUTHORIZED, INVALID_CLIENT);
    }
    let token = serde_json::from_slice::<serde_json::Value>(&req.body)
        .ok()
        .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_owned));
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return respond::json(StatusCode::BAD_REQUEST, r#"{"error":"invalid_request"}"#);
    };
    let mut s = shared.lock();
    let tokens = &mut s.quickbooks_tokens;
    let known = tokens.accepted_refresh_token.as_deref() == Some(token.as_str())
        || tokens.access_token.as_deref() == Some(token.as_str());
    if known {
        // An empty accepted token matches nothing presented (presented ones are never empty).
        tokens.accepted_refresh_token = Some(String::new());
        tokens.access_token = None;
    }
    // RFC 7009: an unknown token is answered like a revoked one.
    respond::with_content_type(StatusCode::OK, "application/json", "")
}

/// Square's error envelope as its OAuth endpoints send it: the legacy `message`/`type` pair
/// beside `errors[]` (shape seen in Square SDK issue threads; exact texts UNCONFIRMED).
fn square_error(
    status: StatusCode,
    category: &str,
    code: &str,
    detail: &str,
    kind: &str,
) -> Response {
    let body = serde_json::json!({
        "message": detail,
        "type": kind,
        "errors": [{"category": category, "code": code, "detail": detail}],
    });
    respond::json(status, body.to_string())
}

fn square_unauthorized(detail: &str) -> Response {
    square_error(
        StatusCode::UNAUTHORIZED,
        "AUTHENTICATION_ERROR",
        "UNAUTHORIZED",
        detail,
        "service.not_authorized",
    )
}

fn square_bad_request(detail: &str) -> Response {
    square_error(
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_ERROR",
        "BAD_REQUEST",
        detail,
        "bad_request",
    )
}

/// `POST /oauth2/token` (JSON body).
async fn square_token(shared: &Shared, scenario: Scenario, req: &Req) -> Response {
    if let Some(response) = respond::transport(scenario, req.conn.as_ref(), String::new).await {
        return response;
    }
    match scenario {
        Scenario::ServerError(status) => {
            return square_error(
                respond::server_error_status(status),
                "API_ERROR",
                "INTERNAL_SERVER_ERROR",
                "An internal error has occurred, and the API was unable to service your request.",
                "internal_server_error",
            )
        }
        Scenario::InvalidClient => return square_unauthorized("Invalid client credentials."),
        _ => {}
    }
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
        return square_bad_request("The request body is not JSON.");
    };
    let field = |k: &str| {
        body.get(k)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let Some(client_id) = field("client_id") else {
        return square_bad_request("Missing required parameter: client_id.");
    };
    let secret = field("client_secret");
    match field("grant_type").as_deref() {
        Some("authorization_code") => {
            let Some(code) = field("code") else {
                return square_bad_request("Missing required parameter: code.");
            };
            let verifier = field("code_verifier");
            let pkce = match redeem_code(
                shared,
                FakeProvider::Square,
                &code,
                Some(&client_id),
                field("redirect_uri").as_deref(),
                verifier.as_deref(),
            ) {
                Ok(pkce) => pkce,
                Err(CodeRefusal::Expired) => {
                    return square_unauthorized("Authorization code is expired.")
                }
                Err(CodeRefusal::Replayed) => {
                    return square_unauthorized("Authorization code is already redeemed.")
                }
                Err(CodeRefusal::Verifier) => {
                    return square_unauthorized(
                        "The code_verifier does not match the code_challenge.",
                    )
                }
                Err(_) => return square_unauthorized("Invalid authorization code."),
            };
            if !pkce && secret.is_none() {
                return square_unauthorized("Missing client_secret: the code flow needs it.");
            }
            let mut s = shared.lock();
            let refresh = s.oauth.next("EQAAl-fake-refresh-");
            s.oauth
                .square_refresh
                .insert(refresh.clone(), SquareRefresh { client_id, pkce });
            let access = s.oauth.next("EAAAl-fake-access-");
            s.oauth.square_access.insert(access.clone());
            respond::json(StatusCode::OK, square_token_body(&access, &refresh, pkce))
        }
        Some("refresh_token") => {
            let Some(presented) = field("refresh_token") else {
                return square_bad_request("Missing required parameter: refresh_token.");
            };
            let mut s = shared.lock();
            let Some(known) = s.oauth.square_refresh.get(&presented) else {
                return square_unauthorized("The refresh token is invalid or was revoked.");
            };
            if known.client_id != client_id {
                return square_unauthorized("The refresh token belongs to another application.");
            }
            let pkce = known.pkce;
            if !pkce && secret.is_none() {
                return square_unauthorized("Missing client_secret: the code flow needs it.");
            }
            let refresh = if pkce {
                // Single-use: this one is spent, a new one replaces it.
                s.oauth.square_refresh.remove(&presented);
                let fresh = s.oauth.next("EQAAl-fake-refresh-");
                s.oauth
                    .square_refresh
                    .insert(fresh.clone(), SquareRefresh { client_id, pkce });
                fresh
            } else {
                presented
            };
            let access = s.oauth.next("EAAAl-fake-access-");
            s.oauth.square_access.insert(access.clone());
            respond::json(StatusCode::OK, square_token_body(&access, &refresh, pkce))
        }
        _ => square_bad_request("Invalid grant_type."),
    }
}

fn square_token_body(access: &str, refresh: &str, pkce: bool) -> String {
    let now = now_s();
    let mut body = serde_json::json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_at": rfc3339(now + SQUARE_ACCESS_LIFETIME_S),
        "merchant_id": SQUARE_MERCHANT_ID,
        "refresh_token": refresh,
        "short_lived": false,
    });
    if pkce {
        body["refresh_token_expires_at"] =
            serde_json::Value::String(rfc3339(now + SQUARE_PKCE_REFRESH_LIFETIME_S));
    }
    body.to_string()
}

/// `POST /oauth2/revoke` with `Authorization: Client SECRET`: revokes every token of the app.
async fn square_revoke(shared: &Shared, scenario: Scenario, req: &Req) -> Response {
    if let Some(response) = respond::transport(scenario, req.conn.as_ref(), String::new).await {
        return response;
    }
    let has_secret = req
        .header("authorization")
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, secret)| scheme == "Client" && !secret.trim().is_empty());
    if !has_secret || scenario == Scenario::InvalidClient {
        return square_unauthorized("Revoking needs Authorization: Client APPLICATION_SECRET.");
    }
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
        return square_bad_request("The request body is not JSON.");
    };
    let Some(client_id) = body.get("client_id").and_then(|v| v.as_str()) else {
        return square_bad_request("Missing required parameter: client_id.");
    };
    let mut s = shared.lock();
    s.oauth
        .square_refresh
        .retain(|_, r| r.client_id != client_id);
    let access: Vec<String> = s.oauth.square_access.drain().collect();
    s.oauth.square_revoked_access.extend(access);
    respond::json(StatusCode::OK, r#"{"success":true}"#)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for unix seconds (days → civil date, H. Hinnant's algorithm).
fn rfc3339(unix_s: u64) -> String {
    let days = (unix_s / 86_400) as i64;
    let secs = unix_s % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_743_705_066), "2025-04-03T18:31:06Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
