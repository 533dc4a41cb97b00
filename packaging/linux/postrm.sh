#!/bin/sh
# After removal: forget the unit file. Data is left in place on purpose: the desktop users' own
# data directories, /var/lib/switchboard and /etc/switchboard (a reinstall picks them up again).
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
