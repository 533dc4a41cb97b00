//! The SQLite store: one file, WAL, foreign keys, a busy timeout, embedded migrations.
//!
//! Writes go through one connection behind a mutex, each in an `IMMEDIATE` transaction, so writers
//! queue in-process instead of spinning on `SQLITE_BUSY`. Reads come from a small pool of
//! read-only connections; in WAL mode a reader never waits for the writer, so the UI stays
//! responsive while the delivery worker writes.

mod migrations;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

pub use migrations::latest_version;

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const READ_POOL_SIZE: u32 = 4;

pub struct Db {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// Commits made by [`Db::write_synced`], so tests and benchmarks can see group commit work.
    synced_commits: AtomicU64,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// A database from a newer version, a file that is not a database, or a database locked by
    /// another program is refused before anything is written to it.
    pub fn open(path: &Path) -> Result<Db> {
        let writer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(path, e))?;
        writer
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| classify(path, e))?;

        // Read the version before touching anything: switching to WAL rewrites the header.
        let found: u32 = writer
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| classify(path, e))?;
        let supported = latest_version();
        if found > supported {
            return Err(Error::DatabaseTooNew {
                path: path.to_owned(),
                found,
                supported,
            });
        }

        configure_writer(&writer).map_err(|e| classify(path, e))?;
        let mut writer = writer;
        migrations::run(&mut writer).map_err(|e| match e {
            Error::Sqlite(e) => classify(path, e),
            other => other,
        })?;

        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|c| {
                c.busy_timeout(BUSY_TIMEOUT)?;
                c.pragma_update(None, "foreign_keys", true)
            });
        let readers = r2d2::Pool::builder()
            .max_size(READ_POOL_SIZE)
            .min_idle(Some(1))
            .build(manager)?;

        Ok(Db {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers,
            synced_commits: AtomicU64::new(0),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a pooled read-only connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.readers.get()?;
        f(&conn)
    }

    /// Runs `f` in one `IMMEDIATE` transaction, committed only if `f` returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock_writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(&self.path, e))?;
        let value = f(&tx)?;
        tx.commit().map_err(|e| classify(&self.path, e))?;
        Ok(value)
    }

    /// Like [`Db::write`], but the commit is on disk when this returns: the WAL is fsynced.
    ///
    /// The connection normally runs `synchronous=NORMAL`, where a WAL commit survives a crash of
    /// the app but not a power cut. A caller that tells someone else "stored" (the ingest API's
    /// 202) must not lose the data to a power cut, so this one transaction runs under `FULL`.
    /// `synchronous` cannot change inside a transaction, hence the switch around it on the one
    /// writer connection (no other write can interleave: the writer is behind the mutex). We
    /// chose this over a separate durable connection or `wal_checkpoint` because it costs one
    /// fsync of the WAL per commit and nothing else, and the ingest API's group commit shares
    /// that fsync among every request in the group.
    pub fn write_synced<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock_writer();
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| classify(&self.path, e))?;
        let result = (|| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| classify(&self.path, e))?;
            let value = f(&tx)?;
            tx.commit().map_err(|e| classify(&self.path, e))?;
            Ok(value)
        })();
        // Back to NORMAL for every other write, whether this one committed or not.
        if let Err(e) = conn.pragma_update(None, "synchronous", "NORMAL") {
            tracing::error!(error = %e, "could not restore synchronous=NORMAL");
        }
        if result.is_ok() {
            self.synced_commits.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// How many [`Db::write_synced`] transactions committed since the database was opened.
    pub fn synced_commits(&self) -> u64 {
        self.synced_commits.load(Ordering::Relaxed)
    }

    pub fn schema_version(&self) -> Result<u32> {
        self.read(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
    }

    fn lock_writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the transaction rolled back (dropped), so the
        // connection itself is still sound.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let conn = self.lock_writer();
        // Best effort: lets SQLite refresh its query planner statistics.
        let _ = conn.execute_batch("PRAGMA optimize;");
    }
}

fn configure_writer(c: &Connection) -> rusqlite::Result<()> {
    c.pragma_update(None, "journal_mode", "WAL")?;
    // NORMAL is durable across application crashes in WAL mode; only power loss can drop the
    // last transactions.
    c.pragma_update(None, "synchronous", "NORMAL")?;
    c.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Turns SQLite's errors about the file itself into errors that name the path and what to do.
fn classify(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => Error::DatabaseLocked {
            path: path.to_owned(),
        },
        Some(C::NotADatabase | C::DatabaseCorrupt) => Error::DatabaseCorrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        },
        Some(
            C::CannotOpen | C::ReadOnly | C::PermissionDenied | C::DiskFull | C::SystemIoFailure,
        ) => Error::DataDir {
            path: path.to_owned(),
            reason: format!("{e}. Check that the folder exists, is writable and has free space"),
        },
        _ => Error::Sqlite(e),
    }
}

/// Reads column `idx`, which holds an enum's name (a delivery status, a network failure): an
/// unknown name is a conversion error, never a guess.
pub(crate) fn named<T>(
    row: &rusqlite::Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> std::result::Result<T, switchboard_domain::Invalid>,
) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    parse(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// [`named`] for a nullable column.
pub(crate) fn named_opt<T>(
    row: &rusqlite::Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> std::result::Result<T, switchboard_domain::Invalid>,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| {
        parse(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("test.sqlite3")).unwrap();
        (dir, db)
    }

    #[test]
    fn enum_columns_refuse_unknown_names_and_match_the_schema() {
        use switchboard_domain::delivery::DeliveryStatus;
        use switchboard_domain::net::NetFailure;
        let (_dir, db) = temp_db();
        db.read(|c| {
            let dead = c.query_row("SELECT 'dead'", [], |r| named(r, 0, DeliveryStatus::parse))?;
            assert_eq!(dead, DeliveryStatus::Dead);
            let unknown = c.query_row("SELECT 'paused'", [], |r| {
                named(r, 0, DeliveryStatus::parse)
            });
            assert!(
                matches!(
                    unknown,
                    Err(rusqlite::Error::FromSqlConversionFailure(0, ..))
                ),
                "an unknown status is an error, not pending: {unknown:?}"
            );
            let none = c.query_row("SELECT NULL", [], |r| named_opt(r, 0, NetFailure::parse))?;
            assert_eq!(none, None);
            let bad = c.query_row("SELECT 'gremlins'", [], |r| {
                named_opt(r, 0, NetFailure::parse)
            });
            assert!(bad.is_err());
            Ok(())
        })
        .unwrap();
        // The schema's CHECK lists exactly the enum's states, so neither can drift alone.
        let schema = include_str!("migrations/0004_webhooks.sql");
        let check = format!(
            "CHECK (status IN ({}))",
            DeliveryStatus::sql_list(&DeliveryStatus::ALL)
        );
        assert!(schema.contains(&check), "{check} not in 0004_webhooks.sql");
    }

    #[test]
    fn opens_in_wal_with_foreign_keys_and_latest_schema() {
        let (_dir, db) = temp_db();
        let mode: String = db
            .read(|c| Ok(c.pragma_query_value(None, "journal_mode", |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: bool = db
            .read(|c| Ok(c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?))
            .unwrap();
        assert!(fk);
        assert_eq!(db.schema_version().unwrap(), latest_version());
    }

    #[test]
    fn reopening_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        drop(Db::open(&path).unwrap());
        let db = Db::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), latest_version());
    }

    #[test]
    fn newer_database_is_refused_and_left_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch("CREATE TABLE t(x); PRAGMA user_version = 9999;")
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = Db::open(&path).unwrap_err();
        assert!(
            matches!(err, Error::DatabaseTooNew { found: 9999, .. }),
            "{err}"
        );
        assert!(err.to_string().contains(&path.display().to_string()));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the file must not change"
        );
        assert!(!dir.path().join("db.sqlite3-wal").exists());
    }

    #[test]
    fn garbage_file_is_reported_as_corrupt_and_left_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let garbage = b"this is not a sqlite database, it is a shopping list".repeat(100);
        std::fs::write(&path, &garbage).unwrap();
        let err = Db::open(&path).unwrap_err();
        assert!(matches!(err, Error::DatabaseCorrupt { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), garbage);
    }

    #[test]
    fn locked_database_is_reported_as_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        drop(Db::open(&path).unwrap());
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
            .unwrap();
        let db = {
            // Opening reads the header, which the exclusive lock forbids.
            let start = std::time::Instant::now();
            let r = Db::open(&path);
            assert!(
                start.elapsed() >= Duration::from_secs(4),
                "must wait for the busy timeout"
            );
            r
        };
        let err = db.unwrap_err();
        assert!(matches!(err, Error::DatabaseLocked { .. }), "{err}");
    }

    fn synchronous(c: &Connection) -> i64 {
        c.pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_synced_write_commits_under_synchronous_full_and_others_stay_normal() {
        const NORMAL: i64 = 1;
        const FULL: i64 = 2;
        let (_dir, db) = temp_db();
        let inside = db
            .write_synced(|tx| {
                tx.execute("INSERT INTO settings(key, value) VALUES ('a', '1')", [])?;
                Ok(synchronous(tx))
            })
            .unwrap();
        assert_eq!(inside, FULL, "the acknowledging commit is fsynced");
        assert_eq!(db.synced_commits(), 1);
        assert_eq!(db.write(|tx| Ok(synchronous(tx))).unwrap(), NORMAL);

        // A failed synced write restores NORMAL too, and is not counted.
        let r: Result<()> = db.write_synced(|_| Err(Error::Internal("boom".into())));
        assert!(r.is_err());
        assert_eq!(db.write(|tx| Ok(synchronous(tx))).unwrap(), NORMAL);
        assert_eq!(db.synced_commits(), 1);
    }

    #[test]
    fn failed_write_rolls_back() {
        let (_dir, db) = temp_db();
        let r: Result<()> = db.write(|tx| {
            tx.execute("INSERT INTO settings(key, value) VALUES ('k', 'v')", [])?;
            Err(Error::Internal("boom".into()))
        });
        assert!(r.is_err());
        let n: i64 = db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM settings", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn readers_see_committed_writes_while_writer_is_busy() {
        let (_dir, db) = temp_db();
        db.write(|tx| Ok(tx.execute("INSERT INTO settings(key, value) VALUES ('a', '1')", [])?))
            .unwrap();
        // Hold the write lock in a transaction and read through the pool meanwhile.
        let mut writer = db.lock_writer();
        let tx = writer
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        tx.execute("INSERT INTO settings(key, value) VALUES ('b', '2')", [])
            .unwrap();
        let n: i64 = db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM settings", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(
            n, 1,
            "readers see the last committed state, without waiting"
        );
        tx.rollback().unwrap();
    }
}
