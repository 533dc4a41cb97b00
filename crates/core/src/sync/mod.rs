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

use switchboard_domain::job::{JobKind, SyncRule};

use crate::actor::{Actor, Operation};
use crate::audit::{self, AuditResult, FieldChange, Record};
use crate::error::{Error, Result};
use crate::jobs::{cancel_open, square_poll_due};
use crate::{time, Switchboard};

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
