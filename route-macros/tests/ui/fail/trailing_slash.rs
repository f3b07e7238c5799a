use route_framework::prelude::*;

#[route("GET /health/", public)]
async fn health() -> NoContent {
    NoContent
}

fn main() {}
