use api_handler::prelude::*;

#[route("GET /health", publik)]
async fn health() -> NoContent {
    NoContent
}

fn main() {}
