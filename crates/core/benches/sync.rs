//! Sync throughput. Run: `cargo bench -p switchboard-core --bench sync`.
//!
//! 1. 10,000 `invoice.created` events through the sync engine to the fake QuickBooks over
//!    loopback, with the provider's limits off (the fake's throttle and Switchboard's own lanes):
//!    jobs/s end to end.
//! 2. The same 10,000 jobs with a stand-in performer that answers at once: the engine's own time
//!    per job (claim, lease, attempt log, state machine), without any HTTP.
//! 3. With QuickBooks's limits on (500 requests a minute and 10 at once per company, enforced by
//!    the fake exactly as Intuit documents): the rate Switchboard keeps and the 429s it got.
//!    The target is "at the limit, no 429 storm": about 490 requests a minute and no 429.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use switchboard_core::integrations::IntegrationDraft;
use switchboard_core::providers::Provider;
use switchboard_core::sync::job::{JobOutcome, SyncRule};
use switchboard_core::sync::worker::{Performed, Performer, SyncConfig, SyncWorker};
use switchboard_core::webhooks::EmitRequest;
use switchboard_core::{Actor, Role, Switchboard};
use switchboard_fakes::{FakeProviders, QuickbooksLimits};

const JOBS: usize = 10_000;
const LIMITED_JOBS: usize = 600;
const REALM: &str = "9341453000000001";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

fn admin() -> Actor {
    Actor::user("usr_bench", "bench", Role::Admin)
}

fn quickbooks(sb: &Switchboard, fakes: &FakeProviders) {
    let values: BTreeMap<String, String> = [
        ("client_id", "ABclient"),
        ("realm_id", REALM),
        ("item_service", "2"),
        ("item_product", "4"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let secrets: BTreeMap<String, String> = [
        ("client_secret", "qb-client-secret-xyz"),
        ("refresh_token", "RT1-bench"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    fakes.set_quickbooks_refresh_token(Some("RT1-bench".into()));
    let id = sb
        .create_integration(
            &admin(),
            IntegrationDraft {
                provider: Provider::Quickbooks,
                name: "Books".into(),
                environment: "sandbox".into(),
                base_url: Some(fakes.base_url()),
                values,
                secrets,
            },
        )
        .unwrap()
        .integration
        .id;
    sb.set_sync_rule(&admin(), &id, SyncRule::Invoices, true)
        .unwrap();
}

/// `n` invoices from 50 owners, stored with their jobs in batches.
fn emit_invoices(sb: &Switchboard, n: usize, prefix: &str) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let requests: Vec<EmitRequest> = chunk
            .iter()
            .map(|i| EmitRequest {
                event_type: "invoice.created".into(),
                data: serde_json::json!({
                    "id": format!("{prefix}inv_{i}"), "number": format!("{prefix}{i}"),
                    "currency": "USD", "owner_id": format!("own_{}", i % 50),
                    "owner_name": format!("Owner {}", i % 50),
                    "lines": [{"kind": "service", "quantity": "1", "unit_price": "65.00", "amount": "65.00"}],
                    "total": "65.00"
                })
                .to_string(),
                id: None,
            })
            .collect();
        sb.emit_many(&admin(), &requests).unwrap();
    }
}

async fn drain(worker: &mut SyncWorker) -> usize {
    let mut done = 0;
    loop {
        let n = worker.run_once().await.unwrap();
        if n == 0 {
            break;
        }
        done += n;
    }
    done
}

fn succeeded(sb: &Switchboard) -> i64 {
    sb.db()
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM sync_jobs WHERE status = 'succeeded'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

async fn run() {
    // 1. End to end, limits off.
    {
        let fakes = FakeProviders::start().await;
        fakes.set_quickbooks_limits(QuickbooksLimits {
            enabled: false,
            ..QuickbooksLimits::default()
        });
        let (_dir, sb) = common::open();
        sb.provider_limits().set_enabled(false);
        quickbooks(&sb, &fakes);
        emit_invoices(&sb, JOBS, "a");
        let mut worker = SyncWorker::new(
            Arc::clone(&sb),
            SyncConfig {
                concurrency: 32,
                batch: 256,
                ..SyncConfig::default()
            },
        );
        let started = Instant::now();
        let done = drain(&mut worker).await;
        let secs = started.elapsed().as_secs_f64();
        let stats = fakes.quickbooks_stats();
        println!(
            "end to end, limits off: {done} invoice jobs ({} succeeded) in {secs:.2} s → {:.0} jobs/s; {} QuickBooks requests, {} objects created",
            succeeded(&sb),
            done as f64 / secs,
            stats.requests,
            stats.created
        );
    }

    // 2. The engine alone: a stand-in performer answers at once.
    {
        let fakes = FakeProviders::start().await;
        let (_dir, sb) = common::open();
        quickbooks(&sb, &fakes);
        emit_invoices(&sb, JOBS, "b");
        let performer: Performer = Arc::new(|_sb, _job| {
            Box::pin(async {
                Performed::without_request(
                    JobOutcome::Done {
                        provider_object: Some("Invoice 1".into()),
                    },
                    "",
                )
            })
        });
        let mut worker = SyncWorker::new(
            Arc::clone(&sb),
            SyncConfig {
                batch: 256,
                ..SyncConfig::default()
            },
        )
        .with_performer(performer);
        let started = Instant::now();
        let done = drain(&mut worker).await;
        let elapsed = started.elapsed();
        println!(
            "engine alone: {done} jobs in {:.2} s → {:.0} µs per job (claim, lease, attempt log, state)",
            elapsed.as_secs_f64(),
            elapsed.as_micros() as f64 / done as f64
        );
    }

    // 3. Limits on: the fake throttles like Intuit; Switchboard's lane keeps under it.
    {
        let fakes = FakeProviders::start().await;
        let (_dir, sb) = common::open();
        quickbooks(&sb, &fakes);
        emit_invoices(&sb, LIMITED_JOBS, "c");
        let mut worker = SyncWorker::new(Arc::clone(&sb), SyncConfig::default());
        let started = Instant::now();
        let done = drain(&mut worker).await;
        let secs = started.elapsed().as_secs_f64();
        let stats = fakes.quickbooks_stats();
        println!(
            "limits on: {done} invoice jobs ({} succeeded) in {secs:.1} s; {} requests → {:.0} requests/min (limit 500/min, 10 at once); {} answered 429; at most {} at once",
            succeeded(&sb),
            stats.requests,
            stats.requests as f64 / secs * 60.0,
            stats.throttled,
            stats.max_in_flight
        );
    }
}
