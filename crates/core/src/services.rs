//! One engine for background work. [`Services`] starts everything Switchboard does without being
//! asked — the delivery worker, the loopback ingest API, the scheduled connection tests and daily
//! retention pruning — and [`Running::shutdown`] stops all of it. The app window and `switchboard
//! serve` both start it, so a headless server can never do less than the window.
//!
//! Starting needs the [`ServicesLock`]: one process per data folder runs the services, and it
//! first reclaims the leases a dead predecessor left (see [`worker::reclaim_leases`]), so a
//! restart resumes deliveries at once.
//!
//! A new kind of background work is one more [`Service`] and one more `spawn` in [`Services::start`]:
//! it receives the shared stop signal and returns when it resolves.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::checks::{scheduler, TestRun};
use crate::error::{Error, Result};
use crate::ingest;
use crate::lock::{refusal, Acquired, Holder, Program, ServicesLock};
use crate::sync::worker::{self as sync_worker, SyncConfig, SyncObserver, SyncWorker};
use crate::webhooks::worker::{self, Worker, WorkerConfig};
use crate::{time, Actor, Switchboard};

/// How often retention pruning runs (it also runs at start).
pub const RETENTION_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Called after every background connection test (the window refreshes and notifies).
pub type TestObserver = Arc<dyn Fn(TestRun) + Send + Sync>;

/// The kinds of background work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    IngestApi,
    DeliveryWorker,
    SyncWorker,
    ConnectionTests,
    Retention,
}

/// One service that started, described for people ("delivery worker").
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub service: Service,
    pub description: String,
}

/// Whether and where the ingest API listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IngestApi {
    Off,
    /// A port that cannot be listened on fails the start (`switchboard serve`).
    Required(u16),
    /// A port in use is logged and the rest starts (the window: another program may hold 8717).
    IfFree(u16),
}

/// What to start; every service but the ingest API is on unless turned off.
#[must_use]
pub struct Services {
    sb: Arc<Switchboard>,
    ingest: IngestApi,
    connection_tests: bool,
    retention: bool,
    on_tested: Option<TestObserver>,
    on_delivered: Option<worker::Observer>,
    on_synced: Option<SyncObserver>,
    worker: WorkerConfig,
    sync: SyncConfig,
}

impl Services {
    pub fn new(sb: Arc<Switchboard>) -> Self {
        Services {
            sb,
            ingest: IngestApi::Off,
            connection_tests: true,
            retention: true,
            on_tested: None,
            on_delivered: None,
            on_synced: None,
            worker: WorkerConfig::from_env(),
            sync: SyncConfig::from_env(),
        }
    }

    /// Serve the ingest API on 127.0.0.1:`port` (0: any free port); failing to listen fails
    /// the start.
    pub fn ingest_api(mut self, port: u16) -> Self {
        self.ingest = IngestApi::Required(port);
        self
    }

    /// Serve the ingest API on 127.0.0.1:`port` if it can listen there; otherwise log why and
    /// start the rest.
    pub fn ingest_api_if_free(mut self, port: u16) -> Self {
        self.ingest = IngestApi::IfFree(port);
        self
    }

    /// Background connection tests on the check interval (on by default).
    pub fn connection_tests(mut self, on: bool) -> Self {
        self.connection_tests = on;
        self
    }

    /// Retention pruning at start and daily, as `system:retention` (on by default).
    pub fn retention(mut self, on: bool) -> Self {
        self.retention = on;
        self
    }

    pub fn on_tested(mut self, observer: TestObserver) -> Self {
        self.on_tested = Some(observer);
        self
    }

    /// Called with every batch the delivery worker records.
    pub fn on_delivered(mut self, observer: worker::Observer) -> Self {
        self.on_delivered = Some(observer);
        self
    }

    /// Called with every batch the sync worker records.
    pub fn on_synced(mut self, observer: SyncObserver) -> Self {
        self.on_synced = Some(observer);
        self
    }

    pub fn worker_config(mut self, config: WorkerConfig) -> Self {
        self.worker = config;
        self
    }

    /// Starts every service, holding `lock` until [`Running::shutdown`]. Leases left by a
    /// process that died are reclaimed before the worker's first claim.
    pub async fn start(self, lock: ServicesLock) -> Result<Running> {
        let sb = self.sb;
        if lock.data_dir() != sb.data_dir() {
            return Err(Error::Internal(format!(
                "the services lock is for {}, not {}",
                lock.data_dir().display(),
                sb.data_dir().display()
            )));
        }
        // Built first: a worker that cannot be built (no HTTP client) starts nothing.
        let mut worker = Worker::new(Arc::clone(&sb), self.worker)?;
        if let Some(observer) = self.on_delivered {
            worker = worker.with_observer(observer);
        }
        let (reclaimed, lock) = reclaim_leases(&sb, lock).await?;
        let (reclaimed_jobs, lock) = sb
            .blocking(move |sb| Ok((sync_worker::reclaim_leases(sb, &lock)?, lock)))
            .await?;
        let mut sync = SyncWorker::new(Arc::clone(&sb), self.sync);
        if let Some(observer) = self.on_synced {
            sync = sync.with_observer(observer);
        }
        let (stop, stopping) = watch::channel(false);
        let mut running = Running {
            started: Vec::new(),
            ingest: None,
            tasks: Vec::new(),
            stop,
            lock,
        };

        let port = match self.ingest {
            IngestApi::Off => None,
            IngestApi::Required(port) | IngestApi::IfFree(port) => Some(port),
        };
        if let Some(port) = port {
            match ingest::serve(Arc::clone(&sb), port, stopped(stopping.clone())).await {
                Ok(server) => {
                    running.started.push(Started {
                        service: Service::IngestApi,
                        description: format!(
                            "ingest API on http://{} (POST /v1/events)",
                            server.addr()
                        ),
                    });
                    running.ingest = Some(server);
                }
                Err(e) if self.ingest == IngestApi::IfFree(port) => {
                    tracing::warn!(error = %e, "the ingest API did not start");
                }
                Err(e) => return Err(e),
            }
        }

        let description = match reclaimed {
            0 => "delivery worker".to_owned(),
            n => format!("delivery worker (resuming {n} deliveries a stopped process had claimed)"),
        };
        running.spawn(Service::DeliveryWorker, description, |stop| {
            worker.run(stop)
        });
        let description = match reclaimed_jobs {
            0 => "sync worker".to_owned(),
            n => format!("sync worker (resuming {n} jobs a stopped process had claimed)"),
        };
        running.spawn(Service::SyncWorker, description, |stop| sync.run(stop));

        if self.connection_tests {
            let minutes = sb.blocking(|sb| sb.check_interval_ms()).await? / 60_000;
            let on_tested = self.on_tested.unwrap_or_else(|| Arc::new(|_| {}));
            let sb = Arc::clone(&sb);
            running.spawn(
                Service::ConnectionTests,
                format!("connection tests every {minutes} min"),
                |stop| scheduler::run(sb, on_tested, stop),
            );
        }

        if self.retention {
            let sb = Arc::clone(&sb);
            running.spawn(
                Service::Retention,
                "retention pruning daily".into(),
                |stop| retention(sb, stop),
            );
        }
        Ok(running)
    }
}

/// Makes the leases a dead process left due now (see [`worker::reclaim_leases`]); for every
/// process that takes the lock to deliver (`start`, and `switchboard worker`). Returns how many
/// there were, and the lock.
pub async fn reclaim_leases(
    sb: &Arc<Switchboard>,
    lock: ServicesLock,
) -> Result<(usize, ServicesLock)> {
    let (reclaimed, lock) = sb
        .blocking(move |sb| Ok((worker::reclaim_leases(sb, &lock)?, lock)))
        .await?;
    if reclaimed > 0 {
        tracing::info!(
            reclaimed,
            "resuming deliveries a stopped process had claimed"
        );
    }
    Ok((reclaimed, lock))
}

/// The services while they run. Dropping it stops them too, without waiting; prefer
/// [`Running::shutdown`], which waits for in-flight work to be recorded.
pub struct Running {
    started: Vec<Started>,
    ingest: Option<ingest::IngestServer>,
    tasks: Vec<(Service, JoinHandle<()>)>,
    stop: watch::Sender<bool>,
    // Dropped last (fields drop in order), after the tasks have been told to stop.
    lock: ServicesLock,
}

impl Running {
    /// What runs, in start order, for callers to print.
    pub fn started(&self) -> &[Started] {
        &self.started
    }

    /// Where the ingest API listens, if it does.
    pub fn ingest_addr(&self) -> Option<SocketAddr> {
        self.ingest.as_ref().map(ingest::IngestServer::addr)
    }

    /// Who holds the services lock: this process.
    pub fn holder(&self) -> &Holder {
        self.lock.holder()
    }

    /// Stops every service and waits until each has finished what it was doing (the worker
    /// records what it sent); then releases the lock.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.ingest {
            server.stopped().await;
        }
        for (service, task) in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(?service, error = %e, "a background service failed while stopping");
            }
        }
        drop(self.lock);
    }

    fn spawn<F, Fut>(&mut self, service: Service, description: String, run: F)
    where
        F: FnOnce(StopSignal) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let task = tokio::spawn(run(stopped(self.stop.subscribe())));
        self.tasks.push((service, task));
        self.started.push(Started {
            service,
            description,
        });
    }
}

/// Resolves once shutdown is asked for (or the [`Running`] is dropped).
type StopSignal = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

fn stopped(mut stopping: watch::Receiver<bool>) -> StopSignal {
    Box::pin(async move {
        // An error means the sender is gone: stop then too.
        let _ = stopping.wait_for(|stop| *stop).await;
    })
}

/// Prunes what is past the retention period now and then every [`RETENTION_EVERY`].
async fn retention(sb: Arc<Switchboard>, stop: StopSignal) {
    let mut stop = stop;
    loop {
        let result = sb
            .blocking(|sb| sb.prune_now(&Actor::system("retention"), time::now_ms()))
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "retention pruning failed; trying again tomorrow");
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(RETENTION_EVERY) => {}
        }
    }
}

/// Taking the lock for a [`Switchboard`]'s data folder (here, not in `lock`, which knows only
/// folders).
impl ServicesLock {
    /// Takes the lock for `sb`'s data folder without waiting.
    pub fn try_acquire(sb: &Switchboard, program: Program) -> Result<Acquired> {
        Self::try_acquire_in(sb.data_dir(), program)
    }

    /// Takes the lock, or refuses with a `conflict` error naming the holder.
    pub fn acquire(sb: &Switchboard, program: Program) -> Result<ServicesLock> {
        match Self::try_acquire(sb, program)? {
            Acquired::Held(lock) => Ok(lock),
            Acquired::Taken(holder) => Err(Error::Conflict(refusal(holder.as_ref()))),
        }
    }
}
