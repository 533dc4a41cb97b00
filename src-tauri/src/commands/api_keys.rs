use switchboard_core::api_keys::{ApiKey, ApiKeyDraft, ApiKeyUses, CreatedApiKey};
use switchboard_core::AppError;
use tauri::State;

use crate::state::AppState;

/// Keys for the ingest API: prefixes, scopes and states, never the keys.
#[tauri::command]
#[specta::specta]
pub async fn list_api_keys(state: State<'_, AppState>) -> Result<Vec<ApiKey>, AppError> {
    state.run(|sb, actor| sb.list_api_keys(actor)).await
}

/// Creates a key; the key itself is in the answer this once.
#[tauri::command]
#[specta::specta]
pub async fn create_api_key(
    state: State<'_, AppState>,
    draft: ApiKeyDraft,
) -> Result<CreatedApiKey, AppError> {
    state
        .run(move |sb, actor| sb.create_api_key(actor, draft))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn revoke_api_key(state: State<'_, AppState>, id: String) -> Result<ApiKey, AppError> {
    state
        .run(move |sb, actor| sb.revoke_api_key(actor, &id))
        .await
}

/// A key's recent uses (the events it sent, newest first) and its refusal count.
#[tauri::command]
#[specta::specta]
pub async fn api_key_uses(
    state: State<'_, AppState>,
    id: String,
    before: Option<f64>,
    limit: u32,
) -> Result<ApiKeyUses, AppError> {
    // specta carries numbers as f64; a seq is an integer well inside f64's exact range.
    let before = before.map(|b| b as i64);
    state
        .run(move |sb, actor| sb.api_key_uses(actor, &id, before, limit))
        .await
}
