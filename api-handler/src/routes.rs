//! The app's endpoints: one file (or folder) per endpoint under `src/routes/`.
//!
//! `modules!()` declares every file found there, so adding an endpoint never
//! means editing this file or any other list.

route_framework::modules!();
