//! When scheduled jobs run: EventBridge schedule expressions, parsed with
//! the grammar `#[schedule]` checks at compile time (the `route-grammar`
//! crate both depend on).

pub use route_grammar::schedule::Schedule;
