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

/// The counts the rules look at.
#[derive(Debug, Clone, Default)]
pub struct EndpointFacts {
    pub enabled: bool,
    /// Set when the system (410, five failing days) disabled it; a user's switch leaves it empty.
    pub disabled_reason: Option<String>,
    pub attempts_24h: u32,
    pub succeeded_24h: u32,
    pub pending: u32,
    pub retrying: u32,
    pub dead: u32,
}

pub fn compute(f: &EndpointFacts) -> (Level, String, String, Option<f64>) {
    let rate = (f.attempts_24h > 0)
        .then(|| 100.0 * f64::from(f.succeeded_24h) / f64::from(f.attempts_24h));
    let s = |t: &str| t.to_owned();
    if !f.enabled {
        return match &f.disabled_reason {
            Some(reason) => (
                Level::Red,
                format!("Disabled by Switchboard: {reason}"),
                s("Fix the receiver, then enable the endpoint again on the Webhooks page and resend what failed."),
                rate,
            ),
            None => (Level::Off, s("Turned off by a user."), s("Enable it on the Webhooks page to deliver again."), rate),
        };
    }
    if f.dead > 0 {
        return (
            Level::Red,
            format!(
                "{} gave up after every retry.",
                plural(f.dead, "delivery", "deliveries")
            ),
            s("Open the Delivery log, fix the receiver and resend them, or acknowledge them."),
            rate,
        );
    }
    if f.retrying > 0 {
        return (
            Level::Yellow,
            format!(
                "{} failed and will be retried.",
                plural(f.retrying, "delivery", "deliveries")
            ),
            s("Check the receiver; Switchboard retries automatically."),
            rate,
        );
    }
    if let Some(r) = rate.filter(|r| *r < 95.0) {
        return (
            Level::Yellow,
            format!("Only {r:.0}% of deliveries succeeded in the last 24 hours."),
            s("Check the receiver's recent errors in the Delivery log."),
            rate,
        );
    }
    let reason = match rate {
        Some(r) => format!("{r:.0}% delivered in the last 24 hours."),
        None => s("No deliveries in the last 24 hours."),
    };
    (Level::Green, reason, s("Nothing to do."), rate)
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> EndpointFacts {
        EndpointFacts {
            enabled: true,
            ..Default::default()
        }
    }

    #[test]
    fn green_when_delivering_well() {
        let f = EndpointFacts {
            attempts_24h: 100,
            succeeded_24h: 99,
            ..facts()
        };
        let (level, reason, _, rate) = compute(&f);
        assert_eq!(level, Level::Green);
        assert_eq!(rate, Some(99.0));
        assert!(reason.contains("99%"));
        assert_eq!(compute(&facts()).0, Level::Green, "quiet is fine");
    }

    #[test]
    fn yellow_for_retries_or_under_95_percent() {
        assert_eq!(
            compute(&EndpointFacts {
                retrying: 1,
                ..facts()
            })
            .0,
            Level::Yellow
        );
        assert_eq!(
            compute(&EndpointFacts {
                attempts_24h: 100,
                succeeded_24h: 94,
                ..facts()
            })
            .0,
            Level::Yellow
        );
        assert_eq!(
            compute(&EndpointFacts {
                attempts_24h: 100,
                succeeded_24h: 95,
                ..facts()
            })
            .0,
            Level::Green
        );
    }

    #[test]
    fn red_for_dead_deliveries_or_a_system_disable_and_off_for_a_user_disable() {
        assert_eq!(compute(&EndpointFacts { dead: 2, ..facts() }).0, Level::Red);
        let gone = EndpointFacts {
            enabled: false,
            disabled_reason: Some("410 Gone".into()),
            ..facts()
        };
        assert_eq!(compute(&gone).0, Level::Red);
        assert_eq!(
            compute(&EndpointFacts {
                enabled: false,
                ..facts()
            })
            .0,
            Level::Off
        );
    }
}
