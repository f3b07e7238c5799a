//! The app's scheduled jobs: one file (or folder) per job under `src/jobs/`.
//!
//! `modules!()` declares every file found there, and `#[schedule]` registers
//! the job: `cargo xtask gen-routes` gives it an EventBridge rule, and the
//! local server runs it on its schedule.

route_framework::modules!();
