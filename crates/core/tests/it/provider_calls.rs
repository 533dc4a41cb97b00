//! The sync clients against the fake providers over real HTTP: every call and every error code.

use std::time::Duration;

use rust_decimal::Decimal;
use switchboard_core::providers::call::{Api, CallFailure, Called};
use switchboard_core::providers::http::{self, Timeouts};
use switchboard_core::providers::quickbooks_api::{
    duplicate_txn_id, InvoiceLine, NewCustomer, NewInvoice, NewPayment, QuickbooksApi,
};
use switchboard_core::providers::square_payments::SquarePayments;
use switchboard_core::providers::twilio_messages::{Sender, TwilioAuth, TwilioMessages};
use switchboard_core::Secret;
use switchboard_domain::message_status::MessageStatus;
use switchboard_domain::net::NetFailure;
use switchboard_domain::provider_errors::VerdictKind;
use switchboard_fakes::{
    square::LOCATION_IDS, FakeProvider, FakeProviders, NewPayment as SquareNew, NewRefund,
    QuickbooksLimits, Recipient, Scenario,
};

const AC: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "7a1c0de7a1c0de7a1c0de7a1c0de7a1c";
const REALM: &str = "9341453000000001";
const FROM: &str = "+15005550006";

fn client() -> reqwest::Client {
    http::client(Timeouts {
        connect: Duration::from_secs(2),
        total: Duration::from_secs(5),
    })
    .unwrap()
}

fn failure<T: std::fmt::Debug>(called: &Called<T>) -> CallFailure {
    match &called.result {
        Err(f) => f.clone(),
        Ok(v) => panic!("expected a failure, got {v:?}"),
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

// ---- Twilio ----

struct Tw {
    fakes: FakeProviders,
    http: reqwest::Client,
    token: Secret,
}

impl Tw {
    async fn start() -> Tw {
        Tw {
            fakes: FakeProviders::start().await,
            http: client(),
            token: Secret::new(TOKEN),
        }
    }

    fn base(&self) -> String {
        self.fakes.base_url()
    }

    async fn send(
        &self,
        to: &str,
    ) -> Called<switchboard_core::providers::twilio_messages::Message> {
        let base = self.base();
        let api = Api::new(&self.http, &base);
        let auth = TwilioAuth {
            account_sid: AC,
            username: AC,
            password: &self.token,
        };
        TwilioMessages::new(api, auth)
            .send_message(
                Sender::From(FROM),
                to,
                "Rex is due for a checkup",
                Some(3600),
            )
            .await
    }

    async fn fetch(
        &self,
        sid: &str,
    ) -> Called<switchboard_core::providers::twilio_messages::Message> {
        let base = self.base();
        let api = Api::new(&self.http, &base);
        let auth = TwilioAuth {
            account_sid: AC,
            username: AC,
            password: &self.token,
        };
        TwilioMessages::new(api, auth).fetch_message(sid).await
    }
}

#[tokio::test]
async fn twilio_send_records_the_attempt_without_the_token_and_polls_to_delivered() {
    let tw = Tw::start().await;
    let called = tw.send("+14155552345").await;
    let message = called.result.clone().unwrap();
    assert_eq!(message.status, MessageStatus::Queued);
    assert!(message.sid.starts_with("SM"));
    assert_eq!(message.num_segments, Some(1));
    assert_eq!(message.price, None);
    let record = &called.record;
    assert_eq!(record.method, "POST");
    assert_eq!(
        record.path,
        format!("/2010-04-01/Accounts/{AC}/Messages.json")
    );
    assert_eq!(record.status, Some(201));
    let body = record.request_body.as_deref().unwrap();
    assert!(
        body.contains("To=%2B14155552345") && body.contains("ValidityPeriod=3600"),
        "{body}"
    );
    assert!(record.response.contains(&message.sid));
    assert!(!format!("{record:?}").contains(TOKEN));
    let sent = &tw.fakes.twilio_messages()[0];
    assert_eq!(sent.validity_period.as_deref(), Some("3600"));
    assert_eq!(sent.from.as_deref(), Some(FROM));

    let mut seen = Vec::new();
    for _ in 0..3 {
        let fetched = tw.fetch(&message.sid).await;
        assert_eq!(fetched.record.method, "GET");
        seen.push(fetched.result.unwrap().status);
    }
    assert_eq!(
        seen,
        [
            MessageStatus::Sending,
            MessageStatus::Sent,
            MessageStatus::Delivered
        ]
    );
}

#[tokio::test]
async fn twilio_create_refusals_are_permanent_with_their_meaning() {
    let tw = Tw::start().await;
    for (to, code, words) in [
        (
            "+15005550001",
            "21211",
            "Twilio refused the number: not a valid phone number (21211)",
        ),
        (
            "+15005550002",
            "21612",
            "Twilio refused the number: this number cannot be reached from this sender (21612)",
        ),
        ("+15005550003", "21408", "geographic permissions"),
        ("+15005550004", "21610", "opted out"),
        (
            "+15005550009",
            "21614",
            "Twilio refused the number: not a mobile number (21614)",
        ),
    ] {
        let f = failure(&tw.send(to).await);
        assert_eq!(f.verdict, VerdictKind::Permanent, "{to}");
        assert_eq!(f.code.as_deref(), Some(code));
        assert!(f.reason.contains(words), "{}", f.reason);
        assert!(f.provider_message.is_some());
    }
    tw.fakes
        .set_twilio_recipient("+14155550199", Recipient::Rejected { code: 21606 });
    let f = failure(&tw.send("+14155550199").await);
    assert_eq!(
        (f.verdict, f.code.as_deref()),
        (VerdictKind::Permanent, Some("21606"))
    );
    assert!(tw.fakes.twilio_messages().is_empty());
}

#[tokio::test]
async fn twilio_undelivered_and_failed_carry_the_code_and_its_meaning() {
    let tw = Tw::start().await;
    tw.fakes
        .set_twilio_recipient("+14155550123", Recipient::Undelivered { error_code: 30003 });
    tw.fakes
        .set_twilio_recipient("+14155550124", Recipient::Failed { error_code: 30034 });
    for (to, status, code) in [
        ("+14155550123", MessageStatus::Undelivered, 30003),
        ("+14155550124", MessageStatus::Failed, 30034),
    ] {
        let sid = tw.send(to).await.result.unwrap().sid;
        let mut last = None;
        for _ in 0..4 {
            last = Some(tw.fetch(&sid).await.result.unwrap());
        }
        let last = last.unwrap();
        assert_eq!((last.status, last.error_code), (status, Some(code)));
        assert!(last.error_meaning.is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn twilio_rate_limit_credentials_and_network_failures() {
    let tw = Tw::start().await;
    tw.fakes.set(
        FakeProvider::Twilio,
        Scenario::RateLimited {
            retry_after: Some(9),
        },
    );
    let f = failure(&tw.send("+14155552345").await);
    assert_eq!(
        (f.verdict, f.retry_after_s, f.code.as_deref()),
        (VerdictKind::RateLimited, Some(9), Some("20429"))
    );
    tw.fakes
        .set(FakeProvider::Twilio, Scenario::WrongCredentials);
    let f = failure(&tw.send("+14155552345").await);
    assert_eq!(
        (f.verdict, f.code.as_deref()),
        (VerdictKind::Reconnect, Some("20003"))
    );
    tw.fakes
        .set(FakeProvider::Twilio, Scenario::ServerError(503));
    assert_eq!(
        failure(&tw.send("+14155552345").await).verdict,
        VerdictKind::Retry
    );
    tw.fakes.set(FakeProvider::Twilio, Scenario::Garbage);
    assert_eq!(
        failure(&tw.send("+14155552345").await).verdict,
        VerdictKind::Retry
    );
    // Nothing listening: a named network failure, retried.
    let http = client();
    let api = Api::new(&http, "http://127.0.0.1:9");
    let auth = TwilioAuth {
        account_sid: AC,
        username: AC,
        password: &tw.token,
    };
    let called = TwilioMessages::new(api, auth)
        .send_message(Sender::From(FROM), "+14155552345", "x", None)
        .await;
    let f = failure(&called);
    assert_eq!(
        (f.verdict, f.net),
        (VerdictKind::Retry, Some(NetFailure::Connect))
    );
    assert_eq!(called.record.status, None);
}

#[tokio::test]
async fn twilio_test_credentials_cannot_read_status() {
    let tw = Tw::start().await;
    tw.fakes.twilio_test_account(AC);
    let sid = tw.send("+14155552345").await.result.unwrap().sid;
    let f = failure(&tw.fetch(&sid).await);
    assert_eq!(
        (f.verdict, f.code.as_deref()),
        (VerdictKind::Permanent, Some("20008"))
    );
    assert!(
        f.reason
            .contains("test credentials cannot read message status"),
        "{}",
        f.reason
    );
}

#[tokio::test]
async fn twilio_messaging_service_sends_without_from() {
    let tw = Tw::start().await;
    let base = tw.base();
    let api = Api::new(&tw.http, &base);
    let auth = TwilioAuth {
        account_sid: AC,
        username: AC,
        password: &tw.token,
    };
    let service = "MG0123456789abcdef0123456789abcdef";
    let message = TwilioMessages::new(api, auth)
        .send_message(Sender::MessagingService(service), "+14155552345", "x", None)
        .await
        .result
        .unwrap();
    assert_eq!(message.status, MessageStatus::Accepted);
    assert_eq!(message.num_segments, None);
    assert_eq!(
        tw.fakes.twilio_messages()[0]
            .messaging_service_sid
            .as_deref(),
        Some(service)
    );
}

// ---- QuickBooks ----

struct Qb {
    fakes: FakeProviders,
    http: reqwest::Client,
    token: Secret,
}

impl Qb {
    async fn start() -> Qb {
        let fakes = FakeProviders::start().await;
        let http = client();
        let json: serde_json::Value = http
            .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
            .basic_auth("client", Some("secret"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "RT0")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = Secret::new(json["access_token"].as_str().unwrap());
        Qb { fakes, http, token }
    }
}

fn customer(name: &str) -> NewCustomer {
    NewCustomer {
        display_name: name.to_owned(),
        given_name: None,
        family_name: None,
        primary_email_addr: None,
        primary_phone: None,
    }
}

fn invoice(customer_id: &str, doc: &str) -> NewInvoice {
    NewInvoice {
        customer_id: customer_id.to_owned(),
        doc_number: Some(doc.to_owned()),
        txn_date: Some("2026-05-01".into()),
        memo: None,
        lines: vec![
            InvoiceLine {
                item_id: "2".into(),
                description: Some("Exam".into()),
                qty: dec("1"),
                unit_price: dec("150.10"),
                amount: dec("150.10"),
                tax_code: None,
            },
            InvoiceLine {
                item_id: "4".into(),
                description: Some("Medication".into()),
                qty: dec("3"),
                unit_price: dec("0.10"),
                amount: dec("0.30"),
                tax_code: None,
            },
        ],
    }
}

macro_rules! qb {
    ($qb:expr, |$api:ident| $call:expr) => {{
        let base = $qb.fakes.base_url();
        let $api = QuickbooksApi::new(Api::new(&$qb.http, &base), REALM, &$qb.token);
        $call.await
    }};
}

#[tokio::test]
async fn quickbooks_customer_found_created_and_a_duplicate_name_is_6240() {
    let qb = Qb::start().await;
    let found = qb!(qb, |api| api
        .find_customer_by_display_name("Sean O'Brien (Rex)"));
    assert_eq!(found.result.unwrap(), None);
    assert!(
        found.record.path.contains("query=select"),
        "{}",
        found.record.path
    );
    assert!(!format!("{:?}", found.record).contains(qb.token.expose()));
    let created = qb!(qb, |api| api
        .create_customer("sw-cust-1", &customer("Sean O'Brien (Rex)")));
    let created = created.result.unwrap();
    assert_eq!(created.display_name, "Sean O'Brien (Rex)");
    let found = qb!(qb, |api| api
        .find_customer_by_display_name("Sean O'Brien (Rex)"));
    assert_eq!(found.result.unwrap().map(|c| c.id), Some(created.id));
    let dup = qb!(qb, |api| api
        .create_customer("sw-cust-2", &customer("Sean O'Brien (Rex)")));
    let f = failure(&dup);
    assert_eq!(
        (f.verdict, f.code.as_deref()),
        (VerdictKind::Permanent, Some("6240"))
    );
    assert!(
        f.reason
            .starts_with("QuickBooks refused the customer: a customer"),
        "{}",
        f.reason
    );
    assert_eq!(dup.record.status, Some(400));
}

#[tokio::test]
async fn quickbooks_invoice_amounts_are_exact_and_a_repeat_with_the_same_requestid_makes_one() {
    let qb = Qb::start().await;
    let cust = qb!(qb, |api| api.create_customer("c1", &customer("Jane")))
        .result
        .unwrap();
    let first = qb!(qb, |api| api
        .create_invoice("sw-inv-1-v1", &invoice(&cust.id, "VET-1")));
    let body = first.record.request_body.clone().unwrap();
    assert!(
        body.contains(r#""Amount":150.10"#) && body.contains(r#""UnitPrice":0.10"#),
        "{body}"
    );
    let made = first.result.unwrap();
    assert_eq!(made.total_amt, dec("150.40"));
    assert_eq!(made.total_amt.to_string(), "150.40");
    assert_eq!(made.balance, dec("150.40"));
    assert_eq!(made.doc_number.as_deref(), Some("VET-1"));
    let again = qb!(qb, |api| api
        .create_invoice("sw-inv-1-v1", &invoice(&cust.id, "VET-1")));
    assert_eq!(again.result.unwrap(), made);
    assert_eq!(qb.fakes.quickbooks_objects(REALM, "Invoice").len(), 1);
    let dup = qb!(qb, |api| api
        .create_invoice("sw-inv-2-v1", &invoice(&cust.id, "VET-1")));
    let f = failure(&dup);
    assert_eq!(
        (f.verdict, f.code.as_deref()),
        (VerdictKind::Permanent, Some("6140"))
    );
    assert_eq!(duplicate_txn_id(&f), Some(made.id.clone()));
    let found = qb!(qb, |api| api.find_invoice_by_doc_number("VET-1"))
        .result
        .unwrap();
    assert_eq!(found.map(|i| i.id), Some(made.id));
    let none = qb!(qb, |api| api.find_invoice_by_doc_number("VET-404"))
        .result
        .unwrap();
    assert_eq!(none, None);
    let long = "x".repeat(51);
    let f = failure(&qb!(qb, |api| api
        .create_invoice(&long, &invoice(&cust.id, "VET-2"))));
    assert_eq!(f.verdict, VerdictKind::Permanent);
    assert_eq!(qb.fakes.quickbooks_objects(REALM, "Invoice").len(), 1);
}

#[tokio::test]
async fn quickbooks_payment_is_linked_and_leaves_the_rest_unapplied() {
    let qb = Qb::start().await;
    let cust = qb!(qb, |api| api.create_customer("c1", &customer("Jane")))
        .result
        .unwrap();
    let inv = qb!(qb, |api| api
        .create_invoice("i1", &invoice(&cust.id, "P-1")))
    .result
    .unwrap();
    let payment = NewPayment {
        customer_id: cust.id.clone(),
        total: dec("160.40"),
        txn_date: Some("2026-05-02".into()),
        payment_method_id: Some("3".into()),
        deposit_account_id: Some("4".into()),
        reference: Some("sq-pay-1".into()),
        applied_to: vec![(inv.id.clone(), dec("150.40"))],
    };
    let paid = qb!(qb, |api| api.create_payment("sw-pay-1", &payment))
        .result
        .unwrap();
    assert_eq!(paid.total_amt, dec("160.40"));
    assert_eq!(paid.unapplied_amt, Some(dec("10.00")));
    let after = qb!(qb, |api| api.find_invoice_by_doc_number("P-1"))
        .result
        .unwrap()
        .unwrap();
    assert_eq!(after.balance, Decimal::ZERO);
    let again = qb!(qb, |api| api.create_payment("sw-pay-2", &payment));
    assert_eq!(failure(&again).code.as_deref(), Some("6000"));
    let wrong = NewPayment {
        payment_method_id: Some("77".into()),
        ..payment.clone()
    };
    assert_eq!(
        failure(&qb!(qb, |api| api.create_payment("sw-pay-3", &wrong)))
            .code
            .as_deref(),
        Some("2500")
    );
    let gone = NewPayment {
        applied_to: vec![("4040".into(), dec("1"))],
        ..payment
    };
    assert_eq!(
        failure(&qb!(qb, |api| api.create_payment("sw-pay-4", &gone)))
            .code
            .as_deref(),
        Some("610")
    );
}

#[tokio::test]
async fn quickbooks_dropdown_lists() {
    let qb = Qb::start().await;
    let items = qb!(qb, |api| api.list_items()).result.unwrap();
    assert_eq!(items.len(), 4);
    assert!(items
        .iter()
        .any(|i| i.name == "Exam" && i.kind.as_deref() == Some("Service")));
    let accounts = qb!(qb, |api| api.list_accounts()).result.unwrap();
    assert!(accounts.iter().any(|a| a.name == "Undeposited Funds"));
    let methods = qb!(qb, |api| api.list_payment_methods()).result.unwrap();
    assert_eq!(
        methods.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["Cash", "Check", "Visa", "MasterCard"]
    );
}

#[tokio::test]
async fn quickbooks_every_fault_code_gets_its_verdict() {
    let qb = Qb::start().await;
    for (code, verdict) in [
        ("610", VerdictKind::Permanent),
        ("2020", VerdictKind::Permanent),
        ("2500", VerdictKind::Permanent),
        ("5010", VerdictKind::Retry),
        ("6000", VerdictKind::Permanent),
        ("6140", VerdictKind::Permanent),
        ("6240", VerdictKind::Permanent),
        ("3100", VerdictKind::Reconnect),
        ("3200", VerdictKind::Reconnect),
        ("3001", VerdictKind::RateLimited),
        ("10000", VerdictKind::Retry),
        ("200-6000", VerdictKind::Permanent),
    ] {
        qb.fakes.quickbooks_fail_next(code, 1);
        let called = qb!(qb, |api| api.list_items());
        let f = failure(&called);
        assert_eq!(f.verdict, verdict, "{code}: {f:?}");
        assert_eq!(
            f.code.as_deref(),
            Some(code.trim_start_matches("200-")),
            "{code}"
        );
        if verdict == VerdictKind::RateLimited {
            assert_eq!(f.retry_after_s, Some(60));
        }
    }
    let stale = Secret::new("AT-not-issued");
    let base = qb.fakes.base_url();
    let f = failure(
        &QuickbooksApi::new(Api::new(&qb.http, &base), REALM, &stale)
            .list_items()
            .await,
    );
    assert_eq!(
        (f.verdict, f.code.as_deref()),
        (VerdictKind::Reconnect, Some("3200"))
    );
}

#[tokio::test]
async fn quickbooks_throttle_is_rate_limited_from_the_xml_body() {
    let qb = Qb::start().await;
    qb.fakes.set_quickbooks_limits(QuickbooksLimits {
        per_minute: 2,
        ..QuickbooksLimits::default()
    });
    assert!(qb!(qb, |api| api.list_items()).result.is_ok());
    assert!(qb!(qb, |api| api.list_items()).result.is_ok());
    let called = qb!(qb, |api| api.list_items());
    let f = failure(&called);
    assert_eq!(
        (f.verdict, f.retry_after_s, f.code.as_deref()),
        (VerdictKind::RateLimited, Some(60), Some("3001"))
    );
    assert_eq!(called.record.status, Some(429));
    assert!(called.record.response.contains("ThrottleExceeded"));
}

// ---- Square ----

macro_rules! sq {
    ($fakes:expr, $http:expr, $token:expr, |$api:ident| $call:expr) => {{
        let base = $fakes.base_url();
        let $api = SquarePayments::new(Api::new(&$http, &base), &$token, "2025-08-20");
        $call.await
    }};
}

#[tokio::test]
async fn square_payments_page_by_cursor_from_a_watermark() {
    let fakes = FakeProviders::start().await;
    let http = client();
    let token = Secret::new("EAAAsecretsquaretoken123");
    for n in 0..205 {
        fakes
            .add_square_payment(SquareNew {
                amount: 100 + n,
                ..SquareNew::default()
            })
            .unwrap();
    }
    fakes
        .add_square_payment(SquareNew {
            amount: 5,
            location_id: Some(LOCATION_IDS[1].into()),
            ..SquareNew::default()
        })
        .unwrap();
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let called = sq!(fakes, http, token, |api| api.list_payments(
            None,
            None,
            cursor.as_deref()
        ));
        assert!(!format!("{:?}", called.record).contains(token.expose()));
        let page = called.result.unwrap();
        seen.extend(page.items.iter().map(|p| p.id.clone()));
        pages += 1;
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!((pages, seen.len()), (3, 205));
    let last = fakes
        .add_square_payment(SquareNew {
            amount: 7,
            ..SquareNew::default()
        })
        .unwrap();
    let since = last["updated_at"].as_str().unwrap().to_owned();
    let page = sq!(fakes, http, token, |api| api.list_payments(
        None,
        Some(&since),
        None
    ))
    .result
    .unwrap();
    assert_eq!(
        page.items.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        [last["id"].as_str().unwrap()]
    );
    assert_eq!(page.items[0].amount_money.amount, 7);
    let other = sq!(fakes, http, token, |api| api.list_payments(
        Some(LOCATION_IDS[1]),
        None,
        None
    ))
    .result
    .unwrap();
    assert_eq!(other.items.len(), 1);
    let f = failure(&sq!(fakes, http, token, |api| api.list_payments(
        None,
        None,
        Some("bm9wZQ")
    )));
    assert_eq!(
        (f.verdict, f.code.as_deref()),
        (VerdictKind::Permanent, Some("INVALID_CURSOR"))
    );
}

#[tokio::test]
async fn square_refunds_from_every_location() {
    let fakes = FakeProviders::start().await;
    let http = client();
    let token = Secret::new("EAAAsecretsquaretoken123");
    let a = fakes
        .add_square_payment(SquareNew {
            amount: 1000,
            ..SquareNew::default()
        })
        .unwrap();
    let b = fakes
        .add_square_payment(SquareNew {
            amount: 900,
            location_id: Some(LOCATION_IDS[1].into()),
            ..SquareNew::default()
        })
        .unwrap();
    for p in [&a, &b] {
        fakes
            .add_square_refund(NewRefund {
                payment_id: p["id"].as_str().unwrap().into(),
                amount: 100,
                ..NewRefund::default()
            })
            .unwrap();
    }
    let page = sq!(fakes, http, token, |api| api.list_refunds(None, None, None))
        .result
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page
        .items
        .iter()
        .all(|r| r.status == "COMPLETED" && r.amount_money.amount == 100));
    let payments = sq!(fakes, http, token, |api| api
        .list_payments(None, None, None))
    .result
    .unwrap();
    assert_eq!(
        payments.items[0].refunded_money.as_ref().map(|m| m.amount),
        Some(100)
    );
}

#[tokio::test]
async fn square_errors_get_their_verdicts() {
    let fakes = FakeProviders::start().await;
    let http = client();
    let token = Secret::new("EAAAsecretsquaretoken123");
    for (scenario, verdict, code) in [
        (
            Scenario::WrongCredentials,
            VerdictKind::Reconnect,
            "UNAUTHORIZED",
        ),
        (
            Scenario::AccessTokenExpired,
            VerdictKind::Reconnect,
            "ACCESS_TOKEN_EXPIRED",
        ),
        (
            Scenario::MissingScope,
            VerdictKind::Reconnect,
            "INSUFFICIENT_SCOPES",
        ),
        (
            Scenario::RateLimited {
                retry_after: Some(4),
            },
            VerdictKind::RateLimited,
            "RATE_LIMITED",
        ),
        (
            Scenario::ServerError(503),
            VerdictKind::Retry,
            "SERVICE_UNAVAILABLE",
        ),
    ] {
        fakes.set(FakeProvider::Square, scenario);
        let f = failure(&sq!(fakes, http, token, |api| api
            .list_payments(None, None, None)));
        assert_eq!(
            (f.verdict, f.code.as_deref()),
            (verdict, Some(code)),
            "{scenario:?}"
        );
        if verdict == VerdictKind::RateLimited {
            assert_eq!(f.retry_after_s, Some(4));
        }
    }
}

// ---- Rate limits ----

use switchboard_core::providers::limits::{LaneLimits, Limits};

#[tokio::test]
async fn a_quickbooks_lane_keeps_a_crowd_of_calls_under_the_fakes_limits() {
    let qb = Qb::start().await;
    qb.fakes.set_quickbooks_limits(QuickbooksLimits {
        latency_ms: 100,
        ..QuickbooksLimits::default()
    });
    let limits = Limits::new();
    let lane = Limits::quickbooks_lane(REALM);
    let base = qb.fakes.base_url();
    let calls = (0..30).map(|_| async {
        let _permit = limits.acquire(&lane, LaneLimits::QUICKBOOKS, 1).await;
        QuickbooksApi::new(Api::new(&qb.http, &base), REALM, &qb.token)
            .list_items()
            .await
    });
    let answers = futures_util::future::join_all(calls).await;
    assert!(answers.iter().all(|a| a.result.is_ok()));
    let stats = qb.fakes.quickbooks_stats();
    assert_eq!(stats.throttled, 0, "{stats:?}");
    assert!(stats.max_in_flight <= 10, "{stats:?}");

    // The same crowd without the lane trips the fake's 10-at-once limit: the test can fail.
    let calls = (0..30).map(|_| async {
        QuickbooksApi::new(Api::new(&qb.http, &base), REALM, &qb.token)
            .list_items()
            .await
    });
    let answers = futures_util::future::join_all(calls).await;
    let limited = answers
        .iter()
        .filter(|a| matches!(&a.result, Err(f) if f.verdict == VerdictKind::RateLimited))
        .count();
    assert!(limited > 0);
}

#[tokio::test]
async fn a_429_pauses_only_that_lane_for_its_retry_after() {
    let tw = Tw::start().await;
    tw.fakes.set(
        FakeProvider::Twilio,
        Scenario::RateLimited {
            retry_after: Some(1),
        },
    );
    let limits = Limits::new();
    let lane = LaneLimits::twilio_sender(100);
    let key = Limits::twilio_lane(FROM);
    let f = failure(&tw.send("+14155552345").await);
    assert_eq!(f.verdict, VerdictKind::RateLimited);
    limits.pause(
        &key,
        lane,
        Duration::from_secs(u64::from(f.retry_after_s.unwrap())),
    );
    tw.fakes.set(FakeProvider::Twilio, Scenario::Ok);
    let started = std::time::Instant::now();
    limits
        .acquire(&Limits::twilio_lane("+15550000000"), lane, 1)
        .await;
    assert!(started.elapsed() < Duration::from_millis(200));
    limits.acquire(&key, lane, 1).await;
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert!(tw.send("+14155552345").await.result.is_ok());
}
