//! What the packages are built from: one version everywhere, and the man page and completions
//! generated from the CLI's own definition (`make package` ships them).

use std::path::Path;

use assert_cmd::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn repo_file(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn switchboard(args: &[&str]) -> String {
    let out = Command::cargo_bin("switchboard")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_cli_the_app_bundle_and_the_metainfo_share_the_workspace_version() {
    // `switchboard --version`; the About panel shows core's CARGO_PKG_VERSION, the same
    // workspace version (tests/it/info.rs checks `info`, tests/e2e/test_installed.py the panel).
    assert_eq!(
        switchboard(&["--version"]),
        format!("switchboard {VERSION}\n")
    );

    // The bundler takes the package version from tauri.conf.json's `version`, else from
    // src-tauri's Cargo.toml: keep it absent so the workspace version is the only one.
    let conf: serde_json::Value =
        serde_json::from_str(&repo_file("src-tauri/tauri.conf.json")).unwrap();
    assert!(
        conf.get("version").is_none(),
        "tauri.conf.json must not set its own version"
    );
    assert!(repo_file("src-tauri/Cargo.toml").contains("\nversion.workspace = true\n"));

    // Software centres show the newest <release>: it must be this version.
    let metainfo = repo_file("packaging/linux/app.switchboard.desktop.metainfo.xml");
    let first = metainfo
        .split("<release ")
        .nth(1)
        .expect("a <release> in the metainfo");
    assert!(
        first.starts_with(&format!("version=\"{VERSION}\"")),
        "the metainfo's newest release is not {VERSION}: <release {first}"
    );
    // And CHANGELOG.md has a section for it.
    assert!(repo_file("CHANGELOG.md").contains(&format!("\n## {VERSION} ")));
}

#[test]
fn the_man_page_and_completions_come_from_the_cli_definition() {
    let man = switchboard(&["generate", "man"]);
    assert!(man.contains(".TH switchboard 1"), "not a section-1 page");
    for sub in ["serve", "setup", "endpoint", "deliveries"] {
        assert!(man.contains(sub), "the man page lacks {sub}");
    }
    assert!(
        !man.contains("generate"),
        "the hidden generate command is documented"
    );

    let bash = switchboard(&["generate", "completions", "bash"]);
    assert!(bash.contains("complete -F _switchboard"), "{bash}");
    assert!(bash.contains("serve"));
    let zsh = switchboard(&["generate", "completions", "zsh"]);
    assert!(zsh.starts_with("#compdef switchboard"), "{zsh}");
    let fish = switchboard(&["generate", "completions", "fish"]);
    assert!(fish.contains("complete -c switchboard"), "{fish}");

    // Outside the help: it is for packagers.
    assert!(!switchboard(&["--help"]).contains("generate"));
}

#[test]
fn generate_needs_no_data_dir() {
    // A package build runs it with no data directory and no keychain.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("never-created");
    Command::cargo_bin("switchboard")
        .unwrap()
        .env("SWITCHBOARD_DATA_DIR", &missing)
        .args(["generate", "completions", "bash"])
        .assert()
        .success();
    assert!(!missing.exists(), "generate created the data dir");
}
