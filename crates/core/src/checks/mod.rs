//! Connection tests: run one against the provider, store it, read the history.
//!
//! Never more than one test of an integration runs at a time: a second request waits for the
//! first to finish, then runs its own.

pub mod scheduler;
pub mod test_text;

use std::collections::BTreeMap;
use std::sync::Arc;

use rusqlite::params;
use serde::Serialize;

use switchboard_domain::net::NetFailure;
pub use switchboard_domain::outcome::{self, Outcome, OutcomeKind, TestRecord};

use crate::actor::{Actor, Operation};
use crate::error::{Error, Result};
use crate::integrations::{self, secret_account};
use crate::providers::{self, validate, Target, TokenLifetimes};
use crate::secrets::Secret;
use crate::status::{history, IntegrationStatus, Level};
use crate::{time, Switchboard};
use switchboard_domain::oauth;

/// What "Test now" returns: the test and the integration's status after it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TestRun {
    pub integration_id: String,
    pub test: TestRecord,
    pub status: IntegrationStatus,
    /// The level before this test, so a change to red can raise a notification.
    pub previous_level: Level,
}

impl TestRun {
    pub fn became_red(&self) -> bool {
        self.status.level == Level::Red && self.previous_level != Level::Red
    }
}

impl Switchboard {
    /// Tests one integration (by id or name) against its provider, stores the result and
    /// returns it with the new status. Network failures are outcomes, not errors.
    pub async fn test_integration(
        self: &Arc<Self>,
        actor: &Actor,
        id_or_name: &str,
    ) -> Result<TestRun> {
        {
            let actor = actor.clone();
            let key = id_or_name.to_owned();
            self.blocking(move |sb| sb.authorize(&actor, Operation::IntegrationTest, Some(&key)))
                .await?;
        }
        let stored = self
            .blocking({
                let key = id_or_name.to_owned();
                move |sb| sb.db().read(|c| integrations::find(c, &key))
            })
            .await?;
        let lock = self.test_lock(&stored.id);
        let _running = lock.lock().await;
        let previous_level = self
            .blocking({
                let id = stored.id.clone();
                move |sb| sb.status_of(&id)
            })
            .await?
            .level;

        let spec = providers::spec(stored.provider);
        let value_of = |f: &str| stored.settings.get(f).cloned();
        // Required secrets, and optional ones the database says are set (OAuth tokens).
        let needed: Vec<&'static str> = spec
            .secret_fields()
            .filter(|f| validate::is_active(f, value_of))
            .filter(|f| validate::is_required(f, value_of) || stored.secrets_set.contains(f.name))
            .map(|f| f.name)
            .collect();
        let not_connected = oauth::supports_connect(stored.provider)
            && !oauth::is_connected(stored.provider, &stored.secrets_set);
        let refreshed_at = self
            .blocking({
                let id = stored.id.clone();
                move |sb| {
                    sb.db().read(|c| {
                        Ok(c.query_row(
                            "SELECT tokens_refreshed_at FROM integrations WHERE id = ?1",
                            [&id],
                            |r| r.get::<_, Option<i64>>(0),
                        )?)
                    })
                }
            })
            .await?;
        let secrets = self
            .blocking({
                let id = stored.id.clone();
                let needed = needed.clone();
                move |sb| {
                    let mut found = BTreeMap::new();
                    for field in needed {
                        if let Some(secret) = sb.keychain().get(&secret_account(&id, field))? {
                            found.insert(field.to_owned(), secret);
                        }
                    }
                    Ok(found)
                }
            })
            .await;

        let (outcome, tokens) = match secrets {
            _ if not_connected => (
                Outcome::new(
                    OutcomeKind::MissingSecret,
                    format!("{} is not connected yet.", spec.name),
                    format!("Press “Connect to {}”, or enter tokens instead.", spec.name),
                ),
                None,
            ),
            Err(Error::KeychainUnavailable(message)) => (
                Outcome::new(
                    OutcomeKind::KeychainUnavailable,
                    "The secrets could not be read: the keychain is unavailable.",
                    message,
                ),
                None,
            ),
            Err(e) => return Err(e),
            Ok(found) => {
                let missing: Vec<&str> = needed
                    .iter()
                    .copied()
                    .filter(|f| !found.contains_key(*f))
                    .collect();
                if let Some(first) = missing.first() {
                    let label = spec.field(first).map_or(*first, |f| f.label);
                    (
                        Outcome::new(
                            OutcomeKind::MissingSecret,
                            format!("The {label} is not in this computer's keychain."),
                            format!(
                                "Enter the {label} again on the Integrations page (secrets stay in \
                                 the keychain of the computer where they were saved)."
                            ),
                        ),
                        None,
                    )
                } else {
                    let mut found = found;
                    // Square's OAuth access token lives in memory until it is due for renewal.
                    if stored.provider == providers::Provider::Square
                        && !found.contains_key("access_token")
                        && !oauth::square_refresh_due(refreshed_at, time::now_ms())
                    {
                        if let Some(token) = self.access_tokens().get(&stored.id) {
                            found.insert("access_token".to_owned(), token);
                        }
                    }
                    let target = self.target(&stored, &spec, found);
                    let result = providers::test_connection(self.http(), &target).await;
                    (scrub(result.0, &target), result.1)
                }
            }
        };
        self.blocking({
            let id = stored.id.clone();
            move |sb| sb.record_test(&id, outcome, tokens, previous_level)
        })
        .await
    }

    fn target(
        self: &Arc<Self>,
        stored: &integrations::Stored,
        spec: &providers::ProviderSpec,
        secrets: BTreeMap<String, Secret>,
    ) -> Target {
        let base = spec
            .environment(&stored.environment)
            .map_or("", |e| e.base_url);
        let sb = Arc::clone(self);
        let id = stored.id.clone();
        let memory = Arc::clone(self);
        let memory_id = stored.id.clone();
        let provider = stored.provider;
        Target {
            provider: stored.provider,
            environment: stored.environment.clone(),
            base_url: stored.base_url.clone().unwrap_or_else(|| base.to_owned()),
            custom_base: stored.base_url.clone(),
            settings: stored.settings.clone(),
            secrets,
            timeout: self.timeouts().total,
            save_refresh_token: Arc::new(move |secret| {
                let sb = Arc::clone(&sb);
                let id = id.clone();
                Box::pin(async move {
                    sb.blocking(move |sb| sb.rotate_refresh_token(&id, provider, &secret))
                        .await
                })
            }),
            remember_access_token: Arc::new(move |token| {
                memory.access_tokens().put(&memory_id, token);
            }),
        }
    }

    /// Stores a test's outcome (and token lifetimes) and returns it with the new status.
    pub fn record_test(
        &self,
        id: &str,
        outcome: Outcome,
        tokens: Option<TokenLifetimes>,
        previous_level: Level,
    ) -> Result<TestRun> {
        let at = time::now_ms();
        self.db().write(|tx| {
            tx.execute(
                "INSERT INTO connection_tests (integration_id, at, outcome, http_status,
                     provider_code, provider_message, error_class, latency_ms, retry_after_s,
                     summary, action)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    id,
                    at,
                    outcome.kind.as_str(),
                    outcome.http_status,
                    outcome.provider_code,
                    outcome.provider_message,
                    outcome.error_class.map(NetFailure::as_str),
                    outcome.latency_ms,
                    outcome.retry_after_s,
                    outcome.summary,
                    outcome.action,
                ],
            )?;
            if let Some(t) = tokens {
                tx.execute(
                    "UPDATE integrations SET
                         access_token_expires_at = coalesce(?2, access_token_expires_at),
                         refresh_token_expires_at = coalesce(?3, refresh_token_expires_at),
                         tokens_refreshed_at = coalesce(?4, tokens_refreshed_at),
                         refresh_refused_at = CASE WHEN ?5 THEN ?6 ELSE refresh_refused_at END
                     WHERE id = ?1",
                    params![
                        id,
                        t.access_expires_at,
                        t.refresh_expires_at,
                        t.refreshed_at,
                        t.refresh_refused,
                        at
                    ],
                )?;
            }
            Ok(())
        })?;
        tracing::info!(integration = %id, outcome = outcome.kind.as_str(), latency_ms = outcome.latency_ms, "connection tested");
        Ok(TestRun {
            integration_id: id.to_owned(),
            test: TestRecord {
                at: time::to_rfc3339(at),
                outcome,
            },
            status: self.status_of(id)?,
            previous_level,
        })
    }

    /// The newest tests of one integration, newest first.
    pub fn test_history(
        &self,
        actor: &Actor,
        id_or_name: &str,
        limit: u32,
    ) -> Result<Vec<TestRecord>> {
        self.authorize(actor, Operation::IntegrationView, Some(id_or_name))?;
        self.db().read(|c| {
            let id = integrations::find(c, id_or_name)?.id;
            history(c, &id, limit)
        })
    }

    /// Saves a refresh token that the provider rotated, with an audit row.
    fn rotate_refresh_token(
        &self,
        id: &str,
        provider: providers::Provider,
        secret: &Secret,
    ) -> Result<()> {
        self.keychain()
            .set(&secret_account(id, "refresh_token"), secret)?;
        self.db().write(|tx| {
            let label: String =
                tx.query_row("SELECT name FROM integrations WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            crate::audit::append(
                tx,
                &crate::audit::Record {
                    actor: &crate::Actor::system(provider.as_str()),
                    action: "integration.token_rotated",
                    object_type: "integration",
                    object_id: Some(id),
                    object_label: Some(&label),
                    changes: vec![crate::audit::FieldChange::secret(
                        "refresh_token",
                        "replaced",
                    )],
                    outcome: crate::audit::AuditResult::Ok,
                    detail: Some(format!(
                        "{} issued a new refresh token during a connection test.",
                        providers::spec(provider).name
                    )),
                },
            )
        })?;
        Ok(())
    }
}

/// Removes any secret value that a provider echoed back from what is stored and shown.
fn scrub(mut outcome: Outcome, target: &Target) -> Outcome {
    let clean = |text: &mut String| {
        for secret in target.secrets.values() {
            let value = secret.expose();
            if value.len() >= 4 && text.contains(value) {
                *text = text.replace(value, "<redacted>");
            }
        }
    };
    clean(&mut outcome.summary);
    clean(&mut outcome.action);
    if let Some(m) = outcome.provider_message.as_mut() {
        clean(m);
    }
    if let Some(c) = outcome.provider_code.as_mut() {
        clean(c);
    }
    outcome
}
