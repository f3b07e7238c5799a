use api_handler::prelude::*;

#[route("GET /health", public)]
fn health() -> NoContent {
    NoContent
}

fn main() {}
