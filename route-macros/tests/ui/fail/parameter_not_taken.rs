use api_handler::prelude::*;

#[route("GET /goals/{goalId}", public)]
async fn get_goal() -> NoContent {
    NoContent
}

fn main() {}
