//! The aws soak's fault proxy: every call the server makes to the emulator
//! (and every presigned URL the users follow) goes through it. Each call is
//! told to its service (DynamoDB, SQS, Cognito, S3); while one of the
//! schedule's fault windows is open for that service, the call fails as the
//! window's kind says, with the window's probability; the rest are
//! forwarded unchanged. Every failure it injects is logged with its time,
//! so that a 503 (or a 429) the server answers can be told to come from an
//! injected fault, and which.
//!
//! It passes DynamoDB calls to moto one at a time. moto 5.2.5 applies a
//! `TransactWriteItems` by copying the tables first and putting the copy
//! back when a condition fails, with no lock: a write another thread makes
//! meanwhile is lost, acknowledged or not. DynamoDB's transactions are
//! serializable; one call at a time gives moto that.
//!
//! It also plays Cognito's `RevokeToken`, which moto 5.2.5 lacks (it
//! answers 500): a revoked refresh token is remembered, and a later
//! `REFRESH_TOKEN_AUTH` with it answers `NotAuthorizedException`, as
//! Cognito does.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// A service behind the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Service {
    /// DynamoDB.
    DynamoDb,
    /// SQS.
    Sqs,
    /// Cognito user pools.
    Cognito,
    /// S3, presigned URLs included.
    S3,
}

/// A kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    /// DynamoDB answers `ProvisionedThroughputExceededException`.
    DynamoThrottling,
    /// DynamoDB answers 500.
    DynamoErrors,
    /// DynamoDB and S3 connections close without an answer, half of them
    /// after the emulator has served the call (its answer lost).
    Dropped,
    /// SQS answers 503 to every call.
    SqsOutage,
    /// Cognito answers `TooManyRequestsException`.
    CognitoThrottling,
    /// S3 answers 503 `SlowDown` or 500 `InternalError`.
    S3Errors,
    /// Not injected: moto itself took longer than [`STALL`] over a call
    /// (its garbage collector, or a transaction copying the tables), as
    /// measured by the proxy.
    MotoStalled,
}

/// How long moto may take over one call before the proxy records a stall:
/// the server's SDK gives an attempt 3 s.
pub(super) const STALL: Duration = Duration::from_secs(2);

impl Kind {
    /// Every kind, in the order a run's first minute has them.
    pub(super) const ALL: [Kind; 6] = [
        Kind::DynamoThrottling,
        Kind::SqsOutage,
        Kind::CognitoThrottling,
        Kind::DynamoErrors,
        Kind::S3Errors,
        Kind::Dropped,
    ];

    /// Its name in the report.
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::DynamoThrottling => "DynamoDB throttling",
            Kind::DynamoErrors => "DynamoDB 5xx",
            Kind::Dropped => "dropped connections",
            Kind::SqsOutage => "SQS outage",
            Kind::CognitoThrottling => "Cognito throttling",
            Kind::S3Errors => "S3 5xx",
            Kind::MotoStalled => "moto stalled (measured, not injected)",
        }
    }

    /// Whether it strikes calls to `service`.
    fn strikes(self, service: Service) -> bool {
        match self {
            Kind::DynamoThrottling | Kind::DynamoErrors => service == Service::DynamoDb,
            Kind::Dropped => matches!(service, Service::DynamoDb | Service::S3),
            Kind::SqsOutage => service == Service::Sqs,
            Kind::CognitoThrottling => service == Service::Cognito,
            Kind::S3Errors => service == Service::S3,
            Kind::MotoStalled => true,
        }
    }

    /// The share of the calls it strikes while its window is open.
    fn probability(self) -> f64 {
        match self {
            Kind::DynamoThrottling => 0.4,
            Kind::DynamoErrors => 0.5,
            Kind::Dropped => 0.2,
            Kind::SqsOutage => 1.0,
            Kind::CognitoThrottling => 0.5,
            Kind::S3Errors => 0.5,
            Kind::MotoStalled => 0.0,
        }
    }

    /// How long its window stays open, in seconds (lowest, highest).
    fn lasts(self) -> (f64, f64) {
        match self {
            Kind::SqsOutage => (10.0, 30.0),
            Kind::DynamoErrors => (2.0, 5.0),
            _ => (4.0, 8.0),
        }
    }
}

/// A fault window, from the start of the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Window {
    /// When it opens.
    pub(super) from: Duration,
    /// When it closes.
    pub(super) to: Duration,
    /// What it does.
    pub(super) kind: Kind,
}

/// The fault windows of a run of `run` drawn from `seed`: each kind once
/// per started minute, at a random time in the minute's share of the
/// middle 80% of the run, so that every window has closed well before the
/// load stops.
pub(super) fn schedule(seed: u64, run: Duration) -> Vec<Window> {
    // Another stream than the kills' and the slow clients' (same seed).
    let mut rng = fastrand::Rng::with_seed(seed.rotate_left(17) ^ 0x0A11_FA17);
    let seconds = run.as_secs_f64();
    let minutes = (seconds / 60.0).round().max(1.0) as u32;
    let share = 0.8 * seconds / f64::from(minutes);
    let mut windows = Vec::new();
    for minute in 0..minutes {
        let begin = 0.1 * seconds + share * f64::from(minute);
        for kind in Kind::ALL {
            let (low, high) = kind.lasts();
            let lasts = (low + (high - low) * rng.f64()).min(share * 0.6);
            let from = begin + (share - lasts) * rng.f64();
            windows.push(Window {
                from: Duration::from_secs_f64(from),
                to: Duration::from_secs_f64(from + lasts),
                kind,
            });
        }
    }
    windows.sort_by_key(|window| window.from);
    windows
}

/// The service a call is for: the `X-Amz-Target` header's prefix for the
/// JSON protocols, else the credential scope's service (in the
/// `Authorization` header or a presigned URL's query), else S3.
pub(super) fn service_of(target: Option<&str>, authorization: Option<&str>, query: Option<&str>) -> Service {
    if let Some(target) = target {
        if target.starts_with("DynamoDB_") {
            return Service::DynamoDb;
        }
        if target.starts_with("AmazonSQS") {
            return Service::Sqs;
        }
        if target.starts_with("AWSCognitoIdentityProviderService") {
            return Service::Cognito;
        }
    }
    let scope = [authorization, query]
        .into_iter()
        .flatten()
        .find_map(|text| ["/sqs/", "%2Fsqs%2F"].iter().find(|marker| text.contains(**marker)));
    if scope.is_some() {
        return Service::Sqs;
    }
    Service::S3
}

/// The kinds of fault that can explain a server's 503 whose message is
/// `message` (`GetItem was throttled; retry shortly`: the operation, then
/// how it failed): one that strikes the operation's service and fails calls
/// the way the message says. A time-out only ever is put down to moto
/// stalling (a call at moto over [`STALL`], measured): no injected fault
/// delays a call.
pub(super) fn suspects(message: &str) -> Vec<Kind> {
    let operation = message.split_whitespace().next().unwrap_or_default();
    let service = if DYNAMODB_OPERATIONS.contains(&operation) {
        Service::DynamoDb
    } else if SQS_OPERATIONS.contains(&operation) {
        Service::Sqs
    } else if S3_OPERATIONS.contains(&operation) {
        Service::S3
    } else {
        Service::Cognito
    };
    // S3's injected 503s are `SlowDown`, which the server reads as throttling.
    let ways: &[Kind] = if message.contains("timed out") {
        &[Kind::MotoStalled]
    } else if message.contains("was throttled") {
        &[Kind::DynamoThrottling, Kind::CognitoThrottling, Kind::S3Errors]
    } else if message.contains("failed on the service side") {
        &[Kind::DynamoErrors, Kind::SqsOutage, Kind::S3Errors]
    } else if message.contains("could not reach the service") || message.contains("got an unreadable answer") {
        &[Kind::Dropped]
    } else {
        &[]
    };
    ways.iter().copied().filter(|kind| kind.strikes(service)).collect()
}

/// The DynamoDB operations the server calls.
const DYNAMODB_OPERATIONS: [&str; 9] = [
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "TransactWriteItems",
    "BatchWriteItem",
    "BatchGetItem",
];

/// The SQS operations the server calls.
const SQS_OPERATIONS: [&str; 6] = [
    "SendMessage",
    "ReceiveMessage",
    "DeleteMessage",
    "ChangeMessageVisibility",
    "GetQueueAttributes",
    "GetQueueUrl",
];

/// The S3 operations the server calls.
const S3_OPERATIONS: [&str; 6] = [
    "PutObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "DeleteObjects",
    "ListObjectsV2",
];

/// What the proxy did to the calls.
#[derive(Debug, Clone, Default)]
pub(super) struct Injected {
    /// Calls failed, by kind.
    pub(super) by_kind: BTreeMap<Kind, u64>,
    /// Calls forwarded.
    pub(super) forwarded: u64,
    /// Calls moto took longer than [`STALL`] over.
    pub(super) stalls: u64,
}

/// What the proxy's connections share.
struct State {
    upstream: SocketAddr,
    windows: Vec<Window>,
    started: Mutex<Option<Instant>>,
    rng: Mutex<fastrand::Rng>,
    /// Each injected failure: when, and its kind (in time order).
    log: Mutex<Vec<(Instant, Kind)>>,
    forwarded: Mutex<u64>,
    revoked: Mutex<HashSet<String>>,
    /// Held while a DynamoDB call is at moto.
    dynamo_turn: tokio::sync::Mutex<()>,
}

/// The running proxy; it stops with the runtime it was started on.
#[derive(Clone)]
pub(super) struct FaultProxy {
    /// `http://127.0.0.1:PORT`.
    pub(super) endpoint: String,
    state: Arc<State>,
}

impl FaultProxy {
    /// A proxy on a free loopback port forwarding to `upstream`
    /// (`http://host:port`), its faults `windows` (none until [`FaultProxy::begin`]).
    pub(super) async fn start(upstream: &str, windows: Vec<Window>, seed: u64) -> anyhow::Result<FaultProxy> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind the fault proxy")?;
        let addr = listener.local_addr().context("the fault proxy has no address")?;
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .with_context(|| format!("the emulator's endpoint {upstream} is not http://IP:PORT"))?;
        let proxy = FaultProxy {
            endpoint: format!("http://{addr}"),
            state: Arc::new(State {
                upstream,
                windows,
                started: Mutex::new(None),
                rng: Mutex::new(fastrand::Rng::with_seed(seed ^ 0x5EED_FA17)),
                log: Mutex::new(Vec::new()),
                forwarded: Mutex::new(0),
                revoked: Mutex::new(HashSet::new()),
                dynamo_turn: tokio::sync::Mutex::new(()),
            }),
        };
        let shared = proxy.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let proxy = shared.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let service = hyper::service::service_fn(move |request| {
                        let proxy = proxy.clone();
                        async move { proxy.answer(request).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(proxy)
    }

    /// Starts the schedule's clock: its windows count from `started`.
    pub(super) fn begin(&self, started: Instant) {
        *self.state.started.lock().unwrap_or_else(PoisonError::into_inner) = Some(started);
    }

    /// Its fault windows.
    pub(super) fn windows(&self) -> &[Window] {
        &self.state.windows
    }

    /// The kind of the last failure of one of the kinds `accepted`
    /// injected between `from` and `to`, if any.
    pub(super) fn explain(&self, from: Instant, to: Instant, accepted: &[Kind]) -> Option<Kind> {
        let log = self.state.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.iter()
            .rev()
            .skip_while(|(at, _)| *at > to)
            .take_while(|(at, _)| *at >= from)
            .map(|(_, kind)| *kind)
            .find(|kind| accepted.contains(kind))
    }

    /// What it did so far.
    pub(super) fn injected(&self) -> Injected {
        let mut injected = Injected::default();
        for (_, kind) in self.state.log.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            match kind {
                Kind::MotoStalled => injected.stalls += 1,
                kind => *injected.by_kind.entry(*kind).or_default() += 1,
            }
        }
        injected.forwarded = *self.state.forwarded.lock().unwrap_or_else(PoisonError::into_inner);
        injected
    }

    /// The fault striking a call to `service` now, if one does (each open
    /// window rolls its own dice).
    fn strike(&self, service: Service) -> Option<Kind> {
        let started = (*self.state.started.lock().unwrap_or_else(PoisonError::into_inner))?;
        let now = started.elapsed();
        let mut rng = self.state.rng.lock().unwrap_or_else(PoisonError::into_inner);
        self.state
            .windows
            .iter()
            .filter(|window| window.kind.strikes(service) && window.from <= now && now < window.to)
            .find(|window| rng.f64() < window.kind.probability())
            .map(|window| window.kind)
    }

    /// Logs a failure of `kind` injected now.
    fn note(&self, kind: Kind) {
        record(&self.state.log, kind);
    }

    async fn answer(
        &self,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<Full<Bytes>>, std::io::Error> {
        let header = |name: &str| request.headers().get(name).and_then(|value| value.to_str().ok());
        let target = header("x-amz-target").map(str::to_owned);
        let service = service_of(target.as_deref(), header("authorization"), request.uri().query());
        let operation = target
            .as_deref()
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        let fault = self.strike(service);
        let lose_answer = match fault {
            Some(Kind::Dropped) => {
                let after = self.state.rng.lock().unwrap_or_else(PoisonError::into_inner).bool();
                if !after {
                    self.note(Kind::Dropped);
                    return Err(std::io::Error::other("connection dropped by the fault proxy"));
                }
                true
            }
            Some(kind) => {
                self.note(kind);
                return Ok(error_answer(kind, service));
            }
            None => false,
        };
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
        if service == Service::Cognito
            && let Some(answer) = self.revocation(&operation, &body)
        {
            return Ok(answer);
        }
        // Forwarded by a task of its own, which holds DynamoDB's turn until
        // moto has answered even when the caller gives up first (a timed-out
        // attempt): moto goes on with the call either way. A call whose
        // caller gave up while it waited for its turn is not sent at all, as
        // if lost on the way: sent late, it would only lengthen the queue.
        let state = Arc::clone(&self.state);
        let (answer, answered) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let _turn = match service {
                Service::DynamoDb => Some(state.dynamo_turn.lock().await),
                _ => None,
            };
            if answer.is_closed() {
                return;
            }
            let forwarding = forward(state.upstream, hyper::Request::from_parts(parts, Full::new(body)));
            tokio::pin!(forwarding);
            let forwarded = tokio::select! {
                forwarded = &mut forwarding => forwarded,
                () = tokio::time::sleep(STALL) => {
                    record(&state.log, Kind::MotoStalled);
                    forwarding.await
                }
            };
            let _ = answer.send(forwarded);
        });
        let (parts, body) = answered.await.map_err(std::io::Error::other)??;
        *self.state.forwarded.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        if lose_answer {
            self.note(Kind::Dropped);
            return Err(std::io::Error::other("answer dropped by the fault proxy"));
        }
        Ok(hyper::Response::from_parts(parts, Full::new(body)))
    }

    /// Cognito's answer where moto has none: `RevokeToken`, and a refresh
    /// with a revoked token.
    fn revocation(&self, operation: &str, body: &[u8]) -> Option<hyper::Response<Full<Bytes>>> {
        let request: serde_json::Value = serde_json::from_slice(body).ok()?;
        let mut revoked = self.state.revoked.lock().unwrap_or_else(PoisonError::into_inner);
        match operation {
            "RevokeToken" => {
                revoked.insert(request["Token"].as_str()?.to_owned());
                Some(json_answer(200, "{}".to_owned()))
            }
            "InitiateAuth" => {
                let token = request["AuthParameters"]["REFRESH_TOKEN"].as_str()?;
                revoked.contains(token).then(|| {
                    json_answer(
                        400,
                        r#"{"__type":"NotAuthorizedException","message":"Refresh Token has been revoked"}"#.to_owned(),
                    )
                })
            }
            _ => None,
        }
    }
}

/// Adds `kind`, now, to `log`.
fn record(log: &Mutex<Vec<(Instant, Kind)>>, kind: Kind) {
    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((Instant::now(), kind));
}

/// Sends `request` to moto at `upstream`; its answer's head and body.
async fn forward(
    upstream: SocketAddr,
    request: hyper::Request<Full<Bytes>>,
) -> std::io::Result<(hyper::http::response::Parts, Bytes)> {
    let stream = tokio::net::TcpStream::connect(upstream).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(std::io::Error::other)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    Ok((parts, body))
}

/// The error answer of `kind` as `service` gives it.
fn error_answer(kind: Kind, service: Service) -> hyper::Response<Full<Bytes>> {
    let (status, code) = match kind {
        Kind::DynamoThrottling => (400, "ProvisionedThroughputExceededException"),
        Kind::DynamoErrors => (500, "InternalServerError"),
        Kind::SqsOutage => (503, "ServiceUnavailable"),
        Kind::CognitoThrottling => (400, "TooManyRequestsException"),
        Kind::S3Errors | Kind::Dropped | Kind::MotoStalled => (503, "SlowDown"),
    };
    let message = "injected by the soak's fault proxy";
    let builder = hyper::Response::builder().status(status);
    let built = if service == Service::S3 {
        builder.header("content-type", "application/xml").body(Full::new(Bytes::from(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        ))))
    } else {
        builder
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amzn-errortype", code)
            .header("x-amzn-query-error", format!("{code};Receiver"))
            .body(Full::new(Bytes::from(format!(
                "{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"
            ))))
    };
    built.unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

/// A JSON answer of Cognito's.
fn json_answer(status: u16, body: String) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_told_to_their_service() {
        assert_eq!(
            service_of(Some("DynamoDB_20120810.TransactWriteItems"), None, None),
            Service::DynamoDb
        );
        assert_eq!(service_of(Some("AmazonSQS.SendMessage"), None, None), Service::Sqs);
        assert_eq!(
            service_of(Some("AWSCognitoIdentityProviderService.InitiateAuth"), None, None),
            Service::Cognito
        );
        let signed = "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/sqs/aws4_request, SignedHeaders=host";
        assert_eq!(service_of(None, Some(signed), None), Service::Sqs);
        let presigned = "X-Amz-Credential=test%2F20261207%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0";
        assert_eq!(service_of(None, None, Some(presigned)), Service::S3);
        assert_eq!(service_of(None, None, None), Service::S3);
    }

    #[test]
    fn a_503_is_put_down_only_to_a_fault_that_fails_its_call_its_way() {
        assert_eq!(
            suspects("GetItem was throttled; retry shortly"),
            [Kind::DynamoThrottling]
        );
        assert_eq!(
            suspects("TransactWriteItems failed on the service side; retry shortly"),
            [Kind::DynamoErrors]
        );
        assert_eq!(suspects("Query could not reach the service"), [Kind::Dropped]);
        assert_eq!(suspects("InitiateAuth was throttled"), [Kind::CognitoThrottling]);
        assert_eq!(suspects("PutObject failed on the service side"), [Kind::S3Errors]);
        assert_eq!(suspects("DeleteObjects was throttled; retry shortly"), [Kind::S3Errors]);
        assert_eq!(
            suspects("ChangeMessageVisibility failed on the service side"),
            [Kind::SqsOutage]
        );
        assert_eq!(suspects("GetItem timed out; retry shortly"), [Kind::MotoStalled]);
        assert!(suspects("the goal is taking many entries at once").is_empty());
    }

    #[test]
    fn every_kind_strikes_once_a_minute_inside_the_run() {
        let run = Duration::from_secs(180);
        let windows = schedule(7, run);
        assert_eq!(windows.len(), 3 * Kind::ALL.len());
        for kind in Kind::ALL {
            assert_eq!(windows.iter().filter(|window| window.kind == kind).count(), 3);
        }
        for window in &windows {
            assert!(window.from >= Duration::from_secs(18), "{window:?}");
            assert!(window.to <= Duration::from_secs(162), "{window:?}");
            let (low, high) = window.kind.lasts();
            let lasts = (window.to - window.from).as_secs_f64();
            assert!(lasts >= low - 1e-6 && lasts <= high + 1e-6, "{window:?}");
        }
        assert_eq!(schedule(7, run), windows, "the same seed, the same windows");
        assert_ne!(schedule(8, run), windows);
    }

    #[test]
    fn a_short_run_keeps_its_outage_inside_it() {
        for seed in 0..50 {
            for window in schedule(seed, Duration::from_secs(60)) {
                assert!(window.from >= Duration::from_secs(6) && window.to <= Duration::from_secs(54));
            }
        }
    }
}
