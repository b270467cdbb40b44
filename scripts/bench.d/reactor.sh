#!/usr/bin/env bash
# Reactor timer lateness: a 10 ms periodic timer for 30 s, how long after
# each deadline its handler runs (p50/p99/max, microseconds): idle, with
# both cores kept busy, and busy with real-time scheduling (SCHED_RR 50 and
# RLIMIT_RTTIME, as vrrp_rt_priority sets them; needs root). Figures are
# printed, never asserted.
#   scripts/bench.d/reactor.sh           30 s per run (release build)
#   scripts/bench.d/reactor.sh --smoke   3 s per run, whichever build exists
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds=30
smoke=false
[ "${1:-}" = "--smoke" ] && { smoke=true; seconds=3; }

if $smoke && [ ! -x .build/release/reactor-bench ]; then
  bench=.build/debug/reactor-bench
  [ -x "$bench" ] || swift build --product reactor-bench >/dev/null
  echo "smoke: using the debug build ($bench)"
else
  swift build -c release --product reactor-bench 2>&1 | tail -n 1
  bench=.build/release/reactor-bench
fi

busy=()
stop_busy() {
  for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${busy[@]}"; do wait "$p" 2>/dev/null || true; done
  busy=()
}
trap stop_busy EXIT
start_busy() {
  # One spinning shell per core, at normal priority.
  for _ in $(seq "$(nproc)"); do
    sh -c 'while :; do :; done' &
    busy+=("$!")
  done
}

echo "reactor: 10 ms periodic timer, ${seconds} s per run, $(nproc) cores; lateness in microseconds"
echo "condition                     ticks      p50      p99      max"
"$bench" --seconds "$seconds" --label "idle"
start_busy
"$bench" --seconds "$seconds" --label "all cores busy"
if [ "$(id -u)" = 0 ]; then
  "$bench" --seconds "$seconds" --rt-priority 50 --label "all cores busy, SCHED_RR 50"
else
  echo "all cores busy, SCHED_RR 50   skipped (needs root)"
fi
stop_busy
