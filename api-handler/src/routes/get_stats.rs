//! `GET /stats`.

use chrono::Utc;

use crate::domain::profile::parse_timezone;
use crate::domain::stats::{self, Stats, StatsQuery};
use crate::prelude::*;

/// Totals, progress by day and by goal over a date range (default: the last 30 days).
#[route("GET /stats")]
async fn get_stats(user: User, app: App, Query(query): Query<StatsQuery>) -> Result<Json<Stats>, ApiError> {
    let profile = app.profiles().get(&user.id).await?;
    let tz = parse_timezone(&profile.timezone).unwrap_or(chrono_tz::UTC);
    let (from, to) = query.range(stats::local_date(Utc::now(), tz))?;
    Ok(Json(app.goals().stats(&user.id, from, to).await?))
}
