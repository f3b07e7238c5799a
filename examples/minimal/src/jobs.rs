//! The scheduled jobs: one file per job under `src/jobs/`.

route_framework::modules!();
