use route_framework::prelude::*;

#[route("GET /health", publik)]
async fn health() -> NoContent {
    NoContent
}

fn main() {}
