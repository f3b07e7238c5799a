//! The local HTTP server: the same dispatcher behind hyper on a TCP port.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as HyperBody;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::dispatch::{Dispatcher, Incoming};
use crate::error::ApiError;
use crate::response::{IntoResponse, Response};

/// The largest request body the server reads: Lambda's 6 MB synchronous
/// payload limit, so local behaviour matches the deployed one.
pub const MAX_REQUEST_BODY: usize = 6 * 1024 * 1024;

/// How long in-flight requests may take to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests the local server answers itself, outside the route registry (so
/// they never reach API Gateway), such as an app's locally presigned file URLs.
#[async_trait::async_trait]
pub trait LocalRoutes: Send + Sync + 'static {
    /// Whether `path` is one of these routes.
    fn handles(&self, path: &str) -> bool;
    /// The largest body these routes accept.
    fn body_limit(&self) -> usize;
    /// Answers one request.
    async fn serve(&self, method: &http::Method, uri: &http::Uri, headers: &http::HeaderMap, body: Bytes) -> Response;
}

/// A bound, not yet serving, local server.
pub struct Server {
    listener: TcpListener,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port; see [`Server::local_addr`]).
    pub async fn bind(addr: SocketAddr) -> io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr).await?,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves HTTP/1.1 until `shutdown` completes, then stops accepting and
    /// lets in-flight requests finish (up to ten seconds). `local` answers
    /// the paths it handles before the dispatcher sees them.
    pub async fn serve(
        self,
        dispatcher: Arc<Dispatcher>,
        local: Option<Arc<dyn LocalRoutes>>,
        shutdown: impl Future<Output = ()>,
    ) {
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let stream = match accepted {
                        Ok((stream, _peer)) => stream,
                        Err(err) => {
                            // Usually out of file descriptors: back off instead of spinning.
                            tracing::warn!(error = %err, "failed to accept a connection");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let dispatcher = Arc::clone(&dispatcher);
                    let local = local.clone();
                    let service = hyper::service::service_fn(move |request| {
                        let dispatcher = Arc::clone(&dispatcher);
                        let local = local.clone();
                        async move { Ok::<_, Infallible>(serve_one(&dispatcher, local.as_deref(), request).await) }
                    });
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        if let Err(err) = connection.await {
                            tracing::debug!(error = %err, "connection closed with an error");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        tracing::info!("shutting down: draining in-flight requests");
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(DRAIN_TIMEOUT) => {
                tracing::warn!("in-flight requests did not finish within {DRAIN_TIMEOUT:?}");
            }
        }
    }
}

/// Reads one request (bounded) and hands it to the local routes or the dispatcher.
async fn serve_one(
    dispatcher: &Dispatcher,
    local: Option<&dyn LocalRoutes>,
    request: hyper::Request<HyperBody>,
) -> http::Response<Full<Bytes>> {
    let request_id = ulid::Ulid::new().to_string();
    let (parts, body) = request.into_parts();
    let local = local.filter(|routes| routes.handles(parts.uri.path()));
    let limit = local.map_or(MAX_REQUEST_BODY, LocalRoutes::body_limit);
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            let error = if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                ApiError::payload_too_large(limit)
            } else {
                ApiError::bad_request("the request body could not be read")
            };
            tracing::info!(request_id, status = error.status().as_u16(), "request body rejected");
            return error.into_response().finalize(&request_id, false).map(Full::new);
        }
    };
    if let Some(local) = local {
        let head = parts.method == http::Method::HEAD;
        let response = local.serve(&parts.method, &parts.uri, &parts.headers, body).await;
        tracing::info!(request_id, route = "local", method = %parts.method, status = response.status().as_u16(), "request");
        return response.finalize(&request_id, head).map(Full::new);
    }
    let incoming = Incoming::new(parts.method, parts.uri, parts.headers, body, request_id);
    dispatcher.dispatch(incoming).await.map(Full::new)
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
