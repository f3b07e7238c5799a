//! The embedded backend: SQLite, local identity, files and an outbox in one
//! data directory. What `cargo run` uses: no account, no server, nothing to
//! install.
//!
//! Layout of the data directory:
//! - `app.db` (+ WAL files): accounts, profiles, goals, progress, aggregates,
//!   outbox, the local queue and the notifications inbox;
//! - `keys/signing-key.pem`, `keys/secret.key` (mode 0600): token signing key
//!   and the HMAC secret of cursors and blob URLs;
//! - `blobs/<user>/<goal>/<attachment>`: attachment bytes;
//! - `mail/<id>.eml`: every mail sent (password reset codes), one RFC 5322
//!   message per file.

mod aggregates;
mod attachments;
mod blobs;
mod db;
mod erasure;
mod exports;
mod goals;
mod identity;
mod inbox;
mod keys;
mod mail;
mod outbox;
mod profiles;
mod progress;
mod queue;
mod retention;
mod revocations;
#[cfg(feature = "testing")]
pub mod testing;

use std::path::Path;
use std::sync::Arc;

pub use self::aggregates::EmbeddedAggregates;
pub use self::attachments::EmbeddedAttachments;
pub use self::blobs::{BLOB_PREFIX, EmbeddedBlobs};
pub use self::erasure::EmbeddedErasure;
pub use self::exports::EmbeddedExports;
pub use self::goals::EmbeddedGoals;
pub use self::identity::{
    ACCESS_TOKEN_SECONDS, AUDIENCE, EmbeddedIdentity, ISSUER, RESET_CODE_MINUTES, RESET_CODE_TRIES,
};
pub use self::inbox::EmbeddedInbox;
pub use self::outbox::EmbeddedOutbox;
pub use self::profiles::EmbeddedProfiles;
pub use self::progress::EmbeddedProgress;
pub use self::queue::{DEAD_LETTER_RETENTION, EmbeddedQueue, MAX_RECEIVES, VISIBILITY_TIMEOUT};
pub use self::retention::EmbeddedRetention;
pub use self::revocations::EmbeddedRevocations;
use super::Backend;
use super::ports::DeadLetters;

/// Opens (creating on first start) the data directory `dir` and every
/// embedded adapter on it; blob URLs start with `public_url` (such as
/// `http://127.0.0.1:3000`), and the local server must answer them (see
/// [`Backend::local_routes`]).
pub fn open(dir: &Path, public_url: &str) -> Result<Backend, String> {
    let keys_dir = dir.join("keys");
    for sub in [dir.to_path_buf(), keys_dir.clone(), dir.join("blobs"), dir.join("mail")] {
        std::fs::create_dir_all(&sub).map_err(|err| format!("cannot create {}: {err}", sub.display()))?;
    }
    check_writable(dir)?;
    let db = db::Db::open(&dir.join("app.db"))?;
    let signing = keys::signing_keys(&keys_dir)?;
    let secret = keys::secret(&keys_dir, "secret.key")?;
    let mail = mail::MailSink::new(&dir.join("mail"));
    let identity = Arc::new(EmbeddedIdentity::new(db.clone(), &signing, mail)?);
    let queue = EmbeddedQueue::new(db.clone());
    let blobs = Arc::new(EmbeddedBlobs::new(
        dir.join("blobs"),
        secret.clone(),
        public_url.to_owned(),
    ));
    Ok(Backend {
        name: "embedded",
        identity: identity.clone(),
        authenticator: identity,
        profiles: Arc::new(EmbeddedProfiles::new(db.clone())),
        goals: Arc::new(EmbeddedGoals::new(db.clone())),
        progress: Arc::new(EmbeddedProgress::new(db.clone())),
        attachments: Arc::new(EmbeddedAttachments::new(db.clone())),
        aggregates: Arc::new(EmbeddedAggregates::new(db.clone())),
        outbox: Arc::new(EmbeddedOutbox::new(db.clone())),
        inbox: Arc::new(EmbeddedInbox::new(db.clone())),
        revocations: Arc::new(EmbeddedRevocations::new(db.clone())),
        erasure: Arc::new(EmbeddedErasure::new(db.clone())),
        exports: Arc::new(EmbeddedExports::new(db.clone())),
        retention: Arc::new(EmbeddedRetention::new(db.clone())),
        attempts: None,
        delivery_failures: Arc::new(queue.clone()),
        publisher: Arc::new(queue.clone()),
        subscription: Arc::new(queue),
        blobs: blobs.clone(),
        cursor_secret: secret,
        local_routes: Some(blobs),
    })
}

/// The dead-letter queue of the data directory `dir`, for `cargo xtask
/// dlq` (a server may be running on it: SQLite takes turns).
pub fn dead_letters(dir: &Path) -> Result<Arc<dyn DeadLetters>, String> {
    let database = dir.join("app.db");
    if !database.exists() {
        return Err(format!(
            "no database at {}: is it the data directory?",
            database.display()
        ));
    }
    Ok(Arc::new(EmbeddedQueue::new(db::Db::open(&database)?)))
}

/// Fails with a clear message when `dir` cannot be written.
fn check_writable(dir: &Path) -> Result<(), String> {
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|err| format!("the data directory {} is not writable: {err}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::open;
    use tempfile::TempDir;

    #[test]
    fn an_unusable_data_directory_is_a_clear_error() {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("not-a-directory");
        std::fs::write(&file, b"x").unwrap();
        let err = open(&file, "http://127.0.0.1").err().unwrap();
        assert!(
            err.contains("cannot create") && err.contains("not-a-directory"),
            "{err}"
        );
    }

    #[test]
    fn reopening_keeps_the_keys() {
        let dir = TempDir::new().unwrap();
        drop(open(dir.path(), "http://127.0.0.1").unwrap());
        let key = std::fs::read(dir.path().join("keys/signing-key.pem")).unwrap();
        drop(open(dir.path(), "http://127.0.0.1").unwrap());
        assert_eq!(std::fs::read(dir.path().join("keys/signing-key.pem")).unwrap(), key);
    }
}
