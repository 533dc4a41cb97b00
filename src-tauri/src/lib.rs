//! The desktop shell: builds core's state once, registers the commands, opens the window.
//! Everything the app does lives in `switchboard-core`; `commands/` holds one-line adapters.

mod commands;
mod events;
mod state;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::ingest;
use switchboard_core::lock::{Acquired, Holder, Program, ServicesLock};
use switchboard_core::services::{Running, Services};
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
        .manage(WindowServices::default())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            start_services(app.handle(), background_checks);
            start_idle_lock(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the window could not be started");
        eprintln!("switchboard: the window could not be started: {e}");
        std::process::exit(1);
    }
}

/// The background services while this window runs them; kept for the life of the process
/// (dropping them would stop them and release the services lock).
#[derive(Default)]
struct WindowServices(std::sync::Mutex<Option<Running>>);

/// How often a window whose data folder's services run elsewhere (`switchboard serve`) tries to
/// take them over, so they keep running when that process stops.
const TAKEOVER_EVERY: Duration = Duration::from_secs(15);

/// Runs every background service — delivery worker, ingest API, scheduled connection tests
/// (unless `SWITCHBOARD_NO_BACKGROUND_CHECKS` is set, as tests do) and retention — through core's
/// `Services`, when this window can take the services lock. When another process holds it, the
/// window is only a UI (`app_info` names the holder) and tries again every [`TAKEOVER_EVERY`].
fn start_services(app: &tauri::AppHandle, background_checks: bool) {
    let Ok(sb) = app.state::<AppState>().switchboard() else {
        return;
    };
    // The first try is made before the page loads, so its first `app_info` already says where
    // the services run.
    let mut tried = try_lock(&sb, None);
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let holder = match tried {
                Ok(Acquired::Held(lock)) => {
                    match services(&handle, &sb, background_checks).start(lock).await {
                        Ok(running) => {
                            for s in running.started() {
                                tracing::info!(service = %s.description, "started");
                            }
                            let state = handle.state::<WindowServices>();
                            *state.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(running);
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "the background services did not start");
                        }
                    }
                    return;
                }
                Ok(Acquired::Taken(holder)) => holder,
                Err(e) => {
                    tracing::error!(error = %e, "the background services did not start");
                    return;
                }
            };
            tokio::time::sleep(TAKEOVER_EVERY).await;
            tried = try_lock(&sb, holder.as_ref());
        }
    });
}

/// Tries the services lock, logging (once per holder) that another process runs them.
fn try_lock(sb: &Switchboard, known: Option<&Holder>) -> switchboard_core::Result<Acquired> {
    let tried = ServicesLock::try_acquire(sb, Program::Window);
    if let Ok(Acquired::Taken(holder)) = &tried {
        if holder.as_ref() != known {
            let who = holder.as_ref().map_or_else(
                || "another Switchboard program".to_owned(),
                Holder::describe,
            );
            tracing::info!(%who, "background services run elsewhere; this window is a UI for them");
        }
    }
    tried
}

fn services(app: &tauri::AppHandle, sb: &Arc<Switchboard>, background_checks: bool) -> Services {
    let tested = app.clone();
    let delivered = app.clone();
    let synced = app.clone();
    Services::new(Arc::clone(sb))
        .ingest_api_if_free(ingest_port())
        .connection_tests(background_checks)
        .on_tested(Arc::new(move |run| events::tested(&tested, &run)))
        .on_delivered(Arc::new(move |report| {
            events::delivered(&delivered, report)
        }))
        .on_synced(Arc::new(move |report| events::synced(&synced, report)))
}

/// `SWITCHBOARD_INGEST_PORT`, else 8717.
fn ingest_port() -> u16 {
    match std::env::var("SWITCHBOARD_INGEST_PORT") {
        Ok(value) => match value.trim().parse::<u16>() {
            Ok(port) => port,
            Err(_) => {
                tracing::warn!(%value, "SWITCHBOARD_INGEST_PORT is not a port; using 8717");
                ingest::DEFAULT_PORT
            }
        },
        Err(_) => ingest::DEFAULT_PORT,
    }
}

/// Locks the window once the idle time has passed, even when the UI sends no command, and tells
/// the UI so it hides what is on screen. The UI session, not a background service: it runs in
/// every window.
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
