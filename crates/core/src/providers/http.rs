//! The one HTTP client for provider calls, and reading answers with bounded time and memory.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use crate::checks::{Outcome, OutcomeKind};

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
            let mut o = unreachable_class(provider, "timeout");
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
                o.error_class = Some("slow".into());
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
    unreachable_class(provider, classify(e))
}

/// Names the network failure: dns, tls, timeout, connect or reset.
pub fn classify(e: &reqwest::Error) -> &'static str {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(" | ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    let text = text.to_ascii_lowercase();
    if e.is_timeout() || text.contains("timed out") {
        "timeout"
    } else if text.contains("dns")
        || text.contains("failed to lookup")
        || text.contains("name or service not known")
        || text.contains("no such host")
    {
        "dns"
    } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        "tls"
    } else if e.is_connect() {
        "connect"
    } else {
        "reset"
    }
}

pub(crate) fn unreachable_class(provider: &str, class: &str) -> Outcome {
    let (summary, action) = match class {
        "dns" => (
            format!("Could not find {provider}'s server: the name did not resolve."),
            "Is this computer offline? Check the internet connection (and the custom base URL, if set).",
        ),
        "tls" => (
            format!("The secure connection to {provider} failed (TLS certificate or handshake)."),
            "Check the computer's date and time, and whether a proxy or antivirus intercepts HTTPS.",
        ),
        "timeout" => (
            format!("{provider} did not answer in time."),
            "Is this computer offline? Switchboard tries again automatically.",
        ),
        "connect" => (
            format!("Could not connect to {provider}."),
            "Is this computer offline? Check the internet connection or firewall.",
        ),
        _ => (
            format!("{provider} cut the connection before it answered."),
            "Is this computer offline? Switchboard tries again automatically.",
        ),
    };
    let mut o = Outcome::new(OutcomeKind::Unreachable, summary, action);
    o.error_class = Some(class.to_owned());
    o
}

/// A short, single-line excerpt of a non-JSON body for the stored detail (never the whole body).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
