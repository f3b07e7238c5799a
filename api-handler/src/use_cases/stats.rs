//! Statistics.

use chrono::Utc;
use route_framework::error::ApiError;

use super::calendar;
use crate::app::App;
use crate::domain::stats::{self, Stats, StatsQuery};

/// `user_id`'s statistics over the range `query` asks for, in the user's days.
pub async fn compute(app: &App, user_id: &str, query: &StatsQuery) -> Result<Stats, ApiError> {
    let time_zone = calendar::time_zone(app, user_id).await?;
    let today = stats::local_date(Utc::now(), time_zone);
    let (from, to) = query.range(today)?;
    let (first, last) = stats::window(from, to, today);
    let rows = app.aggregates().rows(user_id, first, last).await?;
    Ok(stats::compute(rows, from, to, today))
}
