use route_framework::prelude::*;

#[route("POST /items", public)]
async fn create<T: serde::de::DeserializeOwned>(Json(_body): Json<T>) -> NoContent {
    NoContent
}

fn main() {}
