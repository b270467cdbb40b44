#!/usr/bin/env bash
# The one IPVS guest boot of a test run. This machine's kernel has no IPVS, so
# every IPVS case runs inside ../shared/tools/ipvs-vm: ipvs-vm-suite (built on
# the host by `swift build --build-tests`) applies each case with our code and
# with Debian's keepalived in the same guest and writes one JSON result per
# case under test-out/ipvs/; Tests/IntegrationTests/IPVSVMTests.swift asserts
# them. The benchmark's smoke size runs in the same boot (bench-smoke.json).
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
out=test-out/ipvs
rm -rf "$out"
mkdir -p "$out"
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: the IPVS guest needs root (qemu, 9p)"
  exit 0
fi
date -u +%FT%TZ > "$out/.stage-started"
vm=""
for d in "${KA_SHARED_DIR:-}" ../shared ../../shared /work/shared; do
  [ -n "$d" ] && [ -x "$d/tools/ipvs-vm" ] && { vm="$d/tools/ipvs-vm"; break; }
done
[ -n "$vm" ] || { echo "ipvs-vm not found (set KA_SHARED_DIR to the shared directory)"; exit 1; }
bin="$(swift build --show-bin-path)/ipvs-vm-suite"
[ -x "$bin" ] || { echo "$bin not built"; exit 1; }
"$vm" --timeout 1200 -- "$bin" --out "$out" --bench-smoke
status=$?
[ -f "$out/summary.json" ] || { echo "the guest wrote no results (exit $status)"; exit 1; }
exit $status
