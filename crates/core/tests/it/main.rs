//! Integration tests for switchboard-core against real parts: SQLite files and the OS keychain.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connect;
mod connection;
mod ingest;
mod keychain;
mod receiver;
mod roles;
mod services;
mod users;
mod webhooks;
