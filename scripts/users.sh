#!/usr/bin/env bash
# The programs' users, and what PING_CHECK needs from the system: run by
# scripts/setup.sh (for the tests) and scripts/install.sh. Idempotent: a user
# that exists is left as it is; the ping group range is only ever widened.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "users: needs root (useradd, sysctl)" >&2; exit 1; }

# Each daemon runs as its own unprivileged user; kaconf's compiles as its own.
for u in keepalived-vrrpd keepalived-checkd keepalived-ipvs keepalived-kaconf; do
  id -u "$u" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
done

# PING_CHECK uses unprivileged ICMP datagram sockets: checkd's group must be in
# net.ipv4.ping_group_range (widened to include it, never narrowed).
g=$(id -g keepalived-checkd)
read -r lo hi < /proc/sys/net/ipv4/ping_group_range
if [ "$lo" -gt "$g" ] || [ "$hi" -lt "$g" ]; then
  [ "$lo" -gt "$g" ] && lo=0
  [ "$hi" -lt "$g" ] && hi=$g
  sysctl -qw net.ipv4.ping_group_range="$lo $hi"
fi
