//! QuickBooks accounting API: query, customer, invoice, payment, requestid, faults, throttles.

use switchboard_fakes::{FakeProviders, QuickbooksLimits};

use std::time::Duration;

use crate::{client, client_with_timeout, text};

const REALM: &str = "9341453000000001";

struct Qb {
    fakes: FakeProviders,
    token: String,
}

impl Qb {
    async fn start() -> Qb {
        let fakes = FakeProviders::start().await;
        let response = client()
            .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
            .basic_auth("client-id", Some("client-secret"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "RT0")])
            .send()
            .await
            .unwrap();
        let json: serde_json::Value = response.json().await.unwrap();
        let token = json["access_token"].as_str().unwrap().to_owned();
        Qb { fakes, token }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v3/company/{REALM}/{path}", self.fakes.base_url())
    }

    async fn query(&self, query: &str) -> (u16, String) {
        // Long enough for the throttle test, whose answers each take 1.5 s.
        let response = client_with_timeout(Duration::from_secs(10))
            .get(self.url("query"))
            .query(&[("query", query), ("minorversion", "75")])
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let (status, _, body) = text(response).await;
        (status, body)
    }

    async fn post(&self, entity: &str, request_id: Option<&str>, body: &str) -> (u16, String) {
        let mut request = client()
            .post(self.url(entity))
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        if let Some(id) = request_id {
            request = request.query(&[("requestid", id)]);
        }
        let (status, _, body) = text(request.send().await.unwrap()).await;
        (status, body)
    }

    async fn customer(&self, name: &str) -> String {
        let (status, body) = self
            .post(
                "customer",
                None,
                &serde_json::json!({"DisplayName": name}).to_string(),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        json(&body)["Customer"]["Id"].as_str().unwrap().to_owned()
    }
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

fn fault_code(body: &str) -> String {
    json(body)["Fault"]["Error"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn seeded_lists_answer_only_active_objects_by_default() {
    let qb = Qb::start().await;
    let (status, body) = qb.query("select * from Item").await;
    assert_eq!(status, 200);
    let items = json(&body)["QueryResponse"]["Item"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|item| item["Active"] == true));
    let (_, body) = qb
        .query("select * from Item where Active in (true, false)")
        .await;
    assert_eq!(
        json(&body)["QueryResponse"]["Item"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let (_, body) = qb.query("select * from Account").await;
    assert!(body.contains("Undeposited Funds"));
    let (_, body) = qb
        .query("select * from PaymentMethod where Name = 'Visa'")
        .await;
    let methods = &json(&body)["QueryResponse"]["PaymentMethod"];
    assert_eq!(methods.as_array().unwrap().len(), 1);
    assert_eq!(methods[0]["Id"], "3");
}

#[tokio::test]
async fn customer_found_by_display_name_with_an_escaped_apostrophe() {
    let qb = Qb::start().await;
    let (_, body) = qb
        .query("select * from Customer where DisplayName = 'Nobody'")
        .await;
    assert_eq!(json(&body)["QueryResponse"], serde_json::json!({}));
    let id = qb.customer("Sean O'Brien (Rex)").await;
    let (status, body) = qb
        .query(r"select * from Customer where DisplayName = 'Sean O\'Brien (Rex)'")
        .await;
    assert_eq!(status, 200);
    let found = &json(&body)["QueryResponse"];
    assert_eq!(found["Customer"][0]["Id"], id.as_str());
    assert_eq!(found["startPosition"], 1);
    assert_eq!(found["maxResults"], 1);
}

#[tokio::test]
async fn paging_and_count() {
    let qb = Qb::start().await;
    for n in 0..5 {
        qb.customer(&format!("Owner {n}")).await;
    }
    let (_, body) = qb
        .query("select * from Customer STARTPOSITION 2 MAXRESULTS 2")
        .await;
    let page = &json(&body)["QueryResponse"];
    assert_eq!(page["Customer"][0]["DisplayName"], "Owner 1");
    assert_eq!(page["maxResults"], 2);
    let (_, body) = qb.query("select count(*) from Customer").await;
    assert_eq!(json(&body)["QueryResponse"]["totalCount"], 5);
    let (status, body) = qb
        .query("select * from Customer where A = 'x' or B = 'y'")
        .await;
    assert_eq!((status, fault_code(&body).as_str()), (400, "4000"));
    let (status, body) = qb.query("select * from Nope").await;
    assert_eq!((status, fault_code(&body).as_str()), (400, "4000"));
}

#[tokio::test]
async fn a_duplicate_customer_name_is_6240() {
    let qb = Qb::start().await;
    qb.customer("Jane Doe (Rex)").await;
    let (status, body) = qb
        .post("customer", None, r#"{"DisplayName":"jane doe (rex)"}"#)
        .await;
    assert_eq!(status, 400);
    assert_eq!(fault_code(&body), "6240");
    assert_eq!(json(&body)["Fault"]["type"], "ValidationFault");
    assert!(json(&body)["Fault"]["Error"][0]["Detail"]
        .as_str()
        .unwrap()
        .starts_with("The name supplied already exists."));
}

#[tokio::test]
async fn a_stale_sync_token_is_5010() {
    let qb = Qb::start().await;
    let id = qb.customer("Jane").await;
    let update = |token: &str| {
        serde_json::json!({"Id": id, "SyncToken": token, "sparse": true, "DisplayName": "Jane D"})
            .to_string()
    };
    let (status, body) = qb.post("customer", None, &update("0")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["Customer"]["SyncToken"], "1");
    let (status, body) = qb.post("customer", None, &update("0")).await;
    assert_eq!((status, fault_code(&body).as_str()), (400, "5010"));
}

fn invoice_body(customer: &str, doc: &str) -> String {
    format!(
        r#"{{"CustomerRef":{{"value":"{customer}"}},"DocNumber":"{doc}","TxnDate":"2026-05-01",
        "Line":[{{"Amount":150.10,"DetailType":"SalesItemLineDetail","Description":"Exam",
          "SalesItemLineDetail":{{"ItemRef":{{"value":"2"}},"Qty":1,"UnitPrice":150.10,"TaxCodeRef":{{"value":"NON"}}}}}},
         {{"Amount":0.20,"DetailType":"SalesItemLineDetail",
          "SalesItemLineDetail":{{"ItemRef":{{"value":"4"}},"Qty":2,"UnitPrice":0.10}}}}]}}"#
    )
}

#[tokio::test]
async fn invoice_totals_are_exact_and_a_duplicate_doc_number_is_6140_with_the_txn_id() {
    let qb = Qb::start().await;
    let customer = qb.customer("Jane").await;
    let (status, body) = qb
        .post(
            "invoice",
            Some("sw-inv-1-v1"),
            &invoice_body(&customer, "VET-1042"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Exact digits: 150.10 + 0.20 = 150.30, never 150.29999….
    assert!(body.contains(r#""TotalAmt":150.30"#), "{body}");
    assert!(body.contains(r#""Balance":150.30"#), "{body}");
    let invoice = &json(&body)["Invoice"];
    assert_eq!(invoice["SyncToken"], "0");
    assert_eq!(invoice["Line"][2]["DetailType"], "SubTotalLineDetail");
    assert_eq!(
        invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]["name"],
        "Exam"
    );
    let id = invoice["Id"].as_str().unwrap();
    let (status, body) = qb
        .post(
            "invoice",
            Some("sw-inv-2-v1"),
            &invoice_body(&customer, "VET-1042"),
        )
        .await;
    assert_eq!((status, fault_code(&body).as_str()), (400, "6140"));
    let detail = json(&body)["Fault"]["Error"][0]["Detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("DocNumber=VET-1042"), "{detail}");
    assert!(
        detail.contains(&format!("TxnType=Invoice with TxnId={id}")),
        "{detail}"
    );
    let (_, body) = qb
        .query("select * from Invoice where DocNumber = 'VET-1042'")
        .await;
    assert!(body.contains(r#""TotalAmt":150.30"#), "{body}");
}

#[tokio::test]
async fn the_same_request_id_replays_the_answer_without_a_second_invoice() {
    let qb = Qb::start().await;
    let customer = qb.customer("Jane").await;
    let first = qb
        .post(
            "invoice",
            Some("sw-inv-7-v1"),
            &invoice_body(&customer, "A1"),
        )
        .await;
    let again = qb
        .post(
            "invoice",
            Some("sw-inv-7-v1"),
            &invoice_body(&customer, "A1"),
        )
        .await;
    assert_eq!(first, again);
    assert_eq!(first.0, 200);
    assert_eq!(qb.fakes.quickbooks_objects(REALM, "Invoice").len(), 1);
    let long = "x".repeat(51);
    let (status, _) = qb
        .post("invoice", Some(&long), &invoice_body(&customer, "A2"))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn invoice_validation_faults() {
    let qb = Qb::start().await;
    let customer = qb.customer("Jane").await;
    let (_, body) = qb
        .post(
            "invoice",
            None,
            &format!(r#"{{"CustomerRef":{{"value":"{customer}"}}}}"#),
        )
        .await;
    assert_eq!(fault_code(&body), "2020");
    assert!(body.contains("Required parameter Line is missing"));
    let (_, body) = qb.post("invoice", None, &invoice_body("999", "B1")).await;
    assert_eq!(fault_code(&body), "2500");
    let bad_item = invoice_body(&customer, "B2").replace(r#""value":"4""#, r#""value":"5""#);
    let (_, body) = qb.post("invoice", None, &bad_item).await;
    assert_eq!(fault_code(&body), "2500");
    let mismatch = invoice_body(&customer, "B3").replace(r#""Amount":0.20"#, r#""Amount":0.30"#);
    let (_, body) = qb.post("invoice", None, &mismatch).await;
    assert_eq!(fault_code(&body), "6070");
}

#[tokio::test]
async fn a_payment_reduces_the_invoice_balance_and_keeps_the_rest_unapplied() {
    let qb = Qb::start().await;
    let customer = qb.customer("Jane").await;
    let (_, body) = qb
        .post("invoice", None, &invoice_body(&customer, "P1"))
        .await;
    let invoice = json(&body)["Invoice"]["Id"].as_str().unwrap().to_owned();
    let payment = format!(
        r#"{{"CustomerRef":{{"value":"{customer}"}},"TotalAmt":160.30,"PaymentMethodRef":{{"value":"3"}},
        "DepositToAccountRef":{{"value":"4"}},"Line":[{{"Amount":150.30,"LinkedTxn":[{{"TxnId":"{invoice}","TxnType":"Invoice"}}]}}]}}"#
    );
    let (status, body) = qb.post("payment", Some("sw-pay-1"), &payment).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""UnappliedAmt":10.00"#), "{body}");
    let (_, body) = qb
        .query(&format!("select * from Invoice where Id = '{invoice}'"))
        .await;
    assert!(body.contains(r#""Balance":0.00"#), "{body}");
    // Paying it again would exceed the balance.
    let (status, body) = qb.post("payment", None, &payment).await;
    assert_eq!((status, fault_code(&body).as_str()), (400, "6000"));
    let unknown = payment.replace(&format!(r#""TxnId":"{invoice}""#), r#""TxnId":"4242""#);
    let (_, body) = qb.post("payment", None, &unknown).await;
    assert_eq!(fault_code(&body), "610");
    let bad_method = payment.replace(r#"{"value":"3"}"#, r#"{"value":"99"}"#);
    let (_, body) = qb.post("payment", None, &bad_method).await;
    assert_eq!(fault_code(&body), "2500");
}

#[tokio::test]
async fn a_wrong_token_is_401_3200_in_the_gateway_envelope() {
    let qb = Qb::start().await;
    let response = client()
        .get(qb.url("query"))
        .query(&[("query", "select * from Item")])
        .bearer_auth("AT-stale")
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let (status, _, body) = text(response).await;
    assert_eq!(status, 401);
    assert_eq!(json(&body)["fault"]["error"][0]["code"], "3200");
}

#[tokio::test]
async fn injected_faults_answer_their_documented_bodies_once_each() {
    let qb = Qb::start().await;
    for (code, status) in [
        ("610", 400),
        ("2020", 400),
        ("2500", 400),
        ("5010", 400),
        ("6000", 400),
        ("6140", 400),
        ("6240", 400),
        ("3100", 403),
        ("3200", 401),
        ("3001", 429),
        ("200-6000", 200),
    ] {
        qb.fakes.quickbooks_fail_next(code, 1);
        let (got, body) = qb.query("select * from Item").await;
        assert_eq!(got, status, "{code}: {body}");
        let expected = code.trim_start_matches("200-");
        assert!(body.contains(expected), "{code}: {body}");
        let (got, _) = qb.query("select * from Item").await;
        assert_eq!(got, 200, "{code} applied twice");
    }
}

#[tokio::test]
async fn over_the_per_minute_limit_is_429_with_the_xml_3001_body() {
    let qb = Qb::start().await;
    qb.fakes.set_quickbooks_limits(QuickbooksLimits {
        per_minute: 5,
        ..QuickbooksLimits::default()
    });
    for _ in 0..5 {
        assert_eq!(qb.query("select * from Item").await.0, 200);
    }
    let response = client()
        .get(qb.url("query"))
        .query(&[("query", "select * from Item")])
        .bearer_auth(&qb.token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let (status, content_type, body) = text(response).await;
    assert_eq!(status, 429);
    assert_eq!(content_type, "application/xml");
    assert!(body.contains(r#"<Error code="3001">"#), "{body}");
    assert!(body.contains("ThrottleExceeded"));
    assert_eq!(qb.fakes.quickbooks_stats().throttled, 1);
    qb.fakes.set_quickbooks_limits(QuickbooksLimits {
        enabled: false,
        ..QuickbooksLimits::default()
    });
    assert_eq!(qb.query("select * from Item").await.0, 200);
}

#[tokio::test]
async fn more_than_ten_at_once_are_throttled() {
    let qb = Qb::start().await;
    qb.fakes.set_quickbooks_limits(QuickbooksLimits {
        latency_ms: 1500,
        ..QuickbooksLimits::default()
    });
    let calls = (0..14).map(|_| qb.query("select * from Item"));
    // Polled together on this task: the calls borrow the fake.
    let answers = futures_util::future::join_all(calls).await;
    let throttled = answers.iter().filter(|(status, _)| *status == 429).count();
    assert_eq!(throttled, 4, "{answers:?}");
    assert_eq!(qb.fakes.quickbooks_stats().max_in_flight, 10);
}

#[tokio::test]
async fn control_api_lists_objects_and_switches_limits() {
    let qb = Qb::start().await;
    qb.customer("Jane").await;
    let customers: Vec<serde_json::Value> = client()
        .get(format!(
            "{}/quickbooks/{REALM}/Customer",
            qb.fakes.control_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(customers.len(), 1);
    let response = client()
        .put(format!("{}/quickbooks/limits", qb.fakes.control_url()))
        .json(&serde_json::json!({"enabled": false, "per_minute": 500, "concurrent": 10, "latency_ms": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = client()
        .post(format!("{}/quickbooks/fail_next", qb.fakes.control_url()))
        .json(&serde_json::json!({"code": "5010"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, body) = qb.query("select * from Item").await;
    assert_eq!((status, fault_code(&body).as_str()), (400, "5010"));
}
