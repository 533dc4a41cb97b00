//! A delivery's life: pending → (retrying)* → succeeded or dead, as an enum and its transitions.
//! The worker records what [`after_attempt`] decides; nothing else moves a delivery on.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::retry;
use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Retrying,
    Dead,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Succeeded,
        DeliveryStatus::Retrying,
        DeliveryStatus::Dead,
    ];
    /// States the worker still sends from.
    pub const OPEN: [DeliveryStatus; 2] = [DeliveryStatus::Pending, DeliveryStatus::Retrying];
    /// States nothing leaves (except a manual resend, which makes a new attempt series).
    pub const FINISHED: [DeliveryStatus; 2] = [DeliveryStatus::Succeeded, DeliveryStatus::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Retrying => "retrying",
            DeliveryStatus::Dead => "dead",
        }
    }

    /// A stored or typed name; an unknown one is an error, never silently `Pending`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "status",
                    format!("{s:?} is not a delivery status (pending, succeeded, retrying, dead)."),
                )
            })
    }

    pub fn is_finished(self) -> bool {
        Self::FINISHED.contains(&self)
    }

    /// `'pending', 'retrying'`: a SQL `IN (…)` list of these states' names, for queries built
    /// from the enum rather than typed out.
    pub fn sql_list(states: &[DeliveryStatus]) -> String {
        states
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one attempt found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub delivery_id: i64,
    /// Attempts in this series, this one included.
    pub attempts: u32,
    /// When it was made, unix milliseconds.
    pub at_ms: i64,
    /// The receiver's HTTP status; `None` when no answer came.
    pub http_status: Option<u16>,
    pub retry_after: Option<Duration>,
}

/// Where an attempt leaves its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Succeeded,
    /// 410 Gone: the receiver wants no more; the endpoint is disabled too.
    Gone,
    /// Failed; try again at this time (unix milliseconds).
    Retry {
        at_ms: i64,
    },
    /// Failed and the schedule is used up.
    Exhausted,
}

impl Transition {
    pub fn status(self) -> DeliveryStatus {
        match self {
            Transition::Succeeded => DeliveryStatus::Succeeded,
            Transition::Retry { .. } => DeliveryStatus::Retrying,
            Transition::Gone | Transition::Exhausted => DeliveryStatus::Dead,
        }
    }

    pub fn next_attempt_at(self) -> Option<i64> {
        match self {
            Transition::Retry { at_ms } => Some(at_ms),
            _ => None,
        }
    }
}

/// The delivery state machine: a 2xx succeeds, a 410 kills, anything else retries on the
/// schedule (with stable jitter and `Retry-After`) until it is used up.
pub fn after_attempt(a: &Attempt) -> Transition {
    match a.http_status {
        Some(s) if (200..300).contains(&s) => Transition::Succeeded,
        Some(410) => Transition::Gone,
        _ => {
            let jitter = retry::jitter_for(a.delivery_id, a.attempts);
            match retry::next_delay(a.attempts, a.retry_after, jitter) {
                Some(delay) => Transition::Retry {
                    at_ms: a
                        .at_ms
                        .saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2)),
                },
                None => Transition::Exhausted,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(http_status: Option<u16>, attempts: u32) -> Attempt {
        Attempt {
            delivery_id: 7,
            attempts,
            at_ms: 1_000,
            http_status,
            retry_after: None,
        }
    }

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Ok(s));
        }
        let e = DeliveryStatus::parse("paused").unwrap_err();
        assert_eq!(e.field, "status");
        assert_eq!(
            DeliveryStatus::sql_list(&DeliveryStatus::OPEN),
            "'pending', 'retrying'"
        );
    }

    #[test]
    fn transitions() {
        assert_eq!(after_attempt(&attempt(Some(204), 1)), Transition::Succeeded);
        assert_eq!(after_attempt(&attempt(Some(410), 1)), Transition::Gone);
        assert_eq!(
            after_attempt(&attempt(Some(410), 1)).status(),
            DeliveryStatus::Dead
        );
        let t = after_attempt(&attempt(Some(500), 1));
        assert_eq!(t.status(), DeliveryStatus::Retrying);
        let at = t.next_attempt_at().unwrap();
        assert!((1_000 + 4_000..=1_000 + 6_000).contains(&at), "{at}");
        let t = after_attempt(&attempt(None, 8));
        assert_eq!(t, Transition::Exhausted);
        assert_eq!(t.status(), DeliveryStatus::Dead);
        assert_eq!(t.next_attempt_at(), None);
    }
}
