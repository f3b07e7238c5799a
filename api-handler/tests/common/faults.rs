//! A fault-injecting proxy in front of the emulator: requests whose
//! operation (the `X-Amz-Target` header's last part, such as
//! `TransactWriteItems` or `SendMessage`) has a rule fail as the rule says
//! (until healed, or the given number of times); everything else is
//! forwarded unchanged.
//!
//! It also plays Cognito's `RevokeToken`, which moto 5.2.5 lacks (it answers
//! 500): a revoked refresh token is remembered, and a later
//! `REFRESH_TOKEN_AUTH` with it answers `NotAuthorizedException`, as
//! Cognito does.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// How a request fails.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    /// An error answer with this status and AWS error code.
    Error(u16, &'static str),
    /// The connection closes without an answer.
    Drop,
    /// The request reaches the emulator, which serves it; then the
    /// connection closes without its answer.
    LoseAnswer,
}

/// A rule: its fault, and how many more calls it strikes (`None`: until healed).
type Rule = (Fault, Option<u32>);

/// The throttling answer every service gives.
pub(crate) const THROTTLED: Fault = Fault::Error(400, "ThrottlingException");
/// A service-side failure.
pub(crate) const BROKEN: Fault = Fault::Error(500, "InternalServerError");

/// The proxy; it stops with the test's runtime.
#[derive(Clone)]
pub(crate) struct FaultProxy {
    pub(crate) endpoint: String,
    rules: Arc<Mutex<HashMap<String, Rule>>>,
    failed: Arc<Mutex<Vec<String>>>,
    revoked: Arc<Mutex<Vec<String>>>,
}

impl FaultProxy {
    /// A proxy on a free loopback port forwarding to `upstream` (`http://host:port`).
    pub(crate) async fn start(upstream: &str) -> FaultProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let upstream: SocketAddr = upstream.trim_start_matches("http://").parse().unwrap();
        let proxy = FaultProxy {
            endpoint: format!("http://{addr}"),
            rules: Arc::default(),
            failed: Arc::default(),
            revoked: Arc::default(),
        };
        let shared = proxy.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let proxy = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let proxy = proxy.clone();
                        async move { proxy.answer(request, upstream).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        proxy
    }

    /// Makes every call of `operation` fail with `fault` until [`FaultProxy::heal`].
    pub(crate) fn fail(&self, operation: &str, fault: Fault) {
        self.rules.lock().unwrap().insert(operation.to_owned(), (fault, None));
    }

    /// Makes the next `times` calls of `operation` fail with `fault`.
    pub(crate) fn fail_times(&self, operation: &str, fault: Fault, times: u32) {
        self.rules
            .lock()
            .unwrap()
            .insert(operation.to_owned(), (fault, Some(times)));
    }

    /// Removes every rule.
    pub(crate) fn heal(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// The operations failed so far, in order.
    pub(crate) fn failed(&self) -> Vec<String> {
        self.failed.lock().unwrap().clone()
    }

    async fn answer(
        &self,
        request: hyper::Request<hyper::body::Incoming>,
        upstream: SocketAddr,
    ) -> Result<hyper::Response<Full<Bytes>>, std::io::Error> {
        let operation = request
            .headers()
            .get("x-amz-target")
            .and_then(|target| target.to_str().ok())
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        let rule = {
            let mut rules = self.rules.lock().unwrap();
            let rule = rules.get_mut(&operation).map(|(fault, left)| {
                if let Some(left) = left {
                    *left = left.saturating_sub(1);
                }
                (fault.clone(), *left)
            });
            if let Some((_, Some(0))) = rule {
                rules.remove(&operation);
            }
            rule.map(|(fault, _)| fault)
        };
        let mut lose_answer = false;
        if let Some(fault) = rule {
            self.failed.lock().unwrap().push(operation.clone());
            match fault {
                Fault::LoseAnswer => lose_answer = true,
                Fault::Drop => return Err(std::io::Error::other("connection dropped by the fault proxy")),
                Fault::Error(status, code) => {
                    return Ok(hyper::Response::builder()
                        .status(status)
                        .header("content-type", "application/x-amz-json-1.0")
                        .header("x-amzn-errortype", code)
                        .body(Full::new(Bytes::from(format!(
                            "{{\"__type\":\"{code}\",\"message\":\"injected by the fault proxy\"}}"
                        ))))
                        .unwrap());
                }
            }
        }
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
        if let Some(answer) = self.revocation(&operation, &body) {
            return Ok(answer);
        }
        let stream = tokio::net::TcpStream::connect(upstream).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(connection);
        let forwarded = hyper::Request::from_parts(parts, Full::new(body));
        let response = sender.send_request(forwarded).await.map_err(std::io::Error::other)?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
        if lose_answer {
            return Err(std::io::Error::other("answer dropped by the fault proxy"));
        }
        Ok(hyper::Response::from_parts(parts, Full::new(body)))
    }

    /// Cognito's answer where moto has none: `RevokeToken`, and a refresh
    /// with a revoked token.
    fn revocation(&self, operation: &str, body: &[u8]) -> Option<hyper::Response<Full<Bytes>>> {
        let request: serde_json::Value = serde_json::from_slice(body).ok()?;
        let answer = |status: u16, body: String| {
            hyper::Response::builder()
                .status(status)
                .header("content-type", "application/x-amz-json-1.1")
                .body(Full::new(Bytes::from(body)))
                .unwrap()
        };
        match operation {
            "RevokeToken" => {
                let token = request["Token"].as_str()?.to_owned();
                self.revoked.lock().unwrap().push(token);
                Some(answer(200, "{}".to_owned()))
            }
            "InitiateAuth" => {
                let token = request["AuthParameters"]["REFRESH_TOKEN"].as_str()?;
                self.revoked
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|revoked| revoked == token)
                    .then(|| {
                        answer(
                            400,
                            r#"{"__type":"NotAuthorizedException","message":"Refresh Token has been revoked"}"#
                                .to_owned(),
                        )
                    })
            }
            _ => None,
        }
    }
}
