use api_handler::prelude::*;

#[route("get /goals", public)]
async fn list() -> NoContent {
    NoContent
}

fn main() {}
