use route_framework::prelude::*;

#[route("POST /goals")]
async fn create(Json(title): Json<String>, user: User) -> Json<String> {
    Json(format!("{title} {}", user.id))
}

fn main() {}
