use predicates::prelude::*;

use crate::{keychain_available, switchboard};

#[test]
fn verify_names_an_edited_and_a_deleted_row() {
    let dir = tempfile::tempdir().unwrap();
    if !keychain_available(dir.path()) {
        return;
    }
    for name in ["A", "B", "C"] {
        switchboard(dir.path())
            .args([
                "integration",
                "add",
                "square",
                "--name",
                name,
                "--env",
                "sandbox",
            ])
            .args(["--set", "location_id=L1", "--secret", "access_token"])
            .write_stdin(crate::with_password("EAAAtoken\n"))
            .assert()
            .success();
    }
    switchboard(dir.path())
        .args(["audit", "verify"])
        .assert()
        .success();
    let db = dir.path().join("switchboard.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2",
        [],
    )
    .unwrap();
    let out = switchboard(dir.path())
        .args(["--json", "audit", "verify"])
        .assert()
        .failure();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["firstBadSeq"], 2);
    conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    switchboard(dir.path())
        .args(["audit", "verify"])
        .assert()
        .failure()
        .stdout(predicate::str::contains("row 2 is missing"));
    for name in ["A", "B", "C"] {
        switchboard(dir.path())
            .args(["integration", "remove", name])
            .assert()
            .success();
    }
}
