#!/usr/bin/env bash
# Runs every benchmark and prints its figures (never asserted).
#   scripts/bench.sh            all benchmarks, full size
#   scripts/bench.sh --smoke    a short run of each (what CI does)
#   scripts/bench.sh NAME...    only scripts/bench.d/NAME.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
smoke=""
names=()
for a in "$@"; do
  case "$a" in --smoke) smoke="--smoke" ;; *) names+=("$a") ;; esac
done
[ -n "$smoke" ] || scripts/setup.sh
status=0
for b in scripts/bench.d/*.sh; do
  [ -e "$b" ] || continue
  n=$(basename "$b" .sh)
  if [ ${#names[@]} -gt 0 ] && [[ ! " ${names[*]} " == *" $n "* ]]; then continue; fi
  echo "== bench $n $smoke"
  "$b" $smoke || { echo "bench $n failed"; status=1; }
done
exit $status
