//! Checks on the whole route set that no single `#[route]` can make.
//!
//! They run when a [`Dispatcher`](crate::dispatch::Dispatcher) is built (so at
//! start-up) and in the registry tests, so a bad combination fails CI before it
//! reaches API Gateway.

use std::collections::HashMap;
use std::fmt;

use crate::registry::{Consumer, Job, Route};
use crate::signature::{Signature, StateType};

/// API Gateway HTTP API's default quota of routes per API.
pub const MAX_ROUTES: usize = 300;

/// Every problem found in a route set, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// One human-readable line per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the route registry is invalid ({} problem(s)):", self.problems.len())?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryError {}

/// Where a route comes from, for error messages.
pub(crate) fn origin(route: &Route) -> String {
    format!("`{}` ({}:{})", route.handler_name, route.file, route.line)
}

/// Checks a deployable route set: [`validate_structure`] plus the API
/// Gateway quota of [`MAX_ROUTES`] routes.
pub fn validate(routes: &[&'static Route]) -> Result<(), RegistryError> {
    validate_with_quota(routes, MAX_ROUTES)
}

/// [`validate`] for an API whose quota of routes AWS has raised to `quota`.
pub fn validate_with_quota(routes: &[&'static Route], quota: usize) -> Result<(), RegistryError> {
    let mut problems = match validate_structure(routes) {
        Ok(()) => Vec::new(),
        Err(err) => err.problems,
    };
    if routes.len() > quota {
        problems.push(format!(
            "{} routes exceed the API Gateway HTTP API quota of {quota} routes per API",
            routes.len()
        ));
    }
    RegistryError::from_problems(problems)
}

/// Checks that every route reads the application state as `state`, the type
/// the dispatcher holds: a route taking `State<Other>` could only answer 500.
pub fn validate_state(routes: &[&'static Route], state: StateType) -> Result<(), RegistryError> {
    let problems = routes
        .iter()
        .flat_map(|route| {
            let at = origin(route);
            let signature = route.signature();
            signature
                .state_mismatches(state)
                .map(|problem| format!("{at}: {problem}"))
                .collect::<Vec<_>>()
        })
        .collect();
    RegistryError::from_problems(problems)
}

/// Checks that every consumer and job reads the application state as
/// `state`, the type the event dispatcher holds.
pub fn validate_task_state(
    consumers: &[&'static Consumer],
    jobs: &[&'static Job],
    state: StateType,
) -> Result<(), RegistryError> {
    let tasks = consumers
        .iter()
        .map(|consumer| (consumer.origin, consumer.arguments))
        .chain(jobs.iter().map(|job| (job.origin, job.arguments)));
    let mut problems = Vec::new();
    for (origin, arguments) in tasks {
        let mut signature = Signature::default();
        arguments(&mut signature);
        problems.extend(
            signature
                .problems()
                .iter()
                .map(|problem| format!("{origin}: {problem}")),
        );
        problems.extend(
            signature
                .state_mismatches(state)
                .map(|problem| format!("{origin}: {problem}")),
        );
    }
    RegistryError::from_problems(problems)
}

impl RegistryError {
    /// `Ok` when there are no problems, else all of them.
    fn from_problems(problems: Vec<String>) -> Result<(), RegistryError> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RegistryError { problems })
        }
    }
}

/// Checks `routes` for duplicate keys, conflicting sibling parameters and
/// inconsistent records: what makes a set unservable, whatever its size.
pub fn validate_structure(routes: &[&'static Route]) -> Result<(), RegistryError> {
    let mut problems = Vec::new();

    let mut by_key: HashMap<&str, &Route> = HashMap::with_capacity(routes.len());
    // Parent prefix (parameters normalised to `{}`) → (parameter name, route).
    let mut params_at: HashMap<String, (&str, &Route)> = HashMap::new();
    for route in routes {
        let expected_key = format!("{} {}", route.method, route.path);
        if route.route_key != expected_key {
            problems.push(format!(
                "{}: route key `{}` does not match method and path `{expected_key}`",
                origin(route),
                route.route_key
            ));
        }
        for problem in route.signature().problems() {
            problems.push(format!("{}: {problem}", origin(route)));
        }
        if let Some(first) = by_key.insert(route.route_key, route) {
            problems.push(format!(
                "duplicate route `{}`: {} and {}",
                route.route_key,
                origin(first),
                origin(route)
            ));
        }
        let mut prefix = String::new();
        for segment in route.path.split('/').skip(1) {
            if let Some(name) = param_name(segment) {
                match params_at.get(&prefix) {
                    Some((other, other_route)) if *other != name => problems.push(format!(
                        "conflicting path parameters under `{}/`: `{{{other}}}` in `{}` ({}) and `{{{name}}}` in `{}` ({}); \
                         API Gateway treats them as the same segment, so use one name",
                        if prefix.is_empty() { "" } else { &prefix },
                        other_route.route_key,
                        origin(other_route),
                        route.route_key,
                        origin(route)
                    )),
                    Some(_) => {}
                    None => {
                        params_at.insert(prefix.clone(), (name, route));
                    }
                }
                prefix.push_str("/{}");
            } else {
                prefix.push('/');
                prefix.push_str(segment);
            }
        }
    }

    problems.dedup();
    RegistryError::from_problems(problems)
}

/// The parameter name of a `{name}` or `{name+}` segment.
fn param_name(segment: &str) -> Option<&str> {
    let inner = segment.strip_prefix('{')?.strip_suffix('}')?;
    Some(inner.strip_suffix('+').unwrap_or(inner))
}
