use route_framework::prelude::*;

#[route("GET /health", public, scopes = ["health.read"])]
async fn health() -> NoContent {
    NoContent
}

#[route("GET /goals", scopes = [])]
async fn empty() -> NoContent {
    NoContent
}

#[route("GET /stats", scopes = ["stats read", "stats.read", "stats.read"])]
async fn spaced() -> NoContent {
    NoContent
}

#[route("GET /me", scopes = "goals.read")]
async fn not_a_list() -> NoContent {
    NoContent
}

fn main() {}
