//! One provider API call as the sync engine's attempt log needs it: what was sent (method, path,
//! a scrubbed body), what came back (status, the first 64 KiB), how long it took, and — when it
//! failed — a [`CallFailure`] whose verdict says whether to retry, wait, give up or reconnect.
//!
//! The provider clients (`twilio_messages`, `quickbooks_api`, `square_payments`) build their
//! requests and read their answers; this module sends them through [`super::http::send`] (bounded
//! time and size, named network failures) and keeps the record free of secrets.

use std::time::Duration;

use serde::Serialize;

use super::http::{self, Answer};
use crate::secrets::Secret;
use switchboard_domain::net::NetFailure;
use switchboard_domain::provider_errors::{self, CodeRule, VerdictKind};

/// The most of an answer kept for the attempt log.
pub const RECORDED_ANSWER: usize = 64 * 1024;

/// What one call sent and received. Holds no secret: credentials travel in headers (never
/// recorded), and every secret value is cut out of the body and the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CallRecord {
    pub method: String,
    /// Path and query, without the base URL.
    pub path: String,
    pub request_body: Option<String>,
    /// `None` when no answer arrived.
    pub status: Option<u16>,
    /// The first 64 KiB of the answer (lossy UTF-8).
    pub response: String,
    pub duration_ms: u32,
}

/// Why a call failed and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CallFailure {
    pub verdict: VerdictKind,
    /// The provider's `Retry-After` (or its documented wait), for retry and rate-limited.
    pub retry_after_s: Option<u32>,
    /// The provider's code (`21614`, `6240`, `INVALID_CURSOR`), when it sent one.
    pub code: Option<String>,
    /// In plain words, e.g. "Twilio refused the number: not a mobile number (21614)".
    pub reason: String,
    /// The provider's own message, when it sent one.
    pub provider_message: Option<String>,
    pub net: Option<NetFailure>,
}

impl CallFailure {
    pub fn new(verdict: VerdictKind, reason: impl Into<String>) -> Self {
        CallFailure {
            verdict,
            retry_after_s: None,
            code: None,
            reason: reason.into(),
            provider_message: None,
            net: None,
        }
    }

    /// From a code table's rule: `"{lead}: {meaning} ({code})"`.
    pub fn from_rule(lead: &str, rule: &CodeRule, message: Option<String>) -> Self {
        CallFailure {
            verdict: rule.kind,
            retry_after_s: None,
            code: Some(rule.code.to_owned()),
            reason: format!("{lead}: {} ({})", rule.meaning, rule.code),
            provider_message: message,
            net: None,
        }
    }

    /// A code no table knows: the verdict follows the HTTP status.
    pub fn unknown_code(
        provider: &str,
        status: u16,
        code: Option<String>,
        message: Option<String>,
    ) -> Self {
        let verdict = provider_errors::by_status(status);
        let reason = match (&code, &message) {
            (Some(code), Some(message)) => {
                format!("{provider} answered {status}: {message} ({code})")
            }
            (None, Some(message)) => format!("{provider} answered {status}: {message}"),
            (Some(code), None) => format!("{provider} answered {status} ({code})"),
            (None, None) => format!("{provider} answered HTTP {status}"),
        };
        CallFailure {
            verdict,
            retry_after_s: None,
            code,
            reason,
            provider_message: message,
            net: None,
        }
    }

    pub fn retry_after(mut self, seconds: Option<u32>) -> Self {
        if seconds.is_some() {
            self.retry_after_s = seconds;
        }
        self
    }

    /// An answer that is not what the API documents (not JSON, fields missing): a proxy or a
    /// passing fault, so worth another try.
    pub fn unexpected(provider: &str, what: &str) -> Self {
        CallFailure::new(
            VerdictKind::Retry,
            format!("{provider} sent an unexpected answer: {what}"),
        )
    }
}

impl CallFailure {
    /// The sync engine's outcome for this failure. A refused credential is a retry: the engine
    /// refreshes the access token before the next attempt, and the schedule ends it if the
    /// manager has to reconnect.
    pub fn job_outcome(&self) -> switchboard_domain::job::JobOutcome {
        use switchboard_domain::job::JobOutcome;
        let wait = self
            .retry_after_s
            .map(|s| Duration::from_secs(u64::from(s)));
        match self.verdict {
            VerdictKind::Retry | VerdictKind::Reconnect => JobOutcome::Retry { retry_after: wait },
            VerdictKind::RateLimited => JobOutcome::RateLimited {
                after: wait.unwrap_or(Duration::from_secs(60)),
            },
            VerdictKind::Permanent => JobOutcome::Permanent {
                reason: self.reason.clone(),
            },
        }
    }
}

/// A call's record and its typed result.
#[derive(Debug, Clone)]
pub struct Called<T> {
    pub record: CallRecord,
    pub result: Result<T, CallFailure>,
}

impl<T> Called<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> Result<U, CallFailure>) -> Called<U> {
        Called {
            record: self.record,
            result: self.result.and_then(f),
        }
    }
}

/// Where a client sends its calls: the shared HTTP client, the base URL (environment or custom)
/// and the time allowed per call.
#[derive(Debug, Clone)]
pub struct Api<'a> {
    pub http: &'a reqwest::Client,
    pub base_url: &'a str,
    pub timeout: Duration,
}

impl<'a> Api<'a> {
    pub fn new(http: &'a reqwest::Client, base_url: &'a str) -> Self {
        Api {
            http,
            base_url: base_url.trim_end_matches('/'),
            timeout: Duration::from_secs(30),
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }
}

/// Sends `request` and records it. `path` is what the log shows (no secret may be in it);
/// `body` is the request body as sent, scrubbed of `secrets` before it is recorded.
pub(crate) async fn send(
    provider: &str,
    api: &Api<'_>,
    method: &str,
    path: &str,
    body: Option<&str>,
    request: reqwest::RequestBuilder,
    secrets: &[&Secret],
) -> (CallRecord, Result<Answer, CallFailure>) {
    let mut record = CallRecord {
        method: method.to_owned(),
        path: scrub(path, secrets),
        request_body: body.map(|body| scrub(body, secrets)),
        status: None,
        response: String::new(),
        duration_ms: 0,
    };
    match http::send(provider, request, api.timeout).await {
        Ok(answer) => {
            record.status = Some(answer.status);
            record.duration_ms = answer.latency_ms;
            let kept = &answer.body[..answer.body.len().min(RECORDED_ANSWER)];
            record.response = scrub(&String::from_utf8_lossy(kept), secrets);
            (record, Ok(answer))
        }
        Err(outcome) => {
            record.status = outcome.http_status;
            record.duration_ms = outcome.latency_ms;
            let failure = CallFailure {
                verdict: VerdictKind::Retry,
                retry_after_s: None,
                code: None,
                reason: outcome.summary.clone(),
                provider_message: None,
                net: outcome.error_class,
            };
            (record, Err(failure))
        }
    }
}

/// `text` with every secret value replaced by `<redacted>`.
pub(crate) fn scrub(text: &str, secrets: &[&Secret]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        let value = secret.expose();
        // Very short values would blank out ordinary text; no real credential is that short.
        if value.len() >= 6 {
            text = text.replace(value, "<redacted>");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_every_secret_value() {
        let token = Secret::new("tok_0123456789");
        let text = "a tok_0123456789 b tok_0123456789";
        assert_eq!(scrub(text, &[&token]), "a <redacted> b <redacted>");
    }

    #[test]
    fn failures_become_the_engines_outcomes() {
        use switchboard_domain::job::JobOutcome;
        let limited = CallFailure::new(VerdictKind::RateLimited, "slow down").retry_after(Some(7));
        assert_eq!(
            limited.job_outcome(),
            JobOutcome::RateLimited {
                after: Duration::from_secs(7)
            }
        );
        let permanent = CallFailure::new(VerdictKind::Permanent, "not a mobile number");
        assert_eq!(
            permanent.job_outcome(),
            JobOutcome::Permanent {
                reason: "not a mobile number".into()
            }
        );
        let reconnect = CallFailure::new(VerdictKind::Reconnect, "token refused");
        assert_eq!(
            reconnect.job_outcome(),
            JobOutcome::Retry { retry_after: None }
        );
    }

    #[test]
    fn unknown_codes_follow_the_status() {
        let failure = CallFailure::unknown_code("Twilio", 400, Some("99999".into()), None);
        assert_eq!(failure.verdict, VerdictKind::Permanent);
        assert_eq!(failure.reason, "Twilio answered 400 (99999)");
        let failure = CallFailure::unknown_code("Square", 503, None, None);
        assert_eq!(failure.verdict, VerdictKind::Retry);
    }
}
