//! The OAuth token calls both "Connect" and the connection tests make: exchanging a code
//! (Intuit with Basic client auth; Square with the PKCE verifier or the application secret),
//! renewing Square's access token, revoking, and listing Square's locations. Every failure is
//! an [`Outcome`] with a sentence on what to do. Facts: sync-apis.md §4, providers.md §2.8, §3.2.

use std::time::Duration;

use serde_json::Value;

use super::http::{self, Answer};
use crate::secrets::Secret;
use crate::time;
use switchboard_domain::outcome::{by_status, rate_limited, Outcome, OutcomeKind};

/// What a token endpoint issued. The access token never leaves memory.
pub struct TokenSet {
    pub access: Secret,
    pub refresh: Option<Secret>,
    pub access_expires_at: Option<i64>,
    /// Intuit: `x_refresh_token_expires_in`; Square: `refresh_token_expires_at` (PKCE only).
    pub refresh_expires_at: Option<i64>,
    pub merchant_id: Option<String>,
}

/// Whether a token endpoint's refusal means the stored grant is gone (reconnect), as opposed to
/// a network problem or wrong app credentials.
pub fn is_grant_refused(outcome: &Outcome) -> bool {
    outcome.provider_code.as_deref() == Some("invalid_grant")
}

/// `POST …/oauth2/v1/tokens/bearer`, `grant_type=authorization_code`, Basic client id:secret.
pub async fn intuit_code(
    client: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    client_secret: &Secret,
    code: &Secret,
    redirect_uri: &str,
    timeout: Duration,
) -> Result<TokenSet, Outcome> {
    let request = client
        .post(token_url)
        .basic_auth(client_id, Some(client_secret.expose()))
        .header("Accept", "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", redirect_uri),
        ]);
    let answer = http::send("QuickBooks", request, timeout).await?;
    if answer.status != 200 {
        return Err(intuit_code_error(&answer));
    }
    let now = time::now_ms();
    let body = answer
        .json()
        .ok_or_else(|| not_json("QuickBooks", &answer))?;
    let access = text(&body, "access_token");
    let refresh = text(&body, "refresh_token");
    let (Some(access), Some(refresh)) = (access, refresh) else {
        return Err(no_tokens("QuickBooks"));
    };
    let seconds = |k: &str| body.get(k).and_then(Value::as_i64).map(|s| now + s * 1000);
    Ok(TokenSet {
        access: Secret::new(access),
        refresh: Some(Secret::new(refresh)),
        access_expires_at: seconds("expires_in"),
        refresh_expires_at: seconds("x_refresh_token_expires_in"),
        merchant_id: None,
    })
}

fn intuit_code_error(a: &Answer) -> Outcome {
    let body = a.json();
    let field = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let code = field("error");
    let outcome = match code.as_deref() {
        Some("invalid_grant") => Outcome::new(
            OutcomeKind::CredentialsRejected,
            "QuickBooks refused the sign-in code (invalid_grant): it was already used, expired \
             (codes last 5 minutes), or was issued for another redirect address.",
            "Press Connect again and finish signing in within 5 minutes.",
        ),
        Some("invalid_client") => Outcome::new(
            OutcomeKind::CredentialsRejected,
            "QuickBooks refused the Client ID or secret (invalid_client).",
            "Check the Client ID and secret, and that they are the keys of the chosen environment \
             (development keys for sandbox).",
        ),
        _ if a.status == 429 => rate_limited("QuickBooks", Some(60)),
        _ if body.is_none() && a.status < 500 => not_json("QuickBooks", a),
        _ => by_status("QuickBooks", a.status, a.retry_after()),
    };
    outcome
        .status(a.status)
        .provider(code, field("error_description"))
}

/// How Switchboard proves it may exchange a Square code or refresh token.
pub enum SquareClient<'a> {
    /// PKCE: the verifier of the code's challenge (code exchange only; refresh needs nothing).
    Pkce { verifier: Option<&'a Secret> },
    /// The code flow: the application secret.
    Secret(&'a Secret),
}

/// `POST /oauth2/token` with `grant_type=authorization_code`.
pub async fn square_code(
    client: &reqwest::Client,
    token_url: &str,
    application_id: &str,
    auth: SquareClient<'_>,
    code: &Secret,
    redirect_uri: &str,
    timeout: Duration,
) -> Result<TokenSet, Outcome> {
    let mut body = serde_json::json!({
        "client_id": application_id,
        "grant_type": "authorization_code",
        "code": code.expose(),
        "redirect_uri": redirect_uri,
    });
    add_square_auth(&mut body, &auth);
    square_token(client, token_url, &body, timeout).await
}

/// `POST /oauth2/token` with `grant_type=refresh_token`. A PKCE refresh token is single-use: the
/// answer carries its replacement, which the caller must save before using the access token.
pub async fn square_refresh(
    client: &reqwest::Client,
    token_url: &str,
    application_id: &str,
    auth: SquareClient<'_>,
    refresh: &Secret,
    timeout: Duration,
) -> Result<TokenSet, Outcome> {
    let mut body = serde_json::json!({
        "client_id": application_id,
        "grant_type": "refresh_token",
        "refresh_token": refresh.expose(),
    });
    add_square_auth(&mut body, &auth);
    square_token(client, token_url, &body, timeout).await
}

fn add_square_auth(body: &mut Value, auth: &SquareClient<'_>) {
    match auth {
        SquareClient::Pkce {
            verifier: Some(verifier),
        } => body["code_verifier"] = Value::String(verifier.expose().to_owned()),
        SquareClient::Pkce { verifier: None } => {}
        SquareClient::Secret(secret) => {
            body["client_secret"] = Value::String(secret.expose().to_owned())
        }
    }
}

async fn square_token(
    client: &reqwest::Client,
    token_url: &str,
    body: &Value,
    timeout: Duration,
) -> Result<TokenSet, Outcome> {
    let request = client
        .post(token_url)
        .header("Accept", "application/json")
        .json(body);
    let answer = http::send("Square", request, timeout).await?;
    if answer.status != 200 {
        return Err(square_token_error(&answer));
    }
    let json = answer.json().ok_or_else(|| not_json("Square", &answer))?;
    let Some(access) = text(&json, "access_token") else {
        return Err(no_tokens("Square"));
    };
    let at = |k: &str| text(&json, k).and_then(|t| time::parse_time(k, &t).ok());
    Ok(TokenSet {
        access: Secret::new(access),
        refresh: text(&json, "refresh_token").map(Secret::new),
        access_expires_at: at("expires_at"),
        refresh_expires_at: at("refresh_token_expires_at"),
        merchant_id: text(&json, "merchant_id"),
    })
}

/// Square's token endpoint errors: `errors[]` (and the legacy `message`/`type`). A 400/401 that
/// is not about the client is the grant being refused; it is reported as `invalid_grant` so the
/// status offers Reconnect.
fn square_token_error(a: &Answer) -> Outcome {
    let Some(body) = a.json() else {
        return if a.status >= 500 {
            by_status("Square", a.status, a.retry_after())
        } else {
            not_json("Square", a)
        };
    };
    let first = body.pointer("/errors/0");
    let get = |k: &str| {
        first
            .and_then(|e| e.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let detail = get("detail").or_else(|| text(&body, "message"));
    let lower = detail.clone().unwrap_or_default().to_ascii_lowercase();
    if a.status == 429 {
        return rate_limited("Square", a.retry_after()).status(a.status);
    }
    if a.status >= 500 {
        return by_status("Square", a.status, a.retry_after())
            .status(a.status)
            .provider(get("code"), detail);
    }
    if lower.contains("client") || lower.contains("application") {
        return Outcome::new(
            OutcomeKind::CredentialsRejected,
            "Square refused the application ID or secret.",
            "Check the Application ID (and secret, if set) and that they belong to the chosen \
             environment (sandbox or production).",
        )
        .status(a.status)
        .provider(get("code"), detail);
    }
    Outcome::new(
        OutcomeKind::CredentialsRejected,
        format!(
            "Square refused the sign-in (invalid_grant): {}",
            detail
                .as_deref()
                .unwrap_or("the code or refresh token is no longer valid.")
        ),
        "Press Connect (or Reconnect) and sign in to Square again.",
    )
    .status(a.status)
    .provider(Some("invalid_grant".to_owned()), detail)
}

/// `POST /v2/oauth2/tokens/revoke` with Basic client auth and `{"token": …}`.
pub async fn intuit_revoke(
    client: &reqwest::Client,
    revoke_url: &str,
    client_id: &str,
    client_secret: &Secret,
    token: &Secret,
    timeout: Duration,
) -> Result<(), Outcome> {
    let request = client
        .post(revoke_url)
        .basic_auth(client_id, Some(client_secret.expose()))
        .header("Accept", "application/json")
        .json(&serde_json::json!({ "token": token.expose() }));
    let answer = http::send("QuickBooks", request, timeout).await?;
    if answer.status == 200 {
        return Ok(());
    }
    Err(intuit_code_error(&answer))
}

/// `POST /oauth2/revoke` with `Authorization: Client SECRET`: ends every token of the app for
/// this merchant.
pub async fn square_revoke(
    client: &reqwest::Client,
    revoke_url: &str,
    application_id: &str,
    secret: &Secret,
    access: Option<&Secret>,
    merchant_id: Option<&str>,
    timeout: Duration,
) -> Result<(), Outcome> {
    let mut body = serde_json::json!({ "client_id": application_id });
    if let Some(token) = access {
        body["access_token"] = Value::String(token.expose().to_owned());
    } else if let Some(merchant) = merchant_id {
        body["merchant_id"] = Value::String(merchant.to_owned());
    }
    let mut auth = reqwest::header::HeaderValue::from_str(&format!("Client {}", secret.expose()))
        .map_err(|_| {
        Outcome::new(
            OutcomeKind::CredentialsRejected,
            "The Square application secret contains characters a header cannot carry.",
            "Enter the application secret again.",
        )
    })?;
    auth.set_sensitive(true);
    let request = client
        .post(revoke_url)
        .header(reqwest::header::AUTHORIZATION, auth)
        .header("Accept", "application/json")
        .json(&body);
    let answer = http::send("Square", request, timeout).await?;
    if answer.status == 200 {
        return Ok(());
    }
    Err(square_token_error(&answer))
}

/// One of the merchant's locations, as the location picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SquareLocation {
    pub id: String,
    pub name: String,
    pub business_name: String,
    pub status: String,
}

/// `GET /v2/locations`: every location, active or not.
pub async fn square_locations(
    client: &reqwest::Client,
    base: &str,
    access: &Secret,
    square_version: &str,
    timeout: Duration,
) -> Result<Vec<SquareLocation>, Outcome> {
    let request = client
        .get(format!("{}/v2/locations", base.trim_end_matches('/')))
        .bearer_auth(access.expose())
        .header("Square-Version", square_version)
        .header("Accept", "application/json");
    let answer = http::send("Square", request, timeout).await?;
    let body = answer.json();
    let Some(list) = body
        .as_ref()
        .filter(|_| answer.status == 200)
        .and_then(|b| b.get("locations"))
        .and_then(Value::as_array)
    else {
        return Err(super::square::classify_error(&answer));
    };
    let field = |l: &Value, k: &str| l.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    Ok(list
        .iter()
        .map(|l| SquareLocation {
            id: field(l, "id"),
            name: field(l, "name"),
            business_name: field(l, "business_name"),
            status: field(l, "status"),
        })
        .collect())
}

fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn not_json(provider: &str, a: &Answer) -> Outcome {
    Outcome::new(
        OutcomeKind::UnexpectedResponse,
        format!("{provider}'s token endpoint answered with something other than JSON."),
        "Check the network (captive portal, proxy) and the custom base URL under Advanced.",
    )
    .status(a.status)
    .provider(None, Some(http::excerpt(&a.body)))
}

fn no_tokens(provider: &str) -> Outcome {
    Outcome::new(
        OutcomeKind::UnexpectedResponse,
        format!("{provider} answered the token request without tokens."),
        "Check the custom base URL under Advanced, if one is set.",
    )
    .status(200)
}
