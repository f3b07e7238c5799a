use route_framework::prelude::*;

#[route("GET /files/{name}.json", public)]
async fn file(Path(name): Path<String>) -> Json<String> {
    Json(name)
}

fn main() {}
