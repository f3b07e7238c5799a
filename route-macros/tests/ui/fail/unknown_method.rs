use api_handler::prelude::*;

#[route("FETCH /goals", public)]
async fn fetch() -> NoContent {
    NoContent
}

fn main() {}
