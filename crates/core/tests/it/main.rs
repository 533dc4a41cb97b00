//! Integration tests for switchboard-core against real parts: SQLite files and the OS keychain.

mod keychain;
