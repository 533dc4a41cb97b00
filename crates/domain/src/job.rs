//! A sync job's life, as an enum and its transitions: the same schedule and the same rules of
//! engagement as a webhook delivery ([`crate::delivery`]), plus what only provider work has —
//! jobs that wait for a due time (reminders), jobs skipped with a reason (no consent, an
//! opted-out number), jobs cancelled by a later event, and answers that say "slow down"
//! (rate limits) rather than "failed".
//!
//! Stored by name in `sync_jobs.status`. `Running` is never stored: like a delivery, a claimed job
//! keeps its state and its `next_attempt_at` moves to the end of the claim's lease, so a crash
//! loses nothing; views derive "running" from an open job whose lease is in force.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::retry;
use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Due now (or as soon as the rate limit allows).
    Pending,
    /// Due at a set time (a reminder); becomes pending when claimed.
    Scheduled,
    /// Claimed by the engine and being performed (derived, never stored).
    Running,
    Succeeded,
    /// Failed; tried again at `next_attempt_at`.
    Retrying,
    /// Failed for good, or the schedule is used up; red until acknowledged.
    Dead,
    /// Not done, on purpose, with the reason (no consent, opted out, not a mobile number).
    Skipped,
    /// Made unnecessary by a later event (a cancelled appointment's reminder).
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 8] = [
        JobStatus::Pending,
        JobStatus::Scheduled,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Retrying,
        JobStatus::Dead,
        JobStatus::Skipped,
        JobStatus::Cancelled,
    ];
    /// States the engine claims from when due.
    pub const OPEN: [JobStatus; 3] = [
        JobStatus::Pending,
        JobStatus::Scheduled,
        JobStatus::Retrying,
    ];
    /// States that are stored (everything but `Running`).
    pub const STORED: [JobStatus; 7] = [
        JobStatus::Pending,
        JobStatus::Scheduled,
        JobStatus::Succeeded,
        JobStatus::Retrying,
        JobStatus::Dead,
        JobStatus::Skipped,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Scheduled => "scheduled",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Retrying => "retrying",
            JobStatus::Dead => "dead",
            JobStatus::Skipped => "skipped",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// A stored or typed name; an unknown one is an error, never a default.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "status",
                    format!(
                        "{s:?} is not a sync job status ({}).",
                        Self::ALL.map(JobStatus::as_str).join(", ")
                    ),
                )
            })
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self) || self == JobStatus::Running
    }

    /// Words for the log and the card.
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Pending => "Waiting",
            JobStatus::Scheduled => "Scheduled",
            JobStatus::Running => "Running",
            JobStatus::Succeeded => "Synced",
            JobStatus::Retrying => "Retrying",
            JobStatus::Dead => "Failed",
            JobStatus::Skipped => "Skipped",
            JobStatus::Cancelled => "Cancelled",
        }
    }

    /// `'pending', 'scheduled'`: a SQL `IN (…)` list built from the enum.
    pub fn sql_list(states: &[JobStatus]) -> String {
        states
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sync rules an integration can turn on (design.md's Sync table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncRule {
    /// Twilio: confirmation, reminder and cancellation texts from appointment events.
    AppointmentTexts,
    /// QuickBooks: invoices (with their customer) and payments.
    Invoices,
    /// Square: card payments (and refunds) brought in as events.
    PaymentsIn,
}

impl SyncRule {
    pub const ALL: [SyncRule; 3] = [
        SyncRule::AppointmentTexts,
        SyncRule::Invoices,
        SyncRule::PaymentsIn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncRule::AppointmentTexts => "appointment_texts",
            SyncRule::Invoices => "invoices",
            SyncRule::PaymentsIn => "payments_in",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "rule",
                    format!(
                        "{s:?} is not a sync rule ({}).",
                        Self::ALL.map(SyncRule::as_str).join(", ")
                    ),
                )
            })
    }

    pub fn label(self) -> &'static str {
        match self {
            SyncRule::AppointmentTexts => "Appointment texts",
            SyncRule::Invoices => "Invoices and payments",
            SyncRule::PaymentsIn => "Card payments in",
        }
    }

    /// What it does, in a sentence (the integration's Sync panel).
    pub fn description(self) -> &'static str {
        match self {
            SyncRule::AppointmentTexts => {
                "Texts the owner a confirmation when an appointment is booked, a reminder before \
                 it and a notice if it is cancelled — never in quiet hours, never without consent, \
                 never to a number that replied STOP."
            }
            SyncRule::Invoices => {
                "Puts each invoice into QuickBooks (with the owner as a customer) and records \
                 payments against it, including Square card payments that name the invoice."
            }
            SyncRule::PaymentsIn => {
                "Reads the location's card payments and refunds every few minutes and sends each \
                 on as an event, to webhooks and to QuickBooks."
            }
        }
    }

    /// The integration settings (catalogue fields) that belong to this rule: the form shows
    /// them under the rule, not with the connection's fields.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            SyncRule::AppointmentTexts => &[
                "confirmation_template",
                "reminder_template",
                "cancellation_template",
                "reminder_hours",
                "quiet_start",
                "quiet_end",
                "time_zone",
            ],
            SyncRule::Invoices => &[
                "sync_schedule",
                "daily_at",
                "item_service",
                "item_product",
                "item_fee",
                "payment_method_card",
                "payment_method_cash",
                "payment_method_check",
                "payment_method_other",
                "deposit_account",
            ],
            SyncRule::PaymentsIn => &["poll_minutes"],
        }
    }

    /// The provider whose integrations run this rule.
    pub fn provider(self) -> crate::catalog::Provider {
        match self {
            SyncRule::AppointmentTexts => crate::catalog::Provider::Twilio,
            SyncRule::Invoices => crate::catalog::Provider::Quickbooks,
            SyncRule::PaymentsIn => crate::catalog::Provider::Square,
        }
    }
}

/// What a job does at its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Text the owner that the appointment is booked.
    TextConfirmation,
    /// Text the owner N hours before the appointment (scheduled).
    TextReminder,
    /// Text the owner that the appointment is cancelled.
    TextCancellation,
    /// The owner as a QuickBooks Customer, then the Invoice.
    QboInvoice,
    /// A Payment linked to the QuickBooks Invoice.
    QboPayment,
    /// Read new Square payments and refunds and emit them as events.
    SquarePoll,
}

impl JobKind {
    pub const ALL: [JobKind; 6] = [
        JobKind::TextConfirmation,
        JobKind::TextReminder,
        JobKind::TextCancellation,
        JobKind::QboInvoice,
        JobKind::QboPayment,
        JobKind::SquarePoll,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::TextConfirmation => "text_confirmation",
            JobKind::TextReminder => "text_reminder",
            JobKind::TextCancellation => "text_cancellation",
            JobKind::QboInvoice => "qbo_invoice",
            JobKind::QboPayment => "qbo_payment",
            JobKind::SquarePoll => "square_poll",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new("kind", format!("{s:?} is not a sync job kind.")))
    }

    pub fn label(self) -> &'static str {
        match self {
            JobKind::TextConfirmation => "Confirmation text",
            JobKind::TextReminder => "Reminder text",
            JobKind::TextCancellation => "Cancellation text",
            JobKind::QboInvoice => "Invoice",
            JobKind::QboPayment => "Payment",
            JobKind::SquarePoll => "Square payments",
        }
    }

    pub fn rule(self) -> SyncRule {
        match self {
            JobKind::TextConfirmation | JobKind::TextReminder | JobKind::TextCancellation => {
                SyncRule::AppointmentTexts
            }
            JobKind::QboInvoice | JobKind::QboPayment => SyncRule::Invoices,
            JobKind::SquarePoll => SyncRule::PaymentsIn,
        }
    }
}

/// What one attempt at a job found out, in the engine's terms (a provider client's answer,
/// classified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done; the provider object it made or found (`Invoice 145`, `SM…`), if any.
    Done { provider_object: Option<String> },
    /// Done, but the provider is still working on it: look again after this long (a text whose
    /// delivery is not final yet).
    Poll { after: Duration },
    /// Not yet, on purpose: wait this long without using up the schedule (quiet hours).
    Defer { after: Duration, reason: String },
    /// Not done on purpose (no consent, opted out, not a mobile number).
    Skip { reason: String },
    /// Failed for a reason a retry may cure (network, 5xx, an expired access token).
    Retry { retry_after: Option<Duration> },
    /// The provider says "too many requests": wait, without using up the schedule.
    RateLimited { after: Duration },
    /// Failed for a reason no retry cures (a duplicate DocNumber, a field the event lacks).
    Permanent { reason: String },
}

/// Where an attempt leaves its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobTransition {
    Succeeded,
    Skipped,
    /// Look again at this time; the attempt series starts over (the job did what it had to).
    Poll {
        at_ms: i64,
    },
    /// Failed; try again at this time. `counts` is false for a rate limit, which does not use
    /// up the schedule.
    Retry {
        at_ms: i64,
        counts: bool,
    },
    /// Failed for good, or the schedule is used up.
    Dead,
}

impl JobTransition {
    pub fn status(self) -> JobStatus {
        match self {
            JobTransition::Succeeded => JobStatus::Succeeded,
            JobTransition::Skipped => JobStatus::Skipped,
            // Waits for its time like a reminder: a future time on a pending job means a lease.
            JobTransition::Poll { .. } => JobStatus::Scheduled,
            JobTransition::Retry { .. } => JobStatus::Retrying,
            JobTransition::Dead => JobStatus::Dead,
        }
    }

    pub fn next_attempt_at(self) -> Option<i64> {
        match self {
            JobTransition::Poll { at_ms } | JobTransition::Retry { at_ms, .. } => Some(at_ms),
            _ => None,
        }
    }

    /// The attempt count of the job's current series after this attempt.
    pub fn attempts_after(self, attempts: u32) -> u32 {
        match self {
            JobTransition::Poll { .. } => 0,
            JobTransition::Retry { counts: false, .. } => attempts.saturating_sub(1),
            _ => attempts,
        }
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}

/// The job state machine. `attempts` counts this attempt; the schedule and its jitter are the
/// webhook deliveries' ([`retry`]).
pub fn after_attempt(
    job_id: i64,
    attempts: u32,
    at_ms: i64,
    outcome: &JobOutcome,
) -> JobTransition {
    match outcome {
        JobOutcome::Done { .. } => JobTransition::Succeeded,
        JobOutcome::Skip { .. } => JobTransition::Skipped,
        JobOutcome::Poll { after } | JobOutcome::Defer { after, .. } => JobTransition::Poll {
            at_ms: at_ms.saturating_add(ms(*after)),
        },
        JobOutcome::RateLimited { after } => JobTransition::Retry {
            at_ms: at_ms.saturating_add(ms((*after).min(retry::MAX_RETRY_AFTER))),
            counts: false,
        },
        JobOutcome::Permanent { .. } => JobTransition::Dead,
        JobOutcome::Retry { retry_after } => {
            let jitter = retry::jitter_for(job_id, attempts);
            match retry::next_delay(attempts, *retry_after, jitter) {
                Some(delay) => JobTransition::Retry {
                    at_ms: at_ms.saturating_add(ms(delay)),
                    counts: true,
                },
                None => JobTransition::Dead,
            }
        }
    }
}

/// How a job is triggered by its rule's schedule setting (QuickBooks: real time, daily, manual).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncSchedule {
    RealTime,
    Daily,
    Manual,
}

impl SyncSchedule {
    pub const ALL: [SyncSchedule; 3] = [
        SyncSchedule::RealTime,
        SyncSchedule::Daily,
        SyncSchedule::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncSchedule::RealTime => "real_time",
            SyncSchedule::Daily => "daily",
            SyncSchedule::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "schedule",
                    format!("{s:?} is not a schedule (real_time, daily, manual)."),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Ok(s));
        }
        assert_eq!(JobStatus::parse("paused").unwrap_err().field, "status");
        for r in SyncRule::ALL {
            assert_eq!(SyncRule::parse(r.as_str()), Ok(r));
        }
        assert!(SyncRule::parse("invoice").is_err());
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Ok(k));
        }
        assert!(!JobStatus::STORED.contains(&JobStatus::Running));
        // Every rule field is a field of the rule's provider.
        for r in SyncRule::ALL {
            let spec = crate::catalog::spec(r.provider());
            for f in r.fields() {
                assert!(
                    spec.fields.iter().any(|s| s.name == *f),
                    "{f} is not a {:?} field",
                    r.provider()
                );
            }
        }
        assert_eq!(
            JobStatus::sql_list(&JobStatus::OPEN),
            "'pending', 'scheduled', 'retrying'"
        );
    }

    #[test]
    fn transitions() {
        let done = JobOutcome::Done {
            provider_object: Some("Invoice 145".into()),
        };
        assert_eq!(after_attempt(1, 1, 0, &done), JobTransition::Succeeded);
        let skip = JobOutcome::Skip {
            reason: "no consent".into(),
        };
        assert_eq!(after_attempt(1, 1, 0, &skip).status(), JobStatus::Skipped);
        let perm = JobOutcome::Permanent {
            reason: "6140".into(),
        };
        assert_eq!(after_attempt(1, 1, 0, &perm), JobTransition::Dead);

        let t = after_attempt(7, 1, 1_000, &JobOutcome::Retry { retry_after: None });
        assert_eq!(t.status(), JobStatus::Retrying);
        let at = t.next_attempt_at().unwrap();
        assert!((1_000 + 4_000..=1_000 + 6_000).contains(&at), "{at}");
        assert_eq!(t.attempts_after(1), 1);
        assert_eq!(
            after_attempt(7, 8, 1_000, &JobOutcome::Retry { retry_after: None }),
            JobTransition::Dead,
            "dead once the schedule is used up"
        );

        // A rate limit waits as told and does not use up the schedule.
        let t = after_attempt(
            7,
            8,
            1_000,
            &JobOutcome::RateLimited {
                after: Duration::from_secs(60),
            },
        );
        assert_eq!(
            t,
            JobTransition::Retry {
                at_ms: 61_000,
                counts: false
            }
        );
        assert_eq!(t.attempts_after(8), 7);

        // A poll starts a new series at the given time; the job waits like a scheduled one.
        let t = after_attempt(
            7,
            3,
            1_000,
            &JobOutcome::Poll {
                after: Duration::from_secs(30),
            },
        );
        assert_eq!(t.status(), JobStatus::Scheduled);
        assert_eq!(t.next_attempt_at(), Some(31_000));
        assert_eq!(t.attempts_after(3), 0);
    }
}
