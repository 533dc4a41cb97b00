//! The one HTTP client for provider calls, and reading answers with bounded time and memory.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use switchboard_domain::net::NetFailure;
use switchboard_domain::outcome::{self, Outcome, OutcomeKind};

/// Largest provider answer read into memory; anything longer is an unexpected response.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(20),
        }
    }
}

/// Builds the shared client: rustls with the OS trust store, no redirects followed (a redirect
/// from a provider API means a wrong base URL), an explicit user agent. A failure to build it is
/// an error: reqwest's default client would follow redirects.
pub fn client(timeouts: Timeouts) -> crate::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| crate::Error::Internal(format!("could not build the HTTP client: {e}")))
}

/// A provider's answer, read completely within the limits.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub latency_ms: u32,
}

impl Answer {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `Retry-After` in seconds (only the delta-seconds form; HTTP dates are rare from APIs).
    pub fn retry_after(&self) -> Option<u32> {
        self.headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    }
}

/// Sends `request` and reads the answer, or says why it could not: unreachable (dns, connect,
/// tls, timeout, reset) before an answer began; unexpected response when the answer was too
/// large or too slow.
pub async fn send(
    provider: &str,
    request: reqwest::RequestBuilder,
    total: Duration,
) -> Result<Answer, Outcome> {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + total;
    let elapsed =
        |started: Instant| u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let response = match tokio::time::timeout_at(deadline, request.send()).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let mut o = unreachable(provider, &e);
            o.latency_ms = elapsed(started);
            return Err(o);
        }
        Err(_) => {
            let mut o = outcome::unreachable(provider, NetFailure::Timeout);
            o.latency_ms = elapsed(started);
            return Err(o);
        }
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut response = response;
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                if body.len() + chunk.len() > MAX_BODY {
                    let mut o = Outcome::new(
                        OutcomeKind::UnexpectedResponse,
                        format!("{provider} sent a reply far larger than expected (over 1 MiB)."),
                        "Check the custom base URL under Advanced; a proxy or another service may be answering.",
                    )
                    .status(status);
                    o.latency_ms = elapsed(started);
                    return Err(o);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                let mut o = unreachable(provider, &e).status(status);
                o.latency_ms = elapsed(started);
                return Err(o);
            }
            Err(_) => {
                let mut o = Outcome::new(
                    OutcomeKind::UnexpectedResponse,
                    format!("{provider} started to answer but sent its reply too slowly."),
                    "Try again later; if it keeps happening, check the network or the custom base URL.",
                )
                .status(status);
                o.error_class = Some(NetFailure::Slow);
                o.latency_ms = elapsed(started);
                return Err(o);
            }
        }
    }
    Ok(Answer {
        status,
        headers,
        body,
        latency_ms: elapsed(started),
    })
}

fn unreachable(provider: &str, e: &reqwest::Error) -> Outcome {
    outcome::unreachable(provider, classify(e))
}

/// Names the network failure: dns, tls, timeout, connect or reset.
pub fn classify(e: &reqwest::Error) -> NetFailure {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(" | ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    NetFailure::classify(&text, e.is_timeout(), e.is_connect())
}

/// A short, single-line excerpt of a non-JSON body for the stored detail (never the whole body).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
