use route_framework::prelude::*;

#[route("GET /answer", public)]
async fn answer() -> u32 {
    42
}

fn main() {}
