//! Webhook delivery through core: real SQLite, real HTTP to a local receiver, signatures checked
//! by the `standardwebhooks` crate (the reference implementation, not ours).

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use switchboard_core::webhooks::log::{DeliveryFilter, DeliveryStatus, ExportFormat};
use switchboard_core::webhooks::worker::{Worker, WorkerConfig};
use switchboard_core::webhooks::{EmitRequest, EndpointDraft, Scheme};
use switchboard_core::{Actor, Keychain, OpenOptions, Switchboard};

use crate::receiver::Receiver;

pub(crate) fn open() -> (tempfile::TempDir, Arc<Switchboard>) {
    let dir = tempfile::tempdir().unwrap();
    let sb = Switchboard::open(OpenOptions {
        data_dir: Some(dir.path().to_owned()),
        keychain: Some(Keychain::in_memory()),
        ..Default::default()
    })
    .unwrap();
    (dir, Arc::new(sb))
}

pub(crate) fn actor() -> Actor {
    Actor::user("usr_manager", "manager", switchboard_core::Role::Admin)
}

pub(crate) fn local(url: &str) -> EndpointDraft {
    EndpointDraft {
        url: url.to_owned(),
        allow_http: true,
        allow_private: true,
        timeout_secs: Some(2),
        ..Default::default()
    }
}

pub(crate) fn ping(data: &str) -> EmitRequest {
    EmitRequest {
        event_type: "test.ping".into(),
        data: data.into(),
        id: None,
    }
}

fn worker(sb: &Arc<Switchboard>) -> Worker {
    Worker::new(Arc::clone(sb), WorkerConfig::default()).unwrap()
}

/// Makes every waiting retry due now, as if its time had come.
fn make_due(sb: &Switchboard) {
    sb.db()
        .write(|tx| {
            Ok(tx.execute(
                "UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'retrying'",
                [],
            )?)
        })
        .unwrap();
}

#[tokio::test]
async fn signed_delivery_verifies_with_the_reference_library_and_is_logged() {
    let (_d, sb) = open();
    let rx = Receiver::ok().await;
    let created = sb.create_endpoint(&actor(), local(&rx.url)).unwrap();
    assert!(created.secret.starts_with("whsec_"));
    let emitted = sb
        .emit(
            &switchboard_core::Actor::admin_for_tests(),
            &ping(r#"{"hello":"clinic","n":1}"#),
        )
        .unwrap();
    assert_eq!(emitted.deliveries, 1);
    assert_eq!(worker(&sb).run_once().await.unwrap(), 1);

    let got = rx.received();
    assert_eq!(got.len(), 1);
    let wh = standardwebhooks::Webhook::new(&created.secret).unwrap();
    wh.verify(&got[0].body, &got[0].headers)
        .expect("the reference library accepts our signature");
    assert_eq!(got[0].headers["webhook-id"], emitted.event_id.as_str());
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["event"], "test.ping");
    assert_eq!(body["id"], emitted.event_id.as_str());
    assert_eq!(body["data"]["hello"], "clinic");

    let page = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            50,
        )
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].status, DeliveryStatus::Succeeded);
    let detail = sb
        .delivery(
            &switchboard_core::Actor::admin_for_tests(),
            &page.rows[0].id,
        )
        .unwrap();
    assert_eq!(detail.attempts.len(), 1);
    assert_eq!(detail.attempts[0].status_code, Some(200));
    assert!(detail.attempts[0].request_headers.contains("<redacted>"));
    assert!(
        !detail.attempts[0].request_headers.contains("v1,"),
        "signatures are not logged"
    );
    assert_eq!(
        detail.payload.as_bytes(),
        &got[0].body[..],
        "the logged payload is the bytes sent"
    );
}

#[tokio::test]
async fn the_seeds_hex_scheme_signs_the_body() {
    let (_d, sb) = open();
    let rx = Receiver::ok().await;
    let mut draft = local(&rx.url);
    draft.scheme = Some(Scheme::HmacSha256Hex);
    draft.secret = Some("a-shared-secret-of-the-clinic".into());
    sb.create_endpoint(&actor(), draft).unwrap();
    sb.emit(
        &switchboard_core::Actor::admin_for_tests(),
        &ping(r#"{"x":1}"#),
    )
    .unwrap();
    worker(&sb).run_once().await.unwrap();
    let got = &rx.received()[0];
    use hmac_check::expected;
    assert_eq!(
        got.headers["x-webhook-signature"],
        expected("a-shared-secret-of-the-clinic", &got.body).as_str()
    );
}

mod hmac_check {
    /// HMAC-SHA256 from the `standardwebhooks` crate's own dependency chain is not exposed, so
    /// compute it here with the algorithm spelled out (RFC 2104) over SHA-256 from sha2.
    pub fn expected(secret: &str, body: &[u8]) -> String {
        use sha2::{Digest, Sha256};
        let mut key = secret.as_bytes().to_vec();
        if key.len() > 64 {
            key = Sha256::digest(&key).to_vec();
        }
        key.resize(64, 0);
        let ipad: Vec<u8> = key.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = key.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&ipad)
            .chain_update(body)
            .finalize();
        let outer = Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize();
        format!("sha256={}", hex::encode(outer))
    }
}

#[tokio::test]
async fn only_subscribed_endpoints_get_an_event_and_a_repeated_id_is_delivered_once() {
    let (_d, sb) = open();
    let a = Receiver::ok().await;
    let b = Receiver::ok().await;
    let mut only_invoices = local(&a.url);
    only_invoices.event_types = vec!["invoice.paid".into()];
    sb.create_endpoint(&actor(), only_invoices).unwrap();
    sb.create_endpoint(&actor(), local(&b.url)).unwrap();
    let first = sb
        .emit(
            &switchboard_core::Actor::admin_for_tests(),
            &EmitRequest {
                event_type: "invoice.paid".into(),
                data: "{}".into(),
                id: Some("evt_same".into()),
            },
        )
        .unwrap();
    assert_eq!(first.deliveries, 2);
    let again = sb
        .emit(
            &switchboard_core::Actor::admin_for_tests(),
            &EmitRequest {
                event_type: "invoice.paid".into(),
                data: "{}".into(),
                id: Some("evt_same".into()),
            },
        )
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.deliveries, 0);
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    assert_eq!(a.received().len(), 1, "invoice.paid only");
    assert_eq!(b.received().len(), 2, "everything");
}

#[tokio::test]
async fn bad_events_and_endpoints_are_refused_and_store_nothing() {
    let (_d, sb) = open();
    assert_eq!(
        sb.emit(
            &switchboard_core::Actor::admin_for_tests(),
            &EmitRequest {
                event_type: "pet.exploded".into(),
                data: "{}".into(),
                id: None
            }
        )
        .unwrap_err()
        .field(),
        Some("type")
    );
    assert_eq!(
        sb.emit(
            &switchboard_core::Actor::admin_for_tests(),
            &ping("{not json")
        )
        .unwrap_err()
        .field(),
        Some("data")
    );
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(1024 * 1024));
    assert!(matches!(
        sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping(&big))
            .unwrap_err(),
        switchboard_core::Error::PayloadTooLarge(_)
    ));
    assert_eq!(
        sb.emit(
            &switchboard_core::Actor::admin_for_tests(),
            &EmitRequest {
                event_type: "test.ping".into(),
                data: "{}".into(),
                id: Some("bad id".into())
            }
        )
        .unwrap_err()
        .field(),
        Some("id")
    );
    for (url, allow_http, allow_private, words) in [
        ("ftp://example.com/x", true, true, "https://"),
        ("javascript:alert(1)", true, true, "https://"),
        ("http://example.com/x", false, false, "plain HTTP"),
        ("https://127.0.0.1/x", false, false, "private"),
        ("https://192.168.1.20/x", false, false, "private"),
        ("https://user:pw@example.com/x", false, false, "user name"),
        ("not a url", false, false, "spaces"),
    ] {
        let err = sb
            .create_endpoint(
                &actor(),
                EndpointDraft {
                    url: url.into(),
                    allow_http,
                    allow_private,
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(err.field(), Some("url"), "{url}");
        assert!(err.to_string().contains(words), "{url}: {err}");
    }
    let err = sb
        .create_endpoint(
            &actor(),
            EndpointDraft {
                url: "https://example.com".into(),
                event_types: vec!["nope".into()],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.field(), Some("event_types"));
    assert!(sb
        .list_endpoints(&switchboard_core::Actor::admin_for_tests())
        .unwrap()
        .is_empty());
    let n: i64 = sb
        .db()
        .read(|c| Ok(c.query_row("SELECT count(*) FROM webhook_events", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn failures_follow_the_schedule_then_succeed_with_the_same_webhook_id() {
    let (_d, sb) = open();
    let rx = Receiver::start(|n| {
        if n < 2 {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        } else {
            StatusCode::OK.into_response()
        }
    })
    .await;
    sb.create_endpoint(&actor(), local(&rx.url)).unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    let mut w = worker(&sb);
    w.run_once().await.unwrap();
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    assert_eq!(row.status, DeliveryStatus::Retrying);
    assert_eq!(row.last_status, Some(500));
    let next = row
        .next_attempt_at
        .as_ref()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap();
    let wait = next.as_millisecond() - jiff::Timestamp::now().as_millisecond();
    assert!(
        (3_000..=6_500).contains(&wait),
        "first retry after 5 s ±20%: {wait} ms"
    );
    assert_eq!(w.run_once().await.unwrap(), 0, "not due yet");
    make_due(&sb);
    w.run_once().await.unwrap();
    make_due(&sb);
    w.run_once().await.unwrap();
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    assert_eq!(row.status, DeliveryStatus::Succeeded);
    assert_eq!(row.attempts, 3);
    let ids: Vec<String> = rx
        .received()
        .iter()
        .map(|r| r.headers["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "retries keep the webhook-id"
    );
    assert_eq!(
        sb.delivery(&switchboard_core::Actor::admin_for_tests(), &row.id)
            .unwrap()
            .attempts
            .len(),
        3
    );
}

#[tokio::test]
async fn retry_after_is_honoured_and_the_eighth_failure_is_dead() {
    let (_d, sb) = open();
    let rx = Receiver::start(|_| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "120")],
            "busy",
        )
            .into_response()
    })
    .await;
    sb.create_endpoint(&actor(), local(&rx.url)).unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    let mut w = worker(&sb);
    w.run_once().await.unwrap();
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    let next = row
        .next_attempt_at
        .as_ref()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap();
    let wait = next.as_millisecond() - jiff::Timestamp::now().as_millisecond();
    assert!(
        (110_000..=121_000).contains(&wait),
        "Retry-After 120 s: {wait}"
    );
    for _ in 0..7 {
        make_due(&sb);
        w.run_once().await.unwrap();
    }
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    assert_eq!(row.status, DeliveryStatus::Dead);
    assert_eq!(row.attempts, 8);
    assert_eq!(rx.received().len(), 8);
    let detail = sb
        .delivery(&switchboard_core::Actor::admin_for_tests(), &row.id)
        .unwrap();
    assert_eq!(detail.attempts[0].response, "busy");

    // Resend brings it back for a fresh schedule.
    let resent = sb
        .resend(&actor(), std::slice::from_ref(&row.id), None)
        .unwrap();
    assert_eq!(resent, 1);
    w.run_once().await.unwrap();
    assert_eq!(rx.received().len(), 9);
}

#[tokio::test]
async fn gone_disables_the_endpoint_and_redirects_are_not_followed() {
    let (_d, sb) = open();
    let gone = Receiver::start(|_| StatusCode::GONE.into_response()).await;
    let ep = sb
        .create_endpoint(&actor(), local(&gone.url))
        .unwrap()
        .endpoint;
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    let after = sb
        .get_endpoint(&switchboard_core::Actor::admin_for_tests(), &ep.id)
        .unwrap();
    assert!(!after.enabled);
    assert!(after.disabled_reason.unwrap().contains("410"));
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    assert_eq!(row.status, DeliveryStatus::Dead);
    // Nothing more goes to a disabled endpoint.
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    assert_eq!(worker(&sb).run_once().await.unwrap(), 0);

    let (_d2, sb) = open();
    let moved = Receiver::start(|_| {
        (
            StatusCode::MOVED_PERMANENTLY,
            [("location", "https://elsewhere.example/hook")],
        )
            .into_response()
    })
    .await;
    sb.create_endpoint(&actor(), local(&moved.url)).unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    assert_eq!(row.status, DeliveryStatus::Retrying);
    let detail = sb
        .delivery(&switchboard_core::Actor::admin_for_tests(), &row.id)
        .unwrap();
    assert_eq!(detail.attempts[0].error_class.as_deref(), Some("redirect"));
    assert!(detail.attempts[0]
        .error
        .as_deref()
        .unwrap()
        .contains("elsewhere.example"));
    assert_eq!(moved.received().len(), 1, "the redirect was not followed");
}

/// One ping to a fresh endpoint at `url`, one worker pass: the delivery's status and its first
/// attempt.
async fn first_attempt(url: &str) -> (DeliveryStatus, switchboard_core::webhooks::log::AttemptRow) {
    let (_d, sb) = open();
    sb.create_endpoint(&actor(), local(url)).unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    let admin = switchboard_core::Actor::admin_for_tests();
    let row = sb
        .deliveries(&admin, &DeliveryFilter::default(), None, 1)
        .unwrap()
        .rows
        .remove(0);
    let mut detail = sb.delivery(&admin, &row.id).unwrap();
    (row.status, detail.attempts.remove(0))
}

#[tokio::test]
async fn network_faults_are_classified() {
    let fakes = switchboard_fakes::FakeProviders::start().await;
    // The fakes' Hang, Reset and HugeBody scenarios apply to Twilio's POST Messages path too.
    let messages = format!(
        "{}/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
        fakes.base_url()
    );
    let cases = [
        (switchboard_fakes::Scenario::Hang, "timeout"),
        // Regression: a connection cut after the request was sent was classed `connect`.
        (switchboard_fakes::Scenario::Reset, "reset"),
    ];
    for (scenario, class) in cases {
        fakes.set(switchboard_fakes::FakeProvider::Twilio, scenario);
        let (status, attempt) = first_attempt(&messages).await;
        assert_eq!(
            attempt.error_class.as_deref(),
            Some(class),
            "{scenario:?}: {attempt:?}"
        );
        assert_eq!(status, DeliveryStatus::Retrying);
    }

    // Nothing listens: the connection itself is refused, which is `connect`, not `reset`.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let (_, attempt) = first_attempt(&closed_url).await;
    assert_eq!(attempt.error_class.as_deref(), Some("connect"));

    fakes.set(
        switchboard_fakes::FakeProvider::Twilio,
        switchboard_fakes::Scenario::HugeBody,
    );
    let (_, attempt) = first_attempt(&messages).await;
    assert_eq!(
        attempt.response.len(),
        64 * 1024,
        "only the first 64 KiB is kept"
    );

    let (_d, sb) = open();
    sb.create_endpoint(
        &actor(),
        local(&format!(
            "{}/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
            fakes.tls_base_url()
        )),
    )
    .unwrap();
    sb.create_endpoint(
        &actor(),
        EndpointDraft {
            url: "https://switchboard-test.invalid/hook".into(),
            timeout_secs: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    let mut classes: Vec<String> = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            10,
        )
        .unwrap()
        .rows
        .iter()
        .map(|r| {
            sb.delivery(&switchboard_core::Actor::admin_for_tests(), &r.id)
                .unwrap()
                .attempts[0]
                .error_class
                .clone()
                .unwrap()
        })
        .collect();
    classes.sort();
    assert_eq!(classes, ["dns", "tls"]);
}

#[tokio::test]
async fn a_host_name_that_resolves_to_this_computer_needs_permission() {
    let (_d, sb) = open();
    let rx = Receiver::ok().await;
    let err = sb
        .create_endpoint(
            &actor(),
            EndpointDraft {
                url: rx.url.replace("127.0.0.1", "localhost"),
                allow_http: true,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("private"), "{err}");
    // A name is resolved again when sending: allowed when created, the permission is then
    // withdrawn behind the API's back (as a DNS change would), and the send is refused.
    let by_name = rx.url.replace("127.0.0.1", "localhost");
    sb.create_endpoint(
        &actor(),
        EndpointDraft {
            url: by_name,
            allow_http: true,
            allow_private: true,
            timeout_secs: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
    sb.db()
        .write(|tx| Ok(tx.execute("UPDATE webhook_endpoints SET allow_private = 0", [])?))
        .unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    let attempt = &sb
        .delivery(&switchboard_core::Actor::admin_for_tests(), &row.id)
        .unwrap()
        .attempts[0];
    assert_eq!(
        attempt.error_class.as_deref(),
        Some("blocked"),
        "{attempt:?}"
    );
    assert!(rx.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn rotation_signs_with_both_secrets_for_a_day() {
    let (_d, sb) = open();
    let rx = Receiver::ok().await;
    let created = sb.create_endpoint(&actor(), local(&rx.url)).unwrap();
    let new_secret = sb
        .rotate_endpoint_secret(&actor(), &created.endpoint.id)
        .unwrap();
    assert_ne!(new_secret, created.secret);
    assert!(sb
        .get_endpoint(
            &switchboard_core::Actor::admin_for_tests(),
            &created.endpoint.id
        )
        .unwrap()
        .previous_secret_valid_until
        .is_some());
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    let got = &rx.received()[0];
    for secret in [&created.secret, &new_secret] {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&got.body, &got.headers)
            .expect("both secrets verify");
    }
    assert_eq!(
        got.headers["webhook-signature"]
            .to_str()
            .unwrap()
            .split(' ')
            .count(),
        2
    );
}

#[tokio::test]
async fn the_log_filters_pages_and_exports() {
    let (dir, sb) = open();
    let ok = Receiver::ok().await;
    let bad = Receiver::start(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()).await;
    let good_ep = sb
        .create_endpoint(&actor(), local(&ok.url))
        .unwrap()
        .endpoint;
    sb.create_endpoint(&actor(), local(&bad.url)).unwrap();
    for i in 0..30 {
        sb.emit(
            &switchboard_core::Actor::admin_for_tests(),
            &EmitRequest {
                event_type: if i % 2 == 0 {
                    "invoice.paid".into()
                } else {
                    "test.ping".into()
                },
                data: format!("{{\"i\":{i}}}"),
                id: None,
            },
        )
        .unwrap();
    }
    let mut w = worker(&sb);
    while w.run_once().await.unwrap() > 0 {}
    let all = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            500,
        )
        .unwrap();
    assert_eq!(all.rows.len(), 60);
    let first = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            25,
        )
        .unwrap();
    let second = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            first.next_cursor.as_deref(),
            25,
        )
        .unwrap();
    assert_eq!(first.rows.len(), 25);
    assert!(second.rows[0].id.parse::<i64>().unwrap() < first.rows[24].id.parse::<i64>().unwrap());
    let by_ep = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter {
                endpoint_id: Some(good_ep.id.clone()),
                ..Default::default()
            },
            None,
            500,
        )
        .unwrap();
    assert_eq!(by_ep.rows.len(), 30);
    let failed = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter {
                status: Some(DeliveryStatus::Retrying),
                ..Default::default()
            },
            None,
            500,
        )
        .unwrap();
    assert_eq!(failed.rows.len(), 30);
    let invoices = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter {
                event_type: Some("invoice.paid".into()),
                ..Default::default()
            },
            None,
            500,
        )
        .unwrap();
    assert_eq!(invoices.rows.len(), 30);
    let one = &invoices.rows[0].event_id;
    let by_event = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter {
                event_id: Some(one.clone()),
                ..Default::default()
            },
            None,
            500,
        )
        .unwrap();
    assert_eq!(by_event.rows.len(), 2);
    let future = sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter {
                from: Some("2999-01-01T00:00:00Z".into()),
                ..Default::default()
            },
            None,
            500,
        )
        .unwrap();
    assert!(future.rows.is_empty());
    assert_eq!(
        sb.deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter {
                from: Some("yesterday".into()),
                ..Default::default()
            },
            None,
            5
        )
        .unwrap_err()
        .field(),
        Some("from")
    );

    let csv = sb
        .export_deliveries(
            &actor(),
            &DeliveryFilter {
                status: Some(DeliveryStatus::Retrying),
                ..Default::default()
            },
            ExportFormat::Csv,
            Some(dir.path().join("out")),
        )
        .unwrap();
    assert_eq!(csv.rows, 30);
    let text = std::fs::read_to_string(&csv.path).unwrap();
    assert_eq!(text.lines().count(), 31, "header + 30 rows");
    assert!(text.starts_with("id,created_at,event_id"));
    let json = sb
        .export_deliveries(
            &actor(),
            &DeliveryFilter::default(),
            ExportFormat::Json,
            Some(dir.path().join("out")),
        )
        .unwrap();
    let parsed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json.path).unwrap()).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 60);

    let bulk = sb
        .resend(
            &actor(),
            &[],
            Some(&DeliveryFilter {
                status: Some(DeliveryStatus::Retrying),
                ..Default::default()
            }),
        )
        .unwrap();
    assert_eq!(bulk, 30);
    let actions: Vec<String> = sb
        .recent_audit(&switchboard_core::Actor::admin_for_tests(), 5)
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(
        actions.contains(&"delivery.resend".to_owned())
            && actions.contains(&"delivery_log.export".to_owned())
    );
    let _ = Duration::from_secs(0);
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_a_success_resets_the_streak() {
    let (_d, sb) = open();
    let rx = Receiver::start(|n| {
        if n == 0 {
            StatusCode::OK.into_response()
        } else {
            StatusCode::BAD_GATEWAY.into_response()
        }
    })
    .await;
    let ep = sb
        .create_endpoint(&actor(), local(&rx.url))
        .unwrap()
        .endpoint;
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    assert!(
        sb.get_endpoint(&switchboard_core::Actor::admin_for_tests(), &ep.id)
            .unwrap()
            .enabled,
        "one failure does not disable"
    );
    let six_days_ago = jiff::Timestamp::now().as_millisecond() - 6 * 24 * 3600 * 1000;
    sb.db()
        .write(|tx| {
            Ok(tx.execute(
                "UPDATE webhook_endpoints SET failing_since = ?1",
                [six_days_ago],
            )?)
        })
        .unwrap();
    make_due(&sb);
    worker(&sb).run_once().await.unwrap();
    let after = sb
        .get_endpoint(&switchboard_core::Actor::admin_for_tests(), &ep.id)
        .unwrap();
    assert!(!after.enabled);
    assert!(after.disabled_reason.unwrap().contains("5 days"));
    let audit = sb
        .recent_audit(&switchboard_core::Actor::admin_for_tests(), 1)
        .unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.as_str()),
        ("endpoint.disable", "system:worker")
    );
    // Enabling again clears the streak.
    assert!(
        sb.set_endpoint_enabled(&actor(), &ep.id, true)
            .unwrap()
            .enabled
    );
}

#[tokio::test]
async fn too_many_requests_waits_as_told_and_a_slow_drip_is_bounded() {
    let (_d, sb) = open();
    let limited = Receiver::start(|_| {
        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "30")]).into_response()
    })
    .await;
    sb.create_endpoint(&actor(), local(&limited.url)).unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    worker(&sb).run_once().await.unwrap();
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    assert_eq!(
        (row.status, row.last_status),
        (DeliveryStatus::Retrying, Some(429))
    );
    let next = row
        .next_attempt_at
        .as_ref()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap();
    let wait = next.as_millisecond() - jiff::Timestamp::now().as_millisecond();
    assert!(
        (25_000..=31_000).contains(&wait),
        "Retry-After 30 s beats the 5 s schedule: {wait}"
    );

    // A receiver that answers 200 and then drips its body: the status decides, and the read
    // ends at the endpoint's timeout instead of hanging the worker.
    let fakes = switchboard_fakes::FakeProviders::start().await;
    fakes.set(
        switchboard_fakes::FakeProvider::Twilio,
        switchboard_fakes::Scenario::SlowDrip,
    );
    let (_d, sb) = open();
    sb.create_endpoint(
        &actor(),
        local(&format!(
            "{}/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
            fakes.base_url()
        )),
    )
    .unwrap();
    sb.emit(&switchboard_core::Actor::admin_for_tests(), &ping("{}"))
        .unwrap();
    let started = std::time::Instant::now();
    worker(&sb).run_once().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let row = &sb
        .deliveries(
            &switchboard_core::Actor::admin_for_tests(),
            &DeliveryFilter::default(),
            None,
            1,
        )
        .unwrap()
        .rows[0];
    assert_eq!(row.last_status, Some(200));
}

#[tokio::test]
async fn emit_checks_data_against_the_catalogue_and_names_the_path() {
    let (_d, sb) = open();
    let admin = switchboard_core::Actor::admin_for_tests();
    let event = |t: &str, data: &str| EmitRequest {
        event_type: t.into(),
        data: data.into(),
        id: None,
    };
    let err = sb
        .emit(
            &admin,
            &event("invoice.paid", r#"{"invoice_id": "inv_1", "amount": 84.5}"#),
        )
        .unwrap_err();
    assert_eq!(err.field(), Some("data.amount"), "{err}");
    assert!(err.to_string().contains("not a number"), "{err}");
    // One bad event in a batch refuses the batch.
    let err = sb
        .emit_many(
            &admin,
            &[
                event("test.ping", "{}"),
                event("appointment.created", r#"{"sms_consent": "yes"}"#),
            ],
        )
        .unwrap_err();
    assert_eq!(err.field(), Some("data.sms_consent"));
    let stored: i64 = sb
        .db()
        .read(|c| Ok(c.query_row("SELECT count(*) FROM webhook_events", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(stored, 0, "nothing stored");
    // Absent and unknown fields are fine.
    sb.emit(&admin, &event("invoice.created", r#"{"custom": [1, 2]}"#))
        .unwrap();
}
