//! Integration tests for switchboard-fakes: a plain HTTP client against the real servers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod control;
mod oauth;
mod quickbooks;
mod quickbooks_api;
mod square;
mod square_payments;
mod tls;
mod transport;
mod twilio;
mod twilio_messages;

use std::time::Duration;

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// A client with a short overall timeout, so a broken fake fails a test instead of hanging it.
pub fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(2))
}

pub fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("reqwest client")
}

/// The response's status, `Content-Type` and body text.
pub async fn text(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}
