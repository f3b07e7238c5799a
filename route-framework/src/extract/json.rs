//! `Json<T>`: a JSON request body (extractor) or a JSON response body.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use super::{FromRequest, ViaBody};
use crate::error::{ApiError, FieldError};
use crate::request::RequestParts;
use crate::response::{IntoResponse, Response};

/// The largest JSON request body accepted: 1 MiB.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body.
///
/// As an extractor (last argument only) it requires `Content-Type:
/// application/json` (415 otherwise), at most [`JSON_BODY_LIMIT`] bytes (413),
/// well-formed JSON (400 `malformed_json`) and a value of the right shape
/// (422 `validation_failed`, each problem located by a JSON pointer). As a
/// return value it is a 200 with the value serialised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest<ViaBody> for Json<T> {
    fn from_request(parts: &RequestParts, body: Bytes) -> Result<Self, ApiError> {
        if !is_json_content_type(parts) {
            return Err(ApiError::unsupported_media_type(
                "expected a JSON body with `Content-Type: application/json`",
            ));
        }
        if body.len() > JSON_BODY_LIMIT {
            return Err(ApiError::payload_too_large(JSON_BODY_LIMIT));
        }
        parse_json(&body).map(Json)
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

/// Deserialises `body`, mapping syntax errors to 400 and shape errors to 422.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let message = without_position(&err.inner().to_string());
        if err.inner().is_data() {
            let mut field = pointer(err.path());
            if let Some(missing) = missing_field(&message) {
                field.push('/');
                field.push_str(&escape(missing));
            }
            ApiError::validation(vec![FieldError::new(field, message)])
        } else if err.inner().is_eof() && body.iter().all(u8::is_ascii_whitespace) {
            ApiError::malformed_json("request body is empty: expected JSON")
        } else {
            ApiError::malformed_json(format!("malformed JSON: {}", err.inner()))
        }
    })?;
    deserializer
        .end()
        .map_err(|err| ApiError::malformed_json(format!("malformed JSON: {err}")))?;
    Ok(value)
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

/// serde_json appends " at line L column C", meaningless inside a pointer-located error.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}
