//! Checks across a route set: duplicates, conflicting parameters, the quota.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use route_framework::auth::NoAuthenticator;
use route_framework::checks::{self, MAX_ROUTES};
use route_framework::dispatch::Dispatcher;
use route_framework::method::Method;
use route_framework::registry::Auth;
use route_framework::testing::{synthetic_route, synthetic_routes};

#[test]
fn duplicate_route_keys_are_rejected() {
    let routes = vec![
        synthetic_route(Method::GET, "/goals", Auth::Public),
        synthetic_route(Method::GET, "/goals", Auth::Public),
    ];
    let err = checks::validate(&routes).unwrap_err();
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
    let err = checks::validate(&routes).unwrap_err();
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
    assert!(Dispatcher::new(routes, NoAuthenticator, ()).is_err());
}

#[test]
fn static_and_parameter_siblings_may_coexist() {
    let routes = vec![
        synthetic_route(Method::GET, "/users/me", Auth::Public),
        synthetic_route(Method::GET, "/users/{userId}", Auth::Public),
        synthetic_route(Method::GET, "/users/{userId}/profile", Auth::Public),
    ];
    checks::validate(&routes).unwrap();
}

#[test]
fn more_routes_than_the_api_gateway_quota_are_rejected() {
    checks::validate(&synthetic_routes(MAX_ROUTES)).unwrap();
    let err = checks::validate(&synthetic_routes(MAX_ROUTES + 1)).unwrap_err();
    assert!(err.problems.iter().any(|p| p.contains("quota of 300")), "{err}");
    // The dispatcher itself serves any size, for tests and benchmarks.
    Dispatcher::new(synthetic_routes(1000), NoAuthenticator, ()).unwrap();
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut routes = synthetic_routes(MAX_ROUTES + 1);
    routes.push(synthetic_route(Method::GET, "/x/{a}", Auth::Public));
    routes.push(synthetic_route(Method::GET, "/x/{b}/y", Auth::Public));
    routes.push(synthetic_route(Method::GET, "/x/{a}", Auth::Public));
    let err = checks::validate(&routes).unwrap_err();
    assert_eq!(err.problems.len(), 3, "{err}");
}
