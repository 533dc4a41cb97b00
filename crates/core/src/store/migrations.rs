//! Embedded SQL migrations. Each file runs in its own transaction and bumps `user_version`.
//! Add a migration by adding `NNNN_name.sql` here and to [`MIGRATIONS`]; never edit a shipped one.

use std::sync::LazyLock;

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

use crate::error::{Error, Result};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_integrations_audit.sql"),
    include_str!("migrations/0003_connection_tests.sql"),
    include_str!("migrations/0004_webhooks.sql"),
    include_str!("migrations/0005_api_keys.sql"),
    include_str!("migrations/0006_users.sql"),
    include_str!("migrations/0007_ingest_usage.sql"),
    include_str!("migrations/0008_sync.sql"),
    include_str!("migrations/0009_oauth_connect.sql"),
];

static SET: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect()));

pub fn latest_version() -> u32 {
    u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX)
}

/// Applies pending migrations one at a time, each in its own transaction, so a failure leaves
/// the database at the last good version.
pub(super) fn run(conn: &mut Connection) -> Result<()> {
    let current: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0))? as usize;
    for target in current + 1..=MIGRATIONS.len() {
        SET.to_version(conn, target).map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => Error::Sqlite(err),
            other => Error::Internal(format!("migration {target} failed: {other}")),
        })?;
        tracing::info!(version = target, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        SET.validate().unwrap();
    }
}
