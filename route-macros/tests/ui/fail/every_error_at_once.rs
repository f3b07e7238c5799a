use route_framework::prelude::*;

// One attribute, several independent mistakes: all are reported together.
#[route("FETCH /goals/{id}/", publik)]
fn broken<T>() -> NoContent {
    NoContent
}

fn main() {}
