//! The state every command reaches: core's [`Switchboard`] (or why it could not be opened) and
//! the window's one [`Session`]. Commands act for the signed-in user; while nobody is signed in
//! or the screen is locked they are refused with `locked`.

use std::sync::Arc;

use switchboard_core::users::session::{Current, Session, SessionState};
use switchboard_core::users::SessionUser;
use switchboard_core::{time, Actor, AppError, Error, Switchboard};

pub struct AppState {
    switchboard: Result<Arc<Switchboard>, AppError>,
    session: Arc<Session>,
}

impl AppState {
    pub fn new(opened: switchboard_core::Result<Switchboard>) -> Self {
        AppState {
            switchboard: opened.map(Arc::new).map_err(AppError::from),
            session: Arc::new(Session::default()),
        }
    }

    /// Core's state, for work not done for a person (background checks, the worker).
    pub fn switchboard(&self) -> Result<Arc<Switchboard>, AppError> {
        self.switchboard.clone()
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Who commands act for now, re-read from the database so a role change or a disabling
    /// made by an admin takes effect at once. Locks (and records it) when the idle time has
    /// passed.
    pub fn actor(sb: &Switchboard, session: &Session) -> switchboard_core::Result<Actor> {
        let idle_ms = sb.idle_lock_ms()?;
        let actor = match session.current(time::now_ms(), idle_ms) {
            Current::Active(actor) => actor,
            Current::JustLocked(actor) => {
                let minutes = idle_ms / 60_000;
                sb.record_session_event(
                    &actor,
                    "session.lock",
                    Some(format!("idle for {minutes} minutes")),
                )?;
                return Err(Error::Locked(
                    "Switchboard locked itself after a while without use. Sign in to go on.".into(),
                ));
            }
            Current::Locked => {
                return Err(Error::Locked("Sign in to go on.".into()));
            }
        };
        match sb.current_user(&actor) {
            Ok(user) => {
                let fresh = user.actor();
                session.refresh(user);
                Ok(fresh)
            }
            Err(e) => {
                session.sign_out();
                Err(e)
            }
        }
    }

    /// Runs a blocking core operation for the signed-in user, off the async runtime's threads.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Switchboard, &Actor) -> switchboard_core::Result<T> + Send + 'static,
    {
        let sb = self.switchboard.clone()?;
        let session = Arc::clone(&self.session);
        tauri::async_runtime::spawn_blocking(move || {
            let actor = AppState::actor(&sb, &session)?;
            f(&sb, &actor)
        })
        .await
        .map_err(|e| AppError::from(Error::Internal(e.to_string())))?
        .map_err(AppError::from)
    }

    /// Runs a blocking core operation that needs no signed-in user (setup, sign-in), with the
    /// session at hand.
    pub async fn run_open<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Switchboard, &Session) -> switchboard_core::Result<T> + Send + 'static,
    {
        let sb = self.switchboard.clone()?;
        let session = Arc::clone(&self.session);
        tauri::async_runtime::spawn_blocking(move || f(&sb, &session))
            .await
            .map_err(|e| AppError::from(Error::Internal(e.to_string())))?
            .map_err(AppError::from)
    }
}

/// What the UI needs to choose between setup, sign-in, the lock screen and the app.
pub fn session_state(
    sb: &Switchboard,
    session: &Session,
) -> switchboard_core::Result<SessionState> {
    let settings = sb.settings()?;
    Ok(SessionState {
        setup_required: sb.needs_setup()?,
        user: session.user(),
        locked_for: session.locked_for(),
        clinic_name: settings.clinic_name,
        idle_lock_minutes: settings.idle_lock_minutes,
    })
}

/// Signs `user` in on this window.
pub fn signed_in(
    sb: &Switchboard,
    session: &Session,
    user: SessionUser,
) -> switchboard_core::Result<SessionState> {
    session.sign_in(user, time::now_ms());
    session_state(sb, session)
}
