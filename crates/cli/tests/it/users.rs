//! Acting as a named user from the command line: setup, roles, refusals, the keychain-kept
//! password, throttling, and the audit viewer's list/export/verify.

use predicates::prelude::*;

use crate::{keychain_available, raw, switchboard, with_password, ADMIN};

const FRONT_DESK_PASSWORD: &str = "fern-otter-88-basalt";

fn add_user(dir: &std::path::Path, name: &str, role: &str, password: &str) {
    switchboard(dir)
        .args(["user", "add", name, "--role", role])
        .write_stdin(with_password(&format!("{password}\n")))
        .assert()
        .success();
}

fn as_user(dir: &std::path::Path, name: &str, password: &str) -> assert_cmd::Command {
    let mut cmd = raw(dir);
    cmd.args(["--user", name, "--password-stdin"])
        .write_stdin(format!("{password}\n"));
    cmd
}

#[test]
fn without_a_user_commands_are_refused_and_setup_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path())
        .args(["status"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--user"));
    raw(dir.path())
        .args(["setup", "--clinic-name", "Maple Vets", "--admin", "boss"])
        .write_stdin("password123\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("password").and(predicate::str::contains("common")));
    raw(dir.path())
        .args(["setup", "--clinic-name", "Maple Vets", "--admin", "boss"])
        .write_stdin("tulip-ferry-49-granite\n")
        .assert()
        .success();
    raw(dir.path())
        .args(["setup", "--clinic-name", "Other", "--admin", "mallory"])
        .write_stdin("tulip-ferry-49-granite\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("already set up"));
}

#[test]
fn a_front_desk_user_can_look_and_test_but_not_change_and_the_refusal_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    add_user(dir.path(), "frida", "front_desk", FRONT_DESK_PASSWORD);
    as_user(dir.path(), "frida", FRONT_DESK_PASSWORD)
        .args(["status"])
        .assert()
        .success();
    as_user(dir.path(), "frida", FRONT_DESK_PASSWORD)
        .args(["settings", "--clinic-name", "Hijacked"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("manager or an admin"));
    as_user(dir.path(), "frida", FRONT_DESK_PASSWORD)
        .args(["audit", "list"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("Only an admin"));
    let out = switchboard(dir.path())
        .args(["--json", "settings"])
        .assert()
        .success();
    let settings: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(settings["clinicName"], "Test Clinic", "nothing changed");
    let out = switchboard(dir.path())
        .args([
            "--json", "audit", "list", "--actor", "frida", "--result", "refused",
        ])
        .assert()
        .success();
    let rows: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let actions: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["audit.view", "settings.update"]);
}

#[test]
fn wrong_passwords_are_audited_and_then_throttled() {
    let dir = tempfile::tempdir().unwrap();
    add_user(dir.path(), "frida", "front_desk", FRONT_DESK_PASSWORD);
    for _ in 0..3 {
        as_user(dir.path(), "frida", "not-her-password")
            .args(["status"])
            .assert()
            .failure()
            .stderr(predicate::str::contains("Wrong username or password"));
    }
    // The fourth try comes too soon, even with the right password.
    as_user(dir.path(), "frida", FRONT_DESK_PASSWORD)
        .args(["status"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("Try again in"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    as_user(dir.path(), "frida", FRONT_DESK_PASSWORD)
        .args(["status"])
        .assert()
        .success();
    let out = switchboard(dir.path())
        .args([
            "--json",
            "audit",
            "list",
            "--action",
            "session.login",
            "--object",
            "frida",
        ])
        .assert()
        .success();
    let rows: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let results: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["ok", "refused", "failed", "failed", "failed"]);
}

#[test]
fn the_last_admin_cannot_be_demoted_or_disabled() {
    let dir = tempfile::tempdir().unwrap();
    switchboard(dir.path())
        .args(["user", "set", ADMIN, "--role", "manager"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("last admin"));
    switchboard(dir.path())
        .args(["user", "set", ADMIN, "--disable"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("last admin"));
    add_user(dir.path(), "ada", "admin", "granite-heron-57-lantern");
    switchboard(dir.path())
        .args(["user", "set", "ada", "--role", "manager"])
        .assert()
        .success();
    switchboard(dir.path())
        .args(["user", "add", "ada", "--role", "manager"])
        .write_stdin(with_password("granite-heron-57-lantern\n"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("taken"));
}

#[test]
fn login_keeps_the_password_in_the_keychain_and_logout_forgets_it() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    add_user(dir.path(), "frida", "front_desk", FRONT_DESK_PASSWORD);
    raw(dir.path())
        .args(["--user", "frida", "status"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("No password for frida"));
    raw(dir.path())
        .args(["--user", "frida", "login"])
        .write_stdin(format!("{FRONT_DESK_PASSWORD}\n"))
        .assert()
        .success();
    raw(dir.path())
        .env("SWITCHBOARD_USER", "frida")
        .args(["status"])
        .assert()
        .success();
    raw(dir.path())
        .args(["--user", "frida", "logout"])
        .assert()
        .success();
    raw(dir.path())
        .args(["--user", "frida", "status"])
        .assert()
        .failure();
    // The password itself is in no file.
    for (path, bytes) in crate::all_file_bytes(dir.path()) {
        assert!(!crate::contains(&bytes, FRONT_DESK_PASSWORD), "{path}");
    }
}

#[test]
fn audit_export_writes_the_filtered_rows_with_the_verification() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    add_user(dir.path(), "frida", "front_desk", FRONT_DESK_PASSWORD);
    let out = switchboard(dir.path())
        .args([
            "--json", "audit", "export", "--format", "json", "--action", "user",
        ])
        .arg("--out")
        .arg(out_dir.path())
        .assert()
        .success();
    let e: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(e["verification"]["ok"], true);
    assert_eq!(e["exported"]["rows"], 1);
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(e["exported"]["path"].as_str().unwrap()).unwrap())
            .unwrap();
    assert_eq!(file["rows"][0]["action"], "user.create");
    assert_eq!(file["rows"][0]["objectLabel"], "frida");
    assert_eq!(file["verification"]["ok"], true);
    let text = std::fs::read_to_string(e["exported"]["path"].as_str().unwrap()).unwrap();
    assert!(!text.contains(FRONT_DESK_PASSWORD));
    switchboard(dir.path())
        .args(["audit", "export", "--format", "csv"])
        .arg("--out")
        .arg(out_dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("intact"));
    let csv = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .unwrap();
    let text = std::fs::read_to_string(csv).unwrap();
    assert!(text.starts_with("# verification,intact,"), "{text}");
    assert!(text.contains("user.create"));
}
