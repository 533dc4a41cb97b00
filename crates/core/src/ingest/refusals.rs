//! Refused ingest requests in the audit chain, aggregated so a flood cannot flood the log.
//!
//! Accepted events are not audited one by one: the event row names its key (the usage log).
//! Refusals are, but per subject (a key, an unknown key's shown prefix, or "no key") and reason:
//! the first refusal opens a window of [`WINDOW_MS`] and is written at once (`count` 1); further
//! ones in that window are only counted, and written as one row with their `count` when the
//! window closes — which opens the next window if any were counted — or when the ingest API
//! stops ([`Switchboard::flush_refusals`]). So a steady flood adds one row per subject and reason
//! per minute, and a lone refusal is visible at once.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::Transaction;

use crate::actor::Actor;
use crate::api_keys::{clip, ApiKey};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::Result;
use crate::{time, Switchboard};

/// How long refusals of one subject and reason are counted before their row is written.
pub const WINDOW_MS: i64 = 60_000;
/// The audit action of a refused ingest request.
pub const ACTION: &str = "api_key.use";
/// A flood of distinct unknown prefixes must not grow memory without bound: past this many open
/// windows, each new one is written at once (a window per row, still counted).
const MAX_WINDOWS: usize = 4096;

/// Who was refused: a known key, or what little is known about an unknown one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Subject {
    Key {
        id: String,
        name: String,
    },
    /// A key that matches none, by its shown prefix (`sbk_ab12`) when it has one.
    Unknown {
        prefix: Option<String>,
    },
}

impl Subject {
    pub(crate) fn key(key: &ApiKey) -> Subject {
        Subject::Key {
            id: key.id.clone(),
            name: key.name.clone(),
        }
    }
}

/// One refusal: who, and why in a few stable words (the aggregation key), with the first
/// occurrence's full detail.
#[derive(Debug, Clone)]
pub(crate) struct Refused {
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
pub(crate) struct Row {
    subject: Subject,
    detail: String,
    count: u64,
}

/// The open windows, shared by every request.
#[derive(Debug, Default)]
pub(crate) struct RefusalLog {
    windows: Mutex<HashMap<(Subject, String), Window>>,
}

impl RefusalLog {
    /// Counts a refusal; returns the row to write now when it opens a window.
    fn note(&self, refused: Refused, now: i64) -> Option<Row> {
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
    fn due(&self, now: Option<i64>) -> Vec<Row> {
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

impl Switchboard {
    /// Records a refused ingest request (aggregated, see the module docs). Only the first
    /// refusal of a window writes; the rest cost a map look-up.
    pub(crate) fn note_refusal(&self, refused: Refused) -> Result<()> {
        match self.refusals().note(refused, time::now_ms()) {
            Some(row) => self.db().write(|tx| append(tx, &row)),
            None => Ok(()),
        }
    }

    /// Writes the counts of windows that have closed; the ingest API calls it every few seconds.
    pub fn flush_closed_refusals(&self) -> Result<()> {
        self.write_rows(self.refusals().due(Some(time::now_ms())))
    }

    /// Writes every refusal counted and not yet written (at shutdown: nothing counted is lost).
    pub fn flush_refusals(&self) -> Result<()> {
        self.write_rows(self.refusals().due(None))
    }

    fn write_rows(&self, rows: Vec<Row>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.db()
            .write(|tx| rows.iter().try_for_each(|row| append(tx, row)))
    }
}

fn append(tx: &Transaction<'_>, row: &Row) -> Result<()> {
    let (actor, object_id, label) = match &row.subject {
        Subject::Key { id, name } => (Actor::api_key(name), Some(id.as_str()), Some(name.clone())),
        Subject::Unknown { prefix } => (
            Actor::api_key("unknown"),
            None,
            prefix.as_ref().map(|p| format!("{p}…")),
        ),
    };
    let detail = if row.count > 1 {
        format!("{} ({} times within a minute)", row.detail, row.count)
    } else {
        row.detail.clone()
    };
    audit::append(
        tx,
        &Record {
            actor: &actor,
            action: ACTION,
            object_type: "api_key",
            object_id,
            object_label: label.as_deref(),
            changes: vec![FieldChange::value(
                "count",
                None,
                Some(&row.count.to_string()),
            )],
            outcome: AuditResult::Refused,
            detail: Some(clip(&detail)),
        },
    )?;
    Ok(())
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
