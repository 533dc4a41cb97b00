//! Field validation: every rule that decides whether a form may be saved.
//!
//! Errors block saving; warnings (unofficial format conventions) are shown but do not.

use serde::Serialize;

use crate::catalog::{FieldKind, FieldSpec, Provider, ProviderSpec, Requirement};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem with one field, in words a practice manager can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FieldIssue {
    pub field: String,
    pub message: String,
    pub severity: Severity,
}

impl FieldIssue {
    pub fn error(field: &str, message: impl Into<String>) -> Self {
        FieldIssue {
            field: field.to_owned(),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    pub fn warning(field: &str, message: impl Into<String>) -> Self {
        FieldIssue {
            field: field.to_owned(),
            message: message.into(),
            severity: Severity::Warning,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

pub const NAME_MAX_CHARS: usize = 80;
pub const BASE_URL_MAX_CHARS: usize = 2048;
const TOKEN_PUNCTUATION: &str = "-_.~+/=:";

/// The display name: required, one line, at most 80 characters, no markup.
pub fn name(raw: &str) -> Result<String, FieldIssue> {
    let value = raw.trim();
    let field = "name";
    if value.is_empty() {
        return Err(FieldIssue::error(field, "Name is required."));
    }
    if value.chars().count() > NAME_MAX_CHARS {
        return Err(FieldIssue::error(
            field,
            format!("Name is too long: at most {NAME_MAX_CHARS} characters."),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldIssue::error(
            field,
            "Name must not contain control characters or line breaks.",
        ));
    }
    if value.contains(['<', '>']) {
        return Err(FieldIssue::error(field, "Name must not contain < or >."));
    }
    Ok(value.to_owned())
}

/// The custom base URL under "Advanced". `None` or blank means the environment's own URL.
/// HTTPS only, except plain HTTP to this computer (local proxies and test servers).
pub fn base_url(raw: Option<&str>) -> Result<Option<String>, FieldIssue> {
    let field = "base_url";
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let fail = |m: &str| Err(FieldIssue::error(field, m.to_owned()));
    if value.chars().count() > BASE_URL_MAX_CHARS {
        return fail("Custom base URL is too long: at most 2048 characters.");
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return fail("Custom base URL must not contain spaces or control characters.");
    }
    let Ok(url) = url::Url::parse(value) else {
        return fail(
            "Custom base URL is not a valid URL; it must look like https://api.example.com.",
        );
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return fail(
            "Custom base URL must use https://. Plain http:// is only allowed to this computer \
                 (localhost or 127.0.0.1).",
        ),
        _ => {
            return fail(
                "Custom base URL must start with https:// (other schemes are not allowed).",
            )
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return fail("Custom base URL must include a host name.");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return fail("Custom base URL must not contain a user name or password.");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return fail("Custom base URL must not contain ? or #.");
    }
    Ok(Some(url.as_str().trim_end_matches('/').to_owned()))
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

pub fn environment(spec: &ProviderSpec, raw: &str) -> Result<String, FieldIssue> {
    let value = raw.trim();
    if spec.environment(value).is_some() {
        return Ok(value.to_owned());
    }
    let names: Vec<&str> = spec.environments.iter().map(|e| e.name).collect();
    Err(FieldIssue::error(
        "environment",
        format!("Environment must be one of: {}.", names.join(", ")),
    ))
}

/// Whether `field` must have a value, given the other values of the form.
pub fn is_required(field: &FieldSpec, value_of: impl Fn(&str) -> Option<String>) -> bool {
    match field.requirement {
        Requirement::Required => true,
        Requirement::Optional => false,
        Requirement::RequiredWhen { field, equals } => value_of(field).as_deref() == Some(equals),
    }
}

/// Whether `field` takes part in the form at all, given the other values (an API key secret is
/// ignored when signing in with the Auth Token).
pub fn is_active(field: &FieldSpec, value_of: impl Fn(&str) -> Option<String>) -> bool {
    match field.requirement {
        Requirement::RequiredWhen { field, equals } => value_of(field).as_deref() == Some(equals),
        _ => true,
    }
}

/// Checks one present value against its field's rules. Returns the normalised value (trimmed)
/// and any warnings, or the first error.
pub fn field_value(
    provider: Provider,
    field: &FieldSpec,
    raw: &str,
) -> Result<(String, Vec<FieldIssue>), FieldIssue> {
    let label = field.label;
    let name = field.name;
    let value = raw.trim();
    let err = |m: String| Err(FieldIssue::error(name, m));
    if value.is_empty() {
        return err(format!("{label} is required."));
    }
    if value.chars().count() > field.max_len as usize {
        return err(format!(
            "{label} is too long: at most {} characters.",
            field.max_len
        ));
    }
    if field.kind == FieldKind::SmsTemplate {
        // Free text: any characters a text may carry (the segment count says what they cost).
        return crate::sms::Template::parse(name, value).map(|_| {
            (
                value.to_owned(),
                crate::sms::Template::warnings(name, value),
            )
        });
    }
    if value.chars().any(char::is_control) {
        return err(format!(
            "{label} must not contain control characters or line breaks."
        ));
    }
    if !value.is_ascii() {
        return err(format!(
            "{label} must contain only plain ASCII characters (no accents or symbols)."
        ));
    }
    if value.contains(char::is_whitespace) {
        return err(format!("{label} must not contain spaces."));
    }
    let mut warnings = Vec::new();
    match field.kind {
        FieldKind::TwilioSid { prefix } => {
            if let Err(m) = twilio_sid(label, prefix, value) {
                return err(m);
            }
        }
        FieldKind::TwilioSender => {
            if value.starts_with("MG") {
                if let Err(m) = twilio_sid(label, "MG", value) {
                    return err(m);
                }
            } else if !is_e164(value) {
                return err(format!(
                    "{label} must be a phone number in international form, + then the country \
                     code and number, up to 15 digits (e.g. +15551234567), or a Messaging \
                     Service SID starting with MG."
                ));
            }
        }
        FieldKind::Token => {
            if let Some(bad) = value
                .chars()
                .find(|c| !c.is_ascii_alphanumeric() && !TOKEN_PUNCTUATION.contains(*c))
            {
                return err(format!(
                    "{label} contains '{bad}', which never appears in a {} credential; it may \
                     only contain letters, digits and {TOKEN_PUNCTUATION}.",
                    provider_name(provider)
                ));
            }
            if value.len() < 2 {
                return err(format!("{label} is too short."));
            }
            warnings.extend(unofficial_format_warning(provider, name, value));
        }
        FieldKind::SquareLocationId => {
            if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
                return err(format!("{label} may only contain letters and digits."));
            }
        }
        FieldKind::ApiVersionDate => {
            let shape_ok = value.len() == 10
                && value.char_indices().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            if !shape_ok || value.parse::<jiff::civil::Date>().is_err() {
                return err(format!(
                    "{label} must be a date written YYYY-MM-DD, e.g. 2026-08-19."
                ));
            }
        }
        FieldKind::Digits => {
            if !value.chars().all(|c| c.is_ascii_digit()) {
                return err(format!("{label} must contain digits only."));
            }
        }
        FieldKind::Choice { options } => {
            if !options.iter().any(|o| o.value == value) {
                let values: Vec<&str> = options.iter().map(|o| o.value).collect();
                return err(format!("{label} must be one of: {}.", values.join(", ")));
            }
        }
        FieldKind::SmsTemplate => {}
        FieldKind::TimeOfDay => {
            let ok = value.len() == 5
                && value.as_bytes()[2] == b':'
                && value[..2].parse::<u8>().is_ok_and(|h| h < 24)
                && value[3..].parse::<u8>().is_ok_and(|m| m < 60);
            if !ok {
                return err(format!("{label} must be a time written HH:MM, e.g. 21:00."));
            }
        }
        FieldKind::TimeZone => {
            if let Err(e) = crate::sms::time_zone(name, value) {
                return err(e.message);
            }
        }
        FieldKind::Number { min, max } => match value.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => {}
            _ => {
                return err(format!(
                    "{label} must be a whole number from {min} to {max}."
                ))
            }
        },
    }
    Ok((value.to_owned(), warnings))
}

fn twilio_sid(label: &str, prefix: &str, value: &str) -> Result<(), String> {
    if !value.starts_with(prefix) {
        return Err(format!("{label} must start with {prefix}."));
    }
    if value.len() != 34 {
        return Err(format!(
            "{label} must be 34 characters long: {prefix} followed by 32 hexadecimal digits (it \
             has {}).",
            value.len()
        ));
    }
    if !value[2..].chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "{label} may only contain hexadecimal digits (0-9, a-f) after {prefix}."
        ));
    }
    Ok(())
}

/// E.164: `+`, a non-zero digit, at most 15 digits in all.
fn is_e164(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Conventions seen in practice but not documented by the provider: worth a warning, never a
/// refusal.
fn unofficial_format_warning(provider: Provider, field: &str, value: &str) -> Option<FieldIssue> {
    match (provider, field) {
        (Provider::Twilio, "auth_token")
            if value.len() != 32 || !value.chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            Some(FieldIssue::warning(
                field,
                "Twilio Auth Tokens are usually 32 hexadecimal characters. Check that you copied \
                 all of it; you can still save.",
            ))
        }
        (Provider::Square, "access_token") if !value.starts_with("EAA") => Some(FieldIssue::warning(
            field,
            "Square access tokens usually start with EAA. Check that this is the access token, \
             not the application ID or secret; you can still save.",
        )),
        _ => None,
    }
}

fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Twilio => "Twilio",
        Provider::Square => "Square",
        Provider::Quickbooks => "QuickBooks",
    }
}
