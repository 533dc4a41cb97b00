//! The sync log: every job, newest first, filtered by integration, status and a search over the
//! clinic object (invoice number, owner, masked phone, the clinic's id); one job with every
//! attempt; retry, skip and acknowledge; export; today's counts for the cards; "Sync now".

use std::path::PathBuf;

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use switchboard_domain::job::{JobKind, JobStatus, SyncRule};

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::export::{ExportFormat, Exported};
use crate::jobs::QUEUE;
use crate::{engine, time, Switchboard};

pub const MAX_PAGE: u32 = 500;
pub const MAX_EXPORT: u32 = 1_000_000;

#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobFilter {
    #[serde(default)]
    pub integration_id: Option<String>,
    #[serde(default)]
    pub status: Option<JobStatus>,
    #[serde(default)]
    pub rule: Option<SyncRule>,
    /// Text found in the clinic object (invoice number, owner, masked phone), its id, the
    /// event id or the provider object.
    #[serde(default)]
    pub search: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobRow {
    pub id: String,
    pub integration_id: String,
    pub integration_name: String,
    pub rule: SyncRule,
    pub kind: JobKind,
    pub kind_label: String,
    pub event_id: Option<String>,
    /// The clinic object in words ("Invoice VET-1042 · Jane Doe").
    pub subject: String,
    pub status: JobStatus,
    pub status_label: String,
    /// Why it was skipped, cancelled or failed, in plain words.
    pub reason: Option<String>,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// What it made at the provider ("Invoice 145", "SM…").
    pub provider_object: Option<String>,
    /// The provider's own state of it (a text's delivery status).
    pub provider_state: Option<String>,
    /// A link into the provider's app, where one exists.
    pub provider_link: Option<String>,
    pub acknowledged: bool,
    pub due_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobPage {
    pub rows: Vec<JobRow>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncAttemptRow {
    pub attempt: u32,
    pub at: String,
    pub duration_ms: u32,
    /// The provider request(s): method, path and body, secrets scrubbed.
    pub request: String,
    pub status_code: Option<u16>,
    pub error_class: Option<String>,
    pub error: Option<String>,
    pub response: String,
    pub next_attempt_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JobDetail {
    pub job: JobRow,
    /// Amounts the provider computed beside the clinic's, and other facts, as JSON.
    pub detail: String,
    pub attempts: Vec<SyncAttemptRow>,
}

/// Today's work of one integration, for its card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncCounts {
    pub integration_id: String,
    /// Rules that are on.
    pub rules_on: u32,
    pub synced_today: u32,
    pub waiting: u32,
    pub retrying: u32,
    /// Dead and not acknowledged.
    pub failed: u32,
    pub skipped_today: u32,
    /// The latest failure, in plain words.
    pub latest_failure: Option<String>,
}

const SELECT: &str =
    "SELECT j.id, j.integration_id, coalesce(i.name, ''), j.kind, j.event_id, j.subject, \
    j.status, j.reason, j.total_attempts, j.last_error, j.provider_object, j.provider_state, \
    j.acknowledged, j.due_at, j.next_attempt_at, j.created_at, j.updated_at, i.environment, \
    i.settings FROM sync_jobs j LEFT JOIN integrations i ON i.id = j.integration_id";

fn where_clause(f: &JobFilter, cursor: Option<i64>) -> (String, Vec<Value>) {
    let mut sql: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(id) = f.integration_id.as_deref().filter(|s| !s.is_empty()) {
        sql.push("(j.integration_id = ? OR i.name = ? COLLATE NOCASE)".into());
        args.push(Value::Text(id.to_owned()));
        args.push(Value::Text(id.to_owned()));
    }
    if let Some(s) = f.status {
        if s == JobStatus::Running {
            // Derived: open and leased. Filter loosely here (open, due in the future) and
            // leave the exact rule to the view.
            sql.push(format!(
                "j.status IN ({}) AND j.next_attempt_at > ?",
                QUEUE.open
            ));
            args.push(Value::Integer(time::now_ms()));
        } else {
            sql.push("j.status = ?".into());
            args.push(Value::Text(s.as_str().to_owned()));
        }
    }
    if let Some(rule) = f.rule {
        let kinds = JobKind::ALL
            .into_iter()
            .filter(|k| k.rule() == rule)
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push(format!("j.kind IN ({kinds})"));
    }
    if let Some(q) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let like = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        sql.push(
            "(j.subject LIKE ? ESCAPE '\\' OR j.subject_key = ? OR j.event_id = ? \
             OR j.provider_object LIKE ? ESCAPE '\\')"
                .into(),
        );
        args.push(Value::Text(like.clone()));
        args.push(Value::Text(q.to_owned()));
        args.push(Value::Text(q.to_owned()));
        args.push(Value::Text(like));
    }
    if let Some(cur) = cursor {
        sql.push("j.id < ?".into());
        args.push(Value::Integer(cur));
    }
    let clause = if sql.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", sql.join(" AND "))
    };
    (clause, args)
}

/// A link into QuickBooks for an object it made, where the environment has an app to open.
fn provider_link(kind: JobKind, object: Option<&str>, environment: Option<&str>) -> Option<String> {
    let object = object?;
    let host = match environment {
        Some("sandbox") => "https://app.sandbox.qbo.intuit.com",
        Some("production") => "https://app.qbo.intuit.com",
        _ => return None,
    };
    let id = object.rsplit(' ').next()?;
    match kind {
        JobKind::QboInvoice => Some(format!("{host}/app/invoice?txnId={id}")),
        JobKind::QboPayment => Some(format!("{host}/app/recvpayment?txnId={id}")),
        _ => None,
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    let kind: JobKind = crate::store::named(r, 3, JobKind::parse)?;
    let status: JobStatus = crate::store::named(r, 6, JobStatus::parse)?;
    let object: Option<String> = r.get(10)?;
    let environment: Option<String> = r.get(17)?;
    Ok(JobRow {
        id: r.get::<_, i64>(0)?.to_string(),
        integration_id: r.get(1)?,
        integration_name: r.get(2)?,
        rule: kind.rule(),
        kind,
        kind_label: kind.label().to_owned(),
        event_id: r.get(4)?,
        subject: r.get(5)?,
        status,
        status_label: status.label().to_owned(),
        reason: r.get(7)?,
        attempts: r.get(8)?,
        last_error: r.get(9)?,
        provider_link: provider_link(kind, object.as_deref(), environment.as_deref()),
        provider_object: object,
        provider_state: r.get(11)?,
        acknowledged: r.get(12)?,
        due_at: r.get::<_, Option<i64>>(13)?.map(time::to_rfc3339),
        next_attempt_at: r.get::<_, Option<i64>>(14)?.map(time::to_rfc3339),
        created_at: time::to_rfc3339(r.get(15)?),
        updated_at: time::to_rfc3339(r.get(16)?),
    })
}

/// Marks rows that are being performed right now as running (derived from the lease).
fn mark_running(c: &Connection, rows: &mut [JobRow]) -> Result<()> {
    let now = time::now_ms();
    for row in rows.iter_mut().filter(|r| r.status.is_open()) {
        let id: i64 = row.id.parse().unwrap_or_default();
        if engine::is_leased(c, &QUEUE, id, now)? {
            row.status = JobStatus::Running;
            row.status_label = JobStatus::Running.label().to_owned();
        }
    }
    Ok(())
}

fn parse_id(field: &str, s: &str) -> Result<i64> {
    s.trim()
        .parse()
        .map_err(|_| Error::validation(field, format!("“{s}” is not a sync job id.")))
}

impl Switchboard {
    /// One page of the sync log, newest first.
    pub fn sync_jobs(
        &self,
        actor: &Actor,
        filter: &JobFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<JobPage> {
        self.authorize(actor, Operation::SyncLogView, None)?;
        let cursor = cursor
            .filter(|c| !c.is_empty())
            .map(|c| parse_id("cursor", c))
            .transpose()?;
        let limit = limit.clamp(1, MAX_PAGE);
        self.db().read(|c| {
            let (clause, mut args) = where_clause(filter, cursor);
            args.push(Value::Integer(i64::from(limit)));
            let mut stmt = c.prepare(&format!("{SELECT}{clause} ORDER BY j.id DESC LIMIT ?"))?;
            let mut rows = stmt
                .query_map(params_from_iter(args), read_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            mark_running(c, &mut rows)?;
            let next_cursor = if rows.len() == limit as usize {
                rows.last().map(|r| r.id.clone())
            } else {
                None
            };
            Ok(JobPage { rows, next_cursor })
        })
    }

    /// One job with every attempt.
    pub fn sync_job(&self, actor: &Actor, id: &str) -> Result<JobDetail> {
        self.authorize(actor, Operation::SyncJobView, Some(id))?;
        let id = parse_id("id", id)?;
        self.db().read(|c| {
            let mut job = c
                .query_row(&format!("{SELECT} WHERE j.id = ?1"), [id], read_row)
                .optional()?
                .ok_or_else(|| Error::NotFound(format!("Sync job {id}")))?;
            mark_running(c, std::slice::from_mut(&mut job))?;
            let detail: String =
                c.query_row("SELECT detail FROM sync_jobs WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            let mut stmt = c.prepare(
                "SELECT attempt, at, duration_ms, request, status_code, error_class, error,
                        response_body, next_attempt_at
                 FROM sync_attempts WHERE job_id = ?1 ORDER BY attempt",
            )?;
            let attempts = stmt
                .query_map([id], |r| {
                    let body: Option<Vec<u8>> = r.get(7)?;
                    Ok(SyncAttemptRow {
                        attempt: r.get(0)?,
                        at: time::to_rfc3339(r.get(1)?),
                        duration_ms: r.get(2)?,
                        request: r.get(3)?,
                        status_code: r.get(4)?,
                        error_class: r.get(5)?,
                        error: r.get(6)?,
                        response: String::from_utf8_lossy(&body.unwrap_or_default()).into_owned(),
                        next_attempt_at: r.get::<_, Option<i64>>(8)?.map(time::to_rfc3339),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(JobDetail {
                job,
                detail,
                attempts,
            })
        })
    }

    /// Tries failed (retrying or dead) or skipped jobs again now. Returns how many were queued.
    pub fn retry_sync_jobs(&self, actor: &Actor, ids: &[String]) -> Result<u32> {
        self.change_jobs(
            actor,
            Operation::SyncJobRetry,
            ids,
            &JobStatus::RETRYABLE,
            &format!(
                "status = '{}', attempts = 0, next_attempt_at = ?1, acknowledged = 0, reason = NULL, updated_at = ?1",
                JobStatus::Pending
            ),
        )
    }

    /// Gives up on open or failed jobs on purpose ("Skip"): they are not performed and do not
    /// count as failures.
    pub fn skip_sync_jobs(&self, actor: &Actor, ids: &[String]) -> Result<u32> {
        self.change_jobs(
            actor,
            Operation::SyncJobSkip,
            ids,
            &JobStatus::SKIPPABLE,
            &format!(
                "status = '{}', next_attempt_at = NULL, reason = 'Skipped by ' || ?2, updated_at = ?1",
                JobStatus::Skipped
            ),
        )
    }

    /// Marks dead jobs as seen: they stop turning their integration red.
    pub fn acknowledge_sync_jobs(&self, actor: &Actor, ids: &[String]) -> Result<u32> {
        self.change_jobs(
            actor,
            Operation::SyncJobAcknowledge,
            ids,
            &JobStatus::ACKNOWLEDGEABLE,
            "acknowledged = 1, updated_at = ?1",
        )
    }

    fn change_jobs(
        &self,
        actor: &Actor,
        op: Operation,
        ids: &[String],
        from: &[JobStatus],
        set: &str,
    ) -> Result<u32> {
        self.authorize(actor, op, ids.first().map(String::as_str))?;
        if ids.is_empty() {
            return Err(Error::validation("ids", "Name at least one sync job."));
        }
        let parsed = ids
            .iter()
            .map(|id| parse_id("ids", id))
            .collect::<Result<Vec<_>>>()?;
        let now = time::now_ms();
        let changed = self.db().write(|tx| {
            let mut count = 0;
            for id in &parsed {
                let exists: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM sync_jobs WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )?;
                if !exists {
                    return Err(Error::NotFound(format!("Sync job {id}")));
                }
                count += tx.execute(
                    &format!(
                        "UPDATE sync_jobs SET {set} WHERE id = ?3 AND status IN ({})",
                        JobStatus::sql_list(from)
                    ),
                    params![now, actor.name(), id],
                )?;
            }
            audit::append(
                tx,
                &Record {
                    actor,
                    action: op.action(),
                    object_type: op.object_kind(),
                    object_id: if ids.len() == 1 {
                        ids.first().map(String::as_str)
                    } else {
                        None
                    },
                    object_label: None,
                    changes: vec![FieldChange::value("jobs", None, Some(&count.to_string()))],
                    outcome: AuditResult::Ok,
                    detail: Some(format!("ids: {}", ids.join(", "))),
                },
            )?;
            Ok(count)
        })?;
        if changed > 0 {
            self.wake_sync();
        }
        Ok(u32::try_from(changed).unwrap_or(u32::MAX))
    }

    /// "Sync now": everything waiting for this integration is due now (QuickBooks invoices held
    /// for the daily or manual schedule, retries), and Square is read at once. Returns how many
    /// jobs were made due. Front desk may press it.
    pub fn sync_now(&self, actor: &Actor, integration: &str) -> Result<u32> {
        self.authorize(actor, Operation::SyncNow, Some(integration))?;
        let i = self.integration(integration)?;
        let now = time::now_ms();
        let n = self.db().write(|tx| {
            // Reminders keep their time: "now" would text owners days early.
            let mut n = tx.execute(
                &format!(
                    "UPDATE sync_jobs SET next_attempt_at = ?2, updated_at = ?2
                     WHERE integration_id = ?1 AND status IN ('{}', '{}') AND kind <> '{}'
                       AND (next_attempt_at IS NULL OR next_attempt_at > ?2)",
                    JobStatus::Retrying,
                    JobStatus::Scheduled,
                    JobKind::TextReminder.as_str()
                ),
                params![i.id, now],
            )?;
            if i.provider == crate::providers::catalog::Provider::Square {
                n += crate::jobs::square_poll_due(tx, &i.id, now)?;
            }
            audit::append(
                tx,
                &Record {
                    actor,
                    action: Operation::SyncNow.action(),
                    object_type: Operation::SyncNow.object_kind(),
                    object_id: Some(&i.id),
                    object_label: Some(&i.name),
                    changes: vec![],
                    outcome: AuditResult::Ok,
                    detail: Some(format!("{n} jobs made due")),
                },
            )?;
            Ok(n)
        })?;
        self.wake_sync();
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Today's counts for every integration with a rule on (or jobs), for the cards.
    pub fn sync_counts(&self, actor: &Actor) -> Result<Vec<SyncCounts>> {
        self.authorize(actor, Operation::IntegrationStatusView, None)?;
        self.db().read(sync_counts)
    }

    /// Writes the filtered log to `dir` (Downloads when `None`) as CSV or JSON; audited.
    pub fn export_sync_jobs(
        &self,
        actor: &Actor,
        filter: &JobFilter,
        format: ExportFormat,
        dir: Option<PathBuf>,
    ) -> Result<Exported> {
        self.authorize(actor, Operation::SyncLogExport, None)?;
        let path = crate::export::path_for(dir, self.data_dir(), "sync-log", format)?;
        let rows = self.db().read(|c| {
            let (clause, mut args) = where_clause(filter, None);
            args.push(Value::Integer(i64::from(MAX_EXPORT)));
            let mut stmt = c.prepare(&format!("{SELECT}{clause} ORDER BY j.id DESC LIMIT ?"))?;
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
                        "integration",
                        "rule",
                        "kind",
                        "event_id",
                        "subject",
                        "status",
                        "reason",
                        "attempts",
                        "last_error",
                        "provider_object",
                        "provider_state",
                    ])?;
                    for r in &rows {
                        w.write_record([
                            r.id.as_str(),
                            &r.created_at,
                            &r.integration_name,
                            r.rule.as_str(),
                            r.kind.as_str(),
                            r.event_id.as_deref().unwrap_or(""),
                            &r.subject,
                            r.status.as_str(),
                            r.reason.as_deref().unwrap_or(""),
                            &r.attempts.to_string(),
                            r.last_error.as_deref().unwrap_or(""),
                            r.provider_object.as_deref().unwrap_or(""),
                            r.provider_state.as_deref().unwrap_or(""),
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
                    action: Operation::SyncLogExport.action(),
                    object_type: Operation::SyncLogExport.object_kind(),
                    object_id: None,
                    object_label: Some(&path.display().to_string()),
                    changes: vec![FieldChange::value("rows", None, Some(&n.to_string()))],
                    outcome: AuditResult::Ok,
                    detail: Some(format!("{} export", format.extension())),
                },
            )
        })?;
        Ok(Exported {
            path: path.display().to_string(),
            rows: n,
        })
    }
}

/// Start of today (local midnight) in unix ms.
fn start_of_today() -> i64 {
    let now = jiff::Zoned::now();
    now.start_of_day()
        .map(|d| d.timestamp().as_millisecond())
        .unwrap_or_else(|_| time::now_ms() - 24 * 3_600_000)
}

pub(crate) fn sync_counts(c: &Connection) -> Result<Vec<SyncCounts>> {
    let today = start_of_today();
    let mut stmt = c.prepare(&format!(
        "SELECT i.id,
            (SELECT count(*) FROM sync_rules r WHERE r.integration_id = i.id AND r.enabled = 1),
            (SELECT count(*) FROM sync_jobs j WHERE j.integration_id = i.id AND j.status = 'succeeded' AND j.updated_at >= ?1),
            (SELECT count(*) FROM sync_jobs j WHERE j.integration_id = i.id AND j.status IN ('pending', 'scheduled')),
            (SELECT count(*) FROM sync_jobs j WHERE j.integration_id = i.id AND j.status = 'retrying'),
            (SELECT count(*) FROM sync_jobs j WHERE j.integration_id = i.id AND j.status = 'dead' AND j.acknowledged = 0),
            (SELECT count(*) FROM sync_jobs j WHERE j.integration_id = i.id AND j.status = 'skipped' AND j.updated_at >= ?1),
            (SELECT coalesce(j.reason, j.last_error) FROM sync_jobs j INDEXED BY sync_jobs_by_integration
               WHERE j.integration_id = i.id AND j.status IN ('{dead}', '{retrying}') AND (j.status <> '{dead}' OR j.acknowledged = 0)
               ORDER BY j.id DESC LIMIT 1)
         FROM integrations i ORDER BY i.name",
        dead = JobStatus::Dead,
        retrying = JobStatus::Retrying,
    ))?;
    let rows = stmt
        .query_map([today], |r| {
            Ok(SyncCounts {
                integration_id: r.get(0)?,
                rules_on: r.get(1)?,
                synced_today: r.get(2)?,
                waiting: r.get(3)?,
                retrying: r.get(4)?,
                failed: r.get(5)?,
                skipped_today: r.get(6)?,
                latest_failure: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter(|c| c.rules_on > 0 || c.synced_today + c.waiting + c.retrying + c.failed > 0)
        .collect())
}
