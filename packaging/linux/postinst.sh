#!/bin/sh
# After install or upgrade (deb: "configure"; rpm: 1 or 2): the system user the optional
# switchboard.service runs as, and its config folder. The service is NOT enabled or started.
set -e
if ! getent passwd switchboard >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/switchboard --no-create-home \
    --shell /usr/sbin/nologin --comment "Switchboard service" switchboard
fi
if [ ! -d /etc/switchboard ]; then
  mkdir -p /etc/switchboard
  chown root:switchboard /etc/switchboard
  chmod 0750 /etc/switchboard
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
