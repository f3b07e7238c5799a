use route_framework::prelude::*;

// Request bodies must describe themselves (derive `JsonSchema`) for the OpenAPI export.
#[derive(serde::Deserialize, Validate)]
struct Undocumented {
    #[garde(skip)]
    value: u32,
}

#[route("POST /values")]
async fn create(Json(body): Json<Undocumented>) -> Json<u32> {
    Json(body.value)
}

fn main() {}
