//! `Json<T>`: a JSON request body (extractor) or a JSON response body.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use super::{FromRequest, ViaBody};
use crate::error::{ApiError, FieldError};
use crate::request::RequestParts;
use crate::response::{IntoResponse, Response};
use crate::schema::schema_of;
use crate::signature::Signature;
use crate::validation::{self, Validate};

/// The largest JSON request body accepted: 1 MiB.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body.
///
/// As an extractor (last argument only) it requires `Content-Type:
/// application/json` (415 otherwise), at most [`JSON_BODY_LIMIT`] bytes (413),
/// well-formed JSON (400 `malformed_json`), a value that fits `T`'s published
/// JSON schema (422 `validation_failed` listing every misfit, each located by
/// a JSON pointer) and every rule `T` declares with `garde`, the ones a
/// schema cannot state included (422 listing each broken rule). As a
/// return value it is a 200 with the value serialised.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
/// use serde_json::json;
///
/// #[derive(Deserialize, JsonSchema, Validate)]
/// #[serde(deny_unknown_fields)]
/// struct Greeting {
///     #[garde(length(chars, min = 1, max = 20))]
///     name: String,
/// }
///
/// /// Greet someone.
/// #[route("POST /greetings", public)]
/// async fn greet(Json(greeting): Json<Greeting>) -> Json<String> {
///     Json(format!("hello, {}", greeting.name))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let client = TestClient::new(Arc::new(dispatcher));
///
/// let response = client.post("/greetings").json(&json!({ "name": "Ada" })).send().await;
/// assert_eq!(response.json(), "hello, Ada");
/// // Every problem at once, each located by a JSON pointer.
/// let response = client.post("/greetings").json(&json!({ "name": "", "age": 36 })).send().await;
/// assert_eq!(response.status, 422);
/// let details = &response.json()["error"]["details"];
/// assert_eq!(details.as_array().map(Vec::len), Some(2));
/// // Not JSON at all: 415.
/// assert_eq!(client.post("/greetings").body("name=Ada").send().await.status, 415);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T> FromRequest<ViaBody> for Json<T>
where
    T: DeserializeOwned + Validate + JsonSchema + 'static,
    T::Context: Default,
{
    fn from_request(parts: &RequestParts, body: Bytes) -> Result<Self, ApiError> {
        if !is_json_content_type(parts) {
            return Err(ApiError::unsupported_media_type(
                "expected a JSON body with `Content-Type: application/json`",
            ));
        }
        if body.len() > JSON_BODY_LIMIT {
            return Err(ApiError::payload_too_large(JSON_BODY_LIMIT));
        }
        let value = parse_json_value(&body)?;
        validation::check_schema::<T>(&value)?;
        let parsed: T = from_value(&value)?;
        validation::validate(&parsed, &value, true)?;
        Ok(Json(parsed))
    }

    fn describe(signature: &mut Signature) {
        signature.read_body(schema_of::<T>);
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        Response::json(&self.0)
    }
}

/// `application/json`, or any `application/*+json`, parameters ignored.
fn is_json_content_type(parts: &RequestParts) -> bool {
    let Some(value) = parts.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses `body` as one JSON value; a syntax error is a 400. Whole numbers
/// written with a fraction (`5.0`) become integers, as JSON Schema counts them.
fn parse_json_value(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed_json("request body is empty: expected JSON"));
    }
    let mut value: Value =
        serde_json::from_slice(body).map_err(|err| ApiError::malformed_json(format!("malformed JSON: {err}")))?;
    integral_numbers(&mut value);
    Ok(value)
}

/// Rewrites every whole-number float (within `i64`/`u64`) as an integer.
fn integral_numbers(value: &mut Value) {
    match value {
        Value::Number(number) if number.is_f64() => {
            if let Some(float) = number.as_f64().filter(|f| f.fract() == 0.0) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
                let integral = if float >= 0.0 && float < u64::MAX as f64 {
                    Some(serde_json::Number::from(float as u64))
                } else if float < 0.0 && float >= i64::MIN as f64 {
                    Some(serde_json::Number::from(float as i64))
                } else {
                    None
                };
                if let Some(integral) = integral {
                    *number = integral;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Deserialises a `T` from `value`; a value of the wrong shape is a 422
/// located by a JSON pointer.
fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let message = err.inner().to_string();
        let mut field = pointer(err.path());
        if let Some(missing) = missing_field(&message) {
            field.push('/');
            field.push_str(&escape(missing));
        }
        ApiError::validation(vec![FieldError::new(field, message)])
    })
}

/// The JSON pointer (RFC 6901) of a deserialisation path.
fn pointer(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", escape(key))),
            Segment::Enum { variant } => out.push_str(&format!("/{}", escape(variant))),
            Segment::Unknown => out.push_str("/?"),
        }
    }
    out
}

/// Escapes one pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// serde's "missing field `x`" names the field one level below the path.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::integral_numbers;

    #[test]
    fn whole_numbers_written_with_a_fraction_become_integers() {
        let mut value = json!({ "size": 651.0, "nested": [2.5, -3.0, 1e300] });
        integral_numbers(&mut value);
        assert_eq!(value, json!({ "size": 651, "nested": [2.5, -3, 1e300] }));
        assert!(value["size"].is_u64());
    }
}
