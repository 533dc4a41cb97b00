#!/usr/bin/env bash
# Saves docs/screenshots/*.png (sign-in, dashboard, integrations, integration-form, settings, users,
# webhooks, delivery-log, audit-log, front-desk) from the real app window, signed in
# (Xvfb, WebDriver screenshots after two animation frames), with integrations tested against the
# fake providers (target/debug/switchboard-fake-providers). Same setup as scripts/e2e.sh.
#   scripts/screenshots.sh            # SCREENSHOTS_DIR=... to write elsewhere
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/scripts/e2e.sh" "$ROOT/tests/e2e/screenshots.py" -q -s "$@"
