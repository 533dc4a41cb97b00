//! Commands the UI may call: one-line adapters over `switchboard-core`, grouped by area.
//! Register a new command in [`specta_builder`] and say what it needs in `permissions.rs`;
//! `bindings_are_current`, `commands_match_the_table` and `domain_export_is_current` then fail
//! until both are done and `make bindings` regenerates `ui/src/backend/bindings.ts` and
//! `ui/src/backend/domain.generated.ts`.

mod api_keys;
mod audit;
mod checks;
// Core's rules for the UI's mock; only tests write the export, so only tests build them.
#[cfg(test)]
mod domain_export;
mod info;
mod integrations;
#[cfg(test)]
mod permissions;
mod session;
mod settings;
mod users;
mod webhooks;

use tauri_specta::{collect_commands, collect_events, Builder};

use crate::events::{ConnectionTested, DeliveriesChanged, SessionChanged};

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
            settings::get_settings,
            settings::update_settings,
            webhooks::list_event_types,
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
            audit::audit_page,
            audit::audit_facets,
            audit::verify_audit,
            audit::export_audit,
            audit::prune_now,
        ])
        .events(collect_events![
            ConnectionTested,
            DeliveriesChanged,
            SessionChanged
        ])
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::domain_export;
    use super::permissions::COMMANDS;

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
}
