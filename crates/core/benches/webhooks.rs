//! Webhook throughput and delivery-log speed. Run: `cargo bench -p switchboard-core --bench webhooks`.
//!
//! 1. The raw loopback HTTP rate of the worker's HTTP client (same client settings,
//!    concurrency and body) against a local receiver.
//! 2. Signed deliveries with every attempt durably logged in SQLite, through the real worker,
//!    to the same receiver — and their ratio to (1). Targets (design.md): over 10,000/s and at
//!    least 60% of the raw rate.
//! 3. The first page of the delivery log, with each filter, at 1,000,000 stored attempts.
//!    Target: under 20 ms.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use rusqlite::params;
use switchboard_core::webhooks::log::{DeliveryFilter, DeliveryStatus};
use switchboard_core::webhooks::worker::{Worker, WorkerConfig};
use switchboard_core::webhooks::{EmitRequest, EndpointDraft};
use switchboard_core::Actor;

use common::{open, Receiver};

const DELIVERIES: usize = 40_000;
const RAW_REQUESTS: usize = 40_000;
const LOG_ROWS: i64 = 1_000_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let config = WorkerConfig::default();
    let body = br#"{"id":"evt_0123456789abcdef0123456789abcdef","event":"appointment.created","timestamp":"2026-11-23T10:00:00Z","data":{"id":"apt_new123","pet_name":"Max","owner_name":"John Smith","scheduled_date":"2026-03-20","scheduled_time":"10:00","type":"wellness"}}"#.to_vec();

    // 1. Raw loopback rate with the same client settings and concurrency.
    let rx = Receiver::start().await;
    let url = rx.url.clone();
    let client = common::client(config.per_endpoint);
    let raw_rate = common::post_all(
        &client,
        &url,
        None,
        &body,
        RAW_REQUESTS,
        config.per_endpoint,
    )
    .await;
    println!(
        "raw loopback HTTP: {RAW_REQUESTS} requests at concurrency {} → {raw_rate:.0} req/s",
        config.per_endpoint
    );

    // 2. Signed, durably logged deliveries through the worker.
    let (_dir, sb) = open();
    sb.create_endpoint(
        &Actor::user("usr_bench", "bench", switchboard_core::Role::Admin),
        EndpointDraft {
            url: url.clone(),
            allow_http: true,
            allow_private: true,
            ..Default::default()
        },
    )
    .unwrap();
    let data = common::DATA;
    for chunk in (0..DELIVERIES).collect::<Vec<_>>().chunks(5_000) {
        let events: Vec<EmitRequest> = chunk
            .iter()
            .map(|_| EmitRequest {
                event_type: "appointment.created".into(),
                data: data.into(),
                id: None,
            })
            .collect();
        sb.emit_many(&switchboard_core::Actor::admin_for_tests(), &events)
            .unwrap();
    }
    // The worker as the app runs it (pipelined), stopped once every delivery succeeded.
    let delivered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let done_tx = std::sync::Mutex::new(Some(done_tx));
    let counter = Arc::clone(&delivered);
    let worker = Worker::new(Arc::clone(&sb), config.clone())
        .expect("HTTP client")
        .with_observer(Arc::new(move |report| {
            let total = counter.fetch_add(
                report.succeeded as usize,
                std::sync::atomic::Ordering::SeqCst,
            ) + report.succeeded as usize;
            if total >= DELIVERIES {
                if let Some(tx) = done_tx.lock().unwrap().take() {
                    let _ = tx.send(());
                }
            }
        }));
    let started = Instant::now();
    worker
        .run(async {
            let _ = done_rx.await;
        })
        .await;
    let elapsed = started.elapsed();
    let sent = delivered.load(std::sync::atomic::Ordering::SeqCst);
    let rate = sent as f64 / elapsed.as_secs_f64();
    let ok = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter {
                status: Some(DeliveryStatus::Succeeded),
                ..Default::default()
            },
            None,
            1,
        )
        .unwrap();
    assert!(!ok.rows.is_empty());
    let attempts: i64 = sb
        .db()
        .read(|c| Ok(c.query_row("SELECT count(*) FROM delivery_attempts", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(attempts as usize, DELIVERIES, "every attempt is logged");
    println!(
        "signed + logged deliveries: {sent} in {:.2} s → {rate:.0} deliveries/s ({:.0}% of the raw rate; targets: > 10000/s and ≥ 60%)",
        elapsed.as_secs_f64(),
        100.0 * rate / raw_rate
    );

    // 3. The delivery log's first page at 1M stored attempts.
    let (_dir, sb) = open();
    let ep = sb
        .create_endpoint(
            &Actor::user("usr_bench", "bench", switchboard_core::Role::Admin),
            EndpointDraft {
                url: "https://example.com/hook".into(),
                ..Default::default()
            },
        )
        .unwrap()
        .endpoint;
    let other = sb
        .create_endpoint(
            &Actor::user("usr_bench", "bench", switchboard_core::Role::Admin),
            EndpointDraft {
                url: "https://example.org/hook".into(),
                ..Default::default()
            },
        )
        .unwrap()
        .endpoint;
    let fill = Instant::now();
    let now = jiff::Timestamp::now().as_millisecond();
    let types = [
        "appointment.created",
        "invoice.paid",
        "patient.updated",
        "payment.failed",
        "test.ping",
    ];
    let statuses = ["succeeded", "succeeded", "succeeded", "retrying", "dead"];
    sb.db()
        .write(|tx| {
            let mut event = tx.prepare("INSERT INTO webhook_events (id, type, created_at, source, body) VALUES (?1, ?2, ?3, 'bench', x'7b7d')")?;
            let mut delivery = tx.prepare(
                "INSERT INTO deliveries (event_seq, endpoint_id, event_id, event_type, status, attempts, total_attempts,
                     last_status, last_duration_ms, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, 1, 200, 12, ?6, ?6)",
            )?;
            let mut attempt = tx.prepare(
                "INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, request_headers, status_code)
                 VALUES (?1, 1, ?2, 12, '{}', 200)",
            )?;
            for i in 0..LOG_ROWS {
                let at = now - (LOG_ROWS - i) * 100;
                let t = types[(i % 5) as usize];
                let id = format!("evt_bench_{i}");
                event.execute(params![id, t, at])?;
                let seq = tx.last_insert_rowid();
                let endpoint = if i % 3 == 0 { &other.id } else { &ep.id };
                delivery.execute(params![seq, endpoint, id, t, statuses[(i % 5) as usize], at])?;
                attempt.execute(params![tx.last_insert_rowid(), at])?;
            }
            Ok(())
        })
        .unwrap();
    sb.db()
        .write(|tx| Ok(tx.execute_batch("ANALYZE")?))
        .unwrap();
    println!(
        "filled {LOG_ROWS} deliveries and attempts in {:.1} s",
        fill.elapsed().as_secs_f64()
    );

    let hour_ago = jiff::Timestamp::from_millisecond(now - 3_600_000)
        .unwrap()
        .to_string();
    let filters: Vec<(&str, DeliveryFilter)> = vec![
        ("no filter", DeliveryFilter::default()),
        (
            "endpoint",
            DeliveryFilter {
                endpoint_id: Some(other.id.clone()),
                ..Default::default()
            },
        ),
        (
            "event type",
            DeliveryFilter {
                event_type: Some("payment.failed".into()),
                ..Default::default()
            },
        ),
        (
            "status dead",
            DeliveryFilter {
                status: Some(DeliveryStatus::Dead),
                ..Default::default()
            },
        ),
        (
            "last hour",
            DeliveryFilter {
                from: Some(hour_ago.clone()),
                ..Default::default()
            },
        ),
        (
            "event id",
            DeliveryFilter {
                event_id: Some("evt_bench_123456".into()),
                ..Default::default()
            },
        ),
        (
            "endpoint + type + status + time",
            DeliveryFilter {
                endpoint_id: Some(ep.id.clone()),
                event_type: Some("payment.failed".into()),
                status: Some(DeliveryStatus::Retrying),
                from: Some(hour_ago),
                ..Default::default()
            },
        ),
    ];
    for (name, filter) in filters {
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let page = sb
                .deliveries(
                    &switchboard_core::Actor::admin_for_tests(),
                    &filter,
                    None,
                    100,
                )
                .unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(page);
        }
        times.sort_by(f64::total_cmp);
        println!("delivery log first page (100 rows), {name}: median {:.2} ms, max {:.2} ms (target < 20 ms)", times[15], times[29]);
    }
}
