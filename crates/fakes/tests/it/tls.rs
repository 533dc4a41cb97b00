use switchboard_fakes::FakeProviders;

#[tokio::test]
async fn a_verifying_client_rejects_the_self_signed_listener() {
    let fakes = FakeProviders::start().await;
    assert!(fakes.tls_base_url().starts_with("https://127.0.0.1:"));
    let error = crate::client()
        .get(format!("{}/v2/locations", fakes.tls_base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    let chain = format!("{error:?}").to_lowercase();
    assert!(chain.contains("certificate"), "{chain}");
    assert!(fakes.requests().is_empty());
}

/// Proves the failure above is about trust, not a dead listener.
#[tokio::test]
async fn a_client_trusting_the_certificate_is_served() {
    let fakes = FakeProviders::start().await;
    let certificate =
        reqwest::Certificate::from_pem(fakes.tls_certificate_pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([certificate])
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    let response = client
        .get(format!("{}/v2/locations", fakes.tls_base_url()))
        .bearer_auth("EAAA-token")
        .header("Square-Version", "2025-08-20")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(fakes.requests().len(), 1);
}
