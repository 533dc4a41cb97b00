//! The ingest API end to end. Run: `cargo bench -p switchboard-core --bench ingest`.
//!
//! 1. The raw loopback rate: the load generator (`CLIENTS` concurrent keep-alive clients) posting
//!    the event body straight to the receiver.
//! 2. End to end, in the same run, with the same load generator and receiver: events POSTed to
//!    the ingest API with an API key (each 202 given only once its group commit is fsynced), and
//!    delivered signed by the worker (running meanwhile, as `switchboard serve` runs it) to the
//!    receiver, with every attempt logged. Timed from the first post until the receiver has every
//!    event and every attempt is recorded; printed with the ratio to (1).
//!    Target (design.md): at least 15,000 events/s on 2 cores. Also printed: the CPU the whole
//!    process spent per event, which holds when other work shares the machine.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_core::api_keys::ApiKeyDraft;
use switchboard_core::ingest;
use switchboard_core::webhooks::worker::{Worker, WorkerConfig};
use switchboard_core::webhooks::EndpointDraft;
use switchboard_core::{Actor, Role};

use common::Receiver;

const EVENTS: usize = 60_000;
const CLIENTS: usize = 256;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let rx = Receiver::start().await;
    let client = common::client(CLIENTS);
    let body = format!(
        r#"{{"type":"appointment.created","data":{}}}"#,
        common::DATA
    );

    // 1. The raw loopback rate of the load generator against the receiver.
    let cpu = common::cpu_seconds();
    let raw = common::post_all(&client, &rx.url, None, body.as_bytes(), EVENTS, CLIENTS).await;
    let raw_cpu = cpu_per_event(cpu);
    println!(
        "raw loopback HTTP: {EVENTS} posts from {CLIENTS} clients → {raw:.0} req/s{}",
        cpu_text(raw_cpu)
    );
    let already = rx.received();

    // 2. End to end: ingest API → group commit → worker → receiver, attempts logged.
    let (_dir, sb) = common::open();
    let manager = Actor::user("usr_bench", "bench", Role::Admin);
    sb.create_endpoint(
        &manager,
        EndpointDraft {
            url: rx.url.clone(),
            allow_http: true,
            allow_private: true,
            ..Default::default()
        },
    )
    .unwrap();
    let key = sb
        .create_api_key(
            &manager,
            ApiKeyDraft {
                name: "bench".into(),
                scopes: vec![],
                expires_in_days: None,
            },
        )
        .unwrap()
        .secret;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let stopped = |mut w: tokio::sync::watch::Receiver<bool>| async move {
        let _ = w.wait_for(|s| *s).await;
    };
    let server = ingest::serve(Arc::clone(&sb), 0, stopped(stopping.clone()))
        .await
        .unwrap();
    let worker = tokio::spawn(
        Worker::new(Arc::clone(&sb), WorkerConfig::default())
            .expect("HTTP client")
            .run(stopped(stopping.clone())),
    );
    let url = format!("http://{}/v1/events", server.addr());
    let commits_before = sb.db().synced_commits();

    let cpu = common::cpu_seconds();
    let started = Instant::now();
    let accepted_rate =
        common::post_all(&client, &url, Some(&key), body.as_bytes(), EVENTS, CLIENTS).await;
    let accepted_in = started.elapsed();
    let attempts = |sb: &switchboard_core::Switchboard| -> usize {
        sb.db()
            .read(|c| {
                Ok(
                    c.query_row("SELECT count(*) FROM delivery_attempts", [], |r| {
                        r.get::<_, i64>(0)
                    })?,
                )
            })
            .unwrap() as usize
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    while rx.received() - already < EVENTS || attempts(&sb) < EVENTS {
        assert!(Instant::now() < deadline, "not every event arrived");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed();
    let e2e_cpu = cpu_per_event(cpu);
    let groups = sb.db().synced_commits() - commits_before;
    let _ = stop.send(true);
    server.stopped().await;
    worker.await.unwrap();

    assert_eq!(rx.received() - already, EVENTS, "each event delivered once");
    let rate = EVENTS as f64 / elapsed.as_secs_f64();
    println!(
        "ingest API accepted {EVENTS} events (202, fsynced) in {:.2} s → {accepted_rate:.0}/s, \
         in {groups} group commits ({:.0} events per fsync)",
        accepted_in.as_secs_f64(),
        EVENTS as f64 / groups.max(1) as f64
    );
    println!(
        "end to end (posted → delivered signed → attempts logged): {EVENTS} events in {:.2} s → \
         {rate:.0} events/s, {:.0}% of the raw loopback rate (target ≥ 15000/s)",
        elapsed.as_secs_f64(),
        100.0 * rate / raw
    );
    if let (Some(raw_cpu), Some(e2e_cpu)) = (raw_cpu, e2e_cpu) {
        println!(
            "CPU per event (whole process: clients, API, worker, receiver): raw {:.0} µs, end to \
             end {:.0} µs → on 2 idle cores at most {:.0} events/s end to end",
            raw_cpu * 1e6,
            e2e_cpu * 1e6,
            2.0 / e2e_cpu
        );
    }
    ingest_only(&client, &body).await;
}

/// The ingest API alone: no endpoint subscribed, so nothing is delivered. Tells the API's share.
async fn ingest_only(client: &reqwest::Client, body: &str) {
    let (_dir, sb) = common::open();
    let key = sb
        .create_api_key(
            &Actor::user("usr_bench", "bench", Role::Admin),
            ApiKeyDraft {
                name: "bench".into(),
                scopes: vec![],
                expires_in_days: None,
            },
        )
        .unwrap()
        .secret;
    let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
    let server = ingest::serve(Arc::clone(&sb), 0, async {
        let _ = stopping.await;
    })
    .await
    .unwrap();
    let url = format!("http://{}/v1/events", server.addr());
    let cpu = common::cpu_seconds();
    let rate = common::post_all(client, &url, Some(&key), body.as_bytes(), EVENTS, CLIENTS).await;
    println!(
        "ingest API alone (nothing subscribed): {rate:.0} events/s accepted{}",
        cpu_text(cpu_per_event(cpu))
    );
    let _ = stop.send(());
    server.stopped().await;
}

/// CPU seconds per event since `before`.
fn cpu_per_event(before: Option<f64>) -> Option<f64> {
    Some((common::cpu_seconds()? - before?) / EVENTS as f64)
}

fn cpu_text(per_event: Option<f64>) -> String {
    per_event.map_or(String::new(), |s| {
        format!(", {:.0} µs CPU per request", s * 1e6)
    })
}
