//! Which jobs an event makes: design.md's Sync table as a pure function. Core stores an event,
//! its deliveries and what [`plan`] says in one transaction.
//!
//! Planning reads only what it needs to *schedule* and *name* a job (ids, times, names); it
//! never refuses an event. A job whose event lacks a field its rule needs is still made, and
//! fails when performed with the reason — while the event reaches webhooks regardless.

use serde_json::Value;

use crate::job::{JobKind, SyncRule};
use crate::sms::QuietHours;
pub use crate::sms::DEFAULT_REMINDER_HOURS;

/// A rule an integration runs, with what planning needs of its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveRule {
    pub integration_id: String,
    pub rule: SyncRule,
    pub reminder_hours: u32,
    /// The clinic's time zone and quiet hours (appointment texts): a reminder is never due in
    /// quiet hours.
    pub time_zone: jiff::tz::TimeZone,
    pub quiet: QuietHours,
}

impl ActiveRule {
    /// A rule with the catalogue's defaults (24 h, 21:00–08:00) in `time_zone`.
    pub fn new(
        integration_id: impl Into<String>,
        rule: SyncRule,
        time_zone: jiff::tz::TimeZone,
    ) -> Self {
        ActiveRule {
            integration_id: integration_id.into(),
            rule,
            reminder_hours: DEFAULT_REMINDER_HOURS,
            time_zone,
            quiet: QuietHours::default(),
        }
    }
}

/// What to do with the queue for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Make a job. `due_at` (unix ms) makes it scheduled; `None` means due now.
    Create {
        integration_id: String,
        kind: JobKind,
        subject: String,
        subject_key: Option<String>,
        due_at: Option<i64>,
    },
    /// Cancel the open jobs of these kinds for this clinic object, with the reason.
    Cancel {
        integration_id: String,
        kinds: Vec<JobKind>,
        subject_key: String,
        reason: String,
    },
}

fn text<'a>(data: &'a Value, field: &str) -> Option<&'a str> {
    data.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn id_of(data: &Value, field: &str) -> Option<String> {
    match data.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn appointment_subject(data: &Value) -> String {
    let mut parts = vec![match id_of(data, "id") {
        Some(id) => format!("Appointment {id}"),
        None => "Appointment (no id)".to_owned(),
    }];
    if let Some(pet) = text(data, "pet_name") {
        parts.push(pet.to_owned());
    }
    if let Some(phone) = text(data, "owner_phone") {
        parts.push(crate::phone::mask(phone));
    }
    parts.join(" · ")
}

fn invoice_subject(data: &Value) -> String {
    let mut parts = vec![match text(data, "number")
        .map(str::to_owned)
        .or_else(|| id_of(data, "id"))
    {
        Some(n) => format!("Invoice {n}"),
        None => "Invoice (no id)".to_owned(),
    }];
    if let Some(owner) = text(data, "owner_name") {
        parts.push(owner.to_owned());
    }
    if let (Some(total), Some(cur)) = (text(data, "total"), text(data, "currency")) {
        parts.push(format!("{total} {cur}"));
    }
    parts.join(" · ")
}

fn payment_subject(invoice: &str, data: &Value) -> String {
    let mut s = format!("Payment for invoice {invoice}");
    if let Some(amount) = text(data, "amount") {
        s.push_str(" · ");
        s.push_str(amount);
        if let Some(cur) = text(data, "currency") {
            s.push(' ');
            s.push_str(cur);
        }
    }
    s
}

/// When the reminder is due (see [`crate::sms::reminder_due`]): `Ok(None)` when it would be in
/// the past, `Err(())` when `start_at` is missing or unreadable.
fn reminder_due(r: &ActiveRule, data: &Value, now_ms: i64) -> Result<Option<i64>, ()> {
    let start: jiff::Timestamp = text(data, "start_at").ok_or(())?.parse().map_err(|_| ())?;
    let now = jiff::Timestamp::from_millisecond(now_ms).map_err(|_| ())?;
    Ok(
        crate::sms::reminder_due(start, r.reminder_hours, now, &r.time_zone, &r.quiet)
            .map(|t| t.as_millisecond()),
    )
}

/// The steps for one event and the rules that are on. `now_ms` decides whether a reminder is
/// still worth scheduling (one due in the past is not made).
pub fn plan(rules: &[ActiveRule], event_type: &str, data: &Value, now_ms: i64) -> Vec<Step> {
    let mut steps = Vec::new();
    for r in rules {
        let id = || r.integration_id.clone();
        match (r.rule, event_type) {
            (SyncRule::AppointmentTexts, "appointment.created") => {
                let key = id_of(data, "id");
                steps.push(Step::Create {
                    integration_id: id(),
                    kind: JobKind::TextConfirmation,
                    subject: appointment_subject(data),
                    subject_key: key.clone(),
                    due_at: None,
                });
                push_reminder(&mut steps, r, data, key, now_ms);
            }
            (SyncRule::AppointmentTexts, "appointment.updated") => {
                // The reminder moves: the old one is cancelled and a new one made for the new time.
                if let Some(key) = id_of(data, "id") {
                    steps.push(Step::Cancel {
                        integration_id: id(),
                        kinds: vec![JobKind::TextReminder],
                        subject_key: key.clone(),
                        reason: "The appointment was changed; the reminder moved with it.".into(),
                    });
                    push_reminder(&mut steps, r, data, Some(key), now_ms);
                }
            }
            (SyncRule::AppointmentTexts, "appointment.cancelled") => {
                let key = id_of(data, "id");
                if let Some(key) = &key {
                    steps.push(Step::Cancel {
                        integration_id: id(),
                        kinds: vec![JobKind::TextReminder, JobKind::TextConfirmation],
                        subject_key: key.clone(),
                        reason: "The appointment was cancelled.".into(),
                    });
                }
                steps.push(Step::Create {
                    integration_id: id(),
                    kind: JobKind::TextCancellation,
                    subject: appointment_subject(data),
                    subject_key: key,
                    due_at: None,
                });
            }
            (SyncRule::AppointmentTexts, "appointment.completed") => {
                if let Some(key) = id_of(data, "id") {
                    steps.push(Step::Cancel {
                        integration_id: id(),
                        kinds: vec![JobKind::TextReminder],
                        subject_key: key,
                        reason: "The appointment already took place.".into(),
                    });
                }
            }
            (SyncRule::Invoices, "invoice.created") => steps.push(Step::Create {
                integration_id: id(),
                kind: JobKind::QboInvoice,
                subject: invoice_subject(data),
                subject_key: id_of(data, "id"),
                due_at: None,
            }),
            (SyncRule::Invoices, "invoice.paid") => {
                let invoice = id_of(data, "invoice_id");
                steps.push(Step::Create {
                    integration_id: id(),
                    kind: JobKind::QboPayment,
                    subject: payment_subject(invoice.as_deref().unwrap_or("(none)"), data),
                    subject_key: invoice,
                    due_at: None,
                });
            }
            (SyncRule::Invoices, "payment.completed") => {
                // A card payment (from Square, or the clinic) that names a clinic invoice.
                if let Some(invoice) = id_of(data, "invoice_id") {
                    steps.push(Step::Create {
                        integration_id: id(),
                        kind: JobKind::QboPayment,
                        subject: payment_subject(&invoice, data),
                        subject_key: Some(invoice),
                        due_at: None,
                    });
                }
            }
            _ => {}
        }
    }
    steps
}

fn push_reminder(
    steps: &mut Vec<Step>,
    r: &ActiveRule,
    data: &Value,
    key: Option<String>,
    now_ms: i64,
) {
    let due_at = match reminder_due(r, data, now_ms) {
        // Too late for a reminder: the appointment is sooner than the reminder window.
        Ok(None) => return,
        Ok(Some(at)) => Some(at),
        // Without a readable start time the job is due now and fails with the reason.
        Err(()) => None,
    };
    steps.push(Step::Create {
        integration_id: r.integration_id.clone(),
        kind: JobKind::TextReminder,
        subject: appointment_subject(data),
        subject_key: key,
        due_at,
    });
}

/// The event types any rule reads, so storing other events costs no rule look-up.
pub fn is_planned(event_type: &str) -> bool {
    matches!(
        event_type,
        "appointment.created"
            | "appointment.updated"
            | "appointment.cancelled"
            | "appointment.completed"
            | "invoice.created"
            | "invoice.paid"
            | "payment.completed"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts() -> ActiveRule {
        let mut r = ActiveRule::new("i1", SyncRule::AppointmentTexts, jiff::tz::TimeZone::UTC);
        // No quiet hours unless a test wants them.
        r.quiet = QuietHours {
            start: jiff::civil::time(0, 0, 0, 0),
            end: jiff::civil::time(0, 0, 0, 0),
        };
        r
    }

    const NOW: i64 = 1_780_000_000_000; // 2026-05-28

    #[test]
    fn an_appointment_makes_a_confirmation_and_a_scheduled_reminder() {
        let data = json!({"id": "apt_1", "start_at": "2026-06-10T09:30:00-04:00",
                          "pet_name": "Rex", "owner_phone": "+15551234567"});
        let steps = plan(&[texts()], "appointment.created", &data, NOW);
        assert_eq!(steps.len(), 2);
        let Step::Create {
            kind,
            subject,
            subject_key,
            due_at,
            ..
        } = &steps[0]
        else {
            panic!()
        };
        assert_eq!(*kind, JobKind::TextConfirmation);
        assert_eq!(subject, "Appointment apt_1 · Rex · …4567");
        assert_eq!(subject_key.as_deref(), Some("apt_1"));
        assert_eq!(*due_at, None);
        let Step::Create { kind, due_at, .. } = &steps[1] else {
            panic!()
        };
        assert_eq!(*kind, JobKind::TextReminder);
        let start: jiff::Timestamp = "2026-06-10T13:30:00Z".parse().unwrap();
        assert_eq!(*due_at, Some(start.as_millisecond() - 24 * 3_600_000));
    }

    #[test]
    fn a_reminder_never_falls_in_quiet_hours() {
        let mut r = texts();
        r.time_zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
        r.quiet = QuietHours::default();
        // 24 h before a 07:30 visit is 07:30 the day before, quiet until 08:00.
        let data = json!({"id": "apt_1", "start_at": "2026-06-10T07:30:00-04:00"});
        let steps = plan(&[r], "appointment.created", &data, NOW);
        let Step::Create { due_at, .. } = &steps[1] else {
            panic!()
        };
        let at: jiff::Timestamp = "2026-06-09T12:00:00Z".parse().unwrap();
        assert_eq!(*due_at, Some(at.as_millisecond()), "08:00 New York time");
    }

    #[test]
    fn no_reminder_for_an_appointment_inside_the_window() {
        let data = json!({"id": "apt_1", "start_at": "2026-05-28T20:00:00Z"});
        let steps = plan(&[texts()], "appointment.created", &data, NOW);
        assert_eq!(steps.len(), 1, "{steps:?}");
    }

    #[test]
    fn a_missing_start_time_still_makes_the_jobs_so_they_fail_with_the_reason() {
        let steps = plan(&[texts()], "appointment.created", &json!({"id": 7}), NOW);
        assert_eq!(steps.len(), 2);
        let Step::Create {
            due_at,
            subject_key,
            ..
        } = &steps[1]
        else {
            panic!()
        };
        assert_eq!((*due_at, subject_key.as_deref()), (None, Some("7")));
    }

    #[test]
    fn cancellation_cancels_the_reminder_and_sends_a_notice() {
        let steps = plan(
            &[texts()],
            "appointment.cancelled",
            &json!({"id": "apt_1"}),
            NOW,
        );
        assert!(matches!(&steps[0], Step::Cancel { kinds, subject_key, .. }
            if kinds.contains(&JobKind::TextReminder) && subject_key == "apt_1"));
        assert!(matches!(
            &steps[1],
            Step::Create {
                kind: JobKind::TextCancellation,
                ..
            }
        ));
    }

    #[test]
    fn an_update_moves_the_reminder() {
        let data = json!({"id": "apt_1", "start_at": "2026-06-11T09:30:00Z"});
        let steps = plan(&[texts()], "appointment.updated", &data, NOW);
        assert!(matches!(&steps[0], Step::Cancel { .. }));
        assert!(matches!(
            &steps[1],
            Step::Create {
                kind: JobKind::TextReminder,
                due_at: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn invoices_and_payments() {
        let qbo = ActiveRule::new("q", SyncRule::Invoices, jiff::tz::TimeZone::UTC);
        let steps = plan(
            &[qbo.clone()],
            "invoice.created",
            &json!({"id": "inv_9", "number": "VET-1042", "owner_name": "Jane Doe", "total": "150.00", "currency": "USD"}),
            NOW,
        );
        assert!(
            matches!(&steps[0], Step::Create { kind: JobKind::QboInvoice, subject, .. }
            if subject == "Invoice VET-1042 · Jane Doe · 150.00 USD")
        );
        let steps = plan(
            &[qbo.clone()],
            "payment.completed",
            &json!({"id": "p", "amount": "10.00"}),
            NOW,
        );
        assert!(
            steps.is_empty(),
            "a card payment naming no invoice has nothing to pay in QuickBooks"
        );
        let steps = plan(
            &[qbo],
            "payment.completed",
            &json!({"invoice_id": "inv_9", "amount": "10.00", "currency": "USD"}),
            NOW,
        );
        assert!(
            matches!(&steps[0], Step::Create { kind: JobKind::QboPayment, subject_key: Some(k), .. } if k == "inv_9")
        );
        // Rules that are off plan nothing; other event types plan nothing.
        assert!(plan(&[], "invoice.created", &json!({}), NOW).is_empty());
        assert!(plan(&[texts()], "invoice.created", &json!({}), NOW).is_empty());
    }

    #[test]
    fn planned_types_are_exactly_those_with_steps() {
        let rules = [
            texts(),
            ActiveRule::new("q", SyncRule::Invoices, jiff::tz::TimeZone::UTC),
            ActiveRule::new("s", SyncRule::PaymentsIn, jiff::tz::TimeZone::UTC),
        ];
        let data = json!({"id": "x", "invoice_id": "y", "start_at": "2030-01-01T00:00:00Z"});
        for t in crate::events::EVENT_TYPES {
            assert_eq!(
                is_planned(t),
                !plan(&rules, t, &data, NOW).is_empty(),
                "{t}"
            );
        }
    }
}
