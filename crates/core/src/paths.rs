//! Where Switchboard keeps its files, and which build kind this is.

use std::path::PathBuf;

use serde::Serialize;

/// Environment variable naming the data directory (the `--data-dir` option wins over it).
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "switchboard.sqlite3";

/// Development and release builds keep apart: a dev build never reads or writes release data or
/// release secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum BuildKind {
    Release,
    Development,
}

impl BuildKind {
    pub const fn current() -> Self {
        if cfg!(debug_assertions) {
            BuildKind::Development
        } else {
            BuildKind::Release
        }
    }

    /// The app-data folder name and the keychain service name.
    pub const fn namespace(self) -> &'static str {
        match self {
            BuildKind::Release => "switchboard",
            BuildKind::Development => "switchboard-dev",
        }
    }
}

/// The data directory: the explicit option, else `SWITCHBOARD_DATA_DIR`, else the OS app-data
/// directory (`~/.local/share/switchboard` on Linux, `%LOCALAPPDATA%\switchboard` on Windows,
/// `~/Library/Application Support/switchboard` on macOS).
pub fn resolve_data_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| {
            std::env::var_os(DATA_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| dirs::data_local_dir().map(|d| d.join(BuildKind::current().namespace())))
}
