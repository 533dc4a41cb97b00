//! Retention: audit rows and delivery attempts older than the retention period (a year at
//! least) are pruned, and the audit chain stays verifiable.
//!
//! Pruning the oldest audit rows removes the start of the chain. In the same transaction it
//! appends an `audit.prune` row — itself chained, so it cannot be edited or removed unnoticed —
//! that records the last pruned row's number and hash (the checkpoint), and keeps a copy of that
//! checkpoint as the chain's floor for [`super::verify`]. Verification then starts from the floor
//! and checks it against the newest `audit.prune` row: rows deleted by hand, without a
//! checkpoint, are still named.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use switchboard_domain::delivery::DeliveryStatus;

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::Result;
use crate::{time, Switchboard};

pub(crate) const FLOOR_KEY: &str = "audit_floor";
const DAY_MS: i64 = 24 * 3600 * 1000;

/// What a checkpoint records about the pruned rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The last pruned row.
    pub through_seq: i64,
    /// Its hash: the `prev_hash` of the first row kept.
    pub anchor: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Pruned {
    pub audit_rows: u32,
    pub delivery_attempts: u32,
    pub deliveries: u32,
    /// Rows written before this time were removed (RFC 3339).
    pub cutoff: String,
}

pub(crate) fn floor(conn: &rusqlite::Connection) -> Result<Option<Checkpoint>> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [FLOOR_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
}

/// The checkpoint recorded by the newest `audit.prune` row, if any.
pub(crate) fn newest_checkpoint(conn: &rusqlite::Connection) -> Result<Option<Checkpoint>> {
    let detail: Option<Option<String>> = conn
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'audit.prune' AND result = 'ok'
             ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(detail.flatten().and_then(|d| serde_json::from_str(&d).ok()))
}

fn prune_audit(tx: &Transaction<'_>, actor: &Actor, cutoff: i64) -> Result<u32> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log WHERE at < ?1 ORDER BY at DESC, seq DESC LIMIT 1",
            [cutoff],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((through_seq, anchor)) = last else {
        return Ok(0);
    };
    let n = tx.execute("DELETE FROM audit_log WHERE seq <= ?1", [through_seq])?;
    let checkpoint = Checkpoint {
        through_seq,
        anchor,
    };
    let json = serde_json::to_string(&checkpoint).unwrap_or_default();
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![FLOOR_KEY, json],
    )?;
    audit::append(
        tx,
        &Record {
            actor,
            action: "audit.prune",
            object_type: "audit_log",
            object_id: None,
            object_label: None,
            changes: vec![FieldChange::value("rows", None, Some(&n.to_string()))],
            outcome: AuditResult::Ok,
            detail: Some(json),
        },
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

impl Switchboard {
    /// Prunes what is older than the retention period: audit rows (leaving a checkpoint),
    /// delivery attempts, and finished deliveries with their events. Run daily by the app and
    /// by `switchboard audit prune`.
    pub fn prune(&self, actor: &Actor) -> Result<Pruned> {
        self.prune_now(actor, time::now_ms())
    }

    /// The pruning itself as of `now_ms`, for the daily run (as `system:retention`) and for
    /// tests that move the clock. Authorised like [`Switchboard::prune`].
    pub fn prune_now(&self, actor: &Actor, now_ms: i64) -> Result<Pruned> {
        self.authorize(actor, Operation::AuditPrune, None)?;
        let days = self
            .settings()?
            .retention_days
            .max(switchboard_domain::settings::MIN_RETENTION_DAYS);
        let cutoff = now_ms - i64::from(days) * DAY_MS;
        let audit_rows = self.db().write(|tx| prune_audit(tx, actor, cutoff))?;
        // Delivery history in batches, so the worker's writes are not held up for long.
        let mut delivery_attempts = 0u32;
        loop {
            let n = self.db().write(|tx| {
                Ok(tx.execute(
                    "DELETE FROM delivery_attempts WHERE id IN
                       (SELECT id FROM delivery_attempts WHERE at < ?1 LIMIT 10000)",
                    [cutoff],
                )?)
            })?;
            delivery_attempts += u32::try_from(n).unwrap_or(0);
            if n < 10_000 {
                break;
            }
        }
        let deliveries = self.db().write(|tx| {
            let n = tx.execute(
                &format!(
                    "DELETE FROM deliveries
                     WHERE status IN ({}) AND updated_at < ?1
                       AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = deliveries.id)",
                    DeliveryStatus::sql_list(&DeliveryStatus::FINISHED)
                ),
                [cutoff],
            )?;
            tx.execute(
                "DELETE FROM webhook_events
                 WHERE created_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = webhook_events.id)",
                [cutoff],
            )?;
            if n > 0 || delivery_attempts > 0 {
                audit::append(
                    tx,
                    &Record {
                        actor,
                        action: "delivery_log.prune",
                        object_type: "delivery_log",
                        object_id: None,
                        object_label: None,
                        changes: vec![
                            FieldChange::value("attempts", None, Some(&delivery_attempts.to_string())),
                            FieldChange::value("deliveries", None, Some(&n.to_string())),
                        ],
                        outcome: AuditResult::Ok,
                        detail: None,
                    },
                )?;
            }
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })?;
        Ok(Pruned {
            audit_rows,
            delivery_attempts,
            deliveries,
            cutoff: time::to_rfc3339(cutoff),
        })
    }
}
