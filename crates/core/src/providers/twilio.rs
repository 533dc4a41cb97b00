//! Twilio connection test: read the account (`GET /2010-04-01/Accounts/{sid}.json`); API keys
//! that may not read accounts fall back to listing one phone number; test credentials send a
//! test message to Twilio's magic number. Facts: `shared/reference/providers.md` §1.

use serde_json::Value;

use super::http::{self, Answer};
use super::Target;
use switchboard_domain::outcome::{by_status, rate_limited, Outcome, OutcomeKind};

const NAME: &str = "Twilio";
/// Twilio's magic test number that passes all validation.
pub const MAGIC_FROM: &str = "+15005550006";

pub async fn test(client: &reqwest::Client, target: &Target) -> Outcome {
    let sid = target.setting("account_sid");
    let (user, password) = if target.setting("auth_method") == "api_key" {
        (
            target.setting("api_key_sid"),
            target.secret("api_key_secret"),
        )
    } else {
        (sid, target.secret("auth_token"))
    };
    let base = &target.base_url;
    if target.environment == "test" {
        let request = client
            .post(format!("{base}/2010-04-01/Accounts/{sid}/Messages.json"))
            .basic_auth(user, Some(password))
            .header("Accept", "application/json")
            .form(&[
                ("To", MAGIC_FROM),
                ("From", MAGIC_FROM),
                ("Body", "Switchboard connection test"),
            ]);
        return match http::send(NAME, request, target.timeout).await {
            Ok(a) if a.status == 201 => with_latency(
                Outcome::ok("Twilio accepted a test message with the test credentials (nothing was sent or billed).")
                    .status(201),
                &a,
            ),
            Ok(a) => with_latency(classify_error(&a), &a),
            Err(o) => o,
        };
    }
    let request = client
        .get(format!("{base}/2010-04-01/Accounts/{sid}.json"))
        .basic_auth(user, Some(password))
        .header("Accept", "application/json");
    let answer = match http::send(NAME, request, target.timeout).await {
        Ok(a) => a,
        Err(o) => return o,
    };
    if answer.status == 200 {
        return with_latency(account_outcome(&answer), &answer);
    }
    // Standard and restricted API keys may not read /Accounts: prove them with a lighter read.
    if answer.status == 403 && target.setting("auth_method") == "api_key" {
        let request = client
            .get(format!(
                "{base}/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"
            ))
            .query(&[("PageSize", "1")])
            .basic_auth(user, Some(password))
            .header("Accept", "application/json");
        return match http::send(NAME, request, target.timeout).await {
            Ok(a) if a.status == 200 => with_latency(
                Outcome::ok(
                    "Connected to Twilio. This API key may not read the account itself, so \
                     Switchboard checked the phone numbers instead.",
                )
                .status(200),
                &a,
            ),
            Ok(a) => with_latency(classify_error(&a), &a),
            Err(o) => o,
        };
    }
    with_latency(classify_error(&answer), &answer)
}

fn with_latency(mut o: Outcome, a: &Answer) -> Outcome {
    o.latency_ms = a.latency_ms;
    o
}

fn account_outcome(a: &Answer) -> Outcome {
    // The account body contains the auth token: read only the fields needed, never store it.
    let Some(body) = a.json() else {
        return not_json(a);
    };
    let status = body.get("status").and_then(Value::as_str).unwrap_or("");
    let name = body
        .get("friendly_name")
        .and_then(Value::as_str)
        .unwrap_or("");
    match status {
        "active" => Outcome::ok(format!("Connected to the Twilio account “{name}”.")).status(200),
        "suspended" | "closed" => Outcome::new(
            OutcomeKind::AccountSuspended,
            format!("The Twilio account “{name}” is {status}."),
            "Sign in to the Twilio Console to see why and reactivate it; messages cannot be sent until then.",
        )
        .status(200)
        .provider(Some(status.to_owned()), None),
        _ => Outcome::new(
            OutcomeKind::UnexpectedResponse,
            "Twilio answered without an account status.",
            "Check the custom base URL under Advanced, if one is set.",
        )
        .status(200),
    }
}

fn not_json(a: &Answer) -> Outcome {
    Outcome::new(
        OutcomeKind::UnexpectedResponse,
        "Twilio's answer was not the JSON it sends (perhaps a proxy or login page answered).",
        "Check the network (captive portal, proxy) and the custom base URL under Advanced.",
    )
    .status(a.status)
    .provider(None, Some(http::excerpt(&a.body)))
}

/// Twilio's error bodies: the 2010 API's `{code, message, more_info, status}` and the newer
/// RFC 9457 `{type, title, status, code, detail}`.
fn classify_error(a: &Answer) -> Outcome {
    let Some(body) = a.json() else {
        return if a.status >= 500 {
            by_status(NAME, a.status, a.retry_after())
        } else {
            not_json(a)
        };
    };
    let code = body.get("code").and_then(|c| {
        c.as_u64()
            .map(|n| n.to_string())
            .or(c.as_str().map(str::to_owned))
    });
    let message = ["message", "detail", "title"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .map(str::to_owned);
    let outcome = match (a.status, code.as_deref()) {
        (_, Some("20003")) if a.status == 401 => Outcome::new(
            OutcomeKind::CredentialsRejected,
            "Twilio rejected the credentials (error 20003).",
            "Check the Account SID and Auth Token (or API key) in the Twilio Console, and that \
             live and test credentials are not mixed.",
        ),
        (_, Some("20404")) | (404, _) => Outcome::new(
            OutcomeKind::NotFound,
            "Twilio does not know this Account SID (error 20404).",
            "Check the Account SID in the Twilio Console → Account Info.",
        ),
        (403, _) | (_, Some("20003")) => Outcome::new(
            OutcomeKind::PermissionMissing,
            "Twilio refused these credentials access to the account.",
            "Use a Main API key or the Auth Token, or give the key access in the Twilio Console.",
        ),
        (429, _) | (_, Some("20429")) => rate_limited(NAME, a.retry_after()),
        (400, Some(c)) => Outcome::new(
            OutcomeKind::NotFound,
            format!("Twilio refused the test message (error {c})."),
            "Check the sender number: with test credentials it must be a magic number or an owned number.",
        ),
        _ => by_status(NAME, a.status, a.retry_after()),
    };
    outcome
        .status(a.status)
        .retry_after(a.retry_after())
        .provider(code, message)
}
