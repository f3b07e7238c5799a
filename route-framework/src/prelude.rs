//! What a handler file needs: `use route_framework::prelude::*;`.

pub use route_macros::{on_event, route, schedule};
pub use schemars::JsonSchema;
pub use serde::{Deserialize, Serialize};

pub use crate::auth::User;
pub use crate::error::{ApiError, FieldError};
pub use crate::event::{EventId, EventTime, Payload};
pub use crate::extract::{ClientIp, Headers, Json, Path, Query, RequestId, State};
pub use crate::response::{Accepted, Created, IntoResponse, NoContent, RenderedJson, Response, WithEtag};
pub use crate::validation::{NoRules, Validate};
