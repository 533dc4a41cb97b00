//! The installation's settings: defaults and limits.

pub const DEFAULT_CHECK_INTERVAL_MINUTES: u32 = 15;
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 10;
/// Audit rows and delivery attempts are kept at least this long.
pub const MIN_RETENTION_DAYS: u32 = 365;
