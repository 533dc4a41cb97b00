use switchboard_core::audit::{AuditRow, Verification};
use switchboard_core::AppError;
use tauri::State;

use crate::state::AppState;

/// The newest audit rows.
#[tauri::command]
#[specta::specta]
pub async fn recent_audit(
    state: State<'_, AppState>,
    limit: u32,
) -> Result<Vec<AuditRow>, AppError> {
    state.run(move |sb, _| sb.recent_audit(limit)).await
}

/// Checks the audit log's hash chain and names the first row that no longer matches.
#[tauri::command]
#[specta::specta]
pub async fn verify_audit(state: State<'_, AppState>) -> Result<Verification, AppError> {
    state.run(|sb, _| sb.verify_audit()).await
}
