//! Refused ingest requests, aggregated so a flood cannot flood the audit log: the rule and its
//! counting, without the writing (core's `ingest::refusals` writes the rows).
//!
//! Refusals are counted per subject (a key, an unknown key's shown prefix, or "no key") and
//! reason: the first refusal opens a window of [`WINDOW_MS`] and is to be written at once
//! (`count` 1); further ones in that window are only counted, and become one row with their
//! `count` when the window closes — which opens the next window if any were counted — or when
//! everything is flushed at shutdown. So a steady flood adds one row per subject and reason per
//! minute, and a lone refusal is visible at once.

use std::collections::HashMap;
use std::sync::Mutex;

/// How long refusals of one subject and reason are counted before their row is written.
pub const WINDOW_MS: i64 = 60_000;
/// The audit action of a refused ingest request.
pub const ACTION: &str = "api_key.use";
/// A flood of distinct unknown prefixes must not grow memory without bound: past this many open
/// windows, each new one is written at once (a window per row, still counted).
const MAX_WINDOWS: usize = 4096;

/// Who was refused: a known key, or what little is known about an unknown one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Key {
        id: String,
        name: String,
    },
    /// A key that matches none, by its shown prefix (`sbk_ab12`) when it has one.
    Unknown {
        prefix: Option<String>,
    },
}

/// One refusal: who, and why in a few stable words (the aggregation key), with the first
/// occurrence's full detail.
#[derive(Debug, Clone)]
pub struct Refused {
    pub subject: Subject,
    pub reason: String,
    pub detail: String,
}

#[derive(Debug)]
struct Window {
    opened_at: i64,
    /// Refusals counted since the last row was written.
    counted: u64,
    detail: String,
}

/// A row to write: `count` refusals of one subject and reason.
#[derive(Debug)]
pub struct Row {
    pub subject: Subject,
    pub detail: String,
    pub count: u64,
}

/// The open windows, shared by every request.
#[derive(Debug, Default)]
pub struct RefusalLog {
    windows: Mutex<HashMap<(Subject, String), Window>>,
}

impl RefusalLog {
    /// Counts a refusal; returns the row to write now when it opens a window.
    pub fn note(&self, refused: Refused, now: i64) -> Option<Row> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let key = (refused.subject, refused.reason);
        if let Some(window) = windows.get_mut(&key) {
            window.counted += 1;
            return None;
        }
        let row = Row {
            subject: key.0.clone(),
            detail: refused.detail.clone(),
            count: 1,
        };
        if windows.len() < MAX_WINDOWS {
            windows.insert(
                key,
                Window {
                    opened_at: now,
                    counted: 0,
                    detail: refused.detail,
                },
            );
        }
        Some(row)
    }

    /// Rows for windows that closed by `now` (all of them when `now` is `None`); a closed window
    /// that counted something opens the next one, an empty one is forgotten.
    pub fn due(&self, now: Option<i64>) -> Vec<Row> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let mut rows = Vec::new();
        windows.retain(|(subject, _), w| {
            let closed = now.is_none_or(|now| now - w.opened_at >= WINDOW_MS);
            if !closed {
                return true;
            }
            if w.counted == 0 {
                return false;
            }
            rows.push(Row {
                subject: subject.clone(),
                detail: w.detail.clone(),
                count: w.counted,
            });
            w.counted = 0;
            if let Some(now) = now {
                w.opened_at = now;
            }
            now.is_some()
        });
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(reason: &str) -> Refused {
        Refused {
            subject: Subject::Unknown { prefix: None },
            reason: reason.to_owned(),
            detail: format!("{reason}!"),
        }
    }

    #[test]
    fn the_first_refusal_is_written_at_once_the_rest_once_per_window() {
        let log = RefusalLog::default();
        let first = log.note(unknown("unknown API key"), 0).unwrap();
        assert_eq!(first.count, 1);
        for t in 1..500 {
            assert!(log.note(unknown("unknown API key"), t).is_none());
        }
        // Another reason has its own window.
        assert!(log.note(unknown("no API key sent"), 10).is_some());
        assert!(log.due(Some(WINDOW_MS - 1)).is_empty(), "still open");
        let rows = log.due(Some(WINDOW_MS + 10));
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].count, 499);
        assert_eq!(rows[0].detail, "unknown API key!");
        // The flood goes on: counted in the next window, not written at once.
        assert!(log
            .note(unknown("unknown API key"), WINDOW_MS + 20)
            .is_none());
        let rest = log.due(None);
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].count, 1);
        // Once quiet and flushed, the next refusal is written at once again.
        assert!(log
            .note(unknown("unknown API key"), 3 * WINDOW_MS)
            .is_some());
    }
}
