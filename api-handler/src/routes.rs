//! The app's endpoints: one file (or folder) per endpoint under `src/routes/`.
//!
//! `build.rs` declares every file found there, so adding an endpoint never
//! means editing this file or any other list.

include!(concat!(env!("OUT_DIR"), "/routes.rs"));
