//! Green, yellow, red or off, with the reason in plain words and the action that fixes it.
//!
//! [`compute`] is a pure function of stored facts; the rules are `shared/design.md`'s "Status"
//! table, tested rule by rule below. [`endpoint`] holds the webhook rows of the same table.

pub mod endpoint;

use serde::Serialize;

use crate::oauth::ConnectAction;
use crate::outcome::OutcomeKind;

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Tokens expiring sooner than this turn a card yellow.
pub const TOKEN_WARNING_MS: i64 = 14 * DAY_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Green,
    Yellow,
    Red,
    Off,
}

/// The facts the rules look at, all from the database.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub enabled: bool,
    /// The newest test: its kind, when (unix ms), and its own summary and action.
    pub last_test: Option<(OutcomeKind, i64, String, String)>,
    pub last_success_at: Option<i64>,
    /// The oldest failed test since the last success: how long it has been failing.
    pub failing_since: Option<i64>,
    pub check_interval_ms: i64,
    pub refresh_token_expires_at: Option<i64>,
    /// Sync jobs that failed for good and nobody has acknowledged.
    pub sync_dead: u32,
    /// Sync jobs waiting to be tried again.
    pub sync_retrying: u32,
    /// The newest of those failures, in plain words.
    pub sync_latest_failure: Option<String>,
    /// For providers that connect through their sign-in page (QuickBooks, Square); `None` for
    /// the others.
    pub connection: Option<Connection>,
}

/// What is stored about an OAuth connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Connection {
    /// A token is stored (from Connect, or pasted).
    pub connected: bool,
    /// The provider refused the stored refresh token (`invalid_grant`) since it was stored.
    pub refresh_refused: bool,
}

pub const NOT_CONNECTED: &str = "Not connected.";
pub const REFUSED: &str =
    "The provider refused the saved sign-in (invalid_grant): it expired, was revoked, or was replaced.";

/// The button the card shows to make the connection: Connect when none is stored, Reconnect
/// when the provider refused it or its refresh token expired.
pub fn connect_action(f: &Facts, now: i64) -> Option<ConnectAction> {
    let c = f.connection?;
    if !c.connected {
        return Some(ConnectAction::Connect);
    }
    let expired = f.refresh_token_expires_at.is_some_and(|e| e <= now);
    (c.refresh_refused || expired).then_some(ConnectAction::Reconnect)
}

/// Level, reason and action for one integration at `now`.
pub fn compute(f: &Facts, now: i64) -> (Level, String, String) {
    let done = |level, reason: &str, action: &str| (level, reason.to_owned(), action.to_owned());
    if !f.enabled {
        return done(
            Level::Off,
            "Turned off by a user.",
            "Enable it on the Integrations page to use it again.",
        );
    }
    let failure = || {
        f.sync_latest_failure
            .as_deref()
            .map(|r| format!(" Latest: {r}"))
            .unwrap_or_default()
    };
    if f.sync_dead > 0 {
        let jobs = if f.sync_dead == 1 {
            "1 sync job".to_owned()
        } else {
            format!("{} sync jobs", f.sync_dead)
        };
        return (
            Level::Red,
            format!("{jobs} failed.{}", failure()),
            "Open the sync log: retry, skip or acknowledge the failed jobs.".to_owned(),
        );
    }
    let retrying = || {
        let jobs = if f.sync_retrying == 1 {
            "1 sync job is".to_owned()
        } else {
            format!("{} sync jobs are", f.sync_retrying)
        };
        (
            Level::Yellow,
            format!("{jobs} being retried.{}", failure()),
            "Nothing to do unless it keeps failing; the sync log shows each attempt.".to_owned(),
        )
    };
    if let Some(c) = f.connection {
        if !c.connected {
            return done(Level::Yellow, NOT_CONNECTED, "Connect");
        }
        if c.refresh_refused {
            return done(Level::Red, REFUSED, "Reconnect");
        }
    }
    let Some((kind, at, summary, action)) = &f.last_test else {
        if f.sync_retrying > 0 {
            return retrying();
        }
        return done(
            Level::Yellow,
            "Not tested yet.",
            "Press “Test now” to check the connection.",
        );
    };
    if *kind != OutcomeKind::Ok {
        if kind.is_transient() {
            let since = f.failing_since.unwrap_or(*at);
            if now - since > DAY_MS {
                return (
                    Level::Red,
                    format!("Failing for over a day: {summary}"),
                    action.clone(),
                );
            }
            return (Level::Yellow, summary.clone(), action.clone());
        }
        return (Level::Red, summary.clone(), action.clone());
    }
    // The refresh token's expiry is what disconnects a clinic; the access token renews itself.
    if let Some(expires) = f.refresh_token_expires_at {
        if expires <= now {
            return done(
                Level::Red,
                "The refresh token has expired: the connection has ended.",
                "Reconnect",
            );
        }
        if expires - now < TOKEN_WARNING_MS {
            let days = (expires - now) / DAY_MS;
            return (
                Level::Yellow,
                format!("The refresh token expires in {days} days."),
                "Test the connection (each test renews the token), or reconnect before it expires."
                    .to_owned(),
            );
        }
    }
    if f.sync_retrying > 0 {
        return retrying();
    }
    if now - at > 2 * f.check_interval_ms {
        return done(
            Level::Yellow,
            "The last successful test is out of date.",
            "Press “Test now”; background checks may be paused while the app was closed.",
        );
    }
    (Level::Green, summary.clone(), "Nothing to do.".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const MIN: i64 = 60_000;
    const INTERVAL: i64 = 15 * MIN;

    fn facts(last: Option<(OutcomeKind, i64)>) -> Facts {
        Facts {
            enabled: true,
            last_test: last.map(|(k, at)| {
                (
                    k,
                    at,
                    format!("summary of {}", k.as_str()),
                    "do this".into(),
                )
            }),
            last_success_at: None,
            failing_since: None,
            check_interval_ms: INTERVAL,
            refresh_token_expires_at: None,
            sync_dead: 0,
            sync_retrying: 0,
            sync_latest_failure: None,
            connection: None,
        }
    }

    #[test]
    fn dead_sync_jobs_are_red_and_retrying_ones_yellow() {
        let mut f = facts(Some((OutcomeKind::Ok, NOW - MIN)));
        f.sync_retrying = 2;
        f.sync_latest_failure = Some("QuickBooks did not answer.".into());
        let (l, reason, _) = compute(&f, NOW);
        assert_eq!(l, Level::Yellow);
        assert_eq!(
            reason,
            "2 sync jobs are being retried. Latest: QuickBooks did not answer."
        );
        f.sync_dead = 1;
        f.sync_latest_failure = Some("Duplicate invoice number.".into());
        let (l, reason, action) = compute(&f, NOW);
        assert_eq!(l, Level::Red);
        assert_eq!(
            reason,
            "1 sync job failed. Latest: Duplicate invoice number."
        );
        assert!(action.contains("acknowledge"));
        // Red even before the first connection test; off still wins.
        f.last_test = None;
        assert_eq!(level(&f), Level::Red);
        f.enabled = false;
        assert_eq!(level(&f), Level::Off);
    }

    fn level(f: &Facts) -> Level {
        compute(f, NOW).0
    }

    #[test]
    fn green_when_the_last_test_passed_recently() {
        let f = facts(Some((OutcomeKind::Ok, NOW - 5 * MIN)));
        let (l, reason, _) = compute(&f, NOW);
        assert_eq!(l, Level::Green);
        assert_eq!(reason, "summary of ok");
    }

    #[test]
    fn off_when_disabled_whatever_else() {
        let mut f = facts(Some((OutcomeKind::CredentialsRejected, NOW)));
        f.enabled = false;
        assert_eq!(level(&f), Level::Off);
    }

    #[test]
    fn yellow_when_never_tested() {
        assert_eq!(level(&facts(None)), Level::Yellow);
    }

    #[test]
    fn yellow_when_the_last_success_is_older_than_twice_the_interval() {
        assert_eq!(
            level(&facts(Some((OutcomeKind::Ok, NOW - 2 * INTERVAL + MIN)))),
            Level::Green
        );
        assert_eq!(
            level(&facts(Some((OutcomeKind::Ok, NOW - 2 * INTERVAL - MIN)))),
            Level::Yellow
        );
    }

    #[test]
    fn transient_failures_are_yellow_for_a_day_then_red() {
        for kind in [
            OutcomeKind::Unreachable,
            OutcomeKind::RateLimited,
            OutcomeKind::ProviderError,
        ] {
            let mut f = facts(Some((kind, NOW - MIN)));
            f.failing_since = Some(NOW - 23 * 60 * MIN);
            assert_eq!(level(&f), Level::Yellow, "{kind:?} under a day");
            f.failing_since = Some(NOW - 25 * 60 * MIN);
            let (l, reason, _) = compute(&f, NOW);
            assert_eq!(l, Level::Red, "{kind:?} over a day");
            assert!(reason.starts_with("Failing for over a day"));
        }
    }

    #[test]
    fn hard_failures_are_red_at_once_with_their_reason_and_action() {
        for kind in [
            OutcomeKind::CredentialsRejected,
            OutcomeKind::AccountSuspended,
            OutcomeKind::PermissionMissing,
            OutcomeKind::NotFound,
            OutcomeKind::MissingSecret,
            OutcomeKind::KeychainUnavailable,
            OutcomeKind::UnexpectedResponse,
        ] {
            let f = facts(Some((kind, NOW - MIN)));
            let (l, reason, action) = compute(&f, NOW);
            assert_eq!(l, Level::Red, "{kind:?}");
            assert_eq!(reason, format!("summary of {}", kind.as_str()));
            assert_eq!(action, "do this");
        }
    }

    #[test]
    fn refresh_token_expiry_within_14_days_is_yellow_and_past_is_red() {
        let mut f = facts(Some((OutcomeKind::Ok, NOW - MIN)));
        f.refresh_token_expires_at = Some(NOW + 15 * DAY_MS);
        assert_eq!(level(&f), Level::Green);
        f.refresh_token_expires_at = Some(NOW + 13 * DAY_MS);
        let (l, reason, _) = compute(&f, NOW);
        assert_eq!(l, Level::Yellow);
        assert!(reason.contains("13 days"), "{reason}");
        f.refresh_token_expires_at = Some(NOW - 1);
        assert_eq!(level(&f), Level::Red);
    }

    #[test]
    fn an_oauth_integration_without_a_token_is_not_connected_and_offers_connect() {
        let mut f = facts(None);
        f.connection = Some(Connection::default());
        assert_eq!(
            compute(&f, NOW),
            (
                Level::Yellow,
                NOT_CONNECTED.to_owned(),
                "Connect".to_owned()
            )
        );
        assert_eq!(connect_action(&f, NOW), Some(ConnectAction::Connect));
    }

    #[test]
    fn a_refused_refresh_token_is_red_with_reconnect_whatever_the_last_test() {
        let mut f = facts(Some((OutcomeKind::Ok, NOW - MIN)));
        f.connection = Some(Connection {
            connected: true,
            refresh_refused: true,
        });
        let (l, reason, action) = compute(&f, NOW);
        assert_eq!(
            (l, reason.as_str(), action.as_str()),
            (Level::Red, REFUSED, "Reconnect")
        );
        assert_eq!(connect_action(&f, NOW), Some(ConnectAction::Reconnect));
        f.connection = Some(Connection {
            connected: true,
            refresh_refused: false,
        });
        assert_eq!(level(&f), Level::Green);
        assert_eq!(connect_action(&f, NOW), None);
        f.refresh_token_expires_at = Some(NOW - 1);
        assert_eq!(compute(&f, NOW).2, "Reconnect");
        assert_eq!(connect_action(&f, NOW), Some(ConnectAction::Reconnect));
    }

    #[test]
    fn a_success_after_failures_is_green_again() {
        let mut f = facts(Some((OutcomeKind::Ok, NOW - MIN)));
        f.failing_since = None;
        f.last_success_at = Some(NOW - MIN);
        assert_eq!(level(&f), Level::Green);
    }
}
