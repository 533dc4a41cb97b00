//! Sync jobs performed for real: the sync worker against the fake Twilio, QuickBooks and Square
//! over loopback HTTP, each rule end to end — and the cases that must not do the work twice.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use switchboard_core::integrations::IntegrationDraft;
use switchboard_core::providers::Provider;
use switchboard_core::sync::job::{JobKind, JobStatus, SyncRule};
use switchboard_core::sync::log::{JobFilter, JobRow};
use switchboard_core::sync::worker::{SyncConfig, SyncWorker};
use switchboard_core::webhooks::EmitRequest;
use switchboard_core::{Actor, Role, Switchboard};
use switchboard_fakes::{NewPayment, Recipient};

use crate::connection::{setup, Setup, AC};

fn admin() -> Actor {
    Actor::user("usr_admin", "admin", Role::Admin)
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn create(
    s: &Setup,
    provider: Provider,
    env: &str,
    values: &[(&str, &str)],
    secrets: &[(&str, &str)],
) -> String {
    s.sb.create_integration(
        &admin(),
        IntegrationDraft {
            provider,
            name: format!("{provider}"),
            environment: env.into(),
            base_url: Some(s.fakes.base_url()),
            values: map(values),
            secrets: map(secrets),
        },
    )
    .unwrap()
    .integration
    .id
}

fn emit(sb: &Switchboard, event_type: &str, data: serde_json::Value) {
    sb.emit(
        &admin(),
        &EmitRequest {
            event_type: event_type.into(),
            data: data.to_string(),
            id: None,
        },
    )
    .unwrap();
}

fn jobs(sb: &Switchboard) -> Vec<JobRow> {
    let mut rows = sb
        .sync_jobs(&admin(), &JobFilter::default(), None, 500)
        .unwrap()
        .rows;
    rows.reverse();
    rows
}

/// Runs batches until nothing is due (scheduled polls are made due `rounds` times).
async fn work(sb: &Arc<Switchboard>, rounds: usize) {
    let mut worker = SyncWorker::new(Arc::clone(sb), SyncConfig::default());
    for _ in 0..rounds {
        while worker.run_once().await.unwrap() > 0 {}
        sb.db()
            .write(|tx| {
                Ok(tx.execute(
                    "UPDATE sync_jobs SET next_attempt_at = 0 WHERE status IN ('scheduled', 'retrying') AND kind <> 'text_reminder'",
                    [],
                )?)
            })
            .unwrap();
    }
}

fn in_hours(h: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(h))
        .unwrap()
        .to_string()
}

fn twilio(s: &Setup) -> String {
    let id = create(
        s,
        Provider::Twilio,
        "live",
        &[
            ("account_sid", AC),
            ("sender", "+15005550006"),
            ("quiet_start", "00:00"),
            ("quiet_end", "00:00"),
        ],
        &[("auth_token", "7a1c0de7a1c0de7a1c0de7a1c0de7a1c")],
    );
    s.sb.set_sync_rule(&admin(), &id, SyncRule::AppointmentTexts, true)
        .unwrap();
    id
}

#[tokio::test]
async fn appointment_texts_are_sent_followed_to_delivered_and_respect_consent_and_opt_outs() {
    let s = setup().await;
    twilio(&s);
    let mut settings = s.sb.settings().unwrap();
    settings.clinic_name = Some("Maple Vets".into());
    s.sb.update_settings(&admin(), &settings).unwrap();
    emit(
        &s.sb,
        "appointment.created",
        json!({
        "id": "apt_1", "start_at": in_hours(48), "pet_name": "Rex", "owner_name": "Jane Doe",
        "owner_phone": "+15557654321", "vet_name": "Dr. Ortiz"}),
    );
    emit(
        &s.sb,
        "appointment.created",
        json!({
        "id": "apt_2", "start_at": in_hours(48), "pet_name": "Mia",
        "owner_phone": "+15550001111", "sms_consent": false}),
    );
    s.fakes
        .set_twilio_recipient("+15550002222", Recipient::Rejected { code: 21610 });
    emit(
        &s.sb,
        "appointment.created",
        json!({
        "id": "apt_3", "start_at": in_hours(48), "pet_name": "Bo", "owner_phone": "+15550002222"}),
    );
    work(&s.sb, 6).await;

    let rows = jobs(&s.sb);
    let confirmation = |apt: &str| {
        rows.iter()
            .find(|r| r.kind == JobKind::TextConfirmation && r.subject.contains(apt))
            .unwrap()
            .clone()
    };
    let sent = confirmation("apt_1");
    assert_eq!(sent.status, JobStatus::Succeeded, "{sent:?}");
    assert_eq!(sent.provider_state.as_deref(), Some("delivered"));
    assert!(sent.provider_object.as_deref().unwrap().starts_with("SM"));
    let messages = s.fakes.twilio_messages();
    let body = &messages
        .iter()
        .find(|m| m.to == "+15557654321")
        .unwrap()
        .body;
    assert!(
        body.starts_with("Maple Vets: Rex's appointment is booked for"),
        "{body}"
    );
    assert_eq!(
        s.fakes.twilio_sends_to("+15557654321"),
        1,
        "sent once, then only read"
    );

    let no_consent = confirmation("apt_2");
    assert_eq!(no_consent.status, JobStatus::Skipped);
    assert_eq!(s.fakes.twilio_sends_to("+15550001111"), 0);

    let stop = confirmation("apt_3");
    assert_eq!(stop.status, JobStatus::Skipped, "{stop:?}");
    assert!(
        stop.reason.as_deref().unwrap().contains("21610"),
        "{stop:?}"
    );
    let opt_outs = s.sb.sms_opt_outs(&admin()).unwrap();
    assert_eq!(opt_outs.len(), 1);
    assert_eq!(opt_outs[0].phone, "…2222");
    // Never texted again: the next job is skipped without asking Twilio.
    emit(
        &s.sb,
        "appointment.cancelled",
        json!({"id": "apt_3", "start_at": in_hours(48), "pet_name": "Bo", "owner_phone": "+15550002222"}),
    );
    work(&s.sb, 1).await;
    let asked = |to: &str| {
        s.fakes
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/Messages.json"))
            .filter(|r| r.form().iter().any(|(k, v)| k == "To" && v == to))
            .count()
    };
    assert_eq!(
        asked("+15550002222"),
        1,
        "Twilio was asked once, and refused"
    );
    let notice = jobs(&s.sb)
        .into_iter()
        .find(|r| r.kind == JobKind::TextCancellation)
        .unwrap();
    assert_eq!(notice.status, JobStatus::Skipped);
    assert!(notice.reason.as_deref().unwrap().contains("replied STOP"));
    // A manager clears the number (audited): texts go again.
    s.sb.clear_sms_opt_out(&admin(), &opt_outs[0].id).unwrap();
    assert!(s.sb.sms_opt_outs(&admin()).unwrap().is_empty());

    // A text that is not delivered fails with Twilio's code and its meaning.
    s.fakes
        .set_twilio_recipient("+15553334444", Recipient::Undelivered { error_code: 30003 });
    emit(
        &s.sb,
        "appointment.cancelled",
        json!({"id": "apt_4", "start_at": in_hours(48), "pet_name": "Kit", "owner_phone": "+15553334444"}),
    );
    work(&s.sb, 6).await;
    let failed = jobs(&s.sb)
        .into_iter()
        .filter(|r| r.subject.contains("apt_4"))
        .last()
        .unwrap();
    assert_eq!(failed.status, JobStatus::Dead, "{failed:?}");
    assert!(
        failed.reason.as_deref().unwrap().contains("30003"),
        "{failed:?}"
    );
}

fn quickbooks(s: &Setup) -> String {
    let id = create(
        s,
        Provider::Quickbooks,
        "sandbox",
        &[
            ("client_id", "ABclient"),
            ("realm_id", "9341453000000001"),
            ("item_service", "2"),
            ("item_product", "4"),
            ("payment_method_card", "3"),
            ("payment_method_cash", "1"),
            ("deposit_account", "35"),
        ],
        &[
            ("client_secret", "qb-client-secret-xyz"),
            ("refresh_token", "RT1-initial-refresh-token"),
        ],
    );
    s.fakes
        .set_quickbooks_refresh_token(Some("RT1-initial-refresh-token".into()));
    s.sb.set_sync_rule(&admin(), &id, SyncRule::Invoices, true)
        .unwrap();
    id
}

fn invoice(id: &str, number: &str, owner: &str) -> serde_json::Value {
    json!({
        "id": id, "number": number, "issued_on": "2026-12-01", "currency": "USD",
        "owner_id": format!("own_{owner}"), "owner_name": owner,
        "lines": [
            {"description": "Exam", "kind": "service", "quantity": "1", "unit_price": "65.00", "amount": "65.00"},
            {"description": "Medication", "kind": "product", "quantity": "2", "unit_price": "12.50", "amount": "25.00"}
        ],
        "total": "90.00"
    })
}

#[tokio::test]
async fn invoices_and_payments_reach_quickbooks_once_even_when_a_crash_repeats_the_attempt() {
    let s = setup().await;
    quickbooks(&s);
    let realm = "9341453000000001";
    emit(
        &s.sb,
        "invoice.created",
        invoice("inv_1", "VET-1042", "Jane Doe"),
    );
    emit(
        &s.sb,
        "invoice.paid",
        json!({"invoice_id": "inv_1", "amount": "90.00", "method": "card"}),
    );
    work(&s.sb, 3).await;
    let rows = jobs(&s.sb);
    let inv = rows.iter().find(|r| r.kind == JobKind::QboInvoice).unwrap();
    assert_eq!(inv.status, JobStatus::Succeeded, "{inv:?}");
    let invoices = s.fakes.quickbooks_objects(realm, "invoice");
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0]["DocNumber"], "VET-1042");
    assert_eq!(
        inv.provider_object.as_deref(),
        Some(format!("Invoice {}", invoices[0]["Id"].as_str().unwrap()).as_str())
    );
    assert_eq!(inv.provider_state.as_deref(), Some("Total 90.00"));
    assert!(inv
        .provider_link
        .as_deref()
        .unwrap()
        .starts_with("https://app.sandbox.qbo.intuit.com/app/invoice?txnId="));
    let customers = s.fakes.quickbooks_objects(realm, "customer");
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0]["DisplayName"], "Jane Doe");
    let pay = rows.iter().find(|r| r.kind == JobKind::QboPayment).unwrap();
    assert_eq!(pay.status, JobStatus::Succeeded, "{pay:?}");
    let payments = s.fakes.quickbooks_objects(realm, "payment");
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["PaymentMethodRef"]["value"], "3");
    assert_eq!(
        payments[0]["Line"][0]["LinkedTxn"][0]["TxnId"],
        invoices[0]["Id"]
    );

    // A crash after QuickBooks made the invoice but before the attempt was recorded: the job
    // runs again with the same requestid and QuickBooks answers with the first invoice.
    s.sb.db()
        .write(|tx| Ok(tx.execute("UPDATE sync_jobs SET status = 'pending', next_attempt_at = 0 WHERE kind = 'qbo_invoice'", [])?))
        .unwrap();
    s.sb.db()
        .write(|tx| Ok(tx.execute("DELETE FROM sync_links WHERE kind = 'invoice'", [])?))
        .unwrap();
    work(&s.sb, 1).await;
    assert_eq!(
        s.fakes.quickbooks_objects(realm, "invoice").len(),
        1,
        "no duplicate invoice"
    );

    // The owner's second invoice reuses the kept customer mapping.
    emit(
        &s.sb,
        "invoice.created",
        invoice("inv_2", "VET-1043", "Jane Doe"),
    );
    // An invoice number QuickBooks already has is reported, not retried.
    emit(
        &s.sb,
        "invoice.created",
        invoice("inv_3", "VET-1042", "Sam Lee"),
    );
    work(&s.sb, 2).await;
    assert_eq!(s.fakes.quickbooks_objects(realm, "customer").len(), 2);
    let dup = jobs(&s.sb)
        .into_iter()
        .find(|r| r.subject.contains("inv_3") || r.subject.contains("Sam Lee"))
        .unwrap();
    assert_eq!(dup.status, JobStatus::Dead, "{dup:?}");
    assert!(
        dup.reason
            .as_deref()
            .unwrap()
            .contains("already has an invoice numbered VET-1042"),
        "{dup:?}"
    );
    assert_eq!(dup.attempts, 1, "not retried");
}

#[tokio::test]
async fn a_name_taken_in_quickbooks_is_resolved_and_missing_fields_fail_with_their_path() {
    let s = setup().await;
    quickbooks(&s);
    // The fake answers the next customer create with 6240 (the name belongs to a vendor).
    s.fakes.quickbooks_fail_next("create:6240", 1);
    emit(
        &s.sb,
        "invoice.created",
        invoice("inv_9", "VET-2000", "Pat Kim"),
    );
    emit(
        &s.sb,
        "invoice.created",
        json!({"id": "inv_bad", "currency": "USD", "owner_id": "o", "owner_name": "X", "total": "1.00", "lines": []}),
    );
    work(&s.sb, 2).await;
    let rows = jobs(&s.sb);
    let ok = rows
        .iter()
        .find(|r| r.subject.contains("VET-2000"))
        .unwrap();
    assert_eq!(ok.status, JobStatus::Succeeded, "{ok:?}");
    let customers = s.fakes.quickbooks_objects("9341453000000001", "customer");
    assert_eq!(customers[0]["DisplayName"], "Pat Kim (own_Pat Kim)");
    let bad = rows.iter().find(|r| r.subject.contains("inv_bad")).unwrap();
    assert_eq!(bad.status, JobStatus::Dead);
    assert!(
        bad.reason.as_deref().unwrap().contains("data.lines"),
        "{bad:?}"
    );
}

#[tokio::test]
async fn square_payments_become_events_once_and_pay_their_quickbooks_invoice() {
    let s = setup().await;
    let qb = quickbooks(&s);
    let sq = create(
        &s,
        Provider::Square,
        "sandbox",
        &[("location_id", "18YC4JDH91E1H")],
        &[("access_token", "EAAAsecretsquaretoken123")],
    );
    s.sb.set_sync_rule(&admin(), &sq, SyncRule::PaymentsIn, true)
        .unwrap();
    emit(
        &s.sb,
        "invoice.created",
        invoice("inv_7", "VET-3000", "Ana Ruiz"),
    );
    s.fakes
        .add_square_payment(NewPayment {
            amount: 9000,
            reference_id: Some("inv_7".into()),
            ..Default::default()
        })
        .unwrap();
    s.fakes
        .add_square_payment(NewPayment {
            amount: 1250,
            ..Default::default()
        })
        .unwrap();
    work(&s.sb, 3).await;
    let events: Vec<String> = s
        .sb
        .db()
        .read(|c| {
            let mut stmt =
                c.prepare("SELECT id FROM webhook_events WHERE id LIKE 'evt_sq_%' ORDER BY seq")?;
            let rows = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .unwrap();
    assert_eq!(
        events.len(),
        2,
        "each payment once, however often it is read: {events:?} {:?}",
        jobs(&s.sb)
    );
    let pay = jobs(&s.sb)
        .into_iter()
        .find(|r| r.kind == JobKind::QboPayment)
        .unwrap();
    assert_eq!(pay.status, JobStatus::Succeeded, "{pay:?}");
    assert_eq!(pay.integration_id, qb);
    let payments = s.fakes.quickbooks_objects("9341453000000001", "payment");
    assert_eq!(payments.len(), 1);
    let total = payments[0]["TotalAmt"].to_string();
    assert_eq!(
        total.trim_end_matches('0').trim_end_matches('.'),
        "90",
        "{total}"
    );
    let poll = jobs(&s.sb)
        .into_iter()
        .find(|r| r.kind == JobKind::SquarePoll)
        .unwrap();
    assert_eq!(
        poll.status,
        JobStatus::Scheduled,
        "the poll waits for its next turn"
    );
}
