//! The control API, through the library's server and through the binary.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use switchboard_fakes::{FakeProvider, FakeProviders, Scenario};

use crate::{client, ACCOUNT_SID, AUTH_TOKEN};

async fn put_scenario(control_url: &str, provider: &str, body: serde_json::Value) -> u16 {
    client()
        .put(format!("{control_url}/scenario/{provider}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn put_scenario_sets_what_the_provider_answers() {
    let fakes = FakeProviders::start().await;
    let control = fakes.control_url();
    let cases = [
        (
            "twilio",
            serde_json::json!({"scenario": "wrong_credentials"}),
            FakeProvider::Twilio,
            Scenario::WrongCredentials,
        ),
        (
            "square",
            serde_json::json!({"scenario": "rate_limited", "retry_after": 30}),
            FakeProvider::Square,
            Scenario::RateLimited {
                retry_after: Some(30),
            },
        ),
        (
            "quickbooks",
            serde_json::json!({"scenario": "server_error", "status": 503}),
            FakeProvider::Quickbooks,
            Scenario::ServerError(503),
        ),
    ];
    for (name, body, provider, scenario) in cases {
        assert_eq!(put_scenario(&control, name, body).await, 204);
        assert_eq!(fakes.scenario(provider), scenario);
        let read: Scenario = client()
            .get(format!("{control}/scenario/{name}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(read, scenario);
    }
    let all: serde_json::Value = client()
        .get(format!("{control}/scenario"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        all["square"],
        serde_json::json!({"scenario": "rate_limited", "retry_after": 30})
    );

    let response = client()
        .get(format!(
            "{}/2010-04-01/Accounts/{ACCOUNT_SID}.json",
            fakes.base_url()
        ))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn bad_scenarios_and_providers_are_refused_and_change_nothing() {
    let fakes = FakeProviders::start().await;
    let control = fakes.control_url();
    assert!(
        put_scenario(&control, "twilio", serde_json::json!({"scenario": "sunny"})).await >= 400
    );
    assert!(put_scenario(&control, "stripe", serde_json::json!({"scenario": "ok"})).await >= 400);
    assert_eq!(fakes.scenario(FakeProvider::Twilio), Scenario::Ok);
}

#[tokio::test]
async fn requests_are_listed_and_cleared_but_control_calls_are_not_recorded() {
    let fakes = FakeProviders::start().await;
    let control = fakes.control_url();
    client()
        .post(format!(
            "{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
            fakes.base_url()
        ))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .form(&[
            ("To", "+14155552345"),
            ("From", "+15005550006"),
            ("Body", "hi"),
        ])
        .send()
        .await
        .unwrap();
    let listed: serde_json::Value = client()
        .get(format!("{control}/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["method"], "POST");
    assert_eq!(
        listed[0]["path"],
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    );
    assert_eq!(listed[0]["query"], serde_json::Value::Null);
    assert_eq!(
        listed[0]["body"],
        "To=%2B14155552345&From=%2B15005550006&Body=hi"
    );
    let headers = listed[0]["headers"].as_array().unwrap();
    assert!(headers.contains(&serde_json::json!([
        "content-type",
        "application/x-www-form-urlencoded"
    ])));

    let status = client()
        .delete(format!("{control}/requests"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert!(fakes.requests().is_empty());
}

#[tokio::test]
async fn quickbooks_refresh_token_and_reset_through_the_control_api() {
    let fakes = FakeProviders::start().await;
    let control = fakes.control_url();
    let status = client()
        .put(format!("{control}/quickbooks/refresh_token"))
        .json(&serde_json::json!({"refresh_token": "RT1-preset"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(
        fakes.quickbooks_refresh_token().as_deref(),
        Some("RT1-preset")
    );
    let read: serde_json::Value = client()
        .get(format!("{control}/quickbooks/refresh_token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, serde_json::json!({"refresh_token": "RT1-preset"}));

    fakes.set(FakeProvider::Square, Scenario::Hang);
    let status = client()
        .post(format!("{control}/reset"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(fakes.scenario(FakeProvider::Square), Scenario::Ok);
    assert_eq!(fakes.quickbooks_refresh_token(), None);
}

/// Kills the child on drop, so a failing test does not leave the server running.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_urls_and_obeys_the_control_api() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_switchboard-fake-providers"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .unwrap()
    .unwrap()
    .unwrap();
    let urls: serde_json::Value = serde_json::from_str(&line).unwrap();
    let base_url = urls["base_url"].as_str().unwrap();
    let control_url = urls["control_url"].as_str().unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:"));
    assert!(urls["tls_base_url"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    assert_eq!(control_url, format!("{base_url}/_control"));
    assert_eq!(urls.as_object().unwrap().len(), 3);

    let body = serde_json::json!({"scenario": "access_token_expired"});
    assert_eq!(put_scenario(control_url, "square", body).await, 204);
    let response = client()
        .get(format!("{base_url}/v2/locations"))
        .bearer_auth("EAAA-token")
        .header("Square-Version", "2025-08-20")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["errors"][0]["code"], "ACCESS_TOKEN_EXPIRED");

    let listed: serde_json::Value = client()
        .get(format!("{control_url}/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["path"], "/v2/locations");
    assert!(listed[0]["headers"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(["square-version", "2025-08-20"])));
}
