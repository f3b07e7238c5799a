//! `GET /users/{userId}/export`.

use crate::domain::export::ExportStatus;
use crate::ownership::own_user_id;
use crate::prelude::*;
use crate::use_cases::export;

/// Export one's data (`me` or one's own id): starts preparing one JSON
/// document of everything one owns, then answers its download URL.
#[route("GET /users/{userId}/export")]
async fn get_export(user: User, app: App, Path(user_id): Path<String>) -> Result<Json<ExportStatus>, ApiError> {
    let user_id = own_user_id(&user, &user_id)?;
    Ok(Json(export::status(&app, &user_id).await?))
}
