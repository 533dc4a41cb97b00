//! What the benchmarks share: a loopback receiver that counts, a fresh Switchboard, and the raw
//! loopback rate of a load generator against that receiver (the ceiling the others are held to).

#![allow(clippy::expect_used, clippy::unwrap_used, dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::routing::post;
use axum::Router;
use switchboard_core::{Keychain, OpenOptions, Switchboard};

/// An event's data as a clinic's program sends it.
pub const DATA: &str = r#"{"id":"apt_new123","pet_name":"Max","owner_name":"John Smith","scheduled_date":"2026-03-20","scheduled_time":"10:00","type":"wellness"}"#;

/// A webhook receiver on 127.0.0.1 that answers 200 and counts what it received.
pub struct Receiver {
    pub url: String,
    received: Arc<AtomicUsize>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let received = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&received);
        let app = Router::new().route(
            "/hook",
            post(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                async { "ok" }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver {
            url: format!("http://{addr}/hook"),
            received,
        }
    }

    pub fn received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }
}

pub fn open() -> (tempfile::TempDir, Arc<Switchboard>) {
    let dir = tempfile::tempdir().unwrap();
    let sb = Switchboard::open(OpenOptions {
        data_dir: Some(dir.path().to_owned()),
        keychain: Some(Keychain::in_memory()),
        ..Default::default()
    })
    .unwrap();
    (dir, Arc::new(sb))
}

/// A keep-alive HTTP client with `connections` connections to one host, as a load generator.
pub fn client(connections: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .build()
        .unwrap()
}

/// Posts `total` bodies to `url` from `concurrency` tasks, each one request at a time over its
/// kept-alive connection, with `auth` as a bearer token when given. Returns requests per second;
/// panics on any answer outside 2xx, so a rate is never made of errors.
pub async fn post_all(
    client: &reqwest::Client,
    url: &str,
    auth: Option<&str>,
    body: &[u8],
    total: usize,
    concurrency: usize,
) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url, next) = (client.clone(), url.to_owned(), Arc::clone(&next));
        let auth = auth.map(str::to_owned);
        let body = bytes::Bytes::copy_from_slice(body);
        tasks.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let mut request = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone());
                if let Some(auth) = &auth {
                    request = request.bearer_auth(auth);
                }
                let answer = request.send().await.unwrap();
                let status = answer.status();
                let text = answer.bytes().await.unwrap();
                assert!(
                    status.is_success(),
                    "{status}: {}",
                    String::from_utf8_lossy(&text)
                );
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// CPU seconds this process has used (user + system, all threads), where Linux says; with a
/// wall-clock rate it tells what a run would do on idle cores when other work shares them.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the file: 12 and 13 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
