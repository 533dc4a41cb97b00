//! The sync worker: claims due jobs from the sync queue (the engine's claim and lease, the same
//! as deliveries'), performs each at its provider with bounded concurrency, and records every
//! attempt with the domain's transition in one transaction per batch — together with what the
//! attempts found out (a customer mapping, an opted-out number, events read from Square, the
//! Square watermark), so a crash between performing and recording repeats the attempt rather
//! than losing it, and the provider-side idempotency (QuickBooks `requestid` from the job id, the
//! stored Twilio sid) makes the repeat harmless.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::params;
use tokio::task::JoinSet;

use switchboard_domain::job::{self, JobKind, JobOutcome, JobStatus, JobTransition};

use super::QUEUE;
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::engine;
use crate::error::{Error, Result};
use crate::webhooks::events::{self as outbox, Prepared};
use crate::{time, Switchboard};

/// Bytes of each provider answer kept in the log.
pub const RESPONSE_EXCERPT: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Jobs claimed per transaction.
    pub batch: usize,
    /// Jobs performed at once, overall (providers' own limits apply on top).
    pub concurrency: usize,
    /// How long a claim lasts: above the longest provider call, short enough to come back soon.
    pub lease: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            batch: 64,
            concurrency: 16,
            lease: Duration::from_secs(120),
        }
    }
}

impl SyncConfig {
    /// The defaults, with the lease from `SWITCHBOARD_WORKER_LEASE_SECS` when set (crash tests).
    pub fn from_env() -> Self {
        let mut c = SyncConfig::default();
        if let Some(secs) = std::env::var("SWITCHBOARD_WORKER_LEASE_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            c.lease = Duration::from_secs(secs);
        }
        c
    }
}

/// A claimed job and what performing it needs.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub integration_id: String,
    pub kind: JobKind,
    pub event_id: Option<String>,
    /// The event's `data`, when the job came from an event.
    pub data: serde_json::Value,
    pub subject_key: Option<String>,
    /// Attempts in the current series before this one.
    pub attempts: u32,
    pub total_attempts: u32,
    /// What an earlier attempt made at the provider (a Twilio sid): checked before doing it again.
    pub provider_object: Option<String>,
    pub provider_state: Option<String>,
    pub detail: serde_json::Value,
}

/// Something an attempt found out that is stored with it, in the same transaction.
#[derive(Debug, Clone)]
pub enum Finding {
    /// A clinic object's counterpart at the provider (owner → Customer 58).
    Link {
        kind: &'static str,
        clinic_id: String,
        provider_id: String,
        detail: serde_json::Value,
    },
    /// The number answered STOP (Twilio 21610): never text it again until a manager clears it.
    OptedOut { phone: String },
    /// Events read from the provider (Square payments), stored like any other event.
    Events(Vec<Prepared>),
    /// Per-integration state (the Square watermark).
    State { key: &'static str, value: String },
}

/// One attempt, as the log keeps it.
#[derive(Debug, Clone)]
pub struct Performed {
    pub outcome: JobOutcome,
    /// JSON: method, path and body of the provider request(s), secrets scrubbed.
    pub request: String,
    pub status_code: Option<u16>,
    pub error_class: Option<String>,
    /// The failure, skip or cancel reason in plain words.
    pub error: Option<String>,
    pub response: Vec<u8>,
    pub provider_object: Option<String>,
    pub provider_state: Option<String>,
    /// Replaces the job's detail (amounts QuickBooks computed, a mismatch) when set.
    pub detail: Option<serde_json::Value>,
    pub findings: Vec<Finding>,
}

impl Performed {
    /// An attempt that did not reach the provider (a missing field, a missing secret).
    pub fn without_request(outcome: JobOutcome, error: impl Into<String>) -> Self {
        Performed {
            outcome,
            request: "{}".into(),
            status_code: None,
            error_class: None,
            error: Some(error.into()),
            response: Vec::new(),
            provider_object: None,
            provider_state: None,
            detail: None,
            findings: Vec::new(),
        }
    }
}

/// Performs one job. The real one calls the providers ([`super::perform`]); unit tests pass
/// their own.
pub type Performer = Arc<
    dyn Fn(Arc<Switchboard>, ClaimedJob) -> Pin<Box<dyn Future<Output = Performed> + Send>>
        + Send
        + Sync,
>;

/// What one batch did, for the app to refresh views.
#[derive(Debug, Clone, Default, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub performed: u32,
    pub succeeded: u32,
    pub failed: u32,
}

pub type SyncObserver = Arc<dyn Fn(&SyncReport) + Send + Sync>;

pub struct SyncWorker {
    sb: Arc<Switchboard>,
    config: SyncConfig,
    performer: Performer,
    observer: Option<SyncObserver>,
}

impl SyncWorker {
    pub fn new(sb: Arc<Switchboard>, config: SyncConfig) -> Self {
        SyncWorker {
            sb,
            config,
            performer: Arc::new(|sb, job| Box::pin(super::perform::perform(sb, job))),
            observer: None,
        }
    }

    /// A worker that performs jobs with `performer` instead of calling providers (unit tests).
    pub fn with_performer(mut self, performer: Performer) -> Self {
        self.performer = performer;
        self
    }

    pub fn with_observer(mut self, observer: SyncObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Works until `stop` resolves: batch after batch while jobs are due, then sleeps until the
    /// next is due, new jobs arrive, or someone presses "Sync now".
    pub async fn run(mut self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let done = tokio::select! {
                () = &mut stop => return,
                r = self.run_once() => r,
            };
            match done {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "sync worker: a batch failed; its leases will expire and it will be retried")
                }
            }
            let wait = self
                .until_next_due()
                .await
                .unwrap_or(Duration::from_secs(5));
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(wait) => {}
                () = self.sb.sync_wakeup() => {}
            }
        }
    }

    /// Claims one batch, performs it and records it; returns how many jobs were performed.
    pub async fn run_once(&mut self) -> Result<usize> {
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(120_000);
        let batch = self.config.batch;
        let claimed = self
            .sb
            .blocking(move |sb| claim(sb, batch, lease_ms))
            .await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let n = claimed.len();
        let permits = Arc::new(tokio::sync::Semaphore::new(self.config.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        for job in claimed {
            let performer = Arc::clone(&self.performer);
            let sb = Arc::clone(&self.sb);
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let at = time::now_ms();
                let started = std::time::Instant::now();
                let performed = performer(sb, job.clone()).await;
                let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                (job, at, duration_ms, performed)
            });
        }
        let mut results = Vec::with_capacity(n);
        while let Some(r) = tasks.join_next().await {
            match r {
                Ok(result) => results.push(result),
                Err(e) => {
                    tracing::error!(error = %e, "a sync job panicked; its lease will expire and it will be retried")
                }
            }
        }
        let report = self.sb.blocking(move |sb| record(sb, results)).await?;
        if let Some(observer) = &self.observer {
            observer(&report);
        }
        Ok(n)
    }

    async fn until_next_due(&self) -> Option<Duration> {
        let next = self
            .sb
            .blocking(|sb| sb.db().read(|c| engine::next_due(c, &QUEUE)))
            .await
            .ok()??;
        let wait = next - time::now_ms();
        Some(Duration::from_millis(
            u64::try_from(wait.clamp(10, 5_000)).unwrap_or(1000),
        ))
    }
}

/// Makes a dead process's leases due at once; see [`engine::reclaim_leases`].
pub fn reclaim_leases(sb: &Switchboard, _held: &crate::lock::ServicesLock) -> Result<usize> {
    let now = time::now_ms();
    sb.db().write(|tx| engine::reclaim_leases(tx, &QUEUE, now))
}

fn claim(sb: &Switchboard, batch: usize, lease_ms: i64) -> Result<Vec<ClaimedJob>> {
    let now = time::now_ms();
    sb.db().write(|tx| {
        let rows = engine::claim(
            tx,
            &QUEUE,
            now,
            lease_ms,
            batch,
            "id, integration_id, kind, event_seq, event_id, subject_key, attempts, total_attempts,
             provider_object, provider_state, detail",
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    crate::store::named(r, 2, JobKind::parse)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, u32>(6)?,
                    r.get::<_, u32>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, String>(10)?,
                ))
            },
        )?;
        let mut body = tx.prepare_cached("SELECT body FROM webhook_events WHERE seq = ?1")?;
        let mut out = Vec::with_capacity(rows.len());
        for (
            id,
            integration_id,
            kind,
            seq,
            event_id,
            subject_key,
            attempts,
            total,
            object,
            state,
            detail,
        ) in rows
        {
            let data = match seq {
                Some(seq) => {
                    let b: Vec<u8> = body.query_row([seq], |r| r.get(0))?;
                    serde_json::from_slice::<serde_json::Value>(&b)
                        .ok()
                        .and_then(|mut v| v.get_mut("data").map(serde_json::Value::take))
                        .unwrap_or_default()
                }
                None => serde_json::Value::Null,
            };
            out.push(ClaimedJob {
                id,
                integration_id,
                kind,
                event_id,
                data,
                subject_key,
                attempts,
                total_attempts: total,
                provider_object: object,
                provider_state: state,
                detail: serde_json::from_str(&detail).unwrap_or_default(),
            });
        }
        Ok(out)
    })
}

/// Records a batch of attempts and what they found, and moves each job on.
fn record(sb: &Switchboard, results: Vec<(ClaimedJob, i64, i64, Performed)>) -> Result<SyncReport> {
    let now = time::now_ms();
    let mut report = SyncReport {
        performed: u32::try_from(results.len()).unwrap_or(u32::MAX),
        ..Default::default()
    };
    let mut woke_events = false;
    sb.db().write(|tx| {
        for (job, at, duration_ms, p) in &results {
            let attempts = job.attempts + 1;
            let t = job::after_attempt(job.id, attempts, *at, &p.outcome);
            let next = t.next_attempt_at();
            tx.prepare_cached(
                "INSERT INTO sync_attempts (job_id, attempt, at, duration_ms, request, status_code,
                     error_class, error, response_body, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                job.id,
                job.total_attempts + 1,
                at,
                duration_ms,
                p.request,
                p.status_code,
                p.error_class,
                p.error,
                &p.response[..p.response.len().min(RESPONSE_EXCERPT)],
                next
            ])?;
            let reason = match (&p.outcome, t) {
                (JobOutcome::Skip { reason } | JobOutcome::Permanent { reason }, _) => Some(reason.clone()),
                (JobOutcome::Defer { reason, .. }, _) => Some(reason.clone()),
                (_, JobTransition::Dead) => p.error.clone(),
                _ => None,
            };
            // A job cancelled while it was being performed stays cancelled, unless the attempt
            // did the work anyway (then the truth is that it happened).
            tx.prepare_cached(
                "UPDATE sync_jobs SET status = ?2, attempts = ?3, total_attempts = total_attempts + 1,
                     next_attempt_at = ?4, last_status = ?5, last_error = ?6, last_duration_ms = ?7,
                     reason = coalesce(?8, CASE WHEN ?2 = 'succeeded' THEN NULL ELSE reason END),
                     provider_object = coalesce(?9, provider_object),
                     provider_state = coalesce(?10, provider_state),
                     detail = coalesce(?11, detail), updated_at = ?12
                 WHERE id = ?1 AND (status <> 'cancelled' OR ?2 = 'succeeded')",
            )?
            .execute(params![
                job.id,
                t.status().as_str(),
                t.attempts_after(attempts),
                next,
                p.status_code,
                p.error,
                duration_ms,
                reason,
                p.provider_object,
                p.provider_state,
                p.detail.as_ref().map(ToString::to_string),
                now
            ])?;
            match t.status() {
                JobStatus::Succeeded | JobStatus::Skipped => report.succeeded += 1,
                JobStatus::Dead | JobStatus::Retrying => report.failed += 1,
                _ => {}
            }
            for finding in &p.findings {
                match finding {
                    Finding::Link {
                        kind,
                        clinic_id,
                        provider_id,
                        detail,
                    } => {
                        tx.prepare_cached(
                            "INSERT INTO sync_links (integration_id, kind, clinic_id, provider_id, detail, created_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                             ON CONFLICT (integration_id, kind, clinic_id)
                             DO UPDATE SET provider_id = ?4, detail = ?5",
                        )?
                        .execute(params![
                            job.integration_id,
                            kind,
                            clinic_id,
                            provider_id,
                            detail.to_string(),
                            now
                        ])?;
                    }
                    Finding::OptedOut { phone } => {
                        let added = tx.execute(
                            "INSERT INTO sms_opt_outs (phone, since, source) VALUES (?1, ?2, 'twilio:21610')
                             ON CONFLICT (phone) DO NOTHING",
                            params![phone, now],
                        )?;
                        if added > 0 {
                            let masked = switchboard_domain::phone::mask(phone);
                            audit::append(
                                tx,
                                &Record {
                                    actor: &crate::Actor::system("sync"),
                                    action: "opt_out.add",
                                    object_type: "opt_out",
                                    object_id: Some(&masked),
                                    object_label: Some(&masked),
                                    changes: vec![FieldChange::value("opted_out", Some("false"), Some("true"))],
                                    outcome: AuditResult::Ok,
                                    detail: Some("Twilio answered 21610: the owner replied STOP. No more texts until a manager clears the number.".into()),
                                },
                            )?;
                        }
                    }
                    Finding::Events(events) => {
                        for e in events {
                            let source = format!("sync:{}", job.integration_id);
                            let emitted = outbox::enqueue(tx, e, &source, None)?;
                            woke_events |= !emitted.duplicate;
                        }
                    }
                    Finding::State { key, value } => {
                        tx.prepare_cached(
                            "INSERT INTO sync_state (integration_id, key, value) VALUES (?1, ?2, ?3)
                             ON CONFLICT (integration_id, key) DO UPDATE SET value = ?3",
                        )?
                        .execute(params![job.integration_id, key, value])?;
                    }
                }
            }
        }
        Ok(())
    })?;
    if woke_events {
        sb.wake_worker();
        sb.wake_sync();
    }
    Ok(report)
}

impl From<Error> for Performed {
    /// A failure before any provider was asked (the database, the keychain): retried.
    fn from(e: Error) -> Self {
        let outcome = match &e {
            Error::Validation { .. } => JobOutcome::Permanent {
                reason: e.to_string(),
            },
            _ => JobOutcome::Retry { retry_after: None },
        };
        Performed::without_request(outcome, e.to_string())
    }
}
