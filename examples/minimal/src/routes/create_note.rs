//! `POST /notes`: post a note.

use route_framework::prelude::*;

use crate::notes::{Note, Notes};

/// A new note.
#[derive(Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
struct NewNote {
    /// What it says: 1 to 280 characters.
    #[garde(length(chars, min = 1, max = 280))]
    text: String,
}

/// Post a note; the `note.created` consumer marks it seen.
#[route("POST /notes", public)]
async fn create_note(State(notes): State<Notes>, Json(new): Json<NewNote>) -> Created<Note> {
    let note = notes.add(new.text);
    Created::new(format!("/notes/{}", note.id), note)
}
