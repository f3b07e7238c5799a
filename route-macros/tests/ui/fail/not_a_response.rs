use api_handler::prelude::*;

#[route("GET /answer", public)]
async fn answer() -> u32 {
    42
}

fn main() {}
