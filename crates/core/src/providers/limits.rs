//! Per-integration rate limits for provider calls: one lane per QuickBooks company or Twilio
//! sender, each with a request rate (GCRA, `governor`), an optional bound on calls in flight
//! (a tokio `Semaphore`), and a pause that a 429's `Retry-After` sets for the whole lane.
//!
//! The documented limits (sync-apis.md §1.5, §2.7): QuickBooks 500 requests a minute and 10 at
//! once per company; a US long code sends one segment a second. The QuickBooks quota is set so no
//! 60-second window can hold more than 500 requests, burst included.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// What one lane allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneLimits {
    /// Cells (requests, or message segments) per `per`.
    pub cells: NonZeroU32,
    pub per: Duration,
    /// Cells that may go at once before the rate applies.
    pub burst: NonZeroU32,
    /// Calls in flight at once; `None`: no bound.
    pub concurrent: Option<usize>,
}

const fn nz(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

impl LaneLimits {
    /// QuickBooks: 490 a minute after a burst of 10, so any 60 s holds at most 500; 10 at once.
    pub const QUICKBOOKS: LaneLimits = LaneLimits {
        cells: nz(490),
        per: Duration::from_secs(60),
        burst: nz(10),
        concurrent: Some(10),
    };

    /// A Twilio long code: `segments_per_second` segments a second (1 for a US long code).
    pub fn twilio_sender(segments_per_second: u32) -> LaneLimits {
        LaneLimits {
            cells: nz(segments_per_second.max(1)),
            per: Duration::from_secs(1),
            burst: nz(segments_per_second.max(1)),
            concurrent: None,
        }
    }

    /// The most cells any window of `window` can hold: the burst plus what the rate refills.
    pub fn most_in(&self, window: Duration) -> u64 {
        let refill = window.as_secs_f64() / self.per.as_secs_f64() * f64::from(self.cells.get());
        u64::from(self.burst.get()) + refill.floor() as u64
    }

    fn quota(&self) -> Quota {
        let interval = self.per / self.cells.get();
        Quota::with_period(interval)
            .unwrap_or_else(|| Quota::per_second(self.cells))
            .allow_burst(self.burst)
    }
}

struct Lane {
    limits: LaneLimits,
    rate: DefaultDirectRateLimiter,
    in_flight: Option<Arc<Semaphore>>,
    paused_until: Mutex<Option<Instant>>,
}

/// Permission to make one call; dropping it frees the lane's in-flight slot.
#[derive(Debug)]
pub struct Permit {
    _slot: Option<OwnedSemaphorePermit>,
}

/// Every lane, by key (`quickbooks:<realm>`, `twilio:<sender>`). Built once and shared.
#[derive(Default)]
pub struct Limits {
    lanes: Mutex<HashMap<String, Arc<Lane>>>,
    /// Off only for measuring the engine alone (the sync benchmark); on everywhere else.
    off: std::sync::atomic::AtomicBool,
}

impl Limits {
    pub fn new() -> Self {
        Limits::default()
    }

    /// Turns every lane off (`false`) or back on. The sync benchmark measures the engine without
    /// them; nothing else calls it.
    pub fn set_enabled(&self, on: bool) {
        self.off.store(!on, std::sync::atomic::Ordering::Relaxed);
    }

    /// The key of a QuickBooks company's lane.
    pub fn quickbooks_lane(realm: &str) -> String {
        format!("quickbooks:{realm}")
    }

    /// The key of a Twilio sender's lane.
    pub fn twilio_lane(sender: &str) -> String {
        format!("twilio:{sender}")
    }

    fn lane(&self, key: &str, limits: LaneLimits) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        let lane = lanes.get(key).filter(|lane| lane.limits == limits);
        if let Some(lane) = lane {
            return Arc::clone(lane);
        }
        let lane = Arc::new(Lane {
            limits,
            rate: RateLimiter::direct(limits.quota()),
            in_flight: limits
                .concurrent
                .map(|n| Arc::new(Semaphore::new(n.max(1)))),
            paused_until: Mutex::new(None),
        });
        lanes.insert(key.to_owned(), Arc::clone(&lane));
        lane
    }

    /// Waits until the lane `key` may make a call costing `cost` cells (1 for a request, the
    /// segment count for a text), then answers the permit to hold while the call runs.
    pub async fn acquire(&self, key: &str, limits: LaneLimits, cost: u32) -> Permit {
        if self.off.load(std::sync::atomic::Ordering::Relaxed) {
            return Permit { _slot: None };
        }
        let lane = self.lane(key, limits);
        loop {
            let until = *lane
                .paused_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => break,
            }
        }
        let slot = match &lane.in_flight {
            Some(semaphore) => Arc::clone(semaphore).acquire_owned().await.ok(),
            None => None,
        };
        // A cost above the burst could never be granted at once: take it a cell at a time.
        let cost = cost.max(1);
        let burst = lane.limits.burst.get();
        let mut left = cost;
        while left > 0 {
            let step = left.min(burst);
            let _ = lane.rate.until_n_ready(nz(step)).await;
            left -= step;
        }
        Permit { _slot: slot }
    }

    /// Pauses the lane `key` for `wait` (a 429 and its `Retry-After`): calls already waiting and
    /// new ones wait until then. A shorter pause never shortens a longer one.
    pub fn pause(&self, key: &str, limits: LaneLimits, wait: Duration) {
        let lane = self.lane(key, limits);
        let until = Instant::now() + wait;
        let mut paused = lane
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_minute_holds_more_than_quickbooks_allows() {
        assert!(LaneLimits::QUICKBOOKS.most_in(Duration::from_secs(60)) <= 500);
        assert_eq!(LaneLimits::QUICKBOOKS.concurrent, Some(10));
    }

    #[tokio::test]
    async fn a_twilio_sender_sends_its_segments_per_second() {
        let limits = Limits::new();
        let lane = LaneLimits::twilio_sender(20);
        let started = std::time::Instant::now();
        // 20 at once (the burst), then 20 more segments at 20 a second: about a second.
        for _ in 0..20 {
            limits.acquire("twilio:+1", lane, 1).await;
        }
        limits.acquire("twilio:+1", lane, 20).await;
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    }

    #[tokio::test]
    async fn a_pause_holds_the_lane_and_other_lanes_go_on() {
        let limits = Limits::new();
        let lane = LaneLimits::twilio_sender(100);
        limits.pause("twilio:+1", lane, Duration::from_millis(300));
        let started = std::time::Instant::now();
        limits.acquire("twilio:+2", lane, 1).await;
        assert!(started.elapsed() < Duration::from_millis(100));
        limits.acquire("twilio:+1", lane, 1).await;
        assert!(started.elapsed() >= Duration::from_millis(290));
    }

    #[tokio::test]
    async fn in_flight_calls_are_bounded() {
        let limits = Arc::new(Limits::new());
        let lane = LaneLimits {
            cells: nz(1000),
            per: Duration::from_secs(1),
            burst: nz(1000),
            concurrent: Some(2),
        };
        let first = limits.acquire("q", lane, 1).await;
        let _second = limits.acquire("q", lane, 1).await;
        let waiting = {
            let limits = Arc::clone(&limits);
            tokio::spawn(async move { limits.acquire("q", lane, 1).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .ok()
            .and_then(Result::ok)
            .map(drop)
            .unwrap_or_else(|| panic!("the third call never got a slot"));
    }
}
