use switchboard_core::audit::retention::Pruned;
use switchboard_core::audit::view::{AuditExport, AuditFacets, AuditFilter, AuditPage};
use switchboard_core::audit::Verification;
use switchboard_core::export::ExportFormat;
use switchboard_core::AppError;
use tauri::State;

use crate::state::AppState;

/// One page of the audit log matching `filter`, newest first, older than `before`.
#[tauri::command]
#[specta::specta]
pub async fn audit_page(
    state: State<'_, AppState>,
    filter: AuditFilter,
    before: Option<u32>,
    limit: u32,
) -> Result<AuditPage, AppError> {
    state
        .run(move |sb, actor| sb.audit_page(actor, &filter, before, limit))
        .await
}

/// The users and actions in the log, for the viewer's filters.
#[tauri::command]
#[specta::specta]
pub async fn audit_facets(state: State<'_, AppState>) -> Result<AuditFacets, AppError> {
    state.run(|sb, actor| sb.audit_facets(actor)).await
}

/// Checks the audit log's hash chain and names the first row that no longer matches.
#[tauri::command]
#[specta::specta]
pub async fn verify_audit(state: State<'_, AppState>) -> Result<Verification, AppError> {
    state.run(|sb, actor| sb.verify_audit(actor)).await
}

/// Writes the filtered audit rows to the Downloads folder as CSV or JSON, with the chain check.
#[tauri::command]
#[specta::specta]
pub async fn export_audit(
    state: State<'_, AppState>,
    filter: AuditFilter,
    format: ExportFormat,
) -> Result<AuditExport, AppError> {
    state
        .run(move |sb, actor| sb.export_audit(actor, &filter, format, None))
        .await
}

/// Removes audit rows and delivery history older than the retention period now.
#[tauri::command]
#[specta::specta]
pub async fn prune_now(state: State<'_, AppState>) -> Result<Pruned, AppError> {
    state.run(|sb, actor| sb.prune(actor)).await
}
