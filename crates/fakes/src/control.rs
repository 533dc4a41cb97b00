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

use crate::{
    state::Shared, FakeMessage, FakeProvider, NewPayment, NewRefund, QuickbooksLimits,
    QuickbooksStats, Recipient, RecordedRequest, Scenario,
};

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
        .route("/twilio/messages", get(twilio_messages))
        .route("/twilio/recipients/{to}", put(set_twilio_recipient))
        .route("/twilio/senders", put(set_twilio_senders))
        .route("/twilio/test_accounts", put(set_twilio_test_accounts))
        .route(
            "/quickbooks/limits",
            get(quickbooks_limits).put(set_quickbooks_limits),
        )
        .route("/quickbooks/stats", get(quickbooks_stats))
        .route("/quickbooks/fail_next", post(quickbooks_fail_next))
        .route("/quickbooks/{realm}/{entity}", get(quickbooks_objects))
        .route("/square/payments", post(add_square_payment))
        .route("/square/payments/{id}/{action}", post(move_square_payment))
        .route("/square/refunds", post(add_square_refund))
}

async fn twilio_messages(State(shared): State<Arc<Shared>>) -> Json<Vec<FakeMessage>> {
    Json(shared.lock().twilio_messages.messages.clone())
}

async fn set_twilio_recipient(
    State(shared): State<Arc<Shared>>,
    Path(to): Path<String>,
    Json(recipient): Json<Recipient>,
) -> StatusCode {
    shared
        .lock()
        .twilio_messages
        .recipients
        .insert(to, recipient);
    StatusCode::NO_CONTENT
}

async fn set_twilio_senders(
    State(shared): State<Arc<Shared>>,
    Json(senders): Json<Vec<String>>,
) -> StatusCode {
    shared.lock().twilio_messages.senders = Some(senders.into_iter().collect());
    StatusCode::NO_CONTENT
}

async fn set_twilio_test_accounts(
    State(shared): State<Arc<Shared>>,
    Json(accounts): Json<Vec<String>>,
) -> StatusCode {
    shared.lock().twilio_messages.test_accounts = accounts.into_iter().collect();
    StatusCode::NO_CONTENT
}

async fn quickbooks_limits(State(shared): State<Arc<Shared>>) -> Json<QuickbooksLimits> {
    Json(shared.lock().quickbooks_api.limits)
}

async fn set_quickbooks_limits(
    State(shared): State<Arc<Shared>>,
    Json(limits): Json<QuickbooksLimits>,
) -> StatusCode {
    shared.lock().quickbooks_api.limits = limits;
    StatusCode::NO_CONTENT
}

async fn quickbooks_stats(State(shared): State<Arc<Shared>>) -> Json<QuickbooksStats> {
    Json(shared.lock().quickbooks_api.stats)
}

#[derive(Deserialize)]
struct FailNext {
    code: String,
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

async fn quickbooks_fail_next(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<FailNext>,
) -> StatusCode {
    let mut state = shared.lock();
    for _ in 0..body.count {
        state.quickbooks_api.fail_next.push_back(body.code.clone());
    }
    StatusCode::NO_CONTENT
}

async fn quickbooks_objects(
    State(shared): State<Arc<Shared>>,
    Path((realm, entity)): Path<(String, String)>,
) -> Json<Vec<serde_json::Value>> {
    Json(shared.lock().quickbooks_api.objects(&realm, &entity))
}

fn answered(result: Result<serde_json::Value, String>) -> Response {
    match result {
        Ok(value) => (StatusCode::CREATED, Json(value)).into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, message).into_response(),
    }
}

async fn add_square_payment(
    State(shared): State<Arc<Shared>>,
    Json(payment): Json<NewPayment>,
) -> Response {
    answered(shared.lock().square_payments.add_payment(payment))
}

async fn move_square_payment(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    answered(shared.lock().square_payments.move_payment(&id, &action))
}

async fn add_square_refund(
    State(shared): State<Arc<Shared>>,
    Json(refund): Json<NewRefund>,
) -> Response {
    answered(shared.lock().square_payments.add_refund(refund))
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
    state.twilio_messages = Default::default();
    state.quickbooks_api = Default::default();
    state.square_payments = Default::default();
    state.oauth = Default::default();
    StatusCode::NO_CONTENT
}

/// Ages every outstanding authorization code past its 5 minutes.
async fn expire_codes(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().oauth.expire_codes();
    StatusCode::NO_CONTENT
}
