//! What `switchboard info` and the Settings page show about this installation.

use serde::Serialize;

use crate::error::Result;
use crate::paths::BuildKind;
use crate::secrets::KeychainStatus;
use crate::Switchboard;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub build_kind: BuildKind,
    pub data_dir: String,
    pub database_path: String,
    pub schema_version: u32,
    pub keychain: KeychainStatus,
    pub clinic_name: Option<String>,
    pub services: ServicesInfo,
}

/// Where the background services (deliveries, ingest API, scheduled tests, retention) run for
/// this data folder, as the services lock last recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ServicesInfo {
    /// This process runs them.
    pub running_here: bool,
    /// The process that runs them, e.g. "switchboard serve (pid 1234, since 14:02)"; `None`
    /// when none has said so.
    pub holder: Option<String>,
}

impl ServicesInfo {
    pub fn of(data_dir: &std::path::Path) -> Self {
        let holder = crate::lock::read_holder(data_dir);
        ServicesInfo {
            running_here: holder.as_ref().is_some_and(|h| h.pid == std::process::id()),
            holder: holder.map(|h| h.describe().replace('`', "")),
        }
    }
}

impl Switchboard {
    /// What Settings › About and `switchboard info` show.
    pub fn info(&self) -> Result<AppInfo> {
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            build_kind: BuildKind::current(),
            data_dir: self.data_dir().display().to_string(),
            database_path: self.db().path().display().to_string(),
            schema_version: self.db().schema_version()?,
            keychain: self.keychain().status(),
            clinic_name: self.setting("clinic_name")?,
            services: ServicesInfo::of(self.data_dir()),
        })
    }
}
