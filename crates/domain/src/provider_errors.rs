//! What a provider's refusal means for the job that made the call: retry later, wait for the rate
//! limit, give up (permanent, with the reason in plain words), or ask the manager to reconnect.
//!
//! One table per provider, keyed by the code the provider sends (Twilio's numeric `code`,
//! QuickBooks' `Fault.Error[].code` string, Square's `errors[].code`), and a fallback on the HTTP
//! status for codes not in a table. Facts and sources: `shared/reference/sync-apis.md` §1.3, §2.7,
//! §3.3 and `providers.md`.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// What to do after a failed provider call. Stored by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// A passing failure (network, 5xx, a transient carrier error): try again on the schedule.
    Retry,
    /// The provider asked us to slow down: pause this integration's lane, then try again.
    RateLimited,
    /// Trying again cannot help (bad number, duplicate, validation): stop, say why.
    Permanent,
    /// The credentials were refused: nothing works until the manager reconnects.
    Reconnect,
}

impl VerdictKind {
    pub const ALL: [VerdictKind; 4] = [
        VerdictKind::Retry,
        VerdictKind::RateLimited,
        VerdictKind::Permanent,
        VerdictKind::Reconnect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Retry => "retry",
            VerdictKind::RateLimited => "rate_limited",
            VerdictKind::Permanent => "permanent",
            VerdictKind::Reconnect => "reconnect",
        }
    }

    pub fn parse(field: &str, name: &str) -> Result<VerdictKind, Invalid> {
        VerdictKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| Invalid::new(field, format!("unknown verdict {name:?}")))
    }
}

/// One provider code: what it means for a retry, and what it means in words a clinic understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct CodeRule {
    pub code: &'static str,
    pub kind: VerdictKind,
    pub meaning: &'static str,
}

const fn rule(code: &'static str, kind: VerdictKind, meaning: &'static str) -> CodeRule {
    CodeRule {
        code,
        kind,
        meaning,
    }
}

use VerdictKind::{Permanent, RateLimited, Reconnect, Retry};

/// Twilio error codes (sync-apis.md §1.3, providers.md §1.4): synchronous 4xx at create and the
/// asynchronous `error_code` of a failed or undelivered message.
pub const TWILIO: &[CodeRule] = &[
    rule(
        "20003",
        Reconnect,
        "Twilio refused the credentials (wrong SID or token, or the account is suspended)",
    ),
    rule(
        "20008",
        Permanent,
        "test credentials cannot read message status",
    ),
    rule(
        "20404",
        Permanent,
        "Twilio does not know this resource (check the account SID)",
    ),
    rule(
        "20429",
        RateLimited,
        "Twilio asked us to slow down (too many requests at once)",
    ),
    rule("20500", Retry, "Twilio had an internal error"),
    rule("20503", Retry, "Twilio was temporarily unavailable"),
    rule("21211", Permanent, "not a valid phone number"),
    rule("21212", Permanent, "the sender is not a valid phone number"),
    rule(
        "21408",
        Permanent,
        "texting this country is not enabled on the Twilio account (geographic permissions)",
    ),
    rule(
        "21603",
        Permanent,
        "no sender number or messaging service is configured",
    ),
    rule("21604", Permanent, "no phone number to send to"),
    rule(
        "21606",
        Permanent,
        "the sender is not an SMS-capable number of this Twilio account",
    ),
    rule(
        "21610",
        Permanent,
        "the recipient replied STOP to this sender and has opted out",
    ),
    rule(
        "21611",
        Retry,
        "the sender's queue is full (more than 10 hours of messages waiting)",
    ),
    rule(
        "21612",
        Permanent,
        "this number cannot be reached from this sender",
    ),
    rule("21614", Permanent, "not a mobile number"),
    rule("21635", Permanent, "a landline, which cannot receive texts"),
    rule(
        "14107",
        Retry,
        "too many messages between the same two numbers in a short time",
    ),
    rule("30001", Retry, "the sender's queue overflowed"),
    rule(
        "30003",
        Retry,
        "the phone was unreachable (off or out of coverage)",
    ),
    rule(
        "30004",
        Permanent,
        "the recipient blocked the message (opt-out, block list or do-not-disturb)",
    ),
    rule(
        "30005",
        Permanent,
        "unknown number: the phone may no longer exist",
    ),
    rule(
        "30006",
        Permanent,
        "a landline or a carrier that cannot receive texts",
    ),
    rule(
        "30007",
        Permanent,
        "the carrier filtered the message as spam or against policy",
    ),
    rule("30008", Retry, "an unknown error at the carrier"),
    rule(
        "30034",
        Permanent,
        "the sender is an unregistered US 10DLC number (register the campaign in Twilio)",
    ),
];

/// QuickBooks Online fault codes (sync-apis.md §2.7).
pub const QUICKBOOKS: &[CodeRule] = &[
    rule("610", Permanent, "QuickBooks could not find an object this refers to (it may be inactive or deleted)"),
    rule("2020", Permanent, "QuickBooks says a required field is missing"),
    rule("2500", Permanent, "QuickBooks does not know a referenced id (a customer, item or account that is inactive or gone)"),
    rule("4000", Permanent, "QuickBooks could not parse the query"),
    rule("5010", Retry, "the QuickBooks object changed meanwhile (stale SyncToken); read it again and retry"),
    rule("6000", Permanent, "QuickBooks refused the transaction (a business rule)"),
    rule("6140", Permanent, "an invoice with this number already exists in QuickBooks"),
    rule("6210", Permanent, "QuickBooks refused the document number or the accounting period is closed"),
    rule("6240", Permanent, "a customer, vendor or employee with this name already exists in QuickBooks"),
    rule("3200", Reconnect, "QuickBooks refused the access token"),
    rule("3100", Reconnect, "the app is not authorised for this QuickBooks company"),
    rule("3001", RateLimited, "QuickBooks' request limit was reached"),
    rule("10000", Retry, "QuickBooks had an internal error"),
];

/// Square error codes (sync-apis.md §3.3, providers.md §2.4).
pub const SQUARE: &[CodeRule] = &[
    rule("UNAUTHORIZED", Reconnect, "Square refused the access token"),
    rule(
        "ACCESS_TOKEN_EXPIRED",
        Reconnect,
        "the Square access token has expired",
    ),
    rule(
        "ACCESS_TOKEN_REVOKED",
        Reconnect,
        "the Square access token was revoked",
    ),
    rule(
        "INSUFFICIENT_SCOPES",
        Reconnect,
        "the Square connection lacks a permission (PAYMENTS_READ)",
    ),
    rule("RATE_LIMITED", RateLimited, "Square asked us to slow down"),
    rule(
        "INVALID_CURSOR",
        Permanent,
        "Square no longer accepts this page cursor; start the listing again",
    ),
    rule(
        "INVALID_TIME_RANGE",
        Permanent,
        "the time range asked of Square is invalid",
    ),
    rule(
        "IDEMPOTENCY_KEY_REUSED",
        Permanent,
        "the same idempotency key was used for a different request",
    ),
    rule(
        "NOT_FOUND",
        Permanent,
        "Square does not know this object (check the location)",
    ),
    rule(
        "INTERNAL_SERVER_ERROR",
        Retry,
        "Square had an internal error",
    ),
    rule(
        "SERVICE_UNAVAILABLE",
        Retry,
        "Square was temporarily unavailable",
    ),
];

/// The Twilio rule for `code`, if the table has one.
pub fn twilio(code: u32) -> Option<&'static CodeRule> {
    let code = code.to_string();
    TWILIO.iter().find(|rule| rule.code == code)
}

pub fn quickbooks(code: &str) -> Option<&'static CodeRule> {
    // Gateway bodies write the code with leading zeros ("errorCode=003001").
    let code = code.trim().trim_start_matches('0');
    QUICKBOOKS.iter().find(|rule| rule.code == code)
}

pub fn square(code: &str) -> Option<&'static CodeRule> {
    SQUARE.iter().find(|rule| rule.code == code)
}

/// The verdict for an answer whose code no table knows: 401 reconnect, 429 rate-limited, 408, 409
/// and 5xx retry, any other 4xx permanent (sending the same request again gets the same answer).
pub fn by_status(status: u16) -> VerdictKind {
    match status {
        401 => Reconnect,
        429 => RateLimited,
        408 | 409 | 425 => Retry,
        500..=599 => Retry,
        400..=499 => Permanent,
        _ => Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(rule: Option<&CodeRule>) -> Option<VerdictKind> {
        rule.map(|rule| rule.kind)
    }

    #[test]
    fn twilio_codes_at_create_are_permanent_with_their_meaning() {
        for (code, meaning) in [
            (21211, "not a valid phone number"),
            (21408, "geographic permissions"),
            (21606, "SMS-capable"),
            (21610, "opted out"),
            (21612, "cannot be reached"),
            (21614, "not a mobile number"),
        ] {
            let rule = twilio(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(rule.kind, Permanent, "{code}");
            assert!(rule.meaning.contains(meaning), "{code}: {}", rule.meaning);
        }
    }

    #[test]
    fn twilio_async_codes_split_into_transient_and_final() {
        assert_eq!(kind(twilio(30003)), Some(Retry));
        assert_eq!(kind(twilio(30008)), Some(Retry));
        assert_eq!(kind(twilio(30001)), Some(Retry));
        assert_eq!(kind(twilio(14107)), Some(Retry));
        assert_eq!(kind(twilio(30004)), Some(Permanent));
        assert_eq!(kind(twilio(30005)), Some(Permanent));
        assert_eq!(kind(twilio(30006)), Some(Permanent));
        assert_eq!(kind(twilio(30007)), Some(Permanent));
        assert_eq!(kind(twilio(30034)), Some(Permanent));
    }

    #[test]
    fn twilio_auth_throttle_and_queue_codes() {
        assert_eq!(kind(twilio(20003)), Some(Reconnect));
        assert_eq!(kind(twilio(20429)), Some(RateLimited));
        assert_eq!(kind(twilio(21611)), Some(Retry));
        assert_eq!(kind(twilio(20008)), Some(Permanent));
        assert!(twilio(20008).is_some_and(|r| r.meaning.contains("test credentials")));
        assert_eq!(twilio(99999), None);
    }

    #[test]
    fn quickbooks_codes() {
        for code in ["610", "2020", "2500", "6000", "6140", "6240", "4000"] {
            assert_eq!(kind(quickbooks(code)), Some(Permanent), "{code}");
        }
        assert_eq!(kind(quickbooks("5010")), Some(Retry));
        assert_eq!(kind(quickbooks("10000")), Some(Retry));
        assert_eq!(kind(quickbooks("3200")), Some(Reconnect));
        assert_eq!(kind(quickbooks("3100")), Some(Reconnect));
        assert_eq!(kind(quickbooks("3001")), Some(RateLimited));
        assert_eq!(kind(quickbooks("003001")), Some(RateLimited));
        assert!(quickbooks("6240").is_some_and(|r| r.meaning.contains("already exists")));
        assert_eq!(quickbooks("1"), None);
    }

    #[test]
    fn square_codes() {
        for code in [
            "UNAUTHORIZED",
            "ACCESS_TOKEN_EXPIRED",
            "ACCESS_TOKEN_REVOKED",
            "INSUFFICIENT_SCOPES",
        ] {
            assert_eq!(kind(square(code)), Some(Reconnect), "{code}");
        }
        assert_eq!(kind(square("RATE_LIMITED")), Some(RateLimited));
        assert_eq!(kind(square("INVALID_CURSOR")), Some(Permanent));
        assert_eq!(kind(square("INVALID_TIME_RANGE")), Some(Permanent));
        assert_eq!(kind(square("IDEMPOTENCY_KEY_REUSED")), Some(Permanent));
        assert_eq!(kind(square("SERVICE_UNAVAILABLE")), Some(Retry));
        assert_eq!(square("BAD_REQUEST"), None);
    }

    #[test]
    fn unknown_codes_fall_back_on_the_status() {
        assert_eq!(by_status(401), Reconnect);
        assert_eq!(by_status(429), RateLimited);
        assert_eq!(by_status(400), Permanent);
        assert_eq!(by_status(404), Permanent);
        assert_eq!(by_status(408), Retry);
        assert_eq!(by_status(500), Retry);
        assert_eq!(by_status(503), Retry);
    }

    #[test]
    fn verdict_names_round_trip_and_unknown_is_an_error() {
        for kind in VerdictKind::ALL {
            assert_eq!(VerdictKind::parse("verdict", kind.as_str()), Ok(kind));
        }
        let error = VerdictKind::parse("verdict", "later").unwrap_err();
        assert_eq!(error.field, "verdict");
    }

    #[test]
    fn every_table_has_unique_codes_and_a_meaning() {
        for table in [TWILIO, QUICKBOOKS, SQUARE] {
            let mut codes: Vec<_> = table.iter().map(|rule| rule.code).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), table.len());
            assert!(table.iter().all(|rule| !rule.meaning.is_empty()));
        }
    }
}
