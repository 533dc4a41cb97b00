//! `switchboard integration test-text` against the fake Twilio.

use predicates::prelude::*;
use switchboard_fakes::{FakeProviders, Recipient};

use crate::{keychain_available, switchboard};

fn add_twilio(dir: &std::path::Path, base: &str) {
    switchboard(dir)
        .args([
            "integration",
            "add",
            "twilio",
            "--name",
            "SMS",
            "--env",
            "live",
        ])
        .args(["--base-url", base])
        .args([
            "--set",
            "account_sid=AC0123456789abcdef0123456789abcdef",
            "--set",
            "sender=+15005550006",
            "--secret",
            "auth_token",
        ])
        .write_stdin(crate::with_password("0123456789abcdef0123456789abcdef\n"))
        .assert()
        .success();
}

#[tokio::test(flavor = "multi_thread")]
async fn test_text_prints_each_status_until_delivered_or_undelivered() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let fakes = FakeProviders::start().await;
    add_twilio(dir.path(), &fakes.base_url());
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args([
                "integration",
                "test-text",
                "SMS",
                "--to",
                "+1 415 555 2345",
                "--interval",
                "0.05",
            ])
            .assert()
            .success()
            .stdout(
                predicate::str::contains("Sent test text SM")
                    .and(predicate::str::contains("to …2345"))
                    .and(predicate::str::contains("queued:"))
                    .and(predicate::str::contains("sending:"))
                    .and(predicate::str::contains("sent:"))
                    .and(predicate::str::contains("delivered: Delivered")),
            );
    })
    .await
    .unwrap();
    assert_eq!(fakes.twilio_sends_to("+14155552345"), 1);

    fakes.set_twilio_recipient("+14155550123", Recipient::Undelivered { error_code: 30006 });
    let d = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args([
                "--json",
                "integration",
                "test-text",
                "SMS",
                "--to",
                "+14155550123",
                "--interval",
                "0.05",
            ])
            .assert()
            .failure()
            .get_output()
            .stdout
            .clone()
    })
    .await
    .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let statuses: Vec<&str> = lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["queued", "sending", "sent", "undelivered"]);
    let last = lines.last().unwrap();
    assert_eq!(last["errorCode"], "30006");
    assert!(last["summary"].as_str().unwrap().contains("landline"));

    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args(["integration", "test-text", "SMS", "--to", "+15005550009"])
            .assert()
            .failure()
            .stdout(predicate::str::contains(
                "Twilio refused the number: not a mobile number (21614)",
            ));
        switchboard(&d)
            .args(["integration", "test-text", "SMS", "--to", "12345"])
            .assert()
            .failure()
            .stderr(predicate::str::contains("to"));
    })
    .await
    .unwrap();
}
