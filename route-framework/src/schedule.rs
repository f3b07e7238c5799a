//! When scheduled jobs run: EventBridge schedule expressions, parsed with
//! the grammar `#[schedule]` checks at compile time (the `route-schedule`
//! crate both depend on).

pub use route_schedule::Schedule;
