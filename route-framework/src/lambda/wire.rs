//! What every HTTP event format shares on the wire: the request target
//! (checked against RFC 3986, or percent-encoded where a gateway decoded it),
//! the body (base64 when the event says so, and back), the client's address.
//! A leaf: it imports neither `http_event` nor `v2`.

use std::net::IpAddr;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Uri};

use crate::error::ApiError;

/// `path?query` as a URI, or a 400 naming the piece that is not valid.
///
/// Both must hold only what RFC 3986 allows there, percent-encoded where it
/// says so: a gateway passes on whatever the client sent.
pub(super) fn uri(path: &str, query: &str) -> Result<Uri, ApiError> {
    if !path.starts_with('/') {
        return Err(ApiError::bad_request("the request path must start with `/`"));
    }
    if !rfc3986(path, b"/") {
        return Err(ApiError::bad_request(
            "the request path holds characters a URI cannot carry unencoded",
        ));
    }
    if !rfc3986(query, b"/?") {
        return Err(ApiError::bad_request(
            "the query string holds characters a URI cannot carry unencoded",
        ));
    }
    let text = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    text.parse()
        .map_err(|_| ApiError::bad_request("the request target is not a valid URI"))
}

/// A REST API or ALB `path`, which may arrive decoded (`/a b`), with what a
/// URI cannot carry percent-encoded; well-formed `%XX` sequences stay as they are.
/// The decoded path is still what routes match.
pub(super) fn encoded_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    for (at, &byte) in bytes.iter().enumerate() {
        let escape = bytes
            .get(at + 1..at + 3)
            .is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit));
        if (byte == b'%' && escape) || plain(byte, b"/") {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether `text` is only unreserved characters, sub-delimiters, `:`, `@`,
/// `extra` and well-formed percent-encodings (RFC 3986 `pchar`).
fn rfc3986(text: &str, extra: &[u8]) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'%' {
            let pair = bytes.get(at + 1..at + 3);
            if !pair.is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            at += 3;
            continue;
        }
        if !plain(byte, extra) {
            return false;
        }
        at += 1;
    }
    true
}

/// Whether `byte` may appear as itself: unreserved, a sub-delimiter, `:`,
/// `@`, or one of `extra`.
fn plain(byte: u8, extra: &[u8]) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte) || extra.contains(&byte)
}

/// The body, base64-decoded when the event says it is encoded.
pub(super) fn body(body: Option<String>, base64: bool) -> Result<Bytes, ApiError> {
    let Some(body) = body else {
        return Ok(Bytes::new());
    };
    if !base64 {
        return Ok(Bytes::from(body));
    }
    base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map(Bytes::from)
        .map_err(|_| ApiError::bad_request("the request body is marked base64-encoded but is not base64"))
}

/// A `sourceIp`, if it is an address.
pub(super) fn ip(source: Option<&str>) -> Option<IpAddr> {
    source.and_then(|text| text.parse().ok())
}

/// Text bodies stay text; anything else is sent base64-encoded.
pub(super) fn lambda_body(content_type: Option<&HeaderValue>, body: &Bytes) -> (String, bool) {
    let textual = content_type
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/") || ct.starts_with("application/json") || ct.contains("+json"));
    match (textual, std::str::from_utf8(body)) {
        (true, Ok(text)) => (text.to_owned(), false),
        _ if body.is_empty() => (String::new(), false),
        _ => (base64::engine::general_purpose::STANDARD.encode(body), true),
    }
}
