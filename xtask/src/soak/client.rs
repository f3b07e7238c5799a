//! The simulated users' HTTP/1.1 client: hyper's connection API over a
//! keep-alive connection from the user's own loopback address (the server
//! throttles credential routes per client address, as it would for users
//! on their own devices), every exchange bounded by [`REQUEST_TIMEOUT`].
//!
//! A request that never left (the connection was refused) is told apart
//! from one whose outcome is unknown (the connection dropped or timed out
//! after the request was written): only the second may have been applied.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;

use super::exchange::{Cause, Failure, Reply, Sent};
use super::metrics::Metrics;
use super::proxy::{self, FaultProxy, Kind};

/// How long one exchange (connect, send, whole answer) may take.
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A keep-alive connection idle longer than this is replaced rather than
/// reused: the server closes idle ones after its header timeout (10 s), and
/// a request racing that close would have an unknown outcome for no fault.
const MAX_IDLE: Duration = Duration::from_secs(3);

/// A request's body.
#[derive(Debug, Clone)]
pub(super) enum Body {
    /// None.
    Empty,
    /// JSON.
    Json(Value),
    /// Raw bytes with their content type (an attachment's upload).
    Raw(Bytes, String),
}

/// One request as the users describe it.
#[derive(Debug, Clone)]
pub(super) struct Request {
    /// Its route as counted (`POST /goals/{goalId}/progress`).
    pub(super) route: &'static str,
    /// Its method.
    pub(super) method: Method,
    /// Path and query.
    pub(super) target: String,
    /// The access token, when the route needs one.
    pub(super) token: Option<String>,
    /// Further headers.
    pub(super) headers: Vec<(String, String)>,
    /// The body.
    pub(super) body: Body,
}

impl Request {
    /// A request without token, headers or body.
    pub(super) fn new(route: &'static str, method: Method, target: impl Into<String>) -> Request {
        Request {
            route,
            method,
            target: target.into(),
            token: None,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// With a bearer token.
    pub(super) fn token(mut self, token: &str) -> Request {
        self.token = Some(token.to_owned());
        self
    }

    /// With a JSON body.
    pub(super) fn json(mut self, body: Value) -> Request {
        self.body = Body::Json(body);
        self
    }

    /// With a header.
    pub(super) fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// The loopback address user `index` connects from: `127.1.x.y`, one per
/// user (Linux answers the whole of `127.0.0.0/8`).
pub(super) fn source_address(index: usize) -> IpAddr {
    let [_, _, high, low] = u32::try_from(index / 250).unwrap_or(0).to_be_bytes();
    let low_part = u8::try_from(index % 250).unwrap_or(0) + 1;
    IpAddr::V4(Ipv4Addr::new(127, high.saturating_add(1), low, low_part))
}

/// One user's connection to the server.
pub(super) struct Client {
    addr: SocketAddr,
    source: IpAddr,
    metrics: Arc<Metrics>,
    faults: Option<FaultProxy>,
    connection: Option<(SendRequest<Full<Bytes>>, Instant)>,
}

impl Client {
    /// A client of the server at `addr` connecting from `source`, counting
    /// its exchanges in `metrics`; `faults`, the proxy injecting them when
    /// there is one (the aws backend).
    pub(super) fn new(addr: SocketAddr, source: IpAddr, metrics: Arc<Metrics>, faults: Option<FaultProxy>) -> Client {
        Client {
            addr,
            source,
            metrics,
            faults,
            connection: None,
        }
    }

    /// Another client from the same address (its own connection), counting
    /// in the same metrics: for requests sent at once.
    pub(super) fn sibling(&self) -> Client {
        Client::new(self.addr, self.source, Arc::clone(&self.metrics), self.faults.clone())
    }

    /// A client of the host an absolute URL the server handed out names (a
    /// presigned URL: the server itself on the embedded backend, S3 through
    /// the fault proxy on aws), with the URL's path and query.
    pub(super) fn for_url(&self, url: &str) -> Option<(Client, String)> {
        let rest = url.split_once("://")?.1;
        let authority = rest.split('/').next()?;
        let addr: SocketAddr = authority.parse().ok()?;
        let client = Client::new(addr, self.source, Arc::clone(&self.metrics), self.faults.clone());
        Some((client, path_of(url)?))
    }

    /// Sends `request` and reads the whole answer, counting the exchange.
    /// A 5xx answer is given back as a failure of unknown outcome: the
    /// server may have applied the write before its dependency failed or
    /// timed out, and the user resolves it. One that a failure the fault
    /// proxy injected during the exchange explains (a 429 too) is counted
    /// by the fault's kind; any other is counted against the system.
    pub(super) async fn send(&mut self, request: &Request) -> Sent {
        let started = Instant::now();
        let sent = match tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(request)).await {
            Ok(sent) => sent,
            Err(_) => Err(Failure::Unknown(Cause::Timeout)),
        };
        if sent.is_err() {
            self.connection = None;
        }
        let explained = match (&sent, &self.faults) {
            (Ok(reply), Some(faults)) if reply.status >= 500 || reply.status == 429 => {
                faults.explain(started, Instant::now(), &suspects(request, reply))
            }
            _ => None,
        };
        self.metrics.record(request.route, started.elapsed(), &sent, explained);
        match (explained, &sent) {
            (Some(_), _) => Err(Failure::Unknown(Cause::Injected)),
            (None, Ok(reply)) if reply.status >= 500 => Err(Failure::Unknown(Cause::ServerError)),
            (None, _) => sent,
        }
    }

    /// One exchange, unbounded.
    async fn exchange(&mut self, request: &Request) -> Sent {
        let mut sender = self.connect().await?;
        let built = build(request, self.addr);
        // A request that cannot be built never leaves.
        let built = built.map_err(|_| Failure::NotSent(Cause::ConnectFailed))?;
        let response = sender
            .send_request(built)
            .await
            .map_err(|_| Failure::Unknown(Cause::Dropped))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|_| Failure::Unknown(Cause::Dropped))?
            .to_bytes();
        self.connection = Some((sender, Instant::now()));
        Ok(Reply { status, headers, body })
    }

    /// The kept connection when it is fresh and open, else a new one.
    async fn connect(&mut self) -> Result<SendRequest<Full<Bytes>>, Failure> {
        if let Some((mut sender, used)) = self.connection.take()
            && used.elapsed() < MAX_IDLE
            && !sender.is_closed()
            && sender.ready().await.is_ok()
        {
            return Ok(sender);
        }
        let socket = tokio::net::TcpSocket::new_v4().map_err(|_| Failure::NotSent(Cause::ConnectFailed))?;
        socket
            .bind(SocketAddr::new(self.source, 0))
            .map_err(|_| Failure::NotSent(Cause::ConnectFailed))?;
        let stream = match tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(self.addr)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Err(Failure::NotSent(Cause::Refused));
            }
            Ok(Err(_)) | Err(_) => return Err(Failure::NotSent(Cause::ConnectFailed)),
        };
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| Failure::NotSent(Cause::ConnectFailed))?;
        tokio::spawn(connection);
        Ok(sender)
    }
}

/// The kinds of injected fault that can explain `reply` (a 5xx or 429) to
/// `request`: S3's own answer to a presigned URL; Cognito throttling for a
/// 429; else what the server's error message names (the operation and how
/// it failed).
fn suspects(request: &Request, reply: &Reply) -> Vec<Kind> {
    if request.route.ends_with(" URL") || request.route.ends_with("URL (export)") {
        return vec![Kind::S3Errors];
    }
    if reply.status == 429 {
        return vec![Kind::CognitoThrottling];
    }
    let body = reply.json();
    proxy::suspects(body["error"]["message"].as_str().unwrap_or_default())
}

/// The hyper request of `request`, to the server at `addr`.
fn build(request: &Request, addr: SocketAddr) -> Result<http::Request<Full<Bytes>>, http::Error> {
    let mut builder = http::Request::builder()
        .method(request.method.clone())
        .uri(request.target.as_str())
        .header(http::header::HOST, addr.to_string());
    if let Some(token) = &request.token {
        builder = builder.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = match &request.body {
        Body::Empty => Bytes::new(),
        Body::Json(value) => {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
            Bytes::from(value.to_string())
        }
        Body::Raw(bytes, content_type) => {
            builder = builder.header(http::header::CONTENT_TYPE, content_type.as_str());
            bytes.clone()
        }
    };
    builder.body(Full::new(body))
}

/// `text` percent-encoded for a query string (everything but RFC 3986's
/// unreserved characters).
pub(super) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The path and query of an absolute URL the server handed out (a
/// presigned attachment URL), for a request to the same server.
fn path_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let slash = rest.find('/')?;
    Some(rest[slash..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_has_its_own_loopback_address() {
        assert_eq!(source_address(0).to_string(), "127.1.0.1");
        assert_eq!(source_address(249).to_string(), "127.1.0.250");
        assert_eq!(source_address(250).to_string(), "127.1.1.1");
    }

    #[test]
    fn cursors_and_urls_are_taken_apart_for_requests() {
        assert_eq!(encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
        assert_eq!(
            path_of("http://127.0.0.1:3000/_blobs/u/g/a?ct=text%2Fplain&sig=x").as_deref(),
            Some("/_blobs/u/g/a?ct=text%2Fplain&sig=x")
        );
        assert_eq!(path_of("no-scheme"), None);
    }
}
