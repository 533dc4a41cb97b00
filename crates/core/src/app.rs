//! [`Switchboard`]: the state built once at start-up and shared by every operation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::paths;
use crate::providers::http::{self, Timeouts};
use crate::secrets::Keychain;
use crate::store::Db;

/// How to open Switchboard.
#[derive(Debug, Default)]
pub struct OpenOptions {
    /// `--data-dir`; falls back to `SWITCHBOARD_DATA_DIR`, then the OS app-data directory.
    pub data_dir: Option<PathBuf>,
    /// The keychain to use; the OS keychain when `None`.
    pub keychain: Option<Keychain>,
    /// Provider call timeouts; the defaults when `None` (tests use short ones).
    pub timeouts: Option<Timeouts>,
}

pub struct Switchboard {
    data_dir: PathBuf,
    db: Db,
    keychain: Keychain,
    /// The one HTTP client for provider calls: connections are reused across tests.
    http: reqwest::Client,
    timeouts: Timeouts,
    /// One lock per integration, so two tests of the same integration never overlap.
    test_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Wakes the background checks when integrations change, so a new one is tested at once.
    checks_wakeup: tokio::sync::Notify,
    /// Wakes the delivery worker when events are queued or deliveries resent.
    worker_wakeup: tokio::sync::Notify,
    /// Wakes the sync worker: new jobs, a rule turned on, "Sync now".
    sync_wakeup: tokio::sync::Notify,
    /// The providers' rate limits, one lane per QuickBooks company or Twilio sender.
    provider_limits: crate::providers::limits::Limits,
    /// Refused ingest requests counted and not yet in the audit log.
    refusals: switchboard_domain::refusals::RefusalLog,
    /// Bumped when an API key is revoked, so the ingest API forgets the keys it remembers.
    api_key_generation: std::sync::atomic::AtomicU64,
    /// OAuth access tokens, kept only in memory (`oauth`).
    access_tokens: crate::secrets::AccessTokens,
}

impl std::fmt::Debug for Switchboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Switchboard")
            .field("data_dir", &self.data_dir)
            .field("db", &self.db)
            .field("keychain", &self.keychain)
            .finish_non_exhaustive()
    }
}

impl Switchboard {
    pub fn open(options: OpenOptions) -> Result<Self> {
        let data_dir = paths::resolve_data_dir(options.data_dir).ok_or_else(|| Error::DataDir {
            path: PathBuf::from("(none)"),
            reason: "no application data directory is known for this user; pass --data-dir".into(),
        })?;
        ensure_dir(&data_dir)?;
        let db = Db::open(&data_dir.join(paths::DATABASE_FILE))?;
        let keychain = options.keychain.unwrap_or_else(Keychain::system);
        let timeouts = options.timeouts.unwrap_or_default();
        Ok(Switchboard {
            data_dir,
            db,
            keychain,
            http: http::client(timeouts)?,
            timeouts,
            test_locks: Mutex::new(HashMap::new()),
            checks_wakeup: tokio::sync::Notify::new(),
            worker_wakeup: tokio::sync::Notify::new(),
            sync_wakeup: tokio::sync::Notify::new(),
            provider_limits: Default::default(),
            refusals: Default::default(),
            api_key_generation: Default::default(),
            access_tokens: Default::default(),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Runs blocking work (SQLite, the keychain) off the async runtime's worker threads.
    pub async fn blocking<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Switchboard) -> Result<T> + Send + 'static,
    {
        let sb = Arc::clone(self);
        tokio::task::spawn_blocking(move || f(&sb))
            .await
            .map_err(|e| Error::Internal(format!("background task failed: {e}")))?
    }

    /// Resolves when integrations changed since the background checks last looked.
    pub async fn checks_wakeup(&self) {
        self.checks_wakeup.notified().await;
    }

    pub(crate) fn wake_checks(&self) {
        self.checks_wakeup.notify_one();
    }

    /// Resolves when deliveries were queued since the worker last looked.
    pub async fn worker_wakeup(&self) {
        self.worker_wakeup.notified().await;
    }

    pub(crate) fn wake_worker(&self) {
        self.worker_wakeup.notify_one();
    }

    /// The providers' rate limits (sync calls take a permit from their lane).
    pub fn provider_limits(&self) -> &crate::providers::limits::Limits {
        &self.provider_limits
    }

    pub async fn sync_wakeup(&self) {
        self.sync_wakeup.notified().await;
    }

    pub(crate) fn wake_sync(&self) {
        self.sync_wakeup.notify_one();
    }

    pub(crate) fn refusals(&self) -> &switchboard_domain::refusals::RefusalLog {
        &self.refusals
    }

    pub(crate) fn api_key_generation(&self) -> u64 {
        self.api_key_generation
            .load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn api_keys_changed(&self) {
        self.api_key_generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    pub(crate) fn test_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.test_locks.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(locks.entry(id.to_owned()).or_default())
    }

    pub(crate) fn access_tokens(&self) -> &crate::secrets::AccessTokens {
        &self.access_tokens
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The store, unchecked: core's operations authorise first, tests reach in directly.
    #[cfg(feature = "test-support")]
    pub fn db(&self) -> &Db {
        &self.db
    }

    #[cfg(not(feature = "test-support"))]
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// The keychain, unchecked; see [`Switchboard::db`].
    #[cfg(feature = "test-support")]
    pub fn keychain(&self) -> &Keychain {
        &self.keychain
    }

    #[cfg(not(feature = "test-support"))]
    pub(crate) fn keychain(&self) -> &Keychain {
        &self.keychain
    }
}

impl Drop for Switchboard {
    fn drop(&mut self) {
        // The ingest API flushes when it stops; this catches refusals counted by any other path.
        if let Err(e) = self.flush_refusals() {
            tracing::error!(error = %e, "could not record counted ingest refusals");
        }
    }
}

fn ensure_dir(dir: &Path) -> Result<()> {
    let fail = |reason: String| Error::DataDir {
        path: dir.to_owned(),
        reason,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(fail("it exists but is not a folder".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create it ({e})")))?;
    // Probe writability up front, so the error names the folder rather than a SQLite file.
    let probe = dir.join(".switchboard-write-test");
    std::fs::write(&probe, b"").map_err(|e| fail(format!("it is not writable ({e})")))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_reports_paths_schema_and_keychain() {
        let dir = tempfile::tempdir().unwrap();
        let sb = Switchboard::open(OpenOptions {
            data_dir: Some(dir.path().join("nested/data")),
            keychain: Some(Keychain::in_memory()),
            ..Default::default()
        })
        .unwrap();
        let info = sb.info().unwrap();
        assert_eq!(
            info.data_dir,
            dir.path().join("nested/data").display().to_string()
        );
        assert!(info.database_path.ends_with("switchboard.sqlite3"));
        assert!(std::path::Path::new(&info.database_path).is_file());
        assert_eq!(info.schema_version, crate::store::latest_version());
        assert!(info.keychain.available);
        assert_eq!(info.keychain.backend, "test-memory");
        assert_eq!(info.clinic_name, None);
    }

    #[test]
    fn data_dir_that_is_a_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let err = Switchboard::open(OpenOptions {
            data_dir: Some(file.clone()),
            keychain: Some(Keychain::in_memory()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(err, Error::DataDir { .. }));
        assert!(
            err.to_string().contains(&file.display().to_string()),
            "{err}"
        );
    }
}
