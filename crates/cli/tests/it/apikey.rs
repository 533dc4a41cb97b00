//! `switchboard apikey …` and `switchboard serve`: keys shown once and never kept, and the ingest
//! API running beside the delivery worker in one headless process.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use predicates::prelude::*;

use crate::{all_file_bytes, contains, keychain_available, switchboard};

fn create_key(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = switchboard(dir)
        .args(["--json", "apikey", "create"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn a_key_is_printed_once_listed_by_its_prefix_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let created = create_key(
        d,
        &[
            "--name",
            "Practice software",
            "--scope",
            "appointment.created",
            "--scope",
            "appointment.cancelled",
            "--expires-in-days",
            "90",
        ],
    );
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["key"]["id"].as_str().unwrap().to_owned();
    let prefix = created["key"]["prefix"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("sbk_") && secret.len() > 40, "{secret}");
    assert_eq!(prefix, secret[..8]);
    assert_eq!(
        created["key"]["scopes"],
        serde_json::json!(["appointment.cancelled", "appointment.created"])
    );
    assert!(created["key"]["expiresAt"].is_string());

    // The text answer shows the key too: that is the one time it is shown.
    let text = switchboard(d)
        .args(["apikey", "create", "--name", "Lab import"])
        .assert()
        .success();
    let text = String::from_utf8(text.get_output().stdout.clone()).unwrap();
    let second = text.lines().last().unwrap().trim().to_owned();
    assert!(second.starts_with("sbk_"), "{text}");
    assert!(text.contains("shown once"), "{text}");

    let listed = switchboard(d)
        .args(["apikey", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("{prefix}…")))
        .stdout(predicate::str::contains(&id))
        .stdout(predicate::str::contains("ACTIVE"))
        .stdout(predicate::str::contains(
            "[appointment.cancelled,appointment.created]",
        ));
    let listed = listed.get_output().stdout.clone();
    for key in [&secret, &second] {
        assert!(!contains(&listed, key), "list shows a key");
        assert!(!contains(&listed, &key[8..]), "list shows part of a key");
    }
    let json = switchboard(d)
        .args(["--json", "apikey", "list"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert!(!json.to_string().contains(&secret));

    switchboard(d)
        .args(["apikey", "revoke", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("Revoked “Practice software”"));
    switchboard(d)
        .args(["apikey", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("REVOKED"));
    switchboard(d)
        .args(["apikey", "revoke", "key_missing"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not found"));
    switchboard(d)
        .args([
            "apikey",
            "create",
            "--name",
            "Bad",
            "--scope",
            "appointment.made",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("scopes"));

    let audit = switchboard(d)
        .args(["--json", "audit", "list"])
        .assert()
        .success();
    let audit = String::from_utf8(audit.get_output().stdout.clone()).unwrap();
    assert!(audit.contains("api_key.create") && audit.contains("api_key.revoke"));

    // Neither key is anywhere on disk: database, WAL or logs.
    for (path, bytes) in all_file_bytes(d) {
        for key in [&secret, &second] {
            assert!(!contains(&bytes, key), "{path} holds a key");
        }
    }
}

/// A receiver that counts the webhooks it gets.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let app = Router::new().route(
        "/hook",
        post(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            async { "ok" }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), count)
}

/// One HTTP/1.1 request over raw TCP; the status code and the body.
fn http_post(addr: &str, key: &str, body: &str) -> (u16, serde_json::Value) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let (_, body) = answer.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(body).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_takes_events_with_a_key_and_delivers_them_until_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let (url, delivered) = receiver().await;
    let d = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        switchboard(&d)
            .args(["endpoint", "add", &url, "--allow-http", "--allow-private"])
            .assert()
            .success();
        let key = create_key(&d, &["--name", "PMS", "--scope", "appointment.created"]);
        let key_id = key["key"]["id"].as_str().unwrap().to_owned();
        let key = key["secret"].as_str().unwrap().to_owned();

        let (serve, started) = spawn_serve(&d, &[]);
        let addr = started["listening"].as_str().unwrap().to_owned();
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");

        let event =
            r#"{"type": "appointment.created", "data": {"pet": "Max"}, "id": "evt_serve_1"}"#;
        let (status, body) = http_post(&addr, &key, event);
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["deliveries"], 1);
        let (status, body) = http_post(&addr, &key, event);
        assert_eq!(
            (status, &body["duplicate"]),
            (200, &serde_json::json!(true))
        );
        // Refused twice for one reason: the first is audited at once, the second only counted
        // until the server stops.
        for _ in 0..2 {
            let (status, body) = http_post(&addr, &key, r#"{"type": "invoice.paid"}"#);
            assert_eq!((status, body["code"].as_str()), (403, Some("out_of_scope")));
        }

        // The worker in the same process delivers it, once.
        let deadline = Instant::now() + Duration::from_secs(15);
        while delivered.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(delivered.load(Ordering::SeqCst), 1);

        // A second service process for the same data folder is refused, naming the first; one
        // for another folder cannot take the same port, and says so.
        let holder = format!(
            "already run for this data folder in `switchboard serve` (pid {}, since ",
            serve.id()
        );
        for command in [
            &["serve", "--port", "0"][..],
            &["worker"],
            &["worker", "--drain"],
        ] {
            switchboard(&d)
                .args(command)
                .timeout(Duration::from_secs(20))
                .assert()
                .failure()
                .stderr(predicate::str::contains(holder.as_str()));
        }
        // `info` says where the background services run.
        crate::raw(&d)
            .arg("info")
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "Background:      run by switchboard serve (pid {}, since ",
                serve.id()
            )));
        let port = addr.rsplit(':').next().unwrap().to_owned();
        let elsewhere = tempfile::tempdir().unwrap();
        switchboard(elsewhere.path())
            .args(["serve", "--port", &port])
            .timeout(Duration::from_secs(20))
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!("Port {port}")))
            .stderr(predicate::str::contains("already in use"));

        // Ctrl-C stops it cleanly.
        interrupt(serve);
        for (path, bytes) in all_file_bytes(&d) {
            assert!(!contains(&bytes, &key), "{path} holds the key");
        }

        // The key's uses: the one event it queued, and both refusals (the counted one written
        // when serve stopped).
        let out = switchboard(&d)
            .args(["--json", "apikey", "uses", &key_id])
            .assert()
            .success();
        let uses: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(uses["uses"].as_array().unwrap().len(), 1, "{uses}");
        assert_eq!(uses["uses"][0]["eventId"], "evt_serve_1");
        assert_eq!(uses["refused"], 2, "{uses}");
        switchboard(&d)
            .args(["apikey", "uses", &key_id])
            .assert()
            .success()
            .stdout(predicate::str::contains("appointment.created"))
            .stdout(predicate::str::contains("Refused requests: 2"));
    })
    .await
    .unwrap();
}

/// `switchboard --json serve --port 0` for `dir` with `env`, once it has said what it started:
/// the process and its JSON line (`listening`, `url`, `started`).
pub(crate) fn spawn_serve(
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (std::process::Child, serde_json::Value) {
    let mut serve = crate::spawn_as_admin(dir, &["--json", "serve", "--port", "0"])
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    crate::send_password(&mut serve);
    let mut stdout = BufReader::new(serve.stdout.take().unwrap());
    let mut started = String::new();
    // `--json` prints the whole object over several lines; it ends with a lone `}`.
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve exited: {started}"
        );
        started.push_str(&line);
        if line.trim_end() == "}" {
            break;
        }
    }
    (serve, serde_json::from_str(&started).unwrap())
}

/// Ctrl-C, and the process must stop cleanly (exit 0) within 15 s.
pub(crate) fn interrupt(mut serve: std::process::Child) {
    std::process::Command::new("kill")
        .args(["-INT", &serve.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = serve.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = serve.kill();
            panic!("serve did not stop on Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    serve
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status}: {stderr}");
}
