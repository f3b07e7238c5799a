//! The one dispatcher every entry point uses: Lambda, the local server, tests.
//!
//! Built once from any set of routes, it holds three lookup tables:
//! route key → route (API Gateway HTTP API, payload 2.0), path template →
//! methods (REST API, payload 1.0) and a `matchit` path matcher (the
//! `$default` route, function URLs, ALB, the local server).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::FutureExt;
use http::{HeaderMap, HeaderValue, Uri};

use crate::auth::{Authenticator, User, bearer_token};
use crate::checks::{self, RegistryError};
use crate::error::ApiError;
use crate::method::Method;
use crate::metrics::{self, Metrics};
use crate::registry::{Auth, Route};
use crate::request::{PathParams, RequestParts, SharedState};
use crate::response::{IntoResponse, Response};
use crate::signature::StateType;

/// How the entry point identified the route, in the order of preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// API Gateway HTTP API `requestContext.routeKey` (`$default` falls back to the path).
    RouteKey(String),
    /// API Gateway REST API `resource` template, with the method.
    Resource(String),
    /// Only the path is known: match it.
    Path,
}

/// Identity the API Gateway JWT authorizer has already verified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayAuth {
    /// `requestContext.authorizer.jwt.claims`.
    pub claims: HashMap<String, String>,
    /// `requestContext.authorizer.jwt.scopes`, when the gateway lists them.
    pub scopes: Option<Vec<String>>,
}

/// A request as an entry point hands it to the dispatcher.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The request method.
    pub method: http::Method,
    /// The request URI; its query is what `Query<T>` reads.
    pub uri: Uri,
    /// The path to match and log when it is not the URI's own: API
    /// Gateway's, without its stage prefix. `None`: the URI's path.
    pub path: Option<String>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// Id for logs and error bodies.
    pub request_id: String,
    /// How to find the route.
    pub target: Target,
    /// Path parameters supplied by API Gateway (used with route-key and resource lookups).
    pub path_params: Vec<(String, String)>,
    /// Claims verified by the API Gateway authorizer, if any.
    pub gateway_auth: Option<GatewayAuth>,
    /// The client's address: the TCP peer, or the gateway's `sourceIp`.
    pub client_ip: Option<IpAddr>,
    /// When the entry point had it whole: its latency and its handler's
    /// deadline count from then.
    pub received: Instant,
}

impl Incoming {
    /// The path to match: [`Incoming::path`], else the URI's.
    pub fn path(&self) -> &str {
        self.path.as_deref().unwrap_or_else(|| self.uri.path())
    }

    /// A request identified only by its path, as tests see it, received now.
    pub fn new(method: http::Method, uri: Uri, headers: HeaderMap, body: Bytes, request_id: String) -> Self {
        Incoming::received_at(Instant::now(), method, uri, headers, body, request_id)
    }

    /// A request identified only by its path, received at `received`, as
    /// the local server sees it.
    pub fn received_at(
        received: Instant,
        method: http::Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
        request_id: String,
    ) -> Self {
        Incoming {
            path: None,
            method,
            uri,
            headers,
            body,
            request_id,
            target: Target::Path,
            path_params: Vec::new(),
            gateway_auth: None,
            client_ip: None,
            received,
        }
    }
}

/// The routes sharing one path template, by method.
struct PathRoutes {
    methods: [Option<&'static Route>; Method::ALL.len()],
    allow: HeaderValue,
}

impl PathRoutes {
    /// The route for `method`; `HEAD` falls back to `GET`; otherwise 405.
    fn select(&self, method: &http::Method) -> Result<&'static Route, ApiError> {
        let found = Method::from_http(method).and_then(|m| {
            self.methods[m.index()].or_else(|| match m {
                Method::HEAD => self.methods[Method::GET.index()],
                _ => None,
            })
        });
        found.ok_or_else(|| ApiError::method_not_allowed(self.allow.clone()))
    }
}

/// Routes requests to handlers. Cheap to share behind an `Arc`.
pub struct Dispatcher {
    state: SharedState,
    authenticator: Arc<dyn Authenticator>,
    routes: Vec<&'static Route>,
    by_key: HashMap<&'static str, &'static Route>,
    by_template: HashMap<&'static str, usize>,
    paths: Vec<PathRoutes>,
    matcher: matchit::Router<usize>,
    deadline: Duration,
    metrics: Option<Metrics>,
}

/// How long a handler may run by default: under API Gateway's 29-second
/// integration timeout, so a slow dependency is a 503 in the error
/// contract, not the gateway's bare 504.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(25);

impl Dispatcher {
    /// Checks `routes` as a deployable set and builds the lookup tables.
    ///
    /// The checks are every registry-wide one, so a bad set never starts:
    /// duplicates and conflicting parameters ([`checks::validate_structure`]),
    /// API Gateway's quota of [`checks::MAX_ROUTES`] routes, and the state
    /// each route reads against `state`'s type ([`checks::validate_state`]),
    /// each problem with its handler's file and line.
    ///
    /// `authenticator` verifies bearer tokens the gateway has not verified;
    /// `state` reaches handlers through [`State`](crate::extract::State) and
    /// [`RequestParts::state`] (the app's shared services, say).
    ///
    /// ```standalone_crate
    /// use route_framework::auth::NoAuthenticator;
    /// use route_framework::dispatch::Dispatcher;
    /// use route_framework::prelude::*;
    ///
    /// /// Say hello.
    /// #[route("GET /hello", public)]
    /// async fn hello(State(greeting): State<&'static str>) -> Json<&'static str> {
    ///     Json(greeting)
    /// }
    ///
    /// // Every route in the registry, with the state they read.
    /// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, "hello");
    /// assert!(dispatcher.is_ok());
    /// // Another state type fails when built, naming the route.
    /// let wrong = Dispatcher::new(route_framework::routes(), NoAuthenticator, 42_u32);
    /// assert!(wrong.err().unwrap().to_string().contains("`hello`"));
    /// ```
    pub fn new<S: Any + Send + Sync>(
        routes: impl IntoIterator<Item = &'static Route>,
        authenticator: impl Authenticator,
        state: S,
    ) -> Result<Dispatcher, RegistryError> {
        Dispatcher::with_route_quota(routes, authenticator, state, checks::MAX_ROUTES)
    }

    /// [`Dispatcher::new`] for an API whose route quota AWS has raised to
    /// `quota` (and for benchmarks of large route sets).
    pub fn with_route_quota<S: Any + Send + Sync>(
        routes: impl IntoIterator<Item = &'static Route>,
        authenticator: impl Authenticator,
        state: S,
        quota: usize,
    ) -> Result<Dispatcher, RegistryError> {
        let routes: Vec<&'static Route> = routes.into_iter().collect();
        let structure = checks::validate_with_quota(&routes, quota);
        let state_types = checks::validate_state(&routes, StateType::of::<S>());
        let mut problems: Vec<String> = [structure, state_types]
            .into_iter()
            .filter_map(Result::err)
            .flat_map(|err| err.problems)
            .collect();

        let mut by_key = HashMap::with_capacity(routes.len());
        let mut by_template: HashMap<&'static str, usize> = HashMap::new();
        let mut paths: Vec<PathRoutes> = Vec::new();
        let mut matcher = matchit::Router::new();
        for &route in &routes {
            by_key.insert(route.route_key, route);
            let index = *by_template.entry(route.path).or_insert_with(|| {
                paths.push(PathRoutes {
                    methods: [None; Method::ALL.len()],
                    allow: HeaderValue::from_static(""),
                });
                if let Err(err) = matcher.insert(matchit_template(route.path), paths.len() - 1) {
                    problems.push(format!(
                        "{}: `{}` cannot be matched: {err}",
                        checks::origin(route),
                        route.path
                    ));
                }
                paths.len() - 1
            });
            paths[index].methods[route.method.index()] = Some(route);
        }
        if !problems.is_empty() {
            return Err(RegistryError { problems });
        }
        for path in &mut paths {
            path.allow = allow_header(&path.methods);
        }
        Ok(Dispatcher {
            state: Arc::new(state),
            authenticator: Arc::new(authenticator),
            routes,
            by_key,
            by_template,
            paths,
            matcher,
            deadline: DEFAULT_DEADLINE,
            metrics: None,
        })
    }

    /// Handlers running longer than `deadline` are stopped and answered
    /// with 503 and `Retry-After` (default [`DEFAULT_DEADLINE`]). Dispatch
    /// needs a Tokio runtime with timers enabled (`enable_time`/`enable_all`).
    pub fn with_deadline(mut self, deadline: Duration) -> Dispatcher {
        self.deadline = deadline;
        self
    }

    /// Each request's line carries its metrics (see [`metrics`]):
    /// `count`, `latency_ms` and `errors` by route and status class.
    pub fn with_metrics(mut self, metrics: Metrics) -> Dispatcher {
        self.metrics = Some(metrics);
        self
    }

    /// The routes this dispatcher serves, in the order given.
    pub fn routes(&self) -> &[&'static Route] {
        &self.routes
    }

    /// Finds the route for `incoming` and its path parameters, or the 404/405 to answer.
    pub fn resolve(&self, incoming: &Incoming) -> Result<(&'static Route, PathParams), ApiError> {
        match &incoming.target {
            Target::RouteKey(key) => {
                if let Some(route) = self.by_key.get(key.as_str()) {
                    return Ok((route, gateway_params(route, &incoming.path_params)?));
                }
            }
            Target::Resource(resource) => {
                if let Some(&index) = self.by_template.get(resource.as_str()) {
                    let route = self.paths[index].select(&incoming.method)?;
                    return Ok((route, gateway_params(route, &incoming.path_params)?));
                }
            }
            Target::Path => {}
        }
        let matched = self
            .matcher
            .at(incoming.path())
            .map_err(|_| ApiError::not_found("no route matches this path"))?;
        let route = self.paths[*matched.value].select(&incoming.method)?;
        let mut params = Vec::with_capacity(route.params.len());
        for name in route.params {
            let raw = matched.params.get(name).unwrap_or_default();
            let value = percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .map_err(|_| ApiError::bad_request(format!("path parameter `{name}` is not valid UTF-8")))?;
            params.push((*name, value.into_owned()));
        }
        Ok((route, params))
    }

    /// Serves one request: resolve, authenticate, extract, call, finalise, log.
    ///
    /// Never fails: every outcome, panics included, is an HTTP response in the
    /// error contract.
    #[expect(
        clippy::manual_async_fn,
        reason = "an `async fn` keeps its arguments twice in its state, and the request is large: \
                  every future awaiting this one holds that state, and moves it in once"
    )]
    pub fn dispatch(&self, mut incoming: Incoming) -> impl Future<Output = http::Response<Bytes>> + Send + '_ {
        async move {
            let head = incoming.method == http::Method::HEAD;
            let (route_key, response) = match self.resolve(&incoming) {
                Ok((route, params)) => (route.route_key, self.call(route, params, &mut incoming).await),
                Err(err) => ("-", err.into_response()),
            };
            let status = response.status();
            let latency_ms = metrics::elapsed_ms(incoming.received);
            let Incoming {
                ref request_id,
                ref method,
                ..
            } = incoming;
            let (method, path) = (method.as_str(), incoming.path());
            // Its metrics, when they are on: none of these members otherwise.
            let metrics = self.metrics.as_ref().map(|metrics| {
                let errors = u8::from(status.is_server_error());
                (metrics.request.as_str(), metrics::status_class(status), errors)
            });
            // One line per request; its level is part of its callsite, hence
            // the macro. The message is a plain text field: given as format
            // arguments, it would be formatted on every request.
            macro_rules! log_request {
                ($level:ident, $message:literal) => {
                    tracing::$level!(
                        message = $message,
                        request_id,
                        route = route_key,
                        method,
                        path,
                        status = status.as_u16(),
                        latency_ms,
                        kind = metrics.map(|_| "request"),
                        status_class = metrics.map(|(_, class, _)| class),
                        count = metrics.map(|_| 1_u8),
                        errors = metrics.map(|(_, _, errors)| errors),
                        _aws = metrics.map(|(directive, _, _)| directive),
                    )
                };
            }
            if status.is_server_error() {
                log_request!(error, "request failed");
            } else {
                log_request!(info, "request");
            }
            // Last: the response takes the request id.
            response.finalize(std::mem::take(&mut incoming.request_id), head)
        }
    }

    /// Authenticates and runs the handler, turning a panic into a 500 and
    /// running past the deadline (counted from when the request was
    /// received) into a 503. The
    /// handler takes the request's body; its extractors borrow the rest.
    async fn call(&self, route: &'static Route, path_params: PathParams, incoming: &mut Incoming) -> Response {
        let user = match self.authenticate(route, incoming).await {
            Ok(user) => user,
            Err(err) => return err.into_response(),
        };
        let body = std::mem::take(&mut incoming.body);
        let parts = RequestParts {
            method: &incoming.method,
            uri: &incoming.uri,
            headers: &incoming.headers,
            path_params,
            user,
            request_id: &incoming.request_id,
            route_key: route.route_key,
            client_ip: incoming.client_ip,
            state: &*self.state,
        };
        // The adapter runs the extractors before it returns the handler's
        // future: a panic can come from either.
        let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| (route.handler)(parts, body))) {
            Ok(future) => {
                let mut future = std::pin::pin!(AssertUnwindSafe(future).catch_unwind());
                // Most handlers finish on their first poll: they need no timer.
                let first = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
                match first {
                    Poll::Ready(outcome) => Ok(outcome),
                    Poll::Pending => tokio::time::timeout_at((incoming.received + self.deadline).into(), future).await,
                }
            }
            Err(panic) => Ok(Err(panic)),
        };
        let request_id = &incoming.request_id;
        match outcome {
            Ok(Ok(response)) => response,
            Err(_) => {
                tracing::error!(
                    request_id,
                    route = route.route_key,
                    deadline_ms = self.deadline.as_millis(),
                    "the handler ran out of time"
                );
                ApiError::unavailable("the request took too long; retry shortly", 1).into_response()
            }
            Ok(Err(panic)) => {
                let reason = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".to_owned());
                tracing::error!(request_id, route = route.route_key, panic = reason, "handler panicked");
                ApiError::internal().into_response()
            }
        }
    }

    /// The caller of a non-public route: from the gateway's verified claims,
    /// else from a bearer token this process verifies. Checks required scopes.
    async fn authenticate(&self, route: &Route, incoming: &Incoming) -> Result<Option<User>, ApiError> {
        let Auth::Required { scopes } = route.auth else {
            return Ok(None);
        };
        let user = match &incoming.gateway_auth {
            Some(gateway) => self
                .authenticator
                .gateway_user(&gateway.claims, gateway.scopes.as_deref())?,
            None => self.authenticator.verify(bearer_token(&incoming.headers)?).await?,
        };
        self.authenticator.admit(&user).await?;
        if let Some(missing) = scopes.iter().find(|scope| !user.has_scope(scope)) {
            return Err(ApiError::forbidden(format!("the token lacks the `{missing}` scope")));
        }
        Ok(Some(user))
    }
}

/// Path parameters API Gateway extracted, in the route's order. The list is
/// tiny, so a scan beats hashing.
fn gateway_params(route: &Route, given: &[(String, String)]) -> Result<PathParams, ApiError> {
    route
        .params
        .iter()
        .map(|name| {
            given
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| (*name, value.clone()))
                .ok_or_else(|| ApiError::bad_request(format!("missing path parameter `{name}`")))
        })
        .collect()
}

/// `/files/{proxy+}` in API Gateway syntax is `/files/{*proxy}` for matchit.
fn matchit_template(path: &str) -> String {
    match path.rsplit_once("/{") {
        Some((head, tail)) if tail.ends_with("+}") => {
            format!("{head}/{{*{}}}", tail.trim_end_matches("+}"))
        }
        _ => path.to_owned(),
    }
}

/// `Allow` for a path: its methods, plus `HEAD` wherever `GET` serves it.
fn allow_header(methods: &[Option<&'static Route>; Method::ALL.len()]) -> HeaderValue {
    let allowed: Vec<&str> = Method::ALL
        .into_iter()
        .filter(|m| methods[m.index()].is_some() || (*m == Method::HEAD && methods[Method::GET.index()].is_some()))
        .map(Method::as_str)
        .collect();
    // Method names are ASCII tokens.
    HeaderValue::from_str(&allowed.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""))
}
