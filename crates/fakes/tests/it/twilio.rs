use switchboard_fakes::{FakeProvider, FakeProviders, Scenario};

use crate::{client, text, ACCOUNT_SID, AUTH_TOKEN};

const AUTHENTICATE_401: &str = r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#;

fn account_url(fakes: &FakeProviders) -> String {
    format!(
        "{}/2010-04-01/Accounts/{ACCOUNT_SID}.json",
        fakes.base_url()
    )
}

async fn fetch_account(fakes: &FakeProviders) -> (u16, String, String) {
    let response = client()
        .get(account_url(fakes))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    text(response).await
}

async fn send_message(fakes: &FakeProviders, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
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
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn account_fetch_answers_the_documented_account_with_the_requested_sid() {
    let fakes = FakeProviders::start().await;
    let (status, content_type, body) = fetch_account(&fakes).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    // The official example, for the requested account, echoing its auth token as Twilio does.
    let expected = include_str!("../../src/samples/twilio_account.json")
        .replace("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ACCOUNT_SID)
        .replace(
            r#""auth_token": "auth_token""#,
            &format!(r#""auth_token": "{AUTH_TOKEN}""#),
        );
    assert_eq!(body, expected);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["sid"], ACCOUNT_SID);
    assert_eq!(json["auth_token"], AUTH_TOKEN);
    assert_eq!(json["status"], "active");
    assert_eq!(json["type"], "Full");
}

#[tokio::test]
async fn account_fetch_with_an_api_key_does_not_echo_the_key_secret() {
    let fakes = FakeProviders::start().await;
    let response = client()
        .get(account_url(&fakes))
        .basic_auth("SK0123456789abcdef0123456789abcdef", Some("key-secret"))
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["auth_token"], "auth_token");
}

#[tokio::test]
async fn account_fetch_is_recorded_with_basic_auth_and_accept() {
    let fakes = FakeProviders::start().await;
    fetch_account(&fakes).await;
    let requests = fakes.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}.json")
    );
    assert_eq!(request.query, None);
    // base64("AC0123…:0123…")
    let expected_auth = format!(
        "Basic {}",
        "QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg=="
    );
    assert_eq!(
        request.header("authorization"),
        Some(expected_auth.as_str())
    );
    assert_eq!(request.header("Accept"), Some("application/json"));
    assert!(request
        .headers
        .iter()
        .all(|(name, _)| *name == name.to_lowercase()));
    fakes.clear_requests();
    assert!(fakes.requests().is_empty());
}

#[tokio::test]
async fn missing_basic_auth_is_401_20003() {
    let fakes = FakeProviders::start().await;
    let response = client().get(account_url(&fakes)).send().await.unwrap();
    let (status, _, body) = text(response).await;
    assert_eq!((status, body.as_str()), (401, AUTHENTICATE_401));
}

#[tokio::test]
async fn wrong_credentials_is_the_captured_401_body() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Twilio, Scenario::WrongCredentials);
    let (status, _, body) = fetch_account(&fakes).await;
    assert_eq!((status, body.as_str()), (401, AUTHENTICATE_401));
}

#[tokio::test]
async fn suspended_and_closed_accounts_answer_200_with_that_status() {
    let fakes = FakeProviders::start().await;
    for (scenario, expected) in [
        (Scenario::Suspended, "suspended"),
        (Scenario::Closed, "closed"),
    ] {
        fakes.set(FakeProvider::Twilio, scenario);
        let (status, _, body) = fetch_account(&fakes).await;
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!((status, json["status"].as_str()), (200, Some(expected)));
        assert_eq!(json["sid"], ACCOUNT_SID);
    }
}

#[tokio::test]
async fn missing_scope_forbids_accounts_but_lists_phone_numbers() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Twilio, Scenario::MissingScope);
    let (status, _, body) = fetch_account(&fakes).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":403}"#
    );

    let response = client()
        .get(format!(
            "{}/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers.json?PageSize=1",
            fakes.base_url()
        ))
        .basic_auth("SK0123456789abcdef0123456789abcdef", Some("secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["page_size"], 1);
    assert_eq!(
        json["incoming_phone_numbers"][0]["phone_number"],
        "+15005550006"
    );
    assert_eq!(
        json["incoming_phone_numbers"][0]["account_sid"],
        ACCOUNT_SID
    );
    assert_eq!(fakes.requests()[1].query.as_deref(), Some("PageSize=1"));
}

#[tokio::test]
async fn not_found_names_the_requested_resource() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Twilio, Scenario::NotFound);
    let (status, _, body) = fetch_account(&fakes).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        format!(
            r#"{{"code":20404,"message":"The requested resource /2010-04-01/Accounts/{ACCOUNT_SID}.json was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}}"#
        )
    );
}

#[tokio::test]
async fn rate_limited_is_429_20429_with_retry_after_only_when_given() {
    let fakes = FakeProviders::start().await;
    fakes.set(
        FakeProvider::Twilio,
        Scenario::RateLimited {
            retry_after: Some(30),
        },
    );
    let response = client()
        .get(account_url(&fakes))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["retry-after"], "30");
    let (status, _, body) = text(response).await;
    assert_eq!(status, 429);
    assert_eq!(
        body,
        r#"{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}"#
    );

    fakes.set(
        FakeProvider::Twilio,
        Scenario::RateLimited { retry_after: None },
    );
    let response = client()
        .get(account_url(&fakes))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_none());
}

#[tokio::test]
async fn server_errors_answer_the_given_status_in_twilio_shape() {
    let fakes = FakeProviders::start().await;
    for (status, code) in [(500, 20500), (503, 20503)] {
        fakes.set(FakeProvider::Twilio, Scenario::ServerError(status));
        let (got, _, body) = fetch_account(&fakes).await;
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(got, status);
        assert_eq!(json["code"], code);
        assert_eq!(json["status"], status);
    }
}

#[tokio::test]
async fn message_from_the_magic_sender_is_created() {
    let fakes = FakeProviders::start().await;
    let form = [
        ("To", "+14155552345"),
        ("From", "+15005550006"),
        ("Body", "Hello! 👍"),
    ];
    let (status, json) = send_message(&fakes, &form).await;
    assert_eq!(status, 201);
    assert_eq!(json["status"], "queued");
    assert_eq!(json["to"], "+14155552345");
    assert_eq!(json["from"], "+15005550006");
    assert_eq!(json["body"], "Hello! 👍");
    assert_eq!(json["account_sid"], ACCOUNT_SID);
    assert!(json["sid"].as_str().unwrap().starts_with("SM"));
    assert_eq!(json["sid"].as_str().unwrap().len(), 34);

    let recorded = &fakes.requests()[0];
    assert_eq!(recorded.method, "POST");
    assert_eq!(
        recorded.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let sent: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(recorded.form(), sent);
}

#[tokio::test]
async fn message_through_a_messaging_service_is_created_without_from() {
    let fakes = FakeProviders::start().await;
    let service = "MG0123456789abcdef0123456789abcdef";
    let form = [
        ("To", "+14155552345"),
        ("MessagingServiceSid", service),
        ("Body", "hi"),
    ];
    let (status, json) = send_message(&fakes, &form).await;
    assert_eq!(status, 201);
    assert_eq!(json["from"], serde_json::Value::Null);
    assert_eq!(json["messaging_service_sid"], service);
}

#[tokio::test]
async fn magic_numbers_give_their_documented_error_codes() {
    let fakes = FakeProviders::start().await;
    let cases = [
        ("+15005550001", "+14155552345", 21212),
        ("+15005550007", "+14155552345", 21606),
        ("+15005550008", "+14155552345", 21611),
        ("+14155550000", "+14155552345", 21606),
        ("+15005550006", "+15005550001", 21211),
        ("+15005550006", "+15005550002", 21612),
        ("+15005550006", "+15005550003", 21408),
        ("+15005550006", "+15005550004", 21610),
        ("+15005550006", "+15005550009", 21614),
    ];
    for (from, to, code) in cases {
        let (status, json) =
            send_message(&fakes, &[("To", to), ("From", from), ("Body", "x")]).await;
        assert_eq!(
            (status, json["code"].as_u64()),
            (400, Some(code)),
            "From {from} To {to}"
        );
        assert_eq!(json["status"], 400);
        assert_eq!(
            json["more_info"],
            format!("https://www.twilio.com/docs/errors/{code}")
        );
    }
}

#[tokio::test]
async fn messaging_service_fetch_answers_the_service() {
    let fakes = FakeProviders::start().await;
    let sid = "MG0123456789abcdef0123456789abcdef";
    let response = client()
        .get(format!("{}/v1/Services/{sid}", fakes.base_url()))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["sid"], sid);
    assert_eq!(json["account_sid"], ACCOUNT_SID);
}

#[tokio::test]
async fn wrong_method_and_unknown_path_are_refused() {
    let fakes = FakeProviders::start().await;
    let response = client()
        .delete(account_url(&fakes))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let response = client()
        .get(format!("{}/2010-04-01/Nope.json", fakes.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
