//! The audit log: who did what to which object, when, and the result — never a secret value.
//!
//! Rows are appended in the same transaction as the change they record and chained: each row
//! stores the SHA-256 of the previous row's hash and its own canonical content, and the newest
//! row's hash is kept as the chain head. [`verify`] walks the chain and names the first row that
//! no longer matches, whether it was edited, deleted or the newest rows were cut off.

pub mod retention;
pub mod view;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::actor::{Actor, Operation};
use crate::error::{Error, Result};
use crate::time;

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD_KEY: &str = "audit_head";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AuditResult {
    Ok,
    Refused,
    Failed,
}

impl AuditResult {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditResult::Ok => "ok",
            AuditResult::Refused => "refused",
            AuditResult::Failed => "failed",
        }
    }
}

/// One changed field. For secret fields only the name and what happened are recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub field: String,
    pub secret: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

impl FieldChange {
    pub fn value(field: &str, from: Option<&str>, to: Option<&str>) -> Self {
        FieldChange {
            field: field.to_owned(),
            secret: false,
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        }
    }

    /// A secret field was set, replaced or removed; its value is never recorded.
    pub fn secret(field: &str, what: &str) -> Self {
        FieldChange {
            field: field.to_owned(),
            secret: true,
            from: None,
            to: Some(what.to_owned()),
        }
    }
}

/// What to record. `object_label` is the human name at the time (an integration's name).
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<&'a str>,
    pub object_label: Option<&'a str>,
    pub changes: Vec<FieldChange>,
    pub outcome: AuditResult,
    pub detail: Option<String>,
}

/// A stored audit row.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub seq: u32,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub object_label: Option<String>,
    pub changes: Vec<FieldChange>,
    pub result: AuditResult,
    pub detail: Option<String>,
}

/// Appends `record` inside `tx`, extending the chain.
pub fn append(tx: &Transaction<'_>, record: &Record<'_>) -> Result<i64> {
    let (last_seq, prev_hash) = head(tx)?;
    let seq = last_seq + 1;
    let at = time::now_ms();
    let changes = serde_json::to_string(&record.changes)
        .map_err(|e| Error::Internal(format!("audit changes: {e}")))?;
    let content = Content {
        seq,
        at,
        actor: record.actor.name(),
        action: record.action,
        object_type: record.object_type,
        object_id: record.object_id,
        object_label: record.object_label,
        changes: &changes,
        result: record.outcome.as_str(),
        detail: record.detail.as_deref(),
    };
    let hash = content.hash(&prev_hash);
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, object_label,
                                changes, result, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            seq,
            at,
            content.actor,
            content.action,
            content.object_type,
            content.object_id,
            content.object_label,
            content.changes,
            content.result,
            content.detail,
            prev_hash,
            hash
        ],
    )?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![HEAD_KEY, format!("{seq}:{hash}")],
    )?;
    Ok(seq)
}

/// The last sequence number and hash of the chain, from the newest row.
fn head(conn: &Connection) -> Result<(i64, String)> {
    let row = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    if let Some(row) = row {
        return Ok(row);
    }
    // Every row was pruned: the chain goes on from the stored head.
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [HEAD_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(stored
        .and_then(|v| {
            let (seq, hash) = v.split_once(':')?;
            Some((seq.parse().ok()?, hash.to_owned()))
        })
        .unwrap_or((0, GENESIS.to_owned())))
}

/// The canonical content of a row: what its hash covers.
struct Content<'a> {
    seq: i64,
    at: i64,
    actor: &'a str,
    action: &'a str,
    object_type: &'a str,
    object_id: Option<&'a str>,
    object_label: Option<&'a str>,
    changes: &'a str,
    result: &'a str,
    detail: Option<&'a str>,
}

impl Content<'_> {
    fn hash(&self, prev_hash: &str) -> String {
        // A JSON array has one spelling for given values, so it is a stable canonical form.
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.object_type,
            self.object_id,
            self.object_label,
            self.changes,
            self.result,
            self.detail
        ])
        .to_string();
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(canonical.as_bytes());
        hex::encode(h.finalize())
    }
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub ok: bool,
    pub rows_checked: u32,
    /// The first row that does not match (for a cut-off tail, the first missing one).
    pub first_bad_seq: Option<u32>,
    pub message: String,
}

/// Walks the whole chain in order and reports the first row that no longer matches.
pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, object_type, object_id, object_label, changes, result,
                detail, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let bad = |seq: i64, checked: u32, message: String| Verification {
        ok: false,
        rows_checked: checked,
        first_bad_seq: u32::try_from(seq).ok(),
        message,
    };
    // After pruning, the chain starts at the checkpoint; the newest `audit.prune` row (chained
    // like every other row) must vouch for the floor, so a floor written by hand is caught.
    let floor = retention::floor(conn)?;
    if floor != retention::newest_checkpoint(conn)? {
        let first = floor.as_ref().map_or(1, |f| f.through_seq + 1);
        return Ok(bad(
            first,
            0,
            format!(
                "Audit rows before row {first} were deleted without a retention checkpoint, or \
                 the checkpoint itself was removed (no pruning record matches)."
            ),
        ));
    }
    let (mut expected_seq, mut expected_prev) = match &floor {
        Some(f) => (f.through_seq + 1, f.anchor.clone()),
        None => (1, GENESIS.to_owned()),
    };
    let mut checked: u32 = 0;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let changes: String = r.get(7)?;
        let content = Content {
            seq,
            at: r.get(1)?,
            actor: &r.get::<_, String>(2)?,
            action: &r.get::<_, String>(3)?,
            object_type: &r.get::<_, String>(4)?,
            object_id: r.get::<_, Option<String>>(5)?.as_deref(),
            object_label: r.get::<_, Option<String>>(6)?.as_deref(),
            changes: &changes,
            result: &r.get::<_, String>(8)?,
            detail: r.get::<_, Option<String>>(9)?.as_deref(),
        }
        .hash(&r.get::<_, String>(10)?);
        let prev_hash: String = r.get(10)?;
        let hash: String = r.get(11)?;
        if seq != expected_seq {
            return Ok(bad(
                expected_seq,
                checked,
                format!(
                    "Audit row {expected_seq} is missing: it was deleted (the next row is {seq})."
                ),
            ));
        }
        if prev_hash != expected_prev {
            return Ok(bad(
                seq,
                checked,
                format!(
                    "Audit row {seq} does not follow row {}: the chain was broken here.",
                    seq - 1
                ),
            ));
        }
        if content != hash {
            return Ok(bad(
                seq,
                checked,
                format!("Audit row {seq} was changed after it was written."),
            ));
        }
        expected_prev = hash;
        expected_seq += 1;
        checked += 1;
    }
    let stored_head: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [HEAD_KEY],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(stored) = stored_head {
        let (head_seq, head_hash) = stored.split_once(':').unwrap_or(("0", ""));
        let head_seq: i64 = head_seq.parse().unwrap_or(0);
        if head_seq != expected_seq - 1 || head_hash != expected_prev {
            return Ok(bad(
                expected_seq,
                checked,
                format!(
                    "Audit rows from {expected_seq} to {head_seq} are missing: the newest rows \
                     were deleted."
                ),
            ));
        }
    }
    let pruned = match &floor {
        Some(f) => format!(
            " Rows 1 to {} were pruned by retention; the checkpoint matches.",
            f.through_seq
        ),
        None => String::new(),
    };
    Ok(Verification {
        ok: true,
        rows_checked: checked,
        first_bad_seq: None,
        message: format!("All {checked} audit rows are intact.{pruned}"),
    })
}

pub(crate) const COLUMNS: &str =
    "seq, at, actor, action, object_type, object_id, object_label, changes, result, detail";

pub(crate) fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    let changes: String = r.get(7)?;
    let result: String = r.get(8)?;
    Ok(AuditRow {
        seq: r.get(0)?,
        at: time::to_rfc3339(r.get(1)?),
        actor: r.get(2)?,
        action: r.get(3)?,
        object_type: r.get(4)?,
        object_id: r.get(5)?,
        object_label: r.get(6)?,
        changes: serde_json::from_str(&changes).unwrap_or_default(),
        result: match result.as_str() {
            "ok" => AuditResult::Ok,
            "refused" => AuditResult::Refused,
            _ => AuditResult::Failed,
        },
        detail: r.get(9)?,
    })
}

/// The changes in one line: `name: "a" → "b"; auth_token (secret): replaced`.
pub fn describe_changes(changes: &[FieldChange]) -> String {
    changes
        .iter()
        .map(|c| {
            if c.secret {
                format!(
                    "{} (secret): {}",
                    c.field,
                    c.to.as_deref().unwrap_or("changed")
                )
            } else {
                match (&c.from, &c.to) {
                    (Some(f), Some(t)) => format!("{}: {f:?} → {t:?}", c.field),
                    (None, Some(t)) => format!("{}: {t:?}", c.field),
                    (Some(f), None) => format!("{}: {f:?} → (none)", c.field),
                    (None, None) => c.field.clone(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The newest rows first, at most `limit`.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], read_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl crate::Switchboard {
    /// Checks whether `actor` may do something; if not, records the refusal in the audit log
    /// and returns [`Error::Forbidden`]. Every operation in core starts with this.
    pub fn authorize(&self, actor: &Actor, op: Operation, object_id: Option<&str>) -> Result<()> {
        if actor.can(op.permission()) {
            return Ok(());
        }
        let message = op.permission().refusal();
        let action = op.action();
        self.db().write(|tx| {
            append(
                tx,
                &Record {
                    actor,
                    action,
                    object_type: op.object_kind(),
                    object_id,
                    object_label: None,
                    changes: vec![],
                    outcome: AuditResult::Refused,
                    detail: Some(message.to_owned()),
                },
            )
        })?;
        tracing::info!(actor = actor.name(), action, "refused: not permitted");
        Err(Error::Forbidden(message.to_owned()))
    }

    /// Checks the whole chain; see [`verify`]. Recorded, like every look at the log.
    pub fn verify_audit(&self, actor: &Actor) -> Result<Verification> {
        self.authorize(actor, Operation::AuditVerify, None)?;
        let v = self.db().read(verify)?;
        self.db().write(|tx| {
            append(
                tx,
                &Record {
                    actor,
                    action: "audit.verify",
                    object_type: "audit_log",
                    object_id: None,
                    object_label: None,
                    changes: vec![],
                    outcome: if v.ok {
                        AuditResult::Ok
                    } else {
                        AuditResult::Failed
                    },
                    detail: Some(v.message.clone()),
                },
            )
        })?;
        Ok(v)
    }

    /// The newest `limit` audit rows.
    pub fn recent_audit(&self, actor: &Actor, limit: u32) -> Result<Vec<AuditRow>> {
        self.authorize(actor, Operation::AuditView, None)?;
        self.db().read(|c| recent(c, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    fn db_with_rows(n: usize) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("a.sqlite3")).unwrap();
        let actor = Actor::user("usr_t", "tester", crate::actor::Role::Admin);
        for i in 0..n {
            db.write(|tx| {
                append(
                    tx,
                    &Record {
                        actor: &actor,
                        action: "integration.update",
                        object_type: "integration",
                        object_id: Some("int_1"),
                        object_label: Some("SMS"),
                        changes: vec![
                            FieldChange::value("name", Some(&format!("n{i}")), Some("m")),
                            FieldChange::secret("auth_token", "replaced"),
                        ],
                        outcome: AuditResult::Ok,
                        detail: None,
                    },
                )
            })
            .unwrap();
        }
        (dir, db)
    }

    fn raw(db: &Db, sql: &str) {
        // Tampering goes around the API, as someone editing the file would.
        let c = Connection::open(db.path()).unwrap();
        c.execute_batch(sql).unwrap();
    }

    fn check(db: &Db) -> Verification {
        db.read(verify).unwrap()
    }

    #[test]
    fn intact_chain_verifies() {
        let (_d, db) = db_with_rows(5);
        let v = check(&db);
        assert!(v.ok, "{v:?}");
        assert_eq!(v.rows_checked, 5);
    }

    #[test]
    fn empty_chain_verifies() {
        let (_d, db) = db_with_rows(0);
        assert!(check(&db).ok);
    }

    #[test]
    fn edited_row_is_named() {
        let (_d, db) = db_with_rows(5);
        raw(&db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
        let v = check(&db);
        assert!(!v.ok);
        assert_eq!(v.first_bad_seq, Some(3));
        assert!(v.message.contains("row 3 was changed"), "{}", v.message);
    }

    #[test]
    fn edited_and_rehashed_row_breaks_the_next_link() {
        let (_d, db) = db_with_rows(5);
        // Someone who recomputes row 2's own hash still breaks row 3's link to it.
        raw(&db, "UPDATE audit_log SET hash = 'ffff' WHERE seq = 2");
        let v = check(&db);
        assert_eq!(v.first_bad_seq, Some(2));
    }

    #[test]
    fn deleted_middle_row_is_named() {
        let (_d, db) = db_with_rows(5);
        raw(&db, "DELETE FROM audit_log WHERE seq = 2");
        let v = check(&db);
        assert!(!v.ok);
        assert_eq!(v.first_bad_seq, Some(2));
        assert!(v.message.contains("row 2 is missing"), "{}", v.message);
    }

    #[test]
    fn deleted_newest_rows_are_detected() {
        let (_d, db) = db_with_rows(5);
        raw(&db, "DELETE FROM audit_log WHERE seq >= 4");
        let v = check(&db);
        assert!(!v.ok);
        assert_eq!(v.first_bad_seq, Some(4));
    }

    #[test]
    fn secret_changes_record_names_only() {
        let (_d, db) = db_with_rows(1);
        let rows = db.read(|c| recent(c, 10)).unwrap();
        let secret = rows[0].changes.iter().find(|c| c.secret).unwrap();
        assert_eq!(secret.field, "auth_token");
        assert_eq!(secret.from, None);
    }
}
