//! A real webhook receiver on 127.0.0.1 that records what it got and answers as told.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

type Answer = Arc<dyn Fn(usize) -> Response + Send + Sync>;

pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Answers request number `n` (0-based) with `answer(n)`.
    pub async fn start(answer: impl Fn(usize) -> Response + Send + Sync + 'static) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answer: Answer = Arc::new(answer);
        let state = (Arc::clone(&got), answer);
        let app = Router::new()
            .route(
                "/hook",
                post(
                    |axum::extract::State((got, answer)): axum::extract::State<(
                        Arc<Mutex<Vec<Received>>>,
                        Answer,
                    )>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        let n = {
                            let mut g = got.lock().unwrap();
                            g.push(Received { headers, body });
                            g.len() - 1
                        };
                        answer(n)
                    },
                ),
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            got,
        }
    }

    pub async fn ok() -> Receiver {
        Receiver::start(|_| StatusCode::OK.into_response()).await
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}
