//! The OpenAPI 3.1 document of a route set.
//!
//! Paths, methods, summaries, authentication and path parameters come from
//! the [`Route`] records; query parameters, request and response bodies from
//! the JSON schemas `#[route]` captured (with the validation rules their types
//! declare); the error responses from the error contract and what each route
//! can answer (auth, body checks, path lookups).

use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use serde_json::{Map, Value, json};

use crate::registry::{Auth, Route};
use crate::signature::Signature;

/// The document's `info` block.
#[derive(Debug, Clone, Copy)]
pub struct ApiInfo<'a> {
    /// The API's title.
    pub title: &'a str,
    /// The API's version.
    pub version: &'a str,
    /// What generated the document, or anything else worth saying.
    pub description: &'a str,
}

/// The error contract, shared by every error response.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": { "error": {
            "type": "object",
            "required": ["code", "message", "requestId"],
            "properties": {
                "code": { "type": "string", "examples": ["validation_failed"] },
                "message": { "type": "string" },
                "requestId": { "type": "string" },
                "details": { "type": "array", "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "field": { "type": "string", "description": "JSON pointer into the body, or a query parameter" },
                        "message": { "type": "string" }
                    }
                }}
            }
        }}
    })
}

/// An error response in the error contract.
fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

/// An error response that carries a header (`Allow`, `Retry-After`, `WWW-Authenticate`).
fn error_response_with_header(description: &str, header: &str, header_description: &str) -> Value {
    let mut response = error_response(description);
    response["headers"] = json!({ header: { "description": header_description, "schema": { "type": "string" } } });
    response
}

/// The query parameters described by a `Query<T>` schema: one per property.
fn query_parameters(schema: &Value, definitions: &Map<String, Value>) -> Vec<Value> {
    let schema = resolve(schema, definitions);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let mut property = without_null(property.clone());
            let description = property
                .as_object_mut()
                .and_then(|p| p.remove("description"))
                .unwrap_or(Value::Null);
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": property,
            });
            if !description.is_null() {
                parameter["description"] = description;
            }
            parameter
        })
        .collect()
}

/// A query parameter's schema without the `null` an `Option` adds: a query
/// string has no null, an absent parameter is the `None`. `["T", "null"]`
/// becomes `"T"`, `anyOf: [S, {"type": "null"}]` becomes `S`.
fn without_null(mut schema: Value) -> Value {
    if let Some(types) = schema.get_mut("type").and_then(Value::as_array_mut) {
        types.retain(|kind| kind != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            schema["type"] = only;
        }
        return schema;
    }
    let is_null = |option: &Value| option.get("type").is_some_and(|kind| kind == "null");
    if let Some(options) = schema.get_mut("anyOf").and_then(Value::as_array_mut)
        && options.iter().any(is_null)
    {
        options.retain(|option| !is_null(option));
        if let [only] = options.as_slice() {
            let only = only.clone();
            if let Some(object) = schema.as_object_mut() {
                object.remove("anyOf");
                if let Value::Object(only) = only {
                    object.extend(only);
                }
            }
        }
    }
    schema
}

/// Follows a `$ref` into `#/components/schemas`.
fn resolve<'a>(schema: &'a Value, definitions: &'a Map<String, Value>) -> &'a Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => definitions.get(name).unwrap_or(schema),
        None => schema,
    }
}

/// The OpenAPI document of `routes`, in path-then-method order.
///
/// ```standalone_crate
/// use route_framework::openapi::{ApiInfo, document};
/// use route_framework::prelude::*;
///
/// #[derive(Deserialize, JsonSchema, Validate)]
/// struct NewGoal {
///     #[garde(length(chars, min = 1, max = 200))]
///     title: String,
/// }
///
/// /// Create a goal.
/// #[route("POST /goals", scopes = ["goals.write"])]
/// async fn create_goal(_user: User, Json(goal): Json<NewGoal>) -> Created<String> {
///     Created::new("/goals/g1", goal.title)
/// }
///
/// let info = ApiInfo { title: "Goals", version: "1.0.0", description: "An example" };
/// let doc = document(&route_framework::routes(), info);
/// let operation = &doc["paths"]["/goals"]["post"];
/// assert_eq!(operation["summary"], "Create a goal.");
/// assert_eq!(operation["security"][0]["bearer"][0], "goals.write");
/// assert!(operation["responses"]["201"].is_object());
/// // The `garde` rule, stated in the schema clients read.
/// assert_eq!(doc["components"]["schemas"]["NewGoal"]["properties"]["title"]["maxLength"], 200);
/// ```
pub fn document(routes: &[&'static Route], info: ApiInfo<'_>) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    let mut generator = settings.with_transform(DropNullDefaults).into_generator();

    let mut sorted = routes.to_vec();
    sorted.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));
    // Query schemas are inlined as parameters once every definition is known.
    let mut pending_queries = Vec::new();
    let mut paths = Map::new();
    for route in sorted {
        let mut operation = Map::new();
        operation.insert("operationId".into(), json!(route.handler_name));
        operation.insert("summary".into(), json!(route.summary));
        let signature = route.signature();
        let mut parameters: Vec<Value> = route
            .params
            .iter()
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        parameters.extend(signature.headers().iter().map(|header| {
            json!({
                "name": header.name,
                "in": "header",
                "required": false,
                "description": header.description,
                "schema": (header.schema)(&mut generator),
            })
        }));
        operation.insert("parameters".into(), Value::Array(parameters));
        if let Some(schema_fn) = signature.query() {
            let schema: Value = schema_fn(&mut generator).into();
            pending_queries.push((route.path, route.method.as_str().to_ascii_lowercase(), schema));
        }
        let security = match route.auth {
            Auth::Public => json!([]),
            Auth::Required { scopes } => json!([{ "bearer": scopes }]),
        };
        operation.insert("security".into(), security);
        if let Some(schema_fn) = signature.body() {
            let schema = schema_fn(&mut generator);
            operation.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { "application/json": { "schema": schema } } }),
            );
        }
        let mut success = Map::new();
        success.insert("description".into(), json!("Success"));
        if let Some(schema_fn) = route.response.schema {
            let schema = schema_fn(&mut generator);
            success.insert("content".into(), json!({ "application/json": { "schema": schema } }));
        }
        let mut headers = Map::new();
        if route.response.location {
            headers.insert(
                "Location".into(),
                json!({ "description": "The URL of what was created", "required": true, "schema": { "type": "string" } }),
            );
        }
        if route.response.etag {
            headers.insert(
                "ETag".into(),
                json!({
                    "description": "The version of the resource answered, for `If-Match` (a quoted string)",
                    "required": true,
                    "schema": { "type": "string" }
                }),
            );
        }
        if !headers.is_empty() {
            success.insert("headers".into(), Value::Object(headers));
        }
        operation.insert("responses".into(), Value::Object(responses(route, &signature, success)));

        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(route.method.as_str().to_ascii_lowercase(), Value::Object(operation));
        }
    }

    let mut schemas = generator.take_definitions(true);
    for (path, method, schema) in pending_queries {
        let parameters = query_parameters(&schema, &schemas);
        if let Some(Value::Array(list)) = paths
            .get_mut(path)
            .and_then(|item| item.get_mut(&method))
            .and_then(|operation| operation.get_mut("parameters"))
        {
            list.extend(parameters);
        }
    }
    schemas.insert("Error".into(), error_schema());
    json!({
        "openapi": "3.1.0",
        "info": { "title": info.title, "version": info.version, "description": info.description },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } }
        }
    })
}

/// Removes `"default": null`, which schemars writes for every
/// `#[serde(default)]` option: it says nothing a client can use (an absent
/// optional field is already absent), contradicts a schema that does not
/// allow `null`, and makes client generators that trust defaults (such as
/// openapi-typescript) type the optional field as required.
#[derive(Debug, Clone, Copy)]
struct DropNullDefaults;

impl Transform for DropNullDefaults {
    fn transform(&mut self, schema: &mut Schema) {
        if schema.get("default").is_some_and(Value::is_null) {
            schema.remove("default");
        }
        transform_subschemas(self, schema);
    }
}

/// The responses of one route: its success and every error it can answer.
fn responses(route: &Route, signature: &Signature, success: Map<String, Value>) -> Map<String, Value> {
    let mut responses = Map::new();
    responses.insert(route.response.status.to_string(), Value::Object(success));
    let has_params = !route.params.is_empty();
    let reads_input =
        signature.body().is_some() || signature.query().is_some() || !signature.headers().is_empty() || has_params;
    if reads_input {
        responses.insert(
            "400".into(),
            error_response("Malformed request: bad JSON, path or query"),
        );
    }
    if let Auth::Required { scopes } = route.auth {
        responses.insert(
            "401".into(),
            error_response_with_header(
                "Missing, invalid or expired bearer token",
                "WWW-Authenticate",
                "`Bearer`",
            ),
        );
        if !scopes.is_empty() {
            responses.insert("403".into(), error_response("The token lacks a required scope"));
        }
    }
    responses.insert(
        "405".into(),
        error_response_with_header(
            "Method not allowed on this path",
            "Allow",
            "The methods this path accepts",
        ),
    );
    if signature.body().is_some() {
        responses.insert("413".into(), error_response("The body exceeds the size limit"));
        responses.insert("415".into(), error_response("The body is not `application/json`"));
    }
    if signature.body().is_some() || signature.query().is_some() {
        responses.insert("422".into(), error_response("A value breaks the documented rules"));
    }
    responses.insert("500".into(), error_response("Internal error; details are in the logs"));
    responses.insert(
        "503".into(),
        error_response_with_header("A dependency is unavailable", "Retry-After", "Seconds to wait"),
    );
    responses.insert(
        "default".into(),
        error_response("Any other error (404, 409, 412, …), in the error contract"),
    );
    responses
}
