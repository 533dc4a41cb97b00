//! Tests of the `switchboard` binary against real data directories and the real OS keychain
//! (`make test` runs them inside scripts/with-keyring.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod apikey;
mod audit;
mod connection;
mod info;
mod integration;
mod webhooks;

use std::path::Path;

use assert_cmd::Command;

pub fn switchboard(data_dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("switchboard").expect("binary built");
    cmd.arg("--data-dir").arg(data_dir).env_remove("RUST_LOG");
    cmd
}

/// Whether the OS keychain works here; when `SWITCHBOARD_REQUIRE_KEYCHAIN` is set (as
/// `make test` does) a missing keychain fails the test instead of skipping it.
pub fn keychain_available(data_dir: &Path) -> bool {
    let out = switchboard(data_dir)
        .args(["info", "--json"])
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let available = info["keychain"]["available"].as_bool().unwrap_or(false);
    if !available {
        assert!(
            std::env::var_os("SWITCHBOARD_REQUIRE_KEYCHAIN").is_none(),
            "the OS keychain is required but unavailable: {}",
            info["keychain"]
        );
        eprintln!("skipping: no OS keychain (run under scripts/with-keyring.sh)");
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
