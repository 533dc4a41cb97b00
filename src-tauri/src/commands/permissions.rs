//! What each command needs before it runs: nothing, a session, or a permission of the roles
//! table. Core enforces every permission itself (each operation starts with `authorize`); this
//! table says the same per command so that the UI's mock refuses exactly what the app refuses.
//! It goes to the UI in `ui/src/backend/domain.generated.ts`. Two tests in `commands/mod.rs`
//! keep it true: `commands_match_the_table` fails when a registered command has no row or a row
//! names no command; `core_refuses_as_the_table_says` calls core for every row as every role and
//! fails when core refuses someone else, or audits the refusal under another action.

use switchboard_core::Permission;

/// What a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: it answers signed out and while locked (the sign-in screen needs these).
    Nothing,
    /// A signed-in, unlocked user. Anything further is decided by core from the arguments
    /// (`update_settings`: the clinic's settings need `configure`, security ones `retention`).
    Session,
    /// A signed-in, unlocked user whose role has the permission; a refusal is audited as
    /// `action`.
    Permission(Permission, Action),
}

/// The audit action core records when it refuses the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Always(&'static str),
    /// By the command's last argument, `enabled`: the first when enabling, the second when not.
    ByEnabled(&'static str, &'static str),
}

use Action::{Always, ByEnabled};
use Needs::{Nothing, Session};
use Permission::{Audit, Configure, ManageUsers, Retention, RunTests, SendEvents, View};

const fn needs(permission: Permission, action: &'static str) -> Needs {
    Needs::Permission(permission, Always(action))
}

/// Every command registered in [`super::specta_builder`], by its Rust name.
pub const COMMANDS: &[(&str, Needs)] = &[
    ("app_info", Nothing),
    ("missing_secrets", needs(View, "status.view")),
    ("session_state", Nothing),
    ("setup", Nothing),
    ("login", Nothing),
    ("lock", Nothing),
    ("logout", Nothing),
    ("touch_session", Nothing),
    ("change_password", Session),
    ("list_users", needs(ManageUsers, "user.list")),
    ("create_user", needs(ManageUsers, "user.create")),
    ("update_user", needs(ManageUsers, "user.update")),
    ("reset_password", needs(ManageUsers, "user.reset_password")),
    ("list_providers", Nothing),
    ("list_integrations", needs(View, "integration.list")),
    ("get_integration", needs(View, "integration.view")),
    (
        "validate_integration",
        needs(Configure, "integration.create"),
    ),
    (
        "validate_integration_patch",
        needs(Configure, "integration.update"),
    ),
    ("create_integration", needs(Configure, "integration.create")),
    ("update_integration", needs(Configure, "integration.update")),
    (
        "set_integration_enabled",
        Needs::Permission(
            Configure,
            ByEnabled("integration.enable", "integration.disable"),
        ),
    ),
    ("delete_integration", needs(Configure, "integration.delete")),
    ("test_integration", needs(RunTests, "integration.test")),
    ("integration_statuses", needs(View, "status.view")),
    ("test_history", needs(View, "integration.view")),
    ("get_settings", Session),
    ("update_settings", Session),
    ("list_event_types", Nothing),
    ("list_endpoints", needs(View, "endpoint.list")),
    ("create_endpoint", needs(Configure, "endpoint.create")),
    ("update_endpoint", needs(Configure, "endpoint.update")),
    (
        "set_endpoint_enabled",
        Needs::Permission(Configure, ByEnabled("endpoint.enable", "endpoint.disable")),
    ),
    ("delete_endpoint", needs(Configure, "endpoint.delete")),
    (
        "rotate_endpoint_secret",
        needs(Configure, "endpoint.rotate_secret"),
    ),
    ("send_event", needs(SendEvents, "event.send")),
    ("list_deliveries", needs(View, "delivery_log.view")),
    ("get_delivery", needs(View, "delivery_log.view")),
    ("resend_deliveries", needs(SendEvents, "delivery.resend")),
    (
        "export_deliveries",
        needs(SendEvents, "delivery_log.export"),
    ),
    ("endpoint_statuses", needs(View, "status.view")),
    (
        "acknowledge_dead_deliveries",
        needs(SendEvents, "endpoint.acknowledge_dead"),
    ),
    ("list_api_keys", needs(Configure, "api_key.list")),
    ("create_api_key", needs(Configure, "api_key.create")),
    ("revoke_api_key", needs(Configure, "api_key.revoke")),
    ("audit_page", needs(Audit, "audit.view")),
    ("audit_facets", needs(Audit, "audit.view")),
    ("verify_audit", needs(Audit, "audit.verify")),
    ("export_audit", needs(Audit, "audit.export")),
    ("prune_now", needs(Retention, "audit.prune")),
];

/// Every permission, in the roles table's order. The `match` stops compiling when core adds one,
/// so the export cannot silently leave it out.
pub fn all_permissions() -> [Permission; 7] {
    let all = [
        View,
        RunTests,
        Configure,
        SendEvents,
        ManageUsers,
        Audit,
        Retention,
    ];
    for p in all {
        match p {
            View | RunTests | Configure | SendEvents | ManageUsers | Audit | Retention => {}
        }
    }
    all
}
