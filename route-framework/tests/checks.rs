//! Checks across a route set: duplicates, conflicting parameters, the quota.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use route_framework::auth::NoAuthenticator;
use route_framework::checks::{self, MAX_ROUTES};
use route_framework::dispatch::Dispatcher;
use route_framework::event::EventDispatcher;
use route_framework::method::Method;
use route_framework::prelude::*;
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
    // The dispatcher checks the quota itself, unless AWS raised it.
    let err = Dispatcher::new(synthetic_routes(MAX_ROUTES + 1), NoAuthenticator, ())
        .err()
        .unwrap();
    assert!(err.problems.iter().any(|p| p.contains("quota of 300")), "{err}");
    Dispatcher::with_route_quota(synthetic_routes(1000), NoAuthenticator, (), 1000).unwrap();
}

/// The state this test binary's handler and tasks read.
#[derive(Clone)]
struct Counter(u32);

/// Read the counter.
#[route("GET /counter", public)]
async fn counter(State(Counter(n)): State<Counter>) -> Json<u32> {
    Json(n)
}

/// Count a thing.
#[on_event("thing.counted")]
async fn count(State(_counter): State<Counter>) {}

/// Count every minute.
#[schedule("rate(1 minute)")]
async fn tick(State(_counter): State<Counter>) {}

#[test]
fn a_dispatcher_built_with_another_state_type_does_not_start() {
    let routes: Vec<_> = route_framework::routes()
        .into_iter()
        .filter(|route| route.path == "/counter")
        .collect();
    let err = Dispatcher::new(routes.clone(), NoAuthenticator, ()).err().unwrap();
    assert_eq!(err.problems.len(), 1, "{err}");
    let problem = &err.problems[0];
    assert!(
        problem.contains("`counter` (route-framework/tests/checks.rs:")
            && problem.contains("takes the state `checks::Counter` but the dispatcher was built with `()`"),
        "{problem}"
    );
    Dispatcher::new(routes, NoAuthenticator, Counter(1)).unwrap();
}

#[test]
fn an_event_dispatcher_built_with_another_state_type_does_not_start() {
    let consumers = route_framework::consumers();
    let jobs = route_framework::jobs();
    let err = EventDispatcher::new(consumers.clone(), jobs.clone(), "not a counter")
        .err()
        .unwrap();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(
        err.problems[0].starts_with("`count` (route-framework/tests/checks.rs:"),
        "{err}"
    );
    assert!(
        err.problems[1].starts_with("`tick` (route-framework/tests/checks.rs:"),
        "{err}"
    );
    assert!(
        err.problems
            .iter()
            .all(|p| p.contains("takes the state `checks::Counter`")),
        "{err}"
    );
    EventDispatcher::new(consumers, jobs, Counter(1)).unwrap();
}

#[test]
fn two_arguments_reading_the_query_string_do_not_start() {
    use route_framework::extract::Query as Search;

    /// `?q=`.
    #[derive(Deserialize, JsonSchema, Validate)]
    struct Q {
        #[garde(skip)]
        #[allow(dead_code, reason = "read by no test: only the schema matters")]
        q: Option<String>,
    }

    /// Read the query twice, once under another name.
    #[route("GET /twice", public)]
    async fn twice(Query(_a): Query<Q>, Search(_b): Search<Q>) -> NoContent {
        NoContent
    }

    let routes: Vec<_> = route_framework::routes()
        .into_iter()
        .filter(|route| route.path == "/twice")
        .collect();
    let err = Dispatcher::new(routes, NoAuthenticator, ()).err().unwrap();
    assert!(
        err.problems[0].contains("`twice`") && err.problems[0].contains("two arguments read the query string"),
        "{err}"
    );
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
