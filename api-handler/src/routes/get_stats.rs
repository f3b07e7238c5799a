//! `GET /stats`.

use chrono::Utc;

use crate::domain::stats::{self, Stats, StatsQuery};
use crate::prelude::*;

/// Totals, progress by day and by goal over a date range (default: the last 30 days).
#[route("GET /stats")]
async fn get_stats(user: User, app: App, Query(query): Query<StatsQuery>) -> Result<Json<Stats>, ApiError> {
    let profile = app.profiles().get(&user.id).await?;
    let today = stats::local_date(Utc::now(), profile.time_zone());
    let (from, to) = query.range(today)?;
    let (first, last) = stats::window(from, to, today);
    let rows = app.aggregates().rows(&user.id, first, last).await?;
    Ok(Json(stats::compute(rows, from, to, today)))
}
