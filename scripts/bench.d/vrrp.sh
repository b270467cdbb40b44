#!/usr/bin/env bash
# VRRP benchmark: vrrpd against Debian's keepalived 2.2.7 in the same run,
# on the same bridged namespaces. Figures are printed, never asserted.
#
#   scripts/bench.d/vrrp.sh           release build; per-packet allocations; failover 5x per case; cost over 20 s
#   scripts/bench.d/vrrp.sh --smoke   debug build; one failover per v3 case; cost over 3 s
#   scripts/bench.d/vrrp.sh --only cost --counts 200 --impls vrrpd --seconds 60
#                                     one part (options passed to vrrp-bench.py)
#
# Failover: a master (priority 200) and a backup (priority 100), watched from
# an observer namespace with tcpdump (nanosecond timestamps); the master's
# advert process is killed with SIGKILL; the figure is from the dead
# master's last advert to the new master's first advert (and first
# gratuitous ARP), next to the RFC master-down interval. Every mix of the
# two implementations, v2 (advert_int 1) and v3 (advert_int 0.1).
# Cost: 1, 50 and 200 instances as master at advert_int 1: CPU %, RSS and
# PSS of vrrpd and of keepalived's VRRP process (and of that process with
# its parent, "keepalived all": what VRRP costs with keepalived, which the
# parent forks, shares pages with and respawns), and the standard deviation
# of the interval between a VRID's adverts (jitter), captured as they leave.
# The two run at the same time, each on a veth of its own, so both see the
# same load from the rest of the machine, with their adverts half a second
# apart: a program sending right after the other finds the kernel's send
# path warm in the caches (ftrace: ~10 us against ~30 us for the same
# sendto), which charged whichever fired first for both.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"

smoke=0
extra=()
for a in "$@"; do
  case "$a" in
    --smoke) smoke=1 ;;
    -h|--help) echo "usage: $0 [--smoke] [--only failover|cost] [--counts N,...] [--impls NAME,...] [--seconds S]" >&2; exit 2 ;;
    *) extra+=("$a") ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "vrrp bench: needs root (network namespaces)"; exit 1; }
command -v keepalived >/dev/null || { echo "vrrp bench: keepalived not installed (scripts/setup.sh)"; exit 1; }
command -v tcpdump >/dev/null || { echo "vrrp bench: tcpdump not installed (scripts/setup.sh)"; exit 1; }

if [ "$smoke" -eq 1 ]; then
  bin=$(swift build --show-bin-path)
  [ -x "$bin/vrrpd" ] || swift build --product vrrpd >/dev/null
  [ -x "$bin/kaconf" ] || swift build --product kaconf >/dev/null
else
  swift build -c release --product vrrpd 2>&1 | tail -n 1
  swift build -c release --product kaconf 2>&1 | tail -n 1
  swift build -c release --product vrrp-alloc-probe 2>&1 | tail -n 1
  bin=$(swift build -c release --show-bin-path)
  # Heap allocations per packet on the send and receive paths (release only:
  # a debug build allocates where the optimiser would not).
  echo "== VRRP per-packet heap allocations (release)"
  "$bin/vrrp-alloc-probe" || echo "(some per-packet path allocates)"
fi
work="$PWD/bench-out/vrrp"
rm -rf "$work"
mkdir -p "$work"
exec python3 scripts/bench.d/vrrp-bench.py --bin "$bin" --work "$work" --policy-dir "$PWD/policies" $([ "$smoke" -eq 1 ] && echo --smoke) "${extra[@]}"
