//! Events the shell sends to the UI, and desktop notifications.

use serde::Serialize;
use switchboard_core::checks::TestRun;
use switchboard_core::sync::worker::SyncReport;
use switchboard_core::webhooks::worker::BatchReport;
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;

/// A connection test finished (background or "Test now"): the dashboard refreshes that card.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTested {
    pub run: TestRun,
}

/// Tells the UI, and raises a desktop notification when an integration has just turned red.
pub fn tested(app: &AppHandle, run: &TestRun) {
    if let Err(e) = (ConnectionTested { run: run.clone() }).emit(app) {
        tracing::warn!(error = %e, "could not send the connection-tested event");
    }
    if run.became_red() {
        let body = format!("{} — {}", run.status.reason, run.status.action);
        let shown = app
            .notification()
            .builder()
            .title(format!("{} needs attention", run.status.name))
            .body(body)
            .show();
        if let Err(e) = shown {
            tracing::warn!(error = %e, "could not show a desktop notification");
        }
    }
}

/// The delivery worker finished a batch: the delivery log and endpoint cards refresh.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct DeliveriesChanged {
    pub report: BatchReport,
}

/// Tells the UI, and raises a desktop notification for every endpoint the batch disabled.
pub fn delivered(app: &AppHandle, report: &BatchReport) {
    if let Err(e) = (DeliveriesChanged {
        report: report.clone(),
    })
    .emit(app)
    {
        tracing::warn!(error = %e, "could not send the deliveries-changed event");
    }
    for d in &report.disabled {
        let shown = app
            .notification()
            .builder()
            .title("A webhook endpoint was disabled")
            .body(format!("{} — {}", d.url, d.reason))
            .show();
        if let Err(e) = shown {
            tracing::warn!(error = %e, "could not show a desktop notification");
        }
    }
}

/// The sync worker finished a batch: the sync log and the cards' sync lines refresh.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct SyncChanged {
    pub report: SyncReport,
}

pub fn synced(app: &AppHandle, report: &SyncReport) {
    if let Err(e) = (SyncChanged {
        report: report.clone(),
    })
    .emit(app)
    {
        tracing::warn!(error = %e, "could not send the sync-changed event");
    }
}

/// The session changed without the UI asking (the idle lock, or a lock from elsewhere): the UI
/// asks for the session state again.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct SessionChanged {
    /// `locked`, `idle_locked` or `signed_out`.
    pub reason: String,
}

pub fn session_changed(app: &AppHandle, reason: &str) {
    if let Err(e) = (SessionChanged {
        reason: reason.to_owned(),
    })
    .emit(app)
    {
        tracing::warn!(error = %e, "could not send the session-changed event");
    }
}
