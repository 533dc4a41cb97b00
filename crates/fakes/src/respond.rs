//! Response building shared by the providers, and the transport scenarios (hang, reset, garbage,
//! captive portal, huge body, slow drip), which look the same whichever provider is faked.

use std::{convert::Infallible, time::Duration};

use axum::{
    body::Body,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use futures_util::stream;

use crate::{server::Connection, Scenario};

pub const GARBAGE_BODY: &str = "<<this is not JSON>> {\"sid\": ";
pub const HTML_BODY: &str = "<html><body>Proxy login</body></html>";
/// Exactly 100 MiB.
pub const HUGE_BODY_LEN: u64 = 100 * 1024 * 1024;
pub const SLOW_DRIP_INTERVAL: Duration = Duration::from_millis(500);

pub(crate) fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    with_content_type(status, "application/json", body)
}

pub(crate) fn xml(status: StatusCode, body: impl Into<Body>) -> Response {
    with_content_type(status, "application/xml", body)
}

pub(crate) fn with_content_type(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Body>,
) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.into(),
    )
        .into_response()
}

pub(crate) fn retry_after(mut response: Response, seconds: Option<u32>) -> Response {
    if let Some(seconds) = seconds {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The status a `ServerError(status)` scenario answers with; nonsense values become 500.
pub(crate) fn server_error_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status)
        .ok()
        .filter(|status| status.is_server_error())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Answers a transport scenario; `None` for any other scenario. `success_body` is what SlowDrip
/// drips. Hang and Reset never return: the connection task drops this handler when it ends.
pub(crate) async fn transport(
    scenario: Scenario,
    conn: Option<&Connection>,
    success_body: impl FnOnce() -> String,
) -> Option<Response> {
    match scenario {
        Scenario::Hang => std::future::pending().await,
        Scenario::Reset => {
            if let Some(conn) = conn {
                conn.reset();
            }
            std::future::pending().await
        }
        Scenario::Garbage => Some(json(StatusCode::OK, GARBAGE_BODY)),
        Scenario::Html => Some(with_content_type(
            StatusCode::OK,
            "text/html; charset=utf-8",
            HTML_BODY,
        )),
        Scenario::HugeBody => Some(json(StatusCode::OK, huge_body())),
        Scenario::SlowDrip => Some(json(StatusCode::OK, slow_drip(success_body()))),
        _ => None,
    }
}

/// `{"padding":"aaaa…"}`, 100 MiB in all, produced chunk by chunk as the client reads: every chunk
/// borrows one static 64 KiB block, so nothing of the size of the body is ever allocated. No
/// Content-Length: the client only finds out how big it is by reading.
fn huge_body() -> Body {
    static PAD: [u8; 64 * 1024] = [b'a'; 64 * 1024];
    const HEAD: &[u8] = b"{\"padding\":\"";
    const TAIL: &[u8] = b"\"}";
    let padding = HUGE_BODY_LEN - (HEAD.len() + TAIL.len()) as u64;
    let block = PAD.len() as u64;
    let full_blocks = padding / block;
    let rest = (padding % block) as usize;
    let chunks = std::iter::once(Bytes::from_static(HEAD))
        .chain((0..full_blocks).map(|_| Bytes::from_static(&PAD)))
        .chain(std::iter::once(Bytes::from_static(&PAD[..rest])))
        .chain(std::iter::once(Bytes::from_static(TAIL)))
        .map(Ok::<_, Infallible>);
    Body::from_stream(stream::iter(chunks))
}

/// The body one byte at a time: the first at once, then one every [`SLOW_DRIP_INTERVAL`].
fn slow_drip(body: String) -> Body {
    let body = Bytes::from(body);
    let bytes = stream::unfold(0usize, move |at| {
        let body = body.clone();
        async move {
            if at >= body.len() {
                return None;
            }
            if at > 0 {
                tokio::time::sleep(SLOW_DRIP_INTERVAL).await;
            }
            Some((Ok::<_, Infallible>(body.slice(at..at + 1)), at + 1))
        }
    });
    Body::from_stream(bytes)
}
