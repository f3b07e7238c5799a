//! Dispatch benchmarks, with the baselines their ratios need measured in the same run.
//!
//! - `lookup/*/N`: finding the route among N synthetic routes, by API Gateway
//!   route key (payload 2.0) and by path matcher (`$default`, local server),
//!   next to a plain `HashMap<String, fn>` lookup of the same key and a linear
//!   scan over the path patterns (what a dict router needs once a path has
//!   parameters: try each pattern in turn).
//! - `event/*`: a whole API Gateway 2.0 `GET /health` event → response, in
//!   process (the event's text in, the answer's JSON out, as the runtime
//!   hands them over), next to the same request sent through the in-process
//!   dispatcher, and with its log line written (JSON, to a sink) without
//!   and with its metrics.
//!
//! Run with `cargo xtask bench`, which reports the ratios.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion};
use route_framework::auth::NoAuthenticator;
use route_framework::dispatch::{Dispatcher, Incoming, Target};
use route_framework::lambda;
use route_framework::metrics::Metrics;
use route_framework::prelude::*;
use route_framework::registry::Route;
use route_framework::testing::synthetic_routes;

const SIZES: [usize; 3] = [10, 100, 1000];
const HEALTH_EVENT: &str = include_str!("../tests/data/apigw-v2-health.json");

/// The health report.
#[derive(Serialize, JsonSchema)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// Report that the service is up (the app's health route, minus the app).
#[route("GET /health", public)]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

fn noop() -> u32 {
    7
}

/// One segment of a path pattern, for the linear-scan baseline.
enum Segment {
    Literal(String),
    Param,
}

/// Every route's method and pattern, tried in order.
fn linear_table(routes: &[&'static Route]) -> Vec<(&'static str, Vec<Segment>)> {
    routes
        .iter()
        .map(|route| {
            let segments = route
                .path
                .split('/')
                .skip(1)
                .map(|segment| match segment.starts_with('{') {
                    true => Segment::Param,
                    false => Segment::Literal(segment.to_owned()),
                })
                .collect();
            (route.method.as_str(), segments)
        })
        .collect()
}

/// The index of the first pattern `method path` matches, and its parameters.
fn linear_scan<'p>(
    table: &[(&'static str, Vec<Segment>)],
    method: &str,
    path: &'p str,
) -> Option<(usize, Vec<&'p str>)> {
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    table.iter().enumerate().find_map(|(index, (m, segments))| {
        if *m != method || segments.len() != parts.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in segments.iter().zip(&parts) {
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Literal(_) => return None,
                Segment::Param => params.push(*part),
            }
        }
        Some((index, params))
    })
}

fn lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookup");
    for n in SIZES {
        let routes = synthetic_routes(n);
        let dispatcher =
            Dispatcher::with_route_quota(routes.clone(), NoAuthenticator, (), n).expect("synthetic routes are valid");
        // A route with a parameter, in the middle of the table.
        let target = routes
            .iter()
            .skip(n / 2)
            .find(|r| !r.params.is_empty())
            .expect("a route with params");
        let concrete = target.path.replace("{id}", "42").replace("{subId}", "7");

        let baseline: HashMap<String, fn() -> u32> = routes
            .iter()
            .map(|r| (r.route_key.to_owned(), noop as fn() -> u32))
            .collect();
        let key = target.route_key.to_owned();
        group.bench_with_input(BenchmarkId::new("hashmap_baseline", n), &key, |b, key| {
            b.iter(|| baseline.get(black_box(key.as_str())).map(|f| f()))
        });
        let table = linear_table(&routes);
        let method = target.method.as_str();
        group.bench_with_input(BenchmarkId::new("linear_scan", n), &concrete, |b, path| {
            b.iter(|| linear_scan(&table, black_box(method), black_box(path.as_str())).is_some())
        });

        let mut by_key = Incoming::new(
            http::Method::from_bytes(target.method.as_str().as_bytes()).unwrap(),
            concrete.parse().unwrap(),
            http::HeaderMap::new(),
            Bytes::new(),
            "bench".to_owned(),
        );
        by_key.target = Target::RouteKey(target.route_key.to_owned());
        by_key.path_params = target
            .params
            .iter()
            .map(|p| ((*p).to_owned(), "42".to_owned()))
            .collect();
        group.bench_with_input(BenchmarkId::new("route_key_table", n), &by_key, |b, incoming| {
            b.iter(|| dispatcher.resolve(black_box(incoming)).is_ok())
        });

        let mut by_path = by_key.clone();
        by_path.target = Target::Path;
        by_path.path_params.clear();
        group.bench_with_input(BenchmarkId::new("matcher", n), &by_path, |b, incoming| {
            b.iter(|| dispatcher.resolve(black_box(incoming)).is_ok())
        });
    }
    group.finish();
}

fn event(c: &mut Criterion) {
    let dispatcher =
        Arc::new(Dispatcher::new(route_framework::routes(), NoAuthenticator, ()).expect("the registry is valid"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let events = route_framework::event::EventDispatcher::new([], [], ()).expect("no consumers or jobs");
    let mut group = c.benchmark_group("event");
    group.bench_function("dispatch_only", |b| {
        b.iter(|| {
            let incoming = Incoming::new(
                http::Method::GET,
                http::Uri::from_static("/health"),
                http::HeaderMap::new(),
                Bytes::new(),
                "bench".to_owned(),
            );
            runtime.block_on(dispatcher.dispatch(incoming)).status()
        })
    });
    // What the runtime does with each invocation: the event's text in, the
    // answer's JSON out.
    let answer = |dispatcher: &Dispatcher| {
        let payload = serde_json::from_slice(black_box(HEALTH_EVENT.as_bytes())).unwrap();
        let event = lambda_http::LambdaEvent::new(payload, lambda_http::Context::default());
        let answer = runtime.block_on(lambda::answer(dispatcher, &events, event)).unwrap();
        serde_json::to_vec(&answer).unwrap().len()
    };
    group.bench_function("apigw_v2_health", |b| b.iter(|| answer(&dispatcher)));
    // The same with its log line written as in Lambda (JSON, to a sink
    // here), then with its metrics in that line.
    let measured = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())
        .expect("the registry is valid")
        .with_metrics(Metrics::new("bench").unwrap());
    for (name, dispatcher) in [
        ("apigw_v2_health_logged", &*dispatcher),
        ("apigw_v2_health_metrics", &measured),
    ] {
        tracing::subscriber::with_default(route_framework::logging::json_lines(std::io::sink), || {
            group.bench_function(name, |b| b.iter(|| answer(dispatcher)));
        });
    }
    group.finish();
}

fn output_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion")
}

fn main() {
    let mut criterion = Criterion::default()
        .output_directory(&output_dir())
        .configure_from_args();
    lookup(&mut criterion);
    event(&mut criterion);
    criterion.final_summary();
}
