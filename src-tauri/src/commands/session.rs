use switchboard_core::users::session::SessionState;
use switchboard_core::users::{Password, SetupRequest};
use switchboard_core::{time, AppError};
use tauri::{AppHandle, State};

use crate::events;
use crate::state::{self, AppState};

/// Whether to show first-run setup, the sign-in or lock screen, or the app (and for whom).
#[tauri::command]
#[specta::specta]
pub async fn session_state(state: State<'_, AppState>) -> Result<SessionState, AppError> {
    state
        .run_open(|sb, session| {
            // Notices an idle timeout even when no other command came in.
            let _ = AppState::actor(sb, session);
            state::session_state(sb, session)
        })
        .await
}

/// First start: saves the clinic's name, creates the admin and signs them in.
#[tauri::command]
#[specta::specta]
pub async fn setup(
    state: State<'_, AppState>,
    request: SetupRequest,
) -> Result<SessionState, AppError> {
    state
        .run_open(move |sb, session| {
            let user = sb.setup(&request)?;
            state::signed_in(sb, session, user)
        })
        .await
}

/// Signs in (or unlocks) with a username and password.
#[tauri::command]
#[specta::specta]
pub async fn login(
    state: State<'_, AppState>,
    username: String,
    password: Password,
) -> Result<SessionState, AppError> {
    state
        .run_open(move |sb, session| {
            let user = sb.login(&username, &password, "app")?;
            state::signed_in(sb, session, user)
        })
        .await
}

/// Locks the screen ("Lock"); the password opens it again.
#[tauri::command]
#[specta::specta]
pub async fn lock(app: AppHandle, state: State<'_, AppState>) -> Result<SessionState, AppError> {
    let result = state
        .run_open(|sb, session| {
            if let Some(actor) = session.lock() {
                sb.record_session_event(&actor, "session.lock", Some("locked by the user".into()))?;
            }
            state::session_state(sb, session)
        })
        .await;
    events::session_changed(&app, "locked");
    result
}

/// Signs out (someone else will sign in).
#[tauri::command]
#[specta::specta]
pub async fn logout(app: AppHandle, state: State<'_, AppState>) -> Result<SessionState, AppError> {
    let result = state
        .run_open(|sb, session| {
            if let Some(actor) = session.sign_out() {
                sb.record_session_event(&actor, "session.logout", None)?;
            }
            state::session_state(sb, session)
        })
        .await;
    events::session_changed(&app, "signed_out");
    result
}

/// The person pressed a key or clicked: the idle lock's clock starts again.
#[tauri::command]
#[specta::specta]
pub fn touch_session(state: State<'_, AppState>) {
    state.session().touch(time::now_ms());
}

/// Changes the signed-in user's own password.
#[tauri::command]
#[specta::specta]
pub async fn change_password(
    state: State<'_, AppState>,
    current: Password,
    new_password: Password,
) -> Result<(), AppError> {
    state
        .run(move |sb, actor| sb.change_password(actor, &current, &new_password))
        .await
}
