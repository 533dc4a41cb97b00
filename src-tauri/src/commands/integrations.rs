use switchboard_core::integrations::{Integration, IntegrationDraft, IntegrationPatch, Saved};
use switchboard_core::providers::{self, FieldIssue, ProviderSpec};
use switchboard_core::AppError;
use tauri::State;

use crate::state::AppState;

/// Every provider's form: fields, rules, environments.
#[tauri::command]
#[specta::specta]
pub fn list_providers() -> Vec<ProviderSpec> {
    providers::catalog()
}

#[tauri::command]
#[specta::specta]
pub async fn list_integrations(state: State<'_, AppState>) -> Result<Vec<Integration>, AppError> {
    state.run(|sb, actor| sb.list_integrations(actor)).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_integration(
    state: State<'_, AppState>,
    id: String,
) -> Result<Integration, AppError> {
    state
        .run(move |sb, actor| sb.get_integration(actor, &id))
        .await
}

/// Every issue with a new integration's form, for inline feedback while typing.
#[tauri::command]
#[specta::specta]
pub async fn validate_integration(
    state: State<'_, AppState>,
    draft: IntegrationDraft,
) -> Result<Vec<FieldIssue>, AppError> {
    state
        .run(move |sb, actor| sb.validate_integration(actor, &draft))
        .await
}

/// Every issue with an edit of a stored integration, for inline feedback while typing.
#[tauri::command]
#[specta::specta]
pub async fn validate_integration_patch(
    state: State<'_, AppState>,
    id: String,
    patch: IntegrationPatch,
) -> Result<Vec<FieldIssue>, AppError> {
    state
        .run(move |sb, actor| sb.validate_integration_patch(actor, &id, &patch))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn create_integration(
    state: State<'_, AppState>,
    draft: IntegrationDraft,
) -> Result<Saved, AppError> {
    state
        .run(move |sb, actor| sb.create_integration(actor, draft))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn update_integration(
    state: State<'_, AppState>,
    id: String,
    patch: IntegrationPatch,
) -> Result<Saved, AppError> {
    state
        .run(move |sb, actor| sb.update_integration(actor, &id, patch))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_integration_enabled(
    state: State<'_, AppState>,
    id: String,
    enabled: bool,
) -> Result<Integration, AppError> {
    state
        .run(move |sb, actor| sb.set_integration_enabled(actor, &id, enabled))
        .await
}

/// Removes the integration and its secrets from the keychain.
#[tauri::command]
#[specta::specta]
pub async fn delete_integration(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    state
        .run(move |sb, actor| sb.delete_integration(actor, &id))
        .await
}
