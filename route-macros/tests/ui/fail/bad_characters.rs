use route_framework::prelude::*;

#[route("GET /goals!", public)]
async fn bang() -> NoContent {
    NoContent
}

#[route("GET /goals/{goal-id}", public)]
async fn dashed(Path(id): Path<String>) -> Json<String> {
    Json(id)
}

fn main() {}
