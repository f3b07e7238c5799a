//! A Lambda Runtime API on 127.0.0.1, for one bootstrap process at a time:
//! it hands out the events it is given and times each answer, as the
//! Lambda service does around a function.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

/// The Runtime API's path prefix.
const PREFIX: &str = "/2018-06-01/runtime";
/// How long one invocation may take before the bench gives up.
const INVOCATION_TIMEOUT: Duration = Duration::from_secs(60);

/// What the function answered.
#[derive(Debug)]
pub(crate) enum Answer {
    /// `POST …/response`.
    Response(Value),
    /// `POST …/error` or `POST /runtime/init/error`.
    Error(String),
}

/// A running Runtime API; dropping it stops the server.
pub(crate) struct RuntimeApi {
    /// Where the bootstrap finds it (`AWS_LAMBDA_RUNTIME_API`).
    pub(crate) addr: SocketAddr,
    events: mpsc::UnboundedSender<(String, Bytes)>,
    answers: mpsc::UnboundedReceiver<(String, Answer)>,
    next_id: u64,
    server: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

type Shared = (
    Arc<Mutex<mpsc::UnboundedReceiver<(String, Bytes)>>>,
    mpsc::UnboundedSender<(String, Answer)>,
);

impl RuntimeApi {
    /// Starts the server on a free port.
    pub(crate) async fn start() -> anyhow::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind the Runtime API")?;
        let addr = listener.local_addr().context("the Runtime API's address")?;
        let (events, pending) = mpsc::unbounded_channel();
        let (answered, answers) = mpsc::unbounded_channel();
        let shared: Shared = (Arc::new(Mutex::new(pending)), answered);
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| serve(shared.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(RuntimeApi {
            addr,
            events,
            answers,
            next_id: 0,
            server,
        })
    }

    /// Hands `event` to the function and waits for its answer: the answer
    /// and the time from handing it over (or from `since`) to the answer.
    pub(crate) async fn invoke(&mut self, event: &Value, since: Option<Instant>) -> anyhow::Result<(Duration, Answer)> {
        self.next_id += 1;
        let id = format!("bench-{}", self.next_id);
        let body = Bytes::from(serde_json::to_vec(event).context("an event")?);
        let started = since.unwrap_or_else(Instant::now);
        self.events
            .send((id.clone(), body))
            .map_err(|_| anyhow::anyhow!("the Runtime API stopped"))?;
        loop {
            let answer = tokio::time::timeout(INVOCATION_TIMEOUT, self.answers.recv())
                .await
                .with_context(|| format!("no answer within {INVOCATION_TIMEOUT:?}"))?;
            match answer {
                Some((answered, answer)) if answered == id || answered == "init" => {
                    return Ok((started.elapsed(), answer));
                }
                Some(_) => continue,
                None => bail!("the Runtime API stopped"),
            }
        }
    }
}

/// One Runtime API request.
async fn serve(shared: Shared, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let (pending, answered) = shared;
    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(status(StatusCode::NOT_FOUND));
    };
    if request.method() == Method::GET && rest == "/invocation/next" {
        let next = pending.lock().await.recv().await;
        let Some((id, body)) = next else {
            return Ok(status(StatusCode::GONE));
        };
        let response = Response::builder()
            .header("Lambda-Runtime-Aws-Request-Id", id)
            .header("Lambda-Runtime-Deadline-Ms", "9999999999999")
            .header(
                "Lambda-Runtime-Invoked-Function-Arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench",
            )
            .header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
            .header("Content-Type", "application/json")
            .body(Full::new(body));
        return Ok(response.unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)));
    }
    if request.method() == Method::POST {
        let body = request.into_body().collect().await?.to_bytes();
        let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let answer = match segments.as_slice() {
            ["invocation", id, "response"] => Some((
                (*id).to_owned(),
                Answer::Response(serde_json::from_slice(&body).unwrap_or(Value::Null)),
            )),
            ["invocation", id, "error"] => Some((
                (*id).to_owned(),
                Answer::Error(String::from_utf8_lossy(&body).into_owned()),
            )),
            ["init", "error"] => Some((
                "init".to_owned(),
                Answer::Error(String::from_utf8_lossy(&body).into_owned()),
            )),
            _ => None,
        };
        if let Some(answer) = answer {
            let _ = answered.send(answer);
            return Ok(status(StatusCode::ACCEPTED));
        }
    }
    Ok(status(StatusCode::NOT_FOUND))
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}
