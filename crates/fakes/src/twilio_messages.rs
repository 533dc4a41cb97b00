//! Fake Twilio Messages: `POST …/Messages.json` (form-encoded) and `GET …/Messages/{Sid}.json`.
//!
//! Every created message is recorded ([`FakeMessage`]), so a test can count what was sent to a
//! number. A message's status moves one step per fetch, along the path its recipient is
//! configured for ([`Recipient`], default delivered): `queued → sending → sent → delivered`, or
//! `… → sent → undelivered` / `… → sending → failed` with an error code, or stays at `sent`.
//! With a Messaging Service it starts at `accepted` with `num_segments` `"0"`.
//!
//! Accounts registered as test credentials ([`crate::FakeProviders::twilio_test_account`]) follow
//! sync-apis.md §1.4: the magic numbers decide, and every fetch is 403 20008.

use std::collections::{BTreeMap, BTreeSet};

use axum::{http::StatusCode, response::Response};
use serde::{Deserialize, Serialize};

use crate::{respond, routes::Req, state::Shared, twilio};

/// The sender every fresh fake owns (Twilio's magic number that passes validation).
pub const DEFAULT_SENDER: &str = twilio::MAGIC_FROM_OK;

/// What happens to a message sent to a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Recipient {
    /// queued → sending → sent → delivered.
    #[default]
    Delivered,
    /// queued → sending → sent, and no receipt ever comes.
    StaysSent,
    /// queued → sending → sent → undelivered with `error_code` (30003–30008, 30034).
    Undelivered { error_code: u32 },
    /// queued → sending → failed with `error_code`.
    Failed { error_code: u32 },
    /// Refused at create: 400 with this code (21211, 21408, 21606, 21610, 21612, 21614).
    Rejected { code: u32 },
}

/// A message the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeMessage {
    pub sid: String,
    pub account_sid: String,
    pub to: String,
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub body: String,
    pub validity_period: Option<String>,
    pub status: String,
    pub error_code: Option<u32>,
    pub num_segments: u32,
    /// Sent with test credentials: nothing would be delivered.
    pub test_credentials: bool,
    pub fetches: u32,
}

#[derive(Default)]
pub(crate) struct TwilioMessages {
    pub(crate) test_accounts: BTreeSet<String>,
    /// `None`: only [`DEFAULT_SENDER`].
    pub(crate) senders: Option<BTreeSet<String>>,
    pub(crate) recipients: BTreeMap<String, Recipient>,
    pub(crate) messages: Vec<FakeMessage>,
    pub(crate) created: u64,
}

impl TwilioMessages {
    fn owns_sender(&self, from: &str) -> bool {
        match &self.senders {
            Some(senders) => senders.contains(from),
            None => from == DEFAULT_SENDER,
        }
    }
}

/// `POST /2010-04-01/Accounts/{sid}/Messages.json`.
pub(crate) fn create(shared: &Shared, req: &Req, account_sid: &str) -> Response {
    let to = req.form_value("To").unwrap_or_default();
    let from = req.form_value("From").filter(|from| !from.is_empty());
    let service = req
        .form_value("MessagingServiceSid")
        .filter(|service| !service.is_empty());
    let body = req.form_value("Body").unwrap_or_default();
    if req
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json"))
    {
        return twilio::error(
            StatusCode::BAD_REQUEST,
            21604,
            "A 'To' phone number is required.",
        );
    }
    if to.is_empty() {
        return twilio::error(
            StatusCode::BAD_REQUEST,
            21604,
            "A 'To' phone number is required.",
        );
    }
    if from.is_none() && service.is_none() {
        return twilio::error(
            StatusCode::BAD_REQUEST,
            21603,
            "A 'From' phone number is required.",
        );
    }
    if body.chars().count() > 1600 {
        return twilio::error(
            StatusCode::BAD_REQUEST,
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        );
    }
    let test = req
        .basic_auth()
        .is_some_and(|(user, _)| shared.lock().twilio_messages.test_accounts.contains(&user))
        || shared
            .lock()
            .twilio_messages
            .test_accounts
            .contains(account_sid);
    if let Some(from) = &from {
        let owned = test && from == DEFAULT_SENDER
            || !test && shared.lock().twilio_messages.owns_sender(from);
        if let Some((code, message)) = rejected_from(from, &to, owned) {
            return twilio::error(StatusCode::BAD_REQUEST, code, &message);
        }
    }
    let sender = from.as_deref().unwrap_or_default();
    if let Some((code, message)) = rejected_to(&to, sender) {
        return twilio::error(StatusCode::BAD_REQUEST, code, &message);
    }
    let recipient = shared
        .lock()
        .twilio_messages
        .recipients
        .get(&to)
        .copied()
        .unwrap_or_default();
    if !test {
        if !is_e164(&to) {
            return twilio::error(
                StatusCode::BAD_REQUEST,
                21211,
                &format!("The 'To' number {to} is not a valid phone number."),
            );
        }
        if let Recipient::Rejected { code } = recipient {
            let message = rejection_message(code, &to, sender);
            return twilio::error(StatusCode::BAD_REQUEST, code, &message);
        }
    }
    let mut state = shared.lock();
    state.twilio_messages.created += 1;
    let sid = format!("SM{:032x}", state.twilio_messages.created);
    let message = FakeMessage {
        sid,
        account_sid: account_sid.to_owned(),
        to,
        from,
        status: if service.is_some() {
            "accepted"
        } else {
            "queued"
        }
        .to_owned(),
        messaging_service_sid: service,
        num_segments: segments(&body),
        body,
        validity_period: req.form_value("ValidityPeriod"),
        error_code: None,
        test_credentials: test,
        fetches: 0,
    };
    let answer = message_body(&message);
    state.twilio_messages.messages.push(message);
    respond::json(StatusCode::CREATED, answer)
}

/// `GET /2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json`: one step further each time.
pub(crate) fn fetch(shared: &Shared, req: &Req, account_sid: &str, message_sid: &str) -> Response {
    let mut state = shared.lock();
    let user = req.basic_auth().map(|(user, _)| user).unwrap_or_default();
    if state.twilio_messages.test_accounts.contains(&user)
        || state.twilio_messages.test_accounts.contains(account_sid)
    {
        return twilio::error(
            StatusCode::FORBIDDEN,
            20008,
            "Resource not accessible with Test Account Credentials",
        );
    }
    let recipients = state.twilio_messages.recipients.clone();
    let Some(message) = state
        .twilio_messages
        .messages
        .iter_mut()
        .find(|m| m.sid == message_sid && m.account_sid == account_sid)
    else {
        return twilio::error(
            StatusCode::NOT_FOUND,
            20404,
            &format!("The requested resource {} was not found", req.path),
        );
    };
    message.fetches += 1;
    let recipient = recipients.get(&message.to).copied().unwrap_or_default();
    let (status, error_code) = next(&message.status, recipient);
    message.status = status.to_owned();
    message.error_code = error_code;
    respond::json(StatusCode::OK, message_body(message))
}

/// The status after `status` for a message to `recipient`.
fn next(status: &str, recipient: Recipient) -> (&'static str, Option<u32>) {
    match (status, recipient) {
        ("accepted", _) => ("queued", None),
        ("queued", _) => ("sending", None),
        ("sending", Recipient::Failed { error_code }) => ("failed", Some(error_code)),
        ("sending", _) => ("sent", None),
        ("sent", Recipient::Delivered | Recipient::Rejected { .. }) => ("delivered", None),
        ("sent", Recipient::Undelivered { error_code }) => ("undelivered", Some(error_code)),
        ("sent", Recipient::StaysSent | Recipient::Failed { .. }) => ("sent", None),
        ("delivered", _) => ("delivered", None),
        ("undelivered", Recipient::Undelivered { error_code }) => ("undelivered", Some(error_code)),
        ("failed", Recipient::Failed { error_code }) => ("failed", Some(error_code)),
        (_, _) => ("delivered", None),
    }
}

fn rejected_from(from: &str, to: &str, owned: bool) -> Option<(u32, String)> {
    match from {
        "+15005550001" => Some((
            21212,
            format!("The 'From' number {from} is not a valid phone number, shortcode, or alphanumeric sender ID."),
        )),
        "+15005550008" => Some((
            21611,
            "This 'From' number has exceeded the maximum number of queued messages".to_owned(),
        )),
        _ if owned => None,
        // +15005550007 and every number the account does not own.
        _ => Some((21606, rejection_message(21606, to, from))),
    }
}

fn rejected_to(to: &str, from: &str) -> Option<(u32, String)> {
    let code = match to {
        "+15005550001" => 21211,
        "+15005550002" => 21612,
        "+15005550003" => 21408,
        "+15005550004" => 21610,
        "+15005550009" => 21614,
        _ => return None,
    };
    Some((code, rejection_message(code, to, from)))
}

/// Twilio's message for each synchronous refusal (twilio.com/docs/api/errors).
fn rejection_message(code: u32, to: &str, from: &str) -> String {
    match code {
        21211 => format!("The 'To' number {to} is not a valid phone number."),
        21408 => format!("Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}."),
        21606 => format!("The 'From' phone number provided ({from}) is not a valid message-capable Twilio phone number for this destination ({to})."),
        21610 => "Attempt to send to unsubscribed recipient".to_owned(),
        21612 => format!("The 'To' phone number: {to}, is not currently reachable using the 'From' phone number: {from} via SMS."),
        21614 => format!("'To' number {to} is not a valid mobile number"),
        _ => format!("Message to {to} refused"),
    }
}

fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// GSM-7's basic set; any other character makes the whole message UCS-2.
const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM-7's extension table: each costs two septets.
const GSM7_EXTENDED: &str = "^{}\\[~]|€\x0c";

/// Segments per sync-apis.md §1.5: GSM-7 160 / 153 per part, else UCS-2 70 / 67 (UTF-16 units).
pub fn segments(body: &str) -> u32 {
    let gsm: Option<usize> = body
        .chars()
        .map(|c| {
            if GSM7.contains(c) {
                Some(1)
            } else if GSM7_EXTENDED.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (units, single, part) = match gsm {
        Some(septets) => (septets, 160, 153),
        None => (body.encode_utf16().count(), 70, 67),
    };
    let count = if units <= single {
        1
    } else {
        units.div_ceil(part)
    };
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The official message resource with this message's values (twilio-oai `api.v2010.account.message`).
fn message_body(message: &FakeMessage) -> String {
    let base = format!(
        "/2010-04-01/Accounts/{}/Messages/{}",
        message.account_sid, message.sid
    );
    let sent = matches!(
        message.status.as_str(),
        "sent" | "delivered" | "undelivered"
    );
    // Twilio's price is a negative string per segment, null until sent.
    let price = sent.then(|| {
        let hundred_thousandths = 750 * u64::from(message.num_segments);
        format!(
            "-{}.{:05}",
            hundred_thousandths / 100_000,
            hundred_thousandths % 100_000
        )
    });
    let segments = if message.status == "accepted" {
        0
    } else {
        message.num_segments
    };
    serde_json::json!({
        "account_sid": message.account_sid,
        "api_version": "2010-04-01",
        "body": message.body,
        "date_created": "Thu, 30 Jul 2015 20:12:31 +0000",
        "date_sent": if sent { serde_json::Value::from("Thu, 30 Jul 2015 20:12:33 +0000") } else { serde_json::Value::Null },
        "date_updated": "Thu, 30 Jul 2015 20:12:33 +0000",
        "direction": "outbound-api",
        "error_code": message.error_code,
        "error_message": message.error_code.map(|_| serde_json::Value::Null),
        "from": message.from,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": "0",
        "num_segments": segments.to_string(),
        "price": price,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status,
        "subresource_uris": {"media": format!("{base}/Media.json")},
        "to": message.to,
        "uri": format!("{base}.json")
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_gsm7_and_ucs2_sizes() {
        assert_eq!(segments(""), 1);
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"a".repeat(306)), 2);
        assert_eq!(segments(&"a".repeat(307)), 3);
        assert_eq!(segments(&"€".repeat(80)), 1);
        assert_eq!(segments(&"€".repeat(81)), 2);
        assert_eq!(segments(&"é".repeat(70)), 1);
        assert_eq!(segments(&format!("{}👍", "a".repeat(60))), 1);
        assert_eq!(segments(&format!("{}👍", "a".repeat(69))), 2);
    }

    #[test]
    fn status_paths() {
        let walk = |recipient| {
            let mut status = "queued";
            let mut seen = vec![status];
            for _ in 0..4 {
                status = next(status, recipient).0;
                seen.push(status);
            }
            seen
        };
        assert_eq!(
            walk(Recipient::Delivered),
            ["queued", "sending", "sent", "delivered", "delivered"]
        );
        assert_eq!(
            walk(Recipient::Undelivered { error_code: 30003 }),
            ["queued", "sending", "sent", "undelivered", "undelivered"]
        );
        assert_eq!(
            walk(Recipient::Failed { error_code: 30007 }),
            ["queued", "sending", "failed", "failed", "failed"]
        );
        assert_eq!(
            walk(Recipient::StaysSent),
            ["queued", "sending", "sent", "sent", "sent"]
        );
    }

    #[test]
    fn e164() {
        assert!(is_e164("+14155552345"));
        for bad in ["14155552345", "+1", "+0123456789", "+1415555abcd", ""] {
            assert!(!is_e164(bad), "{bad}");
        }
    }
}
