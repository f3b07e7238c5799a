use route_framework::prelude::*;

#[route("GET /goals/{}", public)]
async fn get_goal(Path(id): Path<String>) -> Json<String> {
    Json(id)
}

fn main() {}
