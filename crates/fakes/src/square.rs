//! Fake Square: `GET /v2/locations`, the connection test of providers.md §2.3, with the error
//! shape of §2.4.

use axum::{http::StatusCode, response::Response};

use crate::{
    respond,
    routes::{self, Req},
    state::Shared,
    Scenario,
};

/// The official `ListLocationsResponse` example, verbatim (providers.md §2.3).
const LOCATIONS: &str = include_str!("samples/square_locations.json");

/// The ids of the two sample locations.
pub const LOCATION_IDS: [&str; 2] = ["18YC4JDH91E1H", "3Z4V4WHQK64X9"];

/// What the `NotFound` scenario lists instead: the same two locations under other ids, so a
/// client configured with either sample id does not find it.
pub const NOT_FOUND_LOCATION_IDS: [&str; 2] = ["8W1FKZQ4M7T2N", "5JD0XG3R9PVBC"];

pub(crate) const UNAUTHORIZED_DETAIL: &str = "This request could not be authorized.";
pub(crate) const MALFORMED_AUTHORIZATION_DETAIL: &str = "The `Authorization` http header of your request was malformed. The header value is expected to be of the format \"Bearer TOKEN\" (without quotation marks), where TOKEN is to be replaced with your access token (e.g. \"Bearer ABC123def456GHI789jkl0\"). For more information, see https://developer.squareup.com/docs/build-basics/access-tokens. If you are seeing this error message while using one of our officially supported SDKs, please report this to developers@squareup.com.";

pub(crate) async fn handle(shared: &Shared, scenario: Scenario, req: &Req) -> Response {
    if req.segments() != ["v2", "locations"] {
        return routes::not_found(&req.method, &req.path);
    }
    if req.method != axum::http::Method::GET {
        return routes::method_not_allowed(&req.method, &req.path);
    }
    if let Some(response) =
        respond::transport(scenario, req.conn.as_ref(), || LOCATIONS.to_owned()).await
    {
        return response;
    }
    match scenario {
        Scenario::RateLimited { retry_after } => {
            let response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_ERROR",
                "RATE_LIMITED",
                "Too many requests. Please try again later.",
            );
            return respond::retry_after(response, retry_after);
        }
        Scenario::ServerError(status) => return server_error(status),
        _ => {}
    }
    if req.bearer().is_none() {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_ERROR",
            "UNAUTHORIZED",
            MALFORMED_AUTHORIZATION_DETAIL,
        );
    }
    // Real Square falls back to the app's pinned version when the header is missing; the fake
    // insists, so a client that forgets it is caught.
    match req.header("square-version") {
        Some(version) if is_square_version(version) => {}
        version => {
            let detail = format!(
                "Invalid Square-Version: '{}'. Expected format: YYYY-MM-DD.",
                version.unwrap_or_default()
            );
            return error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST_ERROR",
                "INVALID_SQUARE_VERSION_FORMAT",
                &detail,
            );
        }
    }
    // A token revoked at `/oauth2/revoke` (oauth.rs) stops working at once.
    if req
        .bearer()
        .is_some_and(|token| shared.lock().oauth.square_access_revoked(token))
    {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_ERROR",
            "ACCESS_TOKEN_REVOKED",
            "The access token has been revoked.",
        );
    }
    match scenario {
        Scenario::WrongCredentials | Scenario::InvalidGrant | Scenario::InvalidClient => error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_ERROR",
            "UNAUTHORIZED",
            UNAUTHORIZED_DETAIL,
        ),
        Scenario::AccessTokenExpired => error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_ERROR",
            "ACCESS_TOKEN_EXPIRED",
            "The access token has expired.",
        ),
        Scenario::AccessTokenRevoked => error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_ERROR",
            "ACCESS_TOKEN_REVOKED",
            "The access token has been revoked.",
        ),
        Scenario::MissingScope => error(
            StatusCode::FORBIDDEN,
            "AUTHENTICATION_ERROR",
            "INSUFFICIENT_SCOPES",
            "The merchant has not given your application sufficient permissions to do that. The following permissions are required: MERCHANT_PROFILE_READ",
        ),
        Scenario::NotFound => respond::json(StatusCode::OK, locations_with_other_ids()),
        Scenario::LocationInactive => respond::json(StatusCode::OK, inactive_locations()),
        _ => respond::json(StatusCode::OK, LOCATIONS),
    }
}

/// `{"errors":[{"category":…,"code":…,"detail":…}]}`
pub(crate) fn error(status: StatusCode, category: &str, code: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{"category": category, "code": code, "detail": detail}]
    });
    respond::json(status, body.to_string())
}

pub(crate) fn server_error(status: u16) -> Response {
    let status = respond::server_error_status(status);
    let (code, detail) = match status {
        StatusCode::BAD_GATEWAY => ("BAD_GATEWAY", "Bad gateway."),
        StatusCode::SERVICE_UNAVAILABLE => (
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable. Please try again later.",
        ),
        StatusCode::GATEWAY_TIMEOUT => ("GATEWAY_TIMEOUT", "Gateway timeout."),
        _ => (
            "INTERNAL_SERVER_ERROR",
            "An internal error has occurred, and the API was unable to service your request.",
        ),
    };
    error(status, "API_ERROR", code, detail)
}

/// `YYYY-MM-DD` with a plausible month and day.
pub(crate) fn is_square_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |text: &str, len: usize| {
        (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    matches!(
        (number(year, 4), number(month, 2), number(day, 2)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

fn locations_with_other_ids() -> String {
    LOCATION_IDS.iter().zip(NOT_FOUND_LOCATION_IDS).fold(
        LOCATIONS.to_owned(),
        |body, (id, other)| {
            body.replace(&format!(r#""id": "{id}""#), &format!(r#""id": "{other}""#))
        },
    )
}

fn inactive_locations() -> String {
    LOCATIONS.replace(r#""status": "ACTIVE""#, r#""status": "INACTIVE""#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_version_must_be_a_date() {
        assert!(is_square_version("2025-08-20"));
        for bad in [
            "",
            "2025-8-20",
            "20250820",
            "2025-13-01",
            "2025-08-32",
            "latest",
            "2025-08-20-1",
        ] {
            assert!(!is_square_version(bad), "{bad}");
        }
    }

    #[test]
    fn scenario_variants_of_the_sample_differ_from_it_only_where_intended() {
        assert_eq!(inactive_locations().matches("INACTIVE").count(), 2);
        let other = locations_with_other_ids();
        for id in LOCATION_IDS {
            assert!(LOCATIONS.contains(id) && !other.contains(id), "{id}");
        }
        for id in NOT_FOUND_LOCATION_IDS {
            assert!(other.contains(id), "{id}");
        }
    }
}
