use predicates::prelude::*;
use switchboard_fakes::{FakeProvider, FakeProviders, Scenario};

use crate::{keychain_available, switchboard};

fn add_square(dir: &std::path::Path, name: &str, base: &str) {
    switchboard(dir)
        .args([
            "integration",
            "add",
            "square",
            "--name",
            name,
            "--env",
            "sandbox",
            "--base-url",
            base,
        ])
        .args([
            "--set",
            "location_id=18YC4JDH91E1H",
            "--secret",
            "access_token",
        ])
        .write_stdin(crate::with_password("EAAAcli-square-token\n"))
        .assert()
        .success();
}

#[tokio::test(flavor = "multi_thread")]
async fn test_exits_zero_only_when_ok_and_status_lists_every_integration() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let fakes = FakeProviders::start().await;
    add_square(dir.path(), "Payments", &fakes.base_url());
    add_square(dir.path(), "Old payments", &fakes.base_url());
    let d = dir.path().to_owned();

    let ok = tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args(["--json", "test", "payments"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    })
    .await
    .unwrap();
    let run: serde_json::Value = serde_json::from_slice(&ok).unwrap();
    assert_eq!(run["test"]["kind"], "ok");
    assert_eq!(run["status"]["level"], "green");

    fakes.set(FakeProvider::Square, Scenario::AccessTokenRevoked);
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args(["test", "Old payments"])
            .assert()
            .failure()
            .stdout(
                predicate::str::contains("RED")
                    .and(predicate::str::contains("ACCESS_TOKEN_REVOKED")),
            )
            .stdout(predicate::str::contains("What to do"));
    })
    .await
    .unwrap();

    let d = dir.path().to_owned();
    let status = tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args(["--json", "status"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    })
    .await
    .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&status).unwrap();
    let levels: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["level"].as_str().unwrap()))
        .collect();
    assert_eq!(levels, [("Old payments", "red"), ("Payments", "green")]);

    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args(["test", "nobody"])
            .assert()
            .failure()
            .stderr(predicate::str::contains("not found"));
        for name in ["Payments", "Old payments"] {
            switchboard(&d)
                .args(["integration", "remove", name])
                .assert()
                .success();
        }
    })
    .await
    .unwrap();
}

#[test]
fn settings_change_the_interval_and_refuse_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    switchboard(dir.path())
        .args(["settings", "--check-interval", "5"])
        .assert()
        .success()
        .stdout(predicate::str::contains("5 minutes"));
    switchboard(dir.path())
        .args(["--json", "settings", "--check-interval", "0"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("check_interval_minutes"));
    switchboard(dir.path())
        .args(["--json", "settings", "--clinic-name", "Maple Vets"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"checkIntervalMinutes\": 5"));
}
