use route_framework::prelude::*;

#[route("GET /health", public)]
fn health() -> NoContent {
    NoContent
}

fn main() {}
