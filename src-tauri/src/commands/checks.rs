use switchboard_core::checks::{TestRecord, TestRun};
use switchboard_core::status::IntegrationStatus;
use switchboard_core::AppError;
use tauri::{AppHandle, State};

use crate::events;
use crate::state::AppState;

/// Tests one integration now ("Test now"); the dashboard also hears it as an event.
#[tauri::command]
#[specta::specta]
pub async fn test_integration(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> Result<TestRun, AppError> {
    let run = state
        .switchboard()?
        .test_integration(&id)
        .await
        .map_err(AppError::from)?;
    events::tested(&app, &run);
    Ok(run)
}

/// Every integration's status (green, yellow, red, off) with its reason, for the dashboard.
#[tauri::command]
#[specta::specta]
pub async fn integration_statuses(
    state: State<'_, AppState>,
) -> Result<Vec<IntegrationStatus>, AppError> {
    state.run(|sb, _| sb.statuses()).await
}

/// The newest connection tests of one integration, newest first.
#[tauri::command]
#[specta::specta]
pub async fn test_history(
    state: State<'_, AppState>,
    id: String,
    limit: u32,
) -> Result<Vec<TestRecord>, AppError> {
    state.run(move |sb, _| sb.test_history(&id, limit)).await
}
