"""`switchboard info`: the data directory, the database, the keychain, and how it fails."""

from __future__ import annotations

import hashlib
import sqlite3
import tomllib
from pathlib import Path

import pytest

from harness import REPO_ROOT

SQLITE_HEADER = b"SQLite format 3\x00"


def workspace_version() -> str:
    with open(REPO_ROOT / "Cargo.toml", "rb") as handle:
        return tomllib.load(handle)["workspace"]["package"]["version"]


def same_path(a: str | Path, b: str | Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def no_dbus_env(tmp_path: Path) -> dict[str, str | None]:
    """No session bus to be found: no address, an empty runtime dir, no display to autolaunch on."""
    runtime = tmp_path / "empty-runtime"
    runtime.mkdir(mode=0o700)
    return {
        "DBUS_SESSION_BUS_ADDRESS": None,
        "GNOME_KEYRING_CONTROL": None,
        "DISPLAY": None,
        "WAYLAND_DISPLAY": None,
        "XDG_RUNTIME_DIR": str(runtime),
    }


def test_info_json_describes_a_fresh_data_dir(run_cli, data_dir, cli_binary):
    info = run_cli.json("info", "--json")

    assert set(info) >= {"version", "buildKind", "dataDir", "databasePath", "schemaVersion",
                         "keychain", "clinicName"}
    assert info["version"] == workspace_version()
    if cli_binary.parent.name == "debug":
        assert info["buildKind"] == "development"
    else:
        assert info["buildKind"] in {"development", "release"}
    assert same_path(info["dataDir"], data_dir)
    assert same_path(info["databasePath"], data_dir / "switchboard.sqlite3")
    assert type(info["schemaVersion"]) is int and info["schemaVersion"] >= 1
    assert info["clinicName"] is None

    keychain = info["keychain"]
    assert isinstance(keychain["backend"], str) and keychain["backend"]
    assert isinstance(keychain["available"], bool)
    assert keychain["message"] is None or isinstance(keychain["message"], str)


def test_info_creates_the_database_at_the_reported_schema_version(run_cli, data_dir):
    info = run_cli.json("info", "--json")

    database = Path(info["databasePath"])
    assert database.is_file()
    assert database.read_bytes()[:16] == SQLITE_HEADER
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        (user_version,) = conn.execute("PRAGMA user_version").fetchone()
    assert user_version == info["schemaVersion"]


def test_info_prints_human_text(run_cli, data_dir):
    result = run_cli("info")

    assert result.returncode == 0, result.stderr
    assert workspace_version() in result.stdout
    assert str(data_dir) in result.stdout
    assert "switchboard.sqlite3" in result.stdout
    assert not result.stdout.lstrip().startswith("{"), "plain `info` must not print JSON"


def test_info_is_stable_across_runs(run_cli):
    first = run_cli.json("info", "--json")
    second = run_cli.json("info", "--json")

    assert first == second


def test_data_dir_from_environment_variable(run_cli, tmp_path):
    other = tmp_path / "from-env"

    info = run_cli.json("info", "--json", data_dir=None, env={"SWITCHBOARD_DATA_DIR": str(other)})

    assert same_path(info["dataDir"], other)
    assert (other / "switchboard.sqlite3").is_file()


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_unwritable_data_dir_is_a_clear_error(run_cli, tmp_path, json_flag):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a regular file where a directory should be\n")
    bad_dir = blocker / "data"  # cannot be created, even by root

    result = run_cli("info", *json_flag, data_dir=bad_dir)

    assert result.returncode != 0
    assert str(bad_dir) in result.stderr or str(blocker) in result.stderr, result.stderr
    assert "panicked" not in result.stderr, "a user error must not be a panic"
    assert result.stdout.strip() == "", "nothing on stdout when the command failed"
    assert blocker.read_text() == "a regular file where a directory should be\n"


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_database_from_a_newer_version_is_refused_and_untouched(run_cli, data_dir, json_flag):
    data_dir.mkdir()
    database = data_dir / "switchboard.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE written_by_the_future (id INTEGER PRIMARY KEY, note TEXT)")
        conn.execute("INSERT INTO written_by_the_future (note) VALUES ('keep me')")
        conn.execute("PRAGMA user_version = 9999")
    conn.close()
    before = hashlib.sha256(database.read_bytes()).hexdigest()

    result = run_cli("info", *json_flag)

    assert result.returncode != 0, f"a newer database must be refused:\n{result.stdout}"
    message = result.stderr.lower()
    assert "9999" in message or "newer" in message, result.stderr
    assert "panicked" not in message, "a user error must not be a panic"
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before, "database was modified"
    leftovers = sorted(p.name for p in data_dir.glob("switchboard.sqlite3-*"))
    assert leftovers == [], f"opening a refused database left {leftovers}"


def test_info_without_dbus_reports_keychain_unavailable(run_cli, tmp_path):
    env = no_dbus_env(tmp_path)

    info = run_cli.json("info", "--json", env=env)

    assert info["keychain"]["available"] is False
    message = info["keychain"]["message"]
    assert isinstance(message, str) and message.strip(), "an unavailable keychain needs a reason"
    # The rest of the app still works without a keychain.
    assert Path(info["databasePath"]).is_file()

    text = run_cli("info", env=env)
    assert text.returncode == 0, text.stderr


def test_info_with_keyring_reports_secret_service_available(run_cli, keyring_mode):
    if keyring_mode != "unlocked":
        pytest.skip("needs an unlocked test keyring: run under scripts/with-keyring.sh")

    keychain = run_cli.json("info", "--json")["keychain"]

    assert keychain == {"backend": "secret-service", "available": True, "message": None}
