use route_framework::prelude::*;

#[route("get /goals", public)]
async fn list() -> NoContent {
    NoContent
}

fn main() {}
