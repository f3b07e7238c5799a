use route_framework::prelude::*;

#[route("GET /goals/{goalId}", public)]
async fn get_goal(Path(ids): Path<(String, u32)>) -> Json<(String, u32)> {
    Json(ids)
}

#[route("GET /goals/{goalId}/progress/{entryId}", public)]
async fn get_entry(Path(id): Path<String>) -> Json<String> {
    Json(id)
}

fn main() {}
