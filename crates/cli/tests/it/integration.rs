use predicates::prelude::*;

use crate::{all_file_bytes, contains, keychain_available, switchboard};

const AC: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "5ec7e7c0ffee5ec7e7c0ffee5ec7e7c0";
const TOKEN2: &str = "a11ce0000000000000000000000b0b00";

/// Adds a Twilio integration; `extra` are more `integration add` arguments (`--base-url …`).
pub(crate) fn add_twilio(dir: &std::path::Path, name: &str, extra: &[&str]) -> serde_json::Value {
    let out = switchboard(dir)
        .args(["--json", "integration", "add", "twilio", "--name", name])
        .args(extra)
        .args([
            "--set",
            &format!("account_sid={AC}"),
            "--set",
            "sender=+15551234567",
        ])
        .args(["--secret", "auth_token"])
        .write_stdin(crate::with_password(&format!("{TOKEN}\n")))
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn add_show_set_disable_remove_round_trip_without_leaking_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    let mut printed = Vec::new();
    let saved = add_twilio(dir.path(), "Reminders", &[]);
    assert_eq!(saved["integration"]["name"], "Reminders");
    let id = saved["integration"]["id"].as_str().unwrap().to_owned();
    printed.push(saved.to_string());

    let show = switchboard(dir.path())
        .args(["integration", "show", "reminders", "--json"])
        .assert()
        .success();
    let shown: serde_json::Value = serde_json::from_slice(&show.get_output().stdout).unwrap();
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["settings"]["account_sid"], AC);
    let token_state = shown["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["field"] == "auth_token")
        .unwrap();
    assert_eq!(token_state["set"], true);
    printed.push(String::from_utf8_lossy(&show.get_output().stdout).into_owned());

    // Replace the secret and change one value; everything else stays.
    let set = switchboard(dir.path())
        .args([
            "integration",
            "set",
            "Reminders",
            "--set",
            "sender=+15557654321",
            "--secret",
            "auth_token",
        ])
        .write_stdin(crate::with_password(&format!("{TOKEN2}\n")))
        .assert()
        .success()
        .stdout(predicate::str::contains("+15557654321"));
    printed.push(String::from_utf8_lossy(&set.get_output().stdout).into_owned());
    printed.push(String::from_utf8_lossy(&set.get_output().stderr).into_owned());

    let list = switchboard(dir.path())
        .args(["integration", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Reminders"));
    printed.push(String::from_utf8_lossy(&list.get_output().stdout).into_owned());

    switchboard(dir.path())
        .args(["integration", "disable", "Reminders"])
        .assert()
        .success();
    let off = switchboard(dir.path())
        .args(["--json", "integration", "show", &id])
        .assert()
        .success();
    let off: serde_json::Value = serde_json::from_slice(&off.get_output().stdout).unwrap();
    assert_eq!(off["enabled"], false);
    switchboard(dir.path())
        .args(["integration", "enable", "Reminders"])
        .assert()
        .success();

    let audit = switchboard(dir.path())
        .args(["audit", "list"])
        .assert()
        .success();
    printed.push(String::from_utf8_lossy(&audit.get_output().stdout).into_owned());
    switchboard(dir.path())
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("intact"));

    for text in &printed {
        assert!(
            !text.contains(TOKEN) && !text.contains(TOKEN2),
            "a secret was printed: {text}"
        );
    }
    // The database (and its WAL) and the logs never hold a secret.
    for (path, bytes) in all_file_bytes(dir.path()) {
        assert!(
            !contains(&bytes, TOKEN) && !contains(&bytes, TOKEN2),
            "secret found in {path}"
        );
    }

    switchboard(dir.path())
        .args(["integration", "remove", "Reminders"])
        .assert()
        .success();
    switchboard(dir.path())
        .args(["integration", "show", &id])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not found"));
}

#[test]
fn bad_field_names_the_field_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = switchboard(dir.path())
        .args(["--json", "integration", "add", "twilio", "--name", "SMS"])
        .args([
            "--set",
            "account_sid=AC123",
            "--set",
            "sender=+15551234567",
            "--secret",
            "auth_token",
        ])
        .write_stdin(crate::with_password(&format!("{TOKEN}\n")))
        .assert()
        .failure();
    let err: serde_json::Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(err["code"], "validation");
    assert_eq!(err["field"], "account_sid");
    assert!(err["message"].as_str().unwrap().contains("34 characters"));
    switchboard(dir.path())
        .args(["integration", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No integrations yet"));
    switchboard(dir.path())
        .args(["--json", "audit", "list", "--action", "integration"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn secret_missing_from_stdin_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    switchboard(dir.path())
        .args([
            "integration",
            "add",
            "square",
            "--name",
            "Pay",
            "--env",
            "sandbox",
        ])
        .args([
            "--set",
            "location_id=18YC4JDH91E1H",
            "--secret",
            "access_token",
        ])
        .write_stdin(crate::with_password(""))
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("access_token")
                .and(predicate::str::contains("standard input")),
        );
}

#[test]
fn without_a_keychain_saving_fails_plainly_and_reading_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tempfile::tempdir().unwrap();
    let no_bus = |cmd: &mut assert_cmd::Command| {
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env_remove("DISPLAY");
    };
    let mut add = switchboard(dir.path());
    no_bus(&mut add);
    let out = add
        .args([
            "--json",
            "integration",
            "add",
            "quickbooks",
            "--name",
            "Books",
        ])
        .args(["--set", "client_id=ABC123", "--set", "realm_id=123456"])
        .args(["--secret", "client_secret", "--secret", "refresh_token"])
        .write_stdin(crate::with_password("cs-secret-value\nRT1-refresh-value\n"))
        .assert()
        .failure();
    let err: serde_json::Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(err["code"], "keychain_unavailable");
    assert!(err["message"].as_str().unwrap().contains("keychain"));
    let mut list = switchboard(dir.path());
    no_bus(&mut list);
    list.args(["integration", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No integrations yet"));
    for (path, bytes) in all_file_bytes(dir.path()) {
        assert!(
            !contains(&bytes, "cs-secret-value") && !contains(&bytes, "RT1-refresh-value"),
            "{path}"
        );
    }
}
