#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine: system packages, Python
# test peers, the programs' users. Safe to run again; does nothing twice.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "setup: swift not found (expected at /opt/swift)" >&2; exit 1; }

# System packages: build dependencies, the reference keepalived (oracle),
# and the tools the tests drive.
pkgs=(
  pkg-config libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libssl-dev libcap-dev libseccomp-dev
  libstdc++-12-dev
  keepalived iproute2 ipvsadm openssl curl tcpdump dnsmasq-base procps psmisc util-linux
  systemd hyperfine time
  python3-aiosmtpd python3-dnslib
  qemu-system-x86 linux-image-amd64 busybox-static
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's keepalived package would start a daemon where an init system runs;
# make sure none of ours is left running from the package.
if command -v systemctl >/dev/null && systemctl is-active -q keepalived 2>/dev/null; then
  systemctl stop keepalived || true
  systemctl disable keepalived || true
fi

# Python test peers (SMTP and DNS servers for the checkers' tests).
py_missing=()
for m in aiosmtpd dnslib; do python3 -c "import $m" 2>/dev/null || py_missing+=("$m"); done
if [ ${#py_missing[@]} -gt 0 ]; then
  echo "setup: pip installing ${py_missing[*]}"
  python3 -m pip install -q "${py_missing[@]}"
fi

# The programs' users and the ping group range for checkd (shared with install.sh).
scripts/users.sh

echo "setup: ok"
