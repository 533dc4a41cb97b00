#!/usr/bin/env bash
# Saves docs/screenshots/dashboard.png and docs/screenshots/settings.png from the real app window
# (Xvfb, WebDriver screenshots after two animation frames). Same setup as scripts/e2e.sh.
#   scripts/screenshots.sh            # SCREENSHOTS_DIR=... to write elsewhere
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/scripts/e2e.sh" "$ROOT/tests/e2e/screenshots.py" -q -s "$@"
