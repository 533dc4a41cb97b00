#!/usr/bin/env bash
# Installs what building, running and testing Switchboard needs and is missing:
#   Debian packages (as root, or prints the exact list to install), the UI's npm packages,
#   and, with --test, tauri-driver (pinned) and the end-to-end tests' Python venv.
# Each step is skipped when already satisfied, so it is cheap to run every time.
#
#   scripts/install-deps.sh [--run|--test]
set -euo pipefail
cd "$(dirname "$0")/.."

want=${1:---run}

# Build and run the window.
RUN_PACKAGES="build-essential pkg-config file libwebkit2gtk-4.1-dev"
# Tests: a virtual display, WebDriver for WebKitGTK, a real Secret Service on a private bus.
TEST_PACKAGES="xvfb xauth x11-utils python3-venv webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools"
TAURI_DRIVER_VERSION=2.1.0
NODE_MIN_MAJOR=20

packages="$RUN_PACKAGES"
[ "$want" = --test ] && packages="$packages $TEST_PACKAGES"

missing=()
for p in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "Missing system packages. Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Node.js ${NODE_MIN_MAJOR}.19 or newer (with npm) is required: https://nodejs.org/" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt "$NODE_MIN_MAJOR" ]; then
  echo "Node.js $(node -v) is too old; ${NODE_MIN_MAJOR}.19 or newer is required." >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install.
stamp=ui/node_modules/.switchboard-lock
if [ ! -f "$stamp" ] || ! cmp -s ui/package-lock.json "$stamp"; then
  echo "==> installing UI packages (npm ci)"
  npm --prefix ui ci --no-audit --no-fund
  cp ui/package-lock.json "$stamp"
fi

if [ "$want" = --test ]; then
  if [ ! -x .tools/bin/tauri-driver ] || ! .tools/bin/tauri-driver --help 2>&1 | head -1 >/dev/null; then
    echo "==> installing tauri-driver ${TAURI_DRIVER_VERSION}"
    cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION" --root .tools
  fi
fi
