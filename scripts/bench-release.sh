#!/usr/bin/env bash
# Release figures: start to the first painted screen (setup, empty data dir), peak RSS of the
# app and of `switchboard serve` idle, and package and binary sizes. Needs `make package` first
# (and `make deps-test`: Xvfb, WebKitWebDriver, tauri-driver, .venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
export SWITCHBOARD_APP="${SWITCHBOARD_APP:-$TARGET/release/switchboard-app}"
export SWITCHBOARD_CLI="${SWITCHBOARD_CLI:-$TARGET/release/switchboard}"
export TAURI_DRIVER="${TAURI_DRIVER:-$ROOT/.tools/bin/tauri-driver}"
for f in "$SWITCHBOARD_APP" "$SWITCHBOARD_CLI" "$TAURI_DRIVER" "$ROOT/.venv/bin/python"; do
  [ -x "$f" ] || { echo "bench-release: $f missing: run make package and make deps-test" >&2; exit 2; }
done

xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" scripts/with-keyring.sh \
  env PYTHONPATH="$ROOT/tests/e2e" "$ROOT/.venv/bin/python" tests/e2e/bench_release.py

size() { printf '%-28s %6.1f MiB\n' "$1" "$(echo "$(stat -c %s "$2") / 1048576" | bc -l)"; }
size "switchboard-app (binary)" "$SWITCHBOARD_APP"
size "switchboard (binary)" "$SWITCHBOARD_CLI"
for p in "$TARGET"/release/bundle/deb/*.deb "$TARGET"/release/bundle/rpm/*.rpm; do
  [ -f "$p" ] && size "$(basename "$p")" "$p"
done
if [ -f "$TARGET"/release/bundle/deb/*.deb ]; then
  echo "installed size (.deb):        $(dpkg-deb -f "$TARGET"/release/bundle/deb/*.deb Installed-Size) KiB"
fi
