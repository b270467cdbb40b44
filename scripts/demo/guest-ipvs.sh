#!/usr/bin/env bash
# Runs inside the IPVS guest for act 3 (act-3-health-checks.sh starts it
# through ../shared/tools/ipvs-vm): two web servers on the guest's loopback
# addresses, keepalived -C on a virtual server with both behind HTTP_GET,
# and ipvsadm -Ln before and after one of them dies.
#   guest-ipvs.sh BIN_DIR     (as root, in the guest; writes only to the current directory)
set -uo pipefail
bin=${1:?usage: guest-ipvs.sh BIN_DIR}
work=$(pwd)/guest
mkdir -p "$work/www"
chmod 755 "$work" "$work/www"
echo "hello from a real server" > "$work/www/index.html"
chmod 644 "$work/www/index.html"
# "Wed Nov 25 20:28:56 2026: checkd[42]: ..." -> "20:28:56 checkd[42]: ..."
short() { sed -E 's/^[A-Z][a-z]{2} [A-Z][a-z]{2} +[0-9]+ ([0-9:]+) [0-9]{4}: /\1 /'; }
say() { printf '\n== %s\n' "$*"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

cat > "$work/keepalived.conf" <<'CONF'
virtual_server 10.30.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP

    real_server 127.0.0.2 8080 {
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 127.0.0.3 8080 {
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
CONF
chmod 644 "$work/keepalived.conf"

for a in 2 3; do
  python3 -m http.server 8080 --bind "127.0.0.$a" --directory "$work/www" > "$work/web$a.log" 2>&1 &
  pids+=($!)
  eval "web$a=$!"
done
"$bin/keepalived" -n -l -G -C -f "$work/keepalived.conf" -p "$work/k.pid" -c "$work/c.pid" > "$work/keepalived.log" 2>&1 &
ka=$!
pids+=($ka)

# Until ipvsadm shows N real servers (at most 60 s).
wait_for() {
  for _ in $(seq 1 300); do
    [ "$(ipvsadm -Ln | grep -c -- '->.*127\.0\.0\.')" -eq "$1" ] && return 0
    sleep 0.2
  done
  return 1
}
wait_for 2 || { echo "keepalived did not place both real servers:"; tail -n 20 "$work/keepalived.log"; exit 1; }
say "$(date +%T) ipvsadm -Ln: both web servers healthy"
ipvsadm -Ln
say "$(date +%T) the web server on 127.0.0.3 dies (kill)"
kill "$web3"
wait_for 1 || { echo "the dead server was not removed:"; tail -n 20 "$work/keepalived.log"; exit 1; }
say "$(date +%T) ipvsadm -Ln: checkd saw it fail, ipvs-applier took it out"
ipvsadm -Ln
say "what checkd and ipvs-applier logged"
short < "$work/keepalived.log" | grep -E 'sandbox:|HTTP_GET|Removing|ipvs-applier started' | sed 's/^/  /'
kill -TERM "$ka"; wait "$ka" 2>/dev/null
say "$(date +%T) keepalived stopped (SIGTERM): what it placed is removed"
ipvsadm -Ln
