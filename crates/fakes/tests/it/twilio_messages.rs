//! Twilio Messages: create, fetch with the status moving, per-recipient outcomes, test credentials.

use switchboard_fakes::{FakeProviders, Recipient};

use crate::{client, ACCOUNT_SID, AUTH_TOKEN};

async fn send(fakes: &FakeProviders, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let response = client()
        .post(format!(
            "{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
            fakes.base_url()
        ))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn fetch(fakes: &FakeProviders, sid: &str) -> (u16, serde_json::Value) {
    let response = client()
        .get(format!(
            "{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            fakes.base_url()
        ))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn statuses(fakes: &FakeProviders, to: &str, polls: usize) -> Vec<(String, Option<u64>)> {
    let (status, created) = send(
        fakes,
        &[("To", to), ("From", "+15005550006"), ("Body", "Reminder")],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let sid = created["sid"].as_str().unwrap().to_owned();
    let mut seen = vec![(created["status"].as_str().unwrap().to_owned(), None)];
    for _ in 0..polls {
        let (status, json) = fetch(fakes, &sid).await;
        assert_eq!(status, 200);
        seen.push((
            json["status"].as_str().unwrap().to_owned(),
            json["error_code"].as_u64(),
        ));
    }
    seen
}

fn names(seen: &[(String, Option<u64>)]) -> Vec<&str> {
    seen.iter().map(|(s, _)| s.as_str()).collect()
}

#[tokio::test]
async fn created_message_has_string_segments_and_null_price_then_moves_to_delivered() {
    let fakes = FakeProviders::start().await;
    let (status, json) = send(
        &fakes,
        &[
            ("To", "+14155552345"),
            ("From", "+15005550006"),
            ("Body", &"a".repeat(161)),
            ("ValidityPeriod", "3600"),
        ],
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(json["num_segments"], "2");
    assert_eq!(json["price"], serde_json::Value::Null);
    assert_eq!(json["date_sent"], serde_json::Value::Null);
    let sid = json["sid"].as_str().unwrap();
    let mut last = serde_json::Value::Null;
    for expected in ["sending", "sent", "delivered", "delivered"] {
        let (status, json) = fetch(&fakes, sid).await;
        assert_eq!((status, json["status"].as_str()), (200, Some(expected)));
        last = json;
    }
    assert_eq!(last["price"], "-0.01500");
    assert_eq!(last["error_code"], serde_json::Value::Null);
    let recorded = fakes.twilio_messages();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].validity_period.as_deref(), Some("3600"));
    assert_eq!(recorded[0].fetches, 4);
}

#[tokio::test]
async fn configured_recipients_end_undelivered_or_failed_with_their_code() {
    let fakes = FakeProviders::start().await;
    for code in [30003, 30004, 30005, 30006, 30007, 30008, 30034] {
        let to = format!("+1415555{code}");
        fakes.set_twilio_recipient(&to, Recipient::Undelivered { error_code: code });
        let seen = statuses(&fakes, &to, 4).await;
        assert_eq!(
            names(&seen),
            ["queued", "sending", "sent", "undelivered", "undelivered"]
        );
        assert_eq!(seen[3].1, Some(u64::from(code)));
    }
    fakes.set_twilio_recipient("+14155550111", Recipient::Failed { error_code: 30007 });
    let seen = statuses(&fakes, "+14155550111", 3).await;
    assert_eq!(names(&seen), ["queued", "sending", "failed", "failed"]);
    assert_eq!(seen[2].1, Some(30007));
    fakes.set_twilio_recipient("+14155550112", Recipient::StaysSent);
    let seen = statuses(&fakes, "+14155550112", 5).await;
    assert_eq!(names(&seen).last(), Some(&"sent"));
}

#[tokio::test]
async fn configured_rejections_answer_400_and_record_nothing() {
    let fakes = FakeProviders::start().await;
    for code in [21211, 21408, 21606, 21610, 21612, 21614] {
        let to = format!("+1415556{code}");
        fakes.set_twilio_recipient(&to, Recipient::Rejected { code });
        let (status, json) = send(
            &fakes,
            &[("To", &to), ("From", "+15005550006"), ("Body", "x")],
        )
        .await;
        assert_eq!(
            (status, json["code"].as_u64()),
            (400, Some(u64::from(code)))
        );
        assert_eq!(json["status"], 400);
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(fakes.twilio_messages().is_empty());
}

#[tokio::test]
async fn an_invalid_number_and_an_unowned_sender_are_refused() {
    let fakes = FakeProviders::start().await;
    let (status, json) = send(
        &fakes,
        &[("To", "555-1234"), ("From", "+15005550006"), ("Body", "x")],
    )
    .await;
    assert_eq!((status, json["code"].as_u64()), (400, Some(21211)));
    let (_, json) = send(
        &fakes,
        &[
            ("To", "+14155552345"),
            ("From", "+14155550100"),
            ("Body", "x"),
        ],
    )
    .await;
    assert_eq!(json["code"], 21606);
    fakes.set_twilio_senders(["+14155550100"]);
    let (status, _) = send(
        &fakes,
        &[
            ("To", "+14155552345"),
            ("From", "+14155550100"),
            ("Body", "x"),
        ],
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn sends_are_counted_per_number() {
    let fakes = FakeProviders::start().await;
    for to in ["+14155550001", "+14155550001", "+14155550002"] {
        send(
            &fakes,
            &[("To", to), ("From", "+15005550006"), ("Body", "x")],
        )
        .await;
    }
    assert_eq!(fakes.twilio_sends_to("+14155550001"), 2);
    assert_eq!(fakes.twilio_sends_to("+14155550002"), 1);
    assert_eq!(fakes.twilio_sends_to("+14155550003"), 0);
}

#[tokio::test]
async fn a_messaging_service_starts_accepted_with_zero_segments() {
    let fakes = FakeProviders::start().await;
    let service = "MG0123456789abcdef0123456789abcdef";
    let (status, json) = send(
        &fakes,
        &[
            ("To", "+14155552345"),
            ("MessagingServiceSid", service),
            ("Body", "x"),
        ],
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(json["status"], "accepted");
    assert_eq!(json["num_segments"], "0");
    let (_, json) = fetch(&fakes, json["sid"].as_str().unwrap()).await;
    assert_eq!(json["status"], "queued");
    assert_eq!(json["num_segments"], "1");
}

#[tokio::test]
async fn test_credentials_use_magic_numbers_and_cannot_fetch() {
    let fakes = FakeProviders::start().await;
    fakes.twilio_test_account(ACCOUNT_SID);
    // Any To is accepted by test credentials (nothing is sent), even one configured to fail.
    fakes.set_twilio_recipient("+14155552345", Recipient::Rejected { code: 21614 });
    let (status, json) = send(
        &fakes,
        &[
            ("To", "+14155552345"),
            ("From", "+15005550006"),
            ("Body", "x"),
        ],
    )
    .await;
    assert_eq!((status, json["status"].as_str()), (201, Some("queued")));
    let (status, error) = fetch(&fakes, json["sid"].as_str().unwrap()).await;
    assert_eq!((status, error["code"].as_u64()), (403, Some(20008)));
    let (_, json) = send(
        &fakes,
        &[
            ("To", "+15005550009"),
            ("From", "+15005550006"),
            ("Body", "x"),
        ],
    )
    .await;
    assert_eq!(json["code"], 21614);
    assert!(fakes.twilio_messages()[0].test_credentials);
}

#[tokio::test]
async fn an_unknown_message_is_404() {
    let fakes = FakeProviders::start().await;
    let (status, json) = fetch(&fakes, "SM00000000000000000000000000000099").await;
    assert_eq!((status, json["code"].as_u64()), (404, Some(20404)));
}

#[tokio::test]
async fn control_api_configures_recipients_and_lists_messages() {
    let fakes = FakeProviders::start().await;
    let response = client()
        .put(format!(
            "{}/twilio/recipients/%2B14155550123",
            fakes.control_url()
        ))
        .json(&serde_json::json!({"outcome": "undelivered", "error_code": 30003}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let seen = statuses(&fakes, "+14155550123", 4).await;
    assert_eq!(seen[4], ("undelivered".to_owned(), Some(30003)));
    let listed: Vec<serde_json::Value> = client()
        .get(format!("{}/twilio/messages", fakes.control_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["to"], "+14155550123");
    assert_eq!(listed[0]["status"], "undelivered");
}
