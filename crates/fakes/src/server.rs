//! Listeners and connections: plain HTTP and self-signed HTTPS on 127.0.0.1, one task per
//! connection, and the hooks the transport scenarios need (hold a connection, reset it).

use std::{io, net::SocketAddr, sync::Arc, time::Duration};

use axum::{body::Body, Router};
use hyper::{body::Incoming, server::conn::http1, service::service_fn, Request};
use hyper_util::rt::TokioIo;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::{TcpListener, TcpStream},
    sync::{watch, Notify},
};
use tokio_rustls::{
    rustls::{self, pki_types::PrivateKeyDer},
    TlsAcceptor,
};
use tower::ServiceExt;

/// Handed to every request (as an extension) so a handler can reset its own TCP connection.
#[derive(Clone, Default)]
pub(crate) struct Connection {
    reset: Arc<Notify>,
}

impl Connection {
    /// Closes the connection with SO_LINGER 0, which makes the kernel send RST instead of FIN.
    pub(crate) fn reset(&self) {
        self.reset.notify_one();
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost, and a TLS acceptor serving it.
pub(crate) struct SelfSigned {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) certificate_pem: String,
}

pub(crate) fn self_signed() -> io::Result<SelfSigned> {
    let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    let key = PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    // An explicit provider: `ServerConfig::builder()` panics if a build enables both ring and aws-lc-rs.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(SelfSigned {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        certificate_pem: certified.cert.pem(),
    })
}

pub(crate) async fn bind(port: u16) -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Accepts until `shutdown`'s sender is dropped; each connection gets its own task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // e.g. out of file descriptors: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        tokio::spawn(connection(
            stream,
            tls.clone(),
            app.clone(),
            shutdown.clone(),
        ));
    }
}

async fn connection(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut shutdown: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    // A second handle on the same socket, so the linger option can be set after hyper took the stream.
    let socket = socket2::SockRef::from(&stream).try_clone().ok();
    let conn = Connection::default();
    let served = async {
        match tls {
            None => serve(stream, app, conn.clone()).await,
            Some(acceptor) => {
                // A client that rejects the certificate aborts the handshake: nothing to serve.
                if let Ok(stream) = acceptor.accept(stream).await {
                    serve(stream, app, conn.clone()).await;
                }
            }
        }
    };
    tokio::select! {
        () = served => {}
        () = conn.reset.notified() => {
            if let Some(socket) = &socket {
                let _ = socket.set_linger(Some(Duration::ZERO));
            }
        }
        _ = shutdown.changed() => {}
    }
    // Both handles are closed now; with linger 0 the last close sends RST.
}

async fn serve<S>(stream: S, app: Router, conn: Connection)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(conn.clone());
        let app = app.clone();
        async move { app.oneshot(request.map(Body::new)).await }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
