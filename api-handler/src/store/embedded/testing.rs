//! For tests: what the embedded store still holds about someone, read
//! straight from every SQLite table, and many rows written at once where the
//! API would take too long (an account with 100,000 progress entries).

use std::path::Path;

use rusqlite::types::ValueRef;

use super::db::ts;
use crate::domain::progress::ProgressEntry;

/// Every row of every table of the data directory `dir`'s database (but
/// those of `except`) with a text value containing one of `needles`, as
/// `table: value`; and `dir`'s blob directory of `user_id`, if it exists.
pub fn rows_naming(dir: &Path, user_id: &str, needles: &[&str], except: &[&str]) -> Result<Vec<String>, String> {
    let db = rusqlite::Connection::open(dir.join("app.db")).map_err(|err| err.to_string())?;
    let mut statement = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .map_err(|err| err.to_string())?;
    let tables = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(|err| err.to_string())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| err.to_string())?;
    let mut found = Vec::new();
    for table in tables.iter().filter(|table| !except.contains(&table.as_str())) {
        let mut rows = db
            .prepare(&format!("SELECT * FROM {table}"))
            .map_err(|err| err.to_string())?;
        let columns = rows.column_count();
        let mut rows = rows.query([]).map_err(|err| err.to_string())?;
        while let Some(row) = rows.next().map_err(|err| err.to_string())? {
            for column in 0..columns {
                if let Ok(ValueRef::Text(value)) = row.get_ref(column) {
                    let value = String::from_utf8_lossy(value);
                    if needles.iter().any(|needle| value.contains(needle)) {
                        found.push(format!("{table}: {value}"));
                    }
                }
            }
        }
    }
    let blobs = dir.join("blobs").join(user_id);
    if blobs.exists() {
        found.push(format!("blob directory {}", blobs.display()));
    }
    Ok(found)
}

/// Stores `entries` of `user_id` straight into the data directory `dir`'s
/// `progress` table in one transaction, as the adapter would store them,
/// without touching the goal or the aggregates.
pub fn seed_progress(dir: &Path, user_id: &str, entries: &[ProgressEntry]) -> Result<(), String> {
    let mut db = rusqlite::Connection::open(dir.join("app.db")).map_err(|err| err.to_string())?;
    let tx = db.transaction().map_err(|err| err.to_string())?;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO progress (entry_id, goal_id, user_id, value, note, at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(|err| err.to_string())?;
        for entry in entries {
            insert
                .execute(rusqlite::params![
                    entry.entry_id,
                    entry.goal_id,
                    user_id,
                    entry.value,
                    entry.note,
                    ts(entry.at),
                    ts(entry.created_at)
                ])
                .map_err(|err| err.to_string())?;
        }
    }
    tx.commit().map_err(|err| err.to_string())
}

/// The fault the inbox of a data directory broken by [`break_inbox`] fails
/// every write with.
pub const BROKEN_INBOX: &str = "the inbox is broken";

/// Makes every write of a notification in the data directory `dir` fail
/// with [`BROKEN_INBOX`], as a broken store would, until [`heal_inbox`].
pub fn break_inbox(dir: &Path) -> Result<(), String> {
    let db = rusqlite::Connection::open(dir.join("app.db")).map_err(|err| err.to_string())?;
    let trigger = format!(
        "CREATE TRIGGER broken_inbox BEFORE INSERT ON notifications BEGIN SELECT RAISE(ABORT, '{BROKEN_INBOX}'); END"
    );
    db.execute(&trigger, []).map_err(|err| err.to_string())?;
    Ok(())
}

/// Undoes [`break_inbox`].
pub fn heal_inbox(dir: &Path) -> Result<(), String> {
    let db = rusqlite::Connection::open(dir.join("app.db")).map_err(|err| err.to_string())?;
    db.execute("DROP TRIGGER broken_inbox", [])
        .map_err(|err| err.to_string())?;
    Ok(())
}

/// Makes every message of the data directory `dir`'s queue visible now, as
/// if its visibility timeout had passed.
pub fn lapse_leases(dir: &Path) -> Result<(), String> {
    let db = rusqlite::Connection::open(dir.join("app.db")).map_err(|err| err.to_string())?;
    db.execute("UPDATE queue SET visible_at = ?1", [ts(chrono::Utc::now())])
        .map_err(|err| err.to_string())?;
    Ok(())
}
