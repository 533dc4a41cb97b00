//! Timestamps: stored as unix milliseconds, shown as RFC 3339 (UTC), typed by people as RFC 3339.

use crate::Invalid;

pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub fn to_rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A time bound typed into a filter (`from`, `to`), as unix milliseconds.
pub fn parse_time(field: &str, value: &str) -> Result<i64, Invalid> {
    value
        .trim()
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| Invalid::new(field, "Use a date and time like 2026-11-23T09:00:00Z."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_names_the_field() {
        assert_eq!(
            parse_time("from", " 2026-11-23T09:00:00Z ").unwrap(),
            1_795_424_400_000
        );
        assert_eq!(to_rfc3339(1_795_424_400_000), "2026-11-23T09:00:00Z");
        let e = parse_time("to", "yesterday").unwrap_err();
        assert_eq!(e.field, "to");
    }
}
