//! `DELETE /users/{userId}`.

use crate::domain::identity::{AccountDeletion, Deletion};
use crate::ownership::own_user_id;
use crate::prelude::*;
use crate::use_cases::deletion;

/// Delete one's account (`me` or one's own id), confirmed with the password;
/// everything it owns is purged shortly after.
#[route("DELETE /users/{userId}")]
async fn delete_user(
    user: User,
    app: App,
    ClientIp(client): ClientIp,
    Path(user_id): Path<String>,
    Json(body): Json<AccountDeletion>,
) -> Result<Accepted<Deletion>, ApiError> {
    let user_id = own_user_id(&user, &user_id)?;
    Ok(Accepted(
        deletion::delete(&app, client, &user_id, &body.password).await?,
    ))
}
