//! Integrations: a clinic's configured Twilio, Square and QuickBooks accounts.
//!
//! Non-secret settings live in SQLite; secrets go only to the OS keychain under
//! `integration/<id>/<field>`, and the row records which secret fields are set. Every change
//! appends an audit row in the same transaction. A save whose secrets cannot reach the keychain
//! saves nothing at all.

mod form;

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::providers::{self, FieldIssue, Provider};
use crate::secrets::Secret;
use crate::{time, Switchboard};

pub use form::Checked;

/// A new integration, as a form submits it. Secrets arrive here and are never returned.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationDraft {
    pub provider: Provider,
    pub name: String,
    pub environment: String,
    #[serde(default)]
    pub base_url: Option<String>,
    /// Non-secret fields by name.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Secret fields by name. Kept out of `Debug` output by [`Secret`] once converted.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

/// A change to an existing integration: only what is given changes. A secret left empty keeps
/// the stored one; `base_url: Some("")` removes a custom base URL.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationPatch {
    /// The revision the editor started from; a newer stored revision means someone else saved
    /// in between, and this save is refused instead of overwriting their change.
    #[serde(default)]
    pub expected_revision: Option<u32>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SecretState {
    pub field: String,
    pub set: bool,
}

/// An integration as the UI and the CLI see it: never a secret, only whether each is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    pub id: String,
    pub provider: Provider,
    pub name: String,
    pub environment: String,
    pub base_url: Option<String>,
    pub settings: BTreeMap<String, String>,
    pub secrets: Vec<SecretState>,
    pub enabled: bool,
    pub revision: u32,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// The outcome of a save: the stored integration and any warnings worth showing.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub integration: Integration,
    pub warnings: Vec<FieldIssue>,
}

/// The keychain account holding one secret field of one integration.
pub fn secret_account(id: &str, field: &str) -> String {
    format!("integration/{id}/{field}")
}

impl Switchboard {
    pub fn list_integrations(&self, actor: &Actor) -> Result<Vec<Integration>> {
        self.authorize(actor, Operation::IntegrationList, None)?;
        self.all_integrations()
    }

    /// Every integration, for Switchboard's own use (background checks, missing secrets).
    pub(crate) fn all_integrations(&self) -> Result<Vec<Integration>> {
        self.db().read(|c| {
            let mut stmt = c.prepare(&format!("{SELECT} ORDER BY name COLLATE NOCASE"))?;
            let rows = stmt
                .query_map([], read_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(Stored::into_integration).collect()
        })
    }

    /// Finds an integration by id, or by name (case-insensitive).
    pub fn get_integration(&self, actor: &Actor, id_or_name: &str) -> Result<Integration> {
        self.authorize(actor, Operation::IntegrationView, Some(id_or_name))?;
        self.integration(id_or_name)
    }

    pub(crate) fn integration(&self, id_or_name: &str) -> Result<Integration> {
        self.db().read(|c| find(c, id_or_name))?.into_integration()
    }

    /// Every issue with a draft, for inline form feedback. Changes nothing.
    pub fn validate_integration(
        &self,
        actor: &Actor,
        draft: &IntegrationDraft,
    ) -> Result<Vec<FieldIssue>> {
        self.authorize(actor, Operation::IntegrationCreate, None)?;
        let taken = self.db().read(|c| name_taken(c, &draft.name, None))?;
        let mut issues = form::check_new(draft).issues;
        if taken {
            issues.push(duplicate_name(&draft.name));
        }
        Ok(issues)
    }

    /// Every issue with a patch applied to a stored integration. Changes nothing.
    pub fn validate_integration_patch(
        &self,
        actor: &Actor,
        id: &str,
        patch: &IntegrationPatch,
    ) -> Result<Vec<FieldIssue>> {
        self.authorize(actor, Operation::IntegrationUpdate, Some(id))?;
        let stored = self.db().read(|c| find(c, id))?;
        let mut issues = form::check_patch(&stored, patch).issues;
        if let Some(name) = &patch.name {
            if self.db().read(|c| name_taken(c, name, Some(&stored.id)))? {
                issues.push(duplicate_name(name));
            }
        }
        Ok(issues)
    }

    pub fn create_integration(&self, actor: &Actor, draft: IntegrationDraft) -> Result<Saved> {
        self.authorize(actor, Operation::IntegrationCreate, None)?;
        let checked = form::check_new(&draft).into_result()?;
        let id = format!("int_{}", uuid::Uuid::new_v4().simple());
        let now = time::now_ms();
        let result = self.db().write(|tx| {
            if name_taken(tx, &checked.name, None)? {
                return Err(duplicate_name(&checked.name).into());
            }
            tx.execute(
                "INSERT INTO integrations (id, provider, name, environment, base_url, settings,
                     secrets_set, enabled, revision, created_at, created_by, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, 1, ?8, ?9, ?8, ?9)",
                params![
                    id,
                    draft.provider.as_str(),
                    checked.name,
                    checked.environment,
                    checked.base_url,
                    json(&checked.settings)?,
                    json(&checked.secrets_set())?,
                    now,
                    actor.name(),
                ],
            )?;
            let mut changes = vec![
                FieldChange::value("provider", None, Some(draft.provider.as_str())),
                FieldChange::value("name", None, Some(&checked.name)),
                FieldChange::value("environment", None, Some(&checked.environment)),
            ];
            if let Some(url) = &checked.base_url {
                changes.push(FieldChange::value("base_url", None, Some(url)));
            }
            changes.extend(
                checked
                    .settings
                    .iter()
                    .map(|(k, v)| FieldChange::value(k, None, Some(v))),
            );
            changes.extend(
                checked
                    .new_secrets
                    .keys()
                    .map(|k| FieldChange::secret(k, "set")),
            );
            audit::append(
                tx,
                &record(
                    actor,
                    "integration.create",
                    &id,
                    &checked.name,
                    changes,
                    AuditResult::Ok,
                ),
            )?;
            // Last, so a keychain failure rolls back the row and its audit record.
            self.store_secrets(&id, &checked.new_secrets, &BTreeSet::new())?;
            Ok(())
        });
        if let Err(e @ Error::KeychainUnavailable(_)) = &result {
            self.audit_failure(actor, "integration.create", None, &checked.name, e);
        }
        result?;
        tracing::info!(%id, provider = %draft.provider, "integration created");
        self.wake_checks();
        Ok(Saved {
            integration: self.integration(&id)?,
            warnings: checked.warnings,
        })
    }

    pub fn update_integration(
        &self,
        actor: &Actor,
        id: &str,
        patch: IntegrationPatch,
    ) -> Result<Saved> {
        self.authorize(actor, Operation::IntegrationUpdate, Some(id))?;
        let stored = self.db().read(|c| find(c, id))?;
        let checked = form::check_patch(&stored, &patch).into_result()?;
        let id = stored.id.clone();
        let result = self.db().write(|tx| {
            // Re-read inside the write transaction: the revision check and the update are atomic.
            let current = find(tx, &id)?;
            if let Some(expected) = patch.expected_revision {
                if current.revision != expected {
                    return Err(Error::Conflict(format!(
                        "“{}” was changed by {} at {} after you opened it. Reload to see that \
                         change, then make yours again.",
                        current.name,
                        current.updated_by,
                        time::to_rfc3339(current.updated_at)
                    )));
                }
            }
            if name_taken(tx, &checked.name, Some(&id))? {
                return Err(duplicate_name(&checked.name).into());
            }
            let changes = diff(&current, &checked);
            if changes.is_empty() {
                return Ok(false);
            }
            tx.execute(
                "UPDATE integrations SET name = ?2, environment = ?3, base_url = ?4, settings = ?5,
                     secrets_set = ?6, revision = revision + 1, updated_at = ?7, updated_by = ?8
                 WHERE id = ?1",
                params![
                    id,
                    checked.name,
                    checked.environment,
                    checked.base_url,
                    json(&checked.settings)?,
                    json(&checked.secrets_set())?,
                    time::now_ms(),
                    actor.name(),
                ],
            )?;
            let label = checked.name.clone();
            audit::append(
                tx,
                &record(
                    actor,
                    "integration.update",
                    &id,
                    &label,
                    changes,
                    AuditResult::Ok,
                ),
            )?;
            self.store_secrets(&id, &checked.new_secrets, &checked.removed_secrets)?;
            Ok(true)
        });
        if let Err(e @ Error::KeychainUnavailable(_)) = &result {
            self.audit_failure(actor, "integration.update", Some(&id), &stored.name, e);
        }
        if result? {
            tracing::info!(%id, "integration updated");
            self.wake_checks();
        }
        Ok(Saved {
            integration: self.integration(&id)?,
            warnings: checked.warnings,
        })
    }

    pub fn set_integration_enabled(
        &self,
        actor: &Actor,
        id: &str,
        enabled: bool,
    ) -> Result<Integration> {
        let op = if enabled {
            Operation::IntegrationEnable
        } else {
            Operation::IntegrationDisable
        };
        self.authorize(actor, op, Some(id))?;
        let id = self.db().write(|tx| {
            let current = find(tx, id)?;
            if current.enabled != enabled {
                tx.execute(
                    "UPDATE integrations SET enabled = ?2, revision = revision + 1,
                         updated_at = ?3, updated_by = ?4
                     WHERE id = ?1",
                    params![current.id, enabled, time::now_ms(), actor.name()],
                )?;
                let action = op.action();
                let change = FieldChange::value(
                    "enabled",
                    Some(&current.enabled.to_string()),
                    Some(&enabled.to_string()),
                );
                audit::append(
                    tx,
                    &record(
                        actor,
                        action,
                        &current.id,
                        &current.name,
                        vec![change],
                        AuditResult::Ok,
                    ),
                )?;
            }
            Ok(current.id)
        })?;
        self.wake_checks();
        self.integration(&id)
    }

    /// Removes an integration and its keychain entries. Refused, changing nothing, when the
    /// keychain is unavailable: the secrets would otherwise be orphaned there.
    pub fn delete_integration(&self, actor: &Actor, id: &str) -> Result<()> {
        self.authorize(actor, Operation::IntegrationDelete, Some(id))?;
        let stored = self.db().read(|c| find(c, id))?;
        let spec = providers::spec(stored.provider);
        let result = self.db().write(|tx| {
            tx.execute("DELETE FROM integrations WHERE id = ?1", [&stored.id])?;
            let changes = stored
                .secrets_set
                .iter()
                .map(|f| FieldChange::secret(f, "removed"))
                .collect();
            audit::append(
                tx,
                &record(
                    actor,
                    "integration.delete",
                    &stored.id,
                    &stored.name,
                    changes,
                    AuditResult::Ok,
                ),
            )?;
            for field in spec.secret_fields() {
                self.keychain()
                    .delete(&secret_account(&stored.id, field.name))?;
            }
            Ok(())
        });
        if let Err(e @ Error::KeychainUnavailable(_)) = &result {
            self.audit_failure(
                actor,
                "integration.delete",
                Some(&stored.id),
                &stored.name,
                e,
            );
        }
        result?;
        tracing::info!(id = %stored.id, "integration deleted");
        Ok(())
    }

    /// Reads one secret of an integration, for a connection test. `None` when it is not set.
    pub fn integration_secret(&self, id: &str, field: &str) -> Result<Option<Secret>> {
        self.keychain().get(&secret_account(id, field))
    }

    /// Writes new secrets and removes dropped ones. On failure, restores what it had changed,
    /// so the keychain matches the rolled-back database.
    pub(crate) fn store_secrets(
        &self,
        id: &str,
        new: &BTreeMap<String, Secret>,
        removed: &BTreeSet<String>,
    ) -> Result<()> {
        let mut undo: Vec<(String, Option<Secret>)> = Vec::new();
        let result = (|| {
            for (field, secret) in new {
                let account = secret_account(id, field);
                let previous = self.keychain().get(&account)?;
                self.keychain().set(&account, secret)?;
                undo.push((account, previous));
            }
            for field in removed {
                let account = secret_account(id, field);
                let previous = self.keychain().get(&account)?;
                self.keychain().delete(&account)?;
                undo.push((account, previous));
            }
            Ok(())
        })();
        if result.is_err() {
            for (account, previous) in undo.into_iter().rev() {
                let _ = match previous {
                    Some(secret) => self.keychain().set(&account, &secret),
                    None => self.keychain().delete(&account),
                };
            }
        }
        result
    }

    /// Records an operation that failed for a reason outside the user's input (the keychain),
    /// in its own transaction since the change itself was rolled back.
    pub(crate) fn audit_failure(
        &self,
        actor: &Actor,
        action: &str,
        id: Option<&str>,
        label: &str,
        e: &Error,
    ) {
        let written = self.db().write(|tx| {
            audit::append(
                tx,
                &Record {
                    actor,
                    action,
                    object_type: "integration",
                    object_id: id,
                    object_label: Some(label),
                    changes: Vec::new(),
                    outcome: AuditResult::Failed,
                    detail: Some(e.to_string()),
                },
            )
        });
        if let Err(err) = written {
            tracing::error!(error = %err, "could not record a failed operation in the audit log");
        }
    }
}

fn record<'a>(
    actor: &'a Actor,
    action: &'a str,
    id: &'a str,
    label: &'a str,
    changes: Vec<FieldChange>,
    outcome: AuditResult,
) -> Record<'a> {
    Record {
        actor,
        action,
        object_type: "integration",
        object_id: Some(id),
        object_label: Some(label),
        changes,
        outcome,
        detail: None,
    }
}

fn duplicate_name(name: &str) -> FieldIssue {
    FieldIssue::error(
        "name",
        format!(
            "Another integration is already called “{}”. Choose a different name.",
            name.trim()
        ),
    )
}

fn name_taken(c: &Connection, name: &str, except_id: Option<&str>) -> Result<bool> {
    Ok(c.query_row(
        "SELECT EXISTS (SELECT 1 FROM integrations WHERE name = ?1 COLLATE NOCASE AND id IS NOT ?2)",
        params![name.trim(), except_id],
        |r| r.get(0),
    )?)
}

pub(crate) fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// What a stored row changes into under `checked`, for the audit record.
fn diff(current: &Stored, checked: &Checked) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut value = |field: &str, from: Option<&str>, to: Option<&str>| {
        if from != to {
            changes.push(FieldChange::value(field, from, to));
        }
    };
    value("name", Some(&current.name), Some(&checked.name));
    value(
        "environment",
        Some(&current.environment),
        Some(&checked.environment),
    );
    value(
        "base_url",
        current.base_url.as_deref(),
        checked.base_url.as_deref(),
    );
    let keys: BTreeSet<&String> = current
        .settings
        .keys()
        .chain(checked.settings.keys())
        .collect();
    for k in keys {
        value(
            k,
            current.settings.get(k).map(String::as_str),
            checked.settings.get(k).map(String::as_str),
        );
    }
    for field in checked.new_secrets.keys() {
        let what = if current.secrets_set.contains(field) {
            "replaced"
        } else {
            "set"
        };
        changes.push(FieldChange::secret(field, what));
    }
    for field in &checked.removed_secrets {
        changes.push(FieldChange::secret(field, "removed"));
    }
    changes
}

const SELECT: &str = "SELECT id, provider, name, environment, base_url, settings, secrets_set, \
                      enabled, revision, created_at, created_by, updated_at, updated_by \
                      FROM integrations";

/// A row as stored.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub id: String,
    pub provider: Provider,
    pub name: String,
    pub environment: String,
    pub base_url: Option<String>,
    pub settings: BTreeMap<String, String>,
    pub secrets_set: BTreeSet<String>,
    pub enabled: bool,
    pub revision: u32,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
}

impl Stored {
    fn into_integration(self) -> Result<Integration> {
        let spec = providers::spec(self.provider);
        let secrets = spec
            .secret_fields()
            .map(|f| SecretState {
                field: f.name.to_owned(),
                set: self.secrets_set.contains(f.name),
            })
            .collect();
        Ok(Integration {
            id: self.id,
            provider: self.provider,
            name: self.name,
            environment: self.environment,
            base_url: self.base_url,
            settings: self.settings,
            secrets,
            enabled: self.enabled,
            revision: self.revision,
            created_at: time::to_rfc3339(self.created_at),
            created_by: self.created_by,
            updated_at: time::to_rfc3339(self.updated_at),
            updated_by: self.updated_by,
        })
    }
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<Stored> {
    let provider: String = r.get(1)?;
    let settings: String = r.get(5)?;
    let secrets_set: String = r.get(6)?;
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("integration row has an invalid {what}").into(),
        )
    };
    Ok(Stored {
        id: r.get(0)?,
        provider: Provider::parse(&provider).ok_or_else(|| bad(1, "provider"))?,
        name: r.get(2)?,
        environment: r.get(3)?,
        base_url: r.get(4)?,
        settings: serde_json::from_str(&settings).map_err(|_| bad(5, "settings"))?,
        secrets_set: serde_json::from_str(&secrets_set).map_err(|_| bad(6, "secrets list"))?,
        enabled: r.get(7)?,
        revision: r.get(8)?,
        created_at: r.get(9)?,
        created_by: r.get(10)?,
        updated_at: r.get(11)?,
        updated_by: r.get(12)?,
    })
}

pub(crate) fn find(c: &Connection, id_or_name: &str) -> Result<Stored> {
    let key = id_or_name.trim();
    c.query_row(
        &format!(
            "{SELECT} WHERE id = ?1 OR name = ?1 COLLATE NOCASE ORDER BY id = ?1 DESC LIMIT 1"
        ),
        [key],
        read_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound(format!("The integration “{key}”")))
}

#[cfg(test)]
mod tests;
