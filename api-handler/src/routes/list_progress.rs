//! `GET /goals/{goalId}/progress`.

use crate::domain::progress::ProgressEntry;
use crate::paging::{Listing, MAX_LIMIT};
use crate::prelude::*;
use crate::store::ports::TimeRange;
use crate::time_bound::TimeBound;

/// `?from=&to=&limit=&cursor=`; bounds are timestamps or dates.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
struct ProgressQuery {
    /// Entries at or after this instant (a date: from its start).
    #[garde(skip)]
    from: Option<TimeBound>,
    /// Entries before this instant (a date: up to its end).
    #[garde(skip)]
    to: Option<TimeBound>,
    /// Page size, 1–100 (default 20).
    #[garde(range(min = 1, max = MAX_LIMIT))]
    limit: Option<u32>,
    /// The `nextCursor` of the previous page, unchanged.
    #[garde(skip)]
    cursor: Option<String>,
}

/// List a goal's progress entries, newest first, a page at a time.
#[route("GET /goals/{goalId}/progress")]
async fn list_progress(
    user: User,
    app: App,
    Path(goal_id): Path<String>,
    Query(query): Query<ProgressQuery>,
) -> Result<Json<Listing<ProgressEntry>>, ApiError> {
    let range = TimeRange {
        from: query.from.map(TimeBound::start),
        to: query.to.map(TimeBound::end),
    };
    let scope = format!("progress:{}:{goal_id}:{:?}:{:?}", user.id, range.from, range.to);
    let page = app.cursors().request(&scope, query.limit, query.cursor.as_deref())?;
    let entries = app.progress().list(&user.id, &goal_id, range, page).await?;
    Ok(Json(app.cursors().listing(&scope, entries)))
}
