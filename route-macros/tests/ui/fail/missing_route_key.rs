use route_framework::prelude::*;

#[route]
async fn nothing() -> NoContent {
    NoContent
}

#[route(GET /health)]
async fn unquoted() -> NoContent {
    NoContent
}

fn main() {}
