//! What a connection test found, classified so the status rules and the UI can act on it.
//! Providers produce these (in core, over HTTP); the status rules and the UI read them.

use serde::{Deserialize, Serialize};

use crate::net::NetFailure;
use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Ok,
    CredentialsRejected,
    PermissionMissing,
    AccountSuspended,
    NotFound,
    RateLimited,
    ProviderError,
    Unreachable,
    UnexpectedResponse,
    /// A required secret is not in this computer's keychain (e.g. a database copied here).
    MissingSecret,
    KeychainUnavailable,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 11] = [
        OutcomeKind::Ok,
        OutcomeKind::CredentialsRejected,
        OutcomeKind::PermissionMissing,
        OutcomeKind::AccountSuspended,
        OutcomeKind::NotFound,
        OutcomeKind::RateLimited,
        OutcomeKind::ProviderError,
        OutcomeKind::Unreachable,
        OutcomeKind::UnexpectedResponse,
        OutcomeKind::MissingSecret,
        OutcomeKind::KeychainUnavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Ok => "ok",
            OutcomeKind::CredentialsRejected => "credentials_rejected",
            OutcomeKind::PermissionMissing => "permission_missing",
            OutcomeKind::AccountSuspended => "account_suspended",
            OutcomeKind::NotFound => "not_found",
            OutcomeKind::RateLimited => "rate_limited",
            OutcomeKind::ProviderError => "provider_error",
            OutcomeKind::Unreachable => "unreachable",
            OutcomeKind::UnexpectedResponse => "unexpected_response",
            OutcomeKind::MissingSecret => "missing_secret",
            OutcomeKind::KeychainUnavailable => "keychain_unavailable",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new("outcome", format!("unknown outcome kind {s:?}")))
    }

    /// Failures that usually pass by themselves: offline, DNS, timeouts, TLS handshakes, 429,
    /// 5xx. They turn a card yellow at first, red only after a day.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            OutcomeKind::RateLimited | OutcomeKind::ProviderError | OutcomeKind::Unreachable
        )
    }
}

/// A stored connection test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TestRecord {
    pub at: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// One connection test's result, with the provider's own words and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub http_status: Option<u16>,
    pub provider_code: Option<String>,
    pub provider_message: Option<String>,
    /// For unreachable providers: dns, connect, tls, timeout or reset; `slow` for a reply that
    /// came too slowly.
    pub error_class: Option<NetFailure>,
    pub retry_after_s: Option<u32>,
    pub latency_ms: u32,
    /// What happened, in one plain sentence.
    pub summary: String,
    /// What to do about it, in one plain sentence.
    pub action: String,
}

impl Outcome {
    pub fn new(kind: OutcomeKind, summary: impl Into<String>, action: impl Into<String>) -> Self {
        Outcome {
            kind,
            http_status: None,
            provider_code: None,
            provider_message: None,
            error_class: None,
            retry_after_s: None,
            latency_ms: 0,
            summary: summary.into(),
            action: action.into(),
        }
    }

    pub fn ok(summary: impl Into<String>) -> Self {
        Outcome::new(OutcomeKind::Ok, summary, "Nothing to do.")
    }

    pub fn status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub fn provider(mut self, code: Option<String>, message: Option<String>) -> Self {
        self.provider_code = code;
        self.provider_message = message.map(|m| truncate(&m, 500));
        self
    }

    pub fn retry_after(mut self, seconds: Option<u32>) -> Self {
        self.retry_after_s = seconds;
        self
    }
}

pub fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max_chars).collect();
        t.push('…');
        t
    }
}

/// The outcome for an HTTP status no provider-specific rule explained.
pub fn by_status(provider: &str, status: u16, retry_after: Option<u32>) -> Outcome {
    match status {
        401 => Outcome::new(
            OutcomeKind::CredentialsRejected,
            format!("{provider} rejected the credentials."),
            "Check the credentials on the Integrations page, and that they belong to the chosen environment.",
        ),
        403 => Outcome::new(
            OutcomeKind::PermissionMissing,
            format!("{provider} accepted the credentials but refused access."),
            "Give these credentials the missing permission in the provider's console, or use ones that have it.",
        ),
        404 => Outcome::new(
            OutcomeKind::NotFound,
            format!("{provider} does not know the configured account."),
            "Check the IDs on the Integrations page.",
        ),
        429 => rate_limited(provider, retry_after),
        500..=599 => Outcome::new(
            OutcomeKind::ProviderError,
            format!("{provider} had a problem on its side (HTTP {status})."),
            "Nothing is wrong with your settings; Switchboard tries again automatically.",
        ),
        _ => Outcome::new(
            OutcomeKind::UnexpectedResponse,
            format!("{provider} answered in an unexpected way (HTTP {status})."),
            "Check the custom base URL under Advanced, if one is set; otherwise try again later.",
        ),
    }
    .status(status)
    .retry_after(retry_after)
}

pub fn rate_limited(provider: &str, retry_after: Option<u32>) -> Outcome {
    let wait = match retry_after {
        Some(s) => format!("It asked to wait {s} seconds."),
        None => "It did not say for how long.".to_owned(),
    };
    Outcome::new(
        OutcomeKind::RateLimited,
        format!("{provider} is limiting how often Switchboard may ask. {wait}"),
        "Wait a little; Switchboard tries again automatically.",
    )
    .retry_after(retry_after)
}

/// The outcome when no answer came: what the network failure means, in words.
pub fn unreachable(provider: &str, class: NetFailure) -> Outcome {
    let (summary, action) = match class {
        NetFailure::Dns => (
            format!("Could not find {provider}'s server: the name did not resolve."),
            "Is this computer offline? Check the internet connection (and the custom base URL, if set).",
        ),
        NetFailure::Tls => (
            format!("The secure connection to {provider} failed (TLS certificate or handshake)."),
            "Check the computer's date and time, and whether a proxy or antivirus intercepts HTTPS.",
        ),
        NetFailure::Timeout => (
            format!("{provider} did not answer in time."),
            "Is this computer offline? Switchboard tries again automatically.",
        ),
        NetFailure::Connect => (
            format!("Could not connect to {provider}."),
            "Is this computer offline? Check the internet connection or firewall.",
        ),
        _ => (
            format!("{provider} cut the connection before it answered."),
            "Is this computer offline? Switchboard tries again automatically.",
        ),
    };
    let mut o = Outcome::new(OutcomeKind::Unreachable, summary, action);
    o.error_class = Some(class);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_is_an_error() {
        for k in OutcomeKind::ALL {
            assert_eq!(OutcomeKind::parse(k.as_str()), Ok(k));
        }
        assert_eq!(OutcomeKind::parse("fine").unwrap_err().field, "outcome");
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(
            by_status("Twilio", 401, None).kind,
            OutcomeKind::CredentialsRejected
        );
        assert_eq!(
            by_status("Twilio", 503, None).kind,
            OutcomeKind::ProviderError
        );
        assert_eq!(by_status("Twilio", 429, Some(3)).retry_after_s, Some(3));
        let o = unreachable("Square", NetFailure::Dns);
        assert_eq!(
            (o.kind, o.error_class),
            (OutcomeKind::Unreachable, Some(NetFailure::Dns))
        );
    }
}
