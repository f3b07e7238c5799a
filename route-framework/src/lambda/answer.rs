//! What a Lambda invocation is answered with: an HTTP API 2.0 response
//! written as it is serialized, or any other JSON.

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::v2;

/// What an invocation is answered with; the runtime sends it back as JSON.
#[derive(Debug)]
pub struct Answer(AnswerKind);

/// An HTTP API 2.0 response, written as it is serialized, or any other JSON.
#[derive(Debug)]
enum AnswerKind {
    Http(v2::Response),
    Json(Value),
}

impl Answer {
    /// An HTTP API 2.0 response.
    pub(super) fn http(response: v2::Response) -> Answer {
        Answer(AnswerKind::Http(response))
    }

    /// Any other answer.
    pub(super) fn json(value: Value) -> Answer {
        Answer(AnswerKind::Json(value))
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            AnswerKind::Http(response) => response.serialize(serializer),
            AnswerKind::Json(value) => value.serialize(serializer),
        }
    }
}
