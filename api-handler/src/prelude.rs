//! Everything a route file needs: `use crate::prelude::*;`.

pub use route_macros::route;
pub use schemars::JsonSchema;
pub use serde::{Deserialize, Serialize};

pub use crate::framework::app::App;
pub use crate::framework::auth::User;
pub use crate::framework::error::{ApiError, FieldError};
pub use crate::framework::extract::{Headers, Json, Path, Query, RequestId};
pub use crate::framework::response::{Created, IntoResponse, NoContent, Response, WithEtag};
