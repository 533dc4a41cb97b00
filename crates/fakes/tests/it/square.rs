use switchboard_fakes::{square, FakeProvider, FakeProviders, Scenario};

use crate::{client, text};

const LOCATIONS_SAMPLE: &str = include_str!("../../src/samples/square_locations.json");
const TOKEN: &str = "EAAAl3ikZIe18J-2-cHlV2bL4-EaZHGoJUhtEBT7QA6-7AgwIHw8Xe1IoUvGsNxA";

async fn list_locations(fakes: &FakeProviders) -> (u16, String, String) {
    let response = client()
        .get(format!("{}/v2/locations", fakes.base_url()))
        .bearer_auth(TOKEN)
        .header("Square-Version", "2025-08-20")
        .send()
        .await
        .unwrap();
    text(response).await
}

fn error_body(category: &str, code: &str, detail: &str) -> String {
    format!(r#"{{"errors":[{{"category":"{category}","code":"{code}","detail":"{detail}"}}]}}"#)
}

#[tokio::test]
async fn locations_are_the_documented_sample_verbatim() {
    let fakes = FakeProviders::start().await;
    let (status, content_type, body) = list_locations(&fakes).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(body, LOCATIONS_SAMPLE);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = json["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, square::LOCATION_IDS);

    let recorded = &fakes.requests()[0];
    assert_eq!(
        recorded.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(recorded.header("square-version"), Some("2025-08-20"));
}

#[tokio::test]
async fn missing_or_malformed_square_version_is_400_invalid_square_version_format() {
    let fakes = FakeProviders::start().await;
    for version in [None, Some("2025-8-20"), Some("latest")] {
        let mut request = client()
            .get(format!("{}/v2/locations", fakes.base_url()))
            .bearer_auth(TOKEN);
        if let Some(version) = version {
            request = request.header("Square-Version", version);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400, "{version:?}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["errors"][0]["code"], "INVALID_SQUARE_VERSION_FORMAT");
        assert_eq!(json["errors"][0]["category"], "INVALID_REQUEST_ERROR");
    }
}

#[tokio::test]
async fn missing_bearer_is_401_unauthorized() {
    let fakes = FakeProviders::start().await;
    let response = client()
        .get(format!("{}/v2/locations", fakes.base_url()))
        .header("Square-Version", "2025-08-20")
        .basic_auth("not", Some("bearer"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["errors"][0]["code"], "UNAUTHORIZED");
    assert!(json["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("The `Authorization` http header of your request was malformed."));
}

#[tokio::test]
async fn auth_scenarios_answer_their_error_bodies() {
    let fakes = FakeProviders::start().await;
    let cases = [
        (
            Scenario::WrongCredentials,
            401,
            error_body(
                "AUTHENTICATION_ERROR",
                "UNAUTHORIZED",
                "This request could not be authorized.",
            ),
        ),
        (
            Scenario::AccessTokenExpired,
            401,
            error_body(
                "AUTHENTICATION_ERROR",
                "ACCESS_TOKEN_EXPIRED",
                "The access token has expired.",
            ),
        ),
        (
            Scenario::AccessTokenRevoked,
            401,
            error_body(
                "AUTHENTICATION_ERROR",
                "ACCESS_TOKEN_REVOKED",
                "The access token has been revoked.",
            ),
        ),
    ];
    for (scenario, expected_status, expected_body) in cases {
        fakes.set(FakeProvider::Square, scenario);
        let (status, _, body) = list_locations(&fakes).await;
        assert_eq!(
            (status, body),
            (expected_status, expected_body),
            "{scenario:?}"
        );
    }
}

#[tokio::test]
async fn missing_scope_is_403_insufficient_scopes() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Square, Scenario::MissingScope);
    let (status, _, body) = list_locations(&fakes).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 403);
    assert_eq!(json["errors"][0]["category"], "AUTHENTICATION_ERROR");
    assert_eq!(json["errors"][0]["code"], "INSUFFICIENT_SCOPES");
}

#[tokio::test]
async fn not_found_lists_locations_without_the_sample_ids() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Square, Scenario::NotFound);
    let (status, _, body) = list_locations(&fakes).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = json["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, square::NOT_FOUND_LOCATION_IDS);
}

#[tokio::test]
async fn location_inactive_lists_the_sample_locations_inactive() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Square, Scenario::LocationInactive);
    let (status, _, body) = list_locations(&fakes).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    for location in json["locations"].as_array().unwrap() {
        assert!(square::LOCATION_IDS.contains(&location["id"].as_str().unwrap()));
        assert_eq!(location["status"], "INACTIVE");
    }
}

#[tokio::test]
async fn rate_limited_is_429_rate_limit_error_with_retry_after() {
    let fakes = FakeProviders::start().await;
    fakes.set(
        FakeProvider::Square,
        Scenario::RateLimited {
            retry_after: Some(7),
        },
    );
    let response = client()
        .get(format!("{}/v2/locations", fakes.base_url()))
        .bearer_auth(TOKEN)
        .header("Square-Version", "2025-08-20")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["errors"][0]["category"], "RATE_LIMIT_ERROR");
    assert_eq!(json["errors"][0]["code"], "RATE_LIMITED");
}

#[tokio::test]
async fn server_errors_answer_the_given_status_in_square_shape() {
    let fakes = FakeProviders::start().await;
    for (status, code) in [(500, "INTERNAL_SERVER_ERROR"), (503, "SERVICE_UNAVAILABLE")] {
        fakes.set(FakeProvider::Square, Scenario::ServerError(status));
        let (got, _, body) = list_locations(&fakes).await;
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(got, status);
        assert_eq!(json["errors"][0]["category"], "API_ERROR");
        assert_eq!(json["errors"][0]["code"], code);
    }
}

#[tokio::test]
async fn scenarios_are_per_provider() {
    let fakes = FakeProviders::start().await;
    fakes.set(FakeProvider::Twilio, Scenario::WrongCredentials);
    fakes.set(FakeProvider::Quickbooks, Scenario::ServerError(503));
    let (status, _, body) = list_locations(&fakes).await;
    assert_eq!((status, body.as_str()), (200, LOCATIONS_SAMPLE));
    assert_eq!(fakes.scenario(FakeProvider::Square), Scenario::Ok);
}
