use route_framework::prelude::*;

#[route("GET /goals/{id}/progress/{id}", public)]
async fn get_progress(Path(ids): Path<(String, String)>) -> Json<(String, String)> {
    Json(ids)
}

fn main() {}
