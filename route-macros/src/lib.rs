//! The `#[route("METHOD /path", public, scopes = [..])]` attribute.
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
