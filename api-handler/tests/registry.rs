//! The link-time registry: complete, valid, and its checks catch bad route sets.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use api_handler::framework::app::App;
use api_handler::framework::auth::NoAuthenticator;
use api_handler::framework::dispatch::Dispatcher;
use api_handler::framework::registry::{self, MAX_ROUTES};
use api_handler::framework::route::{Auth, Method};
use api_handler::framework::testing::{TempDir, embedded_app, synthetic_route, synthetic_routes};

fn app(dir: &TempDir) -> App {
    embedded_app(dir.path(), NoAuthenticator)
}

/// Route keys of every `#[route("…")]` attribute in `dir`, recursively.
fn annotated_route_keys(dir: &Path, keys: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            annotated_route_keys(&path, keys);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
                if let Some(rest) = line.strip_prefix("#[route(\"") {
                    let key = rest.split('"').next().unwrap();
                    assert!(
                        keys.insert(key.to_owned()),
                        "{key} is annotated twice ({})",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn the_registry_holds_exactly_the_routes_annotated_in_src() {
    let mut annotated = BTreeSet::new();
    annotated_route_keys(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut annotated);
    assert!(
        annotated.contains("GET /health"),
        "the scan found no health route: {annotated:?}"
    );
    let registered: BTreeSet<String> = api_handler::routes().iter().map(|r| r.route_key.to_owned()).collect();
    assert_eq!(
        registered, annotated,
        "the linked registry and the #[route] attributes in src/ differ: a handler was dropped by the linker or a file is not compiled"
    );
}

#[test]
fn the_registry_is_deployable() {
    let routes = api_handler::routes();
    if let Err(err) = registry::validate(&routes) {
        panic!("{err}");
    }
    for route in &routes {
        assert!(!route.summary.is_empty(), "{} has no doc comment", route.route_key);
        assert!(
            route.file.starts_with("api-handler/src/routes/"),
            "{} is defined in {}",
            route.route_key,
            route.file
        );
    }
}

#[test]
fn health_is_public_and_everything_else_requires_auth_unless_marked() {
    let health = api_handler::routes()
        .into_iter()
        .find(|r| r.route_key == "GET /health")
        .unwrap();
    assert_eq!(health.auth, Auth::Public);
    assert_eq!(health.params, &[] as &[&str]);
    assert_eq!(health.handler_name, "health");
    assert_eq!(health.module_path, "api_handler::routes::health");
}

#[test]
fn duplicate_route_keys_are_rejected() {
    let routes = vec![
        synthetic_route(Method::GET, "/goals", Auth::Public),
        synthetic_route(Method::GET, "/goals", Auth::Public),
    ];
    let err = registry::validate(&routes).unwrap_err();
    assert!(
        err.problems.iter().any(|p| p.contains("duplicate route `GET /goals`")),
        "{err}"
    );
}

#[test]
fn sibling_parameters_with_different_names_conflict() {
    let routes = vec![
        synthetic_route(Method::GET, "/goals/{id}", Auth::Public),
        synthetic_route(Method::DELETE, "/goals/{goalId}", Auth::Public),
        synthetic_route(Method::GET, "/goals/{goalId}/progress", Auth::Public),
        synthetic_route(Method::GET, "/users/{userId}/profile", Auth::Public),
    ];
    let err = registry::validate(&routes).unwrap_err();
    assert!(
        err.problems
            .iter()
            .all(|p| p.contains("conflicting path parameters under `/goals/`")),
        "{err}"
    );
    assert!(
        err.problems
            .iter()
            .any(|p| p.contains("{id}") && p.contains("{goalId}")),
        "{err}"
    );
    let dir = TempDir::new();
    assert!(Dispatcher::new(routes, app(&dir)).is_err());
}

#[test]
fn static_and_parameter_siblings_may_coexist() {
    let routes = vec![
        synthetic_route(Method::GET, "/users/me", Auth::Public),
        synthetic_route(Method::GET, "/users/{userId}", Auth::Public),
        synthetic_route(Method::GET, "/users/{userId}/profile", Auth::Public),
    ];
    registry::validate(&routes).unwrap();
}

#[test]
fn more_routes_than_the_api_gateway_quota_are_rejected() {
    registry::validate(&synthetic_routes(MAX_ROUTES)).unwrap();
    let err = registry::validate(&synthetic_routes(MAX_ROUTES + 1)).unwrap_err();
    assert!(err.problems.iter().any(|p| p.contains("quota of 300")), "{err}");
    // The dispatcher itself serves any size, for tests and benchmarks.
    let dir = TempDir::new();
    Dispatcher::new(synthetic_routes(1000), app(&dir)).unwrap();
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut routes = synthetic_routes(MAX_ROUTES + 1);
    routes.push(synthetic_route(Method::GET, "/x/{a}", Auth::Public));
    routes.push(synthetic_route(Method::GET, "/x/{b}/y", Auth::Public));
    routes.push(synthetic_route(Method::GET, "/x/{a}", Auth::Public));
    let err = registry::validate(&routes).unwrap_err();
    assert_eq!(err.problems.len(), 3, "{err}");
}
