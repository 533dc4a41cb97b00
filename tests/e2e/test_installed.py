"""The installed package, not a build tree: `make package-test` (scripts/package-test.sh) installs
the .deb and runs this file with SWITCHBOARD_APP=/usr/bin/switchboard-app,
SWITCHBOARD_CLI=/usr/bin/switchboard and SWITCHBOARD_PACKAGE_VERSION=<the .deb's version>.
Skipped in the ordinary e2e run."""

from __future__ import annotations

import os
import subprocess

import pytest

PACKAGE_VERSION = os.environ.get("SWITCHBOARD_PACKAGE_VERSION")

pytestmark = pytest.mark.skipif(
    not PACKAGE_VERSION,
    reason="tests the installed package: run by `make package-test`",
)


def test_installed_app_opens_on_first_run_setup_and_all_versions_agree(
        start_app, run_cli, cli_binary, app_binary):
    assert str(app_binary).startswith("/usr/"), f"not the installed app: {app_binary}"
    assert str(cli_binary).startswith("/usr/"), f"not the installed CLI: {cli_binary}"

    # An empty data dir: the installed window paints the first-run setup screen.
    app = start_app(first_run=True)
    assert app.screen() == "setup"

    app.type("setup-clinic-name", "Installed Clinic")
    app.type("setup-username", "dana")
    app.type("setup-password", "lantern-quartz-73-harbor")
    app.type("setup-password-confirm", "lantern-quartz-73-harbor")
    app.click("setup-submit")
    app.wait_screen("shell")
    app.goto("settings")
    about_version = app.wait_text("info-version", lambda text: bool(text.strip())).strip()

    cli_version = subprocess.run(
        [str(cli_binary), "--version"], capture_output=True, text=True, check=True,
    ).stdout.strip()
    info_version = run_cli.json("info", "--json")["version"]

    # The package, `switchboard --version`, `switchboard info` and the About panel.
    assert cli_version == f"switchboard {PACKAGE_VERSION}", cli_version
    assert info_version == PACKAGE_VERSION
    assert about_version == PACKAGE_VERSION
