use route_framework::prelude::*;

/// Plural for one.
#[schedule("rate(1 minutes)")]
async fn plural() {}

/// Both days given.
#[schedule("cron(0 20 * * MON *)")]
async fn both_days() {}

/// Five fields.
#[schedule("cron(0 20 * * ?)")]
async fn five_fields() {}

/// Not an expression.
#[schedule("every day", at = 20)]
async fn prose() {}

/// Not async.
#[schedule("rate(5 minutes)")]
fn blocking() {}

fn main() {}
