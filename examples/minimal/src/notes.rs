//! `Notes`: the app's state, kept in memory, and the queue its events go
//! through locally.

use std::sync::{Arc, Mutex, PoisonError};

use route_framework::event::Message;
use route_framework::prelude::*;
use tokio::sync::mpsc;

/// A note, as the API shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// Its id, in order of posting.
    pub id: u64,
    /// What it says.
    pub text: String,
    /// Whether the `note.created` consumer has seen it.
    pub seen: bool,
}

/// The notes and the outgoing events: cheap to clone, shared by every
/// handler, consumer and job (`State<Notes>`).
#[derive(Clone)]
pub struct Notes {
    inner: Arc<Mutex<Inner>>,
    events: mpsc::UnboundedSender<Message>,
}

/// What the lock guards.
#[derive(Default)]
struct Inner {
    notes: Vec<Note>,
    counted: usize,
}

impl Notes {
    /// No notes; the events the app publishes go to `events` (locally, a
    /// loop that delivers them to the consumers).
    pub fn new(events: mpsc::UnboundedSender<Message>) -> Notes {
        Notes {
            inner: Arc::default(),
            events,
        }
    }

    /// Adds a note and publishes `note.created` for it.
    pub fn add(&self, text: String) -> Note {
        let note = {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            let note = Note {
                id: inner.notes.len() as u64 + 1,
                text,
                seen: false,
            };
            inner.notes.push(note.clone());
            note
        };
        let message = Message {
            id: format!("note-{}", note.id),
            event_type: Some("note.created".to_owned()),
            event_id: Some(format!("note-{}", note.id)),
            group: None,
            sent_at: None,
            body: serde_json::json!({ "noteId": note.id }).to_string(),
        };
        // Without a receiver (a test that delivers by hand) nothing is lost
        // but the notification, which the consumer only uses to mark it seen.
        let _ = self.events.send(message);
        note
    }

    /// Every note, in order of posting.
    pub fn list(&self) -> Vec<Note> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).notes.clone()
    }

    /// Marks a note as seen; `false` when there is no such note.
    pub fn mark_seen(&self, id: u64) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match inner.notes.iter_mut().find(|note| note.id == id) {
            Some(note) => {
                note.seen = true;
                true
            }
            None => false,
        }
    }

    /// Records how many notes there are, as the job last counted them.
    pub fn count(&self) -> usize {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.counted = inner.notes.len();
        inner.counted
    }

    /// How many notes the job last counted.
    pub fn counted(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).counted
    }
}
