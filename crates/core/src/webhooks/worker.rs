//! The delivery worker: claims due deliveries with a lease (one transaction per batch), sends
//! them signed with bounded concurrency overall and per endpoint, and records every attempt
//! (one transaction per batch). A claim moves the delivery's `next_attempt_at` to the end of the
//! lease; recording the attempt sets its real next time. If the worker dies in between, the
//! delivery becomes due again when the lease ends, or at once when the next process to take the
//! services lock starts ([`reclaim_leases`]) — it can repeat but is never lost, and a repeat
//! carries the same `webhook-id`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::params;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::endpoints::is_private;
use super::signing::Signer;
use switchboard_domain::delivery::{self, Transition};
use switchboard_domain::net::NetFailure;

use crate::engine::{self, Queue};
use crate::error::{Error, Result};
use crate::{time, Switchboard};

/// Bytes of each response kept in the log.
pub const RESPONSE_EXCERPT: usize = 64 * 1024;
/// An endpoint failing for this long is disabled.
pub const DISABLE_AFTER_MS: i64 = 5 * 24 * 3600 * 1000;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Deliveries claimed per transaction.
    pub batch: usize,
    /// Requests in flight overall.
    pub concurrency: usize,
    /// Requests in flight per endpoint.
    pub per_endpoint: usize,
    /// How long a claim lasts; above the longest request timeout, so a live worker never loses
    /// its claim, and short enough that a crashed one's claims come back soon.
    pub lease: Duration,
    /// How long endpoint settings and secrets are cached.
    pub endpoint_cache: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            batch: 1024,
            concurrency: 128,
            per_endpoint: 64,
            lease: Duration::from_secs(90),
            endpoint_cache: Duration::from_secs(5),
        }
    }
}

impl WorkerConfig {
    /// The defaults, with the lease from `SWITCHBOARD_WORKER_LEASE_SECS` when set (crash tests
    /// use a short one so a killed worker's claims come back quickly).
    pub fn from_env() -> Self {
        let mut config = WorkerConfig::default();
        if let Some(secs) = std::env::var("SWITCHBOARD_WORKER_LEASE_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            config.lease = Duration::from_secs(secs);
        }
        config
    }
}

/// Everything needed to send to one endpoint, built from the database and the keychain.
struct Target {
    url: reqwest::Url,
    signer: Signer,
    headers: Vec<(String, String)>,
    timeout: Duration,
    /// Why sending is refused without trying (a private address that is not allowed).
    blocked: Option<String>,
    permits: Arc<Semaphore>,
    loaded: Instant,
}

struct Claimed {
    delivery_id: i64,
    endpoint_id: String,
    event_id: String,
    body: bytes::Bytes,
    attempts: u32,
    total_attempts: u32,
}

#[derive(Debug)]
struct AttemptResult {
    delivery_id: i64,
    endpoint_id: String,
    attempt: u32,
    attempts: u32,
    at: i64,
    duration_ms: i64,
    request_headers: String,
    status: Option<u16>,
    error_class: Option<NetFailure>,
    error: Option<String>,
    response: Vec<u8>,
    retry_after: Option<Duration>,
}

/// What one batch did, for the app to refresh views and raise notifications.
#[derive(Debug, Clone, Default, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BatchReport {
    pub sent: u32,
    pub succeeded: u32,
    pub failed: u32,
    /// Endpoints this batch disabled (410 Gone, or five days of failures): `(url, reason)`.
    pub disabled: Vec<DisabledEndpoint>,
}

#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DisabledEndpoint {
    pub endpoint_id: String,
    pub url: String,
    pub reason: String,
}

pub type Observer = Arc<dyn Fn(&BatchReport) + Send + Sync>;

pub struct Worker {
    sb: Arc<Switchboard>,
    observer: Option<Observer>,
    config: WorkerConfig,
    client: reqwest::Client,
    targets: HashMap<String, Arc<Target>>,
    permits: Arc<Semaphore>,
}

impl Worker {
    /// Fails only when the HTTP client cannot be built (no TLS roots, say): a default client
    /// would silently follow redirects, so there is no fallback.
    pub fn new(sb: Arc<Switchboard>, config: WorkerConfig) -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Switchboard-Webhooks/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(config.per_endpoint.max(1))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| {
                Error::Internal(format!("could not build the webhook HTTP client: {e}"))
            })?;
        let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
        Ok(Worker {
            sb,
            observer: None,
            config,
            client,
            targets: HashMap::new(),
            permits,
        })
    }

    /// Calls `observer` after every batch (the app refreshes views and notifies).
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Delivers until `stop` resolves: batch after batch while work is due, then sleeps until
    /// the next retry is due or new events arrive.
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        // Three batches overlap: the next one is claimed and the previous one recorded (both
        // SQLite transactions) while this one is being sent. Claimed rows are leased, so a claim
        // never picks up rows already in flight.
        let mut claiming: Option<tokio::task::JoinHandle<Result<Vec<Claimed>>>> = None;
        let mut recording: Option<tokio::task::JoinHandle<()>> = None;
        loop {
            // Stop between batches too, not only when idle; what was sent is recorded first.
            let stopped = std::future::poll_fn(|cx| {
                std::task::Poll::Ready(stop.as_mut().poll(cx).is_ready())
            })
            .await;
            if stopped {
                if let Some(previous) = recording.take() {
                    let _ = previous.await;
                }
                return;
            }
            let claimed = match claiming.take() {
                Some(handle) => handle
                    .await
                    .unwrap_or_else(|e| Err(Error::Internal(e.to_string()))),
                None => self.claim().await,
            };
            let claimed = match claimed {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery worker: claiming failed");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                if let Some(previous) = recording.take() {
                    let _ = previous.await;
                    continue; // recording may have scheduled retries that are due at once
                }
                let wait = self
                    .until_next_due()
                    .await
                    .unwrap_or(Duration::from_secs(5));
                tokio::select! {
                    () = &mut stop => return,
                    () = tokio::time::sleep(wait) => {}
                    () = self.sb.worker_wakeup() => {}
                }
                continue;
            }
            claiming = Some(tokio::spawn(self.claim()));
            let results = self.send_claimed(claimed).await;
            if let Some(previous) = recording.take() {
                let _ = previous.await;
            }
            let sb = Arc::clone(&self.sb);
            let observer = self.observer.clone();
            recording = Some(tokio::spawn(async move {
                match sb.blocking(move |sb| record(sb, results)).await {
                    Ok(report) => {
                        if let Some(observer) = observer {
                            observer(&report);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "delivery worker: recording failed; the leases will expire and be retried")
                    }
                }
            }));
        }
    }

    pub async fn run_once(&mut self) -> Result<usize> {
        let Some(results) = self.send_batch().await? else {
            return Ok(0);
        };
        let n = results.len();
        let report = self.sb.blocking(move |sb| record(sb, results)).await?;
        if let Some(observer) = &self.observer {
            observer(&report);
        }
        Ok(n)
    }

    /// Claims one batch and sends it; `None` when nothing is due.
    async fn send_batch(&mut self) -> Result<Option<Vec<AttemptResult>>> {
        let claimed = self.claim().await?;
        if claimed.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.send_claimed(claimed).await))
    }

    fn claim(&self) -> impl std::future::Future<Output = Result<Vec<Claimed>>> + Send + 'static {
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(90_000);
        let batch = self.config.batch;
        let sb = Arc::clone(&self.sb);
        async move { sb.blocking(move |sb| claim(sb, batch, lease_ms)).await }
    }

    async fn send_claimed(&mut self, claimed: Vec<Claimed>) -> Vec<AttemptResult> {
        let mut jobs = JoinSet::new();
        for c in claimed {
            let target = self.target(&c.endpoint_id).await;
            let client = self.client.clone();
            let overall = Arc::clone(&self.permits);
            jobs.spawn(async move {
                let _overall = overall.acquire_owned().await;
                match target {
                    Ok(t) => {
                        let _endpoint = Arc::clone(&t.permits).acquire_owned().await;
                        send(&client, &t, c).await
                    }
                    Err(e) => failed_without_sending(c, NetFailure::Config, e.to_string()),
                }
            });
        }
        let mut results = Vec::with_capacity(jobs.len());
        while let Some(r) = jobs.join_next().await {
            match r {
                Ok(result) => results.push(result),
                Err(e) => {
                    tracing::error!(error = %e, "delivery task panicked; its lease will expire and it will be retried")
                }
            }
        }
        results
    }

    async fn target(&mut self, endpoint_id: &str) -> Result<Arc<Target>> {
        if let Some(t) = self.targets.get(endpoint_id) {
            if t.loaded.elapsed() < self.config.endpoint_cache {
                return Ok(Arc::clone(t));
            }
        }
        let id = endpoint_id.to_owned();
        let (endpoint, secrets, headers) = self
            .sb
            .blocking(move |sb| {
                let endpoint = sb.endpoint(&id)?;
                let secrets = sb.endpoint_secrets(&endpoint)?;
                Ok((endpoint, secrets, sb.endpoint_headers(&id)?))
            })
            .await?;
        if secrets.is_empty() {
            return Err(Error::KeychainUnavailable(
                "The endpoint's signing secret is not in this computer's keychain; rotate it to make a new one.".into(),
            ));
        }
        let url = reqwest::Url::parse(&endpoint.url).map_err(|e| Error::Internal(e.to_string()))?;
        let blocked = if endpoint.allow_private {
            None
        } else {
            private_destination(&url).await
        };
        let permits = self.targets.get(endpoint_id).map_or_else(
            || Arc::new(Semaphore::new(self.config.per_endpoint.max(1))),
            |t| Arc::clone(&t.permits),
        );
        let target = Arc::new(Target {
            url,
            signer: Signer::new(endpoint.scheme, &secrets)?,
            headers: headers.into_iter().collect(),
            timeout: Duration::from_secs(u64::from(endpoint.timeout_secs)),
            blocked,
            permits,
            loaded: Instant::now(),
        });
        self.targets
            .insert(endpoint_id.to_owned(), Arc::clone(&target));
        Ok(target)
    }

    async fn until_next_due(&self) -> Option<Duration> {
        let next: Option<i64> = self
            .sb
            .blocking(|sb| sb.db().read(|c| engine::next_due(c, &QUEUE)))
            .await
            .ok()?;
        let wait = next? - time::now_ms();
        Some(Duration::from_millis(
            u64::try_from(wait.clamp(10, 5_000)).unwrap_or(1000),
        ))
    }
}

/// Why a destination is refused: it resolves to a private or local address.
async fn private_destination(url: &reqwest::Url) -> Option<String> {
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(a) => a.map(|s| s.ip()).collect(),
            Err(_) => return None, // DNS failures are reported by the send itself.
        },
    };
    addrs.into_iter().find(|ip| is_private(*ip)).map(|ip| {
        format!("{host} is a private or local address ({ip}); allow private/LAN addresses for this endpoint to send there")
    })
}

/// Makes every outstanding lease due now, and returns how many there were. Only the holder of
/// the services lock may call it: holding the lock means no other live process is sending, so
/// every lease left belongs to a process that died mid-batch, and waiting for it to expire
/// (90 s by default) would only stall its deliveries.
///
/// A lease is not a column: a claim moves `next_attempt_at` past now, and recording the attempt
/// moves it again, to the time stored with that attempt. So a delivery whose future
/// `next_attempt_at` is not its latest attempt's is leased — pending ones always (a new or
/// resent delivery is due when written), retrying ones unless it is their scheduled retry,
/// which stays where the schedule (or the receiver's `Retry-After`) put it.
pub fn reclaim_leases(sb: &Switchboard, _held: &crate::lock::ServicesLock) -> Result<usize> {
    let now = time::now_ms();
    sb.db().write(|tx| engine::reclaim_leases(tx, &QUEUE, now))
}

/// The deliveries queue: open while pending or retrying, claimed only for enabled endpoints.
pub(crate) const QUEUE: Queue = Queue {
    table: "deliveries",
    due_index: "deliveries_due",
    open: "'pending', 'retrying'",
    pending: "pending",
    scheduled: None,
    ready: "d.endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = 1)",
    attempts_table: "delivery_attempts",
    owner: "delivery_id",
};

/// Claims due deliveries (and those whose lease expired) for enabled endpoints.
fn claim(sb: &Switchboard, batch: usize, lease_ms: i64) -> Result<Vec<Claimed>> {
    let now = time::now_ms();
    sb.db().write(|tx| {
        let rows = engine::claim(
            tx,
            &QUEUE,
            now,
            lease_ms,
            batch,
            "id, endpoint_id, event_seq, event_id, attempts, total_attempts",
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, u32>(5)?,
                ))
            },
        )?;
        let mut claimed = Vec::with_capacity(rows.len());
        let mut bodies: HashMap<i64, bytes::Bytes> = HashMap::new();
        let mut body_stmt = tx.prepare_cached("SELECT body FROM webhook_events WHERE seq = ?1")?;
        for (delivery_id, endpoint_id, seq, event_id, attempts, total_attempts) in rows {
            let body = match bodies.get(&seq) {
                Some(b) => b.clone(),
                None => {
                    let b: Vec<u8> = body_stmt.query_row([seq], |r| r.get(0))?;
                    let b = bytes::Bytes::from(b);
                    bodies.insert(seq, b.clone());
                    b
                }
            };
            claimed.push(Claimed {
                delivery_id,
                endpoint_id,
                event_id,
                body,
                attempts,
                total_attempts,
            });
        }
        Ok(claimed)
    })
}

async fn send(client: &reqwest::Client, target: &Target, c: Claimed) -> AttemptResult {
    let at = time::now_ms();
    let started = Instant::now();
    let timestamp = at / 1000;
    let signature = target.signer.headers(&c.event_id, timestamp, &c.body);
    let mut logged: Vec<(String, String)> =
        vec![("content-type".into(), "application/json".into())];
    let mut request = client
        .post(target.url.clone())
        .timeout(target.timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in &signature {
        request = request.header(*name, value.as_str());
        let shown = if name.contains("signature") {
            "<redacted>".to_owned()
        } else {
            value.clone()
        };
        logged.push(((*name).to_owned(), shown));
    }
    for (name, value) in &target.headers {
        request = request.header(name.as_str(), value.as_str());
        logged.push((name.clone(), "<redacted>".to_owned()));
    }
    let request_headers = serde_json::to_string(
        &logged
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .unwrap_or_default();
    let mut result = AttemptResult {
        delivery_id: c.delivery_id,
        endpoint_id: c.endpoint_id,
        attempt: c.total_attempts + 1,
        attempts: c.attempts + 1,
        at,
        duration_ms: 0,
        request_headers,
        status: None,
        error_class: None,
        error: None,
        response: Vec::new(),
        retry_after: None,
    };
    if let Some(reason) = &target.blocked {
        result.error_class = Some(NetFailure::Blocked);
        result.error = Some(reason.clone());
        return result;
    }
    match request.body(c.body.clone()).send().await {
        Ok(mut response) => {
            let status = response.status();
            result.status = Some(status.as_u16());
            result.retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            if status.is_redirection() {
                result.error_class = Some(NetFailure::Redirect);
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("(none)");
                result.error = Some(format!(
                    "The receiver redirected to {location}; redirects are not followed. Update the endpoint URL."
                ));
            } else if !status.is_success() {
                result.error_class = Some(NetFailure::Http);
                result.error = Some(format!("The receiver answered HTTP {}.", status.as_u16()));
            }
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        let room = RESPONSE_EXCERPT - result.response.len();
                        result
                            .response
                            .extend_from_slice(&chunk[..chunk.len().min(room)]);
                        if result.response.len() >= RESPONSE_EXCERPT {
                            break;
                        }
                    }
                    Ok(None) => break,
                    // The status already decided the outcome; a body cut short only shortens
                    // the excerpt (a slow drip ends at the request timeout).
                    Err(_) => break,
                }
            }
        }
        Err(e) => {
            let class = crate::providers::http::classify(&e);
            result.error_class = Some(class);
            result.error = Some(match class {
                NetFailure::Dns => {
                    "DNS lookup failed: the receiver's host name did not resolve.".to_owned()
                }
                NetFailure::Tls => {
                    "The TLS handshake failed (certificate or protocol problem).".to_owned()
                }
                NetFailure::Timeout => {
                    format!("No answer within {} seconds.", target.timeout.as_secs())
                }
                NetFailure::Connect => {
                    "Could not connect: the receiver refused or is unreachable.".to_owned()
                }
                _ => "The receiver cut the connection before answering.".to_owned(),
            });
        }
    }
    result.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    result
}

fn failed_without_sending(c: Claimed, class: NetFailure, error: String) -> AttemptResult {
    AttemptResult {
        delivery_id: c.delivery_id,
        endpoint_id: c.endpoint_id,
        attempt: c.total_attempts + 1,
        attempts: c.attempts + 1,
        at: time::now_ms(),
        duration_ms: 0,
        request_headers: "{}".into(),
        status: None,
        error_class: Some(class),
        error: Some(error),
        response: Vec::new(),
        retry_after: None,
    }
}

/// Records a batch of attempts and moves each delivery on: succeeded, retrying (with the next
/// time), or dead; a 410 or five days of failures disable the endpoint.
fn record(sb: &Switchboard, results: Vec<AttemptResult>) -> Result<BatchReport> {
    let now = time::now_ms();
    let mut report = BatchReport {
        sent: u32::try_from(results.len()).unwrap_or(u32::MAX),
        ..Default::default()
    };
    sb.db().write(|tx| {
        let mut insert = tx.prepare_cached(
            "INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, request_headers,
                 status_code, error_class, error, response_body, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE deliveries SET status = ?2, attempts = ?3, total_attempts = total_attempts + 1,
                 next_attempt_at = ?4, last_status = ?5, last_error = ?6,
                 last_duration_ms = ?7, updated_at = ?8
             WHERE id = ?1",
        )?;
        let mut succeeded_endpoints = Vec::new();
        for r in &results {
            let transition = delivery::after_attempt(&delivery::Attempt {
                delivery_id: r.delivery_id,
                attempts: r.attempts,
                at_ms: r.at,
                http_status: r.status,
                retry_after: r.retry_after,
            });
            let ok = transition == Transition::Succeeded;
            let gone = transition == Transition::Gone;
            let (status, next) = (transition.status().as_str(), transition.next_attempt_at());
            insert.execute(params![
                r.delivery_id,
                r.attempt,
                r.at,
                r.duration_ms,
                r.request_headers,
                r.status,
                r.error_class.map(NetFailure::as_str),
                r.error,
                r.response,
                next
            ])?;
            update.execute(params![
                r.delivery_id,
                status,
                r.attempts,
                next,
                r.status,
                r.error,
                r.duration_ms,
                now
            ])?;
            if ok {
                report.succeeded += 1;
                succeeded_endpoints.push(r.endpoint_id.as_str());
            } else if gone {
                report.failed += 1;
                let reason = "The receiver answered 410 Gone: it no longer wants these webhooks.";
                if let Some(d) = disable(tx, &r.endpoint_id, reason, now)? {
                    report.disabled.push(d);
                }
            } else {
                report.failed += 1;
                tx.execute(
                    "UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, ?2) WHERE id = ?1",
                    params![r.endpoint_id, r.at],
                )?;
                let since: Option<i64> = tx.query_row(
                    "SELECT failing_since FROM webhook_endpoints WHERE id = ?1",
                    [&r.endpoint_id],
                    |row| row.get(0),
                )?;
                if since.is_some_and(|s| now - s > DISABLE_AFTER_MS) {
                    if let Some(d) = disable(tx, &r.endpoint_id, "Every delivery has failed for 5 days.", now)? {
                        report.disabled.push(d);
                    }
                }
            }
        }
        succeeded_endpoints.sort_unstable();
        succeeded_endpoints.dedup();
        for id in succeeded_endpoints {
            tx.execute("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?1 AND failing_since IS NOT NULL", [id])?;
        }
        Ok(())
    })?;
    Ok(report)
}

fn disable(
    tx: &rusqlite::Transaction<'_>,
    endpoint_id: &str,
    reason: &str,
    now: i64,
) -> Result<Option<DisabledEndpoint>> {
    let changed = tx.execute(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?2, revision = revision + 1,
             updated_at = ?3, updated_by = 'system'
         WHERE id = ?1 AND enabled = 1",
        params![endpoint_id, reason, now],
    )?;
    if changed > 0 {
        let url: String = tx.query_row(
            "SELECT url FROM webhook_endpoints WHERE id = ?1",
            [endpoint_id],
            |r| r.get(0),
        )?;
        crate::audit::append(
            tx,
            &crate::audit::Record {
                actor: &crate::Actor::system("worker"),
                action: "endpoint.disable",
                object_type: "endpoint",
                object_id: Some(endpoint_id),
                object_label: Some(&url),
                changes: vec![crate::audit::FieldChange::value(
                    "enabled",
                    Some("true"),
                    Some("false"),
                )],
                outcome: crate::audit::AuditResult::Ok,
                detail: Some(reason.to_owned()),
            },
        )?;
        tracing::warn!(endpoint = %endpoint_id, %reason, "webhook endpoint disabled");
        return Ok(Some(DisabledEndpoint {
            endpoint_id: endpoint_id.to_owned(),
            url,
            reason: reason.to_owned(),
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod queue_tests {
    use super::*;
    use switchboard_domain::delivery::DeliveryStatus;

    #[test]
    fn the_queue_names_the_domains_open_states() {
        assert_eq!(QUEUE.open, DeliveryStatus::sql_list(&DeliveryStatus::OPEN));
        assert_eq!(QUEUE.pending, DeliveryStatus::Pending.as_str());
    }
}
