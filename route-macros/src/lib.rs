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
//! The pipeline follows serde_derive: `attr` parses the arguments, `path`
//! parses the route key, `handler` analyses the function, all of them record
//! errors in a `ctxt::Ctxt`, and only once that context is clean does
//! `expand` generate code (`task` does the same for the event attributes).
//!
//! The attributes are used through `route_framework` (its `prelude`), whose
//! paths the generated code names.

mod attr;
mod ctxt;
mod expand;
mod handler;
mod modules;
mod path;
mod task;

use proc_macro::TokenStream;

/// Registers an async function as an API endpoint.
///
/// ```standalone_crate
/// use route_framework::prelude::*;
/// use route_framework::registry::Auth;
///
/// #[derive(Deserialize, JsonSchema, Validate)]
/// struct NewGoal {
///     #[garde(length(chars, min = 1, max = 200))]
///     title: String,
/// }
///
/// #[derive(Serialize, JsonSchema)]
/// struct Goal {
///     id: String,
///     title: String,
/// }
///
/// /// Report liveness.
/// #[route("GET /health", public)]
/// async fn health() -> Json<&'static str> {
///     Json("ok")
/// }
///
/// /// Create a goal.
/// #[route("POST /goals", scopes = ["goals.write"])]
/// async fn create_goal(user: User, Json(body): Json<NewGoal>) -> Result<Created<Goal>, ApiError> {
///     let goal = Goal { id: format!("{}-1", user.id), title: body.title };
///     Ok(Created::new(format!("/goals/{}", goal.id), goal))
/// }
///
/// // Both are in the registry every entry point is built from, by path.
/// let routes = route_framework::routes();
/// assert_eq!(routes[0].route_key, "POST /goals");
/// assert_eq!(routes[0].auth, Auth::Required { scopes: &["goals.write"] });
/// assert_eq!(routes[1].route_key, "GET /health");
/// assert_eq!((routes[1].auth, routes[1].summary), (Auth::Public, "Report liveness."));
/// ```
///
/// The string is an API Gateway HTTP API route key. Routes require an
/// authenticated user unless marked `public`; `scopes` lists OAuth scopes the
/// caller's token must carry. Mistakes are compile errors, such as a path
/// parameter the handler does not take:
///
/// ```compile_fail
/// use route_framework::prelude::*;
///
/// /// Read a goal.
/// #[route("GET /goals/{goalId}", public)]
/// async fn get_goal() -> NoContent {
///     NoContent
/// }
/// ```
#[proc_macro_attribute]
pub fn route(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_route(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Registers an async function as the consumer of one queue message type.
///
/// ```standalone_crate
/// use route_framework::prelude::*;
///
/// #[derive(Deserialize, Validate)]
/// #[serde(rename_all = "camelCase")]
/// struct GoalEvent {
///     #[garde(length(min = 1))]
///     goal_id: String,
/// }
///
/// /// Tell the user a goal is complete.
/// #[on_event("goal.completed", batch_size = 5)]
/// async fn goal_completed(EventId(id): EventId, Payload(event): Payload<GoalEvent>) -> Result<(), String> {
///     println!("{id}: goal {} is complete", event.goal_id);
///     Ok(())
/// }
///
/// let consumers = route_framework::consumers();
/// assert_eq!(consumers[0].event_type, "goal.completed");
/// assert_eq!((consumers[0].batch_size, consumers[0].batch_window), (5, 0));
/// assert_eq!(consumers[0].origin.handler_name, "goal_completed");
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
/// ```standalone_crate
/// use route_framework::prelude::*;
///
/// /// Publish what the outbox still holds.
/// #[schedule("rate(1 minute)")]
/// async fn relay_outbox(EventTime(time): EventTime) -> Result<(), String> {
///     println!("relaying what was due at {time}");
///     Ok(())
/// }
///
/// /// Remind users every evening.
/// #[schedule("cron(0 20 * * ? *)")]
/// async fn remind() {}
///
/// // By name: the name of each job's EventBridge rule.
/// let jobs = route_framework::jobs();
/// assert_eq!((jobs[0].name, jobs[0].schedule), ("relay_outbox", "rate(1 minute)"));
/// assert_eq!((jobs[1].name, jobs[1].schedule), ("remind", "cron(0 20 * * ? *)"));
/// ```
///
/// The expression is `rate(N minute|minutes|hour|hours|day|days)` or
/// `cron(minutes hours day-of-month month day-of-week year)` in UTC, checked
/// at compile time as EventBridge reads it:
///
/// ```compile_fail
/// use route_framework::prelude::*;
///
/// /// Never runs: a rate counts whole minutes, hours or days.
/// #[schedule("rate(30 seconds)")]
/// async fn too_often() {}
/// ```
#[proc_macro_attribute]
pub fn schedule(args: TokenStream, item: TokenStream) -> TokenStream {
    task::expand_schedule(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares `mod name;` for every `name.rs` file and every `name/` folder
/// with a `mod.rs` in the folder of the invoking module, so adding a file is
/// all it takes to add an endpoint, a consumer or a job.
///
/// Invoked from `src/routes.rs` (or `src/routes/mod.rs`), it declares the
/// files of `src/routes/`. A file name that cannot name a module is a
/// compile error. Add `cargo::rerun-if-changed=src/routes` to the crate's
/// build script, so Cargo recompiles it when a file is added or removed.
///
/// ```text
/// src/routes.rs         route_framework::modules!();
/// src/routes/health.rs  mod health;      (declared)
/// src/routes/goals/     mod goals;       (declared: it has a mod.rs)
/// src/routes/notes.txt                   (not Rust: skipped)
/// ```
///
/// The folder is read from the checkout being compiled, relative to the
/// invoking file, so checkouts that share one target directory never
/// compile each other's files.
#[proc_macro]
pub fn modules(input: TokenStream) -> TokenStream {
    let caller = proc_macro::Span::call_site().local_file();
    modules::expand_modules(input.into(), caller)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
