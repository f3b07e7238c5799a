use route_framework::prelude::*;

// Request bodies declare their rules (derive `garde::Validate`, `#[garde(skip)]`
// where there are none), so the server enforces what the schema publishes.
#[derive(serde::Deserialize, JsonSchema)]
struct Unchecked {
    value: u32,
}

#[route("POST /values")]
async fn create(Json(body): Json<Unchecked>) -> Json<u32> {
    Json(body.value)
}

fn main() {}
