//! Commands the UI may call: one-line adapters over `switchboard-core`, grouped by area.
//! Register a new command in [`specta_builder`] and say what it needs in `permissions.rs`;
//! `bindings_are_current`, `commands_match_the_table` and `domain_export_is_current` then fail
//! until both are done and `make bindings` regenerates `ui/src/backend/bindings.ts` and
//! `ui/src/backend/domain.generated.ts`.

mod api_keys;
mod audit;
mod checks;
mod connect;
// Core's rules for the UI's mock; only tests write the export, so only tests build them.
#[cfg(test)]
mod domain_export;
mod info;
mod integrations;
#[cfg(test)]
mod permissions;
mod session;
mod settings;
mod sync;
mod users;
mod webhooks;

use tauri_specta::{collect_commands, collect_events, Builder};

use crate::events::{ConnectionTested, DeliveriesChanged, SessionChanged, SyncChanged};

pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .disable_serde_phases()
        .commands(collect_commands![
            info::app_info,
            info::missing_secrets,
            session::session_state,
            session::setup,
            session::login,
            session::lock,
            session::logout,
            session::touch_session,
            session::change_password,
            users::list_users,
            users::create_user,
            users::update_user,
            users::reset_password,
            integrations::list_providers,
            integrations::list_integrations,
            integrations::get_integration,
            integrations::validate_integration,
            integrations::validate_integration_patch,
            integrations::create_integration,
            integrations::update_integration,
            integrations::set_integration_enabled,
            integrations::delete_integration,
            checks::test_integration,
            checks::integration_statuses,
            checks::test_history,
            checks::send_test_text,
            checks::test_text_status,
            connect::connect_integration,
            connect::disconnect_integration,
            connect::square_locations,
            connect::choose_square_location,
            settings::get_settings,
            settings::update_settings,
            webhooks::list_event_types,
            webhooks::list_event_catalogue,
            webhooks::list_endpoints,
            webhooks::create_endpoint,
            webhooks::update_endpoint,
            webhooks::set_endpoint_enabled,
            webhooks::delete_endpoint,
            webhooks::rotate_endpoint_secret,
            webhooks::send_event,
            webhooks::list_deliveries,
            webhooks::get_delivery,
            webhooks::resend_deliveries,
            webhooks::export_deliveries,
            webhooks::endpoint_statuses,
            webhooks::acknowledge_dead_deliveries,
            api_keys::list_api_keys,
            api_keys::create_api_key,
            api_keys::revoke_api_key,
            api_keys::api_key_uses,
            audit::audit_page,
            audit::audit_facets,
            audit::verify_audit,
            audit::export_audit,
            audit::prune_now,
            sync::sync_rules,
            sync::set_sync_rule,
            sync::list_sync_jobs,
            sync::get_sync_job,
            sync::retry_sync_jobs,
            sync::skip_sync_jobs,
            sync::acknowledge_sync_jobs,
            sync::sync_now,
            sync::sync_counts,
            sync::export_sync_jobs,
            sync::quickbooks_choices,
            sync::preview_sms,
            sync::sms_opt_outs,
            sync::add_sms_opt_out,
            sync::clear_sms_opt_out,
        ])
        .events(collect_events![
            ConnectionTested,
            DeliveriesChanged,
            SessionChanged,
            SyncChanged
        ])
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use serde_json::json;
    use switchboard_core::export::ExportFormat;
    use switchboard_core::users::{Password, SetupRequest};
    use switchboard_core::{Actor, Error, Keychain, OpenOptions, Role, Switchboard};

    use super::domain_export;
    use super::permissions::{Needs, COMMANDS};

    fn ui_backend(file: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../ui/src/backend")
            .join(file)
    }

    fn bindings_path() -> PathBuf {
        ui_backend("bindings.ts")
    }

    fn export() -> String {
        // One directory per call: tests run in parallel and each removes its own.
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "switchboard-bindings-{}-{}",
            std::process::id(),
            CALLS.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bindings.ts");
        super::specta_builder()
            .export(
                specta_typescript::Typescript::default()
                    .header("// @ts-nocheck\n/* eslint-disable */"),
                &file,
            )
            .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        text
    }

    /// The committed TypeScript bindings match the Rust commands and types.
    /// `UPDATE_BINDINGS=1 cargo test -p switchboard-app bindings` (or `make bindings`) rewrites them.
    #[test]
    fn bindings_are_current() {
        let fresh = export();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(bindings_path(), &fresh).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(bindings_path()).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/backend/bindings.ts is out of date with the Rust commands; run `make bindings`"
        );
    }

    /// Every command registered in `specta_builder` (by its Rust name, as the bindings invoke
    /// it) has exactly one row in `permissions::COMMANDS`, and every row names one of them.
    #[test]
    fn commands_match_the_table() {
        let bindings = export();
        let registered: BTreeSet<&str> = bindings
            .split("__TAURI_INVOKE")
            .skip(1)
            // `__TAURI_INVOKE("name"` or, for a command returning a plain value,
            // `__TAURI_INVOKE<Type>("name"`.
            .filter_map(|rest| rest.split_once("(\"")?.1.split('"').next())
            .collect();
        assert!(
            registered.len() > 40,
            "found too few commands: {registered:?}"
        );
        let listed: BTreeSet<&str> = COMMANDS.iter().map(|(name, _)| *name).collect();
        assert_eq!(listed.len(), COMMANDS.len(), "a command is listed twice");
        let unlisted: Vec<_> = registered.difference(&listed).collect();
        let unknown: Vec<_> = listed.difference(&registered).collect();
        assert!(
            unlisted.is_empty() && unknown.is_empty(),
            "commands/permissions.rs is out of step with specta_builder: no row for {unlisted:?}; \
             rows naming no command: {unknown:?}"
        );
    }

    /// The committed export of core's rules for the UI's mock matches core.
    /// `UPDATE_BINDINGS=1 cargo test -p switchboard-app domain_export` (or `make bindings`)
    /// rewrites it.
    #[test]
    fn domain_export_is_current() {
        let fresh = domain_export::typescript();
        let path = ui_backend("domain.generated.ts");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/backend/domain.generated.ts is out of date with core's rules; run `make bindings`"
        );
    }

    #[test]
    fn command_names_are_camel_cased_as_the_bindings() {
        assert_eq!(domain_export::camel("list_api_keys"), "listApiKeys");
        assert_eq!(domain_export::camel("lock"), "lock");
    }

    const PASSWORD: &str = "correct horse battery staple";

    /// Calls core as the command does, with arguments that pass no check but the permission's
    /// (nothing named exists), and says whether core refused.
    fn core_refuses(
        sb: &Arc<Switchboard>,
        actor: &Actor,
        command: &str,
        exports: &Path,
    ) -> Option<bool> {
        fn de<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
            serde_json::from_value(v).unwrap()
        }
        let password = || de::<Password>(json!(PASSWORD));
        let integration =
            || de(json!({ "provider": "twilio", "name": "x", "environment": "live" }));
        let fmt = ExportFormat::Json;
        let result: switchboard_core::Result<()> = match command {
            "missing_secrets" => sb.missing_secrets(actor).map(drop),
            "list_users" => sb.list_users(actor).map(drop),
            "create_user" => {
                let draft = de(json!({ "username": "zed", "role": "admin", "password": PASSWORD }));
                sb.create_user(actor, &draft).map(drop)
            }
            "update_user" => sb
                .update_user(actor, "usr_none", &Default::default())
                .map(drop),
            "reset_password" => sb.reset_password(actor, "usr_none", &password()),
            "list_integrations" => sb.list_integrations(actor).map(drop),
            "get_integration" => sb.get_integration(actor, "none").map(drop),
            "validate_integration" => sb.validate_integration(actor, &integration()).map(drop),
            "validate_integration_patch" => sb
                .validate_integration_patch(actor, "none", &Default::default())
                .map(drop),
            "create_integration" => sb.create_integration(actor, integration()).map(drop),
            "update_integration" => sb
                .update_integration(actor, "none", Default::default())
                .map(drop),
            "set_integration_enabled" => sb.set_integration_enabled(actor, "none", false).map(drop),
            "delete_integration" => sb.delete_integration(actor, "none"),
            "test_integration" => {
                tauri::async_runtime::block_on(sb.test_integration(actor, "none")).map(drop)
            }
            "send_test_text" => {
                let request = de(json!({ "to": "+14155552345" }));
                tauri::async_runtime::block_on(sb.send_test_text(actor, "none", &request)).map(drop)
            }
            "test_text_status" => tauri::async_runtime::block_on(sb.test_text_status(
                actor,
                "none",
                "SM0123456789abcdef0123456789abcdef",
            ))
            .map(drop),
            "integration_statuses" => sb.statuses(actor).map(drop),
            "connect_integration" => {
                let options = switchboard_core::oauth::ConnectOptions {
                    open_browser: false,
                    ..Default::default()
                };
                tauri::async_runtime::block_on(sb.connect_integration(actor, "none", options))
                    .map(drop)
            }
            "disconnect_integration" => {
                tauri::async_runtime::block_on(sb.disconnect_integration(actor, "none")).map(drop)
            }
            "square_locations" => {
                tauri::async_runtime::block_on(sb.square_locations(actor, "none")).map(drop)
            }
            "choose_square_location" => {
                tauri::async_runtime::block_on(sb.choose_square_location(actor, "none", "L1"))
                    .map(drop)
            }
            "test_history" => sb.test_history(actor, "none", 1).map(drop),
            "list_endpoints" => sb.list_endpoints(actor).map(drop),
            "create_endpoint" => sb.create_endpoint(actor, Default::default()).map(drop),
            "update_endpoint" => sb
                .update_endpoint(actor, "none", Default::default())
                .map(drop),
            "set_endpoint_enabled" => sb.set_endpoint_enabled(actor, "none", false).map(drop),
            "delete_endpoint" => sb.delete_endpoint(actor, "none"),
            "rotate_endpoint_secret" => sb.rotate_endpoint_secret(actor, "none").map(drop),
            "send_event" => sb
                .emit(actor, &de(json!({ "type": "nothing.known", "data": "{}" })))
                .map(drop),
            "list_deliveries" => sb.deliveries(actor, &Default::default(), None, 1).map(drop),
            "get_delivery" => sb.delivery(actor, "1").map(drop),
            "resend_deliveries" => sb.resend(actor, &[], None).map(drop),
            "export_deliveries" => sb
                .export_deliveries(actor, &Default::default(), fmt, Some(exports.to_path_buf()))
                .map(drop),
            "endpoint_statuses" => sb.endpoint_statuses(actor).map(drop),
            "acknowledge_dead_deliveries" => sb.acknowledge_dead(actor, "none").map(drop),
            "list_api_keys" => sb.list_api_keys(actor).map(drop),
            "create_api_key" => sb.create_api_key(actor, Default::default()).map(drop),
            "revoke_api_key" => sb.revoke_api_key(actor, "none").map(drop),
            "api_key_uses" => sb.api_key_uses(actor, "none", None, 1).map(drop),
            "audit_page" => sb.audit_page(actor, &Default::default(), None, 1).map(drop),
            "audit_facets" => sb.audit_facets(actor).map(drop),
            "verify_audit" => sb.verify_audit(actor).map(drop),
            "export_audit" => sb
                .export_audit(actor, &Default::default(), fmt, Some(exports.to_path_buf()))
                .map(drop),
            "prune_now" => sb.prune(actor).map(drop),
            "sync_rules" => sb.sync_rules(actor, "none").map(drop),
            "set_sync_rule" => sb.set_sync_rule(
                actor,
                "none",
                switchboard_core::sync::job::SyncRule::Invoices,
                true,
            ),
            "list_sync_jobs" => sb.sync_jobs(actor, &Default::default(), None, 1).map(drop),
            "get_sync_job" => sb.sync_job(actor, "1").map(drop),
            "retry_sync_jobs" => sb.retry_sync_jobs(actor, &[]).map(drop),
            "skip_sync_jobs" => sb.skip_sync_jobs(actor, &[]).map(drop),
            "acknowledge_sync_jobs" => sb.acknowledge_sync_jobs(actor, &[]).map(drop),
            "sync_now" => sb.sync_now(actor, "none").map(drop),
            "sync_counts" => sb.sync_counts(actor).map(drop),
            "quickbooks_choices" => {
                tauri::async_runtime::block_on(sb.quickbooks_choices(actor, "none")).map(drop)
            }
            "sms_opt_outs" => sb.sms_opt_outs(actor).map(drop),
            "add_sms_opt_out" => sb.add_sms_opt_out(actor, "not a number"),
            "clear_sms_opt_out" => sb.clear_sms_opt_out(actor, "none"),
            "export_sync_jobs" => sb
                .export_sync_jobs(actor, &Default::default(), fmt, Some(exports.to_path_buf()))
                .map(drop),
            _ => return None,
        };
        Some(matches!(result, Err(Error::Forbidden(_))))
    }

    /// The table is core's: for every command needing a permission, core refuses exactly the
    /// roles without it, and records the refusal under the table's action.
    #[test]
    fn core_refuses_as_the_table_says() {
        let dir =
            std::env::temp_dir().join(format!("switchboard-permissions-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let sb = Arc::new(
            Switchboard::open(OpenOptions {
                data_dir: Some(dir.clone()),
                keychain: Some(Keychain::in_memory()),
                timeouts: None,
            })
            .unwrap(),
        );
        let admin = sb.setup(&de_setup()).unwrap().actor();
        let mut actors = vec![(Role::Admin, admin.clone())];
        for (role, name) in [(Role::Manager, "maria"), (Role::FrontDesk, "sam")] {
            let draft = serde_json::from_value(json!({
                "username": name, "role": role, "password": PASSWORD
            }))
            .unwrap();
            sb.create_user(&admin, &draft).unwrap();
            let password = serde_json::from_value(json!(PASSWORD)).unwrap();
            actors.push((role, sb.login(name, &password, "test").unwrap().actor()));
        }
        let mut wrong = Vec::new();
        for (command, needs) in COMMANDS {
            let Some(permission) = needs.permission() else {
                continue;
            };
            for (role, actor) in &actors {
                let Some(refused) = core_refuses(&sb, actor, command, &dir.join("exports")) else {
                    wrong.push(format!("{command}: not called by this test"));
                    break;
                };
                let expected = !role.permissions().contains(&permission);
                if refused != expected {
                    wrong.push(format!("{command} as {}: refused {refused}", role.as_str()));
                } else if refused {
                    let row = sb.recent_audit(&admin, 1).unwrap().remove(0);
                    // Disabling is what this test calls for the `ByEnabled` rows.
                    let action = match needs {
                        Needs::Op(op) | Needs::ByEnabled(_, op) => op.action(),
                        Needs::Nothing | Needs::Session => unreachable!("no permission"),
                    };
                    if row.action != action {
                        wrong.push(format!("{command}: refusal audited as {}", row.action));
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            wrong.is_empty(),
            "commands/permissions.rs differs from core: {wrong:#?}"
        );
    }

    fn de_setup() -> SetupRequest {
        serde_json::from_value(json!({
            "clinicName": "Riverside Vet", "username": "dana", "password": PASSWORD
        }))
        .unwrap()
    }
}
