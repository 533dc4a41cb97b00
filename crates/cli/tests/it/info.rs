use predicates::prelude::*;

use crate::raw;

#[test]
fn info_json_reports_the_installation() {
    let dir = tempfile::tempdir().unwrap();
    let out = raw(dir.path()).args(["info", "--json"]).assert().success();
    let info: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["dataDir"], dir.path().display().to_string());
    assert_eq!(
        info["schemaVersion"],
        switchboard_core::store::latest_version()
    );
    assert_eq!(info["buildKind"], "development");
    assert!(dir.path().join("switchboard.sqlite3").is_file());
    assert!(info["keychain"]["backend"].is_string());
}

#[test]
fn info_human_names_data_dir_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path())
        .arg("info")
        .assert()
        .success()
        .stdout(predicate::str::contains(dir.path().display().to_string()))
        .stdout(predicate::str::contains(format!(
            "Schema version:  {}",
            switchboard_core::store::latest_version()
        )))
        .stdout(predicate::str::contains(
            "Background:      not running (the app window or `switchboard serve` runs them)",
        ));
}

#[test]
fn data_dir_from_environment_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("switchboard").unwrap();
    cmd.env("SWITCHBOARD_DATA_DIR", dir.path())
        .args(["info", "--json"])
        .assert()
        .success();
    assert!(dir.path().join("switchboard.sqlite3").is_file());
}

#[test]
fn newer_database_is_refused_unchanged_with_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.sqlite3");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 42;")
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = raw(dir.path()).args(["info", "--json"]).assert().failure();
    let err: serde_json::Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(err["code"], "storage");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("newer version"), "{message}");
    assert!(message.contains(&db.display().to_string()), "{message}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn unwritable_data_dir_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let target = file.join("data");
    raw(&target)
        .arg("info")
        .assert()
        .failure()
        .stderr(predicate::str::contains(target.display().to_string()));
}
