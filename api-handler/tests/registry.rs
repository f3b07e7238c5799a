//! The app's link-time registry: complete, deployable, secure by default.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use route_framework::checks;
use route_framework::registry::Auth;

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
    if let Err(err) = checks::validate(&routes) {
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
