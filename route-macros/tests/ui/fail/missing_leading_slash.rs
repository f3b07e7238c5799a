use api_handler::prelude::*;

#[route("GET health", public)]
async fn health() -> NoContent {
    NoContent
}

fn main() {}
