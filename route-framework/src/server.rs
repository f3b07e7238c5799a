//! The local HTTP server: the same dispatcher behind hyper on a TCP port.
//!
//! Serving the registry's routes on `http://127.0.0.1:3000` until Ctrl-C,
//! with the jobs running on their schedules:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use route_framework::auth::NoAuthenticator;
//! use route_framework::dispatch::Dispatcher;
//! use route_framework::event::EventDispatcher;
//! use route_framework::server::{Server, shutdown_signal};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
//!     let events = EventDispatcher::new(route_framework::consumers(), route_framework::jobs(), ())?;
//!     let _schedules = Arc::new(events).spawn_schedules();
//!
//!     let server = Server::bind("127.0.0.1:3000".parse()?).await?;
//!     println!("listening on http://{}", server.local_addr()?);
//!     server.serve(Arc::new(dispatcher), None, shutdown_signal()).await;
//!     Ok(())
//! }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures_util::TryFutureExt;
use http_body_util::{BodyExt, Collected, Full, Limited};
use hyper::body::Body as _;
use hyper::body::Incoming as HyperBody;
use hyper::body::{Frame, SizeHint};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulConnection;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use crate::connections::{Close, Connections, Ticket};
use crate::dispatch::{Dispatcher, Incoming};
use crate::error::ApiError;
use crate::response::{IntoResponse, Response};

/// The largest request body the server reads: Lambda's 6 MB synchronous
/// payload limit, so local behaviour matches the deployed one.
pub const MAX_REQUEST_BODY: usize = 6 * 1024 * 1024;

/// The longest request target (path and query) answered: 8 KiB, as common
/// servers allow. Longer ones get a 414 in the error contract (hyper itself
/// refuses targets over 64 KiB, with an empty 414).
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The most header bytes answered: 32 KiB. More get a 431 in the error
/// contract (hyper itself refuses over ~400 KiB of head, or more than 100
/// headers, with an empty 431: it has no hook for its own parse errors).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// How long in-flight requests may take to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests the local server answers itself, outside the route registry (so
/// they never reach API Gateway), such as an app's locally presigned file URLs.
#[async_trait::async_trait]
pub trait LocalRoutes: Send + Sync + 'static {
    /// Whether `path` is one of these routes.
    fn handles(&self, path: &str) -> bool;
    /// The largest body these routes accept at `path` (one they handle).
    fn body_limit(&self, path: &str) -> usize;
    /// Answers one request.
    async fn serve(&self, method: &http::Method, uri: &http::Uri, headers: &http::HeaderMap, body: Bytes) -> Response;
}

/// Several sets of local routes as one: the first that handles a path
/// answers it (an app's file URLs beside the docs page, say).
#[async_trait::async_trait]
impl LocalRoutes for Vec<Arc<dyn LocalRoutes>> {
    fn handles(&self, path: &str) -> bool {
        self.iter().any(|routes| routes.handles(path))
    }

    fn body_limit(&self, path: &str) -> usize {
        self.iter()
            .find(|routes| routes.handles(path))
            .map_or(0, |routes| routes.body_limit(path))
    }

    async fn serve(&self, method: &http::Method, uri: &http::Uri, headers: &http::HeaderMap, body: Bytes) -> Response {
        match self.iter().find(|routes| routes.handles(uri.path())) {
            Some(routes) => routes.serve(method, uri, headers, body).await,
            None => ApiError::not_found(format!("no route for {}", uri.path())).into_response(),
        }
    }
}

/// How long the server waits on a client, and how many it serves at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to receive a request's headers, counted from when the server
    /// starts waiting for them: a new connection, or an idle keep-alive
    /// one after its last response is sent. A client that is slower, or
    /// silent, is disconnected (checked every tenth of it, at most every
    /// second, for all connections at once; a keep-alive connection's wait
    /// counts from the first check after its response).
    pub header_read_timeout: Duration,
    /// Time to receive a whole request body once the headers are in; a slower
    /// client gets a 408.
    pub body_read_timeout: Duration,
    /// Connections held at once, so open files stay bounded. At the cap a
    /// new connection closes the longest-idle one (a slow or silent client
    /// first); only when all are busy serving requests is it refused.
    pub max_connections: usize,
}

impl Default for Limits {
    /// 10 s for headers and idle keep-alives, 60 s for a body (10 MiB at a
    /// slow 170 kB/s), 200 connections (well under a 256-file limit).
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(60),
            max_connections: 200,
        }
    }
}

/// A bound, not yet serving, local server.
pub struct Server {
    listener: TcpListener,
    limits: Limits,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port; see [`Server::local_addr`]).
    pub async fn bind(addr: SocketAddr) -> io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr).await?,
            limits: Limits::default(),
        })
    }

    /// The server with these limits instead of the defaults.
    pub fn with_limits(mut self, limits: Limits) -> Server {
        self.limits = limits;
        self
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
        let mut shutdown = std::pin::pin!(shutdown);
        let limits = self.limits;
        let connections = Connections::default();
        let clock = WallClock::now();
        // Stopped when `serve` returns or is dropped.
        let mut sweeper = JoinSet::new();
        sweeper.spawn(sweep(connections.clone(), limits.header_read_timeout));
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(err) => {
                            // Usually out of file descriptors: back off instead of spinning.
                            tracing::warn!(error = %err, "failed to accept a connection");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let Some((ticket, signal)) = connections.admit(limits.max_connections) else {
                        tracing::warn!(max = limits.max_connections, "every connection is busy: closing a new one");
                        drop(stream);
                        continue;
                    };
                    let link = Arc::new(Link {
                        dispatcher: Arc::clone(&dispatcher),
                        local: local.clone(),
                        limits,
                        peer,
                        ticket,
                        clock,
                    });
                    let serving = Arc::clone(&link);
                    let service = hyper::service::service_fn(move |request| {
                        let link = Arc::clone(&serving);
                        async move {
                            link.ticket.set_busy(true);
                            // Most requests (every GET) are whole once their
                            // head is read: they go to the dispatcher without
                            // another future, or another move, in between.
                            let served = match admit(&link, request) {
                                Admitted::Refused(response) => response,
                                Admitted::Whole(incoming) => link.dispatcher.dispatch(incoming).await,
                                Admitted::Unread(unread) => unread.serve(&link).await,
                            };
                            Ok::<_, Infallible>(served.map(|body| Sent {
                                body: Full::new(body),
                                link,
                            }))
                        }
                    });
                    // No header timer here: `sweep` closes connections that
                    // wait too long for a head, without a timer per request.
                    //
                    // Half-closed connections are kept: a client that shuts
                    // its side after sending still gets its answer, and a
                    // handler is not dropped half-way because its client
                    // left (as in Lambda). It also spares a read for an
                    // early end of stream while every request is in flight,
                    // which allocated a fresh read buffer each time, the
                    // request's headers still holding the old one.
                    let connection = hyper::server::conn::http1::Builder::new()
                        .half_close(true)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::spawn(async move {
                        if let Some(Err(err)) = close_on_signal(connection, signal).await {
                            tracing::debug!(error = %err, "connection closed with an error");
                        }
                        drop(link);
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        tracing::info!("shutting down: draining in-flight requests");
        tokio::select! {
            () = connections.drain() => {}
            () = tokio::time::sleep(DRAIN_TIMEOUT) => {
                tracing::warn!("in-flight requests did not finish within {DRAIN_TIMEOUT:?}");
            }
        }
    }
}

/// Serves `connection` until it ends, or until `signal` closes it (`None`)
/// or asks it to finish its request in flight, then close.
async fn close_on_signal<C: GracefulConnection>(
    connection: C,
    mut signal: oneshot::Receiver<Close>,
) -> Option<Result<(), C::Error>> {
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        // The connection first: the signal almost never fires.
        biased;
        result = connection.as_mut() => Some(result),
        close = &mut signal => {
            match close {
                Ok(Close::Now) => {
                    tracing::debug!("idle connection closed");
                    return None;
                }
                Ok(Close::Drain) => connection.as_mut().graceful_shutdown(),
                // The table went away without a word: just finish.
                Err(_) => {}
            }
            Some(connection.await)
        }
    }
}

/// Closes connections that have waited longer than `timeout` for a
/// request's head, looking every tenth of it (at most every second).
async fn sweep(connections: Connections, timeout: Duration) {
    let every = (timeout / 10).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let closed = connections.evict_idle(timeout, every);
        if closed > 0 {
            tracing::debug!(closed, "closed connections that sent no request head in time");
        }
    }
}

/// What one connection's requests share. Each request takes a reference to
/// it, which only that connection's thread touches: a reference per request
/// to the server-wide dispatcher itself would make both cores update one
/// shared count for every request.
struct Link {
    dispatcher: Arc<Dispatcher>,
    local: Option<Arc<dyn LocalRoutes>>,
    limits: Limits,
    peer: SocketAddr,
    ticket: Ticket,
    clock: WallClock,
}

/// The wall clock read through the monotonic one, from a reading of both
/// when the server started: a request's id takes its time from the instant
/// the request arrived, one clock read for both. Should the system clock
/// be set after the start, ids keep the order they were given in.
#[derive(Clone, Copy)]
struct WallClock {
    wall: SystemTime,
    at: Instant,
}

impl WallClock {
    /// Both clocks, now.
    fn now() -> WallClock {
        WallClock {
            wall: SystemTime::now(),
            at: Instant::now(),
        }
    }

    /// A new request id, a ULID of the time of `received`.
    fn request_id(self, received: Instant) -> String {
        let time = self.wall + received.saturating_duration_since(self.at);
        ulid::Ulid::from_datetime(time).to_string()
    }
}

/// A response body that keeps its connection busy until it is sent (dropped).
struct Sent {
    body: Full<Bytes>,
    link: Arc<Link>,
}

impl hyper::body::Body for Sent {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Sent {
    fn drop(&mut self) {
        self.link.ticket.set_busy(false);
    }
}

/// A request whose head is read.
enum Admitted {
    /// Refused on its head alone.
    Refused(http::Response<Bytes>),
    /// Without a body, for the dispatcher.
    Whole(Incoming),
    /// With a body still to read, or for the local routes.
    Unread(Unread),
}

/// A request whose body is still to be read.
struct Unread {
    parts: http::request::Parts,
    body: HyperBody,
    request_id: String,
    /// Whether the local routes answer it.
    local: bool,
}

/// Gives the request its id and checks its head (bounded): refused, whole,
/// or with its body still to read.
fn admit(link: &Link, request: hyper::Request<HyperBody>) -> Admitted {
    let received = Instant::now();
    let request_id = link.clock.request_id(received);
    let (parts, body) = request.into_parts();
    let header_bytes: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let oversized = if target_len(&parts.uri) > MAX_URI_BYTES {
        Some(ApiError::uri_too_long(MAX_URI_BYTES))
    } else if header_bytes > MAX_HEADER_BYTES {
        Some(ApiError::headers_too_large(MAX_HEADER_BYTES))
    } else {
        None
    };
    if let Some(error) = oversized {
        tracing::info!(request_id, status = error.status().as_u16(), "request head rejected");
        return Admitted::Refused(error.into_response().finalize(request_id, false));
    }
    let local = link
        .local
        .as_deref()
        .is_some_and(|routes| routes.handles(parts.uri.path()));
    if local || !body.is_end_stream() {
        return Admitted::Unread(Unread {
            parts,
            body,
            request_id,
            local,
        });
    }
    Admitted::Whole(incoming(link, parts, Bytes::new(), request_id, received))
}

/// The dispatcher's request.
fn incoming(link: &Link, parts: http::request::Parts, body: Bytes, request_id: String, received: Instant) -> Incoming {
    let mut incoming = Incoming::received_at(received, parts.method, parts.uri, parts.headers, body, request_id);
    incoming.client_ip = Some(link.peer.ip());
    incoming
}

impl Unread {
    /// Reads the body (bounded), then answers: from the local routes, or
    /// through the dispatcher.
    async fn serve(self, link: &Link) -> http::Response<Bytes> {
        let Unread {
            parts,
            body,
            request_id,
            local,
        } = self;
        let local = link.local.as_deref().filter(|_| local);
        let limit = local.map_or(MAX_REQUEST_BODY, |routes| routes.body_limit(parts.uri.path()));
        let timeout = link.limits.body_read_timeout;
        let read = if body.is_end_stream() {
            Ok(Ok(Bytes::new()))
        } else {
            let collect = Limited::new(body, limit).collect();
            tokio::time::timeout(timeout, collect.map_ok(Collected::to_bytes)).await
        };
        let body = match read {
            Ok(Ok(bytes)) => bytes,
            Err(_) => {
                let error = ApiError::request_timeout(timeout);
                tracing::info!(request_id, status = error.status().as_u16(), "request body too slow");
                return error.into_response().finalize(request_id, false);
            }
            Ok(Err(err)) => {
                let error = if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                    ApiError::payload_too_large(limit)
                } else {
                    ApiError::bad_request("the request body could not be read")
                };
                tracing::info!(request_id, status = error.status().as_u16(), "request body rejected");
                return error.into_response().finalize(request_id, false);
            }
        };
        match local {
            Some(local) => {
                let head = parts.method == http::Method::HEAD;
                let response = local.serve(&parts.method, &parts.uri, &parts.headers, body).await;
                tracing::info!(request_id, route = "local", method = %parts.method, status = response.status().as_u16(), "request");
                response.finalize(request_id, head)
            }
            None => {
                // Whole only now: its handler's time counts from here.
                let incoming = incoming(link, parts, body, request_id, Instant::now());
                link.dispatcher.dispatch(incoming).await
            }
        }
    }
}

/// The length of the request target as the client sent it, without
/// formatting it: `scheme://authority` only in absolute form.
fn target_len(uri: &http::Uri) -> usize {
    uri.scheme_str().map_or(0, |scheme| scheme.len() + 3)
        + uri.authority().map_or(0, |authority| authority.as_str().len())
        + uri.path_and_query().map_or(0, |target| target.as_str().len())
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
