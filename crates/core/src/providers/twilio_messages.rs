//! Twilio Messages API client (sync-apis.md §1): send an SMS (`POST …/Messages.json`,
//! form-encoded) and read its status (`GET …/Messages/{Sid}.json`). No database, no engine: the
//! caller gives the base URL, the account and the credential, and gets a [`Called`] back.

use serde::{Deserialize, Serialize};

use super::call::{self, Api, CallFailure, Called};
use crate::secrets::Secret;
use switchboard_domain::message_status::MessageStatus;
use switchboard_domain::provider_errors::{self, VerdictKind};

const NAME: &str = "Twilio";

/// Who signs in: the account SID with its auth token, or an API key SID (`SK…`) with its secret.
#[derive(Debug, Clone, Copy)]
pub struct TwilioAuth<'a> {
    pub account_sid: &'a str,
    /// The account SID itself, or the API key SID.
    pub username: &'a str,
    pub password: &'a Secret,
}

/// Where a message comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender<'a> {
    /// A phone number of the account, E.164.
    From(&'a str),
    /// A Messaging Service SID (`MG…`), which picks the number.
    MessagingService(&'a str),
}

/// A message as Twilio reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Message {
    pub sid: String,
    pub status: MessageStatus,
    pub to: String,
    pub from: Option<String>,
    /// Set when failed or undelivered.
    pub error_code: Option<u32>,
    /// The error code's meaning in plain words (from the domain's table), when known.
    pub error_meaning: Option<String>,
    /// `None` while Twilio has not counted them yet (`"0"` with a Messaging Service).
    pub num_segments: Option<u32>,
    /// Twilio's negative price string (`"-0.00750"`), null until sent. Kept as text: it is
    /// Twilio's figure, never computed with.
    pub price: Option<String>,
    pub price_unit: Option<String>,
}

#[derive(Deserialize)]
struct MessageBody {
    sid: String,
    status: String,
    to: String,
    from: Option<String>,
    error_code: Option<u32>,
    num_segments: Option<String>,
    price: Option<String>,
    price_unit: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<u32>,
    message: Option<String>,
}

/// A client for one Twilio account.
pub struct TwilioMessages<'a> {
    api: Api<'a>,
    auth: TwilioAuth<'a>,
}

impl<'a> TwilioMessages<'a> {
    pub fn new(api: Api<'a>, auth: TwilioAuth<'a>) -> Self {
        TwilioMessages { api, auth }
    }

    /// Sends `body` to `to`. `validity_period` (1–36000 s) makes Twilio drop a message still queued
    /// after that long; `None` is Twilio's default of 36000.
    pub async fn send_message(
        &self,
        sender: Sender<'_>,
        to: &str,
        body: &str,
        validity_period: Option<u32>,
    ) -> Called<Message> {
        let path = format!(
            "/2010-04-01/Accounts/{}/Messages.json",
            self.auth.account_sid
        );
        let validity = validity_period.map(|v| v.to_string());
        let mut form: Vec<(&str, &str)> = vec![("To", to)];
        match sender {
            Sender::From(from) => form.push(("From", from)),
            Sender::MessagingService(sid) => form.push(("MessagingServiceSid", sid)),
        }
        form.push(("Body", body));
        if let Some(validity) = &validity {
            form.push(("ValidityPeriod", validity));
        }
        let encoded = form_encode(&form);
        let request = self
            .api
            .http
            .post(self.api.url(&path))
            .basic_auth(self.auth.username, Some(self.auth.password.expose()))
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encoded.clone());
        self.call("POST", &path, Some(&encoded), request).await
    }

    /// Reads a message's current status. With test credentials Twilio answers 403 (20008).
    pub async fn fetch_message(&self, sid: &str) -> Called<Message> {
        let path = format!(
            "/2010-04-01/Accounts/{}/Messages/{sid}.json",
            self.auth.account_sid
        );
        let request = self
            .api
            .http
            .get(self.api.url(&path))
            .basic_auth(self.auth.username, Some(self.auth.password.expose()))
            .header("Accept", "application/json");
        self.call("GET", &path, None, request).await
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        request: reqwest::RequestBuilder,
    ) -> Called<Message> {
        let (record, answer) = call::send(
            NAME,
            &self.api,
            method,
            path,
            body,
            request,
            &[self.auth.password],
        )
        .await;
        let result = answer.and_then(|answer| {
            if (200..300).contains(&answer.status) {
                parse_message(&answer.body)
            } else {
                Err(failure(answer.status, &answer.body, answer.retry_after()))
            }
        });
        Called { record, result }
    }
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn parse_message(body: &[u8]) -> Result<Message, CallFailure> {
    let parsed: MessageBody = serde_json::from_slice(body)
        .map_err(|e| CallFailure::unexpected(NAME, &format!("not a message ({e})")))?;
    let status = MessageStatus::parse("status", &parsed.status)
        .map_err(|e| CallFailure::unexpected(NAME, &e.message))?;
    let error_meaning = parsed
        .error_code
        .and_then(provider_errors::twilio)
        .map(|rule| rule.meaning.to_owned());
    Ok(Message {
        sid: parsed.sid,
        status,
        to: parsed.to,
        from: parsed.from,
        error_code: parsed.error_code,
        error_meaning,
        num_segments: parsed
            .num_segments
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0),
        price: parsed.price,
        price_unit: parsed.price_unit,
    })
}

/// Codes that are about the recipient's number rather than the message or the account.
const NUMBER_CODES: [u32; 6] = [21211, 21408, 21610, 21612, 21614, 21635];

/// A refusal as a [`CallFailure`]: the code's rule when the table has it, else the HTTP status.
pub fn failure(status: u16, body: &[u8], retry_after: Option<u32>) -> CallFailure {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let code = parsed.as_ref().and_then(|b| b.code);
    let message = parsed.and_then(|b| b.message);
    let failure = match code.and_then(provider_errors::twilio) {
        Some(rule) => {
            let lead = if code.is_some_and(|c| NUMBER_CODES.contains(&c)) {
                "Twilio refused the number"
            } else if rule.kind == VerdictKind::Reconnect {
                "Twilio refused the credentials"
            } else {
                "Twilio refused the message"
            };
            CallFailure::from_rule(lead, rule, message)
        }
        None => CallFailure::unknown_code(NAME, status, code.map(|c| c.to_string()), message),
    };
    failure.retry_after(retry_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_refusal_reads_in_plain_words() {
        let body = br#"{"code":21614,"message":"'To' number +15005550009 is not a valid mobile number","more_info":"https://www.twilio.com/docs/errors/21614","status":400}"#;
        let failure = failure(400, body, None);
        assert_eq!(failure.verdict, VerdictKind::Permanent);
        assert_eq!(
            failure.reason,
            "Twilio refused the number: not a mobile number (21614)"
        );
        assert_eq!(failure.code.as_deref(), Some("21614"));
    }

    #[test]
    fn throttling_keeps_retry_after_and_a_body_without_code_uses_the_status() {
        let body = br#"{"code":20429,"message":"Too Many Requests","status":429}"#;
        let failure = failure(429, body, Some(7));
        assert_eq!(failure.verdict, VerdictKind::RateLimited);
        assert_eq!(failure.retry_after_s, Some(7));
        let failure = super::failure(502, b"<html>bad gateway</html>", None);
        assert_eq!(failure.verdict, VerdictKind::Retry);
        assert_eq!(
            super::failure(401, b"", None).verdict,
            VerdictKind::Reconnect
        );
    }
}
