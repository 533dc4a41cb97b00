//! The loopback ingest API: the clinic's own programs send events with an API key.
//!
//! `POST /v1/events` with `Authorization: Bearer sbk_…` and a JSON body
//! `{"type": "appointment.created", "data": {…}, "id": "evt_…"}` (`data` and `id` optional)
//! queues the event as `switchboard emit` does: 202 `{"id", "duplicate": false, "deliveries"}`,
//! or 200 with `"duplicate": true` when that id was queued before. `GET /v1/health` answers 200.
//!
//! The server listens on 127.0.0.1 only and refuses any other address: it is for programs on
//! this computer, never the network. Every error is JSON `{code, message, field}`: 400 for a body
//! that is not a valid event (a `data` field of the wrong type for the event's catalogue entry is
//! named by its JSON path, e.g. `"field": "data.lines[1].amount"`), 401 for a missing, wrong, expired or revoked key, 403 for an event
//! type outside the key's scopes, 413 for event data over 1 MiB, 404 and 405 for anything else.
//! The key is checked before the body is read, so a caller without one cannot make Switchboard
//! read a megabyte; the body is read up to the limit and no further. Nothing is stored on an
//! error.
//!
//! The key is looked up once per request; the event is then validated and wrapped on the
//! request's own task, and stored by the group committer ([`commit`]) with every other event
//! that arrived meanwhile, in one fsynced transaction: a 202 means the event is on disk. The
//! stored event names its key (the key's usage log); refusals go to the audit chain, at most one
//! row per key and reason per minute ([`refusals`]).

pub(crate) mod commit;
mod keys;
pub mod refusals;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::api_keys::{ApiKey, AuthError, Refusal};
use crate::error::{AppError, Error, ErrorCode, Result};
use crate::secrets::Secret;
use crate::webhooks::events::{self, MAX_PAYLOAD_BYTES};
use crate::webhooks::{is_known_event_type, EmitRequest, Emitted};
use crate::Switchboard;
use commit::Committer;

pub const DEFAULT_PORT: u16 = 8717;
/// The largest body read: 1 MiB of event data and room for the fields around it. Event data
/// over 1 MiB is refused with 413 whether the body or the data crosses its limit first.
pub const MAX_BODY_BYTES: usize = MAX_PAYLOAD_BYTES + 16 * 1024;
/// How often counted refusals whose minute has closed are written to the audit log.
const REFUSAL_FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// A running ingest API.
#[derive(Debug)]
pub struct IngestServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl IngestServer {
    /// Where it listens (the real port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Resolves once the server has stopped: its shutdown future resolved and the requests in
    /// flight were answered.
    pub async fn stopped(self) {
        let _ = self.task.await;
    }
}

/// Starts the ingest API on 127.0.0.1:`port` (0 for any free port) until `shutdown` resolves.
pub async fn serve(
    sb: Arc<Switchboard>,
    port: u16,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<IngestServer> {
    serve_on(sb, SocketAddr::from((Ipv4Addr::LOCALHOST, port)), shutdown).await
}

/// Starts the ingest API on `addr`, which must be a loopback address.
pub async fn serve_on(
    sb: Arc<Switchboard>,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<IngestServer> {
    if !addr.ip().is_loopback() {
        return Err(Error::validation(
            "address",
            format!(
                "The ingest API listens only on this computer (127.0.0.1); {} is not a loopback \
                 address.",
                addr.ip()
            ),
        ));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => Error::Conflict(format!(
                "Port {} on {} is already in use by another program, so the ingest API could \
                 not start. Stop that program or choose another port (SWITCHBOARD_INGEST_PORT, \
                 or --port).",
                addr.port(),
                addr.ip()
            )),
            _ => Error::Internal(format!("the ingest API could not listen on {addr}: {e}")),
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(format!("the ingest API's address: {e}")))?;
    let app = router(Arc::clone(&sb))?;
    let flusher = tokio::spawn({
        let sb = Arc::clone(&sb);
        async move {
            let mut every = tokio::time::interval(REFUSAL_FLUSH_EVERY);
            loop {
                every.tick().await;
                if let Err(e) = sb.blocking(|sb| sb.flush_closed_refusals()).await {
                    tracing::error!(error = %e, "could not record counted ingest refusals");
                }
            }
        }
    });
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "the ingest API stopped");
        }
        flusher.abort();
        // Nothing counted is lost at a clean shutdown.
        if let Err(e) = sb.blocking(|sb| sb.flush_refusals()).await {
            tracing::error!(error = %e, "could not record counted ingest refusals");
        }
    });
    tracing::info!(%addr, "ingest API listening");
    Ok(IngestServer { addr, task })
}

/// The routes, for [`serve_on`] (and tests that drive the router without a socket). Starts the
/// group committer, which stops when the router is dropped.
pub fn router(sb: Arc<Switchboard>) -> Result<Router> {
    let committer = Committer::start(Arc::clone(&sb))?;
    Ok(Router::new()
        .route("/v1/events", post(post_event))
        .route("/v1/health", get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(Arc::new(Ingest {
            sb,
            committer,
            keys: keys::KeyCache::default(),
        })))
}

/// What every request shares.
struct Ingest {
    sb: Arc<Switchboard>,
    committer: Committer,
    keys: keys::KeyCache,
}

/// What a queued event answers.
#[derive(Debug, Serialize)]
struct Accepted {
    id: String,
    duplicate: bool,
    deliveries: u32,
}

async fn health() -> Response {
    Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

async fn post_event(State(ingest): State<Arc<Ingest>>, request: Request) -> Response {
    match accept(&ingest, request).await {
        Ok(emitted) => {
            let status = if emitted.duplicate {
                StatusCode::OK
            } else {
                StatusCode::ACCEPTED
            };
            let body = Accepted {
                id: emitted.event_id,
                duplicate: emitted.duplicate,
                deliveries: emitted.deliveries,
            };
            (status, Json(body)).into_response()
        }
        Err(problem) => problem.into_response(),
    }
}

async fn accept(ingest: &Ingest, request: Request) -> Result<Emitted, Problem> {
    let sb = &ingest.sb;
    // The key first, before a byte of the body is read: the one look-up of this request.
    let Some(secret) = bearer(request.headers()) else {
        return Err(refuse(sb, Refusal::Missing, None).await);
    };
    let key = match ingest.keys.get(sb, &secret) {
        Some(key) => key,
        None => {
            let generation = sb.api_key_generation();
            let checked = secret.clone();
            match core(sb, move |sb| sb.authenticate(&checked, None)).await {
                Ok(key) => {
                    let key = Arc::new(key);
                    ingest.keys.put(generation, &secret, &key);
                    key
                }
                Err(AuthError::Refused(refusal)) => {
                    return Err(refuse(sb, refusal, Some(secret)).await)
                }
                Err(AuthError::Core(e)) => return Err(Problem::from(&e)),
            }
        }
    };
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(problem) => return Err(refuse_known(sb, &key, problem).await),
    };
    let event = match parse(&body) {
        Ok(event) => event,
        Err(problem) => return Err(refuse_known(sb, &key, problem).await),
    };
    drop(body);
    // The scope against the key already read; an unknown type is the validation's to name.
    let event_type = event.event_type.trim();
    if is_known_event_type(event_type) && !key.scopes.iter().any(|s| s == "*" || s == event_type) {
        let refusal = Refusal::OutOfScope {
            key: Box::new((*key).clone()),
            event_type: event_type.to_owned(),
        };
        return Err(refuse(sb, refusal, None).await);
    }
    let prepared = match events::prepare(&event) {
        Ok(prepared) => prepared,
        Err(e) => return Err(refuse_known(sb, &key, Problem::from(&e)).await),
    };
    match ingest.committer.submit(Arc::clone(&key), prepared).await {
        Ok(emitted) => Ok(emitted),
        // Revoked or expired between the check and the commit.
        Err(AuthError::Refused(refusal)) => Err(refuse(sb, refusal, None).await),
        Err(AuthError::Core(e)) => Err(Problem::from(&e)),
    }
}

/// The body, refused with 413 as soon as it is known to be too large: from its declared length,
/// or once more than [`MAX_BODY_BYTES`] have arrived.
async fn read_body(request: Request) -> Result<Bytes, Problem> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(Problem::too_large());
    }
    Bytes::from_request(request, &())
        .await
        .map_err(|r| match r {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                Problem::too_large()
            }
            other => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("The request body could not be read: {other}."),
                None,
            ),
        })
}

/// The body as an event. `data` defaults to `{}`; any other field is a mistake worth naming.
fn parse(body: &[u8]) -> Result<EmitRequest, Problem> {
    let fields: BTreeMap<String, &RawValue> = serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!(
                "The body must be a JSON object such as {{\"type\": \"test.ping\", \"data\": {{}}}} \
                 ({e})."
            ),
            None,
        )
    })?;
    let invalid = |field: &str, message: &str| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "validation",
            message.to_owned(),
            Some(field.to_owned()),
        )
    };
    if let Some(unknown) = fields
        .keys()
        .find(|k| !["type", "data", "id"].contains(&k.as_str()))
    {
        return Err(invalid(
            unknown,
            "Unknown field: an event has only \"type\", \"data\" and \"id\".",
        ));
    }
    let event_type = match fields.get("type") {
        Some(raw) => serde_json::from_str::<String>(raw.get())
            .map_err(|_| invalid("type", "\"type\" must be a string, e.g. \"test.ping\"."))?,
        None => {
            return Err(invalid(
                "type",
                "The event type is missing: give it as \"type\", e.g. \"appointment.created\".",
            ))
        }
    };
    let id = match fields.get("id") {
        Some(raw) => serde_json::from_str::<Option<String>>(raw.get()).map_err(|_| {
            invalid(
                "id",
                "\"id\" must be a string such as \"evt_123\", or left out.",
            )
        })?,
        None => None,
    };
    let data = fields.get("data").map_or("{}", |raw| raw.get()).to_owned();
    Ok(EmitRequest {
        event_type,
        data,
        id,
    })
}

/// The key from `Authorization: Bearer …`, if one was sent.
fn bearer(headers: &HeaderMap) -> Option<Secret> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| Secret::new(token))
}

/// Runs a blocking core call that may refuse a key.
async fn core<T, F>(sb: &Arc<Switchboard>, f: F) -> std::result::Result<T, AuthError>
where
    T: Send + 'static,
    F: FnOnce(&Switchboard) -> std::result::Result<T, AuthError> + Send + 'static,
{
    match sb.blocking(move |sb| Ok(f(sb))).await {
        Ok(result) => result,
        Err(e) => Err(AuthError::Core(e)),
    }
}

/// Records a refused key and answers 401 or 403.
async fn refuse(sb: &Arc<Switchboard>, refusal: Refusal, presented: Option<Secret>) -> Problem {
    let problem = Problem::refused(&refusal);
    record(sb, move |sb| {
        sb.record_refusal_from(&refusal, presented.as_ref())
    })
    .await;
    problem
}

/// Records a refused request from a good key (a body that is too large or not an event).
async fn refuse_known(sb: &Arc<Switchboard>, key: &ApiKey, problem: Problem) -> Problem {
    let key = key.clone();
    let field = problem.body.field.clone();
    let message = problem.body.message.clone();
    record(sb, move |sb| {
        sb.record_request_refusal(&key, field.as_deref(), &message)
    })
    .await;
    problem
}

/// Counts a refusal (aggregated: only the first of a minute writes). A failure is logged: the
/// caller is refused either way.
async fn record(
    sb: &Arc<Switchboard>,
    f: impl FnOnce(&Switchboard) -> Result<()> + Send + 'static,
) {
    if let Err(e) = sb.blocking(f).await {
        tracing::error!(error = %e, "could not record a refused ingest request");
    }
}

/// An error answer: a status and `{code, message, field}`.
#[derive(Debug)]
struct Problem {
    status: StatusCode,
    body: ProblemBody,
}

#[derive(Debug, Serialize)]
struct ProblemBody {
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl Problem {
    fn new(status: StatusCode, code: &'static str, message: String, field: Option<String>) -> Self {
        Problem {
            status,
            body: ProblemBody {
                code,
                message,
                field,
            },
        }
    }

    fn refused(refusal: &Refusal) -> Self {
        let (status, code, field) = match refusal {
            Refusal::Missing => (StatusCode::UNAUTHORIZED, "api_key_missing", "authorization"),
            Refusal::Unknown => (StatusCode::UNAUTHORIZED, "api_key_invalid", "authorization"),
            Refusal::Expired(_) => (StatusCode::UNAUTHORIZED, "api_key_expired", "authorization"),
            Refusal::Revoked(_) => (StatusCode::UNAUTHORIZED, "api_key_revoked", "authorization"),
            Refusal::OutOfScope { .. } => (StatusCode::FORBIDDEN, "out_of_scope", "type"),
        };
        Problem::new(status, code, refusal.message(), Some(field.to_owned()))
    }

    fn too_large() -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "The request is larger than the ingest API accepts: event data may be at most \
                 {MAX_PAYLOAD_BYTES} bytes (1 MiB)."
            ),
            Some("data".to_owned()),
        )
    }
}

impl From<&Error> for Problem {
    fn from(e: &Error) -> Self {
        let shown = AppError::from(e);
        let (status, code) = match e {
            Error::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Error::Validation { .. } => (StatusCode::BAD_REQUEST, "validation"),
            _ if shown.code == ErrorCode::Storage => (StatusCode::SERVICE_UNAVAILABLE, "storage"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        if status.is_server_error() {
            tracing::error!(error = %e, "ingest API request failed");
        }
        let field = match e {
            Error::PayloadTooLarge(_) => Some("data".to_owned()),
            _ => shown.field,
        };
        Problem::new(status, code, shown.message, field)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

async fn not_found(uri: Uri) -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "There is nothing at {}. Send events with POST /v1/events.",
            uri.path()
        ),
        None,
    )
    .into_response()
}

async fn method_not_allowed(uri: Uri) -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} does not accept this method: send events with POST /v1/events, check health \
             with GET /v1/health.",
            uri.path()
        ),
        None,
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_takes_the_token_of_a_bearer_header_only() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            bearer(&h).map(|s| s.expose().to_owned())
        };
        assert_eq!(with("Bearer sbk_abc").as_deref(), Some("sbk_abc"));
        assert_eq!(with("bearer   sbk_abc ").as_deref(), Some("sbk_abc"));
        assert_eq!(with("Basic dXNlcjpwYXNz"), None);
        assert_eq!(with("Bearer "), None);
        assert_eq!(bearer(&HeaderMap::new()).map(|_| ()), None);
    }

    #[test]
    fn parse_names_the_field_at_fault() {
        let field = |body: &str| parse(body.as_bytes()).unwrap_err().body.field;
        assert_eq!(field(r#"{"data": {}}"#).as_deref(), Some("type"));
        assert_eq!(field(r#"{"type": 1}"#).as_deref(), Some("type"));
        assert_eq!(
            field(r#"{"type": "test.ping", "id": 5}"#).as_deref(),
            Some("id")
        );
        assert_eq!(
            field(r#"{"type": "test.ping", "evil": 5}"#).as_deref(),
            Some("evil")
        );
        let not_json = parse(b"{nope").unwrap_err();
        assert_eq!(not_json.body.code, "invalid_json");
        assert_eq!(parse(b"[1]").unwrap_err().body.code, "invalid_json");
        let ok = parse(br#"{"type": "test.ping", "id": null}"#).unwrap();
        assert_eq!(ok.data, "{}");
        assert_eq!(ok.id, None);
        let ok = parse(br#"{"type":"invoice.paid","data":{"b":1,"a":[2]},"id":"evt_1"}"#).unwrap();
        assert_eq!(
            ok.data, r#"{"b":1,"a":[2]}"#,
            "data is passed on byte for byte"
        );
        assert_eq!(ok.id.as_deref(), Some("evt_1"));
    }

    #[tokio::test]
    async fn a_non_loopback_address_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sb = Arc::new(
            Switchboard::open(crate::OpenOptions {
                data_dir: Some(dir.path().to_owned()),
                keychain: Some(crate::Keychain::in_memory()),
                ..Default::default()
            })
            .unwrap(),
        );
        for addr in ["0.0.0.0:0", "192.168.1.10:8717", "[::]:0"] {
            let err = serve_on(
                Arc::clone(&sb),
                addr.parse().unwrap(),
                std::future::pending(),
            )
            .await
            .unwrap_err();
            assert_eq!(err.field(), Some("address"), "{addr}: {err}");
        }
        let server = serve_on(sb, "127.0.0.1:0".parse().unwrap(), async {})
            .await
            .unwrap();
        assert!(server.addr().ip().is_loopback());
        server.stopped().await;
    }
}
