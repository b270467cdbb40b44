#!/usr/bin/env bash
# Act 2: two routers fail over a virtual address, in network namespaces the
# act creates (and removes), while you watch: who holds 10.10.0.100, which
# router the observer's ARP cache points at, and what the routers log.
set -uo pipefail
bin=$1
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -x "$bin/vrrpd" ] && [ -x "$bin/kaconf" ] || { echo "(act 2 skipped: vrrpd not built)"; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "(act 2 skipped: needs root for network namespaces)"; exit 0; }

tag="kademo$$"
work=$(mktemp -d /tmp/ka-demo-vrrp.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  for n in hub r1 r2 client; do ip netns del "$tag$n" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "${tag}hub"
ip -n "${tag}hub" link add br0 type bridge && ip -n "${tag}hub" link set br0 up
i=0
for n in r1 r2 client; do
  i=$((i + 1))
  ip netns add "$tag$n"
  ip -n "$tag$n" link set lo up
  ip -n "${tag}hub" link add "p$i" type veth peer name eth0 netns "$tag$n"
  ip -n "${tag}hub" link set "p$i" master br0 && ip -n "${tag}hub" link set "p$i" up
  ip -n "$tag$n" link set eth0 up
  ip -n "$tag$n" addr add "10.10.0.$i/24" dev eth0
done

# The client takes gratuitous ARPs into its cache, so a takeover shows at once.
ip netns exec "${tag}client" sysctl -qw net.ipv4.conf.eth0.arp_accept=1

for r in 1 2; do
  prio=$([ "$r" -eq 1 ] && echo 200 || echo 100)
  cat > "$work/r$r.conf" <<CONF
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $prio
    version 3
    advert_int 0.1
    virtual_ipaddress {
        10.10.0.100/24
    }
}
CONF
done

holder() {
  for r in 1 2; do
    ip -n "${tag}r$r" -br addr show dev eth0 | grep -q ' 10.10.0.100/' && printf 'r%s ' "$r"
  done
}
watch_for() { # SECONDS: print who holds the VIP and where the client's ARP points, every 250 ms
  local end=$(( $(date +%s%N) + $1 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    # A TCP poke makes the client resolve the VIP (the router answers with a reset).
    ip netns exec "${tag}client" timeout 0.2 bash -c 'exec 3<>/dev/tcp/10.10.0.100/9' 2>/dev/null
    mac=$(ip -n "${tag}client" neigh show 10.10.0.100 | awk '{print $5}')
    printf '  %s  VIP held by: %-7s client ARP -> %s\n' "$(date +%T.%N | cut -c1-12)" "$(holder)" "${mac:-?}"
    sleep 0.25
  done
}
mac_of() { ip -n "${tag}r$1" link show eth0 | awk '/ether/ {print $2}'; }

say "two routers on a bridge: r1 (priority 200, MAC $(mac_of 1)) and r2 (priority 100, MAC $(mac_of 2))"
for r in 1 2; do
  ip netns exec "${tag}r$r" "$bin/vrrpd" -f "$work/r$r.conf" -l -G --runtime-dir "$work/run$r" > "$work/r$r.log" 2>&1 &
  pids+=($!)
done
watch_for 2
say "vrrpd --status on r2 (the backup)"
"$bin/vrrpd" --status --runtime-dir "$work/run2"

say "kill -9 the master's vrrpd: r2 takes over after the master-down interval (3 x 100 ms + skew)"
kill -9 "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
ip -n "${tag}r1" addr del 10.10.0.100/24 dev eth0 2>/dev/null  # what a respawned vrrpd does first
watch_for 2

say "r1 comes back with the higher priority and takes the address back (preemption)"
ip netns exec "${tag}r1" "$bin/vrrpd" -f "$work/r1.conf" -l -G --runtime-dir "$work/run1" > "$work/r1b.log" 2>&1 &
pids+=($!)
watch_for 2

say "graceful stop of r1 (SIGTERM): it sends priority 0, r2 takes over after only the skew"
kill -TERM "${pids[2]}"
watch_for 1

say "what the routers logged"
sed 's/^/  r1: /' "$work/r1.log" "$work/r1b.log" | grep -E 'Entering|sandbox' 
sed 's/^/  r2: /' "$work/r2.log" | grep -E 'Entering|sandbox'
