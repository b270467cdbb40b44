#!/usr/bin/env bash
# Compile benchmark: `kaconf compile` against `keepalived -t` on the same
# generated configurations, measured in the same run (wall time and peak
# RSS, process start included). Figures are printed, never asserted.
#
#   scripts/bench.d/kaconf.sh             both sizes, release build, best of 5
#   scripts/bench.d/kaconf.sh --smoke     the small size once (CI: keeps it working)
#   scripts/bench.d/kaconf.sh --cross-check   also run on ../shared/tools/gen-conf's
#                                         configurations, the ones the issue's
#                                         reference figures were measured on
#
# Sizes: 1,000 virtual servers x 10 real servers (the checker types in turn:
# TCP, HTTP, SSL, MISC, SMTP, DNS, UDP, PING, FILE) + 250 VRRP instances, and
# ten times that. Both programs run in a network namespace holding the
# interfaces the configurations name (eth0..eth9), so host checks see them.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"

smoke=0
cross=0
for a in "$@"; do
  case "$a" in
    --smoke) smoke=1 ;;
    --cross-check) cross=1 ;;
    *) echo "usage: $0 [--smoke] [--cross-check]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "kaconf bench: needs root (network namespace)"; exit 1; }
command -v keepalived >/dev/null || { echo "kaconf bench: keepalived not installed (scripts/setup.sh)"; exit 1; }

work="$PWD/bench-out/kaconf"
mkdir -p "$work"

# The configurations: our own generator (the project stands alone).
generate() { # VS RS VRRP OUT
  python3 - "$@" <<'PY'
import sys
vs_count, rs_count, vrrp_count, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
checkers = ["TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK", "PING_CHECK", "FILE_CHECK"]
ports = {"TCP_CHECK": 80, "HTTP_GET": 80, "SSL_GET": 443, "MISC_CHECK": 8000, "SMTP_CHECK": 25,
         "DNS_CHECK": 53, "UDP_CHECK": 5353, "PING_CHECK": 0, "FILE_CHECK": 8080}
def addr(net, n):
    return "10.%d.%d.%d" % (net + n // (254 * 256), (n // 254) % 256, n % 254 + 1)
w = []
w.append("# kaconf benchmark: %d virtual servers x %d real servers, %d VRRP instances\n" % (vs_count, rs_count, vrrp_count))
w.append("global_defs {\n    router_id kaconf_bench\n    enable_script_security\n    script_user root\n}\n\n")
w.append("track_file rs_weight {\n    file /run/kaconf-bench.weight\n    weight 1\n}\n\n")
for i in range(vrrp_count):
    w.append("vrrp_instance VRRP_%d {\n    state BACKUP\n    interface eth%d\n    virtual_router_id %d\n"
             "    priority %d\n    advert_int 1\n    virtual_ipaddress {\n        %s/32 dev eth%d\n    }\n}\n\n"
             % (i, i // 255, i % 255 + 1, 50 + i % 150, addr(100, i), i // 255))
n = 0
for v in range(vs_count):
    w.append("virtual_server %s 80 {\n    delay_loop 10\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n" % addr(1, v))
    for r in range(rs_count):
        c = checkers[n % len(checkers)]
        n += 1
        w.append("    real_server %s %d {\n        weight %d\n        %s {\n" % (addr(20, v * rs_count + r), ports[c], 1 + r % 5, c))
        if c in ("HTTP_GET", "SSL_GET"):
            w.append("            url {\n                path /health\n                status_code 200\n            }\n")
        if c == "MISC_CHECK":
            w.append("            misc_path \"/bin/true\"\n            misc_timeout 5\n")
        elif c == "FILE_CHECK":
            w.append("            track_file rs_weight\n")
        elif c == "DNS_CHECK":
            w.append("            type A\n            name bench.example\n            connect_timeout 2\n")
        elif c == "SMTP_CHECK":
            w.append("            helo_name bench.example\n            connect_timeout 2\n")
        else:
            w.append("            connect_timeout 2\n            retry 2\n")
        w.append("        }\n    }\n")
    w.append("}\n\n")
open(out, "w").write("".join(w))
PY
}

# kaconf: a release build for figures; the smoke run reuses a debug build
# when there is one (its figures then mean nothing, it only has to work).
bin=""
if [ $smoke -eq 1 ] && [ -x "$(swift build --show-bin-path 2>/dev/null)/kaconf" ]; then
  bin="$(swift build --show-bin-path)/kaconf"
  echo "kaconf bench: smoke run with the debug build (figures not meaningful)"
else
  echo "kaconf bench: building kaconf (release)"
  swift build -c release --product kaconf 2>&1 | tail -n 1
  bin="$(swift build -c release --show-bin-path)/kaconf"
fi

ns="kabench$$"
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
ip -n "$ns" link set lo up
for i in $(seq 0 9); do
  ip -n "$ns" link add "eth$i" type veth peer name "peer$i"
  ip -n "$ns" link set "eth$i" up
  ip -n "$ns" link set "peer$i" up
done

# measure RUNS CMD... -> "wall_s cpu_s rss_kib status" (the run with the best
# wall time; CPU time = user + system, steadier on a shared machine)
measure() {
  local runs=$1; shift
  local best="" cpu="" rss="" status=0
  for _ in $(seq "$runs"); do
    set +e
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" ip netns exec "$ns" "$@" >"$work/out" 2>"$work/err"
    status=$?
    set -e
    read -r wall user sys kib < <(tail -n 1 "$work/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then
      best=$wall; cpu=$(awk "BEGIN{print $user + $sys}"); rss=$kib
    fi
  done
  echo "$best $cpu $rss $status"
}

row() { # LABEL FILE RUNS
  local label=$1 file=$2 runs=$3
  local lines size
  lines=$(wc -l < "$file")
  size=$(du -m "$file" | cut -f1)
  read -r kw kc kr ks < <(cd "$(dirname "$file")" && measure "$runs" "$bin" compile "$file" -o "$work/compiled.kacf")
  [ "$ks" -eq 0 ] || { echo "kaconf compile exited $ks on $file:"; head -n 5 "$work/err"; }
  read -r rw rc rr rs < <(cd "$(dirname "$file")" && measure "$runs" keepalived -t -f "$file")
  [ "$rs" -eq 0 ] || { echo "keepalived -t exited $rs on $file:"; head -n 5 "$work/err"; }
  printf "%-32s %7s %3s MB  %6.2f s %6.2f s %6.1f MiB  %6.2f s %6.2f s %6.1f MiB\n" "$label" "$lines" "$size" \
    "$kw" "$kc" "$(awk "BEGIN{print $kr/1024}")" "$rw" "$rc" "$(awk "BEGIN{print $rr/1024}")"
}

small="$work/small.conf"
large="$work/large.conf"
generate 1000 10 250 "$small"
[ $smoke -eq 1 ] || generate 10000 10 2500 "$large"

runs=5
[ $smoke -eq 1 ] && runs=1
echo
echo "kaconf compile vs keepalived -t (best of $runs by wall time; CPU = user + system; process start included)"
printf "%-32s %7s %6s  %-30s  %-30s\n" "" "" "" "kaconf compile" "keepalived -t"
printf "%-32s %7s %6s  %8s %8s %10s  %8s %8s %10s\n" "configuration" "lines" "size" "wall" "CPU" "peak RSS" "wall" "CPU" "peak RSS"
row "1,000 VS x 10 RS + 250 VRRP" "$small" "$runs"
[ $smoke -eq 1 ] || row "10,000 VS x 10 RS + 2,500 VRRP" "$large" "$runs"

if [ $cross -eq 1 ]; then
  gen="${KA_SHARED_DIR:-../shared}/tools/gen-conf"
  if [ -x "$gen" ]; then
    "$gen" --vs 1000 --rs 10 --vrrp 250 -o "$work/gen-small.conf" >/dev/null
    "$gen" --vs 10000 --rs 10 --vrrp 2500 -o "$work/gen-large.conf" >/dev/null
    row "gen-conf 1,000 x 10 + 250" "$work/gen-small.conf" "$runs"
    row "gen-conf 10,000 x 10 + 2,500" "$work/gen-large.conf" "$runs"
  else
    echo "(cross-check skipped: $gen not found)"
  fi
fi
