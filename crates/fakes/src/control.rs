//! The control API under `/_control`, for tests that drive the fake from another process
//! (end-to-end tests of the real app window). Control requests are not recorded.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post, put},
    Json, Router,
};
use serde::{Deserialize, Serialize};

use crate::{state::Shared, FakeProvider, RecordedRequest, Scenario};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/scenario", get(scenarios))
        .route("/scenario/{provider}", put(set_scenario).get(scenario))
        .route("/requests", get(requests).delete(clear_requests))
        .route(
            "/quickbooks/refresh_token",
            get(refresh_token).put(set_refresh_token),
        )
        .route("/reset", post(reset))
        .route("/oauth/expire_codes", post(expire_codes))
}

async fn scenarios(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let state = shared.lock();
    let map: serde_json::Map<String, serde_json::Value> = FakeProvider::ALL
        .into_iter()
        .map(|provider| {
            let scenario = serde_json::to_value(state.scenario(provider)).unwrap_or_default();
            (provider.as_str().to_owned(), scenario)
        })
        .collect();
    Json(serde_json::Value::Object(map))
}

async fn scenario(
    State(shared): State<Arc<Shared>>,
    Path(provider): Path<FakeProvider>,
) -> Json<Scenario> {
    Json(shared.lock().scenario(provider))
}

async fn set_scenario(
    State(shared): State<Arc<Shared>>,
    Path(provider): Path<FakeProvider>,
    Json(scenario): Json<Scenario>,
) -> StatusCode {
    shared.lock().set_scenario(provider, scenario);
    StatusCode::NO_CONTENT
}

/// A recorded request as JSON; the body as (lossy) UTF-8 text.
#[derive(Serialize)]
struct RecordedRequestJson {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
}

impl From<RecordedRequest> for RecordedRequestJson {
    fn from(request: RecordedRequest) -> Self {
        Self {
            body: String::from_utf8_lossy(&request.body).into_owned(),
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
        }
    }
}

async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    let recorded = shared.lock().requests.clone();
    let recorded: Vec<RecordedRequestJson> = recorded.into_iter().map(Into::into).collect();
    Json(recorded).into_response()
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().requests.clear();
    StatusCode::NO_CONTENT
}

#[derive(Serialize, Deserialize)]
struct RefreshToken {
    refresh_token: Option<String>,
}

async fn refresh_token(State(shared): State<Arc<Shared>>) -> Json<RefreshToken> {
    let refresh_token = shared
        .lock()
        .quickbooks_tokens
        .accepted_refresh_token
        .clone();
    Json(RefreshToken { refresh_token })
}

async fn set_refresh_token(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<RefreshToken>,
) -> StatusCode {
    shared.lock().quickbooks_tokens.accepted_refresh_token = body.refresh_token;
    StatusCode::NO_CONTENT
}

/// Back to a freshly started fake: every scenario `ok`, no requests, no QuickBooks tokens.
async fn reset(State(shared): State<Arc<Shared>>) -> StatusCode {
    let mut state = shared.lock();
    for provider in FakeProvider::ALL {
        state.set_scenario(provider, Scenario::Ok);
    }
    state.requests.clear();
    state.quickbooks_tokens = Default::default();
    state.oauth = Default::default();
    StatusCode::NO_CONTENT
}

/// Ages every outstanding authorization code past its 5 minutes.
async fn expire_codes(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().oauth.expire_codes();
    StatusCode::NO_CONTENT
}
