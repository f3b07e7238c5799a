//! Paths the `#[route]` expansion uses. Not public API.

pub use bytes::Bytes;
pub use futures_util::future::BoxFuture;
pub use inventory;

pub use crate::framework::extract::{FromRequest, FromRequestParts};
pub use crate::framework::request::RequestParts;
pub use crate::framework::response::{IntoResponse, Response};
pub use crate::framework::route::{Auth, Method, Route};
