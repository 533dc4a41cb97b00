//! The scenarios that break the exchange itself: hang, reset, garbage, captive portal, huge body,
//! slow drip. None of them may block the server for other requests or allocate the huge body.

use std::time::{Duration, Instant};

use switchboard_fakes::{
    FakeProvider, FakeProviders, Scenario, GARBAGE_BODY, HTML_BODY, HUGE_BODY_LEN,
};

use crate::{client, client_with_timeout, text, ACCOUNT_SID, AUTH_TOKEN};

fn twilio_account(fakes: &FakeProviders, client: &reqwest::Client) -> reqwest::RequestBuilder {
    client
        .get(format!(
            "{}/2010-04-01/Accounts/{ACCOUNT_SID}.json",
            fakes.base_url()
        ))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
}

fn square_locations(fakes: &FakeProviders, client: &reqwest::Client) -> reqwest::RequestBuilder {
    client
        .get(format!("{}/v2/locations", fakes.base_url()))
        .bearer_auth("EAAA-token")
        .header("Square-Version", "2025-08-20")
}

fn quickbooks_refresh(fakes: &FakeProviders, client: &reqwest::Client) -> reqwest::RequestBuilder {
    client
        .post(format!("{}/oauth2/v1/tokens/bearer", fakes.base_url()))
        .basic_auth("client-id", Some("client-secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "RT1-x")])
}

/// The provider request each transport scenario is tried on: QuickBooks at its token endpoint,
/// which a client calls first.
fn first_call(
    provider: FakeProvider,
    fakes: &FakeProviders,
    client: &reqwest::Client,
) -> reqwest::RequestBuilder {
    match provider {
        FakeProvider::Twilio => twilio_account(fakes, client),
        FakeProvider::Square => square_locations(fakes, client),
        FakeProvider::Quickbooks => quickbooks_refresh(fakes, client),
    }
}

/// Proves the server still answers while something else is stuck.
async fn server_still_answers(fakes: &FakeProviders) {
    let response = square_locations(fakes, &client()).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

/// The process's resident memory in KiB (Linux only; elsewhere the check is skipped).
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn garbage_is_200_json_content_type_with_a_body_that_does_not_parse() {
    let fakes = FakeProviders::start().await;
    for provider in FakeProvider::ALL {
        fakes.set(provider, Scenario::Garbage);
        let response = first_call(provider, &fakes, &client())
            .send()
            .await
            .unwrap();
        let (status, content_type, body) = text(response).await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, "application/json"),
            "{provider:?}"
        );
        assert_eq!(body, GARBAGE_BODY);
        assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
    }
}

#[tokio::test]
async fn html_is_a_captive_portal_page() {
    let fakes = FakeProviders::start().await;
    for provider in FakeProvider::ALL {
        fakes.set(provider, Scenario::Html);
        let response = first_call(provider, &fakes, &client())
            .send()
            .await
            .unwrap();
        let (status, content_type, body) = text(response).await;
        assert_eq!(status, 200);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert_eq!(body, HTML_BODY);
        assert_eq!(body, "<html><body>Proxy login</body></html>");
    }
}

#[tokio::test]
async fn hang_never_answers_and_does_not_block_the_server() {
    let fakes = FakeProviders::start().await;
    for provider in FakeProvider::ALL {
        fakes.set(provider, Scenario::Hang);
    }
    fakes.set(FakeProvider::Square, Scenario::Ok);
    let started = Instant::now();
    let hung_client = client_with_timeout(Duration::from_millis(700));
    let twilio = twilio_account(&fakes, &hung_client).send();
    let quickbooks = quickbooks_refresh(&fakes, &hung_client).send();
    let ((), twilio, quickbooks) = tokio::join!(
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            server_still_answers(&fakes).await;
        },
        twilio,
        quickbooks
    );
    for result in [twilio, quickbooks] {
        let error = result.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
    }
    assert!(started.elapsed() >= Duration::from_millis(700));
    // The hung requests arrived and were recorded.
    let paths: Vec<String> = fakes.requests().into_iter().map(|r| r.path).collect();
    assert!(
        paths.contains(&"/oauth2/v1/tokens/bearer".to_owned()),
        "{paths:?}"
    );
}

#[tokio::test]
async fn hang_also_applies_to_the_quickbooks_api() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Quickbooks, Scenario::Hang);
    let error = client_with_timeout(Duration::from_millis(300))
        .get(format!(
            "{}/v3/company/1/companyinfo/1?minorversion=75",
            fakes.base_url()
        ))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn reset_fails_the_request_at_once_without_a_response() {
    let fakes = FakeProviders::start().await;
    for provider in FakeProvider::ALL {
        fakes.set(provider, Scenario::Reset);
        let started = Instant::now();
        let error = first_call(provider, &fakes, &client())
            .send()
            .await
            .unwrap_err();
        assert!(!error.is_timeout(), "{provider:?}: {error:?}");
        assert!(started.elapsed() < Duration::from_secs(1), "{provider:?}");
        let chain = format!("{error:?}").to_lowercase();
        assert!(chain.contains("reset"), "{provider:?}: {chain}");
    }
    fakes.set(FakeProvider::Square, Scenario::Ok);
    server_still_answers(&fakes).await;
}

#[tokio::test]
async fn huge_body_is_100_mib_of_json_never_held_in_memory() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Twilio, Scenario::HugeBody);
    let before = resident_kib();
    let mut response = twilio_account(&fakes, &client_with_timeout(Duration::from_secs(60)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.content_length().is_none());

    let first = response.chunk().await.unwrap().unwrap();
    assert!(first.starts_with(b"{\"padding\":\""), "{first:?}");
    // While the body is half read, the server answers others.
    server_still_answers(&fakes).await;

    let mut total = first.len() as u64;
    let mut last = first;
    let mut peak_growth = 0;
    while let Some(chunk) = response.chunk().await.unwrap() {
        total += chunk.len() as u64;
        last = chunk;
        if let (Some(before), Some(now)) = (before, resident_kib()) {
            peak_growth = peak_growth.max(now.saturating_sub(before));
        }
    }
    assert_eq!(total, HUGE_BODY_LEN);
    assert!(last.ends_with(b"\"}"));
    // An eagerly built body would add 100 MiB; streaming keeps it to buffers.
    assert!(
        peak_growth < 40 * 1024,
        "resident memory grew by {peak_growth} KiB"
    );
}

#[tokio::test]
async fn slow_drip_sends_one_byte_per_half_second() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Square, Scenario::SlowDrip);
    let mut response = square_locations(&fakes, &client_with_timeout(Duration::from_secs(5)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    fakes.set(FakeProvider::Square, Scenario::Ok);

    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1200);
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await {
        received.extend_from_slice(&chunk);
    }
    // At 0, 500 and 1000 ms: three bytes of the locations body, and no more.
    assert!((2..=4).contains(&received.len()), "{received:?}");
    assert!(received.starts_with(b"{\n "), "{received:?}");
    server_still_answers(&fakes).await;
}
