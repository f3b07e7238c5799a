//! `GET /goals`.

use crate::domain::goal::{Goal, GoalStatus};
use crate::paging::{PageQuery, page};
use crate::prelude::*;
use crate::store::ports::Page;

/// `?status=&limit=&cursor=`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GoalsQuery {
    status: Option<GoalStatus>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// List one's goals, newest first, a page at a time.
#[route("GET /goals")]
async fn list_goals(user: User, app: App, Query(query): Query<GoalsQuery>) -> Result<Json<Page<Goal>>, ApiError> {
    let paging = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = paging.limit()?;
    let scope = format!("goals:{}:{}", user.id, query.status.map_or("", GoalStatus::as_str));
    let after = paging.after(&app, &scope)?;
    let rows = app.goals().list(&user.id, query.status, limit + 1, after).await?;
    Ok(Json(page(&app, &scope, rows, limit, |goal| goal.goal_id.clone())))
}
