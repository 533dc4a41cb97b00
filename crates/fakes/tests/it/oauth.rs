//! The authorization servers: consent, codes, PKCE, token and revoke endpoints.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use switchboard_fakes::{FakeProvider, FakeProviders, Scenario, QUICKBOOKS_REALM_ID};

use crate::{client, text};

const REDIRECT: &str = "http://localhost:47321/callback";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap()
}

/// Follows the consent page with a decision; returns the callback's query pairs.
async fn decide(url: &str, decision: &str) -> Vec<(String, String)> {
    let response = no_redirects()
        .get(format!("{url}&fake_decision={decision}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (base, query) = location.split_once('?').unwrap();
    assert_eq!(base, REDIRECT);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn intuit_authorize(fakes: &FakeProviders) -> String {
    format!(
        "{}/connect/oauth2?client_id=ABclient&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri={}&state=s3cret.47321",
        fakes.base_url(),
        urlencode(REDIRECT)
    )
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn intuit_exchange(fakes: &FakeProviders, code: &str) -> (u16, String) {
    let response = client()
        .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
        .basic_auth("ABclient", Some("secret"))
        .header("Accept", "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    let (status, _, body) = text(response).await;
    (status, body)
}

#[tokio::test]
async fn intuit_consent_page_offers_approve_and_deny() {
    let fakes = FakeProviders::start().await;
    let (status, content_type, body) =
        text(client().get(intuit_authorize(&fakes)).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"));
    assert!(body.contains("id=\"approve\"") && body.contains("fake_decision=approve"));
    assert!(body.contains("id=\"deny\""));
}

#[tokio::test]
async fn intuit_authorize_refuses_a_request_without_the_accounting_scope() {
    let fakes = FakeProviders::start().await;
    let url = intuit_authorize(&fakes).replace("com.intuit.quickbooks.accounting", "openid");
    let (status, _, body) = text(client().get(url).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(body.contains("scope"));
}

#[tokio::test]
async fn intuit_code_is_exchanged_once_with_realm_on_the_callback() {
    let fakes = FakeProviders::start().await;
    let pairs = decide(&intuit_authorize(&fakes), "approve").await;
    assert_eq!(get(&pairs, "state"), Some("s3cret.47321"));
    assert_eq!(get(&pairs, "realmId"), Some(QUICKBOOKS_REALM_ID));
    let code = get(&pairs, "code").unwrap();
    let (status, body) = intuit_exchange(&fakes, code).await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["x_refresh_token_expires_in"], 8_726_400);
    assert_eq!(
        json["refresh_token"].as_str(),
        fakes.quickbooks_refresh_token().as_deref()
    );
    // Replayed: refused.
    let (status, body) = intuit_exchange(&fakes, code).await;
    assert_eq!(
        (status, body.contains("invalid_grant")),
        (400, true),
        "{body}"
    );
}

#[tokio::test]
async fn intuit_expired_or_unknown_codes_are_invalid_grant() {
    let fakes = FakeProviders::start().await;
    let pairs = decide(&intuit_authorize(&fakes), "approve").await;
    fakes.expire_oauth_codes();
    let (status, body) = intuit_exchange(&fakes, get(&pairs, "code").unwrap()).await;
    assert_eq!((status, body.contains("invalid_grant")), (400, true));
    let (status, _) = intuit_exchange(&fakes, "made-up").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn denied_consent_redirects_with_access_denied() {
    let fakes = FakeProviders::start().await;
    let pairs = decide(&intuit_authorize(&fakes), "deny").await;
    assert_eq!(get(&pairs, "error"), Some("access_denied"));
    assert_eq!(get(&pairs, "code"), None);
    assert_eq!(get(&pairs, "state"), Some("s3cret.47321"));
}

#[tokio::test]
async fn intuit_revoke_needs_client_auth_and_ends_the_refresh_token() {
    let fakes = FakeProviders::start().await;
    let pairs = decide(&intuit_authorize(&fakes), "approve").await;
    let (_, body) = intuit_exchange(&fakes, get(&pairs, "code").unwrap()).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let refresh = json["refresh_token"].as_str().unwrap();
    let url = format!("{}/v2/oauth2/tokens/revoke", fakes.base_url());
    let response = client()
        .post(&url)
        .json(&serde_json::json!({ "token": refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = client()
        .post(&url)
        .basic_auth("ABclient", Some("secret"))
        .json(&serde_json::json!({ "token": refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = client()
        .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
        .basic_auth("ABclient", Some("secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap();
    let (status, _, body) = text(response).await;
    assert_eq!((status, body.contains("invalid_grant")), (400, true));
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn square_authorize(fakes: &FakeProviders, challenge: Option<&str>) -> String {
    let mut url = format!(
        "{}/oauth2/authorize?client_id=sandbox-sq0idb-app&scope=MERCHANT_PROFILE_READ+PAYMENTS_READ&session=false&state=st.1&redirect_uri={}",
        fakes.base_url(),
        urlencode(REDIRECT)
    );
    if let Some(c) = challenge {
        url.push_str(&format!("&code_challenge={c}&code_challenge_method=S256"));
    }
    url
}

async fn square_token(fakes: &FakeProviders, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = client()
        .post(format!("{}/oauth2/token", fakes.base_url()))
        .header("Square-Version", "2026-08-19")
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, _, text) = text(response).await;
    (status, serde_json::from_str(&text).unwrap_or_default())
}

#[tokio::test]
async fn square_pkce_checks_the_verifier_and_rotates_single_use_refresh_tokens() {
    let fakes = FakeProviders::start().await;
    let verifier = "a-verifier-of-at-least-forty-three-characters-0123456789";
    let pairs = decide(
        &square_authorize(&fakes, Some(&challenge(verifier))),
        "approve",
    )
    .await;
    let code = get(&pairs, "code").unwrap().to_owned();
    let exchange = |verifier: &str| {
        serde_json::json!({"client_id": "sandbox-sq0idb-app", "grant_type": "authorization_code",
            "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT})
    };
    let (status, json) = square_token(&fakes, exchange("wrong")).await;
    assert_eq!(status, 401);
    assert_eq!(json["errors"][0]["code"], "UNAUTHORIZED");
    // The failed try spent the code: a fresh one for the right verifier.
    let pairs = decide(
        &square_authorize(&fakes, Some(&challenge(verifier))),
        "approve",
    )
    .await;
    let code = get(&pairs, "code").unwrap().to_owned();
    let (status, json) = square_token(
        &fakes,
        serde_json::json!({"client_id": "sandbox-sq0idb-app", "grant_type": "authorization_code",
            "code": code, "code_verifier": verifier}),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["merchant_id"], "MLQW2MYBY81PZ");
    assert!(json["refresh_token_expires_at"].is_string());
    let first = json["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: &str| {
        serde_json::json!({"client_id": "sandbox-sq0idb-app", "grant_type": "refresh_token",
            "refresh_token": token})
    };
    let (status, json) = square_token(&fakes, refresh(&first)).await;
    assert_eq!(status, 200, "{json}");
    let second = json["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let (status, _) = square_token(&fakes, refresh(&first)).await;
    assert_eq!(status, 401, "a PKCE refresh token is single-use");
}

#[tokio::test]
async fn square_code_flow_needs_the_secret_and_keeps_its_refresh_token() {
    let fakes = FakeProviders::start().await;
    let pairs = decide(&square_authorize(&fakes, None), "approve").await;
    let code = get(&pairs, "code").unwrap().to_owned();
    let (status, json) = square_token(
        &fakes,
        serde_json::json!({"client_id": "sandbox-sq0idb-app", "client_secret": "sq0csb-s",
            "grant_type": "authorization_code", "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert!(json.get("refresh_token_expires_at").is_none());
    let refresh = json["refresh_token"].as_str().unwrap().to_owned();
    let access = json["access_token"].as_str().unwrap().to_owned();
    let body = serde_json::json!({"client_id": "sandbox-sq0idb-app", "client_secret": "sq0csb-s",
        "grant_type": "refresh_token", "refresh_token": refresh});
    let (status, json) = square_token(&fakes, body.clone()).await;
    assert_eq!(
        (status, json["refresh_token"].as_str()),
        (200, Some(refresh.as_str()))
    );
    // Replay of the code: refused.
    let (status, _) = square_token(
        &fakes,
        serde_json::json!({"client_id": "sandbox-sq0idb-app", "client_secret": "sq0csb-s",
            "grant_type": "authorization_code", "code": code}),
    )
    .await;
    assert_eq!(status, 401);

    // Revoke needs `Authorization: Client SECRET`, then the tokens stop working.
    let url = format!("{}/oauth2/revoke", fakes.base_url());
    let revoke = serde_json::json!({"client_id": "sandbox-sq0idb-app", "access_token": access});
    let response = client().post(&url).json(&revoke).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let response = client()
        .post(&url)
        .header("Authorization", "Client sq0csb-s")
        .json(&revoke)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, _) = square_token(&fakes, body).await;
    assert_eq!(status, 401);
    let response = client()
        .get(format!("{}/v2/locations", fakes.base_url()))
        .bearer_auth(&access)
        .header("Square-Version", "2026-08-19")
        .send()
        .await
        .unwrap();
    let (status, _, body) = text(response).await;
    assert_eq!((status, body.contains("ACCESS_TOKEN_REVOKED")), (401, true));
}

#[tokio::test]
async fn token_endpoints_follow_the_transport_scenarios() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Square, Scenario::ServerError(503));
    let (status, json) = square_token(&fakes, serde_json::json!({})).await;
    assert_eq!(
        (status, json["errors"][0]["category"].as_str()),
        (503, Some("API_ERROR"))
    );
    // The consent page is the browser's and is not affected.
    let response = client()
        .get(square_authorize(&fakes, None))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn control_api_expires_codes() {
    let fakes = FakeProviders::start().await;
    let pairs = decide(&intuit_authorize(&fakes), "approve").await;
    let response = client()
        .post(format!("{}/oauth/expire_codes", fakes.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, _) = intuit_exchange(&fakes, get(&pairs, "code").unwrap()).await;
    assert_eq!(status, 400);
}
