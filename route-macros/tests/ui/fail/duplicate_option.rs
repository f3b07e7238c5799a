use route_framework::prelude::*;

#[route("GET /health", public, public)]
async fn health() -> NoContent {
    NoContent
}

#[route("GET /goals", scopes = ["goals.read"], scopes = ["goals.write"])]
async fn goals() -> NoContent {
    NoContent
}

fn main() {}
