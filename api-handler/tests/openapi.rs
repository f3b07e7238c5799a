//! The app's OpenAPI document: every route, with its bodies, query and auth.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use route_framework::method::Method;
use route_framework::registry::Auth;
use serde_json::json;

#[test]
fn every_route_is_documented_with_its_bodies_and_auth() {
    let routes = api_handler::routes();
    let doc = api_handler::openapi::document();
    for route in &routes {
        let operation = &doc["paths"][route.path][route.method.as_str().to_ascii_lowercase()];
        assert!(operation.is_object(), "{} is missing", route.route_key);
        assert!(!route.summary.is_empty(), "{} has no doc comment", route.route_key);
        let status = route.response.status.to_string();
        let success = &operation["responses"][&status];
        if route.response.status != 204 {
            assert!(
                !success["content"]["application/json"]["schema"].is_null(),
                "{} documents no response body: return a typed response (Json<T>, Created<T>, WithEtag<_>)",
                route.route_key
            );
        }
        // A body is documented exactly when the handler reads one; the
        // other methods never take one.
        assert_eq!(
            operation["requestBody"].is_object(),
            route.signature().body().is_some(),
            "{}: the documented request body and the handler's disagree",
            route.route_key
        );
        if route.signature().body().is_some() {
            // DELETE /users/{userId} re-authenticates with the password in its body.
            assert!(
                matches!(route.method, Method::POST | Method::PUT | Method::PATCH)
                    || route.route_key == "DELETE /users/{userId}",
                "{} reads a body on a method that has none",
                route.route_key
            );
        }
        let public = route.auth == Auth::Public;
        assert_eq!(operation["security"] == json!([]), public, "{}", route.route_key);
        assert_eq!(!operation["responses"]["401"].is_null(), !public, "{}", route.route_key);
    }
    // Every schema reference resolves.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref to {name}"
        );
    }
}

#[test]
fn query_parameters_are_documented_with_their_rules() {
    let doc = api_handler::openapi::document();
    let names = |path: &str| -> Vec<String> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("/goals"), ["cursor", "limit", "status"]);
    assert_eq!(names("/goals/{goalId}/progress"), ["cursor", "from", "limit", "to"]);
    assert_eq!(names("/stats"), ["from", "to"]);
}

#[test]
fn the_conditional_and_idempotency_headers_are_documented_where_they_are_read() {
    let doc = api_handler::openapi::document();
    let header = |path: &str, method: &str| -> Vec<serde_json::Value> {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "header")
            .cloned()
            .collect()
    };
    let idempotency = header("/goals/{goalId}/progress", "post");
    assert_eq!(idempotency.len(), 1);
    assert_eq!(idempotency[0]["name"], "Idempotency-Key");
    assert_eq!(idempotency[0]["required"], false);
    assert_eq!(idempotency[0]["schema"]["maxLength"], 255);
    let condition = header("/goals/{goalId}", "patch");
    assert_eq!(condition.len(), 1);
    assert_eq!(condition[0]["name"], "If-Match");
    assert!(
        header("/goals", "post").is_empty(),
        "only the handlers that read a header document it"
    );
}
