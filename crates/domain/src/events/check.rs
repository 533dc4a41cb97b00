//! Checking an event's `data` against its catalogue entry at ingest: every field that is present
//! must have its type; absent and unknown fields are fine.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{spec, Field, FieldType};
use crate::money::{Currency, Money};

/// A value at a JSON path (`data.lines[1].amount`) that breaks the catalogue, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PathIssue {
    pub path: String,
    pub message: String,
}

impl PathIssue {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        PathIssue {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for PathIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.path, self.message)
    }
}

/// Checks `data` (the event's `data` object) against `event_type`'s schema. Every issue is
/// named by its path from the event (`data.total`), in field order.
pub fn check_data(event_type: &str, data: &Value) -> Result<(), Vec<PathIssue>> {
    let Some(spec) = spec(event_type) else {
        return Err(vec![PathIssue::new(
            "type",
            format!("“{event_type}” is not an event type"),
        )]);
    };
    let mut issues = Vec::new();
    match data.as_object() {
        Some(object) => check_fields(spec.fields, object, "data", &mut issues),
        None => issues.push(PathIssue::new(
            "data",
            format!("must be a JSON object, not {}", kind_of(data)),
        )),
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(issues)
    }
}

fn check_fields(fields: &[Field], object: &Map<String, Value>, at: &str, out: &mut Vec<PathIssue>) {
    for field in fields {
        if let Some(value) = object.get(field.name) {
            check_value(field.ty, value, &format!("{at}.{}", field.name), out);
        }
    }
}

fn check_value(ty: FieldType, value: &Value, path: &str, out: &mut Vec<PathIssue>) {
    let result = match ty {
        FieldType::Object(fields) => match value.as_object() {
            Some(object) => {
                check_fields(fields, object, path, out);
                Ok(())
            }
            None => Err(format!("must be an object, not {}", kind_of(value))),
        },
        FieldType::Array(fields) => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{path}[{i}]");
                    match item.as_object() {
                        Some(object) => check_fields(fields, object, &at, out),
                        None => out.push(PathIssue::new(
                            at,
                            format!("must be an object, not {}", kind_of(item)),
                        )),
                    }
                }
                Ok(())
            }
            None => Err(format!(
                "must be an array of objects, not {}",
                kind_of(value)
            )),
        },
        scalar => check_scalar(scalar, value),
    };
    if let Err(message) = result {
        out.push(PathIssue::new(path, message));
    }
}

/// A scalar field's check: `Err` says what the value must be.
pub(crate) fn check_scalar(ty: FieldType, value: &Value) -> Result<(), String> {
    let want_string = |what: &str| match value {
        Value::String(_) => None,
        other => Some(format!("must be {what}, not {}", kind_of(other))),
    };
    match ty {
        FieldType::String => want_string("a string").map_or(Ok(()), Err),
        FieldType::Bool => match value {
            Value::Bool(_) => Ok(()),
            other => Err(format!("must be true or false, not {}", kind_of(other))),
        },
        FieldType::Integer => {
            if is_integer(value) {
                Ok(())
            } else {
                Err(format!("must be a whole number, not {}", kind_of(value)))
            }
        }
        FieldType::Money => match value {
            Value::String(s) => Money::parse(s).map(|_| ()).map_err(|e| e.to_string()),
            Value::Number(_) => Err(
                "must be an amount written as a string, like \"84.50\", not a number: amounts \
                 are exact decimals"
                    .to_owned(),
            ),
            other => Err(format!(
                "must be an amount written as a string, like \"84.50\", not {}",
                kind_of(other)
            )),
        },
        FieldType::Currency => match value {
            Value::String(s) if Currency::parse(s).is_some() => Ok(()),
            Value::String(s) => Err(format!(
                "must be an ISO 4217 currency code in capitals, like \"USD\"; “{s}” is not one"
            )),
            other => Err(format!(
                "must be a currency code like \"USD\", not {}",
                kind_of(other)
            )),
        },
        FieldType::DateTime => match value {
            Value::String(s) if parse_date_time(s).is_some() => Ok(()),
            _ => Err(format!(
                "must be a date and time with its UTC offset, like \"2026-12-01T15:30:00-05:00\" \
                 or \"2026-12-01T20:30:00Z\"{}",
                not_a_string(value)
            )),
        },
        FieldType::Date => match value {
            Value::String(s) if parse_date(s).is_some() => Ok(()),
            _ => Err(format!(
                "must be a date like \"2026-12-01\"{}",
                not_a_string(value)
            )),
        },
        FieldType::Phone => match value {
            Value::String(s) if is_e164(s) => Ok(()),
            _ => Err(format!(
                "must be a phone number in international (E.164) form, like \"+15551234567\"{}",
                not_a_string(value)
            )),
        },
        FieldType::Quantity => match value {
            Value::String(s) if is_quantity_string(s) => Ok(()),
            v if is_integer(v) => Ok(()),
            _ => Err(format!(
                "must be a whole number like 2 or a decimal string like \"0.5\" (at most four \
                 decimals){}",
                not_a_string(value)
            )),
        },
        FieldType::Enum(values) => match value {
            Value::String(s) if values.contains(&s.as_str()) => Ok(()),
            _ => Err(format!(
                "must be one of {}{}",
                values
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                not_a_string(value)
            )),
        },
        FieldType::Object(_) | FieldType::Array(_) => Ok(()),
    }
}

fn not_a_string(value: &Value) -> String {
    match value {
        Value::String(s) => format!("; “{s}” is not"),
        other => format!(", not {}", kind_of(other)),
    }
}

/// What a JSON value is, in words.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null (leave the field out instead)",
        Value::Bool(_) => "true/false",
        Value::Number(n) if n.is_f64() => "a number with a fraction",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON integer, as JSON Schema counts them (`30` and `30.0`).
pub(crate) fn is_integer(value: &Value) -> bool {
    match value {
        Value::Number(n) => {
            n.is_i64()
                || n.is_u64()
                || n.as_f64()
                    .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
        }
        _ => false,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, a real instant. The same shape is the JSON
/// Schema's `pattern` ([`super::schema::DATE_TIME_PATTERN`]).
pub(crate) fn parse_date_time(s: &str) -> Option<jiff::Timestamp> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let shape = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &fraction[n..];
    }
    let offset_ok = rest == "Z" || {
        let o = rest.as_bytes();
        o.len() == 6
            && (o[0] == b'+' || o[0] == b'-')
            && o[1..3].iter().all(u8::is_ascii_digit)
            && o[3] == b':'
            && o[4..6].iter().all(u8::is_ascii_digit)
    };
    if !offset_ok {
        return None;
    }
    s.parse::<jiff::Timestamp>().ok()
}

/// `YYYY-MM-DD`, a real calendar date.
pub(crate) fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..].iter().all(u8::is_ascii_digit);
    if !shape {
        return None;
    }
    s.parse::<jiff::civil::Date>().ok()
}

/// E.164: `+`, a first digit 1–9, then 1–14 more digits.
pub(crate) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (2..=15).contains(&d.len()) && d.bytes().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// `-?digits(.d{1,4})?` with at most 15 whole digits.
pub(crate) fn is_quantity_string(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    all(whole, 15) && fraction.is_none_or(|f| all(f, 4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(event_type: &str, data: Value) -> Vec<String> {
        check_data(event_type, &data)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|i| i.path)
            .collect()
    }

    #[test]
    fn names_the_path_of_each_bad_field() {
        let data = json!({
            "id": "inv_1", "currency": "usd", "total": 84.5,
            "lines": [{"kind": "service", "amount": "65.00"}, {"kind": "toy", "amount": "1.005"}, 7],
            "issued_on": "2026-02-30",
        });
        assert_eq!(
            paths("invoice.created", data),
            [
                "data.issued_on",
                "data.currency",
                "data.lines[1].kind",
                "data.lines[1].amount",
                "data.lines[2]",
                "data.total"
            ]
        );
    }

    #[test]
    fn absent_and_unknown_fields_are_fine() {
        assert_eq!(check_data("invoice.created", &json!({})), Ok(()));
        assert_eq!(
            check_data(
                "appointment.created",
                &json!({"pet": "Max", "at": 5, "nested": {"a": [1]}})
            ),
            Ok(())
        );
    }

    #[test]
    fn data_must_be_an_object_and_the_type_known() {
        assert_eq!(paths("test.ping", json!("hello")), ["data"]);
        assert_eq!(paths("test.ping", json!([1])), ["data"]);
        assert_eq!(paths("pet.exploded", json!({})), ["type"]);
    }

    #[test]
    fn null_is_not_a_value_of_any_type() {
        assert_eq!(
            paths("appointment.created", json!({"vet_name": null})),
            ["data.vet_name"]
        );
        let issue = check_data("appointment.created", &json!({"vet_name": null})).unwrap_err();
        assert!(
            issue[0].message.contains("leave the field out"),
            "{}",
            issue[0].message
        );
    }

    #[test]
    fn scalar_types() {
        let ok = |ty, v: Value| check_scalar(ty, &v).is_ok();
        assert!(ok(FieldType::DateTime, json!("2026-04-15T10:00:00+03:00")));
        assert!(ok(FieldType::DateTime, json!("2026-04-15T10:00:00.250Z")));
        for bad in [
            json!("2026-04-15T10:00:00"),
            json!("2026-04-15 10:00:00Z"),
            json!("2026-04-15T10:00Z"),
            json!("2026-04-15T10:00:00+0300"),
            json!("2026-04-15T25:00:00Z"),
            json!("2026-04-15T10:00:00z"),
            json!("2026-04-15T10:00:00+03:00[Europe/Istanbul]"),
            json!(1_776_000_000),
        ] {
            assert!(!ok(FieldType::DateTime, bad.clone()), "{bad}");
        }
        assert!(ok(FieldType::Date, json!("2024-02-29")));
        assert!(!ok(FieldType::Date, json!("2025-02-29")));
        assert!(!ok(FieldType::Date, json!("2025-2-28")));
        assert!(ok(FieldType::Phone, json!("+15551234567")));
        for bad in [
            "15551234567",
            "+1 555 123 4567",
            "+0123",
            "+1",
            "+1234567890123456",
        ] {
            assert!(!ok(FieldType::Phone, json!(bad)), "{bad}");
        }
        assert!(ok(FieldType::Integer, json!(30)));
        assert!(ok(FieldType::Integer, json!(-3)));
        assert!(
            ok(FieldType::Integer, json!(30.0)),
            "JSON Schema counts 30.0 as an integer"
        );
        assert!(!ok(FieldType::Integer, json!(30.5)));
        assert!(!ok(FieldType::Integer, json!("30")));
        assert!(ok(FieldType::Quantity, json!(2)));
        assert!(ok(FieldType::Quantity, json!("0.5")));
        assert!(ok(FieldType::Quantity, json!("1.2500")));
        assert!(!ok(FieldType::Quantity, json!(0.5)), "no floats");
        assert!(!ok(FieldType::Quantity, json!("1.23456")));
        assert!(ok(FieldType::Money, json!("84.50")));
        assert!(!ok(FieldType::Money, json!(84.5)));
        assert!(!ok(FieldType::Money, json!(84)));
        assert!(ok(FieldType::Currency, json!("JPY")));
        assert!(!ok(FieldType::Currency, json!("XXX")));
        assert!(ok(FieldType::Bool, json!(false)));
        assert!(!ok(FieldType::Bool, json!("false")));
        assert!(ok(FieldType::Enum(&["card"]), json!("card")));
        assert!(!ok(FieldType::Enum(&["card"]), json!("Card")));
    }
}
