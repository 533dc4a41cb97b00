//! Why a request got no usable answer, as one closed set of names. Stored by name
//! (`connection_tests.error_class`, `delivery_attempts.error_class`) and shown in the UI.

use serde::{Deserialize, Serialize};

use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum NetFailure {
    /// The host name did not resolve.
    Dns,
    /// No connection could be opened (refused, unreachable network, firewall).
    Connect,
    /// The TLS handshake or the certificate failed.
    Tls,
    /// No answer within the time allowed.
    Timeout,
    /// The connection was cut after the request was sent, before an answer.
    Reset,
    /// The answer started but its body came too slowly.
    Slow,
    /// A webhook receiver answered with a redirect, which is never followed.
    Redirect,
    /// A webhook receiver answered with a non-2xx status.
    Http,
    /// Not sent: the endpoint's address is not allowed (a private address, say).
    Blocked,
    /// Not sent: the endpoint's stored settings could not be used (its secret is missing, say).
    Config,
}

impl NetFailure {
    pub const ALL: [NetFailure; 10] = [
        NetFailure::Dns,
        NetFailure::Connect,
        NetFailure::Tls,
        NetFailure::Timeout,
        NetFailure::Reset,
        NetFailure::Slow,
        NetFailure::Redirect,
        NetFailure::Http,
        NetFailure::Blocked,
        NetFailure::Config,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NetFailure::Dns => "dns",
            NetFailure::Connect => "connect",
            NetFailure::Tls => "tls",
            NetFailure::Timeout => "timeout",
            NetFailure::Reset => "reset",
            NetFailure::Slow => "slow",
            NetFailure::Redirect => "redirect",
            NetFailure::Http => "http",
            NetFailure::Blocked => "blocked",
            NetFailure::Config => "config",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new("error_class", format!("unknown network failure {s:?}")))
    }

    /// Names a transport error from its message chain (lower-cased) and the client's own flags.
    /// Pure so the rule is tested without a network.
    pub fn classify(text: &str, is_timeout: bool, is_connect: bool) -> Self {
        let text = text.to_ascii_lowercase();
        if is_timeout || text.contains("timed out") {
            NetFailure::Timeout
        } else if text.contains("dns")
            || text.contains("failed to lookup")
            || text.contains("name or service not known")
            || text.contains("no such host")
        {
            NetFailure::Dns
        } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake")
        {
            NetFailure::Tls
        } else if is_connect {
            NetFailure::Connect
        } else {
            NetFailure::Reset
        }
    }
}

impl std::fmt::Display for NetFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        for k in NetFailure::ALL {
            assert_eq!(NetFailure::parse(k.as_str()), Ok(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert_eq!(
            NetFailure::parse("gremlins").unwrap_err().field,
            "error_class"
        );
    }

    #[test]
    fn classifies_messages() {
        let c = NetFailure::classify;
        assert_eq!(c("operation timed out", false, true), NetFailure::Timeout);
        assert_eq!(c("x", true, false), NetFailure::Timeout);
        assert_eq!(
            c("dns error: failed to lookup address", false, true),
            NetFailure::Dns
        );
        assert_eq!(
            c("invalid peer certificate: UnknownIssuer", false, true),
            NetFailure::Tls
        );
        assert_eq!(c("connection refused", false, true), NetFailure::Connect);
        assert_eq!(
            c("connection reset by peer", false, false),
            NetFailure::Reset
        );
    }
}
