//! `switchboard integration connect | disconnect | location` end to end: the CLI against the fake
//! authorization servers, with `$BROWSER` set to a script that approves the consent page with
//! curl and follows the redirect to Switchboard's loopback listener.

use std::io::{BufRead, BufReader};
use std::path::Path;

use predicates::prelude::*;
use switchboard_fakes::FakeProviders;

use crate::{all_file_bytes, contains, keychain_available, spawn_as_admin, switchboard};

/// Approves at the fake, saves the callback address, then opens it like a browser would.
const BROWSER_SCRIPT: &str = r#"#!/bin/sh
dir=$(dirname "$0")
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$1&fake_decision=approve")
printf '%s' "$callback" > "$dir/callback.txt"
curl -s "$callback" > "$dir/page.html"
"#;

fn browser(dir: &Path) -> String {
    let script = dir.join("browser.sh");
    std::fs::write(&script, BROWSER_SCRIPT).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    script.display().to_string()
}

fn code_from(callback: &str) -> String {
    let url = url::Url::parse(callback).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn quickbooks_connects_through_the_browser_and_no_token_or_code_is_left_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let fakes = FakeProviders::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let browser = browser(scratch.path());
    let (d, base) = (dir.path().to_owned(), fakes.base_url());
    let out = blocking(move || {
        switchboard(&d)
            .args([
                "integration",
                "add",
                "quickbooks",
                "--name",
                "Books",
                "--env",
                "sandbox",
            ])
            .args(["--base-url", &base, "--set", "client_id=ABclient"])
            .args(["--set", "redirect_port=0", "--secret", "client_secret"])
            .write_stdin(crate::with_password("qb-client-secret\n"))
            .assert()
            .success();
        switchboard(&d)
            .args(["status"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Not connected"));
        switchboard(&d)
            .args(["integration", "connect", "Books"])
            .env("BROWSER", &browser)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "Sign in to QuickBooks Online at this address",
            ))
            .stdout(predicate::str::contains(
                "/connect/oauth2?client_id=ABclient",
            ))
            .stdout(predicate::str::contains("Company ID 9341453000000001"))
            .stdout(predicate::str::contains("Larry's Bakery"))
            .get_output()
            .stdout
            .clone()
    })
    .await;
    let page = std::fs::read_to_string(scratch.path().join("page.html")).unwrap();
    assert!(page.contains("Switchboard is connected"), "{page}");
    let callback = std::fs::read_to_string(scratch.path().join("callback.txt")).unwrap();
    let code = code_from(&callback);
    let refresh = fakes.quickbooks_refresh_token().unwrap();
    let access = fakes.quickbooks_access_token().unwrap();

    let d = dir.path().to_owned();
    let more = blocking(move || {
        let status = switchboard(&d)
            .args(["--json", "status"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let disconnect = switchboard(&d)
            .args(["integration", "disconnect", "Books"])
            .assert()
            .success()
            .stdout(predicate::str::contains("revoked"))
            .get_output()
            .stdout
            .clone();
        [status, disconnect].concat()
    })
    .await;
    assert!(fakes
        .requests()
        .iter()
        .any(|r| r.path == "/v2/oauth2/tokens/revoke"));
    // Neither the tokens nor the code: not in the database, its WAL, the logs or any output.
    let output = [out, more].concat();
    for secret in [&refresh, &access, &code] {
        assert!(!contains(&output, secret), "{secret} in command output");
        for (path, bytes) in all_file_bytes(dir.path()) {
            assert!(!contains(&bytes, secret), "{secret} found in {path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_browser_prints_the_address_and_waits_for_it_to_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let fakes = FakeProviders::start().await;
    let (d, base) = (dir.path().to_owned(), fakes.base_url());
    blocking(move || {
        switchboard(&d)
            .args([
                "integration",
                "add",
                "square",
                "--name",
                "Payments",
                "--env",
                "sandbox",
            ])
            .args([
                "--base-url",
                &base,
                "--set",
                "application_id=sandbox-sq0idb-app",
            ])
            .args(["--set", "redirect_port=0"])
            .assert()
            .success();
    })
    .await;
    let mut child = spawn_as_admin(
        dir.path(),
        &[
            "--json",
            "integration",
            "connect",
            "Payments",
            "--no-browser",
        ],
    )
    .env("BROWSER", "/bin/false")
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    crate::send_password(&mut child);
    let stderr = child.stderr.take().unwrap();
    // With --json the address goes to standard error; standard output is the result. The pipe
    // is read to its end on a thread: dropped after the address, the CLI's next line on
    // standard error would meet a closed pipe and end it before the callback came.
    let (found, url) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.trim().starts_with("http") {
                if let Some(tx) = found.take() {
                    let _ = tx.send(line.trim().to_owned());
                }
            }
        }
    });
    let url = blocking(move || url.recv().unwrap()).await;
    assert!(url.contains("/oauth2/authorize?client_id=sandbox-sq0idb-app"));
    assert!(url.contains("code_challenge_method=S256"));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client
        .get(format!("{url}&fake_decision=approve"))
        .send()
        .await
        .unwrap();
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    let page = client
        .get(&callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Switchboard is connected"), "{page}");
    let output = blocking(move || child.wait_with_output().unwrap()).await;
    assert!(output.status.success());
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["connected"]["needsLocation"], true);
    assert_eq!(
        result["connected"]["locations"].as_array().unwrap().len(),
        2
    );

    // A new process: the access token was only in the other one's memory, so listing renews
    // it (rotating the single-use refresh token), then the location is chosen and tested.
    let d = dir.path().to_owned();
    blocking(move || {
        switchboard(&d)
            .args(["integration", "location", "Payments"])
            .assert()
            .success()
            .stdout(
                predicate::str::contains("18YC4JDH91E1H").and(predicate::str::contains("Midtown")),
            );
        switchboard(&d)
            .args(["integration", "location", "Payments", "--choose", "NOPE"])
            .assert()
            .failure()
            .stderr(predicate::str::contains(
                "not one of this merchant's active locations",
            ));
        switchboard(&d)
            .args([
                "integration",
                "location",
                "Payments",
                "--choose",
                "3Z4V4WHQK64X9",
            ])
            .assert()
            .success();
        switchboard(&d)
            .args(["test", "Payments"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Midtown"));
        switchboard(&d)
            .args(["integration", "disconnect", "Payments"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Square keeps"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_sign_in_fails_with_a_clear_message_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let fakes = FakeProviders::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let script = browser(scratch.path());
    let text = std::fs::read_to_string(&script)
        .unwrap()
        .replace("approve", "deny");
    std::fs::write(&script, text).unwrap();
    let (d, base) = (dir.path().to_owned(), fakes.base_url());
    blocking(move || {
        switchboard(&d)
            .args([
                "integration",
                "add",
                "quickbooks",
                "--name",
                "Books",
                "--env",
                "sandbox",
            ])
            .args(["--base-url", &base, "--set", "client_id=ABclient"])
            .args(["--set", "redirect_port=0", "--secret", "client_secret"])
            .write_stdin(crate::with_password("qb-client-secret\n"))
            .assert()
            .success();
        switchboard(&d)
            .args(["integration", "connect", "Books"])
            .env("BROWSER", &script)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .failure()
            .stderr(predicate::str::contains("declined"));
        switchboard(&d)
            .args(["--json", "integration", "show", "Books"])
            .assert()
            .success()
            .stdout(predicate::str::contains("\"revision\": 1"));
    })
    .await;
}
