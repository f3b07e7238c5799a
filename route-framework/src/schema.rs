//! What the OpenAPI export needs from each route: JSON schemas of the
//! request body and of the success response, collected at compile time.

pub use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::error::ApiError;
use crate::extract::Json;
use crate::response::{Accepted, Created, NoContent, RenderedJson, Response, WithEtag};
pub use crate::signature::{SchemaFn, schema_of};

/// A route's success response, as documentation.
#[derive(Debug, Clone, Copy)]
pub struct ResponseDoc {
    /// The success status code.
    pub status: u16,
    /// The JSON body's schema; `None` for no body or an undocumented one.
    pub schema: Option<SchemaFn>,
    /// Whether it carries `Location`, the URL of what it created.
    pub location: bool,
    /// Whether it carries `ETag`, the version `If-Match` names.
    pub etag: bool,
}

/// Describes the success response of a handler's return type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a route handler",
    note = "return `Json<T>`, `Created<T>`, `Accepted<T>`, `NoContent`, `RenderedJson<T>`, `WithEtag<_>`, `Response` or `Result<_, ApiError>` of those"
)]
pub trait DescribeResponse {
    /// The documentation.
    const DOC: ResponseDoc;
}

impl<T: JsonSchema> DescribeResponse for Json<T> {
    const DOC: ResponseDoc = ResponseDoc {
        status: 200,
        schema: Some(schema_of::<T>),
        location: false,
        etag: false,
    };
}

impl<T: JsonSchema> DescribeResponse for RenderedJson<T> {
    const DOC: ResponseDoc = <Json<T> as DescribeResponse>::DOC;
}

impl<T: JsonSchema> DescribeResponse for Accepted<T> {
    const DOC: ResponseDoc = ResponseDoc {
        status: 202,
        schema: Some(schema_of::<T>),
        location: false,
        etag: false,
    };
}

impl<T: JsonSchema> DescribeResponse for Created<T> {
    const DOC: ResponseDoc = ResponseDoc {
        status: 201,
        schema: Some(schema_of::<T>),
        location: true,
        etag: false,
    };
}

impl DescribeResponse for NoContent {
    const DOC: ResponseDoc = ResponseDoc {
        status: 204,
        schema: None,
        location: false,
        etag: false,
    };
}

/// A hand-built response: 200 with an undocumented body.
impl DescribeResponse for Response {
    const DOC: ResponseDoc = ResponseDoc {
        status: 200,
        schema: None,
        location: false,
        etag: false,
    };
}

impl<R: DescribeResponse> DescribeResponse for WithEtag<R> {
    const DOC: ResponseDoc = ResponseDoc { etag: true, ..R::DOC };
}

impl<R: DescribeResponse> DescribeResponse for Result<R, ApiError> {
    const DOC: ResponseDoc = R::DOC;
}
