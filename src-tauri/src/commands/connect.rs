//! "Connect to QuickBooks / Square": the sign-in flow in the system browser, Disconnect, and
//! the Square location picker. Thin adapters over `switchboard_core::oauth`.

use switchboard_core::integrations::Integration;
use switchboard_core::oauth::{ConnectOptions, Connected, Disconnected, SquareLocation};
use switchboard_core::AppError;
use tauri::{AppHandle, Manager, State};

use crate::events;
use crate::state::AppState;

/// Opens the provider's sign-in page in the browser, waits for the callback (up to 10 minutes),
/// stores the connection, brings the window back to the front and tests the connection (unless
/// a Square location must be chosen first).
#[tauri::command]
#[specta::specta]
pub async fn connect_integration(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> Result<Connected, AppError> {
    let sb = state.switchboard()?;
    let actor = state.run(|_, actor| Ok(actor.clone())).await?;
    let result = sb
        .connect_integration(&actor, &id, ConnectOptions::default())
        .await;
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
    let connected = result.map_err(AppError::from)?;
    if !connected.needs_location {
        if let Ok(run) = sb.test_integration(&actor, &connected.integration.id).await {
            events::tested(&app, &run);
        }
    }
    Ok(connected)
}

/// Ends the connection: revokes it at the provider where possible, removes the tokens.
#[tauri::command]
#[specta::specta]
pub async fn disconnect_integration(
    state: State<'_, AppState>,
    id: String,
) -> Result<Disconnected, AppError> {
    let sb = state.switchboard()?;
    let actor = state.run(|_, actor| Ok(actor.clone())).await?;
    sb.disconnect_integration(&actor, &id)
        .await
        .map_err(AppError::from)
}

/// The Square merchant's active locations, for the picker.
#[tauri::command]
#[specta::specta]
pub async fn square_locations(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<SquareLocation>, AppError> {
    let sb = state.switchboard()?;
    let actor = state.run(|_, actor| Ok(actor.clone())).await?;
    sb.square_locations(&actor, &id)
        .await
        .map_err(AppError::from)
}

/// Uses one of the merchant's active locations.
#[tauri::command]
#[specta::specta]
pub async fn choose_square_location(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    location_id: String,
) -> Result<Integration, AppError> {
    let sb = state.switchboard()?;
    let actor = state.run(|_, actor| Ok(actor.clone())).await?;
    let integration = sb
        .choose_square_location(&actor, &id, &location_id)
        .await
        .map_err(AppError::from)?;
    if let Ok(run) = sb.test_integration(&actor, &integration.id).await {
        events::tested(&app, &run);
    }
    Ok(integration)
}
