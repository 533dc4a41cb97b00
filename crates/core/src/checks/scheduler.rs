//! Background connection tests: every enabled integration is tested once per check interval
//! (default 15 minutes, ±10% jitter so they do not all fire together), backing off while the
//! machine seems offline. [`crate::services`] starts it and stops it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use super::{OutcomeKind, TestRun};
use crate::error::Result;
use crate::{time, Switchboard};

/// The longest the scheduler sleeps before looking again (it also picks up new settings then).
const MAX_SLEEP: Duration = Duration::from_secs(60);
const MIN_SLEEP: Duration = Duration::from_secs(5);
/// Offline backoff: the interval doubles per fully-offline round, up to 16 times.
const MAX_BACKOFF_SHIFT: u32 = 4;

/// When an integration was last tested.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub last_tested_at: Option<i64>,
}

/// Which entries are due at `now`, and how long until the next one is (for the sleep).
pub fn due(entries: &[Entry], now: i64, interval_ms: i64) -> (Vec<String>, Option<i64>) {
    let mut due = Vec::new();
    let mut next: Option<i64> = None;
    for e in entries {
        let Some(last) = e.last_tested_at else {
            due.push(e.id.clone());
            continue;
        };
        let at = last + jittered(interval_ms, &e.id);
        if at <= now {
            due.push(e.id.clone());
        } else {
            next = Some(next.map_or(at - now, |n| n.min(at - now)));
        }
    }
    (due, next)
}

/// `interval` scaled by a factor in [0.9, 1.1) that is stable per integration.
fn jittered(interval_ms: i64, id: &str) -> i64 {
    // FNV-1a: a cheap, stable spread; this is not security.
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let per_mille = i64::try_from(hash % 200).unwrap_or(0) + 900;
    interval_ms / 1000 * per_mille
}

/// Until `stop` resolves: tests what is due, calls `on_tested` after each test, sleeps until the
/// next. A stop during a round lets the test in progress finish (a QuickBooks test may be saving
/// a rotated refresh token) and skips the rest.
pub async fn run(
    sb: Arc<Switchboard>,
    on_tested: Arc<dyn Fn(TestRun) + Send + Sync>,
    stop: impl Future<Output = ()>,
) {
    let mut stop = std::pin::pin!(stop);
    let mut backoff_shift = 0;
    loop {
        let sleep = match round(&sb, &on_tested, &mut backoff_shift, stop.as_mut()).await {
            Ok(Some(next)) => next,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "background checks: round failed");
                MAX_SLEEP
            }
        };
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(sleep) => {}
            () = sb.checks_wakeup() => {}
        }
    }
}

/// Whether `stop` has resolved, without waiting for it.
async fn stopped(stop: Pin<&mut impl Future<Output = ()>>) -> bool {
    let mut stop = stop;
    std::future::poll_fn(|cx| Poll::Ready(stop.as_mut().poll(cx).is_ready())).await
}

/// One round; `None` when `stop` resolved during it (it must not be polled again).
async fn round(
    sb: &Arc<Switchboard>,
    on_tested: &Arc<dyn Fn(TestRun) + Send + Sync>,
    backoff_shift: &mut u32,
    mut stop: Pin<&mut impl Future<Output = ()>>,
) -> Result<Option<Duration>> {
    let interval = sb.blocking(|sb| sb.check_interval_ms()).await? << *backoff_shift;
    let entries = sb.blocking(enabled_entries).await?;
    let (due, next) = due(&entries, time::now_ms(), interval);
    let mut offline = 0;
    for id in &due {
        if stopped(stop.as_mut()).await {
            return Ok(None);
        }
        match sb
            .test_integration(&crate::Actor::system("checks"), id)
            .await
        {
            Ok(run) => {
                if run.test.outcome.kind == OutcomeKind::Unreachable {
                    offline += 1;
                }
                on_tested(run);
            }
            // Removed meanwhile, or the database is busy: try again next round.
            Err(e) => tracing::warn!(integration = %id, error = %e, "background test failed"),
        }
    }
    if !due.is_empty() {
        *backoff_shift = if offline == due.len() {
            (*backoff_shift + 1).min(MAX_BACKOFF_SHIFT)
        } else {
            0
        };
        if *backoff_shift > 0 {
            tracing::info!(
                shift = *backoff_shift,
                "every provider unreachable: backing off"
            );
        }
    }
    let next = next.map_or(MAX_SLEEP, |ms| {
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    });
    Ok(Some(next.clamp(MIN_SLEEP, MAX_SLEEP)))
}

fn enabled_entries(sb: &Switchboard) -> Result<Vec<Entry>> {
    sb.db().read(|c| {
        let mut stmt = c.prepare(
            "SELECT i.id, (SELECT max(t.at) FROM connection_tests t WHERE t.integration_id = i.id)
             FROM integrations i WHERE i.enabled = 1",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Entry {
                id: r.get(0)?,
                last_tested_at: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn never_tested_is_due_at_once() {
        let (due, next) = due(
            &[Entry {
                id: "a".into(),
                last_tested_at: None,
            }],
            0,
            15 * MIN,
        );
        assert_eq!(due, ["a"]);
        assert_eq!(next, None);
    }

    #[test]
    fn due_after_the_jittered_interval_and_next_wake_is_reported() {
        let now = 100 * MIN;
        let entries = [
            Entry {
                id: "old".into(),
                last_tested_at: Some(now - 20 * MIN),
            },
            Entry {
                id: "fresh".into(),
                last_tested_at: Some(now - 5 * MIN),
            },
        ];
        let (due, next) = due(&entries, now, 15 * MIN);
        assert_eq!(due, ["old"]);
        let next = next.unwrap();
        assert!((8 * MIN..=12 * MIN).contains(&next), "{next}");
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_differs_between_integrations() {
        let values: Vec<i64> = (0..50)
            .map(|i| jittered(15 * MIN, &format!("int_{i}")))
            .collect();
        assert!(values
            .iter()
            .all(|v| (13 * MIN + 30_000..16 * MIN + 30_000).contains(v)));
        assert!(
            values.iter().any(|v| *v != values[0]),
            "jitter spreads tests out"
        );
    }
}
