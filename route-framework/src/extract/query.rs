//! `Query<T>`: the query string, deserialised.

use super::FromRequestParts;
use crate::error::{ApiError, FieldError};
use crate::request::RequestParts;

/// The query string deserialised into `T` (usually a struct of optional fields).
///
/// A malformed or missing parameter is a 422 whose `field` names the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequestParts for Query<T> {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        let query = parts.uri().query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|err| {
                let field = match err.path().to_string().as_str() {
                    "." => "query".to_owned(),
                    name => name.to_owned(),
                };
                ApiError::validation(vec![FieldError::new(field, err.inner().to_string())])
            })
    }
}
