use switchboard_core::{AppError, AppInfo};
use tauri::State;

use crate::state::AppState;

/// Version, data directory, schema version and keychain status of this installation.
#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, AppError> {
    state.run(|sb, _| sb.info()).await
}
