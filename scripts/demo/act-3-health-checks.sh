#!/usr/bin/env bash
# Act 3: real servers health-checked. Two web servers (Python's http.server)
# and a director, each in a network namespace the act creates (and removes),
# on one bridge. The director runs the keepalived supervisor on a
# keepalived.conf with a VRRP instance and a virtual server: it starts vrrpd,
# checkd and ipvs-applier as their own users. You watch checkd's verdicts in
# its log while a web server is stopped and started again. This machine's
# kernel has no IPVS, so the table itself is shown inside the IPVS guest
# (../shared/tools/ipvs-vm): ipvsadm -Ln before and after a real server dies.
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
# "Wed Nov 25 20:28:56 2026: checkd[42]: ..." -> "20:28:56 checkd[42]: ..."
short() { sed -E 's/^[A-Z][a-z]{2} [A-Z][a-z]{2} +[0-9]+ ([0-9:]+) [0-9]{4}: /\1 /'; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
for p in keepalived kaconf vrrpd checkd ipvs-applier; do
  [ -x "$bin/$p" ] || { echo "(act 3 skipped: $p not built)"; exit 0; }
done
[ "$(id -u)" -eq 0 ] || { echo "(act 3 skipped: needs root for network namespaces)"; exit 0; }

tag="kademo3$$"
work=$(mktemp -d /tmp/ka-demo-checks.XXXXXX)
chmod 755 "$work"
pids=()
groups=()
cleanup() {
  for g in "${groups[@]}"; do kill -- "-$g" 2>/dev/null; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  for n in hub lb web1 web2; do ip netns del "$tag$n" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# The bridge, the director (lb, 10.20.0.1) and two web servers (.11, .12).
ip netns add "${tag}hub"
ip -n "${tag}hub" link add br0 type bridge && ip -n "${tag}hub" link set br0 up
i=0
for n in lb web1 web2; do
  i=$((i + 1))
  case $n in lb) a=10.20.0.1 ;; web1) a=10.20.0.11 ;; web2) a=10.20.0.12 ;; esac
  ip netns add "$tag$n"
  ip -n "$tag$n" link set lo up
  ip -n "${tag}hub" link add "p$i" type veth peer name eth0 netns "$tag$n"
  ip -n "${tag}hub" link set "p$i" master br0 && ip -n "${tag}hub" link set "p$i" up
  ip -n "$tag$n" link set eth0 up
  ip -n "$tag$n" addr add "$a/24" dev eth0
done

mkdir -p "$work/www"
echo "hello from a real server" > "$work/www/index.html"
chmod -R a+rX "$work/www"
web_pid=()
start_web() { # N: web server N on 10.20.0.1N:8080
  ip netns exec "${tag}web$1" python3 -m http.server 8080 --bind "10.20.0.1$1" --directory "$work/www" \
    > "$work/web$1.log" 2>&1 &
  web_pid[$1]=$!
  pids+=($!)
}

cat > "$work/keepalived.conf" <<'CONF'
global_defs {
    router_id demo-director
}

vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    version 3
    advert_int 0.1
    virtual_ipaddress {
        10.20.0.100/24
    }
}

virtual_server 10.20.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP

    real_server 10.20.0.11 8080 {
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
    real_server 10.20.0.12 8080 {
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

# Prints the log lines that matter to a person, as they arrive, for SECONDS.
shown=0
follow() {
  local end=$(( $(date +%s%N) + $1 * 1000000000 ))
  while :; do
    local total
    total=$(wc -l < "$work/keepalived.log")
    if [ "$total" -gt "$shown" ]; then
      sed -n "$((shown + 1)),${total}p" "$work/keepalived.log" | short \
        | grep -E 'child process|sandbox:|Entering|IPVS is not|exited:|HTTP_GET|Adding|Removing|quorum|SIGTERM|Stopped' \
        | sed 's/^/  /'
      shown=$total
    fi
    [ "$(date +%s%N)" -ge "$end" ] && break
    sleep 0.2
  done
}

say "two web servers (10.20.0.11 and .12, Python's http.server) and a director (10.20.0.1) on a bridge"
start_web 1
start_web 2
sleep 0.5
cat <<'TXT'
  The director's keepalived.conf: VRRP instance VI_1 (address 10.20.0.100) and
  virtual server 10.20.0.100:80 with both web servers behind HTTP_GET checks
  (every second; one retry).
TXT
say "keepalived on the director: it compiles the file with kaconf and starts vrrpd, checkd, ipvs-applier"
ip netns exec "${tag}lb" "$bin/keepalived" -n -l -G -f "$work/keepalived.conf" \
  -p "$work/keepalived.pid" -r "$work/vrrp.pid" -c "$work/checkers.pid" > "$work/keepalived.log" 2>&1 &
ka=$!
pids+=($ka)
follow 3
echo "  (this machine's kernel has no IPVS: the table is shown inside the IPVS guest below)"

say "stop the web server on 10.20.0.12: checkd sees it fail, retries once, takes it out"
kill "${web_pid[2]}"; wait "${web_pid[2]}" 2>/dev/null
follow 4

say "start it again: the next check passes and it is back in the pool"
start_web 2
follow 3

say "SIGTERM to keepalived: the daemons stop in order"
kill -TERM "$ka"; wait "$ka" 2>/dev/null
follow 1

# The IPVS side, inside the guest (one boot; its transcript prints when it powers off).
vm=""
root=$(cd "$here/../.." && pwd)
for d in "${KA_SHARED_DIR:-}" "$root/../shared" "$root/../../shared" /work/shared; do
  [ -n "$d" ] && [ -x "$d/tools/ipvs-vm" ] && { vm="$d/tools/ipvs-vm"; break; }
done
if [ -z "$vm" ]; then
  echo "(the IPVS part skipped: ipvs-vm not found; set KA_SHARED_DIR to the shared directory)"
  exit 0
fi
say "the IPVS table, inside the IPVS guest: booting it under software emulation (about 30-60 s)"
echo "  Inside: two web servers on 127.0.0.2 and 127.0.0.3, keepalived -C (checkd + ipvs-applier),"
echo "  ipvsadm -Ln before and after one of them dies. The transcript prints when the guest powers off."
printf '  booting'
# In a session of its own, so that an interrupted demo stops the guest too (the whole group).
setsid bash -c 'cd "$1" && "$2" --timeout 300 -- "$3" "$4" > guest.out 2>&1; echo $? > guest.rc' _ \
  "$work" "$vm" "$here/guest-ipvs.sh" "$bin" &
guest=$!
groups+=($guest)
while kill -0 "$guest" 2>/dev/null; do printf '.'; sleep 2; done
echo
sed 's/^/  /' "$work/guest.out"
[ "$(cat "$work/guest.rc" 2>/dev/null)" = 0 ] || echo "  (the guest part did not finish cleanly: status $(cat "$work/guest.rc" 2>/dev/null))"
exit 0
