use switchboard_core::users::{Password, User, UserDraft, UserPatch};
use switchboard_core::AppError;
use tauri::State;

use crate::state::AppState;

/// Every local account (admin only).
#[tauri::command]
#[specta::specta]
pub async fn list_users(state: State<'_, AppState>) -> Result<Vec<User>, AppError> {
    state.run(|sb, actor| sb.list_users(actor)).await
}

#[tauri::command]
#[specta::specta]
pub async fn create_user(state: State<'_, AppState>, draft: UserDraft) -> Result<User, AppError> {
    state
        .run(move |sb, actor| sb.create_user(actor, &draft))
        .await
}

/// Renames, changes the role of, enables or disables a user; the last admin stays an admin.
#[tauri::command]
#[specta::specta]
pub async fn update_user(
    state: State<'_, AppState>,
    id: String,
    patch: UserPatch,
) -> Result<User, AppError> {
    state
        .run(move |sb, actor| sb.update_user(actor, &id, &patch))
        .await
}

/// Sets a new password for a user who forgot theirs.
#[tauri::command]
#[specta::specta]
pub async fn reset_password(
    state: State<'_, AppState>,
    id: String,
    password: Password,
) -> Result<(), AppError> {
    state
        .run(move |sb, actor| sb.reset_password(actor, &id, &password))
        .await
}
