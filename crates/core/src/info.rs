//! What `switchboard info` and the Settings page show about this installation.

use serde::Serialize;

use crate::paths::BuildKind;
use crate::secrets::KeychainStatus;

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
}
