//! QuickBooks Online connection test: refresh the access token with the stored refresh token,
//! save the rotated refresh token to the keychain before anything else, then read
//! `companyinfo`. Both error envelopes (`Fault.Error`, `fault.error`) and the token endpoint's
//! `{"error": "invalid_grant"}` are understood. Facts: providers.md §3.

use serde_json::Value;

use super::http::{self, Answer};
use super::{Target, TokenLifetimes};
use crate::secrets::Secret;
use crate::time;
use switchboard_domain::outcome::{by_status, rate_limited, Outcome, OutcomeKind};

const NAME: &str = "QuickBooks";
pub const TOKEN_URL: &str = "https://oauth.platform.intuit.com";
/// Intuit documents a 60 second wait after a 429 and sends no `Retry-After`.
const THROTTLE_WAIT_S: u32 = 60;

pub async fn test(client: &reqwest::Client, target: &Target) -> (Outcome, Option<TokenLifetimes>) {
    let token_base = target.custom_base.as_deref().unwrap_or(TOKEN_URL);
    let request = client
        .post(format!("{token_base}/oauth2/v1/tokens/bearer"))
        .basic_auth(
            target.setting("client_id"),
            Some(target.secret("client_secret")),
        )
        .header("Accept", "application/json")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", target.secret("refresh_token")),
        ]);
    let answer = match http::send(NAME, request, target.timeout).await {
        Ok(a) => a,
        Err(o) => return (o, None),
    };
    let mut spent = answer.latency_ms;
    if answer.status != 200 {
        let mut o = token_error(&answer);
        o.latency_ms = spent;
        let refused = super::tokens::is_grant_refused(&o);
        let lifetimes = refused.then_some(TokenLifetimes {
            refresh_refused: true,
            ..TokenLifetimes::default()
        });
        return (o, lifetimes);
    }
    let Some(body) = answer.json() else {
        let mut o = not_json(&answer);
        o.latency_ms = spent;
        return (o, None);
    };
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let number = |k: &str| body.get(k).and_then(Value::as_i64);
    let (Some(access), Some(refresh)) = (text("access_token"), text("refresh_token")) else {
        let mut o = Outcome::new(
            OutcomeKind::UnexpectedResponse,
            "QuickBooks answered the token refresh without tokens.",
            "Check the custom base URL under Advanced, if one is set.",
        )
        .status(200);
        o.latency_ms = spent;
        return (o, None);
    };
    let now = time::now_ms();
    let tokens = TokenLifetimes {
        access_expires_at: number("expires_in").map(|s| now + s * 1000),
        refresh_expires_at: number("x_refresh_token_expires_in").map(|s| now + s * 1000),
        refreshed_at: Some(now),
        refresh_refused: false,
    };
    // The old refresh token may already be void: keep the new one before doing anything else,
    // or a crash here would disconnect the clinic.
    if refresh != target.secret("refresh_token") {
        if let Err(e) = (target.save_refresh_token)(Secret::new(refresh)).await {
            let mut o = Outcome::new(
                OutcomeKind::KeychainUnavailable,
                "QuickBooks issued a new refresh token but it could not be saved to the keychain.",
                format!("{e} Then get a new refresh token and enter it on the Integrations page."),
            );
            o.latency_ms = spent;
            return (o, Some(tokens));
        }
    }

    // The sync engine uses the access token until it nears its hour; it stays in memory only.
    (target.remember_access_token)(Secret::new(access.clone()));
    let realm = target.setting("realm_id");
    let request = client
        .get(format!(
            "{}/v3/company/{realm}/companyinfo/{realm}",
            target.base_url
        ))
        .query(&[("minorversion", "75")])
        .bearer_auth(access)
        .header("Accept", "application/json");
    let answer = match http::send(NAME, request, target.timeout).await {
        Ok(a) => a,
        Err(mut o) => {
            o.latency_ms += spent;
            return (o, Some(tokens));
        }
    };
    spent += answer.latency_ms;
    let mut outcome = if answer.status == 200 {
        company_outcome(&answer)
    } else {
        api_error(&answer)
    };
    outcome.latency_ms = spent;
    (outcome, Some(tokens))
}

fn company_outcome(a: &Answer) -> Outcome {
    let Some(body) = a.json() else {
        return not_json(a);
    };
    // A 200 may still carry a Fault.
    if body.get("Fault").is_some() || body.get("fault").is_some() {
        return api_error(a);
    }
    match body
        .pointer("/CompanyInfo/CompanyName")
        .and_then(Value::as_str)
    {
        Some(name) => {
            Outcome::ok(format!("Connected to the QuickBooks company “{name}”.")).status(200)
        }
        None => Outcome::new(
            OutcomeKind::UnexpectedResponse,
            "QuickBooks answered without company information.",
            "Check the custom base URL under Advanced, if one is set.",
        )
        .status(200),
    }
}

fn not_json(a: &Answer) -> Outcome {
    Outcome::new(
        OutcomeKind::UnexpectedResponse,
        "QuickBooks answered with something other than JSON (perhaps XML, or a proxy's page).",
        "Check the network (captive portal, proxy) and the custom base URL under Advanced.",
    )
    .status(a.status)
    .provider(None, Some(http::excerpt(&a.body)))
}

/// The token endpoint's RFC 6749 errors.
fn token_error(a: &Answer) -> Outcome {
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
            "QuickBooks refused the refresh token (invalid_grant): it expired, was revoked, or was replaced.",
            "Press Reconnect and sign in to QuickBooks again (or enter a new refresh token).",
        ),
        Some("invalid_client") => Outcome::new(
            OutcomeKind::CredentialsRejected,
            "QuickBooks refused the client ID or secret (invalid_client).",
            "Check the Client ID and secret, and that they are the keys of the chosen environment \
             (development keys for sandbox).",
        ),
        _ if a.status == 429 => rate_limited(NAME, a.retry_after().or(Some(THROTTLE_WAIT_S))),
        _ if body.is_none() && a.status < 500 => not_json(a),
        _ => by_status(NAME, a.status, a.retry_after()),
    };
    outcome
        .status(a.status)
        .provider(code, field("error_description"))
}

/// The accounting API's faults, in either envelope: `Fault.Error[].{Message,Detail,code}` or the
/// gateway's lower-case `fault.error[].{message,detail,code}`.
fn api_error(a: &Answer) -> Outcome {
    let Some(body) = a.json() else {
        return if a.status >= 500 || a.status == 429 {
            by_status(NAME, a.status, a.retry_after().or(Some(THROTTLE_WAIT_S)))
        } else {
            let mut o = by_status(NAME, a.status, None);
            if a.status == 200 {
                o = not_json(a);
            }
            o
        };
    };
    let error = body
        .pointer("/Fault/Error/0")
        .or_else(|| body.pointer("/fault/error/0"))
        .cloned()
        .unwrap_or(Value::Null);
    let get = |k: &str| {
        error
            .get(k)
            .or_else(|| error.get(k.to_ascii_lowercase()))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let code = get("code");
    let message = match (get("Message"), get("Detail")) {
        (Some(m), Some(d)) => Some(format!("{m}: {d}")),
        (m, d) => m.or(d),
    };
    let outcome = match (a.status, code.as_deref()) {
        (_, Some("3200")) | (401, _) | (_, Some("100")) => Outcome::new(
            OutcomeKind::CredentialsRejected,
            "QuickBooks rejected the access token.",
            "Reconnect QuickBooks: get a new refresh token and enter it on the Integrations page.",
        ),
        (_, Some("3100")) | (_, Some("120")) | (403, _) => Outcome::new(
            OutcomeKind::PermissionMissing,
            "QuickBooks refused access to this company.",
            "Check the Company ID (realm) and that the keys match the environment; the company \
             must have authorised this app.",
        ),
        (_, Some("610")) | (404, _) => Outcome::new(
            OutcomeKind::NotFound,
            "QuickBooks has no company with this Company ID.",
            "Check the Company ID (realm) in QuickBooks → Account and settings.",
        ),
        (429, _) => rate_limited(NAME, a.retry_after().or(Some(THROTTLE_WAIT_S))),
        _ => by_status(NAME, a.status, a.retry_after()),
    };
    outcome.status(a.status).provider(code, message)
}
