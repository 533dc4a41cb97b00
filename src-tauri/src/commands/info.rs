use switchboard_core::missing::MissingSecret;
use switchboard_core::{AppError, AppInfo};
use tauri::State;

use crate::state::AppState;

/// Version, data directory, schema version and keychain status of this installation. Needs no
/// sign-in: the sign-in screen shows a database or keychain problem too.
#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, AppError> {
    state.run_open(|sb, _| sb.info()).await
}

/// Secrets the database says are set but this computer's keychain lacks (a database copied
/// from another machine).
#[tauri::command]
#[specta::specta]
pub async fn missing_secrets(state: State<'_, AppState>) -> Result<Vec<MissingSecret>, AppError> {
    state.run(|sb, actor| sb.missing_secrets(actor)).await
}
