//! What a fake provider should do with the next requests: the scenario enum and its JSON form.

use serde::{Deserialize, Serialize};

/// One of the three faked providers. In JSON and in control URLs: `twilio`, `square`, `quickbooks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FakeProvider {
    Twilio,
    Square,
    Quickbooks,
}

impl FakeProvider {
    pub const ALL: [FakeProvider; 3] = [Self::Twilio, Self::Square, Self::Quickbooks];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Twilio => "twilio",
            Self::Square => "square",
            Self::Quickbooks => "quickbooks",
        }
    }
}

/// How a provider answers. Every provider starts at [`Scenario::Ok`].
///
/// A scenario with no meaning for a provider (e.g. `LocationInactive` for Twilio) answers as
/// documented per provider in the crate docs: auth-flavoured ones as that provider's wrong
/// credentials, the rest as `Ok`.
///
/// JSON form (control API): `{"scenario":"wrong_credentials"}`,
/// `{"scenario":"rate_limited","retry_after":30}`, `{"scenario":"server_error","status":503}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "ScenarioJson", into = "ScenarioJson")]
pub enum Scenario {
    /// The documented success body.
    #[default]
    Ok,
    WrongCredentials,
    AccessTokenExpired,
    AccessTokenRevoked,
    /// Twilio: the account fetch answers 200 with `"status":"suspended"`.
    Suspended,
    /// Twilio: the account fetch answers 200 with `"status":"closed"`.
    Closed,
    MissingScope,
    NotFound,
    /// Square: the configured location is listed but `"status":"INACTIVE"`.
    LocationInactive,
    /// QuickBooks token endpoint: 400 `invalid_grant`.
    InvalidGrant,
    /// QuickBooks token endpoint: 401 `invalid_client`.
    InvalidClient,
    /// 429 in the provider's shape, with `Retry-After` when `Some`.
    RateLimited {
        retry_after: Option<u32>,
    },
    /// The given status (500, 503, …) with a provider-style body.
    ServerError(u16),
    /// Accept the request and never answer; the connection stays open until the client gives up.
    Hang,
    /// Accept the request, then reset the TCP connection (RST) without a response.
    Reset,
    /// 200, `Content-Type: application/json`, a body that is not JSON.
    Garbage,
    /// 200 `text/html`: a captive portal's login page.
    Html,
    /// 200 `application/json`, a 100 MiB body generated lazily while it is sent.
    HugeBody,
    /// 200 `application/json`, the success body written one byte every 500 ms.
    SlowDrip,
}

/// The serde form. `ServerError(u16)` cannot be internally tagged as a newtype, so it travels as
/// `{"scenario":"server_error","status":503}`.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "scenario", rename_all = "snake_case", deny_unknown_fields)]
enum ScenarioJson {
    Ok,
    WrongCredentials,
    AccessTokenExpired,
    AccessTokenRevoked,
    Suspended,
    Closed,
    MissingScope,
    NotFound,
    LocationInactive,
    InvalidGrant,
    InvalidClient,
    RateLimited {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u32>,
    },
    ServerError {
        #[serde(default = "default_server_error_status")]
        status: u16,
    },
    Hang,
    Reset,
    Garbage,
    Html,
    HugeBody,
    SlowDrip,
}

fn default_server_error_status() -> u16 {
    500
}

impl From<ScenarioJson> for Scenario {
    fn from(json: ScenarioJson) -> Self {
        match json {
            ScenarioJson::Ok => Self::Ok,
            ScenarioJson::WrongCredentials => Self::WrongCredentials,
            ScenarioJson::AccessTokenExpired => Self::AccessTokenExpired,
            ScenarioJson::AccessTokenRevoked => Self::AccessTokenRevoked,
            ScenarioJson::Suspended => Self::Suspended,
            ScenarioJson::Closed => Self::Closed,
            ScenarioJson::MissingScope => Self::MissingScope,
            ScenarioJson::NotFound => Self::NotFound,
            ScenarioJson::LocationInactive => Self::LocationInactive,
            ScenarioJson::InvalidGrant => Self::InvalidGrant,
            ScenarioJson::InvalidClient => Self::InvalidClient,
            ScenarioJson::RateLimited { retry_after } => Self::RateLimited { retry_after },
            ScenarioJson::ServerError { status } => Self::ServerError(status),
            ScenarioJson::Hang => Self::Hang,
            ScenarioJson::Reset => Self::Reset,
            ScenarioJson::Garbage => Self::Garbage,
            ScenarioJson::Html => Self::Html,
            ScenarioJson::HugeBody => Self::HugeBody,
            ScenarioJson::SlowDrip => Self::SlowDrip,
        }
    }
}

impl From<Scenario> for ScenarioJson {
    fn from(scenario: Scenario) -> Self {
        match scenario {
            Scenario::Ok => Self::Ok,
            Scenario::WrongCredentials => Self::WrongCredentials,
            Scenario::AccessTokenExpired => Self::AccessTokenExpired,
            Scenario::AccessTokenRevoked => Self::AccessTokenRevoked,
            Scenario::Suspended => Self::Suspended,
            Scenario::Closed => Self::Closed,
            Scenario::MissingScope => Self::MissingScope,
            Scenario::NotFound => Self::NotFound,
            Scenario::LocationInactive => Self::LocationInactive,
            Scenario::InvalidGrant => Self::InvalidGrant,
            Scenario::InvalidClient => Self::InvalidClient,
            Scenario::RateLimited { retry_after } => Self::RateLimited { retry_after },
            Scenario::ServerError(status) => Self::ServerError { status },
            Scenario::Hang => Self::Hang,
            Scenario::Reset => Self::Reset,
            Scenario::Garbage => Self::Garbage,
            Scenario::Html => Self::Html,
            Scenario::HugeBody => Self::HugeBody,
            Scenario::SlowDrip => Self::SlowDrip,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_json_is_tagged_by_scenario_in_snake_case() -> serde_json::Result<()> {
        let cases = [
            (Scenario::Ok, r#"{"scenario":"ok"}"#),
            (
                Scenario::WrongCredentials,
                r#"{"scenario":"wrong_credentials"}"#,
            ),
            (
                Scenario::RateLimited {
                    retry_after: Some(30),
                },
                r#"{"scenario":"rate_limited","retry_after":30}"#,
            ),
            (
                Scenario::RateLimited { retry_after: None },
                r#"{"scenario":"rate_limited"}"#,
            ),
            (
                Scenario::ServerError(503),
                r#"{"scenario":"server_error","status":503}"#,
            ),
            (Scenario::HugeBody, r#"{"scenario":"huge_body"}"#),
            (Scenario::SlowDrip, r#"{"scenario":"slow_drip"}"#),
        ];
        for (scenario, json) in cases {
            assert_eq!(serde_json::to_string(&scenario)?, json);
            assert_eq!(serde_json::from_str::<Scenario>(json)?, scenario);
        }
        Ok(())
    }

    #[test]
    fn server_error_without_status_means_500() -> serde_json::Result<()> {
        let scenario: Scenario = serde_json::from_str(r#"{"scenario":"server_error"}"#)?;
        assert_eq!(scenario, Scenario::ServerError(500));
        Ok(())
    }

    #[test]
    fn unknown_scenario_and_misspelt_field_are_rejected() {
        assert!(serde_json::from_str::<Scenario>(r#"{"scenario":"sunny"}"#).is_err());
        let misspelt = r#"{"scenario":"rate_limited","retryAfter":30}"#;
        assert!(serde_json::from_str::<Scenario>(misspelt).is_err());
    }
}
