use route_framework::prelude::*;

/// Upper case type, bad options.
#[on_event("Goal Completed", batch_size = 0, batch_window = 301, retries = 3)]
async fn bad_options() {}

/// A payload that is not the last argument, and an HTTP extractor.
#[derive(Deserialize, Validate)]
struct Note {
    #[garde(skip)]
    text: String,
}

#[on_event("note.added")]
async fn misplaced(Payload(note): Payload<Note>, EventId(id): EventId) {
    let _ = (note.text, id);
}

#[on_event("note.kept")]
async fn http_extractor(user: User) {
    let _ = user;
}

/// A job cannot take a payload; a result must be displayable.
#[schedule("rate(1 day)")]
async fn job_with_payload(Payload(note): Payload<Note>) -> Result<(), Vec<u8>> {
    let _ = note.text;
    Ok(())
}

fn main() {}
