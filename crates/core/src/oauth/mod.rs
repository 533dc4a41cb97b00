//! "Connect": QuickBooks and Square through their own sign-in pages.
//!
//! The authorization-code flow in the system browser ([`browser`]), answered on a one-shot
//! loopback listener ([`listener`]) — directly (`http://localhost:<port>/callback`, development
//! keys) or through the HTTPS relay page (`packaging/oauth-relay/`, production keys), which
//! forwards to the port carried in `state`. The `state` is 128 random bits plus the port,
//! single-use and valid 10 minutes. The code is exchanged (Intuit: Basic client id:secret;
//! Square: PKCE S256 by default, the application secret when one is stored); the refresh token
//! goes to the keychain, the access token stays in memory. Every connect, disconnect, failure
//! and refusal is audited; a failure stores nothing else. The rules (URLs, redirect URI, state
//! format, when a connection counts) are `switchboard_domain::oauth`.

mod browser;
mod listener;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rusqlite::params;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::integrations::{self, secret_account, Integration, Stored};
use crate::providers::tokens::{self, SquareClient};
use crate::providers::{self, Provider};
use crate::secrets::Secret;
use crate::{time, Switchboard};
use switchboard_domain::oauth;
use switchboard_domain::outcome::{Outcome, OutcomeKind};

pub use crate::providers::tokens::SquareLocation;
pub use browser::open as open_browser;

/// How a Connect attempt reaches the person signing in.
pub struct ConnectOptions {
    /// Open the system browser (`$BROWSER` when set) on the authorization page.
    pub open_browser: bool,
    /// Called with the authorization URL as soon as it exists (the CLI prints it).
    pub on_url: Option<Box<dyn FnOnce(&str) + Send>>,
    /// How long to wait for the callback; the `state` lifetime (10 minutes) unless shorter.
    pub wait: Option<Duration>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            open_browser: true,
            on_url: None,
            wait: None,
        }
    }
}

/// A finished Connect.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    pub integration: Integration,
    /// QuickBooks: the company (realm) id from the callback.
    pub company_id: Option<String>,
    /// Square: the merchant's ACTIVE locations, for the location picker.
    pub locations: Vec<SquareLocation>,
    /// Square: no active location is chosen yet; the manager must pick one.
    pub needs_location: bool,
    /// When the sign-in must be renewed by (the refresh token's expiry), if it expires.
    pub renew_by: Option<String>,
}

/// A finished Disconnect.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Disconnected {
    pub integration: Integration,
    /// Whether the provider was told to revoke the grant.
    pub revoked: bool,
    /// What happened, in a sentence (e.g. that Square keeps a PKCE grant until the merchant
    /// removes it).
    pub message: String,
}

/// The app credentials of one integration.
struct App {
    id: String,
    secret: Option<Secret>,
}

impl Switchboard {
    /// Runs the whole flow for one integration: opens the provider's sign-in page, waits for the
    /// callback, exchanges the code and stores the connection. Nothing but an audit row is
    /// stored when it fails.
    pub async fn connect_integration(
        self: &Arc<Self>,
        actor: &Actor,
        id_or_name: &str,
        options: ConnectOptions,
    ) -> Result<Connected> {
        let (stored, app) = {
            let actor = actor.clone();
            let key = id_or_name.to_owned();
            self.blocking(move |sb| {
                sb.authorize(&actor, Operation::IntegrationConnect, Some(&key))?;
                let stored = sb.db().read(|c| integrations::find(c, &key))?;
                let app = app_credentials(sb, &stored)?;
                Ok((stored, app))
            })
            .await?
        };
        let result = self.run_connect(actor, &stored, &app, options).await;
        if let Err(e) = &result {
            let (sb, actor, stored_id, name) = (
                Arc::clone(self),
                actor.clone(),
                stored.id.clone(),
                stored.name.clone(),
            );
            let message = e.to_string();
            tracing::warn!(integration = %stored_id, error = %message, "connect failed");
            let e = Error::Provider(message);
            let _ = self
                .blocking(move |_| {
                    sb.audit_failure(&actor, "integration.connect", Some(&stored_id), &name, &e);
                    Ok(())
                })
                .await;
        }
        result
    }

    async fn run_connect(
        self: &Arc<Self>,
        actor: &Actor,
        stored: &Stored,
        app: &App,
        options: ConnectOptions,
    ) -> Result<Connected> {
        let spec = providers::spec(stored.provider);
        let env_base = spec
            .environment(&stored.environment)
            .map_or("", |e| e.base_url)
            .to_owned();
        let endpoints = oauth::endpoints(stored.provider, &env_base, stored.base_url.as_deref());
        let relay = stored
            .settings
            .get("relay_url")
            .filter(|v| !v.trim().is_empty())
            .cloned();
        let port = oauth::redirect_port(stored.settings.get("redirect_port").map(String::as_str))?;
        // Checked before anything is opened: production QuickBooks keys need the relay page.
        oauth::redirect_uri(stored.provider, &stored.environment, relay.as_deref(), port)?;
        let listener = listener::Listener::bind(if relay.is_some() { 0 } else { port })
            .await
            .map_err(|e| {
                Error::validation(
                    "redirect_port",
                    format!(
                        "Switchboard cannot listen on port {port} of this computer ({e}). Close \
                         the program using it, or choose another Redirect port and register the \
                         new address with {}.",
                        spec.name
                    ),
                )
            })?;
        let redirect_uri = oauth::redirect_uri(
            stored.provider,
            &stored.environment,
            relay.as_deref(),
            listener.port(),
        )?;
        let state = oauth::make_state(&random_b64(16)?, listener.port());
        let verifier = match (stored.provider, &app.secret) {
            (Provider::Square, None) => Some(Secret::new(random_b64(32)?)),
            _ => None,
        };
        let url = authorize_url(
            stored.provider,
            &endpoints.authorize,
            &app.id,
            &redirect_uri,
            &state,
            verifier.as_ref(),
        )?;
        tracing::info!(integration = %stored.id, port = listener.port(), "waiting for the sign-in callback");
        if let Some(show) = options.on_url {
            show(&url);
        }
        if options.open_browser {
            if let Err(e) = browser::open(&url) {
                tracing::warn!(error = %e, "could not open the browser");
            }
        }
        let lifetime = Duration::from_millis(oauth::STATE_LIFETIME_MS.unsigned_abs());
        let wait = options.wait.map_or(lifetime, |w| w.min(lifetime));
        let Some(received) = listener.wait(state, wait).await else {
            return Err(Error::Provider(format!(
                "The sign-in was not finished within {} minutes; nothing was changed. Press \
                 Connect to start again.",
                wait.as_secs().div_ceil(60)
            )));
        };
        let result = self
            .finish_connect(
                actor,
                stored,
                app,
                &endpoints,
                &env_base,
                &redirect_uri,
                verifier,
                &received.callback,
            )
            .await;
        let page = match &result {
            Ok(_) => listener::Page {
                ok: true,
                title: "Switchboard is connected".to_owned(),
                text: format!(
                    "Switchboard is connected to {} — you can close this tab.",
                    spec.name
                ),
            },
            Err(e) => listener::Page {
                ok: false,
                title: "Switchboard is not connected".to_owned(),
                text: e.to_string(),
            },
        };
        received.answer(page).await;
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_connect(
        self: &Arc<Self>,
        actor: &Actor,
        stored: &Stored,
        app: &App,
        endpoints: &oauth::Endpoints,
        env_base: &str,
        redirect_uri: &str,
        verifier: Option<Secret>,
        callback: &listener::Callback,
    ) -> Result<Connected> {
        let name = providers::spec(stored.provider).name;
        let (code, realm_id) = match callback {
            listener::Callback::Denied { error, description } => {
                let why = if error == "access_denied" {
                    "the sign-in was declined".to_owned()
                } else {
                    format!(
                        "{name} answered “{error}”{}",
                        description
                            .as_deref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    )
                };
                return Err(Error::Provider(format!(
                    "{name} was not connected: {why}. Nothing was changed; press Connect to try \
                     again."
                )));
            }
            listener::Callback::Code { code, realm_id } => (code, realm_id),
        };
        let timeout = self.timeouts().total;
        let tokens = match stored.provider {
            Provider::Quickbooks => {
                let realm = realm_id
                    .as_deref()
                    .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| {
                        Error::Provider(
                            "QuickBooks did not say which company was connected (no realmId); \
                             nothing was changed. Press Connect to try again."
                                .to_owned(),
                        )
                    })?;
                let secret = app.secret.as_ref().ok_or_else(missing_client_secret)?;
                let set = tokens::intuit_code(
                    self.http(),
                    &endpoints.token,
                    &app.id,
                    secret,
                    code,
                    redirect_uri,
                    timeout,
                )
                .await
                .map_err(outcome_error)?;
                (set, Some(realm.to_owned()), Vec::new())
            }
            _ => {
                let auth = match &app.secret {
                    Some(secret) => SquareClient::Secret(secret),
                    None => SquareClient::Pkce {
                        verifier: verifier.as_ref(),
                    },
                };
                let set = tokens::square_code(
                    self.http(),
                    &endpoints.token,
                    &app.id,
                    auth,
                    code,
                    redirect_uri,
                    timeout,
                )
                .await
                .map_err(outcome_error)?;
                let api_base = stored.base_url.as_deref().unwrap_or(env_base);
                let version = stored
                    .settings
                    .get("square_version")
                    .map_or("2026-08-19", String::as_str);
                let all =
                    tokens::square_locations(self.http(), api_base, &set.access, version, timeout)
                        .await
                        .map_err(outcome_error)?;
                let active = all.into_iter().filter(|l| l.status == "ACTIVE").collect();
                (set, None, active)
            }
        };
        let (set, realm, locations) = tokens;
        let refresh = set.refresh.clone().ok_or_else(|| {
            Error::Provider(format!(
                "{name} answered without a refresh token; nothing was changed."
            ))
        })?;
        let chosen = choose_location(stored, &locations);
        let (actor, id) = (actor.clone(), stored.id.clone());
        let stored_tokens = StoreTokens {
            refresh,
            access_expires_at: set.access_expires_at,
            refresh_expires_at: set.refresh_expires_at,
            realm: realm.clone(),
            location: chosen.clone(),
        };
        let integration = self
            .blocking(move |sb| sb.store_connection(&actor, &id, stored_tokens))
            .await?;
        self.access_tokens().put(&stored.id, set.access.clone());
        self.wake_checks();
        tracing::info!(integration = %stored.id, "connected");
        let needs_location = stored.provider == Provider::Square && chosen.is_none();
        Ok(Connected {
            integration,
            company_id: realm,
            locations,
            needs_location,
            renew_by: set.refresh_expires_at.map(time::to_rfc3339),
        })
    }

    /// Writes a new connection: refresh token to the keychain (last, inside the transaction),
    /// the facts to the row, an audit record.
    fn store_connection(&self, actor: &Actor, id: &str, t: StoreTokens) -> Result<Integration> {
        let now = time::now_ms();
        self.db().write(|tx| {
            let current = integrations::find(tx, id)?;
            let mut settings = current.settings.clone();
            let mut secrets_set = current.secrets_set.clone();
            let mut changes = Vec::new();
            if let Some(realm) = &t.realm {
                let before = settings.insert("realm_id".to_owned(), realm.clone());
                if before.as_deref() != Some(realm.as_str()) {
                    changes.push(FieldChange::value(
                        "realm_id",
                        before.as_deref(),
                        Some(realm),
                    ));
                }
            }
            if let Some(location) = &t.location {
                let before = settings.insert("location_id".to_owned(), location.clone());
                if before.as_deref() != Some(location.as_str()) {
                    changes.push(FieldChange::value(
                        "location_id",
                        before.as_deref(),
                        Some(location),
                    ));
                }
            }
            let what = if secrets_set.contains("refresh_token") {
                "replaced"
            } else {
                "set"
            };
            changes.push(FieldChange::secret("refresh_token", what));
            secrets_set.insert("refresh_token".to_owned());
            let mut removed = std::collections::BTreeSet::new();
            // A pasted Square access token gives way to the connection's own.
            if current.provider == Provider::Square && secrets_set.remove("access_token") {
                removed.insert("access_token".to_owned());
                changes.push(FieldChange::secret("access_token", "removed"));
            }
            tx.execute(
                "UPDATE integrations SET settings = ?2, secrets_set = ?3, revision = revision + 1,
                     updated_at = ?4, updated_by = ?5, connected_at = ?4, connected_by = ?5,
                     tokens_refreshed_at = ?4, refresh_refused_at = NULL,
                     access_token_expires_at = ?6, refresh_token_expires_at = ?7
                 WHERE id = ?1",
                params![
                    current.id,
                    integrations::json(&settings)?,
                    integrations::json(&secrets_set)?,
                    now,
                    actor.name(),
                    t.access_expires_at,
                    t.refresh_expires_at,
                ],
            )?;
            audit::append(
                tx,
                &Record {
                    actor,
                    action: Operation::IntegrationConnect.action(),
                    object_type: "integration",
                    object_id: Some(&current.id),
                    object_label: Some(&current.name),
                    changes,
                    outcome: AuditResult::Ok,
                    detail: Some(format!(
                        "Connected through {}'s sign-in page.",
                        providers::spec(current.provider).name
                    )),
                },
            )?;
            let new = BTreeMap::from([("refresh_token".to_owned(), t.refresh.clone())]);
            self.store_secrets(&current.id, &new, &removed)?;
            Ok(())
        })?;
        self.integration(id)
    }

    /// Ends a connection: QuickBooks revokes the token at Intuit; Square revokes when an
    /// application secret is stored, else the tokens are removed here only (Square keeps the
    /// grant until the merchant removes it). Then the tokens are removed from the keychain.
    pub async fn disconnect_integration(
        self: &Arc<Self>,
        actor: &Actor,
        id_or_name: &str,
    ) -> Result<Disconnected> {
        let (stored, app, refresh) = {
            let actor = actor.clone();
            let key = id_or_name.to_owned();
            self.blocking(move |sb| {
                sb.authorize(&actor, Operation::IntegrationDisconnect, Some(&key))?;
                let stored = sb.db().read(|c| integrations::find(c, &key))?;
                let app = app_credentials(sb, &stored)?;
                let refresh = sb
                    .keychain()
                    .get(&secret_account(&stored.id, "refresh_token"))?;
                Ok((stored, app, refresh))
            })
            .await?
        };
        let spec = providers::spec(stored.provider);
        let env_base = spec
            .environment(&stored.environment)
            .map_or("", |e| e.base_url);
        let endpoints = oauth::endpoints(stored.provider, env_base, stored.base_url.as_deref());
        let timeout = self.timeouts().total;
        let revoked = match (stored.provider, &app.secret, &refresh) {
            (Provider::Quickbooks, Some(secret), Some(token)) => Some(
                tokens::intuit_revoke(
                    self.http(),
                    &endpoints.revoke,
                    &app.id,
                    secret,
                    token,
                    timeout,
                )
                .await,
            ),
            (Provider::Square, Some(secret), _) => {
                let access = self.access_tokens().get(&stored.id);
                Some(
                    tokens::square_revoke(
                        self.http(),
                        &endpoints.revoke,
                        &app.id,
                        secret,
                        access.as_ref(),
                        None,
                        timeout,
                    )
                    .await,
                )
            }
            _ => None,
        };
        let (was_revoked, message) = match revoked {
            Some(Ok(())) => (
                true,
                format!(
                    "{} revoked the connection; its tokens were removed.",
                    spec.name
                ),
            ),
            // Unreachable or failing: keep everything, so the revoke can be tried again.
            Some(Err(o)) if o.kind.is_transient() => {
                let e = Error::Network(format!(
                    "{} Nothing was removed; try Disconnect again.",
                    o.summary
                ));
                self.audit_failed_blocking(actor, "integration.disconnect", &stored, &e)
                    .await;
                return Err(e);
            }
            Some(Err(o)) => (
                false,
                format!(
                    "{} did not accept the revocation ({}); the tokens were removed here.",
                    spec.name, o.summary
                ),
            ),
            None if stored.provider == Provider::Square => (
                false,
                "The tokens were removed from this computer. Without the application secret \
                 Switchboard cannot revoke the grant: Square keeps it until the merchant removes \
                 the app in the Square Dashboard (Account & Settings › Apps)."
                    .to_owned(),
            ),
            None => (
                false,
                "There was no stored token to revoke; the connection was removed.".to_owned(),
            ),
        };
        let integration = {
            let (actor, id, message) = (actor.clone(), stored.id.clone(), message.clone());
            self.blocking(move |sb| sb.remove_connection(&actor, &id, &message))
                .await?
        };
        self.access_tokens().forget(&stored.id);
        self.wake_checks();
        Ok(Disconnected {
            integration,
            revoked: was_revoked,
            message,
        })
    }

    fn remove_connection(&self, actor: &Actor, id: &str, detail: &str) -> Result<Integration> {
        let now = time::now_ms();
        self.db().write(|tx| {
            let current = integrations::find(tx, id)?;
            let mut secrets_set = current.secrets_set.clone();
            let mut removed = std::collections::BTreeSet::new();
            let mut changes = Vec::new();
            for field in ["refresh_token", "access_token"] {
                if secrets_set.remove(field) {
                    removed.insert(field.to_owned());
                    changes.push(FieldChange::secret(field, "removed"));
                }
            }
            tx.execute(
                "UPDATE integrations SET secrets_set = ?2, revision = revision + 1,
                     updated_at = ?3, updated_by = ?4, connected_at = NULL, connected_by = NULL,
                     tokens_refreshed_at = NULL, refresh_refused_at = NULL,
                     access_token_expires_at = NULL, refresh_token_expires_at = NULL
                 WHERE id = ?1",
                params![
                    current.id,
                    integrations::json(&secrets_set)?,
                    now,
                    actor.name()
                ],
            )?;
            audit::append(
                tx,
                &Record {
                    actor,
                    action: Operation::IntegrationDisconnect.action(),
                    object_type: "integration",
                    object_id: Some(&current.id),
                    object_label: Some(&current.name),
                    changes,
                    outcome: AuditResult::Ok,
                    detail: Some(detail.to_owned()),
                },
            )?;
            self.store_secrets(&current.id, &BTreeMap::new(), &removed)?;
            Ok(())
        })?;
        self.integration(id)
    }

    async fn audit_failed_blocking(
        self: &Arc<Self>,
        actor: &Actor,
        action: &'static str,
        stored: &Stored,
        e: &Error,
    ) {
        let (actor, id, name, e) = (
            actor.clone(),
            stored.id.clone(),
            stored.name.clone(),
            Error::Provider(e.to_string()),
        );
        let _ = self
            .blocking(move |sb| {
                sb.audit_failure(&actor, action, Some(&id), &name, &e);
                Ok(())
            })
            .await;
    }

    /// The merchant's ACTIVE Square locations, for the location picker.
    pub async fn square_locations(
        self: &Arc<Self>,
        actor: &Actor,
        id_or_name: &str,
    ) -> Result<Vec<SquareLocation>> {
        let stored = {
            let actor = actor.clone();
            let key = id_or_name.to_owned();
            self.blocking(move |sb| {
                sb.authorize(&actor, Operation::IntegrationChooseLocation, Some(&key))?;
                sb.db().read(|c| integrations::find(c, &key))
            })
            .await?
        };
        if stored.provider != Provider::Square {
            return Err(Error::validation(
                "location_id",
                "Only Square integrations have locations to choose.",
            ));
        }
        let access = self.square_access_token(&stored).await?;
        let spec = providers::spec(stored.provider);
        let env_base = spec
            .environment(&stored.environment)
            .map_or("", |e| e.base_url);
        let base = stored.base_url.as_deref().unwrap_or(env_base);
        let version = stored
            .settings
            .get("square_version")
            .map_or("2026-08-19", String::as_str);
        let all =
            tokens::square_locations(self.http(), base, &access, version, self.timeouts().total)
                .await
                .map_err(outcome_error)?;
        Ok(all.into_iter().filter(|l| l.status == "ACTIVE").collect())
    }

    /// Sets the Square location to one of the merchant's ACTIVE locations (audited).
    pub async fn choose_square_location(
        self: &Arc<Self>,
        actor: &Actor,
        id_or_name: &str,
        location_id: &str,
    ) -> Result<Integration> {
        let active = self.square_locations(actor, id_or_name).await?;
        let wanted = location_id.trim().to_owned();
        if !active.iter().any(|l| l.id == wanted) {
            let ids: Vec<&str> = active.iter().map(|l| l.id.as_str()).collect();
            return Err(Error::validation(
                "location_id",
                format!(
                    "“{wanted}” is not one of this merchant's active locations ({}).",
                    ids.join(", ")
                ),
            ));
        }
        let (actor, key) = (actor.clone(), id_or_name.to_owned());
        let id = self
            .blocking(move |sb| {
                sb.db().write(|tx| {
                    let current = integrations::find(tx, &key)?;
                    let mut settings = current.settings.clone();
                    let before = settings.insert("location_id".to_owned(), wanted.clone());
                    if before.as_deref() == Some(wanted.as_str()) {
                        return Ok(current.id);
                    }
                    tx.execute(
                        "UPDATE integrations SET settings = ?2, revision = revision + 1,
                             updated_at = ?3, updated_by = ?4 WHERE id = ?1",
                        params![
                            current.id,
                            integrations::json(&settings)?,
                            time::now_ms(),
                            actor.name()
                        ],
                    )?;
                    audit::append(
                        tx,
                        &Record {
                            actor: &actor,
                            action: Operation::IntegrationChooseLocation.action(),
                            object_type: "integration",
                            object_id: Some(&current.id),
                            object_label: Some(&current.name),
                            changes: vec![FieldChange::value(
                                "location_id",
                                before.as_deref(),
                                Some(&wanted),
                            )],
                            outcome: AuditResult::Ok,
                            detail: None,
                        },
                    )?;
                    Ok(current.id)
                })
            })
            .await?;
        self.wake_checks();
        let sb = Arc::clone(self);
        self.blocking(move |_| sb.integration(&id)).await
    }

    /// A Square access token: pasted, kept in memory, or renewed by a connection test (which
    /// saves the rotated refresh token first and keeps the new access token in memory).
    async fn square_access_token(self: &Arc<Self>, stored: &Stored) -> Result<Secret> {
        let pasted = {
            let id = stored.id.clone();
            self.blocking(move |sb| sb.keychain().get(&secret_account(&id, "access_token")))
                .await?
        };
        if let Some(token) = pasted.or_else(|| self.access_tokens().get(&stored.id)) {
            return Ok(token);
        }
        let run = self
            .test_integration(&Actor::system("oauth"), &stored.id)
            .await?;
        self.access_tokens().get(&stored.id).ok_or_else(|| {
            Error::Provider(format!(
                "{} {}",
                run.test.outcome.summary, run.test.outcome.action
            ))
        })
    }
}

struct StoreTokens {
    refresh: Secret,
    access_expires_at: Option<i64>,
    refresh_expires_at: Option<i64>,
    realm: Option<String>,
    location: Option<String>,
}

/// Keeps the configured location if it is active, else the only active one, else none.
fn choose_location(stored: &Stored, active: &[SquareLocation]) -> Option<String> {
    if stored.provider != Provider::Square {
        return None;
    }
    let current = stored.settings.get("location_id").filter(|l| !l.is_empty());
    match current {
        Some(id) if active.iter().any(|l| &l.id == id) => Some(id.clone()),
        _ if active.len() == 1 => active.first().map(|l| l.id.clone()),
        _ => None,
    }
}

fn app_credentials(sb: &Switchboard, stored: &Stored) -> Result<App> {
    let setting = |name: &str| {
        stored
            .settings
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let secret = |name: &str| -> Result<Option<Secret>> {
        if !stored.secrets_set.contains(name) {
            return Ok(None);
        }
        sb.keychain().get(&secret_account(&stored.id, name))
    };
    match stored.provider {
        Provider::Quickbooks => {
            let id = setting("client_id").ok_or_else(|| {
                Error::validation(
                    "client_id",
                    "Enter the Client ID and save before connecting.",
                )
            })?;
            let secret = secret("client_secret")?.ok_or_else(missing_client_secret)?;
            Ok(App {
                id,
                secret: Some(secret),
            })
        }
        Provider::Square => {
            let id = setting("application_id").ok_or_else(|| {
                Error::validation(
                    "application_id",
                    "Enter the Square Application ID and save before connecting.",
                )
            })?;
            Ok(App {
                id,
                secret: secret("application_secret")?,
            })
        }
        Provider::Twilio => Err(Error::validation(
            "provider",
            "Twilio has no sign-in page to connect through; enter its credentials instead.",
        )),
    }
}

fn missing_client_secret() -> Error {
    Error::validation(
        "client_secret",
        "The Client secret is not in this computer's keychain: enter it and save before \
         connecting.",
    )
}

/// A failed token or API call as an error carrying its sentence and what to do.
fn outcome_error(o: Outcome) -> Error {
    let text = format!("{} {} Nothing was changed.", o.summary, o.action);
    match o.kind {
        OutcomeKind::Unreachable | OutcomeKind::ProviderError | OutcomeKind::RateLimited => {
            Error::Network(text)
        }
        _ => Error::Provider(text),
    }
}

fn random_b64(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

fn authorize_url(
    provider: Provider,
    authorize: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    verifier: Option<&Secret>,
) -> Result<String> {
    let mut url = url::Url::parse(authorize)
        .map_err(|e| Error::validation("base_url", format!("Not a usable URL: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", client_id);
        match provider {
            Provider::Quickbooks => {
                q.append_pair("response_type", "code");
                q.append_pair("scope", oauth::QUICKBOOKS_SCOPE);
            }
            _ => {
                q.append_pair("scope", oauth::SQUARE_SCOPES);
                q.append_pair("session", "false");
            }
        }
        q.append_pair("redirect_uri", redirect_uri);
        q.append_pair("state", state);
        if let Some(v) = verifier {
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(v.expose().as_bytes()));
            q.append_pair("code_challenge", &challenge);
            q.append_pair("code_challenge_method", "S256");
        }
    }
    Ok(url.into())
}
