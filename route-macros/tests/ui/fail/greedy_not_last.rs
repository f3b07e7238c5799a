use route_framework::prelude::*;

#[route("GET /files/{proxy+}/meta", public)]
async fn meta(Path(path): Path<String>) -> Json<String> {
    Json(path)
}

fn main() {}
