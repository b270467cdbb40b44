#!/usr/bin/env bash
# Regenerates Sources/vrrpd/hot-text.order: the functions vrrpd runs in its
# steady state (adverts sent and received, v2 and v3, IPv4 and IPv6, PASS
# and AH), which release links place first and together (Package.swift,
# hotTextFirst). vrrpd drops its mappings of code once it has settled
# (cshim_release_program_text), so what stays resident is what it runs
# again; with the hot functions together that is a few 64 KB fault-around
# windows instead of dozens.
#
# How: two vrrpd on a veth pair in namespaces this script creates; one runs
# under valgrind's callgrind (exact, every function called, however rarely),
# once for 10 s and once for 40 s after start-up; the functions whose cost
# grew between the two runs are the steady state (start-up costs the same in
# both). Needs root and valgrind (installed if missing). Run it after
# changing vrrpd's advert paths, and commit the list; names that no longer
# exist are ignored by the linker, new functions simply land elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
[ "$(id -u)" -eq 0 ] || { echo "hot-text: needs root (network namespaces)"; exit 1; }
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }

swift build -c release --product vrrpd 2>&1 | tail -n 1
swift build -c release --product kaconf 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/ka-hot-text.XXXXXX)
chmod 755 "$work"
A=kahotA B=kahotB
cleanup() {
  for f in "$work"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
  # HOT_TEXT_KEEP=DIR keeps the two callgrind profiles (callgrind_annotate --tree=caller shows who calls what).
  if [ -n "${HOT_TEXT_KEEP:-}" ]; then mkdir -p "$HOT_TEXT_KEEP" && cp "$work"/short "$work"/long "$HOT_TEXT_KEEP"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# valgrind 3.19 cannot read the DWARF of a Swift release build (symbols suffice)
# nor run seccomp(2): a copy without debug info, and libseccomp calls that succeed
# without loading a filter (profiling only: LD_PRELOAD, in this throwaway run).
mkdir -p "$work/bin"
cp "$bin/vrrpd" "$work/bin/vrrpd" && objcopy --strip-debug "$work/bin/vrrpd"
cat > "$work/noseccomp.c" <<'EOF'
#include <stdint.h>
static int ctx;
void *seccomp_init(uint32_t a) { (void)a; return &ctx; }
int seccomp_load(void *c) { (void)c; return 0; }
void seccomp_release(void *c) { (void)c; }
int seccomp_rule_add_array(void *c, uint32_t a, int s, unsigned n, const void *x) { (void)c; (void)a; (void)s; (void)n; (void)x; return 0; }
int seccomp_syscall_resolve_name(const char *n) { (void)n; return 1; }
EOF
cc -shared -fPIC -O2 -o "$work/noseccomp.so" "$work/noseccomp.c"
mkdir -p "$work/policies"
grep -oP '#define __NR_\K\w+' /usr/include/x86_64-linux-gnu/asm/unistd_64.h > "$work/policies/vrrpd.policy"

# 40 instances: the profiled side is master of the even VRIDs and backup of
# the odd ones; 21-28 are v3 (25-28 IPv6), 29-32 PASS, 33-36 AH.
conf() {
  python3 - "$1" <<'EOF'
import sys
side = sys.argv[1]
for v in range(1, 41):
    a_master = v % 2 == 0
    prio = 100 if side == "A" else (50 if a_master else 200)
    extra, vip = "", f"10.77.{v}.1/32"
    if 21 <= v <= 28: extra = "  version 3\n"
    if 25 <= v <= 28: vip = f"fd77::{v}/128"
    if 29 <= v <= 32: extra = "  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n"
    if 33 <= v <= 36: extra = "  authentication {\n    auth_type AH\n    auth_pass secret\n  }\n"
    print(f"vrrp_instance V{v} {{\n  interface eth0\n  virtual_router_id {v}\n  priority {prio}\n  advert_int 1\n"
          f"{extra}  virtual_ipaddress {{\n    {vip}\n  }}\n}}")
EOF
}
conf A > "$work/A.conf"
conf B > "$work/B.conf"
"$bin/kaconf" compile "$work/A.conf" --offline -o "$work/A.kac" >/dev/null

profile() {  # seconds, output
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
  ip netns add $A && ip netns add $B
  ip -n $A link set lo up && ip -n $B link set lo up
  ip -n $A link add eth0 type veth peer name eth0 netns $B
  ip -n $A link set eth0 up && ip -n $B link set eth0 up
  ip -n $A addr add 10.77.0.1/24 dev eth0 && ip -n $B addr add 10.77.0.2/24 dev eth0
  sleep 2  # IPv6 link-local addresses
  ip netns exec $B "$bin/vrrpd" -f "$work/B.conf" -G --runtime-dir "$work/runB" --policy-dir "$PWD/policies" \
    > "$work/B.log" 2>&1 & echo $! > "$work/B.pid"
  sleep 5
  # vrrpd switches to its own user: callgrind writes its result into a file it may open.
  : > "$work/cg.out" && chown keepalived-vrrpd "$work/cg.out" 2>/dev/null || chmod 666 "$work/cg.out"
  ip netns exec $A env LD_PRELOAD="$work/noseccomp.so" valgrind --vgdb=no --tool=callgrind \
    --callgrind-out-file="$work/cg.out" --dump-instr=no --compress-strings=no --compress-pos=no --demangle=no \
    "$work/bin/vrrpd" --compiled "$work/A.kac" -G --runtime-dir "$work/runA" --policy-dir "$work/policies" \
    > "$work/A.log" 2>&1 & echo $! > "$work/A.pid"
  sleep "$1"
  kill -TERM "$(cat "$work/A.pid")"
  for _ in $(seq 60); do kill -0 "$(cat "$work/A.pid")" 2>/dev/null || break; sleep 1; done
  kill "$(cat "$work/B.pid")" 2>/dev/null || true
  rm -f "$work/A.pid" "$work/B.pid"
  mv "$work/cg.out" "$2"
}
echo "hot-text: profiling vrrpd under callgrind (about 2 minutes)"
profile 10 "$work/short"
profile 40 "$work/long"

# The standard library's Swift code is one 1.6 MB section (Swift.o, built
# without function sections): naming any of its functions would pull all of
# it in among the hot ones, so they are left out (the linker cannot split it).
ar p /opt/swift/usr/lib/swift_static/linux/libswiftCore.a Swift.o > "$work/Swift.o"
nm --defined-only "$work/Swift.o" | awk '{print $3}' > "$work/stdlib-symbols"

python3 - "$work/short" "$work/long" Sources/vrrpd/hot-text.order "$work/stdlib-symbols" "$work/bin/vrrpd" <<'EOF'
import re, subprocess, sys
def costs(path):
    out = subprocess.run(["callgrind_annotate", "--threshold=100", path], capture_output=True, text=True, check=True).stdout
    d = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(\S+)", line)
        if m and ":" in m.group(2):
            name = m.group(2).split(":", 1)[1].split("'")[0]
            d[name] = d.get(name, 0) + int(m.group(1).replace(",", ""))
    return d
short, long = costs(sys.argv[1]), costs(sys.argv[2])
stdlib = set(open(sys.argv[4]).read().split())
grew = sorted(((v - short.get(k, 0), k) for k, v in long.items() if v > short.get(k, 0) and k not in stdlib), reverse=True)
# The outlined copies and destroys of the advert paths' value types (the
# compiler's WO* helpers: 66 functions, 3 KB): which one runs depends on the
# payload and the call site (a one-instance master ran some the 40-instance
# profile did not, each keeping a 64 KB window of code resident).
names = {k for _, k in grew}
symbols = subprocess.run(["nm", "--defined-only", sys.argv[5]], capture_output=True, text=True).stdout.split()
outlined = sorted({k for k in symbols if re.match(r"\$s(4VRRP|11VRRPService|6VRRPIO|7Reactor)\S*WO[a-z]", k) and k not in names})
grew += [(0, k) for k in outlined]
with open(sys.argv[3], "w") as f:
    f.write("# vrrpd's steady-state functions, hottest first (scripts/hot-text.sh writes this file)\n")
    for _, name in grew:
        f.write(name + "\n")
left = sorted(((v - short.get(k, 0), k) for k, v in long.items() if v > short.get(k, 0) and k in stdlib), reverse=True)
print(f"hot-text: {len(grew)} functions -> {sys.argv[3]} (standard library functions left out: {len(left)})")
# Each of those is somewhere in the standard library's one section: every
# one the steady state calls costs a page (and a 64 KB fault-around window
# after a release). The list says what to specialise or avoid.
for cost, name in left:
    print(f"  stdlib {cost:>12,} {name}")
EOF
