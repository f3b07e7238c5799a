//! An in-process client that sends requests through the real dispatcher,
//! synthetic routes for tests and benchmarks, and a Lambda Runtime API
//! emulator to run a Lambda binary under ([`runtime_api`]): the `testing`
//! feature.
//!
//! ```
//! use std::sync::Arc;
//!
//! use route_framework::auth::NoAuthenticator;
//! use route_framework::dispatch::Dispatcher;
//! use route_framework::method::Method;
//! use route_framework::registry::Auth;
//! use route_framework::testing::{TestClient, synthetic_route};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A route with no `#[route]` behind it: it echoes its key and parameters.
//! let items = synthetic_route(Method::GET, "/items/{id}", Auth::Public);
//! let client = TestClient::new(Arc::new(Dispatcher::new([items], NoAuthenticator, ())?));
//!
//! let response = client.get("/items/7").send().await;
//! assert_eq!(response.status, 200);
//! assert_eq!(response.json()["params"]["id"], "7");
//! assert_eq!(client.delete("/items/7").send().await.header("allow"), Some("GET, HEAD"));
//! # Ok(())
//! # }
//! ```

pub mod runtime_api;

use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use crate::dispatch::{Dispatcher, Incoming};
use crate::method::Method;
use crate::registry::{Auth, Route};
use crate::request::RequestParts;
use crate::response::Response;
use crate::schema::ResponseDoc;

/// Sends requests straight to a [`Dispatcher`], as the local server would.
///
/// Requests go through everything but the network: route lookup,
/// authentication, extractors, the handler and the error contract.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// #[derive(Deserialize, Serialize, JsonSchema, Validate)]
/// struct Note {
///     #[garde(length(min = 1))]
///     text: String,
/// }
///
/// /// Keep a note.
/// #[route("POST /notes", public)]
/// async fn keep(Json(note): Json<Note>) -> Created<Note> {
///     Created::new("/notes/1", note)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let client = TestClient::new(Arc::new(dispatcher));
///
/// let response = client.post("/notes").json(&serde_json::json!({ "text": "hi" })).send().await;
/// assert_eq!(response.status, 201);
/// assert_eq!(response.header("location"), Some("/notes/1"));
/// assert_eq!(response.json()["text"], "hi");
///
/// let response = client.post("/notes").json(&serde_json::json!({ "text": "" })).send().await;
/// assert_eq!(response.status, 422);
/// assert_eq!(response.json()["error"]["details"][0]["field"], "/text");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TestClient {
    dispatcher: Arc<Dispatcher>,
}

impl TestClient {
    /// A client for `dispatcher`.
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        TestClient { dispatcher }
    }

    /// Starts a request.
    pub fn request(&self, method: http::Method, uri: &str) -> TestRequest {
        TestRequest {
            dispatcher: Arc::clone(&self.dispatcher),
            method,
            uri: uri.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Starts a `GET`.
    pub fn get(&self, uri: &str) -> TestRequest {
        self.request(http::Method::GET, uri)
    }

    /// Starts a `POST`.
    pub fn post(&self, uri: &str) -> TestRequest {
        self.request(http::Method::POST, uri)
    }

    /// Starts a `PUT`.
    pub fn put(&self, uri: &str) -> TestRequest {
        self.request(http::Method::PUT, uri)
    }

    /// Starts a `PATCH`.
    pub fn patch(&self, uri: &str) -> TestRequest {
        self.request(http::Method::PATCH, uri)
    }

    /// Starts a `DELETE`.
    pub fn delete(&self, uri: &str) -> TestRequest {
        self.request(http::Method::DELETE, uri)
    }
}

/// A request being built; [`TestRequest::send`] dispatches it.
pub struct TestRequest {
    dispatcher: Arc<Dispatcher>,
    method: http::Method,
    uri: String,
    headers: HeaderMap,
    body: Bytes,
}

impl TestRequest {
    /// Adds a header. Panics on an invalid name or value: tests build them.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => panic!("invalid test header `{name}: {value}`"),
        }
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => self.body = Bytes::from(body),
            Err(err) => panic!("test body does not serialise: {err}"),
        }
        self.header("content-type", "application/json")
    }

    /// Sets a raw body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Dispatches the request and returns the response.
    pub async fn send(self) -> TestResponse {
        let uri = match self.uri.parse() {
            Ok(uri) => uri,
            Err(err) => panic!("invalid test uri `{}`: {err}", self.uri),
        };
        let request_id = format!("test-{}", ulid::Ulid::new());
        let incoming = Incoming::new(self.method, uri, self.headers, self.body, request_id);
        let (parts, body) = self.dispatcher.dispatch(incoming).await.into_parts();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// A dispatched response.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl TestResponse {
    /// The body parsed as JSON; panics with the body text if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(err) => panic!("response body is not JSON ({err}): {}", self.text()),
        }
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A leaked, registry-free route for tests and benchmarks, with a handler that
/// answers 200 `{"route": "<route key>", "params": {..}}`.
///
/// `path` uses route-key syntax (`/items/{id}`); the key, parameter list and
/// handler name are derived from it.
pub fn synthetic_route(method: Method, path: &str, auth: Auth) -> &'static Route {
    let path: &'static str = Box::leak(path.to_owned().into_boxed_str());
    let route_key: &'static str = Box::leak(format!("{method} {path}").into_boxed_str());
    let params: Vec<&'static str> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|s| s.strip_suffix('+').unwrap_or(s))
        .collect();
    Box::leak(Box::new(Route {
        method,
        path,
        route_key,
        params: Box::leak(params.into_boxed_slice()),
        auth,
        handler_name: "synthetic",
        module_path: module_path!(),
        file: file!(),
        line: line!(),
        summary: "A synthetic route.",
        arguments: |_| {},
        response: ResponseDoc {
            status: 200,
            schema: None,
            location: false,
            etag: false,
        },
        handler: echo_route,
    }))
}

/// `n` distinct synthetic routes shaped like a real API: collections, items,
/// nested sub-resources, all five write and read methods.
pub fn synthetic_routes(n: usize) -> Vec<&'static Route> {
    const SHAPES: [(Method, &str); 5] = [
        (Method::GET, ""),
        (Method::POST, ""),
        (Method::GET, "/{id}"),
        (Method::PATCH, "/{id}"),
        (Method::DELETE, "/{id}/sub/{subId}"),
    ];
    (0..n)
        .map(|i| {
            let (method, suffix) = SHAPES[i % SHAPES.len()];
            let path = format!("/resource{}{suffix}", i / SHAPES.len());
            synthetic_route(method, &path, Auth::Public)
        })
        .collect()
}

fn echo_route(parts: RequestParts<'_>, _body: Bytes) -> BoxFuture<'static, Response> {
    let params: serde_json::Map<String, serde_json::Value> = parts
        .path_params()
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
        .collect();
    let response = Response::json(&serde_json::json!({ "route": parts.route_key(), "params": params }));
    Box::pin(std::future::ready(response))
}

/// `extra` merged into `target`: objects member by member, anything else
/// replaced. Builds variants of a recorded event for tests.
pub fn merge_json(target: &mut serde_json::Value, extra: serde_json::Value) {
    match (target, extra) {
        (serde_json::Value::Object(target), serde_json::Value::Object(extra)) => {
            for (key, value) in extra {
                merge_json(target.entry(key).or_insert(serde_json::Value::Null), value);
            }
        }
        (target, extra) => *target = extra,
    }
}
