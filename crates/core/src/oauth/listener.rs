//! The loopback listener of one Connect attempt: 127.0.0.1 only, `GET /callback` only. It
//! accepts exactly one callback whose `state` matches; a callback with another state gets an
//! error page and the wait goes on. The matching callback's page is written only once the caller
//! knows how the exchange went, so the browser tab tells the truth; then the listener closes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use crate::secrets::Secret;
use switchboard_domain::oauth::CALLBACK_PATH;

/// What the provider sent back through the browser.
pub(crate) enum Callback {
    Code {
        code: Secret,
        realm_id: Option<String>,
    },
    Denied {
        error: String,
        description: Option<String>,
    },
}

/// The page the browser tab shows at the end.
pub(crate) struct Page {
    pub ok: bool,
    pub title: String,
    pub text: String,
}

type Arrival = (Callback, oneshot::Sender<Page>);

struct Shared {
    state: String,
    arrivals: Mutex<Option<mpsc::Sender<Arrival>>>,
}

pub(crate) struct Listener {
    tcp: TcpListener,
    port: u16,
}

/// A callback received and waiting for its page; dropping it answers a generic failure page.
pub(crate) struct Received {
    pub callback: Callback,
    reply: oneshot::Sender<Page>,
    server: Server,
}

struct Server {
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn stop(self) {
        let _ = self.shutdown.send(());
        // Graceful: the page being written is finished first, but a browser's idle keep-alive
        // connection must not hold the flow open.
        let _ = tokio::time::timeout(Duration::from_secs(2), self.task).await;
    }
}

impl Listener {
    /// Binds 127.0.0.1:`port` (0: any free port).
    pub(crate) async fn bind(port: u16) -> std::io::Result<Listener> {
        let tcp = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let port = tcp.local_addr()?.port();
        Ok(Listener { tcp, port })
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Serves until a callback with `state` arrives or `timeout` passes (`None`).
    pub(crate) async fn wait(self, state: String, timeout: Duration) -> Option<Received> {
        let (tx, mut rx) = mpsc::channel(1);
        let shared = Arc::new(Shared {
            state,
            arrivals: Mutex::new(Some(tx)),
        });
        let app = Router::new()
            .route(CALLBACK_PATH, get(callback))
            .fallback(|| async {
                page(
                    StatusCode::NOT_FOUND,
                    false,
                    "Not found",
                    "Switchboard only answers its sign-in callback here.",
                )
            })
            .with_state(shared);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(self.tcp, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        let server = Server { shutdown, task };
        match tokio::time::timeout(timeout, rx.recv()).await {
            Ok(Some((callback, reply))) => Some(Received {
                callback,
                reply,
                server,
            }),
            _ => {
                server.stop().await;
                None
            }
        }
    }
}

impl Received {
    /// Shows `page` in the browser tab, then closes the listener.
    pub(crate) async fn answer(self, page: Page) {
        let _ = self.reply.send(page);
        self.server.stop().await;
    }
}

async fn callback(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let given = query.get("state").map(String::as_str).unwrap_or("");
    let matches: bool = given.as_bytes().ct_eq(shared.state.as_bytes()).into();
    if !matches {
        tracing::warn!("a sign-in callback with an unknown state was refused");
        return page(
            StatusCode::BAD_REQUEST,
            false,
            "Not this sign-in",
            "This answer does not belong to the sign-in Switchboard is waiting for (it may be \
             from an older attempt). Switchboard is still waiting: finish the sign-in that \
             Switchboard opened, or press Connect again.",
        );
    }
    let Some(arrivals) = shared
        .arrivals
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
    else {
        return page(
            StatusCode::CONFLICT,
            false,
            "Already received",
            "Switchboard already received this sign-in. You can close this tab.",
        );
    };
    let callback = match (query.get("code"), query.get("error")) {
        (_, Some(error)) => Callback::Denied {
            error: error.clone(),
            description: query.get("error_description").cloned(),
        },
        (Some(code), None) if !code.is_empty() => Callback::Code {
            code: Secret::new(code.clone()),
            realm_id: query.get("realmId").cloned(),
        },
        _ => Callback::Denied {
            error: "invalid_request".to_owned(),
            description: Some("The answer carried neither a code nor an error.".to_owned()),
        },
    };
    let (reply, answered) = oneshot::channel();
    if arrivals.send((callback, reply)).await.is_err() {
        return page(
            StatusCode::GONE,
            false,
            "Switchboard stopped waiting",
            "Switchboard is no longer waiting for this sign-in. Press Connect again.",
        );
    }
    match tokio::time::timeout(Duration::from_secs(60), answered).await {
        Ok(Ok(p)) => page(
            if p.ok {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            },
            p.ok,
            &p.title,
            &p.text,
        ),
        _ => page(
            StatusCode::INTERNAL_SERVER_ERROR,
            false,
            "Not connected",
            "Switchboard could not finish the connection. Look in Switchboard for the reason.",
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(status: StatusCode, ok: bool, title: &str, text: &str) -> Response {
    let colour = if ok { "#0a7d32" } else { "#b42318" };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Switchboard — {t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}\
         h1{{color:{colour};font-size:1.4rem}}</style></head>\
         <body><h1 id=\"result\" data-ok=\"{ok}\">{t}</h1><p>{x}</p></body></html>",
        t = escape(title),
        x = escape(text),
    );
    let mut response = (status, Html(body)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
