//! Who is doing something, and what they may do.
//!
//! Every operation in core takes an [`Actor`] and asks it for a [`Permission`] before touching
//! anything; the role table from `design.md` lives in [`Role::permissions`] and nowhere else (the
//! UI asks for the signed-in user's permissions instead of keeping its own copy).

use serde::{Deserialize, Serialize};

/// A local account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::FrontDesk, Role::Manager, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::FrontDesk => "front_desk",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "front_desk" | "frontdesk" => Some(Role::FrontDesk),
            "manager" => Some(Role::Manager),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// What a person with this role may do: the roles table of `design.md`.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::FrontDesk => &[View, RunTests],
            Role::Manager => &[View, RunTests, Configure, SendEvents],
            Role::Admin => &[
                View,
                RunTests,
                Configure,
                SendEvents,
                ManageUsers,
                Audit,
                Retention,
            ],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::FrontDesk => "front desk",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
}

/// One row of the roles table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// The dashboard, statuses, test history, endpoints and the delivery log.
    View,
    /// Run a connection test.
    RunTests,
    /// Add, edit, disable and remove integrations, endpoints and API keys; set or rotate secrets;
    /// the clinic's settings.
    Configure,
    /// Send test events, resend deliveries, export the delivery log, run the delivery worker.
    SendEvents,
    /// Add users, change their roles, reset passwords, disable users.
    ManageUsers,
    /// View, export and verify the audit log.
    Audit,
    /// How long records are kept, the idle lock, and pruning.
    Retention,
}

impl Permission {
    /// The refusal, in words a clinic worker understands.
    pub fn refusal(self) -> &'static str {
        match self {
            Permission::View => "You are not allowed to view this.",
            Permission::RunTests => "You are not allowed to run connection tests.",
            Permission::Configure => {
                "Only a practice manager or an admin can change the configuration."
            }
            Permission::SendEvents => {
                "Only a practice manager or an admin can send events, resend deliveries or \
                 export the delivery log."
            }
            Permission::ManageUsers => "Only an admin can manage users.",
            Permission::Audit => "Only an admin can view, export or verify the audit log.",
            Permission::Retention => "Only an admin can change retention and security settings.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A signed-in local account.
    User { id: String, role: Role },
    /// Switchboard itself: background connection tests, retention pruning, the API-key ingest
    /// (whose keys carry their own scopes).
    System,
    /// A program using the ingest API; what it may send is its key's scopes, checked there.
    ApiKey,
}

/// The person (or process) an operation is done for; recorded in the audit log and in
/// `created_by` / `updated_by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    name: String,
    kind: Kind,
}

impl Actor {
    /// A signed-in user. Only [`crate::users`] makes these after checking a password (and tests).
    pub fn user(id: impl Into<String>, username: impl Into<String>, role: Role) -> Self {
        Actor {
            name: username.into(),
            kind: Kind::User {
                id: id.into(),
                role,
            },
        }
    }

    /// Switchboard acting on its own (`system:checks`, `system:retention`, …). It may view and
    /// run connection tests, nothing else.
    pub fn system(what: &str) -> Self {
        Actor {
            name: format!("system:{what}"),
            kind: Kind::System,
        }
    }

    /// A program holding an ingest API key (`api:<key name>`). It is granted nothing here: the
    /// key's scopes are checked by [`crate::Switchboard::emit_with_api_key`].
    pub fn api_key(key_name: &str) -> Self {
        Actor {
            name: format!("api:{key_name}"),
            kind: Kind::ApiKey,
        }
    }

    /// An admin for tests and benchmarks, which exercise operations rather than sign-in.
    #[doc(hidden)]
    pub fn admin_for_tests() -> Self {
        Actor::user("usr_test_admin", "test-admin", Role::Admin)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn role(&self) -> Option<Role> {
        match &self.kind {
            Kind::User { role, .. } => Some(*role),
            Kind::System | Kind::ApiKey => None,
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.kind {
            Kind::User { id, .. } => Some(id),
            Kind::System | Kind::ApiKey => None,
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        match &self.kind {
            Kind::User { role, .. } => role.permissions().contains(&permission),
            // Switchboard's own background work: it tests connections and prunes past the
            // retention period the admin set; it never configures anything.
            Kind::System => matches!(
                permission,
                Permission::View | Permission::RunTests | Permission::Retention
            ),
            Kind::ApiKey => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        for p in Role::FrontDesk.permissions() {
            assert!(Role::Manager.permissions().contains(p));
        }
        for p in Role::Manager.permissions() {
            assert!(Role::Admin.permissions().contains(p));
        }
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("Front desk"), Some(Role::FrontDesk));
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn system_may_only_view_test_and_prune() {
        let s = Actor::system("checks");
        assert!(s.can(Permission::View) && s.can(Permission::RunTests));
        assert!(
            s.can(Permission::Retention),
            "the daily pruning runs as system:retention"
        );
        assert!(!s.can(Permission::Configure));
        assert!(!s.can(Permission::Audit));
    }
}
