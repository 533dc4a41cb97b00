use switchboard_core::export::{ExportFormat, Exported};
use switchboard_core::sync::job::SyncRule;
use switchboard_core::sync::log::{JobDetail, JobFilter, JobPage, SyncCounts};
use switchboard_core::sync::RuleState;
use switchboard_core::AppError;
use tauri::State;

use crate::state::AppState;

/// The sync rules an integration's provider offers, and which are on.
#[tauri::command]
#[specta::specta]
pub async fn sync_rules(
    state: State<'_, AppState>,
    integration_id: String,
) -> Result<Vec<RuleState>, AppError> {
    state
        .run(move |sb, actor| sb.sync_rules(actor, &integration_id))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_sync_rule(
    state: State<'_, AppState>,
    integration_id: String,
    rule: SyncRule,
    enabled: bool,
) -> Result<Vec<RuleState>, AppError> {
    state
        .run(move |sb, actor| {
            sb.set_sync_rule(actor, &integration_id, rule, enabled)?;
            sb.sync_rules(actor, &integration_id)
        })
        .await
}

/// One page of the sync log, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_sync_jobs(
    state: State<'_, AppState>,
    filter: JobFilter,
    cursor: Option<String>,
    limit: u32,
) -> Result<JobPage, AppError> {
    state
        .run(move |sb, actor| sb.sync_jobs(actor, &filter, cursor.as_deref(), limit))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_sync_job(state: State<'_, AppState>, id: String) -> Result<JobDetail, AppError> {
    state.run(move |sb, actor| sb.sync_job(actor, &id)).await
}

#[tauri::command]
#[specta::specta]
pub async fn retry_sync_jobs(
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> Result<u32, AppError> {
    state
        .run(move |sb, actor| sb.retry_sync_jobs(actor, &ids))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn skip_sync_jobs(state: State<'_, AppState>, ids: Vec<String>) -> Result<u32, AppError> {
    state
        .run(move |sb, actor| sb.skip_sync_jobs(actor, &ids))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn acknowledge_sync_jobs(
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> Result<u32, AppError> {
    state
        .run(move |sb, actor| sb.acknowledge_sync_jobs(actor, &ids))
        .await
}

/// "Sync now": the integration's waiting work is due at once.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>, integration_id: String) -> Result<u32, AppError> {
    state
        .run(move |sb, actor| sb.sync_now(actor, &integration_id))
        .await
}

/// Today's sync counts for every integration that syncs, for the cards.
#[tauri::command]
#[specta::specta]
pub async fn sync_counts(state: State<'_, AppState>) -> Result<Vec<SyncCounts>, AppError> {
    state.run(|sb, actor| sb.sync_counts(actor)).await
}

#[tauri::command]
#[specta::specta]
pub async fn export_sync_jobs(
    state: State<'_, AppState>,
    filter: JobFilter,
    format: ExportFormat,
) -> Result<Exported, AppError> {
    state
        .run(move |sb, actor| sb.export_sync_jobs(actor, &filter, format, None))
        .await
}

/// The QuickBooks company's Items, Accounts and PaymentMethods, read live for the dropdowns.
#[tauri::command]
#[specta::specta]
pub async fn quickbooks_choices(
    state: State<'_, AppState>,
    integration_id: String,
) -> Result<switchboard_core::sync::QuickbooksChoices, AppError> {
    let sb = state.switchboard()?;
    let actor = state.run(|_, actor| Ok(actor.clone())).await?;
    sb.quickbooks_choices(&actor, &integration_id)
        .await
        .map_err(AppError::from)
}

/// A text template rendered with a sample appointment, with its segment count.
#[tauri::command]
#[specta::specta]
pub async fn preview_sms(
    state: State<'_, AppState>,
    field: String,
    template: String,
) -> Result<switchboard_core::sync::SmsPreview, AppError> {
    state
        .run(move |sb, _actor| sb.preview_sms(&field, &template))
        .await
}

/// Numbers that replied STOP (masked).
#[tauri::command]
#[specta::specta]
pub async fn sms_opt_outs(
    state: State<'_, AppState>,
) -> Result<Vec<switchboard_core::sync::OptOut>, AppError> {
    state.run(|sb, actor| sb.sms_opt_outs(actor)).await
}

#[tauri::command]
#[specta::specta]
pub async fn add_sms_opt_out(state: State<'_, AppState>, phone: String) -> Result<(), AppError> {
    state
        .run(move |sb, actor| sb.add_sms_opt_out(actor, &phone))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn clear_sms_opt_out(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    state
        .run(move |sb, actor| sb.clear_sms_opt_out(actor, &id))
        .await
}
