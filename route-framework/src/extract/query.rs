//! `Query<T>`: the query string, deserialised.

use serde_json::{Map, Value};

use super::FromRequestParts;
use crate::error::{ApiError, FieldError};
use crate::request::RequestParts;
use crate::schema::{JsonSchema, schema_of};
use crate::signature::Signature;
use crate::validation::{self, Validate};

/// The query string deserialised into `T` (usually a struct of optional fields).
///
/// A malformed or missing parameter is a 422 whose `field` names the
/// parameter; so is each rule `T` declares with `garde` that a value breaks.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// #[derive(Deserialize, JsonSchema, Validate)]
/// struct Page {
///     #[garde(range(min = 1, max = 100))]
///     limit: Option<u32>,
/// }
///
/// /// List items.
/// #[route("GET /items", public)]
/// async fn list(Query(page): Query<Page>) -> Json<u32> {
///     Json(page.limit.unwrap_or(20))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let client = TestClient::new(Arc::new(dispatcher));
///
/// assert_eq!(client.get("/items").send().await.json(), 20);
/// assert_eq!(client.get("/items?limit=5").send().await.json(), 5);
/// let response = client.get("/items?limit=500").send().await;
/// assert_eq!(response.status, 422);
/// assert_eq!(response.json()["error"]["details"][0]["field"], "limit");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T> FromRequestParts for Query<T>
where
    T: serde::de::DeserializeOwned + Validate + JsonSchema,
    T::Context: Default,
{
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        let query = parts.uri().query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let parsed: T = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let field = match err.path().to_string().as_str() {
                "." => "query".to_owned(),
                name => name.to_owned(),
            };
            ApiError::validation(vec![FieldError::new(field, err.inner().to_string())])
        })?;
        let sent: Map<String, Value> = form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| (name.into_owned(), Value::Null))
            .collect();
        validation::validate(&parsed, &Value::Object(sent), false)?;
        Ok(Query(parsed))
    }

    fn describe(signature: &mut Signature) {
        signature.read_query(schema_of::<T>);
    }
}
