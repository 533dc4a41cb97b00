use switchboard_core::checks::test_text::{TestText, TestTextRequest};
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
    let sb = state.switchboard()?;
    let actor = state.run(|_, actor| Ok(actor.clone())).await?;
    let run = sb
        .test_integration(&actor, &id)
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
    state.run(|sb, actor| sb.statuses(actor)).await
}

/// The newest connection tests of one integration, newest first.
#[tauri::command]
#[specta::specta]
pub async fn test_history(
    state: State<'_, AppState>,
    id: String,
    limit: u32,
) -> Result<Vec<TestRecord>, AppError> {
    state
        .run(move |sb, actor| sb.test_history(actor, &id, limit))
        .await
}

/// Sends a test text from a Twilio integration to the number typed ("Send a test text").
#[tauri::command]
#[specta::specta]
pub async fn send_test_text(
    state: State<'_, AppState>,
    id: String,
    request: TestTextRequest,
) -> Result<TestText, AppError> {
    let sb = state.switchboard()?;
    let actor = state.run(|_, actor| Ok(actor.clone())).await?;
    sb.send_test_text(&actor, &id, &request)
        .await
        .map_err(AppError::from)
}

/// A test text's status now; the dialog calls it until `isFinal`.
#[tauri::command]
#[specta::specta]
pub async fn test_text_status(
    state: State<'_, AppState>,
    id: String,
    sid: String,
) -> Result<TestText, AppError> {
    let sb = state.switchboard()?;
    let actor = state.run(|_, actor| Ok(actor.clone())).await?;
    sb.test_text_status(&actor, &id, &sid)
        .await
        .map_err(AppError::from)
}
