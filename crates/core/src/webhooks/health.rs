//! Endpoint status for the dashboard: green, yellow, red or off, with the last 24 hours'
//! success rate and what is pending or failed (design.md's status table, webhook rows).

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use switchboard_domain::delivery::DeliveryStatus;

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::Result;
use crate::status::Level;
use crate::{time, Switchboard};

const DAY_MS: i64 = 24 * 3600 * 1000;

pub use switchboard_domain::status::endpoint::{compute, EndpointFacts};

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EndpointStatus {
    pub endpoint_id: String,
    pub url: String,
    pub description: String,
    pub level: Level,
    pub reason: String,
    pub action: String,
    /// Share of attempts that succeeded in the last 24 hours (0–100), or none without attempts.
    pub success_rate_24h: Option<f64>,
    pub attempts_24h: u32,
    pub pending: u32,
    pub retrying: u32,
    /// Dead deliveries nobody has acknowledged or resent yet.
    pub dead: u32,
}

impl Switchboard {
    pub fn endpoint_statuses(&self, actor: &Actor) -> Result<Vec<EndpointStatus>> {
        self.authorize(actor, Operation::EndpointStatusView, None)?;
        let since = time::now_ms() - DAY_MS;
        self.db().read(|c| {
            let first_recent: i64 = c
                .query_row(
                    "SELECT id FROM deliveries WHERE created_at >= ?1 ORDER BY created_at, id LIMIT 1",
                    [since],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(i64::MAX);
            let mut stmt = c.prepare(
                "SELECT id, url, description, enabled, disabled_reason FROM webhook_endpoints ORDER BY created_at, id",
            )?;
            let endpoints = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?, r.get::<_, Option<String>>(4)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            endpoints
                .into_iter()
                .map(|(id, url, description, enabled, disabled_reason)| {
                    let facts = facts(c, &id, enabled, disabled_reason, first_recent, since)?;
                    let (level, reason, action, success_rate_24h) = compute(&facts);
                    Ok(EndpointStatus {
                        endpoint_id: id,
                        url,
                        description,
                        level,
                        reason,
                        action,
                        success_rate_24h,
                        attempts_24h: facts.attempts_24h,
                        pending: facts.pending,
                        retrying: facts.retrying,
                        dead: facts.dead,
                    })
                })
                .collect()
        })
    }

    /// Marks an endpoint's dead deliveries as seen, so they no longer turn its card red.
    pub fn acknowledge_dead(&self, actor: &Actor, endpoint_id: &str) -> Result<u32> {
        self.authorize(actor, Operation::EndpointAcknowledgeDead, Some(endpoint_id))?;
        let endpoint = self.endpoint(endpoint_id)?;
        let n = self.db().write(|tx| {
            let n = tx.execute(
                "UPDATE deliveries SET acknowledged = 1 WHERE endpoint_id = ?1 AND status = ?2 AND acknowledged = 0",
                params![endpoint.id, DeliveryStatus::Dead.as_str()],
            )?;
            if n > 0 {
                audit::append(
                    tx,
                    &Record {
                        actor,
                        action: "delivery.acknowledge",
                        object_type: "endpoint",
                        object_id: Some(&endpoint.id),
                        object_label: Some(&endpoint.url),
                        changes: vec![FieldChange::value("dead_deliveries", None, Some(&n.to_string()))],
                        outcome: AuditResult::Ok,
                        detail: None,
                    },
                )?;
            }
            Ok(n)
        })?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

fn facts(
    c: &Connection,
    id: &str,
    enabled: bool,
    disabled_reason: Option<String>,
    first_recent: i64,
    since: i64,
) -> Result<EndpointFacts> {
    let count = |status: DeliveryStatus| -> Result<u32> {
        Ok(c.query_row(
            "SELECT count(*) FROM deliveries WHERE endpoint_id = ?1 AND status = ?2 AND (?2 <> ?3 OR acknowledged = 0)",
            params![id, status.as_str(), DeliveryStatus::Dead.as_str()],
            |r| r.get(0),
        )?)
    };
    let (attempts_24h, succeeded_24h): (u32, u32) = c.query_row(
        "SELECT count(*), coalesce(sum(a.status_code BETWEEN 200 AND 299), 0)
         FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE d.endpoint_id = ?1 AND d.id >= ?2 AND a.at >= ?3",
        params![id, first_recent, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(EndpointFacts {
        enabled,
        disabled_reason,
        attempts_24h,
        succeeded_24h,
        pending: count(DeliveryStatus::Pending)?,
        retrying: count(DeliveryStatus::Retrying)?,
        dead: count(DeliveryStatus::Dead)?,
    })
}
