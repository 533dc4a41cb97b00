//! The desktop shell: builds core's state once, registers the commands, opens the window.
//! Everything the app does lives in `switchboard-core`; `commands/` holds one-line adapters.

mod commands;
mod events;
mod state;

use std::path::PathBuf;
use std::sync::Arc;

use switchboard_core::checks::scheduler;
use switchboard_core::ingest;
use switchboard_core::webhooks::worker::{Worker, WorkerConfig};
use switchboard_core::{OpenOptions, Switchboard};
use tauri::Manager;

pub use commands::specta_builder;
use state::AppState;

/// Starts the app. `--data-dir DIR` (or `SWITCHBOARD_DATA_DIR`) points it at another folder.
pub fn run() {
    let data_dir = data_dir_arg(std::env::args());
    let opened = Switchboard::open(OpenOptions {
        data_dir,
        ..Default::default()
    });
    let _log_guard = match &opened {
        Ok(sb) => switchboard_core::logging::init(sb.data_dir(), "app", "info"),
        Err(_) => None,
    };
    if let Err(e) = &opened {
        // The window still opens and shows this error, so the user learns what to do.
        tracing::error!(error = %e, "could not open Switchboard's data");
    }

    let background_checks = std::env::var_os("SWITCHBOARD_NO_BACKGROUND_CHECKS").is_none();
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(AppState::new(opened))
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            if background_checks {
                start_background_checks(app.handle());
            }
            start_delivery_worker(app.handle());
            start_ingest_api(app.handle());
            start_idle_lock(app.handle());
            start_retention(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the window could not be started");
        eprintln!("switchboard: the window could not be started: {e}");
        std::process::exit(1);
    }
}

/// Tests every integration on the check interval for as long as the app runs.
fn start_background_checks(app: &tauri::AppHandle) {
    let Ok(sb) = app.state::<AppState>().switchboard() else {
        return;
    };
    let handle = app.clone();
    let on_tested: Arc<dyn Fn(switchboard_core::checks::TestRun) + Send + Sync> =
        Arc::new(move |run| events::tested(&handle, &run));
    tauri::async_runtime::spawn(scheduler::run(sb, on_tested));
}

/// Delivers queued webhooks for as long as the app runs.
fn start_delivery_worker(app: &tauri::AppHandle) {
    let Ok(sb) = app.state::<AppState>().switchboard() else {
        return;
    };
    let handle = app.clone();
    let worker = match Worker::new(sb, WorkerConfig::from_env()) {
        Ok(worker) => worker,
        Err(e) => {
            tracing::error!(error = %e, "the delivery worker could not start");
            return;
        }
    };
    let worker = worker.with_observer(Arc::new(move |report| events::delivered(&handle, report)));
    tauri::async_runtime::spawn(worker.run(std::future::pending()));
}

/// Serves the loopback ingest API on `SWITCHBOARD_INGEST_PORT` (default 8717) for as long as the
/// app runs. A port in use (another Switchboard, `switchboard serve`) is logged, not fatal.
fn start_ingest_api(app: &tauri::AppHandle) {
    let Ok(sb) = app.state::<AppState>().switchboard() else {
        return;
    };
    let port = match std::env::var("SWITCHBOARD_INGEST_PORT") {
        Ok(value) => match value.trim().parse::<u16>() {
            Ok(port) => port,
            Err(_) => {
                tracing::warn!(%value, "SWITCHBOARD_INGEST_PORT is not a port; using 8717");
                ingest::DEFAULT_PORT
            }
        },
        Err(_) => ingest::DEFAULT_PORT,
    };
    tauri::async_runtime::spawn(async move {
        match ingest::serve(sb, port, std::future::pending()).await {
            Ok(server) => server.stopped().await,
            Err(e) => tracing::warn!(error = %e, "the ingest API did not start"),
        }
    });
}

/// Locks the window once the idle time has passed, even when the UI sends no command, and tells
/// the UI so it hides what is on screen.
fn start_idle_lock(app: &tauri::AppHandle) {
    let Ok(sb) = app.state::<AppState>().switchboard() else {
        return;
    };
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            let state = handle.state::<AppState>();
            let session = state.session();
            if session.user().is_none() {
                continue;
            }
            if let Err(switchboard_core::Error::Locked(_)) = AppState::actor(&sb, session) {
                events::session_changed(&handle, "idle_locked");
            }
        }
    });
}

/// Prunes audit rows and delivery history past the retention period at start-up and daily.
fn start_retention(app: &tauri::AppHandle) {
    let Ok(sb) = app.state::<AppState>().switchboard() else {
        return;
    };
    tauri::async_runtime::spawn(async move {
        loop {
            let result = sb
                .blocking(|sb| {
                    sb.prune_now(
                        &switchboard_core::Actor::system("retention"),
                        switchboard_core::time::now_ms(),
                    )
                })
                .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "retention pruning failed; trying again tomorrow");
            }
            tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
        }
    });
}

/// Reads `--data-dir DIR` or `--data-dir=DIR` from the command line.
fn data_dir_arg(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(value) = arg.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(value));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_arg_forms() {
        let parse = |v: &[&str]| data_dir_arg(v.iter().map(|s| s.to_string()));
        assert_eq!(
            parse(&["app", "--data-dir", "/x"]),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(parse(&["app", "--data-dir=/y"]), Some(PathBuf::from("/y")));
        assert_eq!(parse(&["app"]), None);
        assert_eq!(parse(&["app", "--data-dir"]), None);
    }
}
