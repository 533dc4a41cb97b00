//! When to try a failed delivery again: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20% jitter),
//! then dead. `Retry-After` is honoured, capped. [`crate::delivery::after_attempt`] applies it.

use std::time::Duration;

/// Delays after the 1st, 2nd, … failed attempt. Eight attempts in all.
pub const SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];
/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The delay before the next attempt after `attempts` failed ones, or `None` when the delivery
/// is dead. `jitter` is in [-1, 1] and scales the delay by up to ±20%.
pub fn next_delay(attempts: u32, retry_after: Option<Duration>, jitter: f64) -> Option<Duration> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    let base = *SCHEDULE.get(index)?;
    let jittered = base.mul_f64(1.0 + 0.2 * jitter.clamp(-1.0, 1.0));
    Some(match retry_after {
        Some(wait) if wait > jittered => wait.min(MAX_RETRY_AFTER),
        _ => jittered,
    })
}

/// A cheap jitter in [-1, 1] from a delivery id and attempt (stable, so tests can predict it).
pub fn jitter_for(delivery_id: i64, attempts: u32) -> f64 {
    let mut x = u64::try_from(delivery_id).unwrap_or(0) ^ (u64::from(attempts) << 32);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    let unit = f64::from(u32::try_from(x % 1_000_001).unwrap_or(0)) / 1_000_000.0;
    unit * 2.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_schedule_then_dies() {
        let secs: Vec<u64> = (1..=7)
            .map(|a| next_delay(a, None, 0.0).unwrap().as_secs())
            .collect();
        assert_eq!(secs, [5, 300, 1800, 7200, 18000, 36000, 36000]);
        assert_eq!(next_delay(8, None, 0.0), None, "dead after the 8th attempt");
        assert_eq!(next_delay(0, None, 0.0), None);
    }

    #[test]
    fn jitter_is_within_twenty_percent() {
        assert_eq!(next_delay(2, None, 1.0).unwrap().as_secs(), 360);
        assert_eq!(next_delay(2, None, -1.0).unwrap().as_secs(), 240);
        for id in 0..1000 {
            let j = jitter_for(id, 3);
            assert!((-1.0..=1.0).contains(&j));
        }
        assert_ne!(jitter_for(1, 1), jitter_for(2, 1));
    }

    #[test]
    fn retry_after_is_honoured_when_longer_and_capped() {
        let d = next_delay(1, Some(Duration::from_secs(120)), 0.0).unwrap();
        assert_eq!(d.as_secs(), 120);
        let d = next_delay(3, Some(Duration::from_secs(10)), 0.0).unwrap();
        assert_eq!(
            d.as_secs(),
            1800,
            "a shorter Retry-After does not speed up the schedule"
        );
        let d = next_delay(1, Some(Duration::from_secs(10 * 24 * 3600)), 0.0).unwrap();
        assert_eq!(d, MAX_RETRY_AFTER);
    }
}
