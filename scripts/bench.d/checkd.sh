#!/usr/bin/env bash
# checkd benchmark (figures printed, never asserted).
#
#   scripts/bench.d/checkd.sh            full: keepalived's checker and ours side by side in
#                                        ipvs-vm (1,000 TCP_CHECK, then 1,000 HTTP_GET, delay_loop 1,
#                                        a server farm on 1,000 loopback ports), then ours alone on
#                                        the host at 1,000 -> 12,000 real servers (10,000 TCP + 2,000 HTTP)
#   scripts/bench.d/checkd.sh --smoke    a few seconds on the host, small (what CI runs)
#   scripts/bench.d/checkd.sh --host | --vm          only one of the two parts of the full run
#   scripts/bench.d/checkd.sh --in-guest [SECONDS]   (used by the full run inside ipvs-vm)
#
# checks/s are counted by the kernel (Tcp PassiveOpens in /proc/net/snmp: every
# check is one accepted connection), CPU% from utime+stime in /proc/PID/stat,
# RSS from VmRSS in /proc/PID/status.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
mode=${1:-full}
PEERS=Tests/peers/checkd_peers.py
PY=/usr/bin/python3
HZ=$(getconf CLK_TCK)
ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null || true

bin_dir() {
  if [ "$mode" = "--smoke" ]; then swift build --product checkd >/dev/null 2>&1; swift build --product kaconf >/dev/null 2>&1; swift build --product ka-script-host >/dev/null 2>&1; swift build --show-bin-path
  else swift build -c release --product checkd >/dev/null 2>&1; swift build -c release --product kaconf >/dev/null 2>&1; swift build -c release --product ka-script-host >/dev/null 2>&1; swift build -c release --show-bin-path; fi
}

# write_conf FILE TCP HTTP FIRSTPORT: the one keepalived.conf both checkers run:
# one virtual server, TCP_CHECK real servers on FIRSTPORT.., then HTTP_GET ones,
# all on 127.0.0.1, delay_loop 1, connect_timeout 5 (warmup defaults to delay_loop).
# keepalived reads it as it is; checkd gets it through kaconf, as an operator runs them.
write_conf() {
  local file=$1 tcp=$2 http=$3 first=$4 i
  {
    echo "global_defs { router_id bench }"
    echo "virtual_server 10.200.0.1 80 {"; echo " delay_loop 1"; echo " lb_algo rr"; echo " lb_kind NAT"; echo " protocol TCP"
    for ((i = 0; i < tcp + http; i++)); do
      if [ "$i" -lt "$tcp" ]; then echo " real_server 127.0.0.1 $((first + i)) { TCP_CHECK { connect_timeout 5 } }"
      else echo " real_server 127.0.0.1 $((first + i)) { HTTP_GET { url { path / } connect_timeout 5 } }"; fi
    done
    echo "}"
  } >"$file"
}

passive_opens() { awk '/^Tcp:/ { if (h) { print $(f) } else { for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") f = i; h = 1 } }' /proc/net/snmp; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# measure LABEL PID SECONDS: samples the kernel's accepted connections and PID's CPU.
measure() {
  local label=$1 pid=$2 secs=$3
  local o0 c0 o1 c1
  o0=$(passive_opens); c0=$(cpu_ticks "$pid")
  sleep "$secs"
  o1=$(passive_opens); c1=$(cpu_ticks "$pid")
  awk -v l="$label" -v o=$((o1 - o0)) -v c=$((c1 - c0)) -v s="$secs" -v hz="$HZ" -v r="$(rss_kb "$pid")" \
    'BEGIN { printf "%-44s %8.0f checks/s  %6.1f %% CPU  %7.1f MiB RSS\n", l, o / s, 100 * c / hz / s, r / 1024 }'
}

farm_start() {  # farm_start COUNT FIRSTPORT [HTTPFROM] -> sets FARM_PID
  local log; log=$(mktemp)
  $PY $PEERS tcp-farm --count "$1" --first "$2" --http --http-from "${3:-0}" ${FARM_OPTS:-} >"$log" 2>&1 &
  FARM_PID=$!
  for _ in $(seq 1 300); do grep -q '^PORTS' "$log" && break; sleep 0.1; done
  rm -f "$log"
}

# ours LABEL TCP HTTP FIRSTPORT SECONDS
ours() {
  local label=$1 tcp=$2 http=$3 first=$4 secs=$5 dir
  dir=$(mktemp -d); chmod 1777 "$dir"
  write_conf "$dir/keepalived.conf" "$tcp" "$http" "$first"
  "$BIN/kaconf" compile "$dir/keepalived.conf" -o "$dir/bench.kacf" || { echo "$label: kaconf failed"; return; }
  chmod 644 "$dir/bench.kacf"
  farm_start $((tcp + http)) "$first" $((first + tcp))
  "$BIN/checkd" -f "$dir/bench.kacf" --runtime-dir "$dir" -G >"$dir/checkd.log" 2>&1 &
  local pid=$!
  sleep 4   # bootstrap second + warmup
  measure "$label" "$pid" "$secs"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  kill "$FARM_PID" 2>/dev/null; wait "$FARM_PID" 2>/dev/null
  rm -rf "$dir"
}

# keepalived's checker process, on the same farm (inside ipvs-vm only: it exits without IPVS).
theirs() {
  local label=$1 kind=$2 n=$3 first=$4 secs=$5 dir i
  dir=$(mktemp -d)
  if [ "$kind" = tcp ]; then write_conf "$dir/keepalived.conf" "$n" 0 "$first"; else write_conf "$dir/keepalived.conf" 0 "$n" "$first"; fi
  if [ "$kind" = tcp ]; then farm_start "$n" "$first" 99999; else farm_start "$n" "$first" 0; fi
  keepalived -C -n -G -f "$dir/keepalived.conf" -p "$dir/k.pid" -c "$dir/c.pid" >/dev/null 2>&1 &
  local parent=$!
  sleep 4
  local child; child=$(cat "$dir/c.pid" 2>/dev/null || pgrep -P "$parent" | head -1)
  if [ -n "$child" ] && [ -d "/proc/$child" ]; then measure "$label" "$child" "$secs"; else echo "$label: keepalived's checker did not start"; fi
  kill "$parent" 2>/dev/null; wait "$parent" 2>/dev/null
  kill "$FARM_PID" 2>/dev/null; wait "$FARM_PID" 2>/dev/null
  ipvsadm -C 2>/dev/null
  rm -rf "$dir"
}

case "$mode" in
  --smoke)
    BIN=$(bin_dir)
    echo "checkd benchmark (smoke, host, debug build)"
    ours "ours: 50 TCP_CHECK + 20 HTTP_GET" 50 20 42000 3
    ;;
  --in-guest)
    secs=${2:-10}
    BIN=${CHECKD_BIN:-$(swift build -c release --show-bin-path)}
    # TCP ports accept and close, as real servers do: keepalived closes its
    # TCP_CHECK sockets with SO_LINGER and waited on unaccepted ones' delayed ACK.
    FARM_OPTS=--accept-all
    echo "inside ipvs-vm (TCG emulation), delay_loop 1, ${secs}s each; the farm accepts every connection"
    theirs "keepalived 2.2.7: 1000 TCP_CHECK" tcp 1000 42000 "$secs"
    ours   "checkd:           1000 TCP_CHECK" 1000 0 42000 "$secs"
    theirs "keepalived 2.2.7: 1000 HTTP_GET" http 1000 42000 "$secs"
    ours   "checkd:           1000 HTTP_GET" 0 1000 42000 "$secs"
    ;;
  *)
    BIN=$(bin_dir)
    if [ "$mode" != "--host" ]; then
      echo "== side by side in ipvs-vm"
      shared=${KA_SHARED_DIR:-$(cd .. && pwd)/shared}
      [ -x "$shared/tools/ipvs-vm" ] || shared=$(cd ../.. && pwd)/shared
      "$shared/tools/ipvs-vm" --timeout 900 --mem 2048 -- env CHECKD_BIN="$BIN" bash "$PWD/scripts/bench.d/checkd.sh" --in-guest 10 \
        || echo "(ipvs-vm run failed: $?)"
    fi
    [ "$mode" = "--vm" ] && exit 0
    echo "== ours alone on the host, release build, delay_loop 1"
    ours "checkd: 1,000 TCP_CHECK" 1000 0 20000 10
    ours "checkd: 1,000 HTTP_GET" 0 1000 20000 10
    ours "checkd: 5,000 TCP + 1,000 HTTP" 5000 1000 20000 10
    ours "checkd: 10,000 TCP + 2,000 HTTP" 10000 2000 20000 10
    ;;
esac
