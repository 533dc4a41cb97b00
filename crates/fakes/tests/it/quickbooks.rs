use switchboard_fakes::{FakeProvider, FakeProviders, Scenario};

use crate::{client, text};

const COMPANY_INFO_SAMPLE: &str = include_str!("../../src/samples/quickbooks_company_info.json");
const FAULT_3200_SAMPLE: &str = include_str!("../../src/samples/quickbooks_fault_3200.json");
const FAULT_3100_SAMPLE: &str = include_str!("../../src/samples/quickbooks_fault_3100.json");
const INVALID_GRANT: &str = r#"{"error_description":"Token invalid","error":"invalid_grant"}"#;
const REALM: &str = "9341453000000001";

async fn refresh(fakes: &FakeProviders, refresh_token: &str) -> (u16, serde_json::Value, String) {
    let response = client()
        .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
        .basic_auth("client-id", Some("client-secret"))
        .header("Accept", "application/json")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    let (status, _, body) = text(response).await;
    let json = serde_json::from_str(&body).unwrap_or_default();
    (status, json, body)
}

async fn company_info(
    fakes: &FakeProviders,
    access_token: &str,
    accept_json: bool,
) -> (u16, String, String) {
    let mut request = client()
        .get(format!(
            "{}/v3/company/{REALM}/companyinfo/{REALM}?minorversion=75",
            fakes.base_url()
        ))
        .bearer_auth(access_token);
    if accept_json {
        request = request.header("Accept", "application/json");
    }
    text(request.send().await.unwrap()).await
}

/// Refreshes with `refresh_token` and returns the new access token.
async fn access_token(fakes: &FakeProviders, refresh_token: &str) -> String {
    let (status, json, body) = refresh(fakes, refresh_token).await;
    assert_eq!(status, 200, "{body}");
    json["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn refresh_answers_the_documented_token_shape_with_a_rotated_refresh_token() {
    let fakes = FakeProviders::start().await;
    let (status, json, _) = refresh(&fakes, "RT1-from-the-keychain").await;
    assert_eq!(status, 200);
    assert_eq!(json["token_type"], "bearer");
    assert_eq!(json["expires_in"], 3600);
    assert_eq!(json["x_refresh_token_expires_in"], 8_726_400);
    assert!(json.get("x_refresh_token_hard_expires_in").is_none());
    assert_eq!(json["refresh_token"], "RT1-fake-1");
    assert_eq!(
        fakes.quickbooks_refresh_token().as_deref(),
        Some("RT1-fake-1")
    );
    assert_eq!(
        fakes.quickbooks_access_token().as_deref(),
        json["access_token"].as_str()
    );

    let recorded = &fakes.requests()[0];
    assert_eq!(recorded.path, "/oauth2/v1/tokens/bearer");
    assert_eq!(
        recorded.header("authorization"),
        Some("Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ=")
    );
    assert_eq!(
        recorded.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        recorded.body_text(),
        "grant_type=refresh_token&refresh_token=RT1-from-the-keychain"
    );
}

#[tokio::test]
async fn only_the_latest_issued_refresh_token_is_accepted_after_the_first() {
    let fakes = FakeProviders::start().await;
    let (_, first, _) = refresh(&fakes, "RT1-original").await;
    let rotated = first["refresh_token"].as_str().unwrap().to_owned();

    // A client that did not persist the rotation presents the old token again.
    let (status, _, body) = refresh(&fakes, "RT1-original").await;
    assert_eq!((status, body.as_str()), (400, INVALID_GRANT));

    let (status, second, _) = refresh(&fakes, &rotated).await;
    assert_eq!(status, 200);
    let newest = second["refresh_token"].as_str().unwrap();
    assert_ne!(newest, rotated);
    assert_eq!(fakes.quickbooks_refresh_token().as_deref(), Some(newest));

    let (status, _, body) = refresh(&fakes, &rotated).await;
    assert_eq!((status, body.as_str()), (400, INVALID_GRANT));
}

#[tokio::test]
async fn a_preset_refresh_token_is_the_only_one_accepted() {
    let fakes = FakeProviders::start().await;
    fakes.set_quickbooks_refresh_token(Some("RT1-preset".to_owned()));
    let (status, _, body) = refresh(&fakes, "RT1-something-else").await;
    assert_eq!((status, body.as_str()), (400, INVALID_GRANT));
    let (status, _, _) = refresh(&fakes, "RT1-preset").await;
    assert_eq!(status, 200);

    fakes.set_quickbooks_refresh_token(None);
    let (status, _, _) = refresh(&fakes, "RT1-anything").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn hard_expiry_is_sent_only_when_asked_for() {
    let fakes = FakeProviders::start().await;
    let response = client()
        .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
        .basic_auth("client-id", Some("client-secret"))
        .header("x-include-refresh-token-hard-expires-in", "true")
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "RT1-x")])
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["x_refresh_token_hard_expires_in"], 156_032_154);
}

#[tokio::test]
async fn token_endpoint_without_client_credentials_is_invalid_client() {
    let fakes = FakeProviders::start().await;
    let response = client()
        .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "RT1-x")])
        .send()
        .await
        .unwrap();
    let (status, _, body) = text(response).await;
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"error":"invalid_client"}"#)
    );
    assert_eq!(fakes.quickbooks_refresh_token(), None);
}

#[tokio::test]
async fn invalid_grant_and_invalid_client_scenarios_answer_at_the_token_endpoint() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Quickbooks, Scenario::InvalidGrant);
    let (status, _, body) = refresh(&fakes, "RT1-x").await;
    assert_eq!((status, body.as_str()), (400, INVALID_GRANT));
    fakes.set(FakeProvider::Quickbooks, Scenario::InvalidClient);
    let (status, _, body) = refresh(&fakes, "RT1-x").await;
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"error":"invalid_client"}"#)
    );
    assert_eq!(fakes.quickbooks_refresh_token(), None);
}

#[tokio::test]
async fn company_info_with_the_issued_token_is_the_documented_sample() {
    let fakes = FakeProviders::start().await;
    let token = access_token(&fakes, "RT1-x").await;
    let (status, content_type, body) = company_info(&fakes, &token, true).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(body, COMPANY_INFO_SAMPLE);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["CompanyInfo"]["CompanyName"], "Larry's Bakery");

    let recorded = fakes.requests().pop().unwrap();
    assert_eq!(recorded.query.as_deref(), Some("minorversion=75"));
    assert_eq!(recorded.header("accept"), Some("application/json"));
    assert_eq!(
        recorded.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
}

#[tokio::test]
async fn company_info_without_accept_json_is_xml() {
    let fakes = FakeProviders::start().await;
    let token = access_token(&fakes, "RT1-x").await;
    let (status, content_type, body) = company_info(&fakes, &token, false).await;
    assert_eq!((status, content_type.as_str()), (200, "application/xml"));
    assert!(body.starts_with("<?xml"));
    assert!(body.contains("<IntuitResponse"));
    assert!(body.contains("<CompanyName>Larry's Bakery</CompanyName>"));

    let (status, _, body) = company_info(&fakes, "not-the-token", false).await;
    assert_eq!(status, 401);
    assert!(body.contains(r#"<Fault type="AuthenticationFault">"#));
}

#[tokio::test]
async fn company_info_with_a_stale_or_unknown_token_is_401_3200() {
    let fakes = FakeProviders::start().await;
    let (status, _, body) = company_info(&fakes, "never-issued", true).await;
    assert_eq!((status, body.as_str()), (401, FAULT_3200_SAMPLE));

    let old = access_token(&fakes, "RT1-x").await;
    let rotated = fakes.quickbooks_refresh_token().unwrap();
    let _new = access_token(&fakes, &rotated).await;
    let (status, _, body) = company_info(&fakes, &old, true).await;
    assert_eq!((status, body.as_str()), (401, FAULT_3200_SAMPLE));
}

#[tokio::test]
async fn wrong_credentials_and_expired_token_are_401_3200_even_after_a_refresh() {
    let fakes = FakeProviders::start().await;
    for scenario in [
        Scenario::WrongCredentials,
        Scenario::AccessTokenExpired,
        Scenario::AccessTokenRevoked,
    ] {
        fakes.set(FakeProvider::Quickbooks, scenario);
        fakes.set_quickbooks_refresh_token(None);
        let token = access_token(&fakes, "RT1-x").await;
        let (status, _, body) = company_info(&fakes, &token, true).await;
        assert_eq!(
            (status, body.as_str()),
            (401, FAULT_3200_SAMPLE),
            "{scenario:?}"
        );
    }
}

#[tokio::test]
async fn missing_scope_and_not_found_are_403_3100() {
    let fakes = FakeProviders::start().await;
    let token = access_token(&fakes, "RT1-x").await;
    for scenario in [Scenario::MissingScope, Scenario::NotFound] {
        fakes.set(FakeProvider::Quickbooks, scenario);
        let (status, _, body) = company_info(&fakes, &token, true).await;
        assert_eq!(
            (status, body.as_str()),
            (403, FAULT_3100_SAMPLE),
            "{scenario:?}"
        );
    }
}

#[tokio::test]
async fn rate_limited_is_a_429_fault_3001_with_retry_after() {
    let fakes = FakeProviders::start().await;
    fakes.set(
        FakeProvider::Quickbooks,
        Scenario::RateLimited {
            retry_after: Some(60),
        },
    );
    // The token endpoint is not throttled; the API is.
    let token = access_token(&fakes, "RT1-x").await;
    let response = client()
        .get(format!(
            "{}/v3/company/{REALM}/companyinfo/{REALM}?minorversion=75",
            fakes.base_url()
        ))
        .bearer_auth(token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "60");
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["Fault"]["Error"][0]["code"], "3001");
    assert_eq!(json["Fault"]["type"], "SERVICE");
}

#[tokio::test]
async fn server_error_is_a_system_fault_with_the_given_status() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Quickbooks, Scenario::ServerError(503));
    let token = access_token(&fakes, "RT1-x").await;
    let (status, _, body) = company_info(&fakes, &token, true).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 503);
    assert_eq!(json["Fault"]["type"], "SystemFault");
}

#[tokio::test]
async fn responses_carry_an_intuit_tid() {
    let fakes = FakeProviders::start().await;
    let response = client()
        .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("intuit_tid"));
}
