//! Who is doing something, and what they may do.
//!
//! Every operation in core takes an [`Actor`] and authorises an [`Operation`] before touching
//! anything. The rules (roles, permissions, operations) are pure data in `switchboard-domain`,
//! re-exported here; an [`Actor`] is made only by core's sign-in (or by Switchboard for itself),
//! so no caller can claim a role it did not sign in with.

pub use switchboard_domain::actor::{Operation, Permission, Principal, Role};

/// The person (or process) an operation is done for; recorded in the audit log and in
/// `created_by` / `updated_by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    name: String,
    kind: Principal,
    /// The account's id, for a signed-in user.
    user_id: Option<String>,
}

impl Actor {
    /// A signed-in user. Only core's `users` module makes these after checking a password (and
    /// tests, through the `test-support` feature).
    #[cfg(any(test, feature = "test-support"))]
    pub fn user(id: impl Into<String>, username: impl Into<String>, role: Role) -> Self {
        Actor::signed_in(id, username, role)
    }

    pub(crate) fn signed_in(
        id: impl Into<String>,
        username: impl Into<String>,
        role: Role,
    ) -> Self {
        Actor {
            name: username.into(),
            kind: Principal::User(role),
            user_id: Some(id.into()),
        }
    }

    /// Switchboard acting on its own (`system:checks`, `system:retention`, …). It may view and
    /// run connection tests, nothing else.
    pub fn system(what: &str) -> Self {
        Actor {
            name: format!("system:{what}"),
            kind: Principal::System,
            user_id: None,
        }
    }

    /// A program holding an ingest API key (`api:<key name>`). It is granted nothing here: the
    /// key's scopes are checked by [`crate::Switchboard::emit_with_api_key`].
    pub fn api_key(key_name: &str) -> Self {
        Actor {
            name: format!("api:{key_name}"),
            kind: Principal::ApiKey,
            user_id: None,
        }
    }

    /// An admin for tests and benchmarks, which exercise operations rather than sign-in.
    #[cfg(any(test, feature = "test-support"))]
    pub fn admin_for_tests() -> Self {
        Actor::user("usr_test_admin", "test-admin", Role::Admin)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn role(&self) -> Option<Role> {
        match self.kind {
            Principal::User(role) => Some(role),
            Principal::System | Principal::ApiKey => None,
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    pub fn principal(&self) -> Principal {
        self.kind
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.kind.can(permission)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_may_only_view_test_and_prune() {
        let s = Actor::system("checks");
        assert!(s.can(Permission::View) && s.can(Permission::RunTests));
        assert!(
            s.can(Permission::Retention),
            "the daily pruning runs as system:retention"
        );
        assert!(!s.can(Permission::Configure));
        assert_eq!(s.user_id(), None);
        let u = Actor::signed_in("usr_1", "ann", Role::Manager);
        assert_eq!(
            (u.role(), u.user_id()),
            (Some(Role::Manager), Some("usr_1"))
        );
        assert!(u.can(Permission::Configure) && !u.can(Permission::Audit));
    }
}
