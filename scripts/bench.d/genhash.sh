#!/usr/bin/env bash
# genhash, whole process: ours (release build) vs Debian's keepalived genhash vs
# `curl -s URL | md5sum`, against one local web server on loopback, for a
# 10 MiB and a 1 KiB body, in the same run; then each one's peak RSS.
# Figures are printed, never asserted. Target (issue 8): at or below
# keepalived's genhash at both sizes (about 35 ms / 10 ms here, 12 MB).
#   scripts/bench.d/genhash.sh           full run (builds genhash in release mode)
#   scripts/bench.d/genhash.sh --smoke   two runs each, with whichever build exists
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
smoke=false
[ "${1:-}" = "--smoke" ] && smoke=true

if $smoke && [ ! -x .build/release/genhash ]; then
  ours=.build/debug/genhash
  [ -x "$ours" ] || swift build --product genhash >/dev/null
  echo "smoke: using the debug build ($ours); figures are not representative"
else
  swift build -c release --product genhash 2>&1 | tail -n 1
  ours=.build/release/genhash
fi
debian=/usr/bin/genhash
for tool in hyperfine curl md5sum python3 /usr/bin/time "$debian"; do
  command -v "$tool" >/dev/null || { echo "genhash bench: $tool missing (scripts/setup.sh installs it)"; exit 1; }
done

work=$(mktemp -d /tmp/bench-genhash.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www" bench-out
head -c $((10 * 1024 * 1024)) /dev/urandom > "$work/www/10MiB.bin"
head -c 1024 /dev/urandom > "$work/www/1KiB.bin"

# One threaded Python server for every contender; it prints its port.
cat > "$work/server.py" <<'PY'
import http.server, os, sys
os.chdir(sys.argv[1])
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Quiet)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$work/server.py" "$work/www" > "$work/port" 2>/dev/null &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
[ -n "$port" ] || { echo "genhash bench: web server did not start"; exit 1; }

# All three must agree before being timed.
for f in 10MiB.bin 1KiB.bin; do
  a=$("$ours" -s 127.0.0.1 -p "$port" -u "/$f")
  b=$("$debian" -s 127.0.0.1 -p "$port" -u "/$f")
  c=$(curl -s "http://127.0.0.1:$port/$f" | md5sum | cut -d' ' -f1)
  if [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
    echo "genhash bench: digests differ for $f: ours $a, keepalived $b, curl $c"; exit 1
  fi
done

if $smoke; then runs=(--runs 2 --warmup 0); else runs=(--warmup 5 --min-runs 30); fi
for f in 10MiB.bin 1KiB.bin; do
  url="http://127.0.0.1:$port/$f"
  echo "-- $f: whole-process time (hyperfine, mean ± σ)"
  hyperfine "${runs[@]}" --style basic --export-json "bench-out/genhash-$f.json" \
    -n "ours (genhash -s -p -u)" "$ours -s 127.0.0.1 -p $port -u /$f" \
    -n "keepalived's genhash" "$debian -s 127.0.0.1 -p $port -u /$f" \
    -n "curl -s | md5sum" "curl -s $url | md5sum" 2>&1 \
    | grep -E "^Benchmark|Time \\(mean|Range"
  echo "-- $f: peak RSS (largest process, /usr/bin/time %M)"
  for who in ours keepalived curl; do
    case $who in
      ours) cmd=("$ours" -s 127.0.0.1 -p "$port" -u "/$f") ;;
      keepalived) cmd=("$debian" -s 127.0.0.1 -p "$port" -u "/$f") ;;
      curl) cmd=(sh -c "curl -s $url | md5sum") ;;
    esac
    best=""
    for _ in 1 2 3; do
      kb=$( { /usr/bin/time -f '%M' "${cmd[@]}" >/dev/null; } 2>&1 | tail -n 1 )
      [ -z "$best" ] || [ "$kb" -lt "$best" ] && best=$kb
    done
    awk -v w="$who" -v k="$best" 'BEGIN { printf "   %-12s %6.1f MB\n", w, k / 1024 }'
  done
done
echo "-- binary: $(stat -c %s "$ours") bytes, $(ldd "$ours" | wc -l) shared objects"
