//! The grammars of what the framework's attributes take: route keys
//! (`#[route("GET /goals/{goalId}")]`), event types (`#[on_event("goal.completed")]`)
//! and schedule expressions (`#[schedule("rate(1 minute)")]`), and the module
//! names `modules!()` declares.
//!
//! One grammar each for every tool: `route-macros` checks the attributes
//! with them at compile time, `route-framework` schedules jobs by them, and
//! `cargo xtask new` checks what it is asked to scaffold, so all three agree
//! on what is valid and say the same about what is not.

pub mod event_type;
pub mod module_name;
pub mod route_key;
pub mod schedule;
