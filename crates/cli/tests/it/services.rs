//! `switchboard serve` runs every background service the app window runs: nobody asks, and an
//! integration is tested and the retention period is applied.

use std::time::{Duration, Instant};

use switchboard_fakes::FakeProviders;

use crate::apikey::{interrupt, spawn_serve};
use crate::integration::add_twilio;
use crate::{keychain_available, switchboard};

const DAY_MS: i64 = 24 * 3600 * 1000;

#[tokio::test(flavor = "multi_thread")]
async fn serve_tests_integrations_and_prunes_without_being_asked() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let fakes = FakeProviders::start().await;
    let base = fakes.base_url();
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        add_twilio(&d, "Reminders", &["--base-url", &base]);
        // The first audit row (setup) is made older than any retention period.
        let db = rusqlite::Connection::open(d.join("switchboard.sqlite3")).unwrap();
        db.execute(
            "UPDATE audit_log SET at = at - ?1 WHERE seq = (SELECT min(seq) FROM audit_log)",
            [4000 * DAY_MS],
        )
        .unwrap();
        let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT count(*) FROM connection_tests"), 0);

        let (serve, started) = spawn_serve(&d, &[]);
        let described: Vec<&str> = started["started"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["description"].as_str().unwrap())
            .collect();
        assert_eq!(described.len(), 5, "{described:?}");
        assert!(described[0].starts_with("ingest API on http://127.0.0.1:"));
        assert_eq!(
            described[1..],
            [
                "delivery worker",
                "sync worker",
                "connection tests every 15 min",
                "retention pruning daily"
            ]
        );

        let deadline = Instant::now() + Duration::from_secs(20);
        let tested = "SELECT count(*) FROM connection_tests";
        let pruned = "SELECT count(*) FROM audit_log
                      WHERE actor = 'system:retention' AND action = 'audit.prune'";
        while (count(tested) == 0 || count(pruned) == 0) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        interrupt(serve);

        let status: serde_json::Value = serde_json::from_slice(
            &switchboard(&d)
                .args(["--json", "status"])
                .assert()
                .success()
                .get_output()
                .stdout,
        )
        .unwrap();
        assert_eq!(status[0]["level"], "green", "tested by serve: {status}");
        let pruned: serde_json::Value = serde_json::from_slice(
            &switchboard(&d)
                .args(["--json", "audit", "list", "--actor", "system:retention"])
                .assert()
                .success()
                .get_output()
                .stdout,
        )
        .unwrap();
        assert_eq!(pruned[0]["action"], "audit.prune", "{pruned}");
    })
    .await
    .unwrap();
}
