//! API keys for the loopback ingest API (`POST /v1/events`).
//!
//! A key is `sbk_` + 32 random bytes (base64url), shown once when it is created. The database
//! keeps only its SHA-256 and its first eight characters, so people can tell their keys apart. A
//! presented key is looked up by those characters and its hash compared in constant time. Keys
//! are scoped to event types, may expire, and can be revoked. Creating and revoking are audited in
//! the same transaction as the change. An accepted event names its key in its own row (the usage
//! log, [`Switchboard::api_key_uses`]); refusals go to the audit chain, aggregated per key and
//! reason per minute ([`switchboard_domain::refusals`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{AppError, Error, Result};
use crate::providers::validate;
use crate::secrets::Secret;
use crate::webhooks::events::{self, Prepared};
use crate::webhooks::{is_known_event_type, EmitRequest, Emitted, EVENT_TYPES};
use crate::{time, Switchboard};
use switchboard_domain::refusals::{self, Refused, Subject};

/// Every key starts with this, so a leaked one is recognisable (and scanners can find it).
pub const KEY_PREFIX: &str = "sbk_";
/// Random bytes in a key.
const KEY_BYTES: usize = 32;
/// How much of a key is kept and shown: `sbk_` and four characters.
pub const SHOWN_PREFIX_CHARS: usize = 8;
pub const MAX_EXPIRES_IN_DAYS: u32 = 3650;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// Audit details quote what the caller sent; this keeps a hostile value from filling the log.
const DETAIL_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyDraft {
    pub name: String,
    /// Event types the key may send; empty or `["*"]` for every type.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Days until the key stops working (1 to 3650); it never expires when absent.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyState {
    Active,
    Expired,
    Revoked,
}

/// An API key as the UI and the CLI see it: never the key or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The key's first characters (`sbk_ab12`), to recognise it.
    pub prefix: String,
    /// Event types it may send; `["*"]` for every type.
    pub scopes: Vec<String>,
    pub state: ApiKeyState,
    pub created_at: String,
    pub created_by: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub last_used_at: Option<String>,
}

/// A new key and its secret, which is shown this once and cannot be recovered.
#[derive(Clone, Serialize, specta::Type)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub secret: String,
}

impl std::fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKey")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Why a presented key was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No key was sent.
    Missing,
    /// No key matches: mistyped, cut short, from another computer, or made up.
    Unknown,
    Expired(Box<ApiKey>),
    Revoked(Box<ApiKey>),
    /// The key is good but may not send this event type.
    OutOfScope {
        key: Box<ApiKey>,
        event_type: String,
    },
}

impl Refusal {
    /// The caller is known but not allowed (HTTP 403); every other refusal is 401.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Refusal::OutOfScope { .. })
    }

    pub fn key(&self) -> Option<&ApiKey> {
        match self {
            Refusal::Missing | Refusal::Unknown => None,
            Refusal::Expired(key) | Refusal::Revoked(key) | Refusal::OutOfScope { key, .. } => {
                Some(key)
            }
        }
    }

    /// What the caller is told: what is wrong and what to do.
    pub fn message(&self) -> String {
        match self {
            Refusal::Missing => "No API key was sent. Send it as `Authorization: Bearer sbk_…`; \
                 create one in Settings → API keys or with `switchboard apikey create`."
                .to_owned(),
            Refusal::Unknown => "The API key is not valid. Check that it was copied whole; a \
                 key is shown only once, so create a new one if it was lost."
                .to_owned(),
            Refusal::Expired(k) => format!(
                "The API key “{}” ({}…) expired at {}. Create a new one.",
                k.name,
                k.prefix,
                k.expires_at.as_deref().unwrap_or("?")
            ),
            Refusal::Revoked(k) => format!(
                "The API key “{}” ({}…) was revoked at {}. Create a new one.",
                k.name,
                k.prefix,
                k.revoked_at.as_deref().unwrap_or("?")
            ),
            Refusal::OutOfScope { key, event_type } => format!(
                "The API key “{}” may send {}, not {event_type}. Create a key whose scopes \
                 include {event_type}.",
                key.name,
                key.scopes.join(", ")
            ),
        }
    }

    /// What the audit log records.
    fn reason(&self) -> String {
        match self {
            Refusal::Missing => "no API key sent".to_owned(),
            Refusal::Unknown => "unknown API key".to_owned(),
            Refusal::Expired(k) => {
                format!("key expired at {}", k.expires_at.as_deref().unwrap_or("?"))
            }
            Refusal::Revoked(k) => {
                format!("key revoked at {}", k.revoked_at.as_deref().unwrap_or("?"))
            }
            Refusal::OutOfScope { key, event_type } => format!(
                "{} is outside the key's scopes ({})",
                clip(event_type),
                key.scopes.join(", ")
            ),
        }
    }
}

/// A refused key, or a failure of core itself (storage) or of the event (validation).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{}", .0.message())]
    Refused(Refusal),
    #[error(transparent)]
    Core(#[from] Error),
}

impl From<Refusal> for AuthError {
    fn from(r: Refusal) -> Self {
        AuthError::Refused(r)
    }
}

impl Switchboard {
    pub fn list_api_keys(&self, actor: &Actor) -> Result<Vec<ApiKey>> {
        self.authorize(actor, Operation::ApiKeyList, None)?;
        self.db().read(|c| {
            let now = time::now_ms();
            let mut stmt = c.prepare(&format!(
                "SELECT {COLUMNS} FROM api_keys ORDER BY created_at, id"
            ))?;
            let rows = stmt.query_map([], |r| read_row(r, now))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub fn get_api_key(&self, actor: &Actor, id: &str) -> Result<ApiKey> {
        self.authorize(actor, Operation::ApiKeyView, Some(id))?;
        self.api_key(id)
    }

    pub(crate) fn api_key(&self, id: &str) -> Result<ApiKey> {
        self.db().read(|c| find(c, id))
    }

    /// Creates a key; its secret is in the answer this once and stored only as a SHA-256.
    pub fn create_api_key(&self, actor: &Actor, draft: ApiKeyDraft) -> Result<CreatedApiKey> {
        self.authorize(actor, Operation::ApiKeyCreate, None)?;
        let name = validate::name(&draft.name).map_err(Error::from)?;
        let scopes = check_scopes(&draft.scopes)?;
        let now = time::now_ms();
        let expires_at = match draft.expires_in_days {
            None => None,
            Some(days) if (1..=MAX_EXPIRES_IN_DAYS).contains(&days) => {
                Some(now + i64::from(days) * DAY_MS)
            }
            Some(_) => {
                return Err(Error::validation(
                    "expires_in_days",
                    format!(
                        "A key must expire within 1 to {MAX_EXPIRES_IN_DAYS} days (ten years), \
                         or never."
                    ),
                ))
            }
        };
        let secret = generate()?;
        let prefix = shown_prefix(secret.expose())
            .unwrap_or(KEY_PREFIX)
            .to_owned();
        let id = format!("key_{}", uuid::Uuid::new_v4().simple());
        self.db().write(|tx| {
            tx.execute(
                "INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_at, created_by,
                                       expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    name,
                    prefix,
                    hash_hex(secret.expose()),
                    json(&scopes)?,
                    now,
                    actor.name(),
                    expires_at,
                ],
            )?;
            let expires = expires_at.map(time::to_rfc3339);
            let changes = vec![
                FieldChange::value("name", None, Some(&name)),
                FieldChange::value("scopes", None, Some(&scopes.join(","))),
                FieldChange::value(
                    "expires_at",
                    None,
                    Some(expires.as_deref().unwrap_or("never")),
                ),
                FieldChange::secret("key", "created"),
            ];
            audit::append(
                tx,
                &Record {
                    actor,
                    action: "api_key.create",
                    object_type: "api_key",
                    object_id: Some(&id),
                    object_label: Some(&name),
                    changes,
                    outcome: AuditResult::Ok,
                    detail: None,
                },
            )?;
            Ok(())
        })?;
        Ok(CreatedApiKey {
            key: self.api_key(&id)?,
            secret: secret.expose().to_owned(),
        })
    }

    /// Revokes a key at once. Revoking a revoked key changes nothing.
    pub fn revoke_api_key(&self, actor: &Actor, id: &str) -> Result<ApiKey> {
        self.authorize(actor, Operation::ApiKeyRevoke, Some(id))?;
        let key = self.api_key(id)?;
        if key.state == ApiKeyState::Revoked {
            return Ok(key);
        }
        self.db().write(|tx| {
            let now = time::now_ms();
            tx.execute(
                "UPDATE api_keys SET revoked_at = ?2, revoked_by = ?3
                 WHERE id = ?1 AND revoked_at IS NULL",
                params![key.id, now, actor.name()],
            )?;
            audit::append(
                tx,
                &Record {
                    actor,
                    action: "api_key.revoke",
                    object_type: "api_key",
                    object_id: Some(&key.id),
                    object_label: Some(&key.name),
                    changes: vec![FieldChange::value(
                        "revoked_at",
                        None,
                        Some(&time::to_rfc3339(now)),
                    )],
                    outcome: AuditResult::Ok,
                    detail: None,
                },
            )?;
            Ok(())
        })?;
        self.api_keys_changed();
        self.api_key(&key.id)
    }

    /// Checks a presented key: it must match a stored hash, be neither revoked nor expired,
    /// and — when `event_type` is given — include it in its scopes. Records nothing: the ingest
    /// API records a refusal once it knows how the request ends ([`Self::record_refusal`]); an
    /// accepted event names its key in its own row.
    pub fn authenticate(
        &self,
        secret: &Secret,
        event_type: Option<&str>,
    ) -> Result<ApiKey, AuthError> {
        let presented = secret.expose();
        let Some(prefix) = shown_prefix(presented) else {
            return Err(Refusal::Unknown.into());
        };
        let presented_hash = hash_hex(presented);
        let candidates = self.db().read(|c| {
            let now = time::now_ms();
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS}, key_hash FROM api_keys WHERE prefix = ?1"
            ))?;
            let rows = stmt.query_map([prefix], |r| {
                Ok((read_row(r, now)?, r.get::<_, String>(10)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        // Compare against every candidate, in constant time, without stopping at a match.
        let mut found = None;
        for (key, stored_hash) in candidates {
            if bool::from(presented_hash.as_bytes().ct_eq(stored_hash.as_bytes())) {
                found = Some(key);
            }
        }
        let key = found.ok_or(Refusal::Unknown)?;
        match key.state {
            ApiKeyState::Revoked => return Err(Refusal::Revoked(Box::new(key)).into()),
            ApiKeyState::Expired => return Err(Refusal::Expired(Box::new(key)).into()),
            ApiKeyState::Active => {}
        }
        if let Some(event_type) = event_type {
            if !in_scope(&key.scopes, event_type) {
                return Err(Refusal::OutOfScope {
                    key: Box::new(key),
                    event_type: event_type.to_owned(),
                }
                .into());
            }
        }
        Ok(key)
    }

    /// Queues an event sent with an API key, as one `POST /v1/events` does, without the HTTP:
    /// checks the key once (with the event's scope), stores the event in a synced transaction
    /// naming the key, and records a refusal (aggregated) when there is one. An unknown event
    /// type is a validation error, not a scope refusal. The ingest API itself goes through its
    /// group committer instead; both store with [`store_events`].
    pub fn emit_with_api_key(
        &self,
        secret: &Secret,
        request: &EmitRequest,
    ) -> Result<Emitted, AuthError> {
        let event_type = request.event_type.trim();
        let scoped = is_known_event_type(event_type).then_some(event_type);
        let key = match self.authenticate(secret, scoped) {
            Ok(key) => key,
            Err(AuthError::Refused(refusal)) => {
                self.record_refusal_from(&refusal, Some(secret))?;
                return Err(refusal.into());
            }
            Err(e) => return Err(e),
        };
        let event = match crate::webhooks::events::prepare(request) {
            Ok(event) => event,
            Err(e) => {
                self.record_event_refusal(&key, &e)?;
                return Err(e.into());
            }
        };
        let mut results = self
            .db()
            .write_synced(|tx| store_events(tx, std::iter::once((&key, &event))))?;
        let result = results
            .pop()
            .unwrap_or_else(|| Err(Error::Internal("no result for the event".into()).into()));
        match &result {
            Ok(emitted) => {
                if emitted.deliveries > 0 {
                    self.wake_worker();
                }
                if emitted.sync_jobs > 0 {
                    self.wake_sync();
                }
            }
            Err(AuthError::Refused(refusal)) => self.record_refusal_from(refusal, Some(secret))?,
            _ => {}
        }
        result
    }

    /// Records a refused use (no key, wrong, expired, revoked or out of scope), aggregated per
    /// key and reason (see [`switchboard_domain::refusals`]).
    pub fn record_refusal(&self, refusal: &Refusal) -> Result<()> {
        self.record_refusal_from(refusal, None)
    }

    /// Like [`Self::record_refusal`]; an unknown key is told apart from others by the shown
    /// prefix of what was `presented`, when it looks like a key.
    pub(crate) fn record_refusal_from(
        &self,
        refusal: &Refusal,
        presented: Option<&Secret>,
    ) -> Result<()> {
        let subject = match refusal.key() {
            Some(key) => key_subject(key),
            None => Subject::Unknown {
                prefix: presented
                    .and_then(|s| shown_prefix(s.expose()))
                    .map(str::to_owned),
            },
        };
        let reason = match refusal {
            Refusal::Missing => "no API key sent".to_owned(),
            Refusal::Unknown => "unknown API key".to_owned(),
            Refusal::Expired(_) => "key expired".to_owned(),
            Refusal::Revoked(_) => "key revoked".to_owned(),
            Refusal::OutOfScope { event_type, .. } => format!("out of scope: {}", clip(event_type)),
        };
        self.note_refusal(Refused {
            subject,
            reason,
            detail: refusal.reason(),
        })
    }

    /// Records a request from a good key refused for its content: `field` names what was wrong
    /// (the aggregation key is the field, so a flood of broken JSON is one row a minute).
    pub(crate) fn record_request_refusal(
        &self,
        key: &ApiKey,
        field: Option<&str>,
        message: &str,
    ) -> Result<()> {
        let (reason, detail) = match field {
            Some(field) => (
                format!("request refused ({field})"),
                format!("request refused ({field}): {message}"),
            ),
            None => (
                "request refused".to_owned(),
                format!("request refused: {message}"),
            ),
        };
        self.note_refusal(Refused {
            subject: key_subject(key),
            reason,
            detail,
        })
    }

    /// Records an event refused by validation (type, data, id, size).
    fn record_event_refusal(&self, key: &ApiKey, e: &Error) -> Result<()> {
        let shown = AppError::from(e);
        let field = match e {
            Error::PayloadTooLarge(_) => Some("data"),
            _ => shown.field.as_deref(),
        };
        self.record_request_refusal(key, field, &shown.message)
    }

    /// The events a key sent, newest first: the ingest API's usage log. `before` is the
    /// `seq` of the last use already shown (keyset paging). With the key's refusals, counted
    /// from the audit log. Needs the permission that lists keys.
    pub fn api_key_uses(
        &self,
        actor: &Actor,
        id: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<ApiKeyUses> {
        self.authorize(actor, Operation::ApiKeyView, Some(id))?;
        let limit = limit.clamp(1, MAX_USES_PAGE);
        self.db().read(|c| {
            let key = find(c, id)?;
            let mut stmt = c.prepare_cached(
                "SELECT seq, id, type, created_at FROM webhook_events
                 WHERE api_key_id = ?1 AND seq < ?2
                 ORDER BY seq DESC LIMIT ?3",
            )?;
            let uses = stmt
                .query_map(
                    params![key.id, before.unwrap_or(i64::MAX), i64::from(limit) + 1],
                    |r| {
                        Ok(ApiKeyUse {
                            seq: r.get(0)?,
                            event_id: r.get(1)?,
                            event_type: r.get(2)?,
                            at: time::to_rfc3339(r.get(3)?),
                        })
                    },
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let more = uses.len() > limit as usize;
            let uses: Vec<ApiKeyUse> = uses.into_iter().take(limit as usize).collect();
            // Each aggregated refusal row carries its count (rows from before aggregation count 1).
            let refused: i64 = c.query_row(
                "SELECT coalesce(sum(coalesce(
                     (SELECT CAST(json_extract(ch.value, '$.to') AS INTEGER)
                      FROM json_each(a.changes) ch
                      WHERE json_extract(ch.value, '$.field') = 'count'), 1)), 0)
                 FROM audit_log a
                 WHERE a.object_type = 'api_key' AND a.object_id = ?1
                   AND a.action = ?2 AND a.result = 'refused'",
                params![key.id, refusals::ACTION],
                |r| r.get(0),
            )?;
            Ok(ApiKeyUses {
                next_before: if more {
                    uses.last().map(|u| u.seq)
                } else {
                    None
                },
                uses,
                refused: u64::try_from(refused).unwrap_or(0),
            })
        })
    }
}

/// The largest page of [`Switchboard::api_key_uses`].
pub const MAX_USES_PAGE: u32 = 200;

/// One event a key sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyUse {
    /// Where the next page starts (`before`).
    // A plain TS `number` (JSON numbers are exact to 2^53; specta's f64 would admit `null`).
    #[specta(type = u32)]
    pub seq: i64,
    pub at: String,
    pub event_type: String,
    pub event_id: String,
}

/// A page of a key's recent uses and how many of its requests were refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyUses {
    pub uses: Vec<ApiKeyUse>,
    /// `before` for the next (older) page; `None` on the last page.
    #[specta(type = Option<u32>)]
    pub next_before: Option<i64>,
    /// Requests with this key that were refused, as the audit log counts them.
    #[specta(type = u32)]
    pub refused: u64,
}

/// Why a key that passed the check at the start of a request no longer works at commit time.
pub(crate) fn refusal_for_dead_key(c: &Connection, id: &str) -> Result<Refusal> {
    Ok(match find(c, id) {
        Ok(key) if key.state == ApiKeyState::Expired => Refusal::Expired(Box::new(key)),
        Ok(key) => Refusal::Revoked(Box::new(key)),
        Err(Error::NotFound(_)) => Refusal::Unknown,
        Err(e) => return Err(e),
    })
}

/// The columns [`read_row`] reads, in order.
const COLUMNS: &str =
    "id, name, prefix, scopes, created_at, created_by, expires_at, revoked_at, revoked_by, last_used_at";

/// Stores events sent with API keys, each in its own savepoint, inside the caller's transaction:
/// the ingest API's group commit passes a whole group, `emit_with_api_key` a group of one. One
/// `UPDATE` per key stamps its use and, matching only a live key, refuses events from a key
/// revoked or expired since it was checked. The outer `Err` fails the whole transaction; an
/// inner one is that event's own answer.
pub(crate) fn store_events<'a>(
    tx: &Transaction<'_>,
    group: impl Iterator<Item = (&'a ApiKey, &'a Prepared)> + Clone,
) -> Result<Vec<Result<Emitted, AuthError>>> {
    let now = time::now_ms();
    // Keys seen in this group and whether they still work; groups hold few distinct keys.
    let mut keys: Vec<(&str, Option<Refusal>)> = Vec::new();
    for (key, _) in group.clone() {
        if keys.iter().any(|(id, _)| *id == key.id) {
            continue;
        }
        let live = tx
            .prepare_cached(
                "UPDATE api_keys SET last_used_at = ?2
                 WHERE id = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)",
            )?
            .execute(rusqlite::params![key.id, now])?
            == 1;
        let refusal = if live {
            None
        } else {
            Some(refusal_for_dead_key(tx, &key.id)?)
        };
        keys.push((&key.id, refusal));
    }
    let mut results = Vec::new();
    for (key, event) in group {
        let refused = keys
            .iter()
            .find(|(id, _)| *id == key.id)
            .and_then(|(_, r)| r.clone());
        if let Some(refusal) = refused {
            results.push(Err(AuthError::Refused(refusal)));
            continue;
        }
        tx.prepare_cached("SAVEPOINT ingest_event")?.execute([])?;
        let source = format!("api:{}", key.name);
        match events::enqueue(tx, event, &source, Some(&key.id)) {
            Ok(emitted) => {
                tx.prepare_cached("RELEASE ingest_event")?.execute([])?;
                results.push(Ok(emitted));
            }
            Err(e) => {
                tracing::warn!(error = %e, event = %event.id, "an ingest event failed alone");
                tx.execute_batch("ROLLBACK TO ingest_event; RELEASE ingest_event")?;
                results.push(Err(AuthError::Core(e)));
            }
        }
    }
    Ok(results)
}

/// The subject of a known key's refusals.
fn key_subject(key: &ApiKey) -> Subject {
    Subject::Key {
        id: key.id.clone(),
        name: key.name.clone(),
    }
}

fn find(c: &Connection, id: &str) -> Result<ApiKey> {
    let now = time::now_ms();
    c.query_row(
        &format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1"),
        [id.trim()],
        |r| read_row(r, now),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound(format!("API key {id}")))
}

fn read_row(r: &Row<'_>, now: i64) -> rusqlite::Result<ApiKey> {
    let scopes: String = r.get(3)?;
    let expires_at: Option<i64> = r.get(6)?;
    let revoked_at: Option<i64> = r.get(7)?;
    let last_used_at: Option<i64> = r.get(9)?;
    let state = if revoked_at.is_some() {
        ApiKeyState::Revoked
    } else if expires_at.is_some_and(|t| t <= now) {
        ApiKeyState::Expired
    } else {
        ApiKeyState::Active
    };
    Ok(ApiKey {
        id: r.get(0)?,
        name: r.get(1)?,
        prefix: r.get(2)?,
        scopes: serde_json::from_str(&scopes).unwrap_or_else(|_| vec!["*".to_owned()]),
        state,
        created_at: time::to_rfc3339(r.get(4)?),
        created_by: r.get(5)?,
        expires_at: expires_at.map(time::to_rfc3339),
        revoked_at: revoked_at.map(time::to_rfc3339),
        revoked_by: r.get(8)?,
        last_used_at: last_used_at.map(time::to_rfc3339),
    })
}

/// Scopes as stored: known event types, sorted, or `["*"]` for every type.
fn check_scopes(given: &[String]) -> Result<Vec<String>> {
    let mut scopes: Vec<String> = given
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() || scopes.iter().any(|s| s == "*") {
        return Ok(vec!["*".to_owned()]);
    }
    if let Some(bad) = scopes.iter().find(|s| !is_known_event_type(s)) {
        return Err(Error::validation(
            "scopes",
            format!(
                "“{}” is not an event type. Known types: {}.",
                clip(bad),
                EVENT_TYPES.join(", ")
            ),
        ));
    }
    Ok(scopes)
}

fn in_scope(scopes: &[String], event_type: &str) -> bool {
    scopes.iter().any(|s| s == "*" || s == event_type)
}

/// A new `sbk_` key of 32 random bytes from the OS.
fn generate() -> Result<Secret> {
    let mut bytes = [0u8; KEY_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(Secret::new(format!(
        "{KEY_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(bytes)
    )))
}

/// The characters of a key that are kept and shown, or `None` when it cannot be a key.
fn shown_prefix(key: &str) -> Option<&str> {
    key.starts_with(KEY_PREFIX)
        .then(|| key.get(..SHOWN_PREFIX_CHARS))
        .flatten()
}

pub(crate) fn hash_hex(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// At most [`DETAIL_MAX_CHARS`] characters on one line.
pub(crate) fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(DETAIL_MAX_CHARS)
        .collect();
    if s.chars().count() > DETAIL_MAX_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditRow;
    use crate::{Keychain, OpenOptions};

    fn open() -> (tempfile::TempDir, Switchboard) {
        let dir = tempfile::tempdir().unwrap();
        let sb = Switchboard::open(OpenOptions {
            data_dir: Some(dir.path().to_owned()),
            keychain: Some(Keychain::in_memory()),
            ..Default::default()
        })
        .unwrap();
        (dir, sb)
    }

    fn admin() -> Actor {
        Actor::user("usr_admin", "admin", crate::Role::Admin)
    }

    fn draft(name: &str, scopes: &[&str]) -> ApiKeyDraft {
        ApiKeyDraft {
            name: name.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_in_days: None,
        }
    }

    fn ping(event_type: &str) -> EmitRequest {
        EmitRequest {
            event_type: event_type.to_owned(),
            data: "{}".to_owned(),
            id: None,
        }
    }

    fn refusal(r: std::result::Result<ApiKey, AuthError>) -> Refusal {
        match r {
            Err(AuthError::Refused(refusal)) => refusal,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn uses(sb: &Switchboard) -> Vec<AuditRow> {
        let mut rows: Vec<AuditRow> = sb
            .recent_audit(&crate::Actor::admin_for_tests(), 100)
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "api_key.use")
            .collect();
        rows.reverse();
        rows
    }

    fn events(sb: &Switchboard) -> i64 {
        sb.db()
            .read(|c| Ok(c.query_row("SELECT count(*) FROM webhook_events", [], |r| r.get(0))?))
            .unwrap()
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    #[test]
    fn only_the_hash_is_stored_and_the_secret_is_shown_once() {
        let (dir, sb) = open();
        let created = sb
            .create_api_key(&admin(), draft("Front desk PMS", &[]))
            .unwrap();
        let secret = created.secret.clone();
        assert!(secret.starts_with("sbk_"), "{secret}");
        assert_eq!(
            secret.len(),
            4 + 43,
            "32 bytes of base64url without padding"
        );
        assert_eq!(created.key.prefix, &secret[..8]);
        assert_eq!(created.key.scopes, vec!["*"]);
        assert_eq!(created.key.state, ApiKeyState::Active);
        assert_eq!(created.key.created_by, "admin");
        assert!(!format!("{created:?}").contains(&secret), "Debug redacts");

        let listed = sb.list_api_keys(&crate::Actor::admin_for_tests()).unwrap();
        assert_eq!(listed, vec![created.key.clone()]);
        let listed_json = serde_json::to_string(&listed).unwrap();
        assert!(!listed_json.contains(&secret));
        assert!(listed_json.contains(&secret[..8]));

        // The database file and its WAL hold the hash, never the key.
        let hash = hash_hex(&secret);
        let mut files = 0;
        let mut saw_hash = false;
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !contains(&bytes, &secret),
                "{} holds the key",
                path.display()
            );
            assert!(
                !contains(&bytes, &secret[8..]),
                "{} holds part of the key",
                path.display()
            );
            saw_hash |= contains(&bytes, &hash);
            files += 1;
        }
        assert!(files >= 1);
        assert!(saw_hash, "the hash is stored");

        let rows = sb
            .recent_audit(&crate::Actor::admin_for_tests(), 10)
            .unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.action, "api_key.create");
        assert_eq!(row.object_id.as_deref(), Some(created.key.id.as_str()));
        assert_eq!(row.object_label.as_deref(), Some("Front desk PMS"));
        let key_change = row.changes.iter().find(|c| c.field == "key").unwrap();
        assert!(key_change.secret);
        assert!(!serde_json::to_string(row).unwrap().contains(&secret));

        assert_eq!(
            sb.authenticate(&Secret::new(secret), Some("test.ping"))
                .unwrap(),
            created.key
        );
    }

    #[test]
    fn a_wrong_key_is_unknown_even_with_the_right_prefix() {
        let (_d, sb) = open();
        let created = sb.create_api_key(&admin(), draft("PMS", &[])).unwrap();
        let mut wrong = created.secret.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == 'A' { 'B' } else { 'A' });
        for presented in [
            wrong.as_str(),
            &created.secret[..20],
            &format!("{} ", created.secret),
            "sbk_",
            "",
            "whsec_somethingelse",
            "sbk_ünïcödé",
        ] {
            assert_eq!(
                refusal(sb.authenticate(&Secret::new(presented), None)),
                Refusal::Unknown,
                "{presented:?}"
            );
        }
    }

    #[test]
    fn an_expired_key_is_refused_and_listed_as_expired() {
        let (_d, sb) = open();
        let created = sb
            .create_api_key(
                &admin(),
                ApiKeyDraft {
                    expires_in_days: Some(30),
                    ..draft("Lab import", &[])
                },
            )
            .unwrap();
        let expires = created
            .key
            .expires_at
            .as_deref()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond();
        let in_30_days = time::now_ms() + 30 * DAY_MS;
        assert!((in_30_days - expires).abs() < 60_000);
        let secret = Secret::new(created.secret);
        sb.authenticate(&secret, None).unwrap();

        // Time passes.
        sb.db()
            .write(
                |tx| Ok(tx.execute("UPDATE api_keys SET expires_at = ?1", [time::now_ms() - 1])?),
            )
            .unwrap();
        let r = refusal(sb.authenticate(&secret, None));
        assert!(
            matches!(&r, Refusal::Expired(k) if k.id == created.key.id),
            "{r:?}"
        );
        assert!(!r.is_forbidden());
        assert!(r.message().contains("expired"), "{}", r.message());
        assert_eq!(
            sb.list_api_keys(&crate::Actor::admin_for_tests()).unwrap()[0].state,
            ApiKeyState::Expired
        );

        for days in [0, MAX_EXPIRES_IN_DAYS + 1] {
            let err = sb
                .create_api_key(
                    &admin(),
                    ApiKeyDraft {
                        expires_in_days: Some(days),
                        ..draft("x", &[])
                    },
                )
                .unwrap_err();
            assert_eq!(err.field(), Some("expires_in_days"));
        }
    }

    #[test]
    fn a_revoked_key_is_refused_and_revoking_is_audited_once() {
        let (_d, sb) = open();
        let created = sb.create_api_key(&admin(), draft("Old PMS", &[])).unwrap();
        let secret = Secret::new(created.secret);
        let revoked = sb
            .revoke_api_key(
                &Actor::user("usr_manager", "manager", crate::Role::Admin),
                &created.key.id,
            )
            .unwrap();
        assert_eq!(revoked.state, ApiKeyState::Revoked);
        assert_eq!(revoked.revoked_by.as_deref(), Some("manager"));
        assert!(revoked.revoked_at.is_some());
        let r = refusal(sb.authenticate(&secret, Some("test.ping")));
        assert!(
            matches!(&r, Refusal::Revoked(k) if k.id == created.key.id),
            "{r:?}"
        );
        assert!(r.message().contains("revoked"), "{}", r.message());

        // Again: nothing changes, nothing more is recorded.
        assert_eq!(
            sb.revoke_api_key(&admin(), &created.key.id).unwrap(),
            revoked
        );
        let revokes: Vec<_> = sb
            .recent_audit(&crate::Actor::admin_for_tests(), 10)
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "api_key.revoke")
            .collect();
        assert_eq!(revokes.len(), 1);
        assert_eq!(revokes[0].actor, "manager");
        assert_eq!(
            revokes[0].object_id.as_deref(),
            Some(created.key.id.as_str())
        );

        assert!(matches!(
            sb.revoke_api_key(&admin(), "key_nope"),
            Err(Error::NotFound(_))
        ));
    }

    #[test]
    fn scopes_limit_the_event_types_a_key_may_send() {
        let (_d, sb) = open();
        let created = sb
            .create_api_key(
                &admin(),
                draft(
                    "Scheduler",
                    &[
                        "appointment.created",
                        " appointment.updated",
                        "appointment.created",
                    ],
                ),
            )
            .unwrap();
        assert_eq!(
            created.key.scopes,
            vec!["appointment.created", "appointment.updated"]
        );
        let secret = Secret::new(created.secret);
        sb.authenticate(&secret, Some("appointment.created"))
            .unwrap();
        sb.authenticate(&secret, None).unwrap();
        let r = refusal(sb.authenticate(&secret, Some("invoice.paid")));
        assert!(r.is_forbidden());
        assert!(r.message().contains("invoice.paid"), "{}", r.message());

        let everything = sb
            .create_api_key(&admin(), draft("All", &["invoice.paid", "*"]))
            .unwrap();
        assert_eq!(everything.key.scopes, vec!["*"]);
        sb.authenticate(&Secret::new(everything.secret), Some("invoice.paid"))
            .unwrap();

        let err = sb
            .create_api_key(&admin(), draft("Bad", &["appointment.made"]))
            .unwrap_err();
        assert_eq!(err.field(), Some("scopes"));
        let err = sb.create_api_key(&admin(), draft("  ", &[])).unwrap_err();
        assert_eq!(err.field(), Some("name"));
        assert_eq!(
            sb.list_api_keys(&crate::Actor::admin_for_tests())
                .unwrap()
                .len(),
            2,
            "bad drafts store nothing"
        );
    }

    #[test]
    fn an_accepted_event_names_its_key_and_only_refusals_are_audited() {
        let (_d, sb) = open();
        let created = sb
            .create_api_key(&admin(), draft("PMS", &["appointment.created"]))
            .unwrap();
        let key_id = created.key.id.clone();
        let secret = Secret::new(created.secret);
        assert_eq!(
            sb.get_api_key(&crate::Actor::admin_for_tests(), &key_id)
                .unwrap()
                .last_used_at,
            None
        );

        let sent = sb
            .emit_with_api_key(&secret, &ping("appointment.created"))
            .unwrap();
        assert!(!sent.duplicate);
        assert!(sb
            .get_api_key(&crate::Actor::admin_for_tests(), &key_id)
            .unwrap()
            .last_used_at
            .is_some());
        let (source, sender): (String, Option<String>) = sb
            .db()
            .read(|c| {
                Ok(
                    c.query_row("SELECT source, api_key_id FROM webhook_events", [], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?,
                )
            })
            .unwrap();
        assert_eq!(source, "api:PMS");
        assert_eq!(
            sender.as_deref(),
            Some(key_id.as_str()),
            "the row names its key"
        );
        assert!(uses(&sb).is_empty(), "an accepted event is not audited");

        let refused = [
            sb.emit_with_api_key(&secret, &ping("invoice.paid")),
            sb.emit_with_api_key(&secret, &ping("no.such.type")),
            sb.emit_with_api_key(&Secret::new("sbk_wrong"), &ping("appointment.created")),
            sb.emit_with_api_key(
                &secret,
                &EmitRequest {
                    id: Some("bad id".into()),
                    ..ping("appointment.created")
                },
            ),
        ];
        assert!(matches!(&refused[0], Err(AuthError::Refused(r)) if r.is_forbidden()));
        assert!(matches!(&refused[1], Err(AuthError::Core(e)) if e.field() == Some("type")));
        assert!(matches!(
            &refused[2],
            Err(AuthError::Refused(Refusal::Unknown))
        ));
        assert!(matches!(&refused[3], Err(AuthError::Core(e)) if e.field() == Some("id")));
        sb.record_refusal(&Refusal::Missing).unwrap();
        sb.revoke_api_key(&admin(), &key_id).unwrap();
        assert!(matches!(
            sb.emit_with_api_key(&secret, &ping("appointment.created")),
            Err(AuthError::Refused(Refusal::Revoked(_)))
        ));
        assert_eq!(events(&sb), 1, "only the allowed event was queued");

        let rows = uses(&sb);
        let summary: Vec<(String, AuditResult, Option<String>)> = rows
            .iter()
            .map(|r| (r.actor.clone(), r.result, r.object_id.clone()))
            .collect();
        let known = Some(key_id.clone());
        assert_eq!(
            summary,
            vec![
                ("api:PMS".into(), AuditResult::Refused, known.clone()),
                ("api:PMS".into(), AuditResult::Refused, known.clone()),
                ("api:unknown".into(), AuditResult::Refused, None),
                ("api:PMS".into(), AuditResult::Refused, known.clone()),
                ("api:unknown".into(), AuditResult::Refused, None),
                ("api:PMS".into(), AuditResult::Refused, known),
            ]
        );
        let details: Vec<&str> = rows.iter().map(|r| r.detail.as_deref().unwrap()).collect();
        assert!(
            details[0].contains("invoice.paid is outside"),
            "{}",
            details[0]
        );
        assert!(details[1].contains("(type)"), "{}", details[1]);
        assert_eq!(details[2], "unknown API key");
        assert!(details[3].contains("(id)"), "{}", details[3]);
        assert_eq!(details[4], "no API key sent");
        assert!(details[5].starts_with("key revoked at"), "{}", details[5]);
        assert!(rows
            .iter()
            .all(|r| r.changes == vec![FieldChange::value("count", None, Some("1"))]));

        // The same refusals again within the minute: counted, not written, until flushed.
        for _ in 0..3 {
            let _ = sb.emit_with_api_key(&secret, &ping("appointment.created"));
        }
        assert_eq!(uses(&sb).len(), rows.len(), "no new row within the minute");
        sb.flush_refusals().unwrap();
        let after = uses(&sb);
        assert_eq!(after.len(), rows.len() + 1);
        let last = after.last().unwrap();
        assert_eq!(
            last.changes,
            vec![FieldChange::value("count", None, Some("3"))]
        );
        assert!(
            last.detail.as_deref().unwrap().contains("3 times"),
            "{last:?}"
        );

        // The key's usage: its event, and its refusals as the audit counts them.
        let page = sb
            .api_key_uses(&crate::Actor::admin_for_tests(), &key_id, None, 10)
            .unwrap();
        assert_eq!(page.uses.len(), 1);
        assert_eq!(page.uses[0].event_id, sent.event_id);
        assert_eq!(page.uses[0].event_type, "appointment.created");
        assert_eq!(page.next_before, None);
        assert_eq!(page.refused, 4 + 3);

        for row in &after {
            let text = serde_json::to_string(row).unwrap();
            assert!(!text.contains(secret.expose()), "{text}");
        }
        assert!(
            sb.verify_audit(&crate::Actor::admin_for_tests())
                .unwrap()
                .ok
        );
    }

    #[test]
    fn a_keys_uses_are_paged_newest_first_and_need_the_configure_permission() {
        let (_d, sb) = open();
        let a = sb.create_api_key(&admin(), draft("A", &[])).unwrap();
        let b = sb.create_api_key(&admin(), draft("B", &[])).unwrap();
        for i in 0..5 {
            for (key, name) in [(&a, "a"), (&b, "b")] {
                sb.emit_with_api_key(
                    &Secret::new(key.secret.clone()),
                    &EmitRequest {
                        id: Some(format!("evt_{name}_{i}")),
                        ..ping("test.ping")
                    },
                )
                .unwrap();
            }
        }
        let admin = crate::Actor::admin_for_tests();
        let first = sb.api_key_uses(&admin, &a.key.id, None, 2).unwrap();
        let ids: Vec<&str> = first.uses.iter().map(|u| u.event_id.as_str()).collect();
        assert_eq!(ids, ["evt_a_4", "evt_a_3"]);
        let next = sb
            .api_key_uses(&admin, &a.key.id, first.next_before, 10)
            .unwrap();
        let ids: Vec<&str> = next.uses.iter().map(|u| u.event_id.as_str()).collect();
        assert_eq!(ids, ["evt_a_2", "evt_a_1", "evt_a_0"], "only key A's");
        assert_eq!(next.next_before, None);
        assert_eq!(next.refused, 0);

        let desk = Actor::user("usr_desk", "desk", crate::Role::FrontDesk);
        assert!(matches!(
            sb.api_key_uses(&desk, &a.key.id, None, 10),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            sb.api_key_uses(&admin, "key_nope", None, 10),
            Err(Error::NotFound(_))
        ));
    }

    #[test]
    fn a_huge_event_type_is_clipped_in_the_audit_log() {
        let (_d, sb) = open();
        let created = sb.create_api_key(&admin(), draft("PMS", &[])).unwrap();
        let huge = "x".repeat(100_000);
        let r = sb.emit_with_api_key(&Secret::new(created.secret), &ping(&huge));
        assert!(matches!(r, Err(AuthError::Core(_))));
        sb.flush_refusals().unwrap();
        let detail = uses(&sb)[0].detail.clone().unwrap();
        assert!(
            detail.chars().count() <= DETAIL_MAX_CHARS + 1,
            "{}",
            detail.len()
        );
    }
}
