#!/usr/bin/env bash
# End-to-end tests: the CLI and the real app window, under Xvfb and a throwaway gnome-keyring.
#
#   scripts/e2e.sh                          # every test in tests/e2e
#   scripts/e2e.sh -k settings -x           # arguments go to pytest
#   scripts/e2e.sh tests/e2e/test_cli.py    # one file
#
# It first makes sure of its tools: .venv/ with tests/requirements.txt (reinstalled when that file
# changes) and tauri-driver 2.1.0 in .tools/ (pinned: an unpinned install may pick a 3.0 alpha).
# The binaries must already be built (`make build`): target/debug/switchboard-app and
# target/debug/switchboard (and target/debug/switchboard-fake-providers for the tests that need
# fake providers), or set SWITCHBOARD_APP / SWITCHBOARD_CLI / SWITCHBOARD_FAKES.
# Failures leave screenshots, page sources and app logs under target/e2e-artifacts/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES="xvfb xauth webkit2gtk-driver x11-utils dbus dbus-x11 gnome-keyring libsecret-tools python3-venv"
TAURI_DRIVER_VERSION="2.1.0"
VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools"
REQUIREMENTS="$ROOT/tests/requirements.txt"

say() { printf 'e2e: %s\n' "$*" >&2; }

# System tools (installed by apt; the Makefile's setup target normally did that).
missing=()
for tool in xvfb-run Xvfb xauth WebKitWebDriver xwininfo dbus-run-session gnome-keyring-daemon secret-tool; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "missing ${missing[*]}. Install with:"
  say "  apt-get install -y --no-install-recommends $APT_PACKAGES"
  exit 2
fi

# Python environment, rebuilt when tests/requirements.txt changes.
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
stamp="$VENV/.requirements.sha256"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    if ! "${PYTHON:-python3}" -m venv "$VENV"; then
      rm -rf "$VENV"
      say "could not create a virtualenv; on Debian: apt-get install -y python3-venv"
      exit 2
    fi
  fi
  say "installing tests/requirements.txt"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$want" >"$stamp"
fi

# tauri-driver, pinned.
if ! grep -qs "\"tauri-driver $TAURI_DRIVER_VERSION " "$TOOLS/.crates.toml" \
    || [ ! -x "$TOOLS/bin/tauri-driver" ]; then
  say "installing tauri-driver $TAURI_DRIVER_VERSION into $TOOLS (about a minute)"
  cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION" --root "$TOOLS"
fi
export TAURI_DRIVER="$TOOLS/bin/tauri-driver"

# The binaries under test.
export SWITCHBOARD_APP="${SWITCHBOARD_APP:-$ROOT/target/debug/switchboard-app}"
export SWITCHBOARD_CLI="${SWITCHBOARD_CLI:-$ROOT/target/debug/switchboard}"
# Only the tests that use the `fakes` fixture need it; they fail with a hint if it is missing.
export SWITCHBOARD_FAKES="${SWITCHBOARD_FAKES:-$ROOT/target/debug/switchboard-fake-providers}"
for bin in "$SWITCHBOARD_APP" "$SWITCHBOARD_CLI"; do
  if [ ! -x "$bin" ]; then
    say "$bin is missing: build it first (make build)"
    exit 2
  fi
done


artifacts="$ROOT/target/e2e-artifacts"
mkdir -p "$artifacts"
: >"$artifacts/tauri-driver.log"

# xvfb-run: a private X server on a free display. with-keyring.sh: a private session bus with an
# unlocked gnome-keyring, so the tests use the real Secret Service and never the developer's own.
set +e
xvfb-run -a -e "$artifacts/xvfb.log" -s "-screen 0 1280x800x24 -nolisten tcp" \
  "$ROOT/scripts/with-keyring.sh" \
  "$VENV/bin/python" -m pytest -c "$ROOT/tests/e2e/pytest.ini" "$@"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  say "failed (exit $rc); artifacts in $artifacts"
fi
exit "$rc"
