//! The app's use cases: what each request does across the ports, in one
//! place per use case, so that handlers only extract, call and answer.
//!
//! A use case takes the [`App`](crate::app::App) and the caller's already
//! validated input, applies the domain's rules (`crate::domain`) and persists
//! through the ports (`crate::store::ports`). Errors come back in the error
//! contract: the ports' and the domain's errors map once, in `crate::errors`.

pub mod accounts;
pub mod calendar;
pub mod deletion;
pub mod export;
pub mod goals;
pub mod inbox;
pub mod passwords;
pub mod progress;
pub mod sign_out;
pub mod stats;
