//! Refused ingest requests in the audit chain, aggregated so a flood cannot flood the log.
//!
//! Accepted events are not audited one by one: the event row names its key (the usage log).
//! Refusals are, but per subject (a key, an unknown key's shown prefix, or "no key") and reason:
//! the first refusal opens a window of [`switchboard_domain::refusals::WINDOW_MS`] and is written at once (`count` 1); further
//! ones in that window are only counted, and written as one row with their `count` when the
//! window closes — which opens the next window if any were counted — or when the ingest API
//! stops ([`Switchboard::flush_refusals`]). So a steady flood adds one row per subject and reason
//! per minute, and a lone refusal is visible at once.

use rusqlite::Transaction;
use switchboard_domain::refusals::{Refused, Row, Subject, ACTION};

use crate::actor::Actor;
use crate::api_keys::clip;
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::Result;
use crate::{time, Switchboard};

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
