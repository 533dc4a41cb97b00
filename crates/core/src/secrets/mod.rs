//! Secrets: a type that cannot leak, and the OS keychain that holds them.
//!
//! Secrets live only in the OS keychain (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), under a service name namespaced by build kind. The database records at
//! most *whether* a secret is set. When no keychain is reachable, every secret operation fails
//! with [`Error::KeychainUnavailable`] and nothing falls back to plaintext.

use std::sync::Arc;

use keyring_core::api::CredentialStore;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::paths::BuildKind;

/// A secret value: its `Debug` prints `<redacted>`, and it implements neither `Display` nor
/// `Serialize`, so it cannot reach a log line, an IPC payload or an export by accident.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The plaintext, for the one place that needs it (an auth header, a signature).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What the UI and `info` show about the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct KeychainStatus {
    /// `secret-service`, `macos-keychain`, `windows-credential-manager`, or `test-memory`.
    pub backend: String,
    pub available: bool,
    /// Why it is unavailable, in words a clinic worker can act on.
    pub message: Option<String>,
}

/// A handle on the keychain, built once at start-up.
#[derive(Clone)]
pub struct Keychain {
    service: String,
    backend: &'static str,
    store: std::result::Result<Arc<CredentialStore>, String>,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain")
            .field("service", &self.service)
            .field("backend", &self.backend)
            .field("available", &self.store.is_ok())
            .finish()
    }
}

impl Keychain {
    /// The platform keychain for this build kind (`switchboard` or `switchboard-dev`).
    pub fn system() -> Self {
        Self::system_with_service(BuildKind::current().namespace())
    }

    pub fn system_with_service(service: &str) -> Self {
        let (backend, store) = platform_store();
        if let Err(reason) = &store {
            tracing::warn!(backend, %reason, "OS keychain unavailable");
        }
        Keychain {
            service: service.to_owned(),
            backend,
            store,
        }
    }

    /// An in-memory keychain for unit tests. Never used by the app or the CLI.
    pub fn in_memory() -> Self {
        let store = keyring_core::mock::Store::new()
            .map(|s| s as Arc<CredentialStore>)
            .map_err(|e| e.to_string());
        Keychain {
            service: "switchboard-test".to_owned(),
            backend: "test-memory",
            store,
        }
    }

    /// A keychain that refuses every operation with `reason`, as a machine without one does.
    pub fn unavailable(reason: &str) -> Self {
        Keychain {
            service: "switchboard-test".to_owned(),
            backend: "none",
            store: Err(reason.to_owned()),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// Probes the keychain with a harmless read. A locked Linux keyring may pass this and still
    /// refuse writes, so writes report their own failures too.
    pub fn status(&self) -> KeychainStatus {
        let probe = self.get("probe/status");
        KeychainStatus {
            backend: self.backend.to_owned(),
            available: probe.is_ok(),
            message: probe.err().map(|e| e.to_string()),
        }
    }

    /// The secret stored under `account`, or `None` when there is none.
    pub fn get(&self, account: &str) -> Result<Option<Secret>> {
        match self.entry(account)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.failed(e)),
        }
    }

    pub fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(|e| self.failed(e))
    }

    /// Removes the secret under `account`; removing a missing one is not an error.
    pub fn delete(&self, account: &str) -> Result<()> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.failed(e)),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry> {
        let store = self
            .store
            .as_ref()
            .map_err(|reason| self.unavailable_because(reason))?;
        store
            .build(&self.service, account, None)
            .map_err(|e| self.failed(e))
    }

    fn failed(&self, e: keyring_core::Error) -> Error {
        let reason = match &e {
            keyring_core::Error::NoStorageAccess(_) => {
                "the keychain is locked or refused access; unlock it (log in to the desktop \
                 session) and try again"
                    .to_owned()
            }
            other => other.to_string(),
        };
        tracing::warn!(backend = self.backend, error = %e, "keychain operation failed");
        self.unavailable_because(&reason)
    }

    fn unavailable_because(&self, reason: &str) -> Error {
        Error::KeychainUnavailable(format!(
            "The OS keychain ({}) is not available: {reason}. Secrets cannot be read or saved \
             until it is; everything else keeps working.",
            self.backend
        ))
    }
}

type StoreResult = std::result::Result<Arc<CredentialStore>, String>;

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> (&'static str, StoreResult) {
    let store = zbus_secret_service_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| {
            format!(
                "no Secret Service on the session bus ({e}); start a desktop session with \
                 gnome-keyring or KWallet"
            )
        });
    ("secret-service", store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> (&'static str, StoreResult) {
    let store = apple_native_keyring_store::keychain::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| e.to_string());
    ("macos-keychain", store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> (&'static str, StoreResult) {
    let store = windows_native_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| e.to_string());
    ("windows-credential-manager", store)
}

/// OAuth access tokens by integration id, kept only in this process's memory: they are
/// short-lived and renewed from the refresh token in the keychain, so they never touch disk.
#[derive(Default)]
pub struct AccessTokens(std::sync::Mutex<std::collections::HashMap<String, Secret>>);

impl AccessTokens {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Secret>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn get(&self, id: &str) -> Option<Secret> {
        self.map().get(id).cloned()
    }

    pub fn put(&self, id: &str, token: Secret) {
        self.map().insert(id.to_owned(), token);
    }

    pub fn forget(&self, id: &str) {
        self.map().remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static_assertions::assert_not_impl_any!(Secret: serde::Serialize, std::fmt::Display);

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2-very-secret");
        let shown = format!("{s:?} {:?} {:#?}", Some(&s), vec![s.clone()]);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn in_memory_round_trip_and_missing_is_none() {
        let k = Keychain::in_memory();
        assert!(k.get("a").unwrap().is_none());
        k.set("a", &Secret::new("v1")).unwrap();
        assert_eq!(k.get("a").unwrap().unwrap().expose(), "v1");
        k.delete("a").unwrap();
        k.delete("a").unwrap();
        assert!(k.get("a").unwrap().is_none());
    }

    #[test]
    fn unavailable_store_gives_stable_error() {
        let k = Keychain {
            service: "x".into(),
            backend: "secret-service",
            store: Err("no session bus".into()),
        };
        let err = k.set("a", &Secret::new("v")).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::KeychainUnavailable);
        assert!(err.to_string().contains("no session bus"));
        let status = k.status();
        assert!(!status.available);
        assert!(status.message.unwrap().contains("no session bus"));
    }
}
