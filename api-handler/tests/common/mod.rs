//! Shared by the app's integration tests: the backends of the contract
//! suite and a live server on one of them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub(crate) mod backends;
pub(crate) mod faults;
pub(crate) mod live;
