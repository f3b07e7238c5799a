//! The OpenAPI document of a route set: parameters with their rules, bodies,
//! auth and the error responses each operation can give.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use route_framework::openapi::{ApiInfo, document};
use route_framework::prelude::*;
use serde_json::Value;

/// `?q=&limit=`.
#[derive(Deserialize, JsonSchema, Validate)]
struct Search {
    /// What to look for.
    #[garde(length(chars, min = 1, max = 50))]
    q: String,
    /// Page size.
    #[garde(range(min = 1, max = 100))]
    limit: Option<u32>,
}

/// Search things.
#[route("GET /things", public)]
async fn search(Query(_search): Query<Search>) -> NoContent {
    NoContent
}

/// A new thing.
#[derive(Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
struct NewThing {
    #[garde(length(chars, min = 1, max = 20))]
    name: String,
    /// Optional, absent or `null`.
    #[garde(inner(length(chars, max = 100)))]
    #[serde(default)]
    note: Option<String>,
}

/// Create a thing in a box.
#[route("POST /boxes/{boxId}/things", scopes = ["things.write"])]
async fn create(Path(_id): Path<String>, Json(_thing): Json<NewThing>) -> NoContent {
    NoContent
}

/// `Json` under another name: what it reads is known by its trait, not its name.
mod renamed {
    use route_framework::extract::Json as Body;
    use route_framework::prelude::{NoContent, route};

    /// Create a thing through a renamed `Json`.
    #[route("POST /renamed", public)]
    async fn create_renamed(Body(_thing): Body<super::NewThing>) -> NoContent {
        NoContent
    }
}

/// An app's own body extractor that wraps `Json` and says what it reads.
struct Wrapped<T>(T);

impl<T> route_framework::extract::FromRequest for Wrapped<T>
where
    Json<T>: route_framework::extract::FromRequest,
{
    fn from_request(parts: &route_framework::request::RequestParts, body: bytes::Bytes) -> Result<Self, ApiError> {
        <Json<T> as route_framework::extract::FromRequest>::from_request(parts, body).map(|Json(value)| Wrapped(value))
    }

    fn describe(signature: &mut route_framework::signature::Signature) {
        <Json<T> as route_framework::extract::FromRequest>::describe(signature);
    }
}

/// Create a thing through a wrapping extractor.
#[route("POST /wrapped", public)]
async fn create_wrapped(Wrapped(_thing): Wrapped<NewThing>) -> NoContent {
    NoContent
}

/// An app's own header extractor, which documents the header it reads.
struct Tenant(Option<String>);

impl route_framework::extract::FromRequestParts for Tenant {
    fn from_request_parts(parts: &route_framework::request::RequestParts) -> Result<Self, ApiError> {
        let value = parts.headers().get("x-tenant").and_then(|value| value.to_str().ok());
        Ok(Tenant(value.map(str::to_owned)))
    }

    fn describe(signature: &mut route_framework::signature::Signature) {
        signature.read_header(route_framework::signature::HeaderParameter {
            name: "X-Tenant",
            description: "Whose data",
            schema: route_framework::signature::schema_of::<String>,
        });
    }
}

/// Read as a tenant.
#[route("GET /tenant", public)]
async fn tenant(Tenant(_tenant): Tenant) -> NoContent {
    NoContent
}

fn doc() -> Value {
    let info = ApiInfo {
        title: "t",
        version: "1",
        description: "d",
    };
    document(&route_framework::routes(), info)
}

#[test]
fn query_parameters_carry_their_rules() {
    let doc = doc();
    let parameters = doc["paths"]["/things"]["get"]["parameters"].as_array().unwrap();
    let q = parameters.iter().find(|p| p["name"] == "q").unwrap();
    assert_eq!((q["in"].as_str(), q["required"].as_bool()), (Some("query"), Some(true)));
    assert_eq!(
        (q["schema"]["minLength"].as_u64(), q["schema"]["maxLength"].as_u64()),
        (Some(1), Some(50))
    );
    assert_eq!(q["description"], "What to look for.");
    let limit = parameters.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(limit["required"], false);
    // An absent parameter is the `None`: a query string has no `null`.
    assert_eq!(limit["schema"]["type"], "integer");
    assert_eq!(
        (limit["schema"]["minimum"].as_u64(), limit["schema"]["maximum"].as_u64()),
        (Some(1), Some(100))
    );
}

#[test]
fn operations_list_the_errors_they_can_answer() {
    let doc = doc();
    let public = doc["paths"]["/things"]["get"]["responses"].as_object().unwrap();
    let codes = |responses: &serde_json::Map<String, Value>| -> Vec<String> { responses.keys().cloned().collect() };
    assert_eq!(codes(public), ["204", "400", "405", "422", "500", "503", "default"]);
    let protected = doc["paths"]["/boxes/{boxId}/things"]["post"]["responses"]
        .as_object()
        .unwrap();
    assert_eq!(
        codes(protected),
        [
            "204", "400", "401", "403", "405", "413", "415", "422", "500", "503", "default"
        ]
    );
    assert_eq!(
        protected["401"]["headers"]["WWW-Authenticate"]["schema"]["type"],
        "string"
    );
    let body = &doc["paths"]["/boxes/{boxId}/things"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/NewThing");
    assert_eq!(
        doc["components"]["schemas"]["NewThing"]["properties"]["name"]["maxLength"],
        20
    );
    assert_eq!(
        doc["paths"]["/boxes/{boxId}/things"]["post"]["security"],
        serde_json::json!([{ "bearer": ["things.write"] }])
    );
}

#[test]
fn a_renamed_or_wrapped_json_body_is_documented() {
    let doc = doc();
    for path in ["/renamed", "/wrapped"] {
        let operation = &doc["paths"][path]["post"];
        assert_eq!(
            operation["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/NewThing",
            "{path}: {operation}"
        );
        assert!(operation["responses"]["415"].is_object(), "{path}: {operation}");
    }
}

#[test]
fn a_header_an_extractor_reads_is_a_documented_parameter() {
    let doc = doc();
    let parameters = &doc["paths"]["/tenant"]["get"]["parameters"];
    assert_eq!(parameters[0]["name"], "X-Tenant");
    assert_eq!(parameters[0]["in"], "header");
    assert_eq!(parameters[0]["schema"]["type"], "string");
    assert!(
        doc["paths"]["/tenant"]["get"]["responses"]["400"].is_object(),
        "a header can be malformed"
    );
}

/// An optional field stays optional: no `"default": null`, which client
/// generators read as "always present".
#[test]
fn an_optional_field_has_no_null_default() {
    let doc = doc();
    let schema = &doc["components"]["schemas"]["NewThing"];
    assert_eq!(schema["required"], serde_json::json!(["name"]));
    let note = &schema["properties"]["note"];
    assert_eq!(note["type"], serde_json::json!(["string", "null"]));
    assert!(note.get("default").is_none(), "{note}");
}

/// A thing, versioned.
#[derive(Serialize, JsonSchema)]
struct Thing {
    name: String,
}

/// Read a thing with its version.
#[route("GET /things/{thingId}", public)]
async fn read_thing(Path(_id): Path<String>) -> WithEtag<Json<Thing>> {
    WithEtag::new(Json(Thing { name: "t".into() }), "\"1\"")
}

/// Make a thing.
#[route("POST /made", public)]
async fn make_thing() -> Created<Thing> {
    Created::new("/things/1", Thing { name: "t".into() })
}

/// The headers a success response carries are documented: `ETag` for
/// `If-Match`, `Location` of what was created.
#[test]
fn success_headers_are_documented() {
    let doc = doc();
    let read = &doc["paths"]["/things/{thingId}"]["get"]["responses"]["200"]["headers"];
    assert_eq!(read["ETag"]["schema"]["type"], "string", "{read}");
    assert!(read.get("Location").is_none());
    let made = &doc["paths"]["/made"]["post"]["responses"]["201"]["headers"];
    assert_eq!(made["Location"]["schema"]["type"], "string", "{made}");
    assert!(made.get("ETag").is_none());
    assert!(
        doc["paths"]["/things"]["get"]["responses"]["204"]
            .get("headers")
            .is_none()
    );
}
