//! One router for everything: the control API under `/_control`, and every other request recorded
//! and handed to the provider that owns its path.

use std::{borrow::Cow, sync::Arc};

use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    response::Response,
    Router,
};
use base64::Engine as _;
use bytes::Bytes;

use crate::{
    control, oauth, quickbooks, quickbooks_api, respond, server::Connection, square,
    square_payments, state::Shared, twilio, FakeProvider, RecordedRequest,
};

/// Request bodies above this are refused; no provider call comes close.
const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest("/_control", control::router())
        .fallback(provider_request)
        .with_state(shared)
}

/// A received provider request, body read in full.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) conn: Option<Connection>,
}

impl Req {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// `Authorization: Basic …` decoded to (user, password); `None` if absent or malformed.
    pub(crate) fn basic_auth(&self) -> Option<(String, String)> {
        let encoded = strip_scheme(self.header("authorization")?, "Basic")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (user, password) = decoded.split_once(':')?;
        Some((user.to_owned(), password.to_owned()))
    }

    /// The token of `Authorization: Bearer <token>`; `None` if absent, another scheme or empty.
    pub(crate) fn bearer(&self) -> Option<&str> {
        let token = strip_scheme(self.header("authorization")?, "Bearer")?.trim();
        (!token.is_empty() && !token.contains(' ')).then_some(token)
    }

    /// The first value of `name` in an `application/x-www-form-urlencoded` body.
    pub(crate) fn form_value(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// Whether the `Accept` header asks for JSON.
    pub(crate) fn accepts_json(&self) -> bool {
        self.headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| value.to_ascii_lowercase().contains("application/json"))
    }

    pub(crate) fn segments(&self) -> Vec<&str> {
        self.path.trim_matches('/').split('/').collect()
    }
}

/// `"Basic abc"` → `"abc"`; the scheme is case-insensitive as in RFC 9110.
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(rest)
}

async fn provider_request(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let conn = request.extensions().get::<Connection>().cloned();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    if path == "/_control" || path.starts_with("/_control/") {
        return not_found(&parts.method, &path);
    }
    let Ok(body) = to_bytes(body, MAX_REQUEST_BODY).await else {
        return respond::with_content_type(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text/plain",
            "switchboard-fakes: request body too large",
        );
    };
    let req = Req {
        method: parts.method,
        path,
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        conn,
    };
    shared.lock().requests.push(record(&req));
    if oauth::owns(&req.path) {
        return oauth::handle(&shared, &req).await;
    }

    let Some(provider) = provider_of(&req.path) else {
        return not_found(&req.method, &req.path);
    };
    let scenario = shared.lock().scenario(provider);
    match provider {
        FakeProvider::Twilio => twilio::handle(&shared, scenario, &req).await,
        FakeProvider::Square if square_payments::owns(&req.path) => {
            square_payments::handle(&shared, scenario, &req).await
        }
        FakeProvider::Square => square::handle(&shared, scenario, &req).await,
        FakeProvider::Quickbooks if quickbooks_api::owns(&req.path) => {
            quickbooks_api::handle(&shared, scenario, &req).await
        }
        FakeProvider::Quickbooks => quickbooks::handle(&shared, scenario, &req).await,
    }
}

fn provider_of(path: &str) -> Option<FakeProvider> {
    if path.starts_with("/2010-04-01/") || path.starts_with("/v1/Services/") {
        Some(FakeProvider::Twilio)
    } else if path.starts_with("/v2/") {
        Some(FakeProvider::Square)
    } else if path.starts_with("/v3/company/") || path.starts_with("/oauth2/v1/tokens/") {
        Some(FakeProvider::Quickbooks)
    } else {
        None
    }
}

fn record(req: &Req) -> RecordedRequest {
    RecordedRequest {
        method: req.method.to_string(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers: req
            .headers
            .iter()
            .map(|(name, value)| {
                let value: Cow<'_, str> = String::from_utf8_lossy(value.as_bytes());
                (name.as_str().to_owned(), value.into_owned())
            })
            .collect(),
        body: req.body.to_vec(),
    }
}

pub(crate) fn not_found(method: &Method, path: &str) -> Response {
    respond::with_content_type(
        StatusCode::NOT_FOUND,
        "text/plain",
        Body::from(format!(
            "switchboard-fakes: no fake endpoint for {method} {path}"
        )),
    )
}

pub(crate) fn method_not_allowed(method: &Method, path: &str) -> Response {
    respond::with_content_type(
        StatusCode::METHOD_NOT_ALLOWED,
        "text/plain",
        Body::from(format!(
            "switchboard-fakes: {method} is not allowed on {path}"
        )),
    )
}
