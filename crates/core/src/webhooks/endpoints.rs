//! Webhook endpoints: where events go, which ones, how they are signed.
//!
//! The signing secret and the custom header values live in the keychain
//! (`webhook/<id>/secret`, `webhook/<id>/previous_secret`, `webhook/<id>/headers`); the
//! database holds the URL, the subscriptions, the header names and the flags.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::signing::{self, Scheme};
use super::{is_known_event_type, EVENT_TYPES};
use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::providers::FieldIssue;
use crate::secrets::Secret;
use crate::{time, Switchboard};
pub use switchboard_domain::endpoint_url::{check_url, is_private};

pub const ROTATION_GRACE_MS: i64 = 24 * 3600 * 1000;
pub const DEFAULT_TIMEOUT_SECS: u32 = 30;
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "x-webhook-signature",
];

#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EndpointDraft {
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Event types to deliver; empty or `["*"]` for every event.
    #[serde(default)]
    pub event_types: Vec<String>,
    #[serde(default)]
    pub scheme: Option<Scheme>,
    /// A secret to use instead of a generated one (for receivers that already have one).
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub timeout_secs: Option<u32>,
    #[serde(default)]
    pub allow_http: bool,
    #[serde(default)]
    pub allow_private: bool,
}

/// Only what is given changes. `headers`, when given, replaces all custom headers.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPatch {
    #[serde(default)]
    pub expected_revision: Option<u32>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    #[serde(default)]
    pub scheme: Option<Scheme>,
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub timeout_secs: Option<u32>,
    #[serde(default)]
    pub allow_http: Option<bool>,
    #[serde(default)]
    pub allow_private: Option<bool>,
}

/// An endpoint as the UI and the CLI see it: never its secret or header values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub scheme: Scheme,
    pub header_names: Vec<String>,
    pub timeout_secs: u32,
    pub allow_http: bool,
    pub allow_private: bool,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// While a rotated-out secret still signs (24 hours after a rotation).
    pub previous_secret_valid_until: Option<String>,
    pub revision: u32,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// A new endpoint and its signing secret, which is shown this once.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CreatedEndpoint {
    pub endpoint: Endpoint,
    pub secret: String,
}

pub fn secret_account(id: &str) -> String {
    format!("webhook/{id}/secret")
}
pub fn previous_secret_account(id: &str) -> String {
    format!("webhook/{id}/previous_secret")
}
pub fn headers_account(id: &str) -> String {
    format!("webhook/{id}/headers")
}

/// Checked endpoint settings.
struct Checked {
    url: String,
    description: String,
    event_types: Vec<String>,
    scheme: Scheme,
    headers: BTreeMap<String, String>,
    timeout_secs: u32,
    allow_http: bool,
    allow_private: bool,
}

/// Endpoint settings as given, before checking.
struct Candidate<'a> {
    url: &'a str,
    description: &'a str,
    event_types: &'a [String],
    headers: &'a BTreeMap<String, String>,
    timeout_secs: u32,
    allow_http: bool,
    allow_private: bool,
    scheme: Scheme,
}

fn check(c: Candidate<'_>) -> std::result::Result<Checked, FieldIssue> {
    let Candidate {
        url,
        description,
        event_types,
        headers,
        timeout_secs,
        allow_http,
        allow_private,
        scheme,
    } = c;
    let url = check_url(url, allow_http, allow_private)?;
    let description = description.trim();
    if description.chars().count() > 200 || description.chars().any(char::is_control) {
        return Err(FieldIssue::error(
            "description",
            "Description must be one line of at most 200 characters.",
        ));
    }
    let mut types: Vec<String> = event_types
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    types.sort();
    types.dedup();
    if types.is_empty() || types.iter().any(|t| t == "*") {
        types = vec!["*".to_owned()];
    } else if let Some(bad) = types.iter().find(|t| !is_known_event_type(t)) {
        return Err(FieldIssue::error(
            "event_types",
            format!(
                "“{bad}” is not an event type. Known types: {}.",
                EVENT_TYPES.join(", ")
            ),
        ));
    }
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            return Err(FieldIssue::error(
                "headers",
                format!("Header name “{name}” may only contain letters, digits, - and _."),
            ));
        }
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(FieldIssue::error(
                "headers",
                format!("Header “{name}” is set by Switchboard and cannot be overridden."),
            ));
        }
        if value.chars().any(char::is_control) || value.len() > 4096 {
            return Err(FieldIssue::error(
                "headers",
                format!(
                    "The value of header “{name}” must be one line of at most 4096 characters."
                ),
            ));
        }
    }
    if headers.len() > 20 {
        return Err(FieldIssue::error("headers", "At most 20 custom headers."));
    }
    if !(1..=60).contains(&timeout_secs) {
        return Err(FieldIssue::error(
            "timeout_secs",
            "Timeout must be between 1 and 60 seconds.",
        ));
    }
    Ok(Checked {
        url,
        description: description.to_owned(),
        event_types: types,
        scheme,
        headers: headers.clone(),
        timeout_secs,
        allow_http,
        allow_private,
    })
}

impl Switchboard {
    pub fn list_endpoints(&self, actor: &Actor) -> Result<Vec<Endpoint>> {
        self.authorize(actor, Operation::EndpointList, None)?;
        self.all_endpoints()
    }

    pub(crate) fn all_endpoints(&self) -> Result<Vec<Endpoint>> {
        self.db().read(|c| {
            let mut stmt = c.prepare(&format!("{SELECT} ORDER BY created_at, id"))?;
            let rows = stmt.query_map([], read_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub fn get_endpoint(&self, actor: &Actor, id: &str) -> Result<Endpoint> {
        self.authorize(actor, Operation::EndpointView, Some(id))?;
        self.endpoint(id)
    }

    pub(crate) fn endpoint(&self, id: &str) -> Result<Endpoint> {
        self.db().read(|c| find(c, id))
    }

    /// Creates an endpoint; the secret (generated unless given) is returned this once.
    pub fn create_endpoint(&self, actor: &Actor, draft: EndpointDraft) -> Result<CreatedEndpoint> {
        self.authorize(actor, Operation::EndpointCreate, None)?;
        let scheme = draft.scheme.unwrap_or(Scheme::StandardWebhooks);
        let checked = check(Candidate {
            url: &draft.url,
            description: &draft.description,
            event_types: &draft.event_types,
            headers: &draft.headers,
            timeout_secs: draft.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS),
            allow_http: draft.allow_http,
            allow_private: draft.allow_private,
            scheme,
        })?;
        let secret = match draft
            .secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(given) => {
                let secret = Secret::new(given);
                if scheme == Scheme::StandardWebhooks {
                    signing::key_bytes(&secret)?;
                } else if given.len() < 16
                    || given.chars().any(|c| c.is_control() || c.is_whitespace())
                {
                    return Err(Error::validation(
                        "secret",
                        "A shared secret needs at least 16 characters, without spaces.",
                    ));
                }
                secret
            }
            None => signing::generate_secret()?,
        };
        let id = format!("ep_{}", uuid::Uuid::new_v4().simple());
        let now = time::now_ms();
        self.db().write(|tx| {
            tx.execute(
                "INSERT INTO webhook_endpoints (id, url, description, event_types, scheme, headers,
                     timeout_ms, allow_http, allow_private, created_at, created_by, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?11)",
                params![
                    id,
                    checked.url,
                    checked.description,
                    json(&checked.event_types)?,
                    checked.scheme.as_str(),
                    json(&checked.headers.keys().collect::<Vec<_>>())?,
                    i64::from(checked.timeout_secs) * 1000,
                    checked.allow_http,
                    checked.allow_private,
                    now,
                    actor.name(),
                ],
            )?;
            let mut changes = vec![
                FieldChange::value("url", None, Some(&checked.url)),
                FieldChange::value("event_types", None, Some(&checked.event_types.join(","))),
                FieldChange::value("scheme", None, Some(checked.scheme.as_str())),
                FieldChange::secret("secret", "set"),
            ];
            if checked.allow_http {
                changes.push(FieldChange::value("allow_http", None, Some("true")));
            }
            if checked.allow_private {
                changes.push(FieldChange::value("allow_private", None, Some("true")));
            }
            for name in checked.headers.keys() {
                changes.push(FieldChange::secret(&format!("header:{name}"), "set"));
            }
            audit::append(tx, &record(actor, "endpoint.create", &id, &checked.url, changes))?;
            self.keychain().set(&secret_account(&id), &secret)?;
            if !checked.headers.is_empty() {
                self.keychain().set(&headers_account(&id), &Secret::new(json(&checked.headers)?))?;
            }
            Ok(())
        })
        .inspect_err(|_| {
            let _ = self.keychain().delete(&secret_account(&id));
            let _ = self.keychain().delete(&headers_account(&id));
        })?;
        Ok(CreatedEndpoint {
            endpoint: self.endpoint(&id)?,
            secret: secret.expose().to_owned(),
        })
    }

    pub fn update_endpoint(
        &self,
        actor: &Actor,
        id: &str,
        patch: EndpointPatch,
    ) -> Result<Endpoint> {
        self.authorize(actor, Operation::EndpointUpdate, Some(id))?;
        let current = self.endpoint(id)?;
        let headers = match &patch.headers {
            Some(h) => h.clone(),
            None => self.endpoint_headers(&current.id)?,
        };
        let checked = check(Candidate {
            url: patch.url.as_deref().unwrap_or(&current.url),
            description: patch.description.as_deref().unwrap_or(&current.description),
            event_types: patch.event_types.as_deref().unwrap_or(&current.event_types),
            headers: &headers,
            timeout_secs: patch.timeout_secs.unwrap_or(current.timeout_secs),
            allow_http: patch.allow_http.unwrap_or(current.allow_http),
            allow_private: patch.allow_private.unwrap_or(current.allow_private),
            scheme: patch.scheme.unwrap_or(current.scheme),
        })?;
        self.db().write(|tx| {
            let now_rev: u32 = tx.query_row(
                "SELECT revision FROM webhook_endpoints WHERE id = ?1",
                [&current.id],
                |r| r.get(0),
            )?;
            if patch.expected_revision.is_some_and(|r| r != now_rev) {
                return Err(Error::Conflict(format!(
                    "The endpoint {} was changed by someone else after you opened it. Reload, then make your change again.",
                    current.url
                )));
            }
            let mut changes = Vec::new();
            let mut diff = |field: &str, from: String, to: String| {
                if from != to {
                    changes.push(FieldChange::value(field, Some(&from), Some(&to)));
                }
            };
            diff("url", current.url.clone(), checked.url.clone());
            diff("description", current.description.clone(), checked.description.clone());
            diff("event_types", current.event_types.join(","), checked.event_types.join(","));
            diff("scheme", current.scheme.as_str().into(), checked.scheme.as_str().into());
            diff("timeout_secs", current.timeout_secs.to_string(), checked.timeout_secs.to_string());
            diff("allow_http", current.allow_http.to_string(), checked.allow_http.to_string());
            diff("allow_private", current.allow_private.to_string(), checked.allow_private.to_string());
            if patch.headers.is_some() {
                changes.push(FieldChange::secret("headers", "replaced"));
            }
            if changes.is_empty() {
                return Ok(());
            }
            tx.execute(
                "UPDATE webhook_endpoints SET url = ?2, description = ?3, event_types = ?4, scheme = ?5,
                     headers = ?6, timeout_ms = ?7, allow_http = ?8, allow_private = ?9,
                     revision = revision + 1, updated_at = ?10, updated_by = ?11
                 WHERE id = ?1",
                params![
                    current.id,
                    checked.url,
                    checked.description,
                    json(&checked.event_types)?,
                    checked.scheme.as_str(),
                    json(&checked.headers.keys().collect::<Vec<_>>())?,
                    i64::from(checked.timeout_secs) * 1000,
                    checked.allow_http,
                    checked.allow_private,
                    time::now_ms(),
                    actor.name(),
                ],
            )?;
            audit::append(tx, &record(actor, "endpoint.update", &current.id, &checked.url, changes))?;
            if patch.headers.is_some() {
                if checked.headers.is_empty() {
                    self.keychain().delete(&headers_account(&current.id))?;
                } else {
                    self.keychain().set(&headers_account(&current.id), &Secret::new(json(&checked.headers)?))?;
                }
            }
            Ok(())
        })?;
        self.endpoint(&current.id)
    }

    /// Enables or disables an endpoint. Enabling clears the failure streak and the reason.
    pub fn set_endpoint_enabled(&self, actor: &Actor, id: &str, enabled: bool) -> Result<Endpoint> {
        let op = if enabled {
            Operation::EndpointEnable
        } else {
            Operation::EndpointDisable
        };
        self.authorize(actor, op, Some(id))?;
        let current = self.endpoint(id)?;
        if current.enabled != enabled {
            self.db().write(|tx| {
                tx.execute(
                    "UPDATE webhook_endpoints SET enabled = ?2, disabled_reason = NULL,
                         failing_since = NULL, revision = revision + 1, updated_at = ?3, updated_by = ?4
                     WHERE id = ?1",
                    params![current.id, enabled, time::now_ms(), actor.name()],
                )?;
                let action = op.action();
                let change = FieldChange::value("enabled", Some(&current.enabled.to_string()), Some(&enabled.to_string()));
                audit::append(tx, &record(actor, action, &current.id, &current.url, vec![change]))
            })?;
        }
        self.endpoint(&current.id)
    }

    /// Removes an endpoint, its deliveries' queue entries and its keychain entries.
    pub fn delete_endpoint(&self, actor: &Actor, id: &str) -> Result<()> {
        self.authorize(actor, Operation::EndpointDelete, Some(id))?;
        let current = self.endpoint(id)?;
        self.db().write(|tx| {
            tx.execute("DELETE FROM webhook_endpoints WHERE id = ?1", [&current.id])?;
            audit::append(
                tx,
                &record(
                    actor,
                    "endpoint.delete",
                    &current.id,
                    &current.url,
                    vec![FieldChange::secret("secret", "removed")],
                ),
            )?;
            for account in [
                secret_account(&current.id),
                previous_secret_account(&current.id),
                headers_account(&current.id),
            ] {
                self.keychain().delete(&account)?;
            }
            Ok(())
        })
    }

    /// Replaces the signing secret; the old one keeps signing for 24 hours. Returns the new
    /// secret, shown this once.
    pub fn rotate_endpoint_secret(&self, actor: &Actor, id: &str) -> Result<String> {
        self.authorize(actor, Operation::EndpointRotateSecret, Some(id))?;
        let current = self.endpoint(id)?;
        // A whsec_ value also serves the seeds' scheme, which takes any shared string.
        let new = signing::generate_secret()?;
        let old = self
            .keychain()
            .get(&secret_account(&current.id))?
            .ok_or_else(|| {
                Error::NotFound("The endpoint's current secret in the keychain".into())
            })?;
        self.db().write(|tx| {
            tx.execute(
                "UPDATE webhook_endpoints SET previous_secret_expires_at = ?2, revision = revision + 1,
                     updated_at = ?3, updated_by = ?4 WHERE id = ?1",
                params![current.id, time::now_ms() + ROTATION_GRACE_MS, time::now_ms(), actor.name()],
            )?;
            audit::append(
                tx,
                &record(actor, "endpoint.rotate_secret", &current.id, &current.url, vec![FieldChange::secret("secret", "rotated")]),
            )?;
            self.keychain().set(&previous_secret_account(&current.id), &old)?;
            self.keychain().set(&secret_account(&current.id), &new)?;
            Ok(())
        })?;
        Ok(new.expose().to_owned())
    }

    /// The secrets that sign an endpoint's messages now: the current one, and the previous one
    /// while its grace period lasts.
    pub fn endpoint_secrets(&self, endpoint: &Endpoint) -> Result<Vec<Secret>> {
        let mut secrets = Vec::new();
        if let Some(s) = self.keychain().get(&secret_account(&endpoint.id))? {
            secrets.push(s);
        }
        // `previous_secret_valid_until` is only set while the grace period lasts.
        if endpoint.previous_secret_valid_until.is_some() {
            if let Some(s) = self
                .keychain()
                .get(&previous_secret_account(&endpoint.id))?
            {
                secrets.push(s);
            }
        }
        Ok(secrets)
    }

    /// Custom header values, from the keychain.
    pub fn endpoint_headers(&self, id: &str) -> Result<BTreeMap<String, String>> {
        match self.keychain().get(&headers_account(id))? {
            Some(s) => serde_json::from_str(s.expose())
                .map_err(|e| Error::Internal(format!("stored headers: {e}"))),
            None => Ok(BTreeMap::new()),
        }
    }
}

fn record<'a>(
    actor: &'a Actor,
    action: &'a str,
    id: &'a str,
    label: &'a str,
    changes: Vec<FieldChange>,
) -> Record<'a> {
    Record {
        actor,
        action,
        object_type: "endpoint",
        object_id: Some(id),
        object_label: Some(label),
        changes,
        outcome: AuditResult::Ok,
        detail: None,
    }
}

fn json<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

const SELECT: &str = "SELECT id, url, description, event_types, scheme, headers, timeout_ms, allow_http, \
                      allow_private, enabled, disabled_reason, previous_secret_expires_at, revision, \
                      created_at, created_by, updated_at, updated_by FROM webhook_endpoints";

fn read_row(r: &Row<'_>) -> rusqlite::Result<Endpoint> {
    let types: String = r.get(3)?;
    let scheme: String = r.get(4)?;
    let headers: String = r.get(5)?;
    let timeout_ms: i64 = r.get(6)?;
    let previous: Option<i64> = r.get(11)?;
    Ok(Endpoint {
        id: r.get(0)?,
        url: r.get(1)?,
        description: r.get(2)?,
        event_types: serde_json::from_str(&types).unwrap_or_default(),
        scheme: Scheme::parse(&scheme).unwrap_or(Scheme::StandardWebhooks),
        header_names: serde_json::from_str(&headers).unwrap_or_default(),
        timeout_secs: u32::try_from(timeout_ms / 1000).unwrap_or(DEFAULT_TIMEOUT_SECS),
        allow_http: r.get(7)?,
        allow_private: r.get(8)?,
        enabled: r.get(9)?,
        disabled_reason: r.get(10)?,
        previous_secret_valid_until: previous
            .filter(|t| *t > time::now_ms())
            .map(time::to_rfc3339),
        revision: r.get(12)?,
        created_at: time::to_rfc3339(r.get(13)?),
        created_by: r.get(14)?,
        updated_at: time::to_rfc3339(r.get(15)?),
        updated_by: r.get(16)?,
    })
}

pub(crate) fn find(c: &Connection, id: &str) -> Result<Endpoint> {
    c.query_row(
        &format!("{SELECT} WHERE id = ?1 OR url = ?1 ORDER BY id = ?1 DESC LIMIT 1"),
        [id.trim()],
        read_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound(format!("The webhook endpoint “{}”", id.trim())))
}
