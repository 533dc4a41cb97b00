//! The background services and the services lock: one start, one shutdown, one process per data
//! folder, and a restart that resumes a dead worker's deliveries at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use switchboard_core::lock::{Acquired, Program, ServicesLock};
use switchboard_core::providers::Provider;
use switchboard_core::services::{self, Service, Services};
use switchboard_core::webhooks::log::{DeliveryFilter, DeliveryRow, DeliveryStatus};
use switchboard_core::webhooks::worker::{Worker, WorkerConfig};
use switchboard_core::webhooks::EndpointDraft;
use switchboard_core::{Actor, ErrorCode, Switchboard};

use crate::receiver::Receiver;
use crate::webhooks::{actor, local, open, ping};

/// A receiver that accepts connections and never answers; counts the connections.
async fn silent_receiver() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (format!("http://{addr}/hook"), accepted)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn delivery_to(sb: &Switchboard, endpoint_id: &str) -> DeliveryRow {
    let page = sb
        .deliveries(
            &Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            50,
        )
        .unwrap();
    page.rows
        .into_iter()
        .find(|r| r.endpoint_id == endpoint_id)
        .unwrap()
}

fn at_ms(rfc3339: Option<&String>) -> i64 {
    rfc3339
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond()
}

/// A worker dies holding a lease (the default 90 s one); the next process to take the services
/// lock makes that delivery due at once, and leaves a scheduled retry where the schedule put it.
#[tokio::test(flavor = "multi_thread")]
async fn taking_the_lock_reclaims_a_dead_workers_leases_but_not_scheduled_retries() {
    let (_dir, sb) = open();
    let failing = Receiver::start(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()).await;
    let retrying = sb
        .create_endpoint(
            &actor(),
            EndpointDraft {
                event_types: vec!["test.ping".into()],
                ..local(&failing.url)
            },
        )
        .unwrap();
    sb.emit(&Actor::admin_for_tests(), &ping("{}")).unwrap();
    Worker::new(Arc::clone(&sb), WorkerConfig::default())
        .unwrap()
        .run_once()
        .await
        .unwrap();
    let scheduled = delivery_to(&sb, &retrying.endpoint.id);
    assert_eq!(scheduled.status, DeliveryStatus::Retrying);

    // A second endpoint that never answers, for a new event type only the worker below claims.
    let (silent_url, connections) = silent_receiver().await;
    let leased = sb
        .create_endpoint(
            &actor(),
            EndpointDraft {
                event_types: vec!["appointment.created".into()],
                ..local(&silent_url)
            },
        )
        .unwrap();
    let mut event = ping("{}");
    event.event_type = "appointment.created".into();
    sb.emit(&Actor::admin_for_tests(), &event).unwrap();
    let dead = tokio::spawn(
        Worker::new(Arc::clone(&sb), WorkerConfig::default())
            .unwrap()
            .run(std::future::pending()),
    );
    wait_for("the claim", || connections.load(Ordering::SeqCst) == 1).await;
    dead.abort(); // dies mid-request: claimed, nothing recorded
    let _ = dead.await;
    let now = jiff::Timestamp::now().as_millisecond();
    let lease_end = at_ms(
        delivery_to(&sb, &leased.endpoint.id)
            .next_attempt_at
            .as_ref(),
    );
    assert!(lease_end > now + 60_000, "claimed with the default lease");

    let lock = ServicesLock::acquire(&sb, Program::Worker).unwrap();
    let (reclaimed, _lock) = services::reclaim_leases(&sb, lock).await.unwrap();
    assert_eq!(reclaimed, 1, "only the dead worker's lease");
    let resumed = delivery_to(&sb, &leased.endpoint.id);
    assert!(at_ms(resumed.next_attempt_at.as_ref()) <= jiff::Timestamp::now().as_millisecond());
    assert_eq!(
        delivery_to(&sb, &retrying.endpoint.id).next_attempt_at,
        scheduled.next_attempt_at,
        "a scheduled retry keeps its time"
    );
    Worker::new(Arc::clone(&sb), WorkerConfig::default())
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(
        connections.load(Ordering::SeqCst),
        2,
        "sent again at once, not after the lease"
    );
}

/// One start runs every service (a never-tested integration is tested at once); a second
/// start is refused naming the first; one shutdown stops all and lets the next one take over.
#[tokio::test(flavor = "multi_thread")]
async fn one_start_runs_every_service_and_one_shutdown_hands_over() {
    let s = crate::connection::setup().await;
    let base = s.fakes.base_url();
    let id = crate::connection::add(&s, Provider::Twilio, "live", &base, &[]);
    let tested = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&tested);
    let lock = ServicesLock::acquire(&s.sb, Program::Serve).unwrap();
    let running = Services::new(Arc::clone(&s.sb))
        .ingest_api(0)
        .on_tested(Arc::new(move |run| {
            seen.lock().unwrap().push(run.integration_id.clone())
        }))
        .start(lock)
        .await
        .unwrap();
    let kinds: Vec<Service> = running.started().iter().map(|s| s.service).collect();
    assert_eq!(
        kinds,
        [
            Service::IngestApi,
            Service::DeliveryWorker,
            Service::SyncWorker,
            Service::ConnectionTests,
            Service::Retention
        ]
    );
    let addr = running.ingest_addr().unwrap();
    assert!(running.started()[0]
        .description
        .contains(&format!("http://{addr}")));
    assert_eq!(
        running.started()[3].description,
        "connection tests every 15 min"
    );
    wait_for("the background test", || {
        tested.lock().unwrap().contains(&id)
    })
    .await;

    let refused = ServicesLock::acquire(&s.sb, Program::Window).unwrap_err();
    assert_eq!(
        switchboard_core::AppError::from(&refused).code,
        ErrorCode::Conflict
    );
    assert!(
        refused.to_string().contains(&format!(
            "already run for this data folder in `switchboard serve` (pid {}",
            std::process::id()
        )),
        "{refused}"
    );
    let info = s.sb.info().unwrap();
    assert!(info.services.running_here);

    let started = Instant::now();
    running.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown waits for nothing idle"
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the ingest API stopped"
    );
    assert!(matches!(
        ServicesLock::try_acquire(&s.sb, Program::Window).unwrap(),
        Acquired::Held(_)
    ));
}
