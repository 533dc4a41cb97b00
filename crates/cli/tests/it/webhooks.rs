use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use predicates::prelude::*;
use switchboard_core::webhooks::EmitRequest;
use switchboard_core::{Keychain, OpenOptions, Switchboard};

use crate::{keychain_available, switchboard};

type Seen = Arc<Mutex<HashMap<String, usize>>>;

/// A receiver that counts deliveries per `webhook-id` and keeps the last request for checks.
async fn receiver(delay: Duration) -> (String, Seen, Arc<Mutex<Option<(HeaderMap, Bytes)>>>) {
    let seen: Seen = Arc::default();
    let last: Arc<Mutex<Option<(HeaderMap, Bytes)>>> = Arc::default();
    let (s, l) = (Arc::clone(&seen), Arc::clone(&last));
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let (s, l) = (Arc::clone(&s), Arc::clone(&l));
            async move {
                tokio::time::sleep(delay).await;
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                *s.lock().unwrap().entry(id).or_default() += 1;
                *l.lock().unwrap() = Some((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen, last)
}

/// Queues `n` test.ping events (`evt_crash_0` …) through core directly: `n` CLI processes would
/// be slow, and no secret is needed to queue.
fn queue_pings(dir: &std::path::Path, n: usize) {
    let sb = Switchboard::open(OpenOptions {
        data_dir: Some(dir.to_owned()),
        keychain: Some(Keychain::in_memory()),
        ..Default::default()
    })
    .unwrap();
    let events: Vec<EmitRequest> = (0..n)
        .map(|i| EmitRequest {
            event_type: "test.ping".into(),
            data: format!("{{\"n\":{i}}}"),
            id: Some(format!("evt_crash_{i}")),
        })
        .collect();
    sb.emit_many(&switchboard_core::Actor::admin_for_tests(), &events)
        .unwrap();
}

fn add_endpoint(dir: &std::path::Path, url: &str) -> String {
    let out = switchboard(dir)
        .args([
            "--json",
            "endpoint",
            "add",
            url,
            "--allow-http",
            "--allow-private",
        ])
        .assert()
        .success();
    let created: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    created["secret"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn emit_and_worker_deliver_a_signed_event_that_the_reference_library_accepts() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let (url, seen, last) = receiver(Duration::ZERO).await;
    let d = dir.path().to_owned();
    let secret = tokio::task::spawn_blocking(move || {
        let secret = add_endpoint(&d, &url);
        switchboard(&d)
            .args([
                "emit",
                "appointment.created",
                "--data",
                r#"{"pet_name":"Max"}"#,
                "--id",
                "evt_cli_1",
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains("Queued evt_cli_1 for 1 endpoint"));
        switchboard(&d)
            .args([
                "emit",
                "appointment.created",
                "--data",
                r#"{"pet_name":"Max"}"#,
                "--id",
                "evt_cli_1",
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains("already queued"));
        switchboard(&d)
            .args(["emit", "pet.exploded", "--data", "{}"])
            .assert()
            .failure()
            .stderr(predicate::str::contains("not an event type"));
        // Data is checked against the catalogue: the JSON path is named, nothing is queued.
        switchboard(&d)
            .args([
                "emit",
                "invoice.paid",
                "--data",
                r#"{"invoice_id":"inv_1","amount":84.5}"#,
            ])
            .assert()
            .failure()
            .stderr(predicate::str::contains("data.amount"));
        let refused = switchboard(&d)
            .args([
                "--json",
                "emit",
                "invoice.created",
                "--data",
                r#"{"lines":[{"kind":"service","amount":"65.00"},{"kind":"toy"}]}"#,
            ])
            .assert()
            .failure()
            .get_output()
            .stderr
            .clone();
        let refused: serde_json::Value = serde_json::from_slice(&refused).unwrap();
        assert_eq!(refused["field"], "data.lines[1].kind", "{refused}");
        switchboard(&d)
            .args(["worker", "--drain"])
            .assert()
            .success();
        switchboard(&d)
            .args(["deliveries", "list", "--status", "succeeded"])
            .assert()
            .success()
            .stdout(predicate::str::contains("appointment.created"));
        secret
    })
    .await
    .unwrap();
    assert_eq!(seen.lock().unwrap().get("evt_cli_1"), Some(&1));
    let (headers, body) = last.lock().unwrap().clone().unwrap();
    standardwebhooks::Webhook::new(&secret)
        .unwrap()
        .verify(&body, &headers)
        .unwrap();
}

/// The process is killed in the middle of 10,000 deliveries and started again: every event
/// arrives, and only attempts in flight at the kill may arrive twice (with the same id).
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_worker_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let (url, seen, _) = receiver(Duration::from_millis(2)).await;
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || add_endpoint(&d, &url))
        .await
        .unwrap();
    queue_pings(dir.path(), 10_000);
    let mut child = crate::spawn_as_admin(dir.path(), &["worker"])
        .env("SWITCHBOARD_WORKER_LEASE_SECS", "2")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    crate::send_password(&mut child);
    let started = Instant::now();
    while seen.lock().unwrap().len() < 1_500 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker did not deliver"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up.
    child.wait().unwrap();
    let before = seen.lock().unwrap().len();
    assert!(before < 10_000, "killed mid-run ({before} delivered)");

    tokio::time::sleep(Duration::from_secs(3)).await; // the dead worker's leases expire
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .env("SWITCHBOARD_WORKER_LEASE_SECS", "2")
            .args(["worker", "--drain"])
            .assert()
            .success();
    })
    .await
    .unwrap();
    let (delivered, repeats) = {
        let seen = seen.lock().unwrap();
        (seen.len(), seen.values().filter(|n| **n > 1).count())
    };
    assert_eq!(delivered, 10_000, "every event delivered");
    // What can be in flight at a kill: the batch being sent and the previous one, sent but not
    // yet recorded (the worker overlaps them). Anything recorded is never sent again.
    let in_flight = 2 * switchboard_core::webhooks::worker::WorkerConfig::default().batch;
    assert!(
        repeats <= in_flight,
        "only deliveries in flight at the kill may repeat: {repeats} > {in_flight}"
    );
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args(["--json", "deliveries", "list", "--status", "pending"])
            .assert()
            .success()
            .stdout(predicate::str::contains("\"rows\": []"));
        switchboard(&d)
            .args(["--json", "deliveries", "list", "--status", "retrying"])
            .assert()
            .success()
            .stdout(predicate::str::contains("\"rows\": []"));
        let ep: serde_json::Value = serde_json::from_slice(
            &switchboard(&d)
                .args(["--json", "endpoint", "list"])
                .assert()
                .success()
                .get_output()
                .stdout,
        )
        .unwrap();
        let id = ep[0]["id"].as_str().unwrap().to_owned();
        switchboard(&d)
            .args(["endpoint", "remove", &id])
            .assert()
            .success();
    })
    .await
    .unwrap();
}

/// With the default 90-second lease, a worker killed mid-batch and started again resumes at
/// once: taking the services lock proves the dead one's claims are orphaned. (Before the lock,
/// 55 of 200 were still undelivered 40 s after the restart.)
#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_worker_resumes_a_killed_ones_deliveries_at_once() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    // Slow enough that the kill lands mid-batch: 200 deliveries, 64 at a time per endpoint.
    let (url, seen, _) = receiver(Duration::from_millis(400)).await;
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || add_endpoint(&d, &url))
        .await
        .unwrap();
    queue_pings(dir.path(), 200);
    let start_worker = |dir: &std::path::Path| {
        let mut child = crate::spawn_as_admin(dir, &["worker"])
            .env_remove("SWITCHBOARD_WORKER_LEASE_SECS")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        crate::send_password(&mut child);
        child
    };
    let mut first = start_worker(dir.path());
    let started = Instant::now();
    while seen.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker did not deliver"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().unwrap(); // SIGKILL, holding leases on what it had not recorded
    first.wait().unwrap();
    let before = seen.lock().unwrap().len();
    assert!(before < 200, "killed mid-batch ({before} delivered)");

    let mut second = start_worker(dir.path());
    let restarted = Instant::now();
    while seen.lock().unwrap().len() < 200 && restarted.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = seen.lock().unwrap().len();
    let took = restarted.elapsed();
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(
        delivered, 200,
        "every event within 15 s of the restart ({took:?})"
    );
}
