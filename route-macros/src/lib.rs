//! The `#[route("METHOD /path", public, scopes = [..])]` attribute, and its
//! siblings for events: `#[on_event("type")]` and `#[schedule("rate(..)")]`.
//!
//! The attribute turns one annotated `async fn` into an API endpoint: it
//! validates the route key and the handler signature at compile time (every
//! mistake reported at once, each at its own span), then re-emits the function
//! unchanged next to a hidden adapter and an `inventory` submission of its
//! `Route` record, so the runtime dispatcher and `cargo xtask gen-routes` both
//! see it without any hand-kept list.
//!
//! The pipeline follows serde_derive: [`attr`] parses the arguments, [`path`]
//! parses the route key, [`handler`] analyses the function, all of them record
//! errors in a [`ctxt::Ctxt`], and only once that context is clean does
//! [`expand`] generate code.

mod attr;
mod ctxt;
mod expand;
mod handler;
mod path;
mod task;

use proc_macro::TokenStream;

/// Registers an async function as an API endpoint.
///
/// ```ignore
/// /// Report liveness.
/// #[route("GET /health", public)]
/// async fn health(app: App) -> Json<Health> { .. }
///
/// #[route("POST /goals", scopes = ["goals.write"])]
/// async fn create_goal(user: User, Json(body): Json<NewGoal>) -> Result<Created<Goal>, ApiError> { .. }
/// ```
///
/// The string is an API Gateway HTTP API route key. Routes require an
/// authenticated user unless marked `public`; `scopes` lists OAuth scopes the
/// caller's token must carry.
#[proc_macro_attribute]
pub fn route(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_route(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Registers an async function as the consumer of one queue message type.
///
/// ```ignore
/// /// Tell the user a goal is complete.
/// #[on_event("goal.completed")]
/// async fn goal_completed(app: App, EventId(id): EventId, Payload(event): Payload<GoalEvent>) -> Result<(), StoreError> { .. }
/// ```
///
/// Messages are dispatched on their `type` attribute; the last argument may
/// be the typed, validated `Payload<T>`. Options: `batch_size = N` (1 to
/// 10000, default 10) and `batch_window = SECONDS` (0 to 300, default 0) for
/// the queue's event source; the smallest of every consumer's wins.
#[proc_macro_attribute]
pub fn on_event(args: TokenStream, item: TokenStream) -> TokenStream {
    task::expand_on_event(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Registers an async function as a job run on an EventBridge schedule.
///
/// ```ignore
/// /// Publish what the outbox still holds.
/// #[schedule("rate(1 minute)")]
/// async fn relay_outbox(app: App) -> Result<(), StoreError> { .. }
/// ```
///
/// The expression is `rate(N minute|minutes|hour|hours|day|days)` or
/// `cron(minutes hours day-of-month month day-of-week year)` in UTC, checked
/// at compile time as EventBridge reads it.
#[proc_macro_attribute]
pub fn schedule(args: TokenStream, item: TokenStream) -> TokenStream {
    task::expand_schedule(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
