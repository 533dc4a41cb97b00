#!/usr/bin/env bash
# Run a command against a REAL, throwaway OS keychain (Secret Service via gnome-keyring),
# so tests exercise the real keychain code path and never touch the developer's own.
#
#   scripts/with-keyring.sh [MODE] CMD [ARGS...]
#
# MODE (optional, default --unlocked):
#   --unlocked   a fresh "login" collection, created and unlocked (the normal case)
#   --locked     the "login" collection exists but is locked: the Secret Service is
#                reachable and reports itself available, but writes fail (nobody can
#                answer the unlock prompt). Use for "keychain locked" tests.
#   --no-collection
#                gnome-keyring runs but no collection was ever created.
#   --no-dbus    no session bus at all: DBUS_SESSION_BUS_ADDRESS is removed and
#                XDG_RUNTIME_DIR points at an empty directory, so nothing can be found.
#                Equivalent by hand: env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=$(mktemp -d) CMD
#
# Every mode uses a fresh XDG_DATA_HOME and XDG_RUNTIME_DIR (mode 700) under a temp dir that is
# removed afterwards. The session bus and gnome-keyring-daemon live only as long as CMD
# (dbus-run-session ends the bus when CMD exits; the daemon exits with its bus).
# CMD sees SWITCHBOARD_TEST_KEYRING=<mode>, so tests know which keychain they run against.
# The exit code of CMD is passed through. Exit 2 means a prerequisite is missing.
set -euo pipefail

APT_PACKAGES="dbus dbus-x11 gnome-keyring libsecret-tools"


mode=unlocked
case "${1:-}" in
  --unlocked) mode=unlocked; shift ;;
  --locked) mode=locked; shift ;;
  --no-collection) mode=no-collection; shift ;;
  --no-dbus) mode=no-dbus; shift ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac
if [ $# -eq 0 ]; then
  echo "usage: $0 [--unlocked|--locked|--no-collection|--no-dbus] CMD [ARGS...]" >&2
  exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/switchboard-keyring.XXXXXX")"
chmod 700 "$tmp"
mkdir -m 700 "$tmp/data" "$tmp/runtime"
cleanup() { rm -rf "$tmp" 2>/dev/null || true; }
trap cleanup EXIT
export XDG_DATA_HOME="$tmp/data"
export XDG_RUNTIME_DIR="$tmp/runtime"
# Tells tests which keychain they are running against (tests/e2e/conftest.py reads it).
export SWITCHBOARD_TEST_KEYRING="$mode"

if [ "$mode" = no-dbus ]; then
  unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
  set +e; "$@"; rc=$?; set -e
  exit "$rc"
fi

missing=()
for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "with-keyring.sh: missing ${missing[*]}." >&2
  echo "Install with: apt-get install -y --no-install-recommends $APT_PACKAGES" >&2
  exit 2
fi

# The bus (and so anything it D-Bus-activates, like gcr-prompter) gets no DISPLAY: under Xvfb an
# unlock prompt would otherwise open an invisible window and hang the test forever. The command
# itself gets DISPLAY back.
export SB_KEYRING_MODE="$mode"
export SB_KEYRING_DISPLAY="${DISPLAY:-}"
export SB_KEYRING_WAYLAND_DISPLAY="${WAYLAND_DISPLAY:-}"
set +e
env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS -u GNOME_KEYRING_CONTROL \
  dbus-run-session -- bash -c '
    set -eu
    password="switchboard-test-keyring"   # throwaway keyring, never the real one
    start_daemon() {
      # Prints e.g. GNOME_KEYRING_CONTROL=...; export it so clients find this daemon.
      eval "$(gnome-keyring-daemon "$@" --components=secrets --daemonize | sed "s/^/export /")"
      # --daemonize returns before the daemon owns its bus name; a client that asks too early
      # would D-Bus-activate a second daemon. Wait until the name is owned (up to 10 s).
      for _ in $(seq 1 100); do
        if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
             org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
             | grep -q "boolean true"; then
          return 0
        fi
        sleep 0.1
      done
      echo "with-keyring.sh: gnome-keyring-daemon did not appear on the session bus" >&2
      exit 2
    }
    case "$SB_KEYRING_MODE" in
      unlocked)
        printf %s "$password" | start_daemon --unlock ;;
      locked)
        printf %s "$password" | start_daemon --unlock
        dbus-send --session --print-reply=literal --dest=org.freedesktop.secrets \
          /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
          array:objpath:/org/freedesktop/secrets/collection/login >/dev/null ;;
      no-collection)
        start_daemon --start ;;
    esac
    if [ -n "$SB_KEYRING_DISPLAY" ]; then export DISPLAY="$SB_KEYRING_DISPLAY"; fi
    if [ -n "$SB_KEYRING_WAYLAND_DISPLAY" ]; then export WAYLAND_DISPLAY="$SB_KEYRING_WAYLAND_DISPLAY"; fi
    unset SB_KEYRING_MODE SB_KEYRING_DISPLAY SB_KEYRING_WAYLAND_DISPLAY
    exec "$@"
  ' with-keyring "$@"
rc=$?
set -e
exit "$rc"
