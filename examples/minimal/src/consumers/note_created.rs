//! `note.created`: mark the new note as seen.

use route_framework::prelude::*;

use crate::notes::Notes;

/// The event's payload.
#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct NoteCreated {
    /// The note it is about.
    #[garde(range(min = 1))]
    note_id: u64,
}

/// Mark a new note as seen.
#[on_event("note.created")]
async fn note_created(State(notes): State<Notes>, Payload(event): Payload<NoteCreated>) -> Result<(), String> {
    if notes.mark_seen(event.note_id) {
        Ok(())
    } else {
        Err(format!("no note {}", event.note_id))
    }
}
