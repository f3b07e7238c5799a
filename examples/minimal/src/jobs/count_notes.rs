//! `count_notes`: count the notes every minute.

use route_framework::prelude::*;

use crate::notes::Notes;

/// Count the notes.
#[schedule("rate(1 minute)")]
async fn count_notes(State(notes): State<Notes>) {
    let counted = notes.count();
    tracing::info!(counted, "notes counted");
}
