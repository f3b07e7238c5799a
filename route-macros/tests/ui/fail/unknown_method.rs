use route_framework::prelude::*;

#[route("FETCH /goals", public)]
async fn fetch() -> NoContent {
    NoContent
}

fn main() {}
