//! The durable work queue both kinds of background work run on: webhook deliveries
//! (`deliveries`) and sync jobs (`sync_jobs`). One implementation of the claim, the lease, the
//! crash recovery and the attempt log, described by a [`Queue`] per table; the workers differ
//! only in what they *do* with a claimed row.
//!
//! The lease is not a column. A claim moves a row's `next_attempt_at` past now (to the end of
//! the lease); recording the attempt sets it to the attempt's real next time and writes the same
//! time into the attempt row. So a row is leased exactly when it is open, its `next_attempt_at`
//! is in the future, and that time is not its latest attempt's (a `pending` row never waits on
//! a schedule, so a future time there is always a lease). If a worker dies, its rows simply come
//! due when the lease ends, or at once when the next holder of the services lock calls
//! [`reclaim_leases`].
//!
//! A `scheduled` row (a reminder) waits for its due time; claiming it makes it `pending`, so the
//! lease rule above still holds.

use rusqlite::{params, Transaction};

use crate::error::Result;

/// One durable queue: a table of rows with `status`, `attempts`, `next_attempt_at`, and an
/// attempts table keyed by `owner` with `attempt` and `next_attempt_at`.
#[derive(Debug, Clone, Copy)]
pub struct Queue {
    pub table: &'static str,
    /// The partial index on `next_attempt_at` over open rows.
    pub due_index: &'static str,
    /// The open states, as a SQL list (`'pending', 'retrying'`).
    pub open: &'static str,
    /// The state whose future `next_attempt_at` is always a lease.
    pub pending: &'static str,
    /// The state that waits for a due time and becomes `pending` when claimed, if any.
    pub scheduled: Option<&'static str>,
    /// An extra condition on the claimed row `d` (only enabled endpoints, say).
    pub ready: &'static str,
    pub attempts_table: &'static str,
    /// The attempts table's column naming the row.
    pub owner: &'static str,
}

/// Claims up to `batch` due rows (and rows whose lease ran out), oldest due first, leasing them
/// until `now + lease_ms`, and returns the columns in `returning` for each.
pub fn claim<T>(
    tx: &Transaction<'_>,
    q: &Queue,
    now: i64,
    lease_ms: i64,
    batch: usize,
    returning: &str,
    mut row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let status = match q.scheduled {
        Some(s) => format!(
            ", status = CASE status WHEN '{s}' THEN '{pending}' ELSE status END",
            pending = q.pending
        ),
        None => String::new(),
    };
    let sql = format!(
        "UPDATE {table} SET next_attempt_at = ?1{status}
         WHERE id IN (
             SELECT d.id FROM {table} d INDEXED BY {index}
             WHERE d.status IN ({open}) AND d.next_attempt_at <= ?2 AND ({ready})
             ORDER BY d.next_attempt_at LIMIT ?3)
         RETURNING {returning}",
        table = q.table,
        index = q.due_index,
        open = q.open,
        ready = if q.ready.is_empty() { "1" } else { q.ready },
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            now.saturating_add(lease_ms),
            now,
            i64::try_from(batch).unwrap_or(512)
        ],
        |r| row(r),
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<T>>>()?)
}

/// Makes every outstanding lease due now and returns how many there were. Only the holder of
/// the services lock may call it (through the workers' `reclaim_leases`): holding it means no
/// other live process is working, so every lease left belongs to a process that died.
pub fn reclaim_leases(tx: &Transaction<'_>, q: &Queue, now: i64) -> Result<usize> {
    Ok(tx.execute(
        &format!(
            "UPDATE {table} SET next_attempt_at = ?1
             WHERE id IN (SELECT d.id FROM {table} d INDEXED BY {index} WHERE {leased})",
            table = q.table,
            index = q.due_index,
            leased = leased(q, "?1"),
        ),
        [now],
    )?)
}

/// The lease rule of the module comment, on row `d`, at the time bound to `now`: open, due in
/// the future, and that time is not its latest attempt's (always a lease for `pending`; never
/// for `scheduled`, which waits for its own time).
fn leased(q: &Queue, now: &str) -> String {
    format!(
        "d.status IN ({open}) AND d.next_attempt_at > {now}
           AND (d.status = '{pending}'
                OR d.next_attempt_at IS NOT (
                    SELECT a.next_attempt_at FROM {attempts} a
                    WHERE a.{owner} = d.id ORDER BY a.attempt DESC LIMIT 1))
           {not_scheduled}",
        open = q.open,
        pending = q.pending,
        attempts = q.attempts_table,
        owner = q.owner,
        not_scheduled = q
            .scheduled
            .map(|s| format!("AND d.status <> '{s}'"))
            .unwrap_or_default(),
    )
}

/// When the next open row is due, if any (the worker sleeps until then).
pub fn next_due(c: &rusqlite::Connection, q: &Queue) -> Result<Option<i64>> {
    Ok(c.query_row(
        &format!(
            "SELECT min(next_attempt_at) FROM {table} WHERE status IN ({open})",
            table = q.table,
            open = q.open
        ),
        [],
        |r| r.get(0),
    )?)
}

/// Whether row `id` is leased right now (claimed by a live worker and being worked on): the
/// rule in the module comment, for views that show "running".
pub fn is_leased(c: &rusqlite::Connection, q: &Queue, id: i64, now: i64) -> Result<bool> {
    Ok(c.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {table} d WHERE d.id = ?1 AND {leased})",
            table = q.table,
            leased = leased(q, "?2"),
        ),
        params![id, now],
        |r| r.get(0),
    )?)
}
