//! The SQLite database: one writer connection, a pool of readers, WAL, migrations.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Params, Row, TransactionBehavior};
use tokio::sync::{Mutex as AsyncMutex, Semaphore};

use crate::store::ports::{StoreError, StoreResult};

/// How long a connection waits for a lock before giving up (then 503).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Read connections open at once. More concurrent reads wait for one
/// (asynchronously) instead of opening connections, and each connection
/// keeps its prepared statements.
const READERS: usize = 8;

/// Schema versions, applied in order; the index + 1 is `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_profiles.sql"),
    include_str!("migrations/0003_progress_by_time.sql"),
    include_str!("migrations/0004_events_and_inbox.sql"),
    include_str!("migrations/0005_account_lifecycle.sql"),
    include_str!("migrations/0006_retention.sql"),
];

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub(crate) struct Db {
    path: Arc<Path>,
    /// Held across a write transaction: writers queue here, not in threads.
    writer: Arc<AsyncMutex<Connection>>,
    /// Idle read connections, opened on demand up to [`READERS`].
    readers: Arc<Mutex<Vec<Connection>>>,
    /// One permit per read connection.
    reading: Arc<Semaphore>,
}

/// Statements a connection keeps prepared: more than the store's distinct
/// queries, so none is parsed twice.
const STATEMENT_CACHE: usize = 128;

/// `query_row` through the connection's statement cache: each query is
/// parsed once per connection, not on every call.
pub(crate) trait CachedQuery {
    /// The first row of `sql` with `params`, read by `f`.
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;
}

impl CachedQuery for Connection {
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Maps a SQLite error to a [`StoreError`]: busy is retryable, the rest internal.
pub(crate) fn db_error(err: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, _) = &err
        && matches!(
            code.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        )
    {
        return StoreError::Unavailable {
            reason: "the database is busy".to_owned(),
            retry_after_secs: 1,
        };
    }
    StoreError::Internal(format!("database error: {err}"))
}

impl Db {
    /// Opens (creating if needed) `path` and migrates it to the latest schema.
    pub(crate) fn open(path: &Path) -> Result<Db, String> {
        let mut writer = open_connection(path).map_err(|err| format!("cannot open {}: {err}", path.display()))?;
        migrate(&mut writer).map_err(|err| format!("cannot migrate {}: {err}", path.display()))?;
        Ok(Db {
            path: Arc::from(path),
            writer: Arc::new(AsyncMutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::with_capacity(READERS))),
            reading: Arc::new(Semaphore::new(READERS)),
        })
    }

    /// Runs `f` in an immediate (write-locking) transaction on the writer,
    /// committing when it returns `Ok`.
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let mut conn = Arc::clone(&self.writer).lock_owned().await;
        blocking(move || {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_error)?;
            let value = f(&tx)?;
            tx.commit().map_err(db_error)?;
            Ok(value)
        })
        .await
    }

    /// Runs `f` in a write transaction of `user_id`'s data, which fails with
    /// `NotFound("account")` once the account is deleted (its tombstone is
    /// checked in the same transaction), so no write outlives the purge.
    pub(crate) async fn write_as<T, F>(&self, user_id: &str, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let user_id = user_id.to_owned();
        self.write(move |tx| {
            let deleted: bool = tx
                .query_row_cached(
                    "SELECT EXISTS (SELECT 1 FROM revocations WHERE user_id = ?1 AND deleted_at IS NOT NULL)",
                    [&user_id],
                    |row| row.get(0),
                )
                .map_err(db_error)?;
            if deleted {
                return Err(StoreError::NotFound("account"));
            }
            f(tx)
        })
        .await
    }

    /// Runs `f` on a read connection (a consistent snapshot inside one call).
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.reading)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Internal("the database is closed".to_owned()))?;
        let readers = Arc::clone(&self.readers);
        let path = Arc::clone(&self.path);
        blocking(move || {
            // A panic elsewhere cannot leave the list itself inconsistent.
            let idle = readers.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let mut conn = match idle {
                Some(conn) => conn,
                None => open_connection(&path).map_err(db_error)?,
            };
            let result = conn.transaction().map_err(db_error).and_then(|tx| {
                let value = f(&tx)?;
                tx.finish().map_err(db_error)?;
                Ok(value)
            });
            // The permit bounds the connections, so every one goes back.
            readers.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
            drop(permit);
            result
        })
        .await
    }
}

/// Runs blocking database work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> StoreResult<T> + Send + 'static) -> StoreResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|err| Err(StoreError::Internal(format!("database task failed: {err}"))))
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Applies every migration newer than the database's `user_version`, each in
/// its own transaction.
fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    // Foreign keys stay off while tables are rebuilt (they are per connection).
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let current = usize::try_from(current).unwrap_or(0);
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "database migrated");
    }
    conn.pragma_update(None, "foreign_keys", "ON")
}

pub(crate) use crate::store::codec::timestamp as ts;

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rusqlite::Connection;

    use super::{Db, MIGRATIONS, READERS};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_reads_share_a_bounded_pool_of_connections() {
        let dir = tempfile::TempDir::new().unwrap();
        let db = Db::open(&dir.path().join("app.db")).unwrap();
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let reads = (0..4 * READERS).map(|_| {
            let (db, running, most) = (db.clone(), Arc::clone(&running), Arc::clone(&most));
            tokio::spawn(async move {
                db.read(move |tx| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    let version: i64 = tx
                        .pragma_query_value(None, "user_version", |row| row.get(0))
                        .map_err(super::db_error)?;
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(version)
                })
                .await
            })
        });
        for read in reads.collect::<Vec<_>>() {
            assert_eq!(read.await.unwrap().unwrap(), MIGRATIONS.len() as i64);
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= READERS, "{most} reads ran at once");
        let idle = db.readers.lock().unwrap().len();
        assert!((1..=READERS).contains(&idle), "{idle} connections kept open");
    }

    #[test]
    fn a_database_of_the_first_schema_keeps_its_profiles() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("app.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO users (user_id, email, password_hash, confirmed, display_name, timezone, created_at, updated_at)
                 VALUES ('u1', 'ada@example.com', 'hash', 1, 'Ada', 'Europe/Paris', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z')",
                [],
            )
            .unwrap();
        }
        drop(Db::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let profile: (String, String, String) = conn
            .query_row(
                "SELECT display_name, timezone, updated_at FROM profiles WHERE user_id = 'u1'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            profile,
            ("Ada".into(), "Europe/Paris".into(), "2026-01-02T00:00:00.000Z".into())
        );
        let hash: String = conn
            .query_row("SELECT password_hash FROM users WHERE user_id = 'u1'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(hash, "hash", "credentials stay");
    }
}
