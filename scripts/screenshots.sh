#!/usr/bin/env bash
# Saves docs/screenshots/{dashboard,integrations,integration-form,settings}.png from the real app window
# (Xvfb, WebDriver screenshots after two animation frames), with integrations tested against the
# fake providers (target/debug/switchboard-fake-providers). Same setup as scripts/e2e.sh.
#   scripts/screenshots.sh            # SCREENSHOTS_DIR=... to write elsewhere
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/scripts/e2e.sh" "$ROOT/tests/e2e/screenshots.py" -q -s "$@"
