//! `GET /goals`.

use crate::domain::goal::{Goal, GoalStatus};
use crate::paging::{Listing, MAX_LIMIT};
use crate::prelude::*;

/// `?status=&limit=&cursor=`.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
struct GoalsQuery {
    /// Only goals with this status.
    #[garde(skip)]
    status: Option<GoalStatus>,
    /// Page size, 1–100 (default 20).
    #[garde(range(min = 1, max = MAX_LIMIT))]
    limit: Option<u32>,
    /// The `nextCursor` of the previous page, unchanged.
    #[garde(skip)]
    cursor: Option<String>,
}

/// List one's goals, newest first, a page at a time.
#[route("GET /goals")]
async fn list_goals(user: User, app: App, Query(query): Query<GoalsQuery>) -> Result<Json<Listing<Goal>>, ApiError> {
    let scope = format!("goals:{}:{}", user.id, query.status.map_or("", GoalStatus::as_str));
    let page = app.cursors().request(&scope, query.limit, query.cursor.as_deref())?;
    let goals = app.goals().list(&user.id, query.status, page).await?;
    Ok(Json(app.cursors().listing(&scope, goals)))
}
