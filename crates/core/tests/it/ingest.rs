//! The loopback ingest API over real HTTP: a server on 127.0.0.1:0, requests from reqwest (and raw
//! TCP for bodies a polite client would not send), checked against what core stored and audited.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::api_keys::ApiKeyDraft;
use switchboard_core::audit::{AuditResult, AuditRow};
use switchboard_core::ingest::{self, IngestServer};
use switchboard_core::webhooks::log::{DeliveryFilter, DeliveryStatus};
use switchboard_core::webhooks::worker::{Worker, WorkerConfig};
use switchboard_core::webhooks::EndpointDraft;
use switchboard_core::{Actor, Error, Keychain, OpenOptions, Switchboard};

use crate::receiver::Receiver;

struct Api {
    sb: Arc<Switchboard>,
    _dir: tempfile::TempDir,
    server: IngestServer,
    stop: tokio::sync::oneshot::Sender<()>,
    client: reqwest::Client,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: serde_json::Value,
}

impl Api {
    async fn start() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let sb = Arc::new(
            Switchboard::open(OpenOptions {
                data_dir: Some(dir.path().to_owned()),
                keychain: Some(Keychain::in_memory()),
                ..Default::default()
            })
            .unwrap(),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = ingest::serve(Arc::clone(&sb), 0, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
        Api {
            sb,
            _dir: dir,
            server,
            stop,
            client: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr())
    }

    fn key(&self, name: &str, scopes: &[&str]) -> String {
        self.sb
            .create_api_key(
                &Actor::user("usr_manager", "manager", switchboard_core::Role::Admin),
                ApiKeyDraft {
                    name: name.to_owned(),
                    scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                    expires_in_days: None,
                },
            )
            .unwrap()
            .secret
    }

    fn key_id(&self, name: &str) -> String {
        let keys = self
            .sb
            .list_api_keys(&switchboard_core::Actor::admin_for_tests())
            .unwrap();
        keys.into_iter().find(|k| k.name == name).unwrap().id
    }

    async fn post(&self, key: Option<&str>, body: impl Into<reqwest::Body>) -> Answer {
        let mut request = self
            .client
            .post(self.url("/v1/events"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        answer(request.send().await.unwrap()).await
    }

    fn count(&self, table: &str) -> i64 {
        self.sb
            .db()
            .read(|c| Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
            .unwrap()
    }

    /// The refused-use audit rows (`api_key.use`), oldest first.
    fn refusals(&self) -> Vec<AuditRow> {
        refusals(&self.sb)
    }

    /// Stops the server (which writes the refusals it counted) and hands back core and its
    /// data directory.
    async fn shut_down(self) -> (Arc<Switchboard>, tempfile::TempDir) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(10), self.server.stopped())
            .await
            .expect("the server stops when told to");
        (self.sb, self._dir)
    }
}

fn refusals(sb: &Switchboard) -> Vec<AuditRow> {
    let mut rows: Vec<AuditRow> = sb
        .recent_audit(&switchboard_core::Actor::admin_for_tests(), 10_000)
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "api_key.use")
        .collect();
    rows.reverse();
    rows
}

/// The refusals an aggregated audit row stands for.
fn count(row: &AuditRow) -> u64 {
    let field = row.changes.iter().find(|c| c.field == "count").unwrap();
    field.to.as_deref().unwrap().parse().unwrap()
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("answer {status} is not JSON ({e}): {text}"));
    Answer {
        status,
        headers,
        body,
    }
}

fn local(url: &str) -> EndpointDraft {
    EndpointDraft {
        url: url.to_owned(),
        allow_http: true,
        allow_private: true,
        timeout_secs: Some(2),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_posted_event_is_queued_and_delivered_once_even_when_posted_twice() {
    let api = Api::start().await;
    let rx = Receiver::ok().await;
    api.sb
        .create_endpoint(
            &Actor::user("usr_manager", "manager", switchboard_core::Role::Admin),
            local(&rx.url),
        )
        .unwrap();
    let key = api.key("Practice software", &["appointment.created"]);

    let health = answer(api.client.get(api.url("/v1/health")).send().await.unwrap()).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");

    let event = r#"{"type": "appointment.created", "data": {"pet": "Max", "at": "2025-03-01T09:30:00Z"}, "id": "evt_appt_1001"}"#;
    let first = api.post(Some(&key), event).await;
    assert_eq!(first.status, 202, "{}", first.body);
    assert_eq!(
        first.body,
        serde_json::json!({"id": "evt_appt_1001", "duplicate": false, "deliveries": 1})
    );
    let queued = api
        .sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter {
                event_id: Some("evt_appt_1001".into()),
                ..Default::default()
            },
            None,
            50,
        )
        .unwrap();
    assert_eq!(queued.rows.len(), 1);
    assert_eq!(queued.rows[0].status, DeliveryStatus::Pending);
    assert_eq!(queued.rows[0].event_type, "appointment.created");

    let again = api.post(Some(&key), event).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        again.body,
        serde_json::json!({"id": "evt_appt_1001", "duplicate": true, "deliveries": 0})
    );

    // Without an id, each post is a new event with a generated one.
    let fresh = api
        .post(Some(&key), r#"{"type": "appointment.created"}"#)
        .await;
    assert_eq!(fresh.status, 202, "{}", fresh.body);
    assert!(fresh.body["id"].as_str().unwrap().starts_with("evt_"));

    let mut worker = Worker::new(Arc::clone(&api.sb), WorkerConfig::default()).unwrap();
    while worker.run_once().await.unwrap() > 0 {}
    let got = rx.received();
    let ids: Vec<&str> = got
        .iter()
        .map(|r| r.headers["webhook-id"].to_str().unwrap())
        .collect();
    assert_eq!(
        ids.iter().filter(|id| **id == "evt_appt_1001").count(),
        1,
        "posted twice, delivered once: {ids:?}"
    );
    assert_eq!(got.len(), 2);
    let appointment = got
        .iter()
        .find(|r| r.headers["webhook-id"] == "evt_appt_1001")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&appointment.body).unwrap();
    assert_eq!(body["data"]["pet"], "Max");

    // Accepted events are not audited: the event rows are the key's usage log.
    assert!(api.refusals().is_empty());
    let listed = api
        .sb
        .list_api_keys(&switchboard_core::Actor::admin_for_tests())
        .unwrap();
    assert!(listed[0].last_used_at.is_some());
    let used = api
        .sb
        .api_key_uses(
            &switchboard_core::Actor::admin_for_tests(),
            &listed[0].id,
            None,
            10,
        )
        .unwrap();
    let ids: Vec<&str> = used.uses.iter().map(|u| u.event_id.as_str()).collect();
    assert_eq!(
        ids,
        [fresh.body["id"].as_str().unwrap(), "evt_appt_1001"],
        "newest first, the duplicate not again"
    );
    assert_eq!(used.refused, 0);

    api.shut_down().await;
}

/// A request that must be refused: what it is, the key sent, the body, and the expected status,
/// code and field.
type Refused<'a> = (
    &'a str,
    Option<&'a str>,
    String,
    u16,
    &'a str,
    Option<&'a str>,
);

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_a_json_error_naming_the_problem_store_nothing_and_are_audited() {
    let api = Api::start().await;
    let rx = Receiver::ok().await;
    api.sb
        .create_endpoint(
            &Actor::user("usr_manager", "manager", switchboard_core::Role::Admin),
            local(&rx.url),
        )
        .unwrap();
    let key = api.key("Scheduler", &["appointment.created"]);
    let expired = api.key("Last year's import", &[]);
    let revoked = api.key("Old PMS", &[]);
    api.sb
        .db()
        .write(|tx| {
            Ok(tx.execute(
                "UPDATE api_keys SET expires_at = 1 WHERE name = 'Last year''s import'",
                [],
            )?)
        })
        .unwrap();
    let revoked_id = api.key_id("Old PMS");
    api.sb
        .revoke_api_key(
            &Actor::user("usr_manager", "manager", switchboard_core::Role::Admin),
            &revoked_id,
        )
        .unwrap();
    let mut wrong = key.clone();
    wrong.replace_range(10..14, "zzzz");

    let ok_event = r#"{"type": "appointment.created", "data": {}}"#;
    let over_a_mib = format!(
        r#"{{"type": "appointment.created", "data": "{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    let cases: Vec<Refused<'_>> = vec![
        (
            "no key",
            None,
            ok_event.into(),
            401,
            "api_key_missing",
            Some("authorization"),
        ),
        (
            "wrong key",
            Some(&wrong),
            ok_event.into(),
            401,
            "api_key_invalid",
            Some("authorization"),
        ),
        (
            "not a key",
            Some("hunter2"),
            ok_event.into(),
            401,
            "api_key_invalid",
            Some("authorization"),
        ),
        (
            "expired",
            Some(&expired),
            ok_event.into(),
            401,
            "api_key_expired",
            Some("authorization"),
        ),
        (
            "revoked",
            Some(&revoked),
            ok_event.into(),
            401,
            "api_key_revoked",
            Some("authorization"),
        ),
        (
            "out of scope",
            Some(&key),
            r#"{"type": "invoice.paid", "data": {}}"#.into(),
            403,
            "out_of_scope",
            Some("type"),
        ),
        (
            "not JSON",
            Some(&key),
            "{type: appointment".into(),
            400,
            "invalid_json",
            None,
        ),
        (
            "empty body",
            Some(&key),
            String::new(),
            400,
            "invalid_json",
            None,
        ),
        (
            "unknown type",
            Some(&key),
            r#"{"type": "appointment.made"}"#.into(),
            400,
            "validation",
            Some("type"),
        ),
        (
            "bad id",
            Some(&key),
            r#"{"type": "appointment.created", "id": "12 34"}"#.into(),
            400,
            "validation",
            Some("id"),
        ),
        (
            "unknown field",
            Some(&key),
            r#"{"type": "appointment.created", "payload": {}}"#.into(),
            400,
            "validation",
            Some("payload"),
        ),
        (
            "data over 1 MiB",
            Some(&key),
            over_a_mib,
            413,
            "payload_too_large",
            Some("data"),
        ),
        (
            "body over the limit",
            Some(&key),
            "x".repeat(ingest::MAX_BODY_BYTES + 1),
            413,
            "payload_too_large",
            Some("data"),
        ),
    ];
    for (what, auth, body, status, code, field) in &cases {
        let got = api.post(*auth, body.clone()).await;
        assert_eq!(got.status, *status, "{what}: {}", got.body);
        assert_eq!(got.body["code"], *code, "{what}: {}", got.body);
        assert_eq!(got.body["field"].as_str(), *field, "{what}: {}", got.body);
        let message = got.body["message"].as_str().unwrap();
        assert!(message.len() > 20, "{what}: a message to act on: {message}");
        if *status == 401 {
            assert_eq!(got.headers["www-authenticate"], "Bearer", "{what}");
        }
    }

    // Basic auth is not a bearer key.
    let basic = answer(
        api.client
            .post(api.url("/v1/events"))
            .basic_auth("clinic", Some(&key))
            .body(ok_event)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(basic.status, 401);
    assert_eq!(basic.body["code"], "api_key_missing");

    // Other paths and methods: JSON too, and not audited (they are not uses of a key).
    for (method, path, status, code) in [
        (
            reqwest::Method::GET,
            "/v1/events",
            405,
            "method_not_allowed",
        ),
        (
            reqwest::Method::POST,
            "/v1/health",
            405,
            "method_not_allowed",
        ),
        (reqwest::Method::POST, "/v1/event", 404, "not_found"),
        (reqwest::Method::GET, "/", 404, "not_found"),
    ] {
        let got = answer(
            api.client
                .request(method.clone(), api.url(path))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(got.status, status, "{method} {path}: {}", got.body);
        assert_eq!(got.body["code"], code, "{method} {path}");
    }

    assert_eq!(api.count("webhook_events"), 0, "nothing stored");
    assert_eq!(api.count("deliveries"), 0, "nothing stored");
    // One row per subject and reason at once; repeats of one (the empty body is not JSON either,
    // the over-long body is too large data again, Basic auth sends no key) are only counted.
    let uses = api.refusals();
    assert_eq!(uses.len(), cases.len() - 2, "a row per key and reason");
    assert!(uses
        .iter()
        .all(|u| u.result == AuditResult::Refused && count(u) == 1));
    let actors: Vec<&str> = uses.iter().map(|u| u.actor.as_str()).collect();
    assert_eq!(
        &actors[..6],
        &[
            "api:unknown",
            "api:unknown",
            "api:unknown",
            "api:Last year's import",
            "api:Old PMS",
            "api:Scheduler"
        ]
    );
    assert!(actors[6..].iter().all(|a| *a == "api:Scheduler"));
    assert_eq!(
        uses[1].object_label.as_deref(),
        Some(&*format!("{}…", &wrong[..8])),
        "an unknown key is told apart by its shown prefix"
    );
    let details: Vec<&str> = uses.iter().map(|u| u.detail.as_deref().unwrap()).collect();
    assert_eq!(details[0], "no API key sent");
    assert_eq!(details[1], "unknown API key");
    assert!(details[3].starts_with("key expired"), "{}", details[3]);
    assert!(details[4].starts_with("key revoked"), "{}", details[4]);
    assert!(details[5].contains("invoice.paid"), "{}", details[5]);
    assert!(details[7].contains("(type)"), "{}", details[7]);
    assert!(details[10].contains("(data)"), "{}", details[10]);
    for u in &uses {
        let text = serde_json::to_string(u).unwrap();
        for secret in [&key, &expired, &revoked, &wrong] {
            assert!(!text.contains(secret.as_str()), "{text}");
        }
    }
    let scheduler = api.key_id("Scheduler");
    assert!(
        api.sb
            .get_api_key(&switchboard_core::Actor::admin_for_tests(), &scheduler)
            .unwrap()
            .last_used_at
            .is_none(),
        "a refused use is not a use"
    );
    let (sb, _dir) = api.shut_down().await;
    // Stopping writes what was counted: every attempt is accounted for.
    let uses = refusals(&sb);
    assert_eq!(uses.len(), cases.len() + 1);
    assert_eq!(
        uses.iter().map(count).sum::<u64>(),
        cases.len() as u64 + 1,
        "every attempt counted once"
    );
    let page = sb
        .api_key_uses(
            &switchboard_core::Actor::admin_for_tests(),
            &scheduler,
            None,
            10,
        )
        .unwrap();
    assert!(page.uses.is_empty());
    assert_eq!(
        page.refused, 8,
        "the Scheduler key's refusals, as the audit counts them"
    );
    assert!(
        sb.verify_audit(&switchboard_core::Actor::admin_for_tests())
            .unwrap()
            .ok
    );

    // The files hold no key, only hashes.
    for entry in std::fs::read_dir(sb.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            for secret in [&key, &expired, &revoked] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{} holds a key",
                    path.display()
                );
            }
        }
    }
}

/// Sends `head` and then `body` in `chunk`-sized writes over raw TCP, and returns the status line
/// and everything after it. Writes after the server answered may fail; that is the point.
fn raw_request(
    addr: std::net::SocketAddr,
    head: &str,
    body: impl Iterator<Item = Vec<u8>>,
) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    for chunk in body {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_body_is_refused_without_being_read_to_the_end() {
    let api = Api::start().await;
    let key = api.key("PMS", &[]);
    let addr = api.server.addr();

    // Declares 10 GiB and sends almost none of it: answered at once from the declared length.
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n"
    );
    let started = std::time::Instant::now();
    let answer = tokio::task::spawn_blocking(move || {
        raw_request(addr, &head, std::iter::once(b"{\"type\":".to_vec()))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#""code":"payload_too_large""#), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Chunked, no length given, and the body never ends: refused once the limit is crossed.
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let chunk = {
        let data = vec![b' '; 64 * 1024];
        let mut c = format!("{:x}\r\n", data.len()).into_bytes();
        c.extend_from_slice(&data);
        c.extend_from_slice(b"\r\n");
        c
    };
    let chunks = ingest::MAX_BODY_BYTES / (64 * 1024) + 2;
    let answer = tokio::task::spawn_blocking(move || {
        raw_request(addr, &head, std::iter::repeat_n(chunk, chunks))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#""code":"payload_too_large""#), "{answer}");

    // Without a good key the body is not read at all.
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer sbk_nope\r\n\
         Content-Length: 10737418240\r\n\r\n"
    );
    let answer = tokio::task::spawn_blocking(move || raw_request(addr, &head, std::iter::empty()))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    assert_eq!(api.count("webhook_events"), 0);
    let uses = api.refusals();
    assert_eq!(
        uses.len(),
        2,
        "the second too-large body is counted with the first"
    );
    assert!(uses[0].detail.as_deref().unwrap().contains("(data)"));
    assert_eq!(uses[1].detail.as_deref(), Some("unknown API key"));
    let (sb, _dir) = api.shut_down().await;
    let uses = refusals(&sb);
    assert_eq!(uses.len(), 3);
    assert!(uses[2].detail.as_deref().unwrap().contains("(data)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_port_in_use_is_reported_plainly() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let sb = Arc::new(
        Switchboard::open(OpenOptions {
            data_dir: Some(dir.path().to_owned()),
            keychain: Some(Keychain::in_memory()),
            ..Default::default()
        })
        .unwrap(),
    );
    let err = ingest::serve(sb, port, std::future::pending())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(m) if m.contains(&port.to_string())),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_posts_are_all_stored_each_gets_its_own_answer_and_a_bad_one_fails_alone() {
    let api = Arc::new(Api::start().await);
    let rx = Receiver::ok().await;
    api.sb
        .create_endpoint(
            &Actor::user("usr_manager", "manager", switchboard_core::Role::Admin),
            local(&rx.url),
        )
        .unwrap();
    let key = api.key("PMS", &[]);
    let commits = api.sb.db().synced_commits();
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..300 {
        let (api, key) = (Arc::clone(&api), key.clone());
        posts.spawn(async move {
            // One in the middle is broken: bad JSON in data.
            let body = if i == 150 {
                r#"{"type": "test.ping", "id": "evt_c150", "data": {"x": }}"#.to_owned()
            } else {
                format!(r#"{{"type": "test.ping", "id": "evt_c{i}", "data": {{"n": {i}}}}}"#)
            };
            (i, api.post(Some(&key), body).await)
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = posts.join_next().await {
        answers.push(done.unwrap());
    }
    for (i, got) in &answers {
        if *i == 150 {
            assert_eq!(got.status, 400, "{}", got.body);
            assert_eq!(got.body["code"], "invalid_json");
        } else {
            assert_eq!(got.status, 202, "{i}: {}", got.body);
            assert_eq!(got.body["id"], format!("evt_c{i}"), "its own answer");
            assert_eq!(got.body["deliveries"], 1);
        }
    }
    assert_eq!(api.count("webhook_events"), 299);
    assert_eq!(api.count("deliveries"), 299);
    let grouped = api.sb.db().synced_commits() - commits;
    assert!(
        (1..=299).contains(&grouped),
        "each acknowledged event went through a synced commit ({grouped})"
    );
    // Every stored row names the key that sent it.
    let key_id = api.key_id("PMS");
    let named: i64 = api
        .sb
        .db()
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM webhook_events WHERE api_key_id = ?1",
                [&key_id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(named, 299);
    let uses = api
        .sb
        .api_key_uses(
            &switchboard_core::Actor::admin_for_tests(),
            &key_id,
            None,
            500,
        )
        .unwrap();
    assert_eq!(uses.uses.len(), 200, "a page is at most 200");
    assert!(uses.next_before.is_some());
    assert_eq!(uses.refused, 1);

    let mut worker = Worker::new(Arc::clone(&api.sb), WorkerConfig::default()).unwrap();
    while worker.run_once().await.unwrap() > 0 {}
    assert_eq!(rx.received().len(), 299);
    let Ok(api) = Arc::try_unwrap(api) else {
        panic!("the posts are done")
    };
    api.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_bad_keys_adds_one_audit_row_per_key_and_reason_with_its_count() {
    let api = Arc::new(Api::start().await);
    let good = api.key("PMS", &[]);
    let mut wrong = good.clone();
    wrong.replace_range(10..14, "zzzz");
    let before = api.refusals().len();
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..500 {
        let (api, key) = (
            Arc::clone(&api),
            if i % 5 == 0 {
                "sbk_other".to_owned()
            } else {
                wrong.clone()
            },
        );
        posts.spawn(async move {
            api.post(Some(&key), r#"{"type": "test.ping"}"#)
                .await
                .status
        });
    }
    while let Some(status) = posts.join_next().await {
        assert_eq!(status.unwrap(), 401);
    }
    // Two unknown prefixes, one reason: one row each at once, the rest counted.
    let rows = api.refusals();
    assert_eq!(rows.len() - before, 2, "{rows:#?}");
    assert!(rows.iter().all(|r| count(r) == 1));
    let Ok(api) = Arc::try_unwrap(api) else {
        panic!("the posts are done")
    };
    let (sb, _dir) = api.shut_down().await;
    let rows = refusals(&sb);
    assert_eq!(rows.len(), 4, "one more row per prefix when the API stops");
    let total = |prefix: &str| -> u64 {
        rows.iter()
            .filter(|r| r.object_label.as_deref() == Some(&*format!("{prefix}…")))
            .map(count)
            .sum()
    };
    assert_eq!(total(&wrong[..8]), 400);
    assert_eq!(total("sbk_othe"), 100);
    assert!(rows[2..].iter().all(|r| r
        .detail
        .as_deref()
        .unwrap()
        .contains("times within a minute")));
    assert_eq!(api_events(&sb), 0);
}

fn api_events(sb: &Switchboard) -> i64 {
    sb.db()
        .read(|c| Ok(c.query_row("SELECT count(*) FROM webhook_events", [], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_revoked_while_the_api_remembers_it_is_refused_at_once() {
    let api = Api::start().await;
    let key = api.key("PMS", &[]);
    let event = r#"{"type": "test.ping"}"#;
    assert_eq!(api.post(Some(&key), event).await.status, 202);
    // The API has just checked this key; revoking it must still shut it out before the next
    // body is read, not only at the commit.
    api.sb
        .revoke_api_key(
            &Actor::user("usr_manager", "manager", switchboard_core::Role::Admin),
            &api.key_id("PMS"),
        )
        .unwrap();
    let refused = api.post(Some(&key), "not even JSON").await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.body["code"], "api_key_revoked");
    // A key revoked by another process (behind this core's back, as the CLI would) is refused by
    // the commit even while remembered.
    let other = api.key("Lab", &[]);
    assert_eq!(api.post(Some(&other), event).await.status, 202);
    api.sb
        .db()
        .write(|tx| {
            Ok(tx.execute(
                "UPDATE api_keys SET revoked_at = 1, revoked_by = 'cli' WHERE name = 'Lab'",
                [],
            )?)
        })
        .unwrap();
    let refused = api.post(Some(&other), event).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.body["code"], "api_key_revoked");
    assert_eq!(api.count("webhook_events"), 2);
    api.shut_down().await;
}

#[tokio::test]
async fn event_data_of_the_wrong_type_is_refused_naming_its_json_path_and_nothing_is_stored() {
    use switchboard_core::webhooks::catalogue;
    let api = Api::start().await;
    let key = api.key("Practice software", &["*"]);
    let mut invoice = catalogue::spec("invoice.created").unwrap().example_value();
    invoice["lines"][1]["amount"] = serde_json::json!(12.5);
    let cases = [
        (
            serde_json::json!({"type": "invoice.created", "data": invoice}),
            "data.lines[1].amount",
        ),
        (
            serde_json::json!({"type": "appointment.created", "data": {"start_at": "2026-12-01 15:30"}}),
            "data.start_at",
        ),
        (
            serde_json::json!({"type": "invoice.paid", "data": {"amount": "84.50", "currency": "usd"}}),
            "data.currency",
        ),
        (
            serde_json::json!({"type": "appointment.created", "data": {"owner_phone": "555 1234"}}),
            "data.owner_phone",
        ),
        (
            serde_json::json!({"type": "lab.completed", "data": {"patient": {"fp": 7}}}),
            "data.patient.fp",
        ),
        (
            serde_json::json!({"type": "test.ping", "data": [1, 2]}),
            "data",
        ),
    ];
    for (event, path) in &cases {
        let got = api.post(Some(&key), event.to_string()).await;
        assert_eq!(got.status, 400, "{path}: {}", got.body);
        assert_eq!(got.body["code"], "validation", "{path}: {}", got.body);
        assert_eq!(got.body["field"], *path, "{path}: {}", got.body);
        let message = got.body["message"].as_str().unwrap();
        assert!(message.contains(path), "{path}: {message}");
    }
    assert_eq!(api.count("webhook_events"), 0, "nothing stored");

    // Every issue is named, the first as the field.
    let mut two = catalogue::spec("invoice.created").unwrap().example_value();
    two["total"] = serde_json::json!(84.5);
    two["issued_on"] = serde_json::json!("01/12/2026");
    let got = api
        .post(
            Some(&key),
            serde_json::json!({"type": "invoice.created", "data": two}).to_string(),
        )
        .await;
    assert_eq!(got.body["field"], "data.issued_on", "{}", got.body);
    assert!(got.body["message"].as_str().unwrap().contains("data.total"));

    // Every catalogue example is accepted, and its bytes (money strings) are stored as sent.
    for spec in catalogue::CATALOGUE {
        let body = format!(r#"{{"type": "{}", "data": {}}}"#, spec.name, spec.example);
        let got = api.post(Some(&key), body).await;
        assert_eq!(got.status, 202, "{}: {}", spec.name, got.body);
    }
    assert_eq!(
        api.count("webhook_events") as usize,
        catalogue::CATALOGUE.len()
    );
    let stored: Vec<u8> = api
        .sb
        .db()
        .read(|c| {
            Ok(c.query_row(
                "SELECT body FROM webhook_events WHERE type = 'invoice.created'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let stored = String::from_utf8(stored).unwrap();
    assert!(
        stored.contains(r#""total": "84.50""#),
        "the data's bytes are kept: {stored}"
    );
}
