//! The domain crate's rule: no I/O dependency, directly or through another crate.

use std::process::Command;

/// Crates that do I/O (database, network, keychain, async runtime, pools, web servers).
const FORBIDDEN: &[&str] = &[
    "rusqlite",
    "reqwest",
    "tokio",
    "keyring-core",
    "axum",
    "r2d2",
    "hyper",
    "mio",
];

#[test]
fn the_domain_crate_depends_on_no_io_crate() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "switchboard-domain",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        names.contains(&"switchboard-domain") && names.contains(&"serde"),
        "cargo tree printed something unexpected:\n{tree}"
    );
    let found: Vec<&&str> = FORBIDDEN.iter().filter(|f| names.contains(f)).collect();
    assert!(
        found.is_empty(),
        "I/O crates in switchboard-domain's tree: {found:?}"
    );
}
