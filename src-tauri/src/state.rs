//! The state every command reaches: core's [`Switchboard`], or why it could not be opened.

use std::sync::Arc;

use switchboard_core::{Actor, AppError, Switchboard};

pub struct AppState {
    switchboard: Result<Arc<Switchboard>, AppError>,
    /// Who changes are recorded as: the OS user until local accounts exist.
    actor: Arc<Actor>,
}

impl AppState {
    pub fn new(opened: switchboard_core::Result<Switchboard>) -> Self {
        AppState {
            switchboard: opened.map(Arc::new).map_err(AppError::from),
            actor: Arc::new(Actor::os_user()),
        }
    }

    /// Core's state, for async operations (connection tests).
    pub fn switchboard(&self) -> Result<Arc<Switchboard>, AppError> {
        self.switchboard.clone()
    }

    /// Runs a blocking core operation off the async runtime's worker threads.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Switchboard, &Actor) -> switchboard_core::Result<T> + Send + 'static,
    {
        let sb = self.switchboard.clone()?;
        let actor = Arc::clone(&self.actor);
        tauri::async_runtime::spawn_blocking(move || f(&sb, &actor))
            .await
            .map_err(|e| AppError::from(switchboard_core::Error::Internal(e.to_string())))?
            .map_err(AppError::from)
    }
}
