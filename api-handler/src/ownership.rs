//! Whose data a path names: `/users/{userId}/…` is the caller's or a 404.

use route_framework::auth::User;
use route_framework::error::ApiError;

/// The user a `/users/{userId}/…` path names: `me` or the caller's own id.
/// Anyone else's id is a 404, so ids of other users cannot be probed.
pub(crate) fn own_user_id(user: &User, path_user_id: &str) -> Result<String, ApiError> {
    if path_user_id == "me" || path_user_id == user.id {
        Ok(user.id.clone())
    } else {
        Err(ApiError::not_found("no such user"))
    }
}
