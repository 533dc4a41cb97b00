//! Events entering the outbox: validated, wrapped in the envelope, stored with one delivery per
//! subscribed endpoint in the same transaction.

use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};

use super::catalogue::{check_data, PathIssue};
use super::is_known_event_type;
use crate::actor::{Actor, Operation};
use crate::error::{Error, Result};
use crate::{time, Switchboard};

/// Largest event payload accepted.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EmitRequest {
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's data as JSON text.
    pub data: String,
    /// An `evt_…` id to make the request idempotent; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Emitted {
    pub event_id: String,
    /// The id was seen before: nothing new was queued.
    pub duplicate: bool,
    /// Deliveries queued (one per subscribed, enabled endpoint).
    pub deliveries: u32,
    /// Sync jobs made by the integrations' rules.
    pub sync_jobs: u32,
}

#[derive(Serialize)]
struct Envelope<'a> {
    id: &'a str,
    event: &'a str,
    timestamp: String,
    data: &'a serde_json::value::RawValue,
}

impl Switchboard {
    /// Queues one event for every subscribed endpoint ("Send test event", `switchboard emit`).
    /// The event's source is the actor's name.
    pub fn emit(&self, actor: &Actor, request: &EmitRequest) -> Result<Emitted> {
        self.authorize(actor, Operation::EventSend, None)?;
        self.emit_from(request, actor.name())
    }

    /// Queues an event already authorised (the ingest API checks its key's scopes). `source`
    /// says where it came from.
    pub(crate) fn emit_from(&self, request: &EmitRequest, source: &str) -> Result<Emitted> {
        let prepared = prepare(request)?;
        let emitted = self.db().write(|tx| enqueue(tx, &prepared, source, None))?;
        if emitted.deliveries > 0 {
            self.wake_worker();
        }
        if emitted.sync_jobs > 0 {
            self.wake_sync();
        }
        Ok(emitted)
    }

    /// Queues many events in one transaction (imports, benchmarks).
    pub fn emit_many(&self, actor: &Actor, requests: &[EmitRequest]) -> Result<Vec<Emitted>> {
        self.authorize(actor, Operation::EventSend, None)?;
        let source = actor.name();
        let prepared = requests.iter().map(prepare).collect::<Result<Vec<_>>>()?;
        let emitted = self.db().write(|tx| {
            prepared
                .iter()
                .map(|p| enqueue(tx, p, source, None))
                .collect::<Result<Vec<_>>>()
        })?;
        self.wake_worker();
        self.wake_sync();
        Ok(emitted)
    }
}

/// An event checked and wrapped in its envelope, ready to be stored.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub(crate) id: String,
    pub(crate) event_type: String,
    body: Vec<u8>,
}

pub(crate) fn prepare(request: &EmitRequest) -> Result<Prepared> {
    let event_type = request.event_type.trim();
    if !is_known_event_type(event_type) {
        return Err(Error::validation(
            "type",
            format!(
                "“{event_type}” is not an event type. Known types: {}.",
                super::EVENT_TYPES.join(", ")
            ),
        ));
    }
    if request.data.len() > MAX_PAYLOAD_BYTES {
        return Err(Error::PayloadTooLarge(format!(
            "The event data is {} bytes; the limit is {MAX_PAYLOAD_BYTES} bytes (1 MiB).",
            request.data.len()
        )));
    }
    let data: Box<serde_json::value::RawValue> = serde_json::from_str(request.data.trim())
        .map_err(|e| {
            Error::validation("data", format!("The event data is not valid JSON: {e}."))
        })?;
    // The catalogue's schema: present fields must have their types. The bytes stored and sent
    // stay the caller's own (`data` above); this parse is only for the check.
    let value: serde_json::Value = serde_json::from_str(data.get()).map_err(|e| {
        Error::validation("data", format!("The event data is not valid JSON: {e}."))
    })?;
    check_data(event_type, &value).map_err(|issues| data_error(&issues))?;
    let id = match request
        .id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => {
            let ok = id.len() <= 68
                && id.strip_prefix("evt_").is_some_and(|rest| {
                    !rest.is_empty()
                        && rest
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                });
            if !ok {
                return Err(Error::validation(
                    "id",
                    "An event id must be evt_ followed by up to 64 letters, digits, - or _.",
                ));
            }
            id.to_owned()
        }
        None => format!("evt_{}", uuid::Uuid::now_v7().simple()),
    };
    let envelope = Envelope {
        id: &id,
        event: event_type,
        timestamp: jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .unwrap_or_else(|_| jiff::Timestamp::now())
            .to_string(),
        data: &data,
    };
    let body = serde_json::to_vec(&envelope).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Prepared {
        id,
        event_type: event_type.to_owned(),
        body,
    })
}

/// The catalogue's verdict as a validation error: the field is the first issue's JSON path
/// (`data.lines[1].amount`), the message names every issue.
pub(crate) fn data_error(issues: &[PathIssue]) -> Error {
    let field = issues.first().map_or("data", |i| i.path.as_str());
    let listed = issues
        .iter()
        .map(|i| format!("{} {}", i.path, i.message))
        .collect::<Vec<_>>()
        .join("; ");
    Error::validation(
        field,
        format!("The event data does not match its type's schema: {listed}."),
    )
}

/// Stores an event and one delivery per subscribed endpoint, or nothing when its id was stored
/// before. `api_key_id` names the key that sent it through the ingest API: that row is the key's
/// usage log.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    p: &Prepared,
    source: &str,
    api_key_id: Option<&str>,
) -> Result<Emitted> {
    let now = time::now_ms();
    // One statement both checks the idempotency key and stores: the unique index on id answers.
    let inserted = tx
        .prepare_cached(
            "INSERT INTO webhook_events (id, type, created_at, source, body, api_key_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![p.id, p.event_type, now, source, p.body, api_key_id])?;
    if inserted == 0 {
        return Ok(Emitted {
            event_id: p.id.clone(),
            duplicate: true,
            deliveries: 0,
            sync_jobs: 0,
        });
    }
    let seq = tx.last_insert_rowid();
    let queued = tx.prepare_cached(
        "INSERT INTO deliveries (event_seq, endpoint_id, event_id, event_type, status, next_attempt_at,
                                 created_at, updated_at)
         SELECT ?1, e.id, ?2, ?3, 'pending', ?4, ?4, ?4
         FROM webhook_endpoints e
         WHERE e.enabled = 1
           AND EXISTS (SELECT 1 FROM json_each(e.event_types) t WHERE t.value IN ('*', ?3))",
    )?
    .execute(params![seq, p.id, p.event_type, now])?;
    let sync_jobs = crate::sync::plan_event(tx, seq, &p.id, &p.event_type, &p.body, now)?;
    Ok(Emitted {
        event_id: p.id.clone(),
        duplicate: false,
        deliveries: u32::try_from(queued).unwrap_or(u32::MAX),
        sync_jobs,
    })
}
