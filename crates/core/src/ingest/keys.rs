//! The ingest API's memory of the keys it checked, so a request costs no database look-up (and
//! no hop to a blocking thread) when its key was seen in the last few seconds.
//!
//! This cannot let a dead key in: the group commit refuses events from a key revoked or expired
//! by then (its `UPDATE … WHERE` the key is live, [`super::commit`]). It only saves the look-up.
//! Revoking a key in this process forgets every remembered key at once (the generation), so the
//! caller is refused before its body is read, as without the cache; a revocation by another
//! process (the CLI) is caught by the commit, or by the look-up after [`TTL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::api_keys::{self, ApiKey};
use crate::secrets::Secret;
use crate::{time, Switchboard};

/// How long a checked key is trusted without a look-up.
const TTL: Duration = Duration::from_secs(10);
/// Keys remembered at most; past it the memory starts over (a clinic has a handful).
const MAX_KEYS: usize = 256;

#[derive(Default)]
pub(crate) struct KeyCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// [`Switchboard::api_key_generation`] when these were checked.
    generation: u64,
    /// By the SHA-256 (hex) of the presented key, as stored.
    keys: HashMap<String, Remembered>,
}

struct Remembered {
    key: Arc<ApiKey>,
    expires_at_ms: Option<i64>,
    checked_at: Instant,
}

impl KeyCache {
    /// The active key `secret` names, if it was checked recently and nothing changed since.
    pub(crate) fn get(&self, sb: &Switchboard, secret: &Secret) -> Option<Arc<ApiKey>> {
        let hash = api_keys::hash_hex(secret.expose());
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let generation = sb.api_key_generation();
        if entries.generation != generation {
            entries.keys.clear();
            entries.generation = generation;
            return None;
        }
        let now = time::now_ms();
        let fresh = entries.keys.get(&hash).is_some_and(|r| {
            r.checked_at.elapsed() < TTL && r.expires_at_ms.is_none_or(|t| t > now)
        });
        if !fresh {
            entries.keys.remove(&hash);
            return None;
        }
        entries.keys.get(&hash).map(|r| Arc::clone(&r.key))
    }

    /// Remembers a key just checked against the database at `generation` (read before the
    /// check, so a revocation during it is not papered over).
    pub(crate) fn put(&self, generation: u64, secret: &Secret, key: &Arc<ApiKey>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.generation != generation {
            return;
        }
        if entries.keys.len() >= MAX_KEYS {
            entries.keys.clear();
        }
        let expires_at_ms = key
            .expires_at
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_millisecond());
        entries.keys.insert(
            api_keys::hash_hex(secret.expose()),
            Remembered {
                key: Arc::clone(key),
                expires_at_ms,
                checked_at: Instant::now(),
            },
        );
    }
}
