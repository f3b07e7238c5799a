//! Conditional requests: `If-Match` (RFC 9110 §13.1.1) against a resource's
//! entity tag.

use http::HeaderMap;
use route_framework::error::ApiError;
use route_framework::extract::FromRequestParts;
use route_framework::request::RequestParts;
use route_framework::signature::{HeaderParameter, Signature, schema_of};

/// What a request's `If-Match` header asks for; an extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match` header: the write is unconditional.
    Absent,
    /// `*`: any current representation.
    Any,
    /// A list of entity tags, as sent (`"3"`, `W/"3"`).
    Tags(Vec<String>),
    /// A header that is no list of entity tags: it matches nothing (412),
    /// which the use case answers once the body is known to be valid.
    Unmatchable,
}

impl IfMatch {
    /// The condition `headers` carry. A header that is not a list of entity
    /// tags cannot match.
    pub fn from_headers(headers: &HeaderMap) -> IfMatch {
        let mut tags = Vec::new();
        let mut any = false;
        for value in headers.get_all(http::header::IF_MATCH) {
            let parsed = value.to_str().ok().and_then(|text| match text.trim() {
                "*" => Some(Vec::new()),
                text => entity_tags(text),
            });
            match parsed {
                None => return IfMatch::Unmatchable,
                Some(found) if found.is_empty() => any = true,
                Some(found) => tags.extend(found),
            }
        }
        match (any, tags.is_empty()) {
            (true, _) => IfMatch::Any,
            (false, false) => IfMatch::Tags(tags),
            (false, true) => IfMatch::Absent,
        }
    }

    /// Whether a resource whose strong entity tag is `etag` (such as `"3"`)
    /// satisfies the condition. `If-Match` compares strongly: a weak tag
    /// (`W/"3"`) never matches.
    pub fn matches(&self, etag: &str) -> bool {
        match self {
            IfMatch::Absent | IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|tag| tag == etag),
            IfMatch::Unmatchable => false,
        }
    }

    /// Whether the condition names entity tags: then a change between the
    /// read and the write is the client's conflict, not ours to retry.
    pub fn is_exact(&self) -> bool {
        matches!(self, IfMatch::Tags(_) | IfMatch::Unmatchable)
    }
}

impl FromRequestParts for IfMatch {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        Ok(IfMatch::from_headers(parts.headers()))
    }

    fn describe(signature: &mut Signature) {
        signature.read_header(HeaderParameter {
            name: "If-Match",
            description: "The ETag the change is based on (RFC 9110): if the resource has changed since, \
                          the answer is 412 and nothing is written; `*` or no header applies the change \
                          to the current version.",
            schema: schema_of::<String>,
        });
    }
}

/// The entity tags of a comma-separated list; `None` if it is not one.
fn entity_tags(text: &str) -> Option<Vec<String>> {
    let mut tags = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (weak, quoted) = match rest.strip_prefix("W/") {
            Some(after) => ("W/", after),
            None => ("", rest),
        };
        let inner = quoted.strip_prefix('"')?;
        let end = inner.find('"')?;
        tags.push(format!("{weak}\"{}\"", &inner[..end]));
        rest = inner[end + 1..].trim_start();
        rest = match rest.strip_prefix(',') {
            Some(after) => after.trim_start(),
            None if rest.is_empty() => rest,
            None => return None,
        };
    }
    (!tags.is_empty()).then_some(tags)
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::{IfMatch, entity_tags};

    fn condition(values: &[&str]) -> IfMatch {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(http::header::IF_MATCH, value.parse().unwrap());
        }
        IfMatch::from_headers(&headers)
    }

    #[test]
    fn lists_and_star_follow_rfc_9110() {
        assert!(condition(&["\"bogus\", \"3\""]).matches("\"3\""));
        assert!(condition(&["\"1\"", "\"3\""]).matches("\"3\""));
        assert!(!condition(&["\"1\", \"2\""]).matches("\"3\""));
        assert!(!condition(&["W/\"3\""]).matches("\"3\""), "weak tags never match");
        assert!(condition(&["*"]).matches("\"3\""));
        assert_eq!(condition(&[]), IfMatch::Absent);
        assert!(condition(&["\"3\""]).is_exact() && !condition(&["*"]).is_exact());
        assert_eq!(condition(&["3"]), IfMatch::Unmatchable, "not an entity tag");
        assert!(!condition(&["\"3\"", "nope"]).matches("\"3\""));
    }

    #[test]
    fn anything_else_cannot_match() {
        for bad in ["3", "\"3", "\"3\" \"4\"", ",", "\"3\",,"] {
            assert_eq!(entity_tags(bad), None, "{bad}");
        }
        assert_eq!(entity_tags("\"a,b\""), Some(vec!["\"a,b\"".to_owned()]));
    }
}
