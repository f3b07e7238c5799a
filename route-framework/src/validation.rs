//! Checking request bodies and queries, reported in the error contract:
//! every problem at once, each located by a JSON pointer (or a query
//! parameter's name) in the client's own field names.
//!
//! A body is checked first against its type's JSON schema, the one the
//! OpenAPI document publishes (compiled once per type), then against the
//! rules the type declares with `garde`, which include those no schema can
//! state.
//!
//! garde names fields as Rust does (`time_zone`); the wire may rename them
//! (`timeZone`). A field is matched to the key the client actually sent:
//! the Rust name itself, else its camelCase form.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

pub use garde::Validate;
use jsonschema::error::ValidationErrorKind;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// A body or query type that declares no rules of its own, such as a
/// free-form `serde_json::Value`: `Json<NoRules<Value>>`. Its schema and
/// deserialisation are `T`'s.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
/// use serde_json::{Value, json};
///
/// /// Store any settings object.
/// #[route("PUT /settings", public)]
/// async fn settings(Json(NoRules(settings)): Json<NoRules<Value>>) -> Json<Value> {
///     Json(settings)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let client = TestClient::new(Arc::new(dispatcher));
/// let settings = json!({ "theme": "dark", "sizes": [1, 2] });
/// assert_eq!(client.put("/settings").json(&settings).send().await.json(), settings);
/// // Still JSON, though: a malformed body is a 400.
/// let malformed = client.put("/settings").header("content-type", "application/json").body("{");
/// assert_eq!(malformed.send().await.status, 400);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct NoRules<T>(pub T);

impl<T> Validate for NoRules<T> {
    type Context = ();

    fn validate_into(&self, _: &(), _: &mut dyn FnMut() -> garde::Path, _: &mut garde::Report) {}
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for NoRules<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Validates `value`, turning every failure into a [`FieldError`] located in `sent`.
pub(crate) fn validate<T>(value: &T, sent: &Value, pointer: bool) -> Result<(), ApiError>
where
    T: Validate,
    T::Context: Default,
{
    let Err(report) = value.validate() else {
        return Ok(());
    };
    let problems = report
        .iter()
        .map(|(path, error)| (locate(&path.to_string(), sent, pointer), error.message().to_owned()));
    Err(ApiError::validation(per_field(problems)))
}

/// The most fields one 422 lists; a body with more problems gets the first ones.
pub const MAX_DETAILS: usize = 50;

/// One entry per field, its problems joined, in the order they were found;
/// at most [`MAX_DETAILS`] fields.
fn per_field(problems: impl IntoIterator<Item = (String, String)>) -> Vec<FieldError> {
    let mut details: Vec<FieldError> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (field, message) in problems {
        match index.get(&field) {
            Some(&at) => {
                let detail = &mut details[at];
                detail.message.push_str("; ");
                detail.message.push_str(&message);
            }
            None if details.len() < MAX_DETAILS => {
                index.insert(field.clone(), details.len());
                details.push(FieldError::new(field, message));
            }
            None => {}
        }
    }
    details
}

/// Checks `value` against the JSON schema of `T` (the one the OpenAPI
/// document publishes, formats included): every misfit at once, as one 422.
/// A schema that cannot be compiled is logged once and skipped (the
/// deserialiser and `garde` still check the body).
///
/// Messages never quote the value: a misfit password stays out of the answer.
pub(crate) fn check_schema<T: JsonSchema + 'static>(value: &Value) -> Result<(), ApiError> {
    let Some(validator) = validator::<T>() else {
        return Ok(());
    };
    if validator.is_valid(value) {
        return Ok(());
    }
    let mut problems = Vec::new();
    for error in validator.iter_errors(value) {
        let at = error.instance_path().as_str().to_owned();
        match error.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                problems.push((format!("{at}/{}", escape(name)), "is required".to_owned()));
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    problems.push((format!("{at}/{}", escape(name)), "is not a known field".to_owned()));
                }
            }
            _ => problems.push((at, error.masked().to_string())),
        }
    }
    Err(ApiError::validation(per_field(problems)))
}

/// One JSON pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The compiled validator of `T`'s schema, built once per type.
fn validator<T: JsonSchema + 'static>() -> Option<Arc<jsonschema::Validator>> {
    static VALIDATORS: OnceLock<Mutex<HashMap<TypeId, Option<Arc<jsonschema::Validator>>>>> = OnceLock::new();
    let validators = VALIDATORS.get_or_init(Mutex::default);
    let mut validators = validators.lock().unwrap_or_else(PoisonError::into_inner);
    validators
        .entry(TypeId::of::<T>())
        .or_insert_with(|| {
            let mut settings = SchemaSettings::draft2020_12();
            settings.meta_schema = None;
            let schema = settings.into_generator().into_root_schema_for::<T>();
            match jsonschema::options()
                .should_validate_formats(true)
                .build(schema.as_value())
            {
                Ok(validator) => Some(Arc::new(validator)),
                Err(err) => {
                    tracing::error!(schema = %T::schema_name(), error = %err, "a request schema does not compile");
                    None
                }
            }
        })
        .clone()
}

/// The client's name for a garde path such as `target.unit` or `items[0].name`:
/// a JSON pointer (`/target/unit`) or, for a query, the parameter name.
fn locate(path: &str, sent: &Value, pointer: bool) -> String {
    let mut out = String::new();
    let mut current = Some(sent);
    for segment in segments(path) {
        let token = match segment {
            Segment::Index(index) => {
                current = current.and_then(|value| value.get(index));
                index.to_string()
            }
            Segment::Key(key) => {
                let camel = camel_case(key);
                let name = match current {
                    Some(Value::Object(map)) if !map.contains_key(key) && map.contains_key(&camel) => camel,
                    Some(Value::Object(map)) if map.contains_key(key) => key.to_owned(),
                    _ => camel,
                };
                current = current.and_then(|value| value.get(&name));
                name
            }
        };
        if pointer {
            out.push('/');
            out.push_str(&token.replace('~', "~0").replace('/', "~1"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

/// One step of a garde path.
#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `a.b[2].c` into keys and indexes.
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|part| !part.is_empty()) {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some((inner, after)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            match inner.parse() {
                Ok(index) => out.push(Segment::Index(index)),
                Err(_) => out.push(Segment::Key(inner)),
            }
            rest = after;
        }
        if !rest.is_empty() {
            out.push(Segment::Key(rest));
        }
    }
    out
}

/// `time_zone` → `timeZone`.
fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Segment, camel_case, locate, segments};

    #[test]
    fn garde_paths_split_into_keys_and_indexes() {
        assert_eq!(
            segments("items[0].due_date"),
            [Segment::Key("items"), Segment::Index(0), Segment::Key("due_date")]
        );
        assert_eq!(segments(""), []);
        assert_eq!(
            segments("m[a]]"),
            [Segment::Key("m"), Segment::Key("a"), Segment::Key("]")]
        );
    }

    #[test]
    fn fields_are_located_by_the_names_the_client_sent() {
        let sent = json!({ "dueDate": "x", "time_zone": "y", "items": [{ "fileName": "" }] });
        assert_eq!(locate("due_date", &sent, true), "/dueDate");
        assert_eq!(locate("time_zone", &sent, true), "/time_zone");
        assert_eq!(locate("items[0].file_name", &sent, true), "/items/0/fileName");
        assert_eq!(locate("due_date", &sent, false), "dueDate");
        assert_eq!(camel_case("a_b_c"), "aBC");
    }
}
