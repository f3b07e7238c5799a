//! The queue consumers: one file per event type under `src/consumers/`.

route_framework::modules!();
