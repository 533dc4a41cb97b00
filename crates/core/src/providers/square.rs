//! Square connection test: `GET /v2/locations` with `Square-Version`; the configured location
//! must exist and be active. `errors[].code` decides failures. Facts: providers.md §2.

use serde_json::Value;

use super::http::{self, Answer};
use super::tokens::{self, SquareClient};
use super::{Provider, Target, TokenLifetimes};
use crate::secrets::Secret;
use crate::time;
use switchboard_domain::oauth;
use switchboard_domain::outcome::{by_status, rate_limited, Outcome, OutcomeKind};

const NAME: &str = "Square";

pub async fn test(client: &reqwest::Client, target: &Target) -> (Outcome, Option<TokenLifetimes>) {
    let (access, tokens) = match access_token(client, target).await {
        Ok(found) => found,
        Err(failed) => return failed,
    };
    let request = client
        .get(format!("{}/v2/locations", target.base_url))
        .bearer_auth(access.expose())
        .header("Square-Version", target.setting("square_version"))
        .header("Accept", "application/json");
    let answer = match http::send(NAME, request, target.timeout).await {
        Ok(a) => a,
        Err(o) => return (o, tokens),
    };
    let mut outcome = if answer.status == 200 {
        locations_outcome(&answer, target.setting("location_id"))
    } else {
        classify_error(&answer)
    };
    outcome.latency_ms = answer.latency_ms;
    (outcome, tokens)
}

/// The access token to use: a pasted one, the one kept in memory, or a renewed one. A renewal
/// saves Square's new refresh token (single-use under PKCE) before the access token is used.
async fn access_token(
    client: &reqwest::Client,
    target: &Target,
) -> Result<(Secret, Option<TokenLifetimes>), (Outcome, Option<TokenLifetimes>)> {
    if !target.secret("access_token").is_empty() {
        return Ok((Secret::new(target.secret("access_token")), None));
    }
    let Some(refresh) = target.secrets.get("refresh_token") else {
        return Err((
            Outcome::new(
                OutcomeKind::MissingSecret,
                "Square is not connected yet.",
                "Press “Connect to Square”, or enter an access token instead.",
            ),
            None,
        ));
    };
    let endpoints = oauth::endpoints(Provider::Square, &target.base_url, None);
    let auth = match target.secrets.get("application_secret") {
        Some(secret) => SquareClient::Secret(secret),
        None => SquareClient::Pkce { verifier: None },
    };
    let renewed = tokens::square_refresh(
        client,
        &endpoints.token,
        target.setting("application_id"),
        auth,
        refresh,
        target.timeout,
    )
    .await;
    let set = match renewed {
        Ok(set) => set,
        Err(o) => {
            let refused = tokens::is_grant_refused(&o);
            let lifetimes = refused.then_some(TokenLifetimes {
                refresh_refused: true,
                ..TokenLifetimes::default()
            });
            return Err((o, lifetimes));
        }
    };
    let lifetimes = TokenLifetimes {
        access_expires_at: set.access_expires_at,
        refresh_expires_at: set.refresh_expires_at,
        refreshed_at: Some(time::now_ms()),
        refresh_refused: false,
    };
    if let Some(new) = set.refresh.filter(|new| new.expose() != refresh.expose()) {
        if let Err(e) = (target.save_refresh_token)(new).await {
            return Err((
                Outcome::new(
                    OutcomeKind::KeychainUnavailable,
                    "Square issued a new refresh token but it could not be saved to the keychain.",
                    format!("{e} Then press Reconnect."),
                ),
                Some(lifetimes),
            ));
        }
    }
    (target.remember_access_token)(set.access.clone());
    Ok((set.access, Some(lifetimes)))
}

fn locations_outcome(a: &Answer, wanted: &str) -> Outcome {
    let Some(body) = a.json() else {
        return not_json(a);
    };
    let Some(locations) = body.get("locations").and_then(Value::as_array) else {
        return if body.get("errors").is_some() {
            classify_error(a)
        } else {
            Outcome::new(
                OutcomeKind::UnexpectedResponse,
                "Square answered without a list of locations.",
                "Check the custom base URL under Advanced, if one is set.",
            )
            .status(200)
        };
    };
    let text = |l: &Value, k: &str| l.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    match locations.iter().find(|l| text(l, "id") == wanted) {
        Some(l) if text(l, "status") == "ACTIVE" => Outcome::ok(format!(
            "Connected to Square: location “{}” of {} is active.",
            text(l, "name"),
            text(l, "business_name")
        ))
        .status(200),
        Some(l) => Outcome::new(
            OutcomeKind::NotFound,
            format!(
                "The Square location “{}” ({wanted}) is inactive.",
                text(l, "name")
            ),
            "Reactivate it in the Square Dashboard, or choose an active location ID.",
        )
        .status(200)
        .provider(Some(text(l, "status")), None),
        None => {
            let ids: Vec<String> = locations.iter().map(|l| text(l, "id")).collect();
            Outcome::new(
                OutcomeKind::NotFound,
                format!("These Square credentials have no location {wanted}."),
                format!(
                    "Use one of this account's locations ({}), or credentials of the account that owns it.",
                    ids.join(", ")
                ),
            )
            .status(200)
        }
    }
}

fn not_json(a: &Answer) -> Outcome {
    Outcome::new(
        OutcomeKind::UnexpectedResponse,
        "Square's answer was not the JSON it sends (perhaps a proxy or login page answered).",
        "Check the network (captive portal, proxy) and the custom base URL under Advanced.",
    )
    .status(a.status)
    .provider(None, Some(http::excerpt(&a.body)))
}

/// `{"errors":[{"category","code","detail"}]}`; the first error decides.
pub(crate) fn classify_error(a: &Answer) -> Outcome {
    let Some(body) = a.json() else {
        return if a.status >= 500 {
            by_status(NAME, a.status, a.retry_after())
        } else {
            not_json(a)
        };
    };
    let first = body
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|e| e.first());
    let field = |k: &str| {
        first
            .and_then(|e| e.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let code = field("code");
    let detail = field("detail");
    let outcome = match code.as_deref().unwrap_or("") {
        "UNAUTHORIZED"
        | "ACCESS_TOKEN_EXPIRED"
        | "ACCESS_TOKEN_REVOKED"
        | "CLIENT_DISABLED"
        | "APPLICATION_DISABLED"
        | "V1_APPLICATION"
        | "V1_ACCESS_TOKEN" => Outcome::new(
            OutcomeKind::CredentialsRejected,
            format!(
                "Square rejected the access token ({}).",
                code.as_deref().unwrap_or("")
            ),
            "Create a new access token in the Square Developer Console, and check that it matches \
             the environment (production or sandbox).",
        ),
        "FORBIDDEN" | "INSUFFICIENT_SCOPES" => Outcome::new(
            OutcomeKind::PermissionMissing,
            "Square accepted the token but it may not read locations (MERCHANT_PROFILE_READ).",
            "Give the token the MERCHANT_PROFILE_READ permission, or use a personal access token.",
        ),
        "NOT_FOUND" => Outcome::new(
            OutcomeKind::NotFound,
            "Square could not find what was asked for.",
            "Check the location ID and the environment.",
        ),
        "RATE_LIMITED" => rate_limited(NAME, a.retry_after()),
        "INVALID_SQUARE_VERSION_FORMAT" | "API_VERSION_INCOMPATIBLE" => Outcome::new(
            OutcomeKind::UnexpectedResponse,
            "Square does not accept the configured API version.",
            "Set the Square API version back to its default on the Integrations page.",
        ),
        "INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE" | "GATEWAY_TIMEOUT" => Outcome::new(
            OutcomeKind::ProviderError,
            format!("Square had a problem on its side (HTTP {}).", a.status),
            "Nothing is wrong with your settings; Switchboard tries again automatically.",
        ),
        _ => by_status(NAME, a.status, a.retry_after()),
    };
    outcome
        .status(a.status)
        .retry_after(a.retry_after())
        .provider(code, detail)
}
