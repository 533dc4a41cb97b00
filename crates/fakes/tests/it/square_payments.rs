//! Square payments and refunds: filters, sort, cursor pages and errors.

use switchboard_fakes::{
    square::LOCATION_IDS, FakeProvider, FakeProviders, NewPayment, NewRefund, Scenario,
};

use crate::client;

async fn list(
    fakes: &FakeProviders,
    path: &str,
    query: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = client()
        .get(format!("{}{path}", fakes.base_url()))
        .query(query)
        .bearer_auth("EAAA-token")
        .header("Square-Version", "2025-08-20")
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn payment(amount: i64) -> NewPayment {
    NewPayment {
        amount,
        ..NewPayment::default()
    }
}

fn ids(json: &serde_json::Value, key: &str) -> Vec<String> {
    json[key]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn no_payments_is_an_empty_object() {
    let fakes = FakeProviders::start().await;
    let (status, json) = list(&fakes, "/v2/payments", &[]).await;
    assert_eq!((status, json), (200, serde_json::json!({})));
}

#[tokio::test]
async fn payments_default_to_the_main_location_newest_first() {
    let fakes = FakeProviders::start().await;
    let first = fakes.add_square_payment(payment(1500)).unwrap();
    let second = fakes
        .add_square_payment(NewPayment {
            tip: 200,
            ..payment(2500)
        })
        .unwrap();
    fakes
        .add_square_payment(NewPayment {
            location_id: Some(LOCATION_IDS[1].to_owned()),
            ..payment(100)
        })
        .unwrap();
    let (status, json) = list(&fakes, "/v2/payments", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        ids(&json, "payments"),
        [
            second["id"].as_str().unwrap(),
            first["id"].as_str().unwrap()
        ]
    );
    let newest = &json["payments"][0];
    assert_eq!(
        newest["amount_money"],
        serde_json::json!({"amount": 2500, "currency": "USD"})
    );
    assert_eq!(newest["total_money"]["amount"], 2700);
    assert_eq!(newest["status"], "COMPLETED");
    assert!(newest["receipt_url"].is_string());
    assert!(json.get("cursor").is_none());
    let (_, json) = list(
        &fakes,
        "/v2/payments",
        &[("location_id", LOCATION_IDS[1]), ("sort_order", "ASC")],
    )
    .await;
    assert_eq!(ids(&json, "payments").len(), 1);
}

#[tokio::test]
async fn cursor_pages_cover_every_payment_once_and_a_bad_cursor_is_invalid_cursor() {
    let fakes = FakeProviders::start().await;
    for n in 0..7 {
        fakes.add_square_payment(payment(100 + n)).unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("limit", "3"), ("sort_order", "ASC")];
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let (status, json) = list(&fakes, "/v2/payments", &query).await;
        assert_eq!(status, 200);
        seen.extend(ids(&json, "payments"));
        pages += 1;
        match json["cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique, seen);
    let (status, json) = list(&fakes, "/v2/payments", &[("cursor", "bm9wZQ")]).await;
    assert_eq!(
        (status, json["errors"][0]["code"].as_str()),
        (400, Some("INVALID_CURSOR"))
    );
    // A cursor only fits the query it came from.
    let (_, json) = list(&fakes, "/v2/payments", &[("limit", "3")]).await;
    let cursor = json["cursor"].as_str().unwrap().to_owned();
    let (status, _) = list(
        &fakes,
        "/v2/payments",
        &[("limit", "4"), ("cursor", &cursor)],
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn limit_above_100_is_ignored() {
    let fakes = FakeProviders::start().await;
    for n in 0..101 {
        fakes.add_square_payment(payment(n)).unwrap();
    }
    let (_, json) = list(&fakes, "/v2/payments", &[("limit", "500")]).await;
    assert_eq!(ids(&json, "payments").len(), 100);
    assert!(json["cursor"].is_string());
}

#[tokio::test]
async fn updated_at_filter_finds_payments_changed_since_a_watermark() {
    let fakes = FakeProviders::start().await;
    let approved = fakes
        .add_square_payment(NewPayment {
            status: Some("APPROVED".into()),
            created_at: Some("2026-01-01T10:00:00Z".into()),
            ..payment(900)
        })
        .unwrap();
    let id = approved["id"].as_str().unwrap().to_owned();
    let watermark = approved["updated_at"].as_str().unwrap().to_owned();
    let completed = fakes.move_square_payment(&id, "complete").unwrap();
    assert_eq!(completed["status"], "COMPLETED");
    assert_eq!(completed["card_details"]["status"], "CAPTURED");
    let (_, json) = list(
        &fakes,
        "/v2/payments",
        &[
            ("updated_at_begin_time", &watermark),
            ("sort_field", "UPDATED_AT"),
            ("begin_time", "2025-12-01T00:00:00Z"),
        ],
    )
    .await;
    assert_eq!(ids(&json, "payments"), vec![id.clone()]);
    let after = completed["updated_at"].as_str().unwrap();
    let later = format!("{}9Z", after.trim_end_matches('Z'));
    let (_, json) = list(
        &fakes,
        "/v2/payments",
        &[
            ("updated_at_begin_time", &later),
            ("begin_time", "2025-12-01T00:00:00Z"),
        ],
    )
    .await;
    assert!(ids(&json, "payments").is_empty());
    assert!(fakes.move_square_payment(&id, "cancel").is_err());
    let other = fakes
        .add_square_payment(NewPayment {
            status: Some("APPROVED".into()),
            ..payment(1)
        })
        .unwrap();
    let canceled = fakes
        .move_square_payment(other["id"].as_str().unwrap(), "cancel")
        .unwrap();
    assert_eq!(canceled["status"], "CANCELED");
    assert!(canceled.get("receipt_url").is_none());
}

#[tokio::test]
async fn a_begin_time_after_the_end_time_is_invalid_time_range() {
    let fakes = FakeProviders::start().await;
    let (status, json) = list(
        &fakes,
        "/v2/payments",
        &[
            ("begin_time", "2026-02-01T00:00:00Z"),
            ("end_time", "2026-01-01T00:00:00Z"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(json["errors"][0]["code"], "INVALID_TIME_RANGE");
    assert_eq!(json["errors"][0]["category"], "INVALID_REQUEST_ERROR");
}

#[tokio::test]
async fn refunds_list_all_locations_and_mark_the_payment() {
    let fakes = FakeProviders::start().await;
    let main = fakes.add_square_payment(payment(5000)).unwrap();
    let other = fakes
        .add_square_payment(NewPayment {
            location_id: Some(LOCATION_IDS[1].into()),
            ..payment(800)
        })
        .unwrap();
    for (paid, amount) in [(&main, 1000), (&other, 800)] {
        fakes
            .add_square_refund(NewRefund {
                payment_id: paid["id"].as_str().unwrap().into(),
                amount,
                ..NewRefund::default()
            })
            .unwrap();
    }
    let (status, json) = list(&fakes, "/v2/refunds", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&json, "refunds").len(), 2);
    assert!(ids(&json, "refunds")[0].contains('_'));
    let (_, json) = list(&fakes, "/v2/payments", &[]).await;
    let refunded = &json["payments"][0];
    assert_eq!(refunded["refunded_money"]["amount"], 1000);
    assert_eq!(refunded["refund_ids"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn scenarios_give_squares_errors() {
    let fakes = FakeProviders::start().await;
    for (scenario, status, code) in [
        (Scenario::WrongCredentials, 401, "UNAUTHORIZED"),
        (Scenario::AccessTokenExpired, 401, "ACCESS_TOKEN_EXPIRED"),
        (Scenario::MissingScope, 403, "INSUFFICIENT_SCOPES"),
        (
            Scenario::RateLimited {
                retry_after: Some(3),
            },
            429,
            "RATE_LIMITED",
        ),
    ] {
        fakes.set(FakeProvider::Square, scenario);
        for path in ["/v2/payments", "/v2/refunds"] {
            let (got, json) = list(&fakes, path, &[]).await;
            assert_eq!(
                (got, json["errors"][0]["code"].as_str()),
                (status, Some(code)),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn control_api_adds_payments_and_refunds() {
    let fakes = FakeProviders::start().await;
    let response = client()
        .post(format!("{}/square/payments", fakes.control_url()))
        .json(&serde_json::json!({"id": "pay1", "amount": 1234, "status": "APPROVED"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = client()
        .post(format!(
            "{}/square/payments/pay1/complete",
            fakes.control_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = client()
        .post(format!("{}/square/refunds", fakes.control_url()))
        .json(&serde_json::json!({"payment_id": "pay1", "amount": 234}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let (_, json) = list(&fakes, "/v2/payments", &[]).await;
    assert_eq!(json["payments"][0]["status"], "COMPLETED");
    assert_eq!(json["payments"][0]["refunded_money"]["amount"], 234);
    let response = client()
        .post(format!("{}/square/payments", fakes.control_url()))
        .json(&serde_json::json!({"amount": 1, "status": "LOST"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}
