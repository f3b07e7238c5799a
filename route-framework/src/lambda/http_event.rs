//! HTTP events (API Gateway 1.0 and 2.0, function URLs, ALB) decoded into
//! the dispatcher's [`Incoming`] and its answer encoded back, both without
//! a panic: a malformed piece (method, path, query, header, base64 body) is a
//! 400 in the error contract, in the shape the event's caller expects.

use std::collections::HashMap;
use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::Either;
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use lambda_http::aws_lambda_events::alb::AlbTargetGroupRequest;
use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequest;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::answer::Answer;
use super::v2;
use super::wire::{body, encoded_path, ip, lambda_body, uri};
use crate::dispatch::{Dispatcher, GatewayAuth, Incoming, Target};
use crate::error::ApiError;
use crate::response::IntoResponse;

/// The HTTP event kinds, each answered in its own response format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpShape {
    /// HTTP API payload 2.0, and function URLs (the same format).
    V2,
    /// REST API (and HTTP API payload 1.0).
    V1,
    /// Application Load Balancer target group; `multi` when the target group
    /// sends (and so expects back) multi-value headers.
    Alb {
        /// Whether headers travel as `multiValueHeaders`.
        multi: bool,
    },
}

/// The HTTP shape of `event`, if it has one.
pub(super) fn http_shape(event: &Value) -> Option<HttpShape> {
    let context = event.get("requestContext")?;
    if context.get("elb").is_some() {
        let multi = event.get("multiValueHeaders").is_some_and(Value::is_object);
        return Some(HttpShape::Alb { multi });
    }
    if event.get("version").and_then(Value::as_str) == Some("2.0") || context.get("http").is_some() {
        return Some(HttpShape::V2);
    }
    event.get("httpMethod").is_some().then_some(HttpShape::V1)
}

/// Decodes an event of `shape`; `fallback_id` (the Lambda request id) names
/// the request when the event carries no id of its own.
pub(super) fn decode(shape: HttpShape, event: Value, fallback_id: &str) -> Result<Incoming, (String, ApiError)> {
    let request_id_in_event = event
        .pointer("/requestContext/requestId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let request_id = request_id_in_event.unwrap_or_else(|| fallback_id.to_owned());
    let decoded = match shape {
        HttpShape::V2 => v2::Event::deserialize(event)
            .map_err(|err| malformed(&format!("an HTTP API 2.0 event: {err}")))
            .and_then(|event| event.into_incoming(&request_id)),
        HttpShape::V1 => serde_json::from_value(event)
            .map_err(|err| malformed(&format!("a REST API event: {err}")))
            .and_then(|event| v1(event, &request_id)),
        HttpShape::Alb { .. } => serde_json::from_value(event)
            .map_err(|err| malformed(&format!("an ALB event: {err}")))
            .and_then(|event| alb(event, &request_id)),
    };
    decoded.map_err(|error| (request_id, error))
}

/// The 400 of an event that does not decode.
fn malformed(what: &str) -> ApiError {
    ApiError::bad_request(format!("the request could not be read from {what}"))
}

/// One REST API (payload 1.0) event.
fn v1(event: ApiGatewayProxyRequest, request_id: &str) -> Result<Incoming, ApiError> {
    let path = event.path.unwrap_or_else(|| "/".to_owned());
    let context = event.request_context;
    let target = match context.resource_path.or(event.resource) {
        Some(resource) => Target::Resource(resource),
        None => Target::Path,
    };
    let query = query_string(
        &event.multi_value_query_string_parameters,
        &event.query_string_parameters,
    );
    Ok(Incoming {
        method: event.http_method,
        uri: uri(&encoded_path(&path), &query)?,
        path: Some(path),
        headers: merged_headers(event.multi_value_headers, event.headers),
        body: body(event.body, event.is_base64_encoded)?,
        request_id: request_id.to_owned(),
        target,
        path_params: event.path_parameters.into_iter().collect(),
        gateway_auth: rest_claims(&context.authorizer.fields),
        client_ip: ip(context.identity.source_ip.as_deref()),
        received: Instant::now(),
    })
}

/// One ALB event: matched by path.
fn alb(event: AlbTargetGroupRequest, request_id: &str) -> Result<Incoming, ApiError> {
    let path = event.path.unwrap_or_else(|| "/".to_owned());
    // ALB passes the query as the client sent it, still percent-encoded.
    let query = raw_query(
        &event.multi_value_query_string_parameters,
        &event.query_string_parameters,
    );
    // The load balancer appends the peer it saw: the last entry is the one a
    // client cannot forge.
    let forwarded = |headers: &HeaderMap| {
        headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|list| list.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok())
    };
    let client_ip = forwarded(&event.multi_value_headers).or_else(|| forwarded(&event.headers));
    Ok(Incoming {
        method: event.http_method,
        uri: uri(&encoded_path(&path), &query)?,
        path: Some(path),
        headers: merged_headers(event.multi_value_headers, event.headers),
        body: body(event.body, event.is_base64_encoded)?,
        request_id: request_id.to_owned(),
        target: Target::Path,
        path_params: Vec::new(),
        gateway_auth: None,
        client_ip,
        received: Instant::now(),
    })
}

/// Multi-value headers when the event has them (they hold every value), else
/// the single-value ones.
fn merged_headers(multi: HeaderMap, single: HeaderMap) -> HeaderMap {
    if multi.is_empty() { single } else { multi }
}

/// A REST API query (decoded values) encoded again as a query string.
fn query_string(multi: &QueryMap, single: &QueryMap) -> String {
    let map = if multi.is_empty() { single } else { multi };
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(map.iter())
        .finish()
}

/// An ALB query (values as sent) joined again as a query string.
fn raw_query(multi: &QueryMap, single: &QueryMap) -> String {
    let map = if multi.is_empty() { single } else { multi };
    map.iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Claims from a REST API Cognito authorizer: `requestContext.authorizer.claims`.
fn rest_claims(fields: &HashMap<String, Value>) -> Option<GatewayAuth> {
    let claims = fields.get("claims")?.as_object()?;
    let claims = claims
        .iter()
        .filter_map(|(key, value)| value.as_str().map(|v| (key.clone(), v.to_owned())))
        .collect();
    Some(GatewayAuth { claims, scopes: None })
}

/// The answer to an event of `shape`: the dispatcher's response to what it
/// carried, or the 400 of the piece that did not decode (with the request
/// id), in `shape`'s format.
///
/// Not an `async fn`, which would keep the request in its state beside the
/// dispatcher's future that holds it too.
pub(super) fn serve(
    dispatcher: &Dispatcher,
    shape: HttpShape,
    decoded: Result<Incoming, (String, ApiError)>,
) -> impl Future<Output = Answer> + Send + '_ {
    match decoded {
        Ok(incoming) => Either::Left(
            dispatcher
                .dispatch(incoming)
                .map(move |response| encode(shape, response)),
        ),
        Err((request_id, error)) => Either::Right(std::future::ready(rejected(shape, &request_id, error))),
    }
}

/// The 400 answer to an event that did not decode, in `shape`'s format.
fn rejected(shape: HttpShape, request_id: &str, error: ApiError) -> Answer {
    tracing::warn!(request_id, error = error.message(), "malformed HTTP event");
    encode(shape, error.into_response().finalize(request_id.to_owned(), false))
}

/// The dispatcher's response in `shape`'s response format.
fn encode(shape: HttpShape, response: http::Response<Bytes>) -> Answer {
    let alb_multi = match shape {
        HttpShape::V2 => return Answer::http(v2::Response::new(response)),
        HttpShape::V1 => None,
        HttpShape::Alb { multi } => Some(multi),
    };
    let (parts, body) = response.into_parts();
    let (body, is_base64) = lambda_body(parts.headers.get(CONTENT_TYPE), &body);
    let status = parts.status.as_u16();
    Answer::json(match alb_multi {
        None => json!({
            "statusCode": status,
            "multiValueHeaders": multi_value_headers(&parts.headers),
            "body": body,
            "isBase64Encoded": is_base64,
        }),
        Some(multi) => {
            let reason = parts.status.canonical_reason().unwrap_or_default();
            let mut answer = json!({
                "statusCode": status,
                "statusDescription": format!("{status} {reason}"),
                "body": body,
                "isBase64Encoded": is_base64,
            });
            let (key, headers) = if multi {
                ("multiValueHeaders", multi_value_headers(&parts.headers))
            } else {
                ("headers", single_value_headers(&parts.headers))
            };
            answer[key] = headers;
            answer
        }
    })
}

/// Every header with all its values.
fn multi_value_headers(headers: &HeaderMap) -> Value {
    let mut map = serde_json::Map::new();
    for name in headers.keys() {
        let values: Vec<Value> = headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(Value::from)
            .collect();
        map.insert(name.as_str().to_owned(), Value::Array(values));
    }
    Value::Object(map)
}

/// Every header with its first value (ALB without multi-value headers).
fn single_value_headers(headers: &HeaderMap) -> Value {
    let mut map = serde_json::Map::new();
    for (name, value) in headers {
        if let Ok(text) = value.to_str() {
            map.entry(name.as_str().to_owned()).or_insert_with(|| Value::from(text));
        }
    }
    Value::Object(map)
}
