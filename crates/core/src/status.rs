//! Green, yellow, red or off, with the reason in plain words and the action that fixes it.
//!
//! [`compute`] (in `switchboard-domain`, re-exported here) is a pure function of what is stored;
//! this module reads those facts from the database.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::actor::{Actor, Operation};
use switchboard_domain::net::NetFailure;
use switchboard_domain::outcome::{Outcome, OutcomeKind, TestRecord};

use crate::error::Result;
use crate::providers::Provider;
use crate::{time, Switchboard};

pub use switchboard_domain::oauth::ConnectAction;
pub use switchboard_domain::status::{
    compute, connect_action, Connection as OAuthConnection, Facts, Level, DAY_MS, TOKEN_WARNING_MS,
};

/// An integration's status as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationStatus {
    pub integration_id: String,
    pub name: String,
    pub provider: Provider,
    pub environment: String,
    pub level: Level,
    pub reason: String,
    pub action: String,
    pub last_test: Option<TestRecord>,
    pub last_checked_at: Option<String>,
    pub last_success_at: Option<String>,
    /// Connect or Reconnect, for integrations that sign in through the provider's page.
    pub connect: Option<ConnectAction>,
    /// When the stored sign-in must be renewed by (the refresh token's expiry), if it expires.
    pub renew_by: Option<String>,
}

impl Switchboard {
    /// Every integration's status, for the dashboard.
    pub fn statuses(&self, actor: &Actor) -> Result<Vec<IntegrationStatus>> {
        self.authorize(actor, Operation::IntegrationStatusView, None)?;
        let interval = self.check_interval_ms()?;
        let now = time::now_ms();
        self.db().read(|c| {
            let mut stmt = c.prepare("SELECT id FROM integrations ORDER BY name COLLATE NOCASE")?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            ids.iter()
                .map(|id| status_of(c, id, interval, now))
                .collect()
        })
    }

    pub fn integration_status(&self, actor: &Actor, id: &str) -> Result<IntegrationStatus> {
        self.authorize(actor, Operation::IntegrationStatusView, Some(id))?;
        self.status_of(id)
    }

    pub(crate) fn status_of(&self, id: &str) -> Result<IntegrationStatus> {
        let interval = self.check_interval_ms()?;
        self.db()
            .read(|c| status_of(c, id, interval, time::now_ms()))
    }
}

fn status_of(c: &Connection, id: &str, interval: i64, now: i64) -> Result<IntegrationStatus> {
    #[allow(clippy::type_complexity)]
    let (name, provider, environment, enabled, refresh, secrets_set, refused): (
        String,
        String,
        String,
        bool,
        Option<i64>,
        String,
        Option<i64>,
    ) = c.query_row(
        "SELECT name, provider, environment, enabled, refresh_token_expires_at, secrets_set,
                refresh_refused_at
             FROM integrations WHERE id = ?1",
        [id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )?;
    let provider = Provider::parse(&provider).ok_or_else(|| {
        crate::Error::Internal(format!(
            "integration {id} has an unknown provider “{provider}”"
        ))
    })?;
    let secrets_set: std::collections::BTreeSet<String> =
        serde_json::from_str(&secrets_set).map_err(|e| crate::Error::Internal(e.to_string()))?;
    let connection =
        switchboard_domain::oauth::supports_connect(provider).then(|| OAuthConnection {
            connected: switchboard_domain::oauth::is_connected(provider, &secrets_set),
            refresh_refused: refused.is_some(),
        });
    let last = history(c, id, 1)?.into_iter().next();
    let last_at = |sql: &str| -> Result<Option<i64>> {
        Ok(
            c.query_row(sql, params![id], |r| r.get::<_, Option<i64>>(0))
                .optional()?
                .flatten(),
        )
    };
    let last_success_at = last_at(
        "SELECT max(at) FROM connection_tests WHERE integration_id = ?1 AND outcome = 'ok'",
    )?;
    let failing_since = c.query_row(
        "SELECT min(at) FROM connection_tests
             WHERE integration_id = ?1 AND outcome <> 'ok' AND at > coalesce(?2, 0)",
        params![id, last_success_at],
        |r| r.get::<_, Option<i64>>(0),
    )?;
    let last_ms = last_at("SELECT max(at) FROM connection_tests WHERE integration_id = ?1")?;
    let sync = crate::sync::log::failures(c, id)?;
    let facts = Facts {
        enabled,
        last_test: last.as_ref().zip(last_ms).map(|(t, at)| {
            (
                t.outcome.kind,
                at,
                t.outcome.summary.clone(),
                t.outcome.action.clone(),
            )
        }),
        last_success_at,
        failing_since,
        check_interval_ms: interval,
        refresh_token_expires_at: refresh,
        sync_dead: sync.failed,
        sync_retrying: sync.retrying,
        sync_latest_failure: sync.latest_failure,
        connection,
    };
    let (level, reason, action) = compute(&facts, now);
    let connect = connect_action(&facts, now);
    Ok(IntegrationStatus {
        integration_id: id.to_owned(),
        name,
        provider,
        environment,
        level,
        reason,
        action,
        last_checked_at: last.as_ref().map(|t| t.at.clone()),
        last_test: last,
        last_success_at: last_success_at.map(time::to_rfc3339),
        connect,
        renew_by: refresh
            .filter(|_| connection.is_some_and(|c| c.connected))
            .map(time::to_rfc3339),
    })
}

/// The newest `limit` connection tests of an integration (what the status rules read).
pub(crate) fn history(c: &Connection, id: &str, limit: u32) -> Result<Vec<TestRecord>> {
    let mut stmt = c.prepare(
        "SELECT at, outcome, http_status, provider_code, provider_message, error_class,
                latency_ms, retry_after_s, summary, action
         FROM connection_tests WHERE integration_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id, limit], read_test)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn read_test(r: &rusqlite::Row<'_>) -> rusqlite::Result<TestRecord> {
    Ok(TestRecord {
        at: time::to_rfc3339(r.get(0)?),
        outcome: Outcome {
            kind: crate::store::named(r, 1, OutcomeKind::parse)?,
            http_status: r.get(2)?,
            provider_code: r.get(3)?,
            provider_message: r.get(4)?,
            error_class: crate::store::named_opt(r, 5, NetFailure::parse)?,
            latency_ms: r.get(6)?,
            retry_after_s: r.get(7)?,
            summary: r.get(8)?,
            action: r.get(9)?,
        },
    })
}
