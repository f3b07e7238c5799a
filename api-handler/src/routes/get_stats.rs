//! `GET /stats`.

use crate::domain::stats::{Stats, StatsQuery};
use crate::prelude::*;
use crate::use_cases::stats;

/// Totals, progress by day and by goal over a date range (default: the last 30 days).
#[route("GET /stats")]
async fn get_stats(user: User, app: App, Query(query): Query<StatsQuery>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(stats::compute(&app, &user.id, &query).await?))
}
