//! The Lambda entry point: API Gateway / ALB events through the dispatcher,
//! and EventBridge scheduled events to the app's scheduled work.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use lambda_http::request::{LambdaRequest, RequestContext};
use lambda_http::{Body, LambdaEvent, RequestExt, Service};
use serde_json::Value;

use crate::dispatch::{Dispatcher, GatewayAuth, Incoming, Target};

/// What the function does when an EventBridge schedule invokes it: the
/// result is the invocation's answer (logged by Lambda, read by nobody).
pub type OnSchedule = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Value> + Send>> + Send + Sync>;

/// Runs the Lambda runtime loop: HTTP events through the dispatcher,
/// scheduled events to `on_schedule`.
///
/// Every HTTP outcome is an `Ok` HTTP response: an `Err` would become an
/// invocation error that API Gateway turns into a bare 500.
pub async fn run(dispatcher: Arc<Dispatcher>, on_schedule: Option<OnSchedule>) -> Result<(), lambda_http::Error> {
    lambda_http::lambda_runtime::run(lambda_http::service_fn(move |event: LambdaEvent<Value>| {
        let (dispatcher, on_schedule) = (Arc::clone(&dispatcher), on_schedule.clone());
        async move { answer(&dispatcher, on_schedule.as_ref(), event).await }
    }))
    .await
}

/// Whether `event` is an EventBridge scheduled event (a rule's
/// `rate(…)`/`cron(…)` target).
pub fn is_scheduled_event(event: &Value) -> bool {
    event.get("source").and_then(Value::as_str) == Some("aws.events")
        && event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
}

/// Answers one raw event: a scheduled event runs `on_schedule`, anything
/// else is decoded as an API Gateway / ALB event and dispatched.
pub async fn answer(
    dispatcher: &Dispatcher,
    on_schedule: Option<&OnSchedule>,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_http::Error> {
    let LambdaEvent { payload, context } = event;
    if is_scheduled_event(&payload) {
        return Ok(match on_schedule {
            Some(job) => job().await,
            None => {
                tracing::warn!("a scheduled event arrived, and nothing is scheduled");
                serde_json::json!({ "scheduled": false })
            }
        });
    }
    let request: LambdaRequest = serde_json::from_value(payload)
        .map_err(|err| format!("the event is neither an HTTP nor a scheduled event: {err}"))?;
    let mut adapter = lambda_http::Adapter::from(lambda_http::service_fn(|request: lambda_http::Request| async move {
        Ok::<_, Infallible>(handle(dispatcher, request).await)
    }));
    let response = adapter.call(LambdaEvent::new(request, context)).await?;
    Ok(serde_json::to_value(response)?)
}

/// Answers one event already converted by `lambda_http` into an HTTP request.
pub async fn handle(dispatcher: &Dispatcher, request: lambda_http::Request) -> http::Response<Body> {
    let response = dispatcher.dispatch(incoming(request)).await;
    let (parts, body) = response.into_parts();
    let body = lambda_body(parts.headers.get(CONTENT_TYPE), body);
    http::Response::from_parts(parts, body)
}

/// Maps a `lambda_http` request onto the dispatcher's input.
///
/// Payload 2.0 events are looked up by `routeKey`, payload 1.0 events by
/// `resource`, everything else (`$default`, function URLs, ALB) by path. The
/// path is the raw one, so a named stage never prefixes it.
pub fn incoming(request: lambda_http::Request) -> Incoming {
    let path = match request.raw_http_path() {
        "" => request.uri().path().to_owned(),
        raw => raw.to_owned(),
    };
    let path_params: Vec<(String, String)> = request
        .path_parameters_ref()
        .map(|params| params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
        .unwrap_or_default();
    let lambda_request_id = request.lambda_context_ref().map(|ctx| ctx.request_id.clone());
    let (target, gateway_request_id, gateway_auth, client_ip) = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            let target = match ctx.route_key.as_deref() {
                Some(key) if key != "$default" => Target::RouteKey(key.to_owned()),
                _ => Target::Path,
            };
            let auth = ctx
                .authorizer
                .as_ref()
                .and_then(|a| a.jwt.as_ref())
                .map(|jwt| GatewayAuth {
                    claims: jwt.claims.clone(),
                    scopes: jwt.scopes.clone(),
                });
            (target, ctx.request_id.clone(), auth, ip(ctx.http.source_ip.as_deref()))
        }
        Some(RequestContext::ApiGatewayV1(ctx)) => {
            let target = match ctx.resource_path.as_deref() {
                Some(resource) => Target::Resource(resource.to_owned()),
                None => Target::Path,
            };
            let client_ip = ip(ctx.identity.source_ip.as_deref());
            (
                target,
                ctx.request_id.clone(),
                rest_claims(&ctx.authorizer.fields),
                client_ip,
            )
        }
        _ => (Target::Path, None, None, None),
    };
    let request_id = gateway_request_id
        .or(lambda_request_id)
        .unwrap_or_else(|| ulid::Ulid::new().to_string());

    let (parts, body) = request.into_parts();
    let body = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    Incoming {
        method: parts.method,
        uri: parts.uri,
        path,
        headers: parts.headers,
        body,
        request_id,
        target,
        path_params,
        gateway_auth,
        client_ip,
    }
}

/// A `sourceIp`, if it is an address.
fn ip(source: Option<&str>) -> Option<std::net::IpAddr> {
    source.and_then(|text| text.parse().ok())
}

/// Claims from a REST API Cognito authorizer: `requestContext.authorizer.claims`.
fn rest_claims(fields: &HashMap<String, serde_json::Value>) -> Option<GatewayAuth> {
    let claims = fields.get("claims")?.as_object()?;
    let claims = claims
        .iter()
        .filter_map(|(key, value)| value.as_str().map(|v| (key.clone(), v.to_owned())))
        .collect();
    Some(GatewayAuth { claims, scopes: None })
}

/// Text bodies stay text; anything else is sent base64-encoded as binary.
fn lambda_body(content_type: Option<&http::HeaderValue>, body: Bytes) -> Body {
    if body.is_empty() {
        return Body::Empty;
    }
    let textual = content_type
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/") || ct.starts_with("application/json") || ct.contains("+json"));
    match (textual, String::from_utf8(body.to_vec())) {
        (true, Ok(text)) => Body::Text(text),
        _ => Body::Binary(body.to_vec()),
    }
}
