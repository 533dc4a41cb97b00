//! What each command needs before it runs: nothing, a session, or core's [`Operation`] (which
//! carries its permission and the audit action of a refusal). Core enforces every operation itself
//! (each starts with `authorize`); this table says which one each command runs, so that the UI's
//! mock refuses exactly what the app refuses. It goes to the UI in
//! `ui/src/backend/domain.generated.ts`. Two tests in `commands/mod.rs` keep it true:
//! `commands_match_the_table` fails when a registered command has no row or a row names no
//! command; `core_refuses_as_the_table_says` calls core for every row as every role and fails
//! when core refuses someone else, or audits the refusal under another action.

use switchboard_core::{Operation, Permission};

/// What a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: it answers signed out and while locked (the sign-in screen needs these).
    Nothing,
    /// A signed-in, unlocked user. Anything further is decided by core from the arguments
    /// (`update_settings`: the clinic's settings need `configure`, security ones `retention`).
    Session,
    /// A signed-in, unlocked user allowed the operation.
    Op(Operation),
    /// By the command's last argument, `enabled`: the first when enabling, the second when not.
    ByEnabled(Operation, Operation),
}

impl Needs {
    /// The permission the command needs, if any (both halves of `ByEnabled` need the same).
    pub fn permission(self) -> Option<Permission> {
        match self {
            Needs::Nothing | Needs::Session => None,
            Needs::Op(op) | Needs::ByEnabled(_, op) => Some(op.permission()),
        }
    }
}

use Needs::{ByEnabled, Nothing, Op, Session};
use Operation::*;

/// Every command registered in [`super::specta_builder`], by its Rust name.
pub const COMMANDS: &[(&str, Needs)] = &[
    ("app_info", Nothing),
    ("missing_secrets", Op(KeychainStatusView)),
    ("session_state", Nothing),
    ("setup", Nothing),
    ("login", Nothing),
    ("lock", Nothing),
    ("logout", Nothing),
    ("touch_session", Nothing),
    ("change_password", Session),
    ("list_users", Op(UserList)),
    ("create_user", Op(UserCreate)),
    ("update_user", Op(UserUpdate)),
    ("reset_password", Op(UserResetPassword)),
    ("list_providers", Nothing),
    ("list_integrations", Op(IntegrationList)),
    ("get_integration", Op(IntegrationView)),
    ("validate_integration", Op(IntegrationCreate)),
    ("validate_integration_patch", Op(IntegrationUpdate)),
    ("create_integration", Op(IntegrationCreate)),
    ("update_integration", Op(IntegrationUpdate)),
    (
        "set_integration_enabled",
        ByEnabled(IntegrationEnable, IntegrationDisable),
    ),
    ("delete_integration", Op(IntegrationDelete)),
    ("test_integration", Op(IntegrationTest)),
    ("send_test_text", Op(IntegrationTestText)),
    ("test_text_status", Op(IntegrationTestTextStatus)),
    ("integration_statuses", Op(IntegrationStatusView)),
    ("test_history", Op(IntegrationView)),
    ("connect_integration", Op(IntegrationConnect)),
    ("disconnect_integration", Op(IntegrationDisconnect)),
    ("square_locations", Op(IntegrationChooseLocation)),
    ("choose_square_location", Op(IntegrationChooseLocation)),
    ("get_settings", Session),
    ("update_settings", Session),
    ("list_event_types", Nothing),
    ("list_event_catalogue", Nothing),
    ("list_endpoints", Op(EndpointList)),
    ("create_endpoint", Op(EndpointCreate)),
    ("update_endpoint", Op(EndpointUpdate)),
    (
        "set_endpoint_enabled",
        ByEnabled(EndpointEnable, EndpointDisable),
    ),
    ("delete_endpoint", Op(EndpointDelete)),
    ("rotate_endpoint_secret", Op(EndpointRotateSecret)),
    ("send_event", Op(EventSend)),
    ("list_deliveries", Op(DeliveryLogView)),
    ("get_delivery", Op(DeliveryView)),
    ("resend_deliveries", Op(DeliveryResend)),
    ("export_deliveries", Op(DeliveryLogExport)),
    ("endpoint_statuses", Op(EndpointStatusView)),
    ("acknowledge_dead_deliveries", Op(EndpointAcknowledgeDead)),
    ("list_api_keys", Op(ApiKeyList)),
    ("create_api_key", Op(ApiKeyCreate)),
    ("revoke_api_key", Op(ApiKeyRevoke)),
    ("api_key_uses", Op(ApiKeyView)),
    ("audit_page", Op(AuditView)),
    ("audit_facets", Op(AuditView)),
    ("verify_audit", Op(AuditVerify)),
    ("export_audit", Op(AuditExport)),
    ("prune_now", Op(AuditPrune)),
    ("sync_rules", Op(IntegrationView)),
    ("set_sync_rule", Op(SyncRuleSet)),
    ("list_sync_jobs", Op(SyncLogView)),
    ("get_sync_job", Op(SyncJobView)),
    ("retry_sync_jobs", Op(SyncJobRetry)),
    ("skip_sync_jobs", Op(SyncJobSkip)),
    ("acknowledge_sync_jobs", Op(SyncJobAcknowledge)),
    ("sync_now", Op(SyncNow)),
    ("sync_counts", Op(IntegrationStatusView)),
    ("export_sync_jobs", Op(SyncLogExport)),
    ("quickbooks_choices", Op(IntegrationUpdate)),
    ("preview_sms", Session),
    ("sms_opt_outs", Op(OptOutView)),
    ("add_sms_opt_out", Op(OptOutChange)),
    ("clear_sms_opt_out", Op(OptOutChange)),
];
