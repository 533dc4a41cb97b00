//! Sync: integrations doing the clinic's work. An event that a rule reads makes jobs in the same
//! transaction that stores it and its deliveries ([`plan_event`]); the sync worker
//! ([`worker`]) performs them on the engine both queues share ([`crate::engine`]); the sync log
//! ([`log`]) shows, retries, skips and exports them.
//!
//! Which jobs an event makes is the domain's [`switchboard_domain::sync_plan::plan`]; how a job's
//! state moves is [`switchboard_domain::job::after_attempt`].

pub mod log;
mod perform;
pub mod worker;

/// The job states, rules and kinds, and the planning rules (the domain's); here for callers.
pub use switchboard_domain::{job, sync_plan};

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use switchboard_domain::job::{JobKind, JobStatus, SyncRule, SyncSchedule};
use switchboard_domain::sms::QuietHours;
use switchboard_domain::sync_plan::{ActiveRule, Step};

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::engine::Queue;
use crate::error::{Error, Result};
use crate::{time, Switchboard};

/// The sync jobs queue: open while pending, scheduled or retrying, claimed only for enabled
/// integrations.
pub(crate) const QUEUE: Queue = Queue {
    table: "sync_jobs",
    due_index: "sync_jobs_due",
    open: "'pending', 'scheduled', 'retrying'",
    pending: "pending",
    scheduled: Some("scheduled"),
    ready: "d.integration_id IN (SELECT id FROM integrations WHERE enabled = 1)",
    attempts_table: "sync_attempts",
    owner: "job_id",
};

/// One rule of one integration, as the integration's page shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RuleState {
    pub rule: SyncRule,
    pub label: String,
    pub enabled: bool,
}

impl Switchboard {
    /// The rules the integration's provider offers, and which are on.
    pub fn sync_rules(&self, actor: &Actor, integration: &str) -> Result<Vec<RuleState>> {
        self.authorize(actor, Operation::IntegrationView, Some(integration))?;
        let i = self.integration(integration)?;
        self.db().read(|c| {
            let mut out = Vec::new();
            for rule in SyncRule::ALL
                .into_iter()
                .filter(|r| r.provider() == i.provider)
            {
                let enabled: bool = c
                    .query_row(
                        "SELECT enabled FROM sync_rules WHERE integration_id = ?1 AND rule = ?2",
                        params![i.id, rule.as_str()],
                        |r| r.get(0),
                    )
                    .optional()?
                    .unwrap_or(false);
                out.push(RuleState {
                    rule,
                    label: rule.label().to_owned(),
                    enabled,
                });
            }
            Ok(out)
        })
    }

    /// Turns a rule on or off for an integration of the rule's provider. Audited.
    pub fn set_sync_rule(
        &self,
        actor: &Actor,
        integration: &str,
        rule: SyncRule,
        enabled: bool,
    ) -> Result<()> {
        self.authorize(actor, Operation::SyncRuleSet, Some(integration))?;
        let i = self.integration(integration)?;
        if rule.provider() != i.provider {
            return Err(Error::validation(
                "rule",
                format!(
                    "{} is a {} rule; {} is a {} integration.",
                    rule.label(),
                    rule.provider().as_str(),
                    i.name,
                    i.provider.as_str()
                ),
            ));
        }
        let now = time::now_ms();
        self.db().write(|tx| {
            let before: Option<bool> = tx
                .query_row(
                    "SELECT enabled FROM sync_rules WHERE integration_id = ?1 AND rule = ?2",
                    params![i.id, rule.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            tx.execute(
                "INSERT INTO sync_rules (integration_id, rule, enabled, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (integration_id, rule)
                 DO UPDATE SET enabled = ?3, updated_at = ?4, updated_by = ?5",
                params![i.id, rule.as_str(), enabled, now, actor.name()],
            )?;
            if rule == SyncRule::PaymentsIn {
                if enabled {
                    square_poll_due(tx, &i.id, now)?;
                } else {
                    cancel_open(
                        tx,
                        &i.id,
                        &[JobKind::SquarePoll],
                        None,
                        "The rule was turned off.",
                        now,
                    )?;
                }
            }
            let on = |b: bool| if b { "on" } else { "off" };
            audit::append(
                tx,
                &Record {
                    actor,
                    action: Operation::SyncRuleSet.action(),
                    object_type: Operation::SyncRuleSet.object_kind(),
                    object_id: Some(&i.id),
                    object_label: Some(&i.name),
                    changes: vec![FieldChange::value(
                        &format!("sync.{}", rule.as_str()),
                        before.map(on),
                        Some(on(enabled)),
                    )],
                    outcome: AuditResult::Ok,
                    detail: None,
                },
            )
        })?;
        self.wake_sync();
        Ok(())
    }
}

/// The rules that are on, for enabled integrations, with what planning needs of their settings.
fn active_rules(tx: &Transaction<'_>) -> Result<Vec<ActiveRule>> {
    let mut stmt = tx.prepare_cached(
        "SELECT r.integration_id, r.rule, i.settings FROM sync_rules r
         JOIN integrations i ON i.id = r.integration_id
         WHERE r.enabled = 1 AND i.enabled = 1",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            crate::store::named(r, 1, SyncRule::parse)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (integration_id, rule, settings) = row?;
        let settings: serde_json::Value = serde_json::from_str(&settings).unwrap_or_default();
        let get = |k: &str| {
            settings
                .get(k)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let mut active = ActiveRule::new(integration_id, rule, clinic_time_zone(get("time_zone")));
        if let Some(hours) = get("reminder_hours").and_then(|v| v.parse().ok()) {
            active.reminder_hours = hours;
        }
        if let (Some(start), Some(end)) = (get("quiet_start"), get("quiet_end")) {
            if let Ok(q) = QuietHours::parse("quiet_start", start, "quiet_end", end) {
                active.quiet = q;
            }
        }
        out.push(active);
    }
    Ok(out)
}

/// The clinic's time zone: the setting when it names one, else this computer's.
pub(crate) fn clinic_time_zone(name: Option<&str>) -> jiff::tz::TimeZone {
    name.and_then(|n| switchboard_domain::sms::time_zone("time_zone", n).ok())
        .unwrap_or_else(jiff::tz::TimeZone::system)
}

/// Makes the jobs an event causes, inside the transaction that stores the event: an event and
/// all its work commit together or not at all. Returns how many jobs were made.
pub(crate) fn plan_event(
    tx: &Transaction<'_>,
    seq: i64,
    event_id: &str,
    event_type: &str,
    body: &[u8],
    now: i64,
) -> Result<u32> {
    if !sync_plan::is_planned(event_type) {
        return Ok(0);
    }
    let rules = active_rules(tx)?;
    if rules.is_empty() {
        return Ok(0);
    }
    let envelope: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Error::Internal(format!("stored event is not JSON: {e}")))?;
    let data = envelope.get("data").cloned().unwrap_or_default();
    let mut made = 0;
    for step in sync_plan::plan(&rules, event_type, &data, now) {
        match step {
            Step::Create {
                integration_id,
                kind,
                subject,
                subject_key,
                due_at,
            } => {
                let held = match kind.rule() {
                    SyncRule::Invoices => held_until(tx, &integration_id, now)?,
                    _ => None,
                };
                let (status, next) = match (held, due_at) {
                    (Some(until), _) => (JobStatus::Scheduled, until),
                    (None, Some(at)) if at > now => (JobStatus::Scheduled, Some(at)),
                    _ => (JobStatus::Pending, Some(now)),
                };
                tx.prepare_cached(
                    "INSERT INTO sync_jobs (integration_id, kind, event_seq, event_id, subject,
                         subject_key, status, next_attempt_at, due_at, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                )?
                .execute(params![
                    integration_id,
                    kind.as_str(),
                    seq,
                    event_id,
                    subject,
                    subject_key,
                    status.as_str(),
                    next,
                    due_at,
                    now
                ])?;
                made += 1;
            }
            Step::Cancel {
                integration_id,
                kinds,
                subject_key,
                reason,
            } => {
                cancel_open(
                    tx,
                    &integration_id,
                    &kinds,
                    Some(&subject_key),
                    &reason,
                    now,
                )?;
            }
        }
    }
    Ok(made)
}

/// When a QuickBooks job waits for its schedule: the next daily run (`daily_at`, local time),
/// "never" (`Some(None)`, only "Sync now") for manual, or `None` for real time.
fn held_until(tx: &Transaction<'_>, integration_id: &str, now: i64) -> Result<Option<Option<i64>>> {
    let settings: String = tx
        .prepare_cached("SELECT settings FROM integrations WHERE id = ?1")?
        .query_row([integration_id], |r| r.get(0))?;
    let settings: serde_json::Value = serde_json::from_str(&settings).unwrap_or_default();
    let get = |k: &str| settings.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let schedule = match get("sync_schedule") {
        "" => SyncSchedule::RealTime,
        s => SyncSchedule::parse(s).map_err(|e| Error::validation(e.field, e.message))?,
    };
    Ok(match schedule {
        SyncSchedule::RealTime => None,
        SyncSchedule::Manual => Some(None),
        SyncSchedule::Daily => Some(Some(next_daily(get("daily_at"), now))),
    })
}

/// The next `HH:MM` (local time) after `now`; 18:00 when unset or unreadable.
fn next_daily(at: &str, now: i64) -> i64 {
    let (h, m) = at
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<i8>().ok()?, m.parse::<i8>().ok()?)))
        .filter(|(h, m)| (0..24).contains(h) && (0..60).contains(m))
        .unwrap_or((18, 0));
    let Ok(now_ts) = jiff::Timestamp::from_millisecond(now) else {
        return now;
    };
    let local = now_ts.to_zoned(jiff::tz::TimeZone::system());
    let today = local
        .date()
        .at(h, m, 0, 0)
        .to_zoned(local.time_zone().clone());
    let next = match today {
        Ok(t) if t.timestamp() > now_ts => Ok(t),
        Ok(t) => t.tomorrow(),
        Err(e) => Err(e),
    };
    next.map(|t| t.timestamp().as_millisecond())
        .unwrap_or(now + 24 * 3_600_000)
}

/// Makes the integration's Square poll due now ("Sync now", the rule turned on): the open poll
/// job if there is one, else a new one. Returns 1.
pub(crate) fn square_poll_due(
    tx: &Transaction<'_>,
    integration_id: &str,
    now: i64,
) -> Result<usize> {
    let moved = tx.execute(
        &format!(
            "UPDATE sync_jobs SET next_attempt_at = ?2, updated_at = ?2
             WHERE integration_id = ?1 AND kind = '{poll}' AND status IN ({open})
               AND (status = '{scheduled}' OR next_attempt_at <= ?2)",
            poll = JobKind::SquarePoll.as_str(),
            open = QUEUE.open,
            scheduled = JobStatus::Scheduled.as_str(),
        ),
        params![integration_id, now],
    )?;
    let open: bool = tx.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM sync_jobs WHERE integration_id = ?1 AND kind = '{}' AND status IN ({}))",
            JobKind::SquarePoll.as_str(),
            QUEUE.open
        ),
        [integration_id],
        |r| r.get(0),
    )?;
    if moved == 0 && !open {
        tx.execute(
            "INSERT INTO sync_jobs (integration_id, kind, subject, status, next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, 'Square payments and refunds', ?3, ?4, ?4, ?4)",
            params![integration_id, JobKind::SquarePoll.as_str(), JobStatus::Pending.as_str(), now],
        )?;
    }
    Ok(1)
}

/// Cancels the open jobs of these kinds for one clinic object. A job being performed right now
/// is cancelled too: recording its attempt will not reopen it, unless the attempt did the work
/// (see the worker's record).
fn cancel_open(
    tx: &Transaction<'_>,
    integration_id: &str,
    kinds: &[JobKind],
    subject_key: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<usize> {
    let kinds = kinds
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(tx.execute(
        &format!(
            "UPDATE sync_jobs SET status = '{cancelled}', reason = ?3, next_attempt_at = NULL,
                 updated_at = ?4
             WHERE integration_id = ?1 AND subject_key IS ?2 AND kind IN ({kinds})
               AND status IN ({open})",
            cancelled = JobStatus::Cancelled.as_str(),
            open = QUEUE.open,
        ),
        params![integration_id, subject_key, reason, now],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_names_the_domains_open_states() {
        assert_eq!(QUEUE.open, JobStatus::sql_list(&JobStatus::OPEN));
        assert_eq!(QUEUE.pending, JobStatus::Pending.as_str());
        assert_eq!(QUEUE.scheduled, Some(JobStatus::Scheduled.as_str()));
    }
}

/// A number that replied STOP, as the opt-out list shows it (masked to its last four digits).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OptOut {
    /// Names the entry for "Clear" without showing the whole number.
    pub id: String,
    pub phone: String,
    pub since: String,
    /// `twilio:21610` (the owner replied STOP), or the user who added it.
    pub source: String,
}

impl Switchboard {
    /// Numbers never texted until a manager clears them, newest first.
    pub fn sms_opt_outs(&self, actor: &Actor) -> Result<Vec<OptOut>> {
        self.authorize(actor, Operation::OptOutView, None)?;
        self.db().read(|c| {
            let mut stmt = c.prepare(
                "SELECT rowid, phone, since, source FROM sms_opt_outs ORDER BY since DESC",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(OptOut {
                        id: r.get::<_, i64>(0)?.to_string(),
                        phone: switchboard_domain::phone::mask(&r.get::<_, String>(1)?),
                        since: time::to_rfc3339(r.get(2)?),
                        source: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    /// Adds a number by hand (the owner asked at the desk). Audited, masked.
    pub fn add_sms_opt_out(&self, actor: &Actor, phone: &str) -> Result<()> {
        self.authorize(actor, Operation::OptOutChange, None)?;
        let phone = switchboard_domain::phone::e164("phone", phone)
            .map_err(|e| Error::validation(e.field, e.message))?;
        let now = time::now_ms();
        self.db().write(|tx| {
            let added = tx.execute(
                "INSERT INTO sms_opt_outs (phone, since, source) VALUES (?1, ?2, ?3)
                 ON CONFLICT (phone) DO NOTHING",
                params![phone, now, actor.name()],
            )?;
            if added == 0 {
                return Err(Error::Conflict(
                    "That number is already on the opt-out list.".into(),
                ));
            }
            opt_out_audit(tx, actor, &phone, true)
        })
    }

    /// Clears a number so it may be texted again (it replied START, or was added by mistake).
    pub fn clear_sms_opt_out(&self, actor: &Actor, id: &str) -> Result<()> {
        self.authorize(actor, Operation::OptOutChange, Some(id))?;
        let rowid: i64 = id
            .trim()
            .parse()
            .map_err(|_| Error::validation("id", "Not an opt-out entry."))?;
        self.db().write(|tx| {
            let phone: Option<String> = tx
                .query_row(
                    "SELECT phone FROM sms_opt_outs WHERE rowid = ?1",
                    [rowid],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(phone) = phone else {
                return Err(Error::NotFound(format!("Opt-out entry {id}")));
            };
            tx.execute("DELETE FROM sms_opt_outs WHERE rowid = ?1", [rowid])?;
            opt_out_audit(tx, actor, &phone, false)
        })
    }
}

fn opt_out_audit(tx: &Transaction<'_>, actor: &Actor, phone: &str, added: bool) -> Result<()> {
    let masked = switchboard_domain::phone::mask(phone);
    let (before, after) = if added {
        ("false", "true")
    } else {
        ("true", "false")
    };
    audit::append(
        tx,
        &Record {
            actor,
            action: Operation::OptOutChange.action(),
            object_type: Operation::OptOutChange.object_kind(),
            object_id: Some(&masked),
            object_label: Some(&masked),
            changes: vec![FieldChange::value("opted_out", Some(before), Some(after))],
            outcome: AuditResult::Ok,
            detail: None,
        },
    )?;
    Ok(())
}

/// The QuickBooks company's own Items, Accounts and PaymentMethods, for the rule settings'
/// dropdowns (read live).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QuickbooksChoices {
    pub items: Vec<crate::providers::quickbooks_api::QbChoice>,
    pub accounts: Vec<crate::providers::quickbooks_api::QbChoice>,
    pub payment_methods: Vec<crate::providers::quickbooks_api::QbChoice>,
}

/// A text as it would be sent, with what it costs.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SmsPreview {
    pub text: String,
    pub encoding: String,
    pub characters: u32,
    pub segments: u32,
    /// Problems with the template (an unknown placeholder), naming the field.
    pub issues: Vec<crate::providers::validate::FieldIssue>,
}

impl Switchboard {
    /// Reads the company's Items, Accounts and PaymentMethods from QuickBooks now.
    pub async fn quickbooks_choices(
        self: &std::sync::Arc<Self>,
        actor: &Actor,
        integration: &str,
    ) -> Result<QuickbooksChoices> {
        {
            let (actor, key) = (actor.clone(), integration.to_owned());
            self.blocking(move |sb| sb.authorize(&actor, Operation::IntegrationUpdate, Some(&key)))
                .await?;
        }
        let key = integration.to_owned();
        let i = self.blocking(move |sb| sb.integration(&key)).await?;
        if i.provider != crate::providers::Provider::Quickbooks {
            return Err(Error::validation(
                "integration",
                format!("{} is not a QuickBooks integration.", i.name),
            ));
        }
        perform::quickbooks_choices(self, &i).await
    }

    /// Renders a text template with a sample appointment (for the live preview) and counts its
    /// segments. No permission beyond a session: it reads nothing stored but the clinic's name.
    pub fn preview_sms(&self, field: &str, template: &str) -> Result<SmsPreview> {
        use switchboard_domain::sms::{count_segments, Template, Values};
        let clinic = self
            .settings()?
            .clinic_name
            .unwrap_or_else(|| "Your clinic".into());
        let start = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap_or_else(|_| jiff::Timestamp::now())
            .to_zoned(jiff::tz::TimeZone::system());
        let values = Values {
            clinic_name: &clinic,
            pet_name: Some("Rex"),
            owner_name: Some("Jane Doe"),
            vet_name: Some("Dr. Ortiz"),
            start: &start,
        };
        let (text, issues) = match Template::parse(field, template) {
            Ok(t) => (
                t.render(&values).unwrap_or_default(),
                Template::warnings(field, template),
            ),
            Err(issue) => (template.to_owned(), vec![issue]),
        };
        let count = count_segments(&text);
        Ok(SmsPreview {
            encoding: count.encoding.as_str().to_owned(),
            characters: count.characters,
            segments: count.segments,
            text,
            issues,
        })
    }
}
