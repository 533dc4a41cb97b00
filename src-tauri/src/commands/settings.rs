use switchboard_core::settings::Settings;
use switchboard_core::AppError;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Result<Settings, AppError> {
    state.run(|sb, _| sb.settings()).await
}

/// Saves the clinic name and the check interval; each change is audited.
#[tauri::command]
#[specta::specta]
pub async fn update_settings(
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<Settings, AppError> {
    state
        .run(move |sb, actor| sb.update_settings(actor, &settings))
        .await
}
