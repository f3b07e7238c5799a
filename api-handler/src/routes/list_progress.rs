//! `GET /goals/{goalId}/progress`.

use crate::domain::progress::ProgressEntry;
use crate::paging::{PageQuery, page};
use crate::prelude::*;
use crate::store::ports::Page;
use crate::time_bound::TimeBound;

/// `?from=&to=&limit=&cursor=`; bounds are timestamps or dates.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ProgressQuery {
    from: Option<TimeBound>,
    to: Option<TimeBound>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// List a goal's progress entries, newest first, a page at a time.
#[route("GET /goals/{goalId}/progress")]
async fn list_progress(
    user: User,
    app: App,
    Path(goal_id): Path<String>,
    Query(query): Query<ProgressQuery>,
) -> Result<Json<Page<ProgressEntry>>, ApiError> {
    let paging = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = paging.limit()?;
    let (from, to) = (query.from.map(TimeBound::start), query.to.map(TimeBound::end));
    let scope = format!("progress:{}:{goal_id}:{from:?}:{to:?}", user.id);
    let after = paging.after(&app, &scope)?;
    let rows = app
        .goals()
        .list_progress(&user.id, &goal_id, from, to, limit + 1, after)
        .await?;
    Ok(Json(page(&app, &scope, rows, limit, |entry| entry.entry_id.clone())))
}
