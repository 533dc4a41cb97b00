#!/usr/bin/env bash
# Tests the built .deb INSTALLED (as root; `make package-test` builds it first with
# scripts/package.sh): dpkg -i (apt-get install -f for its dependencies), then
#   - the files: /usr/bin/switchboard{,-app}, desktop entry, icons, metainfo, man page,
#     completions, switchboard.service (valid per systemd-analyze, NOT enabled), the system user;
#   - the installed `switchboard --version` and the package version agree;
#   - the service's keychain wrapper works as the `switchboard` user;
#   - the installed app under Xvfb over WebDriver: first-run setup on an empty data dir, and the
#     About panel's version (tests/e2e/test_installed.py, through scripts/e2e.sh);
#   - dpkg -r removes the programs and leaves user data in place.
# The package is removed again at the end, also when a check fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
say() { printf 'package-test: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
# A process and everything it started (runuser, the wrapper, dbus and serve), deepest first.
kill_tree() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs the package with dpkg)"
deb=$(ls "$TARGET"/release/bundle/deb/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no .deb under $TARGET/release/bundle/deb: run make package first"
pkg=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
say "$deb: $pkg $version"

work=$(mktemp -d /tmp/switchboard-package-test.XXXXXX)
chmod 755 "$work"
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then dpkg -r "$pkg" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
  say "removing an earlier $pkg first"
  dpkg -r "$pkg" >/dev/null
fi
say "dpkg -i"
installed=1
if ! dpkg -i "$deb"; then
  say "installing its dependencies (apt-get install -f)"
  DEBIAN_FRONTEND=noninteractive apt-get install -f -y -q --no-install-recommends
fi
dpkg-query -W -f='${Status}' "$pkg" | grep -q "install ok installed" || fail "$pkg is not installed"

say "installed files"
for f in /usr/bin/switchboard /usr/bin/switchboard-app; do [ -x "$f" ] || fail "$f missing"; done
for f in /usr/share/applications/Switchboard.desktop \
         /usr/share/metainfo/app.switchboard.desktop.metainfo.xml \
         /usr/share/man/man1/switchboard.1.gz \
         /usr/share/bash-completion/completions/switchboard \
         /usr/share/zsh/vendor-completions/_switchboard \
         /usr/share/fish/vendor_completions.d/switchboard.fish \
         /usr/lib/systemd/system/switchboard.service \
         /usr/share/doc/switchboard/copyright; do
  [ -s "$f" ] || fail "$f missing"
done
for size in 16x16 24x24 32x32 48x48 64x64 128x128 256x256 512x512; do
  ls /usr/share/icons/hicolor/$size/apps/switchboard-app.png >/dev/null 2>&1 \
    || fail "no $size icon in /usr/share/icons/hicolor"
done
zcat /usr/share/man/man1/switchboard.1.gz | grep -q '^\.TH switchboard 1' || fail "man page is not roff"
grep -q 'serve' /usr/share/bash-completion/completions/switchboard || fail "bash completions lack serve"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /usr/lib/systemd/system/switchboard.service \
    || fail "systemd-analyze verify switchboard.service"
fi
for link in /etc/systemd/system/multi-user.target.wants/switchboard.service \
            /lib/systemd/system/multi-user.target.wants/switchboard.service; do
  [ ! -e "$link" ] || fail "switchboard.service was enabled ($link)"
done
getent passwd switchboard >/dev/null || fail "postinst did not create the switchboard user"
[ "$(stat -c %U:%G:%a /etc/switchboard)" = root:switchboard:750 ] || fail "/etc/switchboard: $(stat -c %U:%G:%a /etc/switchboard)"
grep -q "<release version=\"$version\"" /usr/share/metainfo/app.switchboard.desktop.metainfo.xml \
  || fail "the metainfo has no <release> for $version"

say "switchboard --version"
got=$(/usr/bin/switchboard --version)
[ "$got" = "switchboard $version" ] || fail "switchboard --version says '$got', the package $version"

say "the service's keychain wrapper, as the switchboard user: setup, then serve signed in"
mkdir -m 700 "$work/svc-home"
head -c 24 /dev/urandom | base64 >"$work/keyring-password"
printf '%s\n' 'lantern-quartz-73-harbor' >"$work/serve-password"
chown -R switchboard:switchboard "$work/svc-home" "$work/keyring-password" "$work/serve-password"
as_service() {
  runuser -u switchboard -- env -i PATH=/usr/bin:/bin HOME="$work/svc-home" \
    SWITCHBOARD_KEYRING_PASSWORD_FILE="$work/keyring-password" "$@"
}
svc=(/usr/lib/switchboard/serve-with-keyring /usr/bin/switchboard --data-dir "$work/svc-home/data")
svc_info=$(as_service "${svc[@]}" info --json)
echo "$svc_info" | python3 -c 'import json,sys; k=json.load(sys.stdin)["keychain"]; assert k["available"], k' \
  || fail "no keychain inside serve-with-keyring: $svc_info"
echo 'tulip-ferry-49-granite' | as_service "${svc[@]}" setup --clinic-name "Service Clinic" --admin admin >/dev/null
printf 'tulip-ferry-49-granite\nlantern-quartz-73-harbor\n' \
  | as_service "${svc[@]}" --user admin --password-stdin user add serve-bot --role manager >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# What switchboard.service runs, minus systemd (not running in a container): the password file
# stands in for the unit's LoadCredential.
as_service SWITCHBOARD_USER=serve-bot SWITCHBOARD_PASSWORD_FILE="$work/serve-password" \
  SWITCHBOARD_INGEST_PORT="$port" "${svc[@]}" serve >"$work/serve.log" 2>&1 &
serve_pid=$!
listening=0
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then listening=1; break; fi
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.1
done
kill_tree "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
[ "$listening" = 1 ] || fail "serve did not listen on 127.0.0.1:$port: $(cat "$work/serve.log")"

say "the installed app under Xvfb (tests/e2e/test_installed.py)"
SWITCHBOARD_APP=/usr/bin/switchboard-app SWITCHBOARD_CLI=/usr/bin/switchboard \
  SWITCHBOARD_PACKAGE_VERSION="$version" scripts/e2e.sh tests/e2e/test_installed.py

say "dpkg -r leaves user data in place"
# A desktop user's default data dir (XDG_DATA_HOME), made by the installed CLI.
XDG_DATA_HOME="$work/xdg" /usr/bin/switchboard info --json >"$work/info.json"
db=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["databasePath"])' "$work/info.json")
case "$db" in "$work/xdg/"*) ;; *) fail "the default data dir is not under XDG_DATA_HOME: $db" ;; esac
[ -s "$db" ] || fail "no database at $db"
dpkg -r "$pkg"
installed=0
[ ! -e /usr/bin/switchboard ] && [ ! -e /usr/bin/switchboard-app ] || fail "dpkg -r left the programs"
[ ! -e /usr/lib/systemd/system/switchboard.service ] || fail "dpkg -r left the unit"
[ -s "$db" ] || fail "dpkg -r removed the user's database $db"
[ -d /etc/switchboard ] || fail "dpkg -r removed /etc/switchboard"
say "passed ($pkg $version)"
