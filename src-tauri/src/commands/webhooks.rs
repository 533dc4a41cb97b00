use switchboard_core::webhooks::catalogue::{self, EventTypeInfo};
use switchboard_core::webhooks::log::{
    DeliveryDetail, DeliveryFilter, DeliveryPage, ExportFormat, Exported,
};
use switchboard_core::webhooks::{
    CreatedEndpoint, EmitRequest, Emitted, Endpoint, EndpointDraft, EndpointPatch, EVENT_TYPES,
};
use switchboard_core::AppError;
use tauri::State;

use crate::state::AppState;

/// The event types endpoints can subscribe to.
#[tauri::command]
#[specta::specta]
pub fn list_event_types() -> Vec<String> {
    EVENT_TYPES.iter().map(|t| (*t).to_owned()).collect()
}

/// The event catalogue: each type's fields and example (Webhooks › Event types).
#[tauri::command]
#[specta::specta]
pub fn list_event_catalogue() -> Vec<EventTypeInfo> {
    catalogue::catalogue_info()
}

#[tauri::command]
#[specta::specta]
pub async fn list_endpoints(state: State<'_, AppState>) -> Result<Vec<Endpoint>, AppError> {
    state.run(|sb, actor| sb.list_endpoints(actor)).await
}

/// Creates an endpoint; its signing secret is in the answer this once.
#[tauri::command]
#[specta::specta]
pub async fn create_endpoint(
    state: State<'_, AppState>,
    draft: EndpointDraft,
) -> Result<CreatedEndpoint, AppError> {
    state
        .run(move |sb, actor| sb.create_endpoint(actor, draft))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn update_endpoint(
    state: State<'_, AppState>,
    id: String,
    patch: EndpointPatch,
) -> Result<Endpoint, AppError> {
    state
        .run(move |sb, actor| sb.update_endpoint(actor, &id, patch))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_endpoint_enabled(
    state: State<'_, AppState>,
    id: String,
    enabled: bool,
) -> Result<Endpoint, AppError> {
    state
        .run(move |sb, actor| sb.set_endpoint_enabled(actor, &id, enabled))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_endpoint(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    state
        .run(move |sb, actor| sb.delete_endpoint(actor, &id))
        .await
}

/// A new signing secret, shown this once; the old one signs for 24 more hours.
#[tauri::command]
#[specta::specta]
pub async fn rotate_endpoint_secret(
    state: State<'_, AppState>,
    id: String,
) -> Result<String, AppError> {
    state
        .run(move |sb, actor| sb.rotate_endpoint_secret(actor, &id))
        .await
}

/// "Send test event": queues an event (a `test.ping` or a sample of any type).
#[tauri::command]
#[specta::specta]
pub async fn send_event(
    state: State<'_, AppState>,
    request: EmitRequest,
) -> Result<Emitted, AppError> {
    state.run(move |sb, actor| sb.emit(actor, &request)).await
}

/// One page of the delivery log, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_deliveries(
    state: State<'_, AppState>,
    filter: DeliveryFilter,
    cursor: Option<String>,
    limit: u32,
) -> Result<DeliveryPage, AppError> {
    state
        .run(move |sb, actor| sb.deliveries(actor, &filter, cursor.as_deref(), limit))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_delivery(
    state: State<'_, AppState>,
    id: String,
) -> Result<DeliveryDetail, AppError> {
    state.run(move |sb, actor| sb.delivery(actor, &id)).await
}

/// Resends failed or dead deliveries: the ids given, or every one matching `filter`.
#[tauri::command]
#[specta::specta]
pub async fn resend_deliveries(
    state: State<'_, AppState>,
    ids: Vec<String>,
    filter: Option<DeliveryFilter>,
) -> Result<u32, AppError> {
    state
        .run(move |sb, actor| sb.resend(actor, &ids, filter.as_ref()))
        .await
}

/// Writes the filtered log to the Downloads folder as CSV or JSON.
#[tauri::command]
#[specta::specta]
pub async fn export_deliveries(
    state: State<'_, AppState>,
    filter: DeliveryFilter,
    format: ExportFormat,
) -> Result<Exported, AppError> {
    state
        .run(move |sb, actor| sb.export_deliveries(actor, &filter, format, None))
        .await
}

/// Every endpoint's status for the dashboard, with its 24-hour success rate and counts.
#[tauri::command]
#[specta::specta]
pub async fn endpoint_statuses(
    state: State<'_, AppState>,
) -> Result<Vec<switchboard_core::webhooks::health::EndpointStatus>, AppError> {
    state.run(|sb, actor| sb.endpoint_statuses(actor)).await
}

/// Marks an endpoint's dead deliveries as seen.
#[tauri::command]
#[specta::specta]
pub async fn acknowledge_dead_deliveries(
    state: State<'_, AppState>,
    endpoint_id: String,
) -> Result<u32, AppError> {
    state
        .run(move |sb, actor| sb.acknowledge_dead(actor, &endpoint_id))
        .await
}
