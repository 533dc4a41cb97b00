//! Timestamps: stored as unix milliseconds, shown as RFC 3339 (UTC).

pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub fn to_rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
