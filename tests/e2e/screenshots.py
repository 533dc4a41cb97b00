"""Screenshots for the README: docs/screenshots/{dashboard,settings}.png.

Not part of the normal test run (pytest collects only test_*.py); scripts/screenshots.sh runs it.
The data dir has a fixed, readable path, because the Settings page shows it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from harness import REPO_ROOT, App

OUT_DIR = Path(os.environ.get("SCREENSHOTS_DIR", REPO_ROOT / "docs" / "screenshots"))


@pytest.fixture
def data_dir() -> Path:
    root = Path(tempfile.gettempdir()) / "switchboard-demo"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    yield root / "data"
    shutil.rmtree(root, ignore_errors=True)


def test_screenshots(app: App):
    app.find("page-dashboard")
    app.text("clinic-name")
    dashboard = app.screenshot(OUT_DIR / "dashboard.png")

    app.goto("settings")
    app.text("info-schema-version")  # the data from core has arrived
    settings = app.screenshot(OUT_DIR / "settings.png")

    for path in (dashboard, settings):
        assert path.stat().st_size > 10_000, f"{path} looks empty"
        print(f"wrote {path}")
