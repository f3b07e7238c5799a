//! The app's queue consumers: one file (or folder) per event type under
//! `src/consumers/`.
//!
//! `modules!()` declares every file found there, and `#[on_event]` registers
//! the consumer: in Lambda the queue's event source delivers to it, and the
//! local server delivers what the app publishes.

route_framework::modules!();
