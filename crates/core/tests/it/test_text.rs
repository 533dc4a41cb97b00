//! Twilio "Send a test text" through core against the fake Twilio.

use switchboard_core::checks::test_text::TestTextRequest;
use switchboard_core::providers::Provider;
use switchboard_core::{Actor, ErrorCode, Role};
use switchboard_domain::message_status::MessageStatus;
use switchboard_fakes::Recipient;

use crate::connection::{add, setup, Setup};

const TO: &str = "+14155552345";

fn manager() -> Actor {
    Actor::user("usr_manager", "manager", Role::Manager)
}

fn twilio(s: &Setup, env: &str) -> String {
    // The fake owns +15551234567 as this account's number.
    s.fakes.set_twilio_senders(["+15551234567"]);
    add(s, Provider::Twilio, env, &s.fakes.base_url(), &[])
}

fn to(number: &str) -> TestTextRequest {
    TestTextRequest {
        to: number.to_owned(),
    }
}

#[tokio::test]
async fn a_test_text_is_sent_polled_to_delivered_and_audited_with_the_number_masked() {
    let s = setup().await;
    let id = twilio(&s, "live");
    let text =
        s.sb.send_test_text(&manager(), &id, &to("+1 (415) 555-2345"))
            .await
            .unwrap();
    assert_eq!(text.status, Some(MessageStatus::Queued));
    assert!(!text.is_final);
    assert_eq!(text.to, "…2345");
    let sid = text.sid.clone().unwrap();
    assert_eq!(s.fakes.twilio_sends_to(TO), 1);
    let sent = &s.fakes.twilio_messages()[0];
    assert_eq!(sent.from.as_deref(), Some("+15551234567"));

    let mut seen = Vec::new();
    loop {
        let now = s.sb.test_text_status(&manager(), &id, &sid).await.unwrap();
        seen.push(now.status.unwrap());
        if now.is_final {
            assert!(now.summary.starts_with("Delivered"), "{}", now.summary);
            break;
        }
        assert!(seen.len() < 10);
    }
    assert_eq!(
        seen,
        [
            MessageStatus::Sending,
            MessageStatus::Sent,
            MessageStatus::Delivered
        ]
    );

    let audit = s.sb.recent_audit(&Actor::admin_for_tests(), 1).unwrap();
    let row = &audit[0];
    assert_eq!(row.action, "integration.test_text");
    assert_eq!(row.object_id.as_deref(), Some(id.as_str()));
    let detail = row.detail.clone().unwrap();
    assert!(
        detail.contains("…2345") && detail.contains(&sid),
        "{detail}"
    );
    assert!(!detail.contains("4155552345"), "{detail}");
}

#[tokio::test]
async fn undelivered_and_refused_texts_say_why_in_plain_words() {
    let s = setup().await;
    let id = twilio(&s, "live");
    s.fakes
        .set_twilio_recipient(TO, Recipient::Undelivered { error_code: 30003 });
    let sid =
        s.sb.send_test_text(&manager(), &id, &to(TO))
            .await
            .unwrap()
            .sid
            .unwrap();
    let mut last = None;
    for _ in 0..4 {
        last = Some(s.sb.test_text_status(&manager(), &id, &sid).await.unwrap());
    }
    let last = last.unwrap();
    assert_eq!(last.status, Some(MessageStatus::Undelivered));
    assert_eq!(last.error_code.as_deref(), Some("30003"));
    assert!(
        last.summary.contains("unreachable") && last.summary.contains("30003"),
        "{}",
        last.summary
    );

    s.fakes
        .set_twilio_recipient("+14155550999", Recipient::Rejected { code: 21614 });
    let refused =
        s.sb.send_test_text(&manager(), &id, &to("+14155550999"))
            .await
            .unwrap();
    assert_eq!(refused.sid, None);
    assert!(refused.is_final);
    assert_eq!(
        refused.summary,
        "Twilio refused the number: not a mobile number (21614)"
    );
    let row = &s.sb.recent_audit(&Actor::admin_for_tests(), 1).unwrap()[0];
    assert_eq!(row.result.as_str(), "failed");
    assert!(row
        .detail
        .as_deref()
        .unwrap()
        .contains("…0999 · refused (21614)"));
}

#[tokio::test]
async fn test_credentials_explain_that_status_cannot_be_read() {
    let s = setup().await;
    let id = add(
        &s,
        Provider::Twilio,
        "test",
        &s.fakes.base_url(),
        &[("sender", "+15005550006")],
    );
    s.fakes.twilio_test_account(crate::connection::AC);
    let text = s.sb.send_test_text(&manager(), &id, &to(TO)).await.unwrap();
    assert!(text.test_credentials && text.is_final);
    assert!(text
        .summary
        .contains("test credentials cannot read message status"));
    let polled =
        s.sb.test_text_status(&manager(), &id, text.sid.as_deref().unwrap())
            .await
            .unwrap();
    assert!(polled.is_final);
    assert!(
        polled
            .summary
            .contains("test credentials cannot read message status"),
        "{}",
        polled.summary
    );
    // The magic number that is not a mobile number.
    let refused =
        s.sb.send_test_text(&manager(), &id, &to("+15005550009"))
            .await
            .unwrap();
    assert_eq!(refused.error_code.as_deref(), Some("21614"));
}

#[tokio::test]
async fn bad_input_names_the_field_and_sends_nothing() {
    let s = setup().await;
    let id = twilio(&s, "live");
    let err =
        s.sb.send_test_text(&manager(), &id, &to("555-2345"))
            .await
            .unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        (ErrorCode::Validation, Some("to"))
    );
    let err =
        s.sb.test_text_status(&manager(), &id, "SMnope")
            .await
            .unwrap_err();
    assert_eq!(err.field(), Some("sid"));
    let square = add(&s, Provider::Square, "production", &s.fakes.base_url(), &[]);
    let err =
        s.sb.send_test_text(&manager(), &square, &to(TO))
            .await
            .unwrap_err();
    assert_eq!(err.field(), Some("integration"));
    assert!(s.fakes.twilio_messages().is_empty());
}

#[tokio::test]
async fn the_front_desk_may_not_send_a_test_text() {
    let s = setup().await;
    let id = twilio(&s, "live");
    let desk = Actor::user("usr_desk", "desk", Role::FrontDesk);
    let err = s.sb.send_test_text(&desk, &id, &to(TO)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(s.fakes.twilio_messages().is_empty());
    let row = &s.sb.recent_audit(&Actor::admin_for_tests(), 1).unwrap()[0];
    assert_eq!(
        (row.action.as_str(), row.result.as_str()),
        ("integration.test_text", "refused")
    );
}
