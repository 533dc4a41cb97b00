//! Integration tests for switchboard-core against real parts: SQLite files and the OS keychain.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connect;
mod connection;
mod ingest;
mod keychain;
mod provider_calls;
mod receiver;
mod roles;
mod services;
mod sync;
mod sync_providers;
mod test_text;
mod users;
mod webhooks;
