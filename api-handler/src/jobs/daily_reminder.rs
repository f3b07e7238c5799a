//! `daily_reminder`: the evening nudge.

use chrono::{DateTime, Timelike, Utc};

use crate::domain::goal::Goal;
use crate::domain::notification::{Notification, REMINDER_HOUR};
use crate::domain::stats;
use crate::prelude::*;
use crate::store::ports::{PageRequest, StoreError, TimeRange};
use crate::use_cases::calendar;
use crate::use_cases::inbox::{self, Notified};

/// Goals read per page.
const PAGE: usize = 100;

/// Remind users whose local time is the reminder hour of the active daily
/// goals they logged nothing on today. Hourly, so every time zone gets its
/// evening; a rerun of the same hour reminds nobody twice.
#[schedule("cron(0 * * * ? *)")]
async fn daily_reminder(app: App, EventTime(time): EventTime) -> Result<(), StoreError> {
    let mut after = None;
    let mut users = 0_usize;
    let mut reminded = 0_usize;
    // One user's goals, gathered across pages.
    let mut goals: Vec<Goal> = Vec::new();
    loop {
        let page = app.goals().active_daily(PageRequest { limit: PAGE, after }).await?;
        for goal in page.items {
            if goals.first().is_some_and(|first| first.user_id != goal.user_id) {
                users += 1;
                reminded += usize::from(remind(&app, &goals, time).await?);
                goals.clear();
            }
            goals.push(goal);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    if !goals.is_empty() {
        users += 1;
        reminded += usize::from(remind(&app, &goals, time).await?);
    }
    tracing::info!(users, reminded, "daily reminders sent");
    Ok(())
}

/// Reminds the owner of `goals` (one user's active daily goals) if it is
/// their reminder hour at `time` and some goal has no progress today;
/// `true` when a reminder was stored.
async fn remind(app: &App, goals: &[Goal], time: DateTime<Utc>) -> Result<bool, StoreError> {
    let Some(user_id) = goals.first().map(|goal| goal.user_id.clone()) else {
        return Ok(false);
    };
    let zone = calendar::time_zone(app, &user_id).await?;
    let local = time.with_timezone(&zone);
    if local.hour() != REMINDER_HOUR {
        return Ok(false);
    }
    let day = local.date_naive();
    let midnight = stats::local_midnight(day, zone);
    let mut idle = Vec::new();
    for goal in goals {
        let range = TimeRange {
            from: Some(midnight),
            to: Some(time),
        };
        let first = PageRequest { limit: 1, after: None };
        if app
            .progress()
            .list(&user_id, &goal.goal_id, range, first)
            .await?
            .items
            .is_empty()
        {
            idle.push(goal);
        }
    }
    if idle.is_empty() {
        return Ok(false);
    }
    let reminder = Notification::daily_reminder(&user_id, day, &idle, time);
    Ok(inbox::notify(app, &user_id, &reminder).await? == Notified::Added)
}
