"""The Audit log page (admin) in the real window: filters that narrow what is shown, Verify on an
intact and on a tampered chain, and the CSV and JSON exports read back from the Downloads folder.

The rows are made through the CLI by two users (the admin and a manager) before the window opens;
what the page shows is checked against `switchboard audit list` on the same database.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

import pytest

from harness import ADMIN, TIMEOUT, poll
from pages import AuditLogPage, add_with_cli

NOT_RESOLVABLE = "https://switchboard-e2e.invalid"
MANAGER = "morgan"


@pytest.fixture
def two_users_at_work(run_cli):
    """The admin adds a manager; the manager adds an integration and changes the check
    interval; the admin renames the clinic. -> every audit row, newest first (CLI)."""
    run_cli.add_user(MANAGER, "manager")
    add_with_cli(run_cli, "twilio", "Front desk SMS", base_url=NOT_RESOLVABLE)  # as the admin
    integration = run_cli.json("--json", "integration", "set", "Front desk SMS", "--base-url", "",
                               user=MANAGER)
    assert integration
    run_cli.json("--json", "settings", "--check-interval", "30", user=MANAGER)
    run_cli.json("--json", "settings", "--clinic-name", "Riverside Vets")
    return audit_rows(run_cli)


def audit_rows(run_cli, *filters: str) -> list[dict]:
    return run_cli.json("--json", "audit", "list", "--limit", "500", *filters)


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


@pytest.fixture
def audit_app(two_users_at_work, start_app, tmp_path, downloads):
    """The window as the admin, with a Downloads folder of its own (XDG user-dirs)."""
    config = tmp_path / "xdg-config"
    config.mkdir()
    (config / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{downloads}"\n')
    return start_app(env={"XDG_CONFIG_HOME": str(config)})


def exported(downloads: Path, ext: str) -> Path:
    def one():
        found = sorted(downloads.glob(f"switchboard-audit-*.{ext}"))
        return found[-1] if found else None

    return poll(one, timeout=TIMEOUT, message=f"an audit export (.{ext}) in {downloads}")


def test_filters_by_user_and_action_narrow_the_rows(audit_app, run_cli):
    page = AuditLogPage(audit_app)
    page.open()
    everything = page.wait_rows(lambda rows: any(r["actor"] and MANAGER in r["actor"].lower()
                                                 for r in rows), "the manager's rows")
    actors = {r["actor"] for r in everything}
    assert len(actors) >= 2, actors

    page.filter("actor", MANAGER)
    mine = page.wait_rows(lambda rows: all(MANAGER in (r["actor"] or "").lower() for r in rows),
                          "only the manager's rows")
    assert len(mine) < len(everything)
    cli_mine = audit_rows(run_cli, "--actor", MANAGER)
    assert sorted(int(r["seq"]) for r in mine) == sorted(r["seq"] for r in cli_mine)

    page.filter("action", "settings.update")
    narrowed = page.wait_rows(
        lambda rows: all("settings.update" in (r["action"] or "") for r in rows)
        and len(rows) < len(mine), "only the manager's settings changes")
    cli_narrowed = audit_rows(run_cli, "--actor", MANAGER, "--action", "settings.update")
    assert [int(r["seq"]) for r in narrowed] == [r["seq"] for r in cli_narrowed]
    assert len(narrowed) == 1, narrowed
    assert "check_interval" in (narrowed[0]["changes"] or "").replace(" ", "_").lower() \
        or "check interval" in (narrowed[0]["changes"] or "").lower(), narrowed

    page.clear_filters()
    page.wait_rows(lambda rows: len(rows) >= len(everything), "every row again")


def test_verify_says_intact_then_names_the_row_that_was_tampered_with(audit_app, data_dir):
    page = AuditLogPage(audit_app)
    page.open()
    result = page.verify(ok=True)
    assert audit_app.rendered_text(result), "Verify says what it found"

    database = data_dir / "switchboard.sqlite3"
    with sqlite3.connect(database, timeout=30) as conn:
        changed = conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").rowcount
    conn.close()
    assert changed == 1

    result = page.verify(ok=False)
    text = audit_app.rendered_text(result)
    assert re.search(r"\brow (#)?2\b", text, re.IGNORECASE), f"row 2 is not named: {text!r}"


def test_export_csv_and_json_hold_the_rows_shown(audit_app, run_cli, downloads):
    page = AuditLogPage(audit_app)
    page.open()
    shown = {int(r["seq"]) for r in page.rows()}
    assert shown

    message = page.export("csv")
    path = exported(downloads, "csv")
    assert path.name in message or str(path) in message or "csv" in message.lower(), message
    with open(path, newline="") as handle:
        records = list(csv.reader(handle))
    assert records[0][:2] == ["# verification", "intact"], records[0]
    header = records[1]
    assert header[:4] == ["seq", "at", "actor", "action"], header
    in_file = {int(r[0]): dict(zip(header, r)) for r in records[2:]}
    assert shown <= set(in_file), f"rows on screen missing from the CSV: {shown - set(in_file)}"
    assert any(r["actor"] == MANAGER for r in in_file.values())
    assert any(r["actor"] == ADMIN and r["action"] == "setup" for r in in_file.values())

    message = page.export("json")
    path = exported(downloads, "json")
    document = json.loads(path.read_text())
    assert document["verification"]["ok"] is True, document["verification"]
    seqs = {r["seq"] for r in document["rows"]}
    assert shown <= seqs, f"rows on screen missing from the JSON: {shown - seqs}"
    assert document["exportedBy"] == ADMIN

    # Both exports are audited.
    exports = audit_rows(run_cli, "--action", "audit.export")
    assert len(exports) == 2, exports
