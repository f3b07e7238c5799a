//! The smallest app on the route framework: notes that anyone can post and
//! read, a consumer that marks each new note as seen, and a job that counts
//! them every minute.
//!
//! Every endpoint, consumer and job is one file under `src/routes/`,
//! `src/consumers/` or `src/jobs/`; [`Notes`] is the state they share.

mod consumers;
mod jobs;
mod notes;
mod routes;

use std::sync::Arc;

use route_framework::auth::NoAuthenticator;
use route_framework::checks::RegistryError;
use route_framework::dispatch::Dispatcher;
use route_framework::event::EventDispatcher;

pub use crate::notes::{Note, Notes};

/// The HTTP dispatcher over every route and the event dispatcher over every
/// consumer and job, both holding `notes`.
///
/// The app has no signed-in users (its routes are public), so no bearer
/// token is ever verified.
pub fn dispatchers(notes: Notes) -> Result<(Arc<Dispatcher>, Arc<EventDispatcher>), RegistryError> {
    let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, notes.clone())?;
    let events = EventDispatcher::new(route_framework::consumers(), route_framework::jobs(), notes)?;
    Ok((Arc::new(dispatcher), Arc::new(events)))
}
