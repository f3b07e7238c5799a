//! `GET /notes`: every note, and how many the job last counted.

use route_framework::prelude::*;

use crate::notes::{Note, Notes};

/// The notes.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct NoteList {
    /// Every note, in order of posting.
    notes: Vec<Note>,
    /// How many notes the `count_notes` job counted when it last ran.
    counted: usize,
}

/// List every note.
#[route("GET /notes", public)]
async fn list_notes(State(notes): State<Notes>) -> Json<NoteList> {
    Json(NoteList {
        notes: notes.list(),
        counted: notes.counted(),
    })
}
