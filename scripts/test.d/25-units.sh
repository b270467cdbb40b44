#!/usr/bin/env bash
# Every systemd unit in units/: `systemd-analyze verify` must pass, and
# `systemd-analyze security --offline=yes` prints its exposure (the
# supervisor's, keepalived.service, must be at most 4.0; Debian's
# keepalived.service scores 9.6 UNSAFE).
#
# The units name the installed paths (/usr/local/sbin, /usr/local/bin); for
# the check they point at the programs just built, since verify wants
# ExecStart to exist. Documentation= man pages are not looked up (--man=no):
# they are checked by the programs' man page tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
command -v systemd-analyze >/dev/null || { echo "units: systemd-analyze missing (scripts/setup.sh installs systemd)"; exit 1; }
bin=$(swift build --show-bin-path)
work=$(mktemp -d /tmp/ka-units.XXXXXX)
trap 'rm -rf "$work"' EXIT
limit_keepalived=4.0
status=0
printf "%-28s %-8s %s\n" unit verify exposure
for u in units/*.service; do
  [ -e "$u" ] || continue
  name=$(basename "$u")
  sed -e "s|/usr/local/sbin/|$bin/|g" -e "s|/usr/local/bin/|$bin/|g" "$u" > "$work/$name"
  if systemd-analyze verify --man=no "$work/$name" > "$work/$name.verify" 2>&1; then v=ok; else v=FAILED; status=1; fi
  exposure=$(systemd-analyze security --offline=yes "$work/$name" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \(.*\)/\1 \2/p')
  printf "%-28s %-8s %s\n" "$name" "$v" "$exposure"
  [ "$v" = ok ] || sed 's/^/    /' "$work/$name.verify"
  if [ "$name" = keepalived.service ]; then
    score=${exposure%% *}
    if [ -z "$score" ] || awk -v s="$score" -v l="$limit_keepalived" 'BEGIN { exit !(s > l) }'; then
      echo "units: keepalived.service exposure ${score:-unknown} exceeds $limit_keepalived"
      status=1
    fi
  fi
done
exit $status
