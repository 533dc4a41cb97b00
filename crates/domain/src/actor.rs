//! Who may do what: roles, permissions, the kinds of actor, and every operation core
//! authorises.
//!
//! The roles table of `design.md` lives in [`Role::permissions`] and nowhere else; each
//! [`Operation`] names its permission, the action its audit row records and the kind of object it
//! acts on, so `authorize` takes one value instead of three strings that could disagree.

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
    /// Every permission, in the roles table's order. The `match` stops compiling when one is
    /// added, so this list (and every table exported from it) cannot silently leave it out.
    pub const ALL: [Permission; 7] = {
        use Permission::*;
        let all = [
            View,
            RunTests,
            Configure,
            SendEvents,
            ManageUsers,
            Audit,
            Retention,
        ];
        match all[0] {
            View | RunTests | Configure | SendEvents | ManageUsers | Audit | Retention => {}
        }
        all
    };

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

/// What kind of actor is asking; core's `Actor` carries one (and a name), and only core's
/// sign-in makes a `User`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A signed-in local account.
    User(Role),
    /// Switchboard itself: background connection tests, retention pruning, the worker.
    System,
    /// A program using the ingest API; what it may send is its key's scopes, checked there.
    ApiKey,
}

impl Principal {
    /// Whether this kind of actor holds `permission`. Switchboard itself may view and run
    /// connection tests, nothing else; an API key is granted nothing here.
    pub fn can(self, permission: Permission) -> bool {
        match self {
            Principal::User(role) => role.permissions().contains(&permission),
            // Switchboard's own background work: it tests connections and prunes past the
            // retention period the admin set; it never configures anything.
            Principal::System => matches!(
                permission,
                Permission::View | Permission::RunTests | Permission::Retention
            ),
            Principal::ApiKey => false,
        }
    }
}

/// Every operation `authorize` checks: one variant per audited action (and object kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
pub enum Operation {
    UserList,
    UserCreate,
    UserUpdate,
    UserResetPassword,
    KeychainStatusView,
    IntegrationList,
    IntegrationView,
    IntegrationStatusView,
    IntegrationTest,
    /// Send a real text to a number the manager types (Twilio "Send a test text").
    IntegrationTestText,
    /// Read that text's status from Twilio.
    IntegrationTestTextStatus,
    IntegrationCreate,
    IntegrationUpdate,
    IntegrationEnable,
    IntegrationDisable,
    IntegrationDelete,
    IntegrationConnect,
    IntegrationDisconnect,
    IntegrationChooseLocation,
    EndpointList,
    EndpointView,
    EndpointStatusView,
    EndpointCreate,
    EndpointUpdate,
    EndpointEnable,
    EndpointDisable,
    EndpointDelete,
    EndpointRotateSecret,
    EndpointAcknowledgeDead,
    EventSend,
    DeliveryLogView,
    DeliveryView,
    DeliveryResend,
    DeliveryLogExport,
    WorkerRun,
    ApiKeyList,
    ApiKeyView,
    ApiKeyCreate,
    ApiKeyRevoke,
    SettingsUpdate,
    SecuritySettingsUpdate,
    AuditView,
    AuditExport,
    AuditVerify,
    AuditPrune,
    SyncRuleSet,
    SyncLogView,
    SyncJobView,
    SyncNow,
    SyncJobRetry,
    SyncJobSkip,
    SyncJobAcknowledge,
    SyncLogExport,
    OptOutView,
    OptOutChange,
}

impl Operation {
    /// Every operation, for tables exported to the UI and for tests.
    pub const ALL: [Operation; 55] = [
        Operation::UserList,
        Operation::UserCreate,
        Operation::UserUpdate,
        Operation::UserResetPassword,
        Operation::KeychainStatusView,
        Operation::IntegrationList,
        Operation::IntegrationView,
        Operation::IntegrationStatusView,
        Operation::IntegrationTest,
        Operation::IntegrationTestText,
        Operation::IntegrationTestTextStatus,
        Operation::IntegrationCreate,
        Operation::IntegrationUpdate,
        Operation::IntegrationEnable,
        Operation::IntegrationDisable,
        Operation::IntegrationDelete,
        Operation::IntegrationConnect,
        Operation::IntegrationDisconnect,
        Operation::IntegrationChooseLocation,
        Operation::EndpointList,
        Operation::EndpointView,
        Operation::EndpointStatusView,
        Operation::EndpointCreate,
        Operation::EndpointUpdate,
        Operation::EndpointEnable,
        Operation::EndpointDisable,
        Operation::EndpointDelete,
        Operation::EndpointRotateSecret,
        Operation::EndpointAcknowledgeDead,
        Operation::EventSend,
        Operation::DeliveryLogView,
        Operation::DeliveryView,
        Operation::DeliveryResend,
        Operation::DeliveryLogExport,
        Operation::WorkerRun,
        Operation::ApiKeyList,
        Operation::ApiKeyView,
        Operation::ApiKeyCreate,
        Operation::ApiKeyRevoke,
        Operation::SettingsUpdate,
        Operation::SecuritySettingsUpdate,
        Operation::AuditView,
        Operation::AuditExport,
        Operation::AuditVerify,
        Operation::AuditPrune,
        Operation::SyncRuleSet,
        Operation::SyncLogView,
        Operation::SyncJobView,
        Operation::SyncNow,
        Operation::SyncJobRetry,
        Operation::SyncJobSkip,
        Operation::SyncJobAcknowledge,
        Operation::SyncLogExport,
        Operation::OptOutView,
        Operation::OptOutChange,
    ];

    /// What the actor must be allowed to do.
    pub fn permission(self) -> Permission {
        match self {
            Operation::UserList => Permission::ManageUsers,
            Operation::UserCreate => Permission::ManageUsers,
            Operation::UserUpdate => Permission::ManageUsers,
            Operation::UserResetPassword => Permission::ManageUsers,
            Operation::KeychainStatusView => Permission::View,
            Operation::IntegrationList => Permission::View,
            Operation::IntegrationView => Permission::View,
            Operation::IntegrationStatusView => Permission::View,
            Operation::IntegrationTest => Permission::RunTests,
            Operation::IntegrationTestText => Permission::Configure,
            Operation::IntegrationTestTextStatus => Permission::Configure,
            Operation::IntegrationCreate => Permission::Configure,
            Operation::IntegrationUpdate => Permission::Configure,
            Operation::IntegrationEnable => Permission::Configure,
            Operation::IntegrationDisable => Permission::Configure,
            Operation::IntegrationDelete => Permission::Configure,
            Operation::IntegrationConnect => Permission::Configure,
            Operation::IntegrationDisconnect => Permission::Configure,
            Operation::IntegrationChooseLocation => Permission::Configure,
            Operation::EndpointList => Permission::View,
            Operation::EndpointView => Permission::View,
            Operation::EndpointStatusView => Permission::View,
            Operation::EndpointCreate => Permission::Configure,
            Operation::EndpointUpdate => Permission::Configure,
            Operation::EndpointEnable => Permission::Configure,
            Operation::EndpointDisable => Permission::Configure,
            Operation::EndpointDelete => Permission::Configure,
            Operation::EndpointRotateSecret => Permission::Configure,
            Operation::EndpointAcknowledgeDead => Permission::SendEvents,
            Operation::EventSend => Permission::SendEvents,
            Operation::DeliveryLogView => Permission::View,
            Operation::DeliveryView => Permission::View,
            Operation::DeliveryResend => Permission::SendEvents,
            Operation::DeliveryLogExport => Permission::SendEvents,
            Operation::WorkerRun => Permission::SendEvents,
            Operation::ApiKeyList => Permission::Configure,
            Operation::ApiKeyView => Permission::Configure,
            Operation::ApiKeyCreate => Permission::Configure,
            Operation::ApiKeyRevoke => Permission::Configure,
            Operation::SettingsUpdate => Permission::Configure,
            Operation::SecuritySettingsUpdate => Permission::Retention,
            Operation::AuditView => Permission::Audit,
            Operation::AuditExport => Permission::Audit,
            Operation::AuditVerify => Permission::Audit,
            Operation::AuditPrune => Permission::Retention,
            Operation::SyncRuleSet => Permission::Configure,
            Operation::SyncLogView => Permission::View,
            Operation::SyncJobView => Permission::View,
            Operation::SyncNow => Permission::RunTests,
            Operation::SyncJobRetry => Permission::SendEvents,
            Operation::SyncJobSkip => Permission::SendEvents,
            Operation::SyncJobAcknowledge => Permission::SendEvents,
            Operation::SyncLogExport => Permission::SendEvents,
            Operation::OptOutView => Permission::View,
            Operation::OptOutChange => Permission::Configure,
        }
    }

    /// The audit log's name for it (stored in `audit_log.action`; never rename one).
    pub fn action(self) -> &'static str {
        match self {
            Operation::UserList => "user.list",
            Operation::UserCreate => "user.create",
            Operation::UserUpdate => "user.update",
            Operation::UserResetPassword => "user.reset_password",
            Operation::KeychainStatusView => "status.view",
            Operation::IntegrationList => "integration.list",
            Operation::IntegrationView => "integration.view",
            Operation::IntegrationStatusView => "status.view",
            Operation::IntegrationTest => "integration.test",
            Operation::IntegrationTestText => "integration.test_text",
            Operation::IntegrationTestTextStatus => "integration.test_text_status",
            Operation::IntegrationCreate => "integration.create",
            Operation::IntegrationUpdate => "integration.update",
            Operation::IntegrationEnable => "integration.enable",
            Operation::IntegrationDisable => "integration.disable",
            Operation::IntegrationDelete => "integration.delete",
            Operation::IntegrationConnect => "integration.connect",
            Operation::IntegrationDisconnect => "integration.disconnect",
            Operation::IntegrationChooseLocation => "integration.choose_location",
            Operation::EndpointList => "endpoint.list",
            Operation::EndpointView => "endpoint.view",
            Operation::EndpointStatusView => "status.view",
            Operation::EndpointCreate => "endpoint.create",
            Operation::EndpointUpdate => "endpoint.update",
            Operation::EndpointEnable => "endpoint.enable",
            Operation::EndpointDisable => "endpoint.disable",
            Operation::EndpointDelete => "endpoint.delete",
            Operation::EndpointRotateSecret => "endpoint.rotate_secret",
            Operation::EndpointAcknowledgeDead => "endpoint.acknowledge_dead",
            Operation::EventSend => "event.send",
            Operation::DeliveryLogView => "delivery_log.view",
            Operation::DeliveryView => "delivery_log.view",
            Operation::DeliveryResend => "delivery.resend",
            Operation::DeliveryLogExport => "delivery_log.export",
            Operation::WorkerRun => "worker.run",
            Operation::ApiKeyList => "api_key.list",
            Operation::ApiKeyView => "api_key.view",
            Operation::ApiKeyCreate => "api_key.create",
            Operation::ApiKeyRevoke => "api_key.revoke",
            Operation::SettingsUpdate => "settings.update",
            Operation::SecuritySettingsUpdate => "settings.update",
            Operation::AuditView => "audit.view",
            Operation::AuditExport => "audit.export",
            Operation::AuditVerify => "audit.verify",
            Operation::AuditPrune => "audit.prune",
            Operation::SyncRuleSet => "sync_rule.set",
            Operation::SyncLogView => "sync_log.view",
            Operation::SyncJobView => "sync_log.view",
            Operation::SyncNow => "sync.now",
            Operation::SyncJobRetry => "sync_job.retry",
            Operation::SyncJobSkip => "sync_job.skip",
            Operation::SyncJobAcknowledge => "sync_job.acknowledge",
            Operation::SyncLogExport => "sync_log.export",
            Operation::OptOutView => "opt_out.view",
            Operation::OptOutChange => "opt_out.change",
        }
    }

    /// The kind of object it acts on (stored in `audit_log.object_type`).
    pub fn object_kind(self) -> &'static str {
        match self {
            Operation::UserList => "user",
            Operation::UserCreate => "user",
            Operation::UserUpdate => "user",
            Operation::UserResetPassword => "user",
            Operation::KeychainStatusView => "keychain",
            Operation::IntegrationList => "integration",
            Operation::IntegrationView => "integration",
            Operation::IntegrationStatusView => "integration",
            Operation::IntegrationTest => "integration",
            Operation::IntegrationTestText => "integration",
            Operation::IntegrationTestTextStatus => "integration",
            Operation::IntegrationCreate => "integration",
            Operation::IntegrationUpdate => "integration",
            Operation::IntegrationEnable => "integration",
            Operation::IntegrationDisable => "integration",
            Operation::IntegrationDelete => "integration",
            Operation::IntegrationConnect => "integration",
            Operation::IntegrationDisconnect => "integration",
            Operation::IntegrationChooseLocation => "integration",
            Operation::EndpointList => "endpoint",
            Operation::EndpointView => "endpoint",
            Operation::EndpointStatusView => "endpoint",
            Operation::EndpointCreate => "endpoint",
            Operation::EndpointUpdate => "endpoint",
            Operation::EndpointEnable => "endpoint",
            Operation::EndpointDisable => "endpoint",
            Operation::EndpointDelete => "endpoint",
            Operation::EndpointRotateSecret => "endpoint",
            Operation::EndpointAcknowledgeDead => "endpoint",
            Operation::EventSend => "event",
            Operation::DeliveryLogView => "delivery_log",
            Operation::DeliveryView => "delivery",
            Operation::DeliveryResend => "delivery",
            Operation::DeliveryLogExport => "delivery_log",
            Operation::WorkerRun => "delivery_log",
            Operation::ApiKeyList => "api_key",
            Operation::ApiKeyView => "api_key",
            Operation::ApiKeyCreate => "api_key",
            Operation::ApiKeyRevoke => "api_key",
            Operation::SettingsUpdate => "settings",
            Operation::SecuritySettingsUpdate => "settings",
            Operation::AuditView => "audit_log",
            Operation::AuditExport => "audit_log",
            Operation::AuditVerify => "audit_log",
            Operation::AuditPrune => "audit_log",
            Operation::SyncRuleSet => "integration",
            Operation::SyncLogView => "sync_log",
            Operation::SyncJobView => "sync_job",
            Operation::SyncNow => "integration",
            Operation::SyncJobRetry => "sync_job",
            Operation::SyncJobSkip => "sync_job",
            Operation::SyncJobAcknowledge => "sync_job",
            Operation::SyncLogExport => "sync_log",
            Operation::OptOutView => "opt_out",
            Operation::OptOutChange => "opt_out",
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
    fn system_may_only_view_and_test() {
        let s = Principal::System;
        assert!(s.can(Permission::View) && s.can(Permission::RunTests));
        assert!(!s.can(Permission::Configure));
        assert!(!s.can(Permission::Audit));
        assert!(!Principal::ApiKey.can(Permission::View));
    }

    #[test]
    fn operations_are_distinct_and_named_like_the_audit_log() {
        let mut seen = std::collections::HashSet::new();
        for op in Operation::ALL {
            assert!(
                seen.insert((op.action(), op.object_kind(), op.permission())),
                "{op:?} repeats another operation"
            );
            let (family, verb) = op.action().split_once('.').unwrap();
            assert!(!family.is_empty() && !verb.is_empty(), "{op:?}");
        }
        // Spot checks against the names stored audit rows already carry.
        assert_eq!(Operation::IntegrationCreate.action(), "integration.create");
        assert_eq!(Operation::AuditPrune.permission(), Permission::Retention);
        assert_eq!(Operation::WorkerRun.object_kind(), "delivery_log");
    }
}
