//! The desktop app's one session: who is signed in, whether the screen is locked, and the idle
//! lock. Kept in core (not in the shell) so its rules are tested without a window.
//!
//! The idle clock counts the person's own activity (the UI reports keys and clicks); views that
//! refresh themselves do not keep a session alive. Once the idle time has passed, every command
//! is refused with `locked` until the password is typed again.

use std::sync::Mutex;

use serde::Serialize;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::users::SessionUser;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionState {
    /// No user exists yet: show first-run setup.
    pub setup_required: bool,
    /// The signed-in, unlocked user.
    pub user: Option<SessionUser>,
    /// The screen is locked for this username (type the password to go on).
    pub locked_for: Option<String>,
    pub clinic_name: Option<String>,
    pub idle_lock_minutes: u32,
}

#[derive(Debug, Default)]
struct Inner {
    user: Option<SessionUser>,
    locked: bool,
    last_activity_ms: i64,
}

/// What [`Session::actor`] found: the actor, or that the idle time just ran out (the caller
/// audits the lock once).
#[derive(Debug)]
pub enum Current {
    Active(Actor),
    JustLocked(Actor),
    Locked,
}

#[derive(Debug, Default)]
pub struct Session {
    inner: Mutex<Inner>,
}

impl Session {
    fn lock_inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn sign_in(&self, user: SessionUser, now_ms: i64) {
        let mut s = self.lock_inner();
        s.user = Some(user);
        s.locked = false;
        s.last_activity_ms = now_ms;
    }

    /// Locks the screen; returns who was signed in (for the audit log) if it was unlocked.
    pub fn lock(&self) -> Option<Actor> {
        let mut s = self.lock_inner();
        let was = (!s.locked)
            .then(|| s.user.as_ref().map(SessionUser::actor))
            .flatten();
        s.locked = true;
        was
    }

    /// Signs out; returns who was signed in.
    pub fn sign_out(&self) -> Option<Actor> {
        let mut s = self.lock_inner();
        s.locked = false;
        s.user.take().map(|u| u.actor())
    }

    /// The person did something (a key, a click): the idle clock restarts, unless already locked.
    pub fn touch(&self, now_ms: i64) {
        let mut s = self.lock_inner();
        if !s.locked {
            s.last_activity_ms = now_ms;
        }
    }

    /// Replaces the signed-in user's details (role changed, renamed) without touching the lock.
    pub fn refresh(&self, user: SessionUser) {
        let mut s = self.lock_inner();
        if s.user.as_ref().is_some_and(|u| u.id == user.id) {
            s.user = Some(user);
        }
    }

    /// Who commands act for now; locks the session if it has been idle for `idle_ms`.
    pub fn current(&self, now_ms: i64, idle_ms: i64) -> Current {
        let mut s = self.lock_inner();
        let Some(user) = s.user.as_ref() else {
            return Current::Locked;
        };
        if s.locked {
            return Current::Locked;
        }
        let actor = user.actor();
        if now_ms - s.last_activity_ms >= idle_ms {
            s.locked = true;
            return Current::JustLocked(actor);
        }
        Current::Active(actor)
    }

    /// The actor, or the `locked` error the UI answers with the sign-in screen.
    pub fn actor(&self, now_ms: i64, idle_ms: i64) -> Result<(Actor, bool)> {
        match self.current(now_ms, idle_ms) {
            Current::Active(a) => Ok((a, false)),
            Current::JustLocked(a) => Ok((a, true)),
            Current::Locked => Err(Error::Locked(
                "Switchboard is locked. Sign in to go on.".into(),
            )),
        }
    }

    pub fn user(&self) -> Option<SessionUser> {
        let s = self.lock_inner();
        if s.locked {
            None
        } else {
            s.user.clone()
        }
    }

    pub fn locked_for(&self) -> Option<String> {
        let s = self.lock_inner();
        if s.locked {
            s.user.as_ref().map(|u| u.username.clone())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;

    fn alice() -> SessionUser {
        SessionUser {
            id: "usr_a".into(),
            username: "alice".into(),
            display_name: "Alice".into(),
            role: Role::Manager,
            permissions: Role::Manager.permissions().to_vec(),
        }
    }

    const IDLE: i64 = 10 * 60_000;

    #[test]
    fn nobody_signed_in_is_locked() {
        let s = Session::default();
        assert!(matches!(s.current(0, IDLE), Current::Locked));
        assert!(matches!(s.actor(0, IDLE), Err(Error::Locked(_))));
    }

    #[test]
    fn idle_time_locks_once_and_activity_postpones_it() {
        let s = Session::default();
        s.sign_in(alice(), 0);
        assert!(matches!(s.current(IDLE - 1, IDLE), Current::Active(_)));
        s.touch(IDLE - 1);
        assert!(matches!(s.current(2 * IDLE - 2, IDLE), Current::Active(_)));
        assert!(matches!(
            s.current(2 * IDLE - 1, IDLE),
            Current::JustLocked(_)
        ));
        assert!(matches!(s.current(2 * IDLE, IDLE), Current::Locked));
        // Activity reported while locked does not unlock.
        s.touch(2 * IDLE);
        assert!(matches!(s.current(2 * IDLE, IDLE), Current::Locked));
        assert_eq!(s.locked_for().as_deref(), Some("alice"));
        assert_eq!(s.user(), None);
        s.sign_in(alice(), 3 * IDLE);
        assert!(matches!(s.current(3 * IDLE, IDLE), Current::Active(_)));
    }

    #[test]
    fn lock_and_sign_out() {
        let s = Session::default();
        s.sign_in(alice(), 0);
        assert_eq!(
            s.lock().map(|a| a.name().to_owned()).as_deref(),
            Some("alice")
        );
        assert!(s.lock().is_none(), "locking twice is recorded once");
        assert!(matches!(s.current(1, IDLE), Current::Locked));
        assert!(s.sign_out().is_some());
        assert_eq!(s.locked_for(), None);
    }
}
