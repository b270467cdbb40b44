#!/usr/bin/env bash
# ipvs-applier benchmark, inside the IPVS guest (one boot): 1,000 services x
# 10 real servers applied from an empty table, then 1,000 real servers
# flipped down, then stop; time and netlink messages for ours, side by side
# with Debian's keepalived 2.2.7 starting the same config in the same guest.
# Figures are printed (and written to bench-out/ipvs/bench.json), never asserted.
#
#   scripts/bench.d/ipvs.sh           full size, release build, one guest boot
#   scripts/bench.d/ipvs.sh --smoke   CI: the smoke size already ran inside the
#                                     test stage's single guest boot
#                                     (scripts/test.d/30-ipvs-vm.sh); print it
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"

print_figures() {
  python3 - "$1" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
def t(x): return "%9.3f s" % x if x is not None else "      n/a"
def n(x): return "%9d  " % x if x is not None else "      n/a"
print("%d services x %d real servers        ours       keepalived 2.2.7" % (f["services"], f["realServers"]))
print("  apply from empty               %s   %s" % (t(f["oursApplySeconds"]), t(f.get("keepalivedApplySeconds"))))
print("    netlink messages sent        %s   %s (keepalived: netlink sendmsg calls, counted under strace)" % (n(f["oursApplyMessages"]), n(f.get("keepalivedNetlinkSends"))))
print("    sendmsg calls (batched)      %s" % n(f["oursApplyDatagrams"]))
print("  flip %4d real servers down    %s   %s" % (f["flipped"], t(f["oursFlipSeconds"]), t(f.get("keepalivedFlipSeconds"))))
print("    netlink messages sent        %s" % n(f["oursFlipMessages"]))
print("  stop (remove everything)       %s   %s" % (t(f["oursStopSeconds"]), t(f.get("keepalivedStopSeconds"))))
PY
}

if [ "${1:-}" = "--smoke" ]; then
  f=test-out/ipvs/bench-smoke.json
  if [ -f "$f" ]; then
    echo "ipvs: smoke figures from the test stage's guest boot (debug build, software-emulated guest):"
    print_figures "$f"
  else
    echo "ipvs: skipped: its smoke size runs inside the single IPVS guest boot of scripts/test.d/30-ipvs-vm.sh, which has not run here"
  fi
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then echo "ipvs: needs root (the IPVS guest)"; exit 1; fi
vm=""
for d in "${KA_SHARED_DIR:-}" ../shared ../../shared /work/shared; do
  [ -n "$d" ] && [ -x "$d/tools/ipvs-vm" ] && { vm="$d/tools/ipvs-vm"; break; }
done
[ -n "$vm" ] || { echo "ipvs: ipvs-vm not found (set KA_SHARED_DIR)"; exit 1; }
swift build -c release --product ipvs-vm-suite 2>&1 | tail -n 1
mkdir -p bench-out/ipvs
"$vm" --timeout 3000 --mem 4096 -- "$(swift build -c release --show-bin-path)/ipvs-vm-suite" --no-cases --bench --out bench-out/ipvs || exit 1
echo
echo "ipvs: release build, in the IPVS guest (software-emulated CPU):"
print_figures bench-out/ipvs/bench.json
