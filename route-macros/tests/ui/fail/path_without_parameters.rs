use route_framework::prelude::*;

#[route("GET /goals", public)]
async fn list(Path(id): Path<String>) -> Json<String> {
    Json(id)
}

fn main() {}
