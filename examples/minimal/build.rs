//! Recompiles the app when a route, consumer or job file is added or
//! removed: `route_framework::modules!()` declares what those folders hold
//! when the crate compiles, and a new file alone would not tell Cargo to.

fn main() {
    for kind in ["routes", "consumers", "jobs"] {
        println!("cargo::rerun-if-changed=src/{kind}");
    }
}
