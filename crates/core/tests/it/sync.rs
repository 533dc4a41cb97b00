//! The sync engine through core on a real SQLite file: an event and the jobs it causes commit
//! together; reminders wait for their time and move or cancel with the appointment; the claim,
//! lease, retry schedule, crash recovery and attempt log are the deliveries' (engine.rs); the log
//! filters, retries, skips and acknowledges; the status turns yellow and red. Jobs here are
//! performed by a stand-in that answers as each test says; the provider side is tested against
//! the fake providers in `sync_providers.rs`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::json;
use switchboard_core::integrations::IntegrationDraft;
use switchboard_core::providers::Provider;
use switchboard_core::status::Level;
use switchboard_core::sync::job::{JobKind, JobOutcome, JobStatus, SyncRule};
use switchboard_core::sync::log::JobFilter;
use switchboard_core::sync::worker::{Performed, Performer, SyncConfig, SyncWorker};
use switchboard_core::webhooks::EmitRequest;
use switchboard_core::{Actor, Role, Switchboard};

use crate::webhooks::{actor, open};

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn twilio(sb: &Switchboard) -> String {
    let draft = IntegrationDraft {
        provider: Provider::Twilio,
        name: "Texts".into(),
        environment: "live".into(),
        base_url: Some("http://127.0.0.1:9".into()),
        values: map(&[
            ("account_sid", "AC0123456789abcdef0123456789abcdef"),
            ("sender", "+15551234567"),
            // No quiet hours: these tests are about the engine, not the clock.
            ("quiet_start", "00:00"),
            ("quiet_end", "00:00"),
        ]),
        secrets: map(&[("auth_token", "0123456789abcdef0123456789abcdef")]),
    };
    sb.create_integration(&actor(), draft)
        .unwrap()
        .integration
        .id
}

fn emit(sb: &Switchboard, event_type: &str, data: serde_json::Value) -> u32 {
    sb.emit(
        &actor(),
        &EmitRequest {
            event_type: event_type.into(),
            data: data.to_string(),
            id: None,
        },
    )
    .unwrap()
    .sync_jobs
}

fn jobs(sb: &Switchboard) -> Vec<switchboard_core::sync::log::JobRow> {
    let mut rows = sb
        .sync_jobs(&actor(), &JobFilter::default(), None, 500)
        .unwrap()
        .rows;
    rows.reverse();
    rows
}

/// A performer that answers with `outcome` for every job and counts the calls.
fn answering(outcome: JobOutcome, calls: Arc<Mutex<Vec<i64>>>) -> Performer {
    Arc::new(move |_sb, job| {
        calls.lock().unwrap().push(job.id);
        let outcome = outcome.clone();
        Box::pin(async move {
            let mut p = Performed::without_request(outcome.clone(), "stand-in");
            p.error = match &outcome {
                JobOutcome::Done { .. } => None,
                _ => Some("The provider did not answer.".into()),
            };
            if let JobOutcome::Done { provider_object } = &outcome {
                p.provider_object = provider_object.clone();
            }
            p
        })
    })
}

fn in_hours(h: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(h))
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_appointment_makes_its_texts_in_the_events_transaction_and_they_follow_the_appointment()
{
    let (_dir, sb) = open();
    let id = twilio(&sb);
    // Rule off: the event reaches webhooks but makes no jobs.
    assert_eq!(
        emit(
            &sb,
            "appointment.created",
            json!({"id": "apt_0", "start_at": in_hours(48)})
        ),
        0
    );
    sb.set_sync_rule(&actor(), &id, SyncRule::AppointmentTexts, true)
        .unwrap();
    let made = emit(
        &sb,
        "appointment.created",
        json!({"id": "apt_1", "start_at": in_hours(48), "pet_name": "Rex", "owner_phone": "+15557654321"}),
    );
    assert_eq!(made, 2);
    let rows = jobs(&sb);
    assert_eq!(rows[0].kind, JobKind::TextConfirmation);
    assert_eq!(rows[0].status, JobStatus::Pending);
    assert_eq!(rows[0].subject, "Appointment apt_1 · Rex · …4321");
    assert_eq!(rows[1].kind, JobKind::TextReminder);
    assert_eq!(rows[1].status, JobStatus::Scheduled);
    let due: jiff::Timestamp = rows[1].due_at.as_deref().unwrap().parse().unwrap();
    let expected = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .unwrap();
    assert!(
        (due.as_second() - expected.as_second()).abs() < 60,
        "{due} vs {expected}"
    );

    // Moving the appointment moves the reminder: the old one is cancelled, a new one made.
    emit(
        &sb,
        "appointment.updated",
        json!({"id": "apt_1", "start_at": in_hours(72)}),
    );
    let rows = jobs(&sb);
    assert_eq!(rows[1].status, JobStatus::Cancelled);
    assert_eq!(rows[2].kind, JobKind::TextReminder);
    assert_eq!(rows[2].status, JobStatus::Scheduled);

    // Cancelling it cancels the pending reminder (and the unsent confirmation) and sends a notice.
    emit(&sb, "appointment.cancelled", json!({"id": "apt_1"}));
    let rows = jobs(&sb);
    assert_eq!(rows[2].status, JobStatus::Cancelled);
    assert_eq!(
        rows[2].reason.as_deref(),
        Some("The appointment was cancelled.")
    );
    assert_eq!(rows[3].kind, JobKind::TextCancellation);
    assert_eq!(rows[3].status, JobStatus::Pending);

    // A rule of another provider is refused, naming the field, and changes nothing.
    let e = sb
        .set_sync_rule(&actor(), &id, SyncRule::Invoices, true)
        .unwrap_err();
    assert!(
        matches!(e, switchboard_core::Error::Validation { ref field, .. } if field == "rule"),
        "{e:?}"
    );
}

#[tokio::test]
async fn jobs_retry_on_the_schedule_die_and_turn_the_card_yellow_then_red() {
    let (_dir, sb) = open();
    let id = twilio(&sb);
    sb.set_sync_rule(&actor(), &id, SyncRule::AppointmentTexts, true)
        .unwrap();
    emit(
        &sb,
        "appointment.cancelled",
        json!({"id": "apt_9", "owner_phone": "+15557654321"}),
    );
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut worker = SyncWorker::new(Arc::clone(&sb), SyncConfig::default()).with_performer(
        answering(JobOutcome::Retry { retry_after: None }, Arc::clone(&calls)),
    );
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        worker.run_once().await.unwrap(),
        0,
        "the retry waits for its time"
    );
    let job = &jobs(&sb)[0];
    assert_eq!(job.status, JobStatus::Retrying);
    let status = sb.integration_status(&actor(), &id).unwrap();
    assert_eq!(
        status.reason,
        "1 sync job is being retried. Latest: The provider did not answer."
    );
    // Seven more failures (made due each time) use up the schedule: dead.
    for _ in 0..7 {
        sb.db()
            .write(|tx| {
                Ok(tx.execute(
                    "UPDATE sync_jobs SET next_attempt_at = 0 WHERE status = 'retrying'",
                    [],
                )?)
            })
            .unwrap();
        assert_eq!(worker.run_once().await.unwrap(), 1);
    }
    let detail = sb.sync_job(&actor(), &job.id).unwrap();
    assert_eq!(detail.job.status, JobStatus::Dead);
    assert_eq!(detail.attempts.len(), 8, "every attempt is logged");
    assert_eq!(calls.lock().unwrap().len(), 8);
    let status = sb.integration_status(&actor(), &id).unwrap();
    assert_eq!(status.level, Level::Red, "{status:?}");

    // Front desk may not acknowledge or retry (refused, nothing changes) but may press Sync now.
    let desk = Actor::user("usr_desk", "desk", Role::FrontDesk);
    assert!(sb.acknowledge_sync_jobs(&desk, &[job.id.clone()]).is_err());
    assert!(sb.retry_sync_jobs(&desk, &[job.id.clone()]).is_err());
    sb.sync_now(&desk, &id).unwrap();
    assert_eq!(jobs(&sb)[0].status, JobStatus::Dead);

    // Acknowledged: no longer red. Retried: pending again and performed.
    assert_eq!(
        sb.acknowledge_sync_jobs(&actor(), &[job.id.clone()])
            .unwrap(),
        1
    );
    assert_ne!(
        sb.integration_status(&actor(), &id).unwrap().level,
        Level::Red
    );
    assert_eq!(sb.retry_sync_jobs(&actor(), &[job.id.clone()]).unwrap(), 1);
    let mut worker =
        SyncWorker::new(Arc::clone(&sb), SyncConfig::default()).with_performer(answering(
            JobOutcome::Done {
                provider_object: Some("SM0123".into()),
            },
            Arc::clone(&calls),
        ));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let row = &jobs(&sb)[0];
    assert_eq!(row.status, JobStatus::Succeeded);
    assert_eq!(row.provider_object.as_deref(), Some("SM0123"));
    let counts = sb.sync_counts(&actor()).unwrap();
    assert_eq!(counts[0].synced_today, 1);
    assert_eq!(counts[0].failed, 0);

    // Skip and an unknown id: the unknown one is refused and nothing changes.
    assert!(matches!(
        sb.skip_sync_jobs(&actor(), &["999".into()]).unwrap_err(),
        switchboard_core::Error::NotFound(_)
    ));
    assert!(sb.skip_sync_jobs(&actor(), &["x".into()]).is_err());
}

#[tokio::test]
async fn a_rate_limit_waits_without_using_up_the_schedule_and_a_skip_is_not_a_failure() {
    let (_dir, sb) = open();
    let id = twilio(&sb);
    sb.set_sync_rule(&actor(), &id, SyncRule::AppointmentTexts, true)
        .unwrap();
    emit(&sb, "appointment.cancelled", json!({"id": "apt_3"}));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut worker =
        SyncWorker::new(Arc::clone(&sb), SyncConfig::default()).with_performer(answering(
            JobOutcome::RateLimited {
                after: std::time::Duration::from_secs(60),
            },
            Arc::clone(&calls),
        ));
    worker.run_once().await.unwrap();
    let detail = sb.sync_job(&actor(), &jobs(&sb)[0].id).unwrap();
    assert_eq!(detail.job.status, JobStatus::Retrying);
    let next: jiff::Timestamp = detail
        .job
        .next_attempt_at
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    let wait = next.as_second() - jiff::Timestamp::now().as_second();
    assert!((55..=61).contains(&wait), "waits as told: {wait}s");

    let mut worker =
        SyncWorker::new(Arc::clone(&sb), SyncConfig::default()).with_performer(answering(
            JobOutcome::Skip {
                reason: "The owner has not agreed to texts (sms_consent is false).".into(),
            },
            Arc::clone(&calls),
        ));
    sb.sync_now(&actor(), &id).unwrap();
    worker.run_once().await.unwrap();
    let row = &jobs(&sb)[0];
    assert_eq!(row.status, JobStatus::Skipped);
    assert_eq!(
        row.reason.as_deref(),
        Some("The owner has not agreed to texts (sms_consent is false).")
    );
    assert_eq!(
        sb.integration_status(&actor(), &id).unwrap().level,
        Level::Yellow,
        "never tested, not red"
    );
}

#[tokio::test]
async fn a_crashed_workers_claims_come_back_at_once_for_the_next_lock_holder() {
    let (_dir, sb) = open();
    let id = twilio(&sb);
    sb.set_sync_rule(&actor(), &id, SyncRule::AppointmentTexts, true)
        .unwrap();
    for n in 0..5 {
        emit(
            &sb,
            "appointment.cancelled",
            json!({"id": format!("apt_{n}")}),
        );
    }
    // A worker claims the batch and dies before recording: the jobs are leased, not lost.
    let performer: Performer = Arc::new(|_sb, _job| Box::pin(std::future::pending()));
    let mut dying = SyncWorker::new(
        Arc::clone(&sb),
        SyncConfig {
            lease: std::time::Duration::from_secs(600),
            ..SyncConfig::default()
        },
    )
    .with_performer(performer);
    let _ = tokio::time::timeout(std::time::Duration::from_millis(300), dying.run_once()).await;
    let rows = jobs(&sb);
    assert!(
        rows.iter().all(|r| r.status == JobStatus::Running),
        "{rows:?}"
    );
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut next =
        SyncWorker::new(Arc::clone(&sb), SyncConfig::default()).with_performer(answering(
            JobOutcome::Done {
                provider_object: None,
            },
            Arc::clone(&calls),
        ));
    assert_eq!(
        next.run_once().await.unwrap(),
        0,
        "leased jobs are not claimed twice"
    );
    // The next process to hold the services lock reclaims them at once.
    let lock =
        switchboard_core::lock::ServicesLock::acquire(&sb, switchboard_core::lock::Program::Worker)
            .unwrap();
    let reclaimed = switchboard_core::sync::worker::reclaim_leases(&sb, &lock).unwrap();
    assert_eq!(reclaimed, 5);
    assert_eq!(next.run_once().await.unwrap(), 5);
    assert!(jobs(&sb).iter().all(|r| r.status == JobStatus::Succeeded));
}

#[tokio::test]
async fn the_log_filters_searches_and_exports() {
    let (dir, sb) = open();
    let id = twilio(&sb);
    sb.set_sync_rule(&actor(), &id, SyncRule::AppointmentTexts, true)
        .unwrap();
    emit(
        &sb,
        "appointment.created",
        json!({"id": "apt_a", "start_at": in_hours(48), "pet_name": "Rex", "owner_phone": "+15550001111"}),
    );
    emit(
        &sb,
        "appointment.created",
        json!({"id": "apt_b", "start_at": in_hours(48), "pet_name": "Mia", "owner_phone": "+15550002222"}),
    );
    let search = |q: &str| {
        sb.sync_jobs(
            &actor(),
            &JobFilter {
                search: Some(q.into()),
                ..Default::default()
            },
            None,
            50,
        )
        .unwrap()
        .rows
    };
    assert_eq!(search("Mia").len(), 2);
    assert_eq!(search("2222").len(), 2, "by the masked phone's last digits");
    assert_eq!(search("apt_a").len(), 2, "by the clinic's id");
    assert_eq!(search("50%").len(), 0, "LIKE wildcards are literal");
    let scheduled = sb
        .sync_jobs(
            &actor(),
            &JobFilter {
                status: Some(JobStatus::Scheduled),
                ..Default::default()
            },
            None,
            50,
        )
        .unwrap()
        .rows;
    assert_eq!(scheduled.len(), 2);
    let page = sb
        .sync_jobs(&actor(), &JobFilter::default(), None, 3)
        .unwrap();
    assert_eq!(page.rows.len(), 3);
    let rest = sb
        .sync_jobs(
            &actor(),
            &JobFilter::default(),
            page.next_cursor.as_deref(),
            3,
        )
        .unwrap();
    assert_eq!(rest.rows.len(), 1);
    let out = dir.path().join("exports");
    std::fs::create_dir_all(&out).unwrap();
    let exported = sb
        .export_sync_jobs(
            &actor(),
            &JobFilter {
                search: Some("Rex".into()),
                ..Default::default()
            },
            switchboard_core::export::ExportFormat::Csv,
            Some(out),
        )
        .unwrap();
    assert_eq!(exported.rows, 2);
    let csv = std::fs::read_to_string(&exported.path).unwrap();
    assert!(csv.starts_with("id,created_at,integration,rule,kind"));
    assert!(csv.contains("Appointment apt_a · Rex · …1111"));
    assert!(
        !csv.contains("+15550001111"),
        "the full number stays out of the export"
    );
}
