//! Commands the UI may call: one-line adapters over `switchboard-core`, grouped by area.
//! Register a new command in [`specta_builder`]; `bindings_are_current` then fails until
//! `make bindings` regenerates `ui/src/backend/bindings.ts`.

mod api_keys;
mod audit;
mod checks;
mod info;
mod integrations;
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
            api_keys::api_key_uses,
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
    use std::path::PathBuf;

    fn bindings_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/backend/bindings.ts")
    }

    fn export() -> String {
        let dir = std::env::temp_dir().join(format!("switchboard-bindings-{}", std::process::id()));
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
}
