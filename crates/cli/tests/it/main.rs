//! Tests of the `switchboard` binary against real data directories and the real OS keychain
//! (`make test` runs them inside scripts/with-keyring.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod apikey;
mod audit;
mod connect;
mod connection;
mod events;
mod info;
mod integration;
mod packaging;
mod services;
mod test_text;
mod users;
mod webhooks;

use std::path::Path;

use assert_cmd::Command;

/// The admin every test acts as, set up on first use of a data directory.
pub const ADMIN: &str = "test-admin";
pub const ADMIN_PASSWORD: &str = "tulip-ferry-49-granite";

/// `switchboard --data-dir DIR` with no user: `info`, `setup`, and tests of signing in.
pub fn raw(data_dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("switchboard").expect("binary built");
    cmd.arg("--data-dir").arg(data_dir).env_remove("RUST_LOG");
    cmd.env_remove("SWITCHBOARD_USER");
    cmd
}

/// `switchboard --data-dir DIR --user test-admin --password-stdin`, the password already on
/// standard input. A test that writes more to standard input passes [`with_password`].
pub fn switchboard(data_dir: &Path) -> Command {
    ensure_setup(data_dir);
    let mut cmd = raw(data_dir);
    cmd.args(["--user", ADMIN, "--password-stdin"])
        .write_stdin(with_password(""));
    cmd
}

/// The admin's password line followed by `rest` (secrets, a new user's password).
pub fn with_password(rest: &str) -> String {
    format!("{ADMIN_PASSWORD}\n{rest}")
}

/// A long-running `switchboard` process (worker, serve) acting as the test admin.
pub fn spawn_as_admin(data_dir: &Path, args: &[&str]) -> std::process::Command {
    ensure_setup(data_dir);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("switchboard"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .args(["--user", ADMIN, "--password-stdin"])
        .args(args)
        .env_remove("SWITCHBOARD_USER")
        .stdin(std::process::Stdio::piped());
    cmd
}

/// Gives a spawned process its password line.
pub fn send_password(child: &mut std::process::Child) {
    use std::io::Write;
    let mut stdin = child.stdin.take().expect("stdin piped");
    stdin
        .write_all(with_password("").as_bytes())
        .expect("password written");
}

pub(crate) fn ensure_setup(data_dir: &Path) {
    let db = data_dir.join("switchboard.sqlite3");
    let set_up = db.exists()
        && rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0)))
            .is_ok_and(|n| n > 0);
    if !set_up {
        raw(data_dir)
            .args(["setup", "--clinic-name", "Test Clinic", "--admin", ADMIN])
            .write_stdin(format!("{ADMIN_PASSWORD}\n"))
            .assert()
            .success();
    }
}

/// Whether the OS keychain works here. A missing keychain fails the test unless
/// `SWITCHBOARD_SKIP_KEYCHAIN_TESTS=1` asks to skip it, which is then printed.
pub fn keychain_available(data_dir: &Path) -> bool {
    let out = raw(data_dir).args(["info", "--json"]).output().unwrap();
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let available = info["keychain"]["available"].as_bool().unwrap_or(false);
    if !available {
        assert!(
            std::env::var_os("SWITCHBOARD_SKIP_KEYCHAIN_TESTS").is_some(),
            "the OS keychain is unavailable ({}): run under scripts/with-keyring.sh, or set \
             SWITCHBOARD_SKIP_KEYCHAIN_TESTS=1 to skip the keychain tests",
            info["keychain"]
        );
        eprintln!("SKIPPED: no OS keychain; SWITCHBOARD_SKIP_KEYCHAIN_TESTS is set");
    }
    available
}

/// Every byte of every file under `dir` (database, WAL, logs).
pub fn all_file_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
