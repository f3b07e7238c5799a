//! Storage and services: ports (traits) and their adapters.
//!
//! Handlers only see the ports in [`ports`]; [`embedded`] implements them with
//! SQLite and files in a data directory (the default for `cargo run`).

pub mod cursor;
pub mod embedded;
pub mod ports;
