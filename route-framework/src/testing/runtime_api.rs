//! A Lambda Runtime API emulator on 127.0.0.1, for one function process at
//! a time: it hands out the events it is given, each under its own request
//! id, and collects what the function answers, as the Lambda service does
//! around a function.
//!
//! A test starts it, starts the function (a Lambda binary) with the
//! environment Lambda would give it, and invokes:
//!
//! ```no_run
//! use std::process::Command;
//!
//! use route_framework::testing::runtime_api::{Answer, RuntimeApi};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut api = RuntimeApi::start().await?;
//! let mut function = Command::new("target/debug/my-lambda").envs(api.lambda_env("my-lambda")).spawn()?;
//!
//! let event = serde_json::json!({ "source": "aws.events", "detail-type": "Scheduled Event" });
//! let answer = api.invoke(&event).await;
//! function.kill()?;
//! assert!(matches!(answer?, Answer::Response(_)));
//! # Ok(())
//! # }
//! ```

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};
use tokio::task::{JoinHandle, JoinSet};

/// The Runtime API's path prefix.
const PREFIX: &str = "/2018-06-01/runtime";
/// How long [`RuntimeApi::next_answer`] and [`RuntimeApi::invoke`] wait,
/// unless [`RuntimeApi::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Every invocation's deadline (`Lambda-Runtime-Deadline-Ms`): 2100-01-01,
/// so no function runs out of time under the emulator.
const DEADLINE_MS: &str = "4102444800000";
/// The ARN every invocation names.
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:test";
/// Every invocation's X-Ray trace header.
const TRACE_ID: &str = "Root=1-00000000-000000000000000000000000";

/// What a function answered to an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `POST …/invocation/{id}/response`: the function's result, as JSON (a
    /// body that is not JSON is kept as a JSON string).
    Response(Value),
    /// `POST …/invocation/{id}/error`: the error it reported, as its text
    /// (runtimes send JSON with `errorType` and `errorMessage`).
    Error(String),
    /// `POST …/init/error`: the function failed before its first invocation.
    InitError(String),
}

/// An [`Answer`] and the invocation it answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The invocation's request id; `None` for an [`Answer::InitError`],
    /// which answers none.
    pub request_id: Option<String>,
    /// What the function said.
    pub answer: Answer,
}

/// A running Runtime API emulator; dropping it stops it, and closes every
/// connection to it.
///
/// While no event is queued, the function's `GET …/invocation/next` waits,
/// as it does in Lambda. Here a hand-written function (one request per
/// connection) takes an event and answers with it:
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::{SocketAddr, TcpStream};
///
/// use route_framework::testing::runtime_api::{Answer, RuntimeApi};
///
/// /// One HTTP/1.1 request over a fresh connection: the whole response.
/// fn call(api: SocketAddr, head: &str, body: &str) -> std::io::Result<String> {
///     let mut stream = TcpStream::connect(api)?;
///     let length = body.len();
///     write!(stream, "{head} HTTP/1.1\r\nConnection: close\r\nContent-Length: {length}\r\n\r\n{body}")?;
///     let mut response = String::new();
///     stream.read_to_string(&mut response)?;
///     Ok(response)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut api = RuntimeApi::start().await?;
/// api.queue("req-1", r#"{"n":1}"#)?;
///
/// let addr = api.addr();
/// let function = tokio::task::spawn_blocking(move || {
///     let next = call(addr, "GET /2018-06-01/runtime/invocation/next", "")?;
///     assert!(next.to_ascii_lowercase().contains("lambda-runtime-aws-request-id: req-1"));
///     let event = next.split("\r\n\r\n").nth(1).unwrap_or_default();
///     call(addr, "POST /2018-06-01/runtime/invocation/req-1/response", event)
/// });
///
/// let answered = api.next_answer().await?;
/// assert_eq!(answered.request_id.as_deref(), Some("req-1"));
/// assert_eq!(answered.answer, Answer::Response(serde_json::json!({ "n": 1 })));
/// assert!(function.await??.starts_with("HTTP/1.1 202"));
/// # Ok(())
/// # }
/// ```
pub struct RuntimeApi {
    addr: SocketAddr,
    events: mpsc::UnboundedSender<(String, Bytes)>,
    answers: mpsc::UnboundedReceiver<Answered>,
    next_id: u64,
    timeout: Duration,
    server: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// What every connection shares: the events not yet handed out, and where
/// answers go.
struct Shared {
    pending: Mutex<mpsc::UnboundedReceiver<(String, Bytes)>>,
    answered: mpsc::UnboundedSender<Answered>,
}

impl RuntimeApi {
    /// Starts the emulator on a free port of 127.0.0.1, with no event queued.
    pub async fn start() -> io::Result<RuntimeApi> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|err| context("cannot bind the Runtime API emulator to 127.0.0.1", err))?;
        let addr = listener
            .local_addr()
            .map_err(|err| context("the Runtime API emulator has no address", err))?;
        let (events, pending) = mpsc::unbounded_channel();
        let (answered, answers) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            pending: Mutex::new(pending),
            answered,
        });
        Ok(RuntimeApi {
            addr,
            events,
            answers,
            next_id: 0,
            timeout: DEFAULT_TIMEOUT,
            server: tokio::spawn(serve(listener, shared)),
        })
    }

    /// How long [`next_answer`](Self::next_answer) and
    /// [`invoke`](Self::invoke) wait for an answer ([`DEFAULT_TIMEOUT`]
    /// unless set).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use route_framework::testing::runtime_api::RuntimeApi;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut api = RuntimeApi::start().await?.with_timeout(Duration::from_millis(20));
    /// // No function polls it: nothing answers.
    /// let err = api.next_answer().await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_timeout(mut self, timeout: Duration) -> RuntimeApi {
        self.timeout = timeout;
        self
    }

    /// Where the function finds it: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The environment Lambda gives a function named `function_name` (256
    /// MB, `$LATEST`), `AWS_LAMBDA_RUNTIME_API` pointing here: what a Rust
    /// Lambda runtime needs to start.
    pub fn lambda_env(&self, function_name: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_LAMBDA_RUNTIME_API", self.addr.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "test".to_owned()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function_name}")),
        ]
    }

    /// Queues `event` (its JSON text) under `request_id`: the function gets
    /// the queued events in order, one per `GET …/invocation/next`. Their
    /// answers come from [`next_answer`](Self::next_answer). Ids of the form
    /// `invocation-N` are [`invoke`](Self::invoke)'s.
    ///
    /// `Err` when `request_id` cannot be one (empty, or not a header value
    /// and path segment), or when the emulator has stopped.
    pub fn queue(&self, request_id: &str, event: impl Into<Bytes>) -> io::Result<()> {
        if request_id.is_empty() || request_id.contains('/') || HeaderValue::try_from(request_id).is_err() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{request_id}` cannot be a request id"),
            ));
        }
        self.events
            .send((request_id.to_owned(), event.into()))
            .map_err(|_| stopped())
    }

    /// The next answer the function gives, to any invocation (or an init
    /// error), waiting up to the timeout for it.
    pub async fn next_answer(&mut self) -> io::Result<Answered> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        self.answer_before(deadline).await
    }

    /// Hands `event` to the function under a fresh request id and waits up
    /// to the timeout for its answer (or an init error). Answers to other
    /// invocations that arrive meanwhile are dropped.
    pub async fn invoke(&mut self, event: &Value) -> io::Result<Answer> {
        let (_, answer) = self.invoke_timed(event, None).await?;
        Ok(answer)
    }

    /// [`invoke`](Self::invoke), timed: the answer and the time from
    /// handing `event` over (or from `since`, say before the function was
    /// started, for a cold start) to the answer.
    pub async fn invoke_timed(&mut self, event: &Value, since: Option<Instant>) -> io::Result<(Duration, Answer)> {
        self.next_id += 1;
        let id = format!("invocation-{}", self.next_id);
        let body = Bytes::from(serde_json::to_vec(event)?);
        let deadline = tokio::time::Instant::now() + self.timeout;
        let started = since.unwrap_or_else(Instant::now);
        self.queue(&id, body)?;
        loop {
            let answered = self.answer_before(deadline).await?;
            match answered.request_id {
                Some(other) if other != id => continue,
                _ => return Ok((started.elapsed(), answered.answer)),
            }
        }
    }

    /// The next answer, if it comes before `deadline`.
    async fn answer_before(&mut self, deadline: tokio::time::Instant) -> io::Result<Answered> {
        match tokio::time::timeout_at(deadline, self.answers.recv()).await {
            Ok(Some(answered)) => Ok(answered),
            Ok(None) => Err(stopped()),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the function gave no answer within {:?}", self.timeout),
            )),
        }
    }
}

/// Accepts connections until the emulator is dropped, which aborts this
/// task and, with its `JoinSet`, every connection.
async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of descriptors, say: try again shortly.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let shared = Arc::clone(&shared);
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| answer(Arc::clone(&shared), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            // Reaps finished connections, so a function that connects
            // afresh for every request does not grow the set.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One Runtime API request.
async fn answer(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(status(StatusCode::NOT_FOUND));
    };
    if request.method() == Method::GET && rest == "/invocation/next" {
        // Waits while nothing is queued: the function waits, as in Lambda.
        let next = shared.pending.lock().await.recv().await;
        let Some((id, event)) = next else {
            return Ok(status(StatusCode::GONE));
        };
        let response = Response::builder()
            .header("Lambda-Runtime-Aws-Request-Id", id)
            .header("Lambda-Runtime-Deadline-Ms", DEADLINE_MS)
            .header("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN)
            .header("Lambda-Runtime-Trace-Id", TRACE_ID)
            .header("Content-Type", "application/json")
            .body(Full::new(event));
        return Ok(response.unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)));
    }
    if request.method() == Method::POST {
        let body = request.into_body().collect().await?.to_bytes();
        let text = || String::from_utf8_lossy(&body).into_owned();
        let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let (request_id, answer) = match segments.as_slice() {
            ["invocation", id, "response"] => (Some(*id), Answer::Response(json_or_text(&body))),
            ["invocation", id, "error"] => (Some(*id), Answer::Error(text())),
            ["init", "error"] => (None, Answer::InitError(text())),
            _ => return Ok(status(StatusCode::NOT_FOUND)),
        };
        let request_id = request_id.map(str::to_owned);
        // Nobody listens once the emulator is dropped: the answer is moot.
        let _ = shared.answered.send(Answered { request_id, answer });
        return Ok(status(StatusCode::ACCEPTED));
    }
    Ok(status(StatusCode::NOT_FOUND))
}

/// A response body as JSON, or as a JSON string when it is not JSON.
fn json_or_text(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// An empty response with `code`.
fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

/// `err` with what was being done.
fn context(what: &str, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{what}: {err}"))
}

/// The error once the emulator has stopped.
fn stopped() -> io::Error {
    io::Error::other("the Runtime API emulator has stopped")
}
