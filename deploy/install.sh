#!/usr/bin/env bash
# Installs lscb-hub and lscb from a build, with their systemd units, as a
# service account "lscb" with state under /var/lib/lscb.
#   deploy/install.sh [--prefix /usr/local] [--no-systemd]
# Run ./scripts/setup.sh first (it builds into build/). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=/usr/local
SYSTEMD=1
while (($#)); do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --no-systemd) SYSTEMD=0; shift ;;
    *) echo "usage: deploy/install.sh [--prefix DIR] [--no-systemd]" >&2; exit 2 ;;
  esac
done
BUILD="${LSCB_BUILD_DIR:-build}"
for bin in "$BUILD/hub/lscb-hub" "$BUILD/cli/lscb"; do
  [ -x "$bin" ] || { echo "missing $bin: run ./scripts/setup.sh first" >&2; exit 1; }
done

install -d "$PREFIX/bin" "$PREFIX/share/doc/lscb" "$PREFIX/share/lscb/definitions"
install -m 0755 "$BUILD/hub/lscb-hub" "$BUILD/cli/lscb" "$PREFIX/bin/"
install -m 0644 README.md docs/*.md "$PREFIX/share/doc/lscb/"
install -m 0644 data/definitions/*.toml "$PREFIX/share/lscb/definitions/"

if ! getent passwd lscb >/dev/null; then
  useradd --system --home-dir /var/lib/lscb --shell /usr/sbin/nologin --user-group lscb
fi
install -d -o lscb -g lscb -m 0750 /var/lib/lscb
install -d -o root -g lscb -m 0750 /etc/lscb /etc/lscb/streams
if [ ! -f /etc/lscb/hub.toml ]; then
  install -o root -g lscb -m 0640 deploy/hub.toml /etc/lscb/hub.toml
  echo "installed /etc/lscb/hub.toml: edit it for this site"
fi

if ((SYSTEMD)) && command -v systemctl >/dev/null; then
  install -m 0644 deploy/systemd/lscb-hub.service deploy/systemd/lscb-stream@.service /etc/systemd/system/
  systemctl daemon-reload || true
  echo "installed systemd units: systemctl enable --now lscb-hub"
fi
echo "installed lscb-hub and lscb in $PREFIX/bin"
