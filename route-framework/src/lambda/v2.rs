//! HTTP API payload 2.0 (and function URL) events, read into the
//! dispatcher's [`Incoming`] and answered without an intermediate JSON tree.
//!
//! [`Event`] borrows from the event's text, so the common case (what API
//! Gateway sends this Lambda on every request) is read in one pass:
//! [`read`]. It reads only the fields a request needs and skips the rest
//! unread. Anything it does not take (another shape, a field of an
//! unexpected type, a header a `HeaderMap` cannot hold) is left to the
//! general path, which reads the event into a `Value` first, decides its
//! shape and words the 400: for this shape with the same [`Event`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use super::wire::{body, ip, lambda_body, uri};
use crate::dispatch::{GatewayAuth, Incoming, Target};
use crate::error::ApiError;

/// One HTTP API 2.0 event: the fields a request is made of.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Event<'a> {
    #[serde(borrow, default, alias = "path")]
    raw_path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    raw_query_string: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cookies: Option<Vec<Cow<'a, str>>>,
    #[serde(default, deserialize_with = "headers")]
    headers: HeaderMap,
    #[serde(default, deserialize_with = "nullish")]
    path_parameters: HashMap<String, String>,
    #[serde(borrow)]
    request_context: Context<'a>,
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    #[serde(default)]
    is_base64_encoded: bool,
    /// An EventBridge scheduled event says `aws.events` here.
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    /// ... and `Scheduled Event` here.
    #[serde(borrow, default, rename = "detail-type")]
    detail_type: Option<Cow<'a, str>>,
}

/// `requestContext`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Context<'a> {
    #[serde(borrow, default)]
    route_key: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request_id: Option<Cow<'a, str>>,
    #[serde(default)]
    authorizer: Option<Authorizer>,
    #[serde(borrow)]
    http: Http<'a>,
    /// Only an ALB event has it (payload 2.0 events never do).
    #[serde(default)]
    elb: Present,
}

/// `requestContext.http`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Http<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow, default)]
    path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source_ip: Option<Cow<'a, str>>,
}

/// `requestContext.authorizer`: only the JWT authorizer's part is used.
#[derive(Deserialize)]
struct Authorizer {
    #[serde(default)]
    jwt: Option<Jwt>,
}

/// `requestContext.authorizer.jwt`.
#[derive(Deserialize)]
struct Jwt {
    #[serde(default, deserialize_with = "nullish")]
    claims: HashMap<String, String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

/// Whether a field is there at all, whatever it holds (`null` included).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Present(true))
    }
}

/// The event in `text`, if it is an HTTP API 2.0 event this module reads
/// as it stands; `None` leaves it to the general path.
pub(super) fn read(text: &str) -> Option<Event<'_>> {
    let event: Event<'_> = serde_json::from_str(text).ok()?;
    let scheduled =
        event.source.as_deref() == Some("aws.events") && event.detail_type.as_deref() == Some("Scheduled Event");
    (!scheduled && !event.request_context.elb.0).then_some(event)
}

impl Event<'_> {
    /// The request id the event carries, if any.
    pub(super) fn request_id(&self) -> Option<&str> {
        self.request_context.request_id.as_deref()
    }

    /// The request the event carries, or the 400 of a piece that is not valid.
    pub(super) fn into_incoming(self, request_id: &str) -> Result<Incoming, ApiError> {
        let context = self.request_context;
        let method = match context.http.method.as_ref() {
            "" => Method::GET,
            text => Method::from_bytes(text.as_bytes())
                .map_err(|_| ApiError::bad_request("the request method is not a valid HTTP method"))?,
        };
        let path = self
            .raw_path
            .or(context.http.path)
            .map_or_else(|| "/".to_owned(), Cow::into_owned);
        let mut headers = self.headers;
        if let Some(cookies) = self.cookies.filter(|cookies| !cookies.is_empty()) {
            let value = HeaderValue::from_str(&cookies.join("; "))
                .map_err(|_| ApiError::bad_request("a cookie holds a character headers cannot carry"))?;
            headers.insert(COOKIE, value);
        }
        let target = match context.route_key.as_deref() {
            Some(key) if key != "$default" => Target::RouteKey(key.to_owned()),
            _ => Target::Path,
        };
        let gateway_auth = context
            .authorizer
            .and_then(|authorizer| authorizer.jwt)
            .map(|jwt| GatewayAuth {
                claims: jwt.claims,
                scopes: jwt.scopes,
            });
        Ok(Incoming {
            method,
            uri: uri(&path, self.raw_query_string.as_deref().unwrap_or_default())?,
            path: Some(path),
            headers,
            body: body(self.body.map(Cow::into_owned), self.is_base64_encoded)?,
            request_id: request_id.to_owned(),
            target,
            path_params: self.path_parameters.into_iter().collect(),
            gateway_auth,
            client_ip: ip(context.http.source_ip.as_deref()),
            received: Instant::now(),
        })
    }
}

/// A map that may also be `null` (API Gateway sends either when it is empty).
fn nullish<'de, D: Deserializer<'de>>(deserializer: D) -> Result<HashMap<String, String>, D::Error> {
    Option::<HashMap<String, String>>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// Headers as payload 2.0 sends them: one string per name (a list of
/// strings is taken too), or `null`.
fn headers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<HeaderMap, D::Error> {
    deserializer.deserialize_option(HeadersVisitor)
}

/// Builds the `HeaderMap` straight from the event's object.
struct HeadersVisitor;

impl<'de> Visitor<'de> for HeadersVisitor {
    type Value = HeaderMap;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object of header names to strings")
    }

    fn visit_none<E: de::Error>(self) -> Result<HeaderMap, E> {
        Ok(HeaderMap::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<HeaderMap, E> {
        Ok(HeaderMap::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<HeaderMap, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut access: M) -> Result<HeaderMap, M::Error> {
        let mut map = HeaderMap::with_capacity(access.size_hint().unwrap_or(16));
        while let Some(Text(name)) = access.next_key::<Text<'de>>()? {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| de::Error::custom(format!("`{name}` is not a header name")))?;
            match access.next_value::<Values<'de>>()? {
                Values::One(Text(value)) => {
                    map.insert(name, header_value(&value)?);
                }
                Values::Many(values) => {
                    for Text(value) in values {
                        map.append(&name, header_value(&value)?);
                    }
                }
            }
        }
        Ok(map)
    }
}

/// One header value, or the error naming it.
fn header_value<E: de::Error>(value: &str) -> Result<HeaderValue, E> {
    HeaderValue::from_str(value).map_err(|_| E::custom(format!("`{value}` is not a header value")))
}

/// A string, borrowed from the event's text unless it holds escapes (serde's
/// own `Cow` always copies).
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Reads a [`Text`].
struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(value)))
    }
}

/// A header's value: a string, or a list of them.
enum Values<'a> {
    One(Text<'a>),
    Many(Vec<Text<'a>>),
}

impl<'de> Deserialize<'de> for Values<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValuesVisitor)
    }
}

/// Reads [`Values`] without buffering the value first.
struct ValuesVisitor;

impl<'de> Visitor<'de> for ValuesVisitor {
    type Value = Values<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string or a list of strings")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Values<'de>, E> {
        TextVisitor.visit_borrowed_str(value).map(Values::One)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Values<'de>, E> {
        TextVisitor.visit_str(value).map(Values::One)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Values<'de>, E> {
        TextVisitor.visit_string(value).map(Values::One)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values<'de>, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(1));
        while let Some(value) = seq.next_element::<Text<'de>>()? {
            values.push(value);
        }
        Ok(Values::Many(values))
    }
}

/// A response in payload 2.0's format: one value per header (several
/// joined with `, `) and the cookies on their own.
#[derive(Debug)]
pub(super) struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    is_base64: bool,
}

impl Response {
    /// The dispatcher's response, its body as text when it is text and
    /// base64 otherwise.
    pub(super) fn new(response: http::Response<bytes::Bytes>) -> Response {
        let (parts, body) = response.into_parts();
        let (body, is_base64) = lambda_body(parts.headers.get(http::header::CONTENT_TYPE), &body);
        Response {
            status: parts.status,
            headers: parts.headers,
            body,
            is_base64,
        }
    }
}

impl Serialize for Response {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut answer = serializer.serialize_struct("Response", 5)?;
        answer.serialize_field("statusCode", &self.status.as_u16())?;
        answer.serialize_field("headers", &Joined(&self.headers))?;
        answer.serialize_field("cookies", &Cookies(&self.headers))?;
        answer.serialize_field("body", &self.body)?;
        answer.serialize_field("isBase64Encoded", &self.is_base64)?;
        answer.end()
    }
}

/// Every header but `Set-Cookie`, its values joined with `, `.
struct Joined<'a>(&'a HeaderMap);

impl Serialize for Joined<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for name in self.0.keys().filter(|name| **name != SET_COOKIE) {
            let mut values = self.0.get_all(name).iter().filter_map(|value| value.to_str().ok());
            let first = values.next().unwrap_or_default();
            match values.next() {
                None => map.serialize_entry(name.as_str(), first)?,
                Some(second) => {
                    let all: Vec<&str> = [first, second].into_iter().chain(values).collect();
                    map.serialize_entry(name.as_str(), &all.join(", "))?;
                }
            }
        }
        map.end()
    }
}

/// The `Set-Cookie` values, one cookie each.
struct Cookies<'a>(&'a HeaderMap);

impl Serialize for Cookies<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok()),
        )
    }
}
