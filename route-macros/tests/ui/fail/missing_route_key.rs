use api_handler::prelude::*;

#[route]
async fn nothing() -> NoContent {
    NoContent
}

#[route(GET /health)]
async fn unquoted() -> NoContent {
    NoContent
}

fn main() {}
