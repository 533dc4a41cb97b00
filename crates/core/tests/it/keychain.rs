//! The real OS keychain. `make test` runs these inside `scripts/with-keyring.sh` (a throwaway,
//! unlocked gnome-keyring on a private D-Bus). Without a reachable keychain they fail, unless
//! `SWITCHBOARD_SKIP_KEYCHAIN_TESTS=1` says to skip them, which each test then prints.

use switchboard_core::{Keychain, Secret};

fn system_keychain() -> Option<Keychain> {
    let service = format!("switchboard-it-{}", std::process::id());
    let k = Keychain::system_with_service(&service);
    let status = k.status();
    if status.available {
        return Some(k);
    }
    assert!(
        std::env::var_os("SWITCHBOARD_SKIP_KEYCHAIN_TESTS").is_some(),
        "the OS keychain is unavailable ({:?}): run under scripts/with-keyring.sh, or set \
         SWITCHBOARD_SKIP_KEYCHAIN_TESTS=1 to skip the keychain tests",
        status.message
    );
    eprintln!("SKIPPED: no OS keychain here ({status:?}); SWITCHBOARD_SKIP_KEYCHAIN_TESTS is set");
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
