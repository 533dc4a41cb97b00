//! Dashboard status for 50 integrations with 1,000,000 stored connection tests.
//! Target (design.md): under 10 ms. Run: `cargo bench -p switchboard-core --bench status`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use rusqlite::params;
use switchboard_core::integrations::IntegrationDraft;
use switchboard_core::providers::Provider;
use switchboard_core::{Actor, Keychain, OpenOptions, Switchboard};

const INTEGRATIONS: usize = 50;
const TESTS: usize = 1_000_000;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sb = Switchboard::open(OpenOptions {
        data_dir: Some(dir.path().to_owned()),
        keychain: Some(Keychain::in_memory()),
        ..Default::default()
    })
    .expect("open");
    let actor = Actor::user("usr_bench", "bench", switchboard_core::Role::Admin);
    let mut ids = Vec::new();
    for i in 0..INTEGRATIONS {
        let draft = IntegrationDraft {
            provider: Provider::Square,
            name: format!("Location {i}"),
            environment: "production".into(),
            base_url: None,
            values: [("location_id".to_owned(), "18YC4JDH91E1H".to_owned())].into(),
            secrets: [("access_token".to_owned(), "EAAAbench".to_owned())].into(),
        };
        ids.push(
            sb.create_integration(&actor, draft)
                .expect("create")
                .integration
                .id,
        );
    }
    let started = Instant::now();
    let now = jiff::Timestamp::now().as_millisecond();
    sb.db()
        .write(|tx| {
            let mut stmt = tx.prepare(
                "INSERT INTO connection_tests (integration_id, at, outcome, http_status, latency_ms,
                     summary, action) VALUES (?1, ?2, ?3, 200, 120, 'Connected.', 'Nothing to do.')",
            )?;
            for n in 0..TESTS {
                let id = &ids[n % INTEGRATIONS];
                let at = now - i64::try_from(TESTS - n).unwrap_or(0) * 1000;
                let outcome = if n % 7 == 0 { "unreachable" } else { "ok" };
                stmt.execute(params![id, at, outcome])?;
            }
            Ok(())
        })
        .expect("fill");
    println!(
        "filled {TESTS} connection tests in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let statuses = sb
            .statuses(&switchboard_core::Actor::admin_for_tests())
            .expect("statuses");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(statuses.len(), INTEGRATIONS);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "dashboard status, {INTEGRATIONS} integrations, {TESTS} tests stored: median {:.2} ms, p95 {:.2} ms (target < 10 ms)",
        times[times.len() / 2],
        times[times.len() * 95 / 100]
    );
}
