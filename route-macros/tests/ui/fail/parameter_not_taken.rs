use route_framework::prelude::*;

#[route("GET /goals/{goalId}", public)]
async fn get_goal() -> NoContent {
    NoContent
}

fn main() {}
