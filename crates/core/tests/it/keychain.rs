//! The real OS keychain. `make test` runs these inside `scripts/with-keyring.sh` (a throwaway,
//! unlocked gnome-keyring on a private D-Bus) and sets `SWITCHBOARD_REQUIRE_KEYCHAIN=1`, so a
//! missing keychain fails the run there instead of skipping.

use switchboard_core::{Keychain, Secret};

fn system_keychain() -> Option<Keychain> {
    let service = format!("switchboard-it-{}", std::process::id());
    let k = Keychain::system_with_service(&service);
    let status = k.status();
    if status.available {
        return Some(k);
    }
    if std::env::var_os("SWITCHBOARD_REQUIRE_KEYCHAIN").is_some() {
        panic!(
            "the OS keychain is required but unavailable: {:?}",
            status.message
        );
    }
    eprintln!(
        "skipping: no OS keychain here ({:?}); run under scripts/with-keyring.sh",
        status
    );
    None
}

#[test]
fn secret_round_trips_through_the_os_keychain() {
    let Some(k) = system_keychain() else { return };
    let account = "integration/it/auth_token";
    assert!(
        k.get(account).unwrap().is_none(),
        "a missing entry is None, not an error"
    );
    k.set(account, &Secret::new("first-value")).unwrap();
    assert_eq!(k.get(account).unwrap().unwrap().expose(), "first-value");
    k.set(account, &Secret::new("second-value")).unwrap();
    // A fresh handle reads what the first wrote: it is really stored, not cached.
    let again = Keychain::system_with_service(k.service());
    assert_eq!(
        again.get(account).unwrap().unwrap().expose(),
        "second-value"
    );
    k.delete(account).unwrap();
    assert!(again.get(account).unwrap().is_none());
    k.delete(account).unwrap();
}

#[test]
fn build_kinds_do_not_share_secrets() {
    let Some(k) = system_keychain() else { return };
    let other = Keychain::system_with_service(&format!("{}-release", k.service()));
    k.set("shared/name", &Secret::new("dev-only")).unwrap();
    assert!(other.get("shared/name").unwrap().is_none());
    k.delete("shared/name").unwrap();
}
