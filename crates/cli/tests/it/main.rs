//! Tests of the `switchboard` binary against real data directories.

mod info;

use assert_cmd::Command;

pub fn switchboard(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("switchboard").expect("binary built");
    cmd.arg("--data-dir").arg(data_dir).env_remove("RUST_LOG");
    cmd
}
