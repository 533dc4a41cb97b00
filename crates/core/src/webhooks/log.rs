//! The delivery log: filtered, keyset-paginated reads that stay fast at a million rows; the
//! detail of one delivery with every attempt; resending; export as CSV or JSON.

use std::path::PathBuf;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::{time, Switchboard};

pub const MAX_PAGE: u32 = 500;
/// Rows written by one export at most.
pub const MAX_EXPORT: u32 = 1_000_000;

pub use switchboard_domain::delivery::DeliveryStatus;

#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryFilter {
    #[serde(default)]
    pub endpoint_id: Option<String>,
    #[serde(default)]
    pub event_type: Option<String>,
    #[serde(default)]
    pub status: Option<DeliveryStatus>,
    /// RFC 3339; deliveries created at or after.
    #[serde(default)]
    pub from: Option<String>,
    /// RFC 3339; deliveries created before.
    #[serde(default)]
    pub to: Option<String>,
    /// An exact event id (`evt_…`).
    #[serde(default)]
    pub event_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRow {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub endpoint_id: String,
    pub endpoint_url: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<u32>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPage {
    pub rows: Vec<DeliveryRow>,
    /// Pass back as `cursor` for the next (older) page; `None` at the end.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRow {
    pub attempt: u32,
    pub at: String,
    pub duration_ms: u32,
    /// The request's headers as sent, signatures and custom header values redacted.
    pub request_headers: String,
    pub status_code: Option<u16>,
    pub error_class: Option<String>,
    pub error: Option<String>,
    /// The first 64 KiB of the response, as text.
    pub response: String,
    pub next_attempt_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    pub delivery: DeliveryRow,
    /// The exact body sent.
    pub payload: String,
    pub attempts: Vec<AttemptRow>,
}

pub use crate::export::{ExportFormat, Exported};

const SELECT: &str = "SELECT d.id, d.event_id, d.event_type, d.endpoint_id, coalesce(e.url, ''), d.status, \
                      d.total_attempts, d.last_status, d.last_error, d.last_duration_ms, d.next_attempt_at, \
                      d.created_at, d.updated_at FROM deliveries d \
                      LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id";

/// The WHERE clause and its parameters for a filter (and an optional keyset cursor).
fn where_clause(
    c: &Connection,
    f: &DeliveryFilter,
    cursor: Option<i64>,
) -> Result<(String, Vec<Value>)> {
    let mut sql = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(id) = f.endpoint_id.as_deref().filter(|s| !s.is_empty()) {
        sql.push("d.endpoint_id = ?");
        args.push(Value::Text(id.to_owned()));
    }
    if let Some(t) = f.event_type.as_deref().filter(|s| !s.is_empty()) {
        sql.push("d.event_type = ?");
        args.push(Value::Text(t.to_owned()));
    }
    if let Some(s) = f.status {
        sql.push("d.status = ?");
        args.push(Value::Text(s.as_str().to_owned()));
    }
    if let Some(e) = f
        .event_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        sql.push("d.event_id = ?");
        args.push(Value::Text(e.to_owned()));
    }
    // Time bounds become id bounds (ids grow with creation time), so every query walks the id
    // order and stays a bounded index scan.
    if let Some(from) = f.from.as_deref().filter(|s| !s.is_empty()) {
        let ms = time::parse_time("from", from)?;
        // Walk the (created_at, id) index from the bound: min(id) would scan the table by rowid.
        let first: Option<i64> = c
            .query_row(
                "SELECT id FROM deliveries WHERE created_at >= ?1 ORDER BY created_at, id LIMIT 1",
                [ms],
                |r| r.get(0),
            )
            .optional()?;
        sql.push("d.id >= ?");
        args.push(Value::Integer(first.unwrap_or(i64::MAX)));
    }
    if let Some(to) = f.to.as_deref().filter(|s| !s.is_empty()) {
        let ms = time::parse_time("to", to)?;
        let last: Option<i64> = c
            .query_row(
                "SELECT id FROM deliveries WHERE created_at < ?1 ORDER BY created_at DESC, id DESC LIMIT 1",
                [ms],
                |r| r.get(0),
            )
            .optional()?;
        sql.push("d.id <= ?");
        args.push(Value::Integer(last.unwrap_or(0)));
    }
    if let Some(cur) = cursor {
        sql.push("d.id < ?");
        args.push(Value::Integer(cur));
    }
    let clause = if sql.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", sql.join(" AND "))
    };
    Ok((clause, args))
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get::<_, i64>(0)?.to_string(),
        event_id: r.get(1)?,
        event_type: r.get(2)?,
        endpoint_id: r.get(3)?,
        endpoint_url: r.get(4)?,
        status: crate::store::named(r, 5, DeliveryStatus::parse)?,
        attempts: r.get(6)?,
        last_status: r.get(7)?,
        last_error: r.get(8)?,
        last_duration_ms: r.get(9)?,
        next_attempt_at: r.get::<_, Option<i64>>(10)?.map(time::to_rfc3339),
        created_at: time::to_rfc3339(r.get(11)?),
        updated_at: time::to_rfc3339(r.get(12)?),
    })
}

fn parse_id(field: &str, s: &str) -> Result<i64> {
    s.trim()
        .parse()
        .map_err(|_| Error::validation(field, "Not a delivery id."))
}

impl Switchboard {
    /// One page of the delivery log, newest first.
    pub fn deliveries(
        &self,
        actor: &Actor,
        filter: &DeliveryFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<DeliveryPage> {
        self.authorize(actor, Operation::DeliveryLogView, None)?;
        let cursor = cursor
            .filter(|c| !c.is_empty())
            .map(|c| parse_id("cursor", c))
            .transpose()?;
        let limit = limit.clamp(1, MAX_PAGE);
        self.db().read(|c| {
            let (clause, mut args) = where_clause(c, filter, cursor)?;
            args.push(Value::Integer(i64::from(limit)));
            let mut stmt = c.prepare(&format!("{SELECT}{clause} ORDER BY d.id DESC LIMIT ?"))?;
            let rows = stmt
                .query_map(params_from_iter(args), read_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let next_cursor = if rows.len() == limit as usize {
                rows.last().map(|r| r.id.clone())
            } else {
                None
            };
            Ok(DeliveryPage { rows, next_cursor })
        })
    }

    pub fn delivery(&self, actor: &Actor, id: &str) -> Result<DeliveryDetail> {
        self.authorize(actor, Operation::DeliveryView, Some(id))?;
        let id = parse_id("id", id)?;
        self.db().read(|c| {
            let delivery = c
                .query_row(&format!("{SELECT} WHERE d.id = ?1"), [id], read_row)
                .optional()?
                .ok_or_else(|| Error::NotFound(format!("Delivery {id}")))?;
            let payload: Vec<u8> = c.query_row(
                "SELECT body FROM webhook_events WHERE id = ?1",
                [&delivery.event_id],
                |r| r.get(0),
            )?;
            let mut stmt = c.prepare(
                "SELECT attempt, at, duration_ms, request_headers, status_code, error_class, error,
                        response_body, next_attempt_at
                 FROM delivery_attempts WHERE delivery_id = ?1 ORDER BY attempt",
            )?;
            let attempts = stmt
                .query_map([id], |r| {
                    let body: Option<Vec<u8>> = r.get(7)?;
                    Ok(AttemptRow {
                        attempt: r.get(0)?,
                        at: time::to_rfc3339(r.get(1)?),
                        duration_ms: r.get(2)?,
                        request_headers: r.get(3)?,
                        status_code: r.get(4)?,
                        error_class: r.get(5)?,
                        error: r.get(6)?,
                        response: String::from_utf8_lossy(&body.unwrap_or_default()).into_owned(),
                        next_attempt_at: r.get::<_, Option<i64>>(8)?.map(time::to_rfc3339),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(DeliveryDetail {
                delivery,
                payload: String::from_utf8_lossy(&payload).into_owned(),
                attempts,
            })
        })
    }

    /// Sends failed (retrying) or dead deliveries again now: the given ids, or every one matching
    /// the filter. Returns how many were queued.
    pub fn resend(
        &self,
        actor: &Actor,
        ids: &[String],
        filter: Option<&DeliveryFilter>,
    ) -> Result<u32> {
        self.authorize(actor, Operation::DeliveryResend, None)?;
        let now = time::now_ms();
        let count = self.db().write(|tx| {
            let mut count = 0usize;
            // Only a delivery that has failed at least once (retrying or dead) starts over.
            let requeue = format!(
                "UPDATE deliveries SET status = '{}', attempts = 0, next_attempt_at = ?1, updated_at = ?1
                           WHERE status IN ({})",
                DeliveryStatus::Pending,
                DeliveryStatus::sql_list(&[DeliveryStatus::Retrying, DeliveryStatus::Dead])
            );
            for id in ids {
                let id = parse_id("id", id)?;
                count += tx.execute(
                    &format!("{requeue} AND id = ?2"),
                    rusqlite::params![now, id],
                )?;
            }
            if let Some(f) = filter {
                let (clause, args) = where_clause(tx, f, None)?;
                let select = format!("SELECT d.id FROM deliveries d{clause}");
                let mut all = vec![Value::Integer(now)];
                all.extend(args);
                count += tx.execute(
                    &format!("{requeue} AND id IN ({select})"),
                    params_from_iter(all),
                )?;
            }
            if count > 0 {
                audit::append(
                    tx,
                    &Record {
                        actor,
                        action: "delivery.resend",
                        object_type: "delivery",
                        object_id: if ids.len() == 1 {
                            ids.first().map(String::as_str)
                        } else {
                            None
                        },
                        object_label: None,
                        changes: vec![FieldChange::value(
                            "deliveries",
                            None,
                            Some(&count.to_string()),
                        )],
                        outcome: AuditResult::Ok,
                        detail: None,
                    },
                )?;
            }
            Ok(count)
        })?;
        if count > 0 {
            self.wake_worker();
        }
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Writes the filtered log to `dir` (the Downloads folder when `None`) as CSV or JSON, and
    /// records the export in the audit log.
    pub fn export_deliveries(
        &self,
        actor: &Actor,
        filter: &DeliveryFilter,
        format: ExportFormat,
        dir: Option<PathBuf>,
    ) -> Result<Exported> {
        self.authorize(actor, Operation::DeliveryLogExport, None)?;
        let path = crate::export::path_for(dir, self.data_dir(), "deliveries", format)?;
        let ext = format.extension();
        let rows = self.db().read(|c| {
            let (clause, mut args) = where_clause(c, filter, None)?;
            args.push(Value::Integer(i64::from(MAX_EXPORT)));
            let mut stmt = c.prepare(&format!("{SELECT}{clause} ORDER BY d.id DESC LIMIT ?"))?;
            let rows = stmt
                .query_map(params_from_iter(args), read_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })?;
        crate::export::write_atomically(&path, |file| {
            match format {
                ExportFormat::Json => serde_json::to_writer_pretty(file, &rows)?,
                ExportFormat::Csv => {
                    let mut w = csv::Writer::from_writer(file);
                    w.write_record([
                        "id",
                        "created_at",
                        "event_id",
                        "event_type",
                        "endpoint_url",
                        "status",
                        "attempts",
                        "last_status",
                        "last_duration_ms",
                        "last_error",
                        "next_attempt_at",
                    ])?;
                    for r in &rows {
                        w.write_record([
                            r.id.as_str(),
                            &r.created_at,
                            &r.event_id,
                            &r.event_type,
                            &r.endpoint_url,
                            r.status.as_str(),
                            &r.attempts.to_string(),
                            &r.last_status.map(|s| s.to_string()).unwrap_or_default(),
                            &r.last_duration_ms
                                .map(|s| s.to_string())
                                .unwrap_or_default(),
                            r.last_error.as_deref().unwrap_or(""),
                            r.next_attempt_at.as_deref().unwrap_or(""),
                        ])?;
                    }
                    w.flush()?;
                }
            }
            Ok(())
        })?;
        let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        self.db().write(|tx| {
            audit::append(
                tx,
                &Record {
                    actor,
                    action: "delivery_log.export",
                    object_type: "delivery_log",
                    object_id: None,
                    object_label: Some(&path.display().to_string()),
                    changes: vec![FieldChange::value("rows", None, Some(&n.to_string()))],
                    outcome: AuditResult::Ok,
                    detail: Some(format!("{ext} export")),
                },
            )
        })?;
        Ok(Exported {
            path: path.display().to_string(),
            rows: n,
        })
    }
}
