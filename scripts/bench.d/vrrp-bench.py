#!/usr/bin/env python3
# The VRRP benchmark proper (see vrrp.sh). Test-side tooling: it creates its
# own namespaces (vb-*), starts only its own processes and stops them by pid.
import argparse, math, os, signal, statistics, struct, subprocess, sys, time

p = argparse.ArgumentParser()
p.add_argument("--bin", required=True)
p.add_argument("--work", required=True)
p.add_argument("--policy-dir", required=True)
p.add_argument("--smoke", action="store_true")
# For looking at one part: --only cost --counts 200 --impls vrrpd --seconds 60
p.add_argument("--only", choices=["failover", "cost"])
p.add_argument("--counts", help="instance counts for the cost part, e.g. 1,50,200")
p.add_argument("--impls", help="implementations for the cost part, e.g. vrrpd")
p.add_argument("--seconds", type=float, help="how long the cost part measures")
args = p.parse_args()
TAG = f"vb{os.getpid() % 10000}"
NS = {"hub": f"{TAG}hub", "a": f"{TAG}a", "b": f"{TAG}b", "obs": f"{TAG}obs"}


def sh(cmd, check=True):
    return subprocess.run(cmd, shell=True, check=check, capture_output=True, text=True).stdout


def topology():
    sh(f"ip netns add {NS['hub']} && ip -n {NS['hub']} link add br0 type bridge && ip -n {NS['hub']} link set br0 up")
    for i, (k, addr) in enumerate([("a", "10.9.0.1"), ("b", "10.9.0.2"), ("obs", "10.9.0.250")]):
        n = NS[k]
        sh(f"ip netns add {n} && ip -n {n} link set lo up")
        sh(f"ip -n {NS['hub']} link add p{i} type veth peer name eth0 netns {n}")
        sh(f"ip -n {NS['hub']} link set p{i} master br0 && ip -n {NS['hub']} link set p{i} up")
        sh(f"ip -n {n} link set eth0 up && ip -n {n} addr add {addr}/24 dev eth0")


def teardown():
    for n in NS.values():
        sh(f"ip netns del {n}", check=False)


def conf(priority, version, interval, n=1):
    blocks = []
    for i in range(n):
        vrid = i + 1
        blocks.append(f"""vrrp_instance VI_{vrid} {{
    state BACKUP
    interface eth0
    virtual_router_id {vrid}
    priority {priority}
    version {version}
    advert_int {interval}
    virtual_ipaddress {{
        10.9.{1 + i // 250}.{1 + i % 250}/16
    }}
}}
""")
    return "".join(blocks)


class Router:
    """One vrrpd or keepalived in namespace `ns`."""
    count = 0

    def __init__(self, impl, ns, text):
        Router.count += 1
        self.impl, self.ns = impl, ns
        base = f"{args.work}/{impl}-{ns}-{Router.count}"
        with open(base + ".conf", "w") as f:
            f.write(text)
        self.log = open(base + ".log", "w")
        self.childpid = base + ".vrrp.pid"
        if impl == "vrrpd":
            argv = [f"{args.bin}/vrrpd", "-f", base + ".conf", "-l", "-G", "--runtime-dir", base + ".run",
                    "--policy-dir", args.policy_dir]
        else:
            argv = ["/usr/sbin/keepalived", "-n", "-l", "-P", "-f", base + ".conf", "-p", base + ".pid",
                    "-r", self.childpid]
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns] + argv, stdout=self.log, stderr=self.log)

    def advert_pid(self):
        """The process that sends adverts."""
        if self.impl == "vrrpd":
            return self.proc.pid
        for _ in range(100):
            try:
                return int(open(self.childpid).read().strip())
            except (OSError, ValueError):
                time.sleep(0.05)
        return None

    def kill9(self):
        if self.impl == "keepalived":
            os.kill(self.proc.pid, signal.SIGSTOP)
            child = self.advert_pid()
            if child:
                os.kill(child, signal.SIGKILL)
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()
        sh(f"ip -n {self.ns} addr flush dev eth0 label eth0 && ip -n {self.ns} addr add "
           f"{'10.9.0.1' if self.ns == NS['a'] else '10.9.0.2'}/24 dev eth0", check=False)


class Capture:
    def __init__(self, name):
        self.path = f"{args.work}/{name}.pcap"
        self.proc = subprocess.Popen(["ip", "netns", "exec", NS["obs"], "tcpdump", "-i", "eth0", "-n", "-U", "-w",
                                      self.path, "--time-stamp-precision=nano", "ip proto 112 or arp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)

    def stop(self):
        time.sleep(0.2)
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait()

    def frames(self):
        """(time, source IPv4, kind, vrid, priority) for adverts; kind 'arp' for gratuitous ARP."""
        out = []
        with open(self.path, "rb") as f:
            data = f.read()
        if len(data) < 24:
            return out
        magic = struct.unpack("<I", data[:4])[0]
        nano = magic == 0xA1B23C4D
        off = 24
        while off + 16 <= len(data):
            sec, frac, incl, _ = struct.unpack("<IIII", data[off:off + 16])
            pkt = data[off + 16:off + 16 + incl]
            off += 16 + incl
            t = sec + frac / (1e9 if nano else 1e6)
            if len(pkt) < 34:
                continue
            ethertype = pkt[12] << 8 | pkt[13]
            if ethertype == 0x0806:
                out.append((t, ".".join(map(str, pkt[28:32])), "arp", None, None))
            elif ethertype == 0x0800 and pkt[23] == 112:
                ihl = (pkt[14] & 0x0F) * 4
                v = pkt[14 + ihl:]
                out.append((t, ".".join(map(str, pkt[26:30])), "advert", v[1], v[2]))
        return out


def master_down(priority, interval, version):
    if version == 2:
        skew = (256 - priority) * 1_000_000 // 256
    else:
        skew = (256 - priority) * round(interval * 100) * 625 // 16
    return 3 * interval + skew / 1e6


def wait_for(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def holds(ns, vip):
    return f" {vip}/" in " " + sh(f"ip -n {ns} -br addr show dev eth0", check=False)


def failover(master_impl, backup_impl, version, reps):
    interval = 1 if version == 2 else 0.1
    down = master_down(100, interval, version)
    cap = Capture(f"failover-{master_impl}-{backup_impl}-v{version}")
    results = []
    backup = Router(backup_impl, NS["b"], conf(100, version, interval))
    try:
        for _ in range(reps):
            master = Router(master_impl, NS["a"], conf(200, version, interval))
            ok = wait_for(lambda: holds(NS["a"], "10.9.1.1") and not holds(NS["b"], "10.9.1.1"), 3 * down + 5)
            time.sleep(2 * interval + 0.3)
            killed = time.time()
            master.kill9() if ok else master.stop()
            wait_for(lambda: holds(NS["b"], "10.9.1.1"), down + 3)
            time.sleep(0.3)
            # The killed router keeps its VIP (nothing removed it): clear it for the next round.
            sh(f"ip -n {NS['a']} addr del 10.9.1.1/16 dev eth0", check=False)
            frames = cap_frames_since(cap, killed - 3 * interval - 1)
            last = max((f[0] for f in frames if f[1] == "10.9.0.1" and f[2] == "advert" and f[0] <= killed), default=None)
            first = min((f[0] for f in frames if f[1] == "10.9.0.2" and f[2] == "advert" and last and f[0] > last), default=None)
            garp = min((f[0] for f in frames if f[2] == "arp" and f[1] == "10.9.1.1" and last and f[0] > last), default=None)
            if ok and last and first:
                results.append(((first - last) * 1000, ((garp - last) * 1000) if garp else None))
            master.stop()
    finally:
        backup.stop()
        cap.stop()
    return down * 1000, results


def cap_frames_since(cap, t0):
    time.sleep(0.1)
    return [f for f in cap.frames() if f[0] >= t0]


def cpu_seconds(pid):
    """Time on a CPU, in nanoseconds from the scheduler (/proc/PID/schedstat):
    utime+stime count whole ticks, 0.05 % of a 20 s window each, as coarse as
    the one-instance figures themselves. Both programs are single-threaded."""
    try:
        return int(open(f"/proc/{pid}/schedstat").read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid):
    rss = pss = 0
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def cost_pair(k):
    """A router namespace for the cost part, its eth0 a veth to a namespace of its own."""
    ns, peer = f"{TAG}c{k}", f"{TAG}c{k}p"
    sh(f"ip netns add {ns} && ip netns add {peer} && ip -n {ns} link set lo up")
    sh(f"ip -n {ns} link add eth0 type veth peer name eth0 netns {peer}")
    sh(f"ip -n {ns} link set eth0 up && ip -n {peer} link set eth0 up && ip -n {ns} addr add 10.9.0.1/24 dev eth0")
    NS[f"c{k}"], NS[f"c{k}p"] = ns, peer
    return ns


class EgressCapture(Capture):
    """What a router sends, captured in its own namespace as it leaves (the cost part's routers share no wire)."""
    def __init__(self, name, ns):
        self.path = f"{args.work}/{name}.pcap"
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "tcpdump", "-i", "eth0", "-n", "-U", "-w", self.path,
                                      "--time-stamp-precision=nano", "-Q", "out", "ip proto 112 or arp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)


def advert_phase(cap, since):
    """Where in the second a program's adverts leave (their circular mean), from its capture."""
    ts = [f[0] for f in cap.frames() if f[2] == "advert" and f[4] != 0 and f[0] >= since]
    if not ts:
        return None
    x = sum(math.cos(2 * math.pi * t) for t in ts)
    y = sum(math.sin(2 * math.pi * t) for t in ts)
    return (math.atan2(y, x) / (2 * math.pi)) % 1.0


def phase_apart(a, b):
    d = abs(a - b) % 1.0
    return min(d, 1.0 - d)


def cost(impls, n, seconds):
    """Every implementation at once, each on its own veth, so the machine's load is the same for all:
    {impl: (CPU %, RSS KiB, PSS KiB, jitter ms, VRIDs seen)}, and how far apart their adverts leave.

    Their adverts are kept apart in the second (half an interval for two):
    a program that sends right after another finds the kernel's send path
    in the caches the first just warmed (ftrace: the same 40-byte sendto
    took ~10 us when it followed the other program's by 12 ms, ~30 us
    alone), so with both on the same phase whichever fired first paid
    for both. The phase is set by when each becomes master: starts are
    staggered, the phases measured, and a program started again (at most
    twice) when it landed within a quarter of an interval of another."""
    runs = []
    last = f"10.9.{1 + (n - 1) // 250}.{1 + (n - 1) % 250}"
    phases = {}
    for k, impl in enumerate(impls):
        ns = cost_pair(k)
        cap = EgressCapture(f"cost-{impl}-{n}", ns)
        for attempt in range(3):
            if phases and attempt > 0:
                # Same start-up delay as last time: aim half an interval from the others.
                target = (statistics.mean(phases.values()) + 0.5) % 1.0
                time.sleep((target - delay - time.time()) % 1.0)
            started = time.time()
            router = Router(impl, ns, conf(100, 2, 1, n))
            wait_for(lambda: holds(ns, last), 10 + n / 20)
            time.sleep(2.2)
            phase = advert_phase(cap, time.time() - 2)
            delay = ((phase or 0.0) - started) % 1.0
            if phase is None or not phases or min(phase_apart(phase, q) for q in phases.values()) >= 0.25:
                break
            router.proc.send_signal(signal.SIGTERM)
            try:
                router.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                router.kill9()
            time.sleep(0.5)
        phases[impl] = phase if phase is not None else float("nan")
        runs.append((impl, ns, cap, router))
    try:
        pids = {impl: r.advert_pid() for impl, _, _, r in runs}
        # keepalived's VRRP process cannot run without its parent (which
        # forked it, shares pages with it, and respawns it): the parent and
        # the child together are what VRRP costs with keepalived, as vrrpd
        # alone is with us (started alone, as its unit starts it).
        trees = {impl: [pids[impl]] + ([r.proc.pid] if impl == "keepalived" else []) for impl, _, _, r in runs}
        every = {pid for tree in trees.values() for pid in tree}
        c0, t0 = {pid: cpu_seconds(pid) for pid in every}, time.time()
        time.sleep(seconds)
        c1, t1 = {pid: cpu_seconds(pid) for pid in every}, time.time()
        out = {}
        for impl, _, cap, _ in runs:
            # Priority-0 adverts belong to a stop, not to the cadence.
            frames = [f for f in cap.frames() if f[2] == "advert" and f[4] != 0 and t0 <= f[0] <= t1]
            by_vrid = {}
            for f in frames:
                by_vrid.setdefault(f[3], []).append(f[0])
            gaps = [(b - a) * 1000 for ts in by_vrid.values() for a, b in zip(ts, ts[1:])]
            jitter = statistics.pstdev(gaps) if len(gaps) > 1 else float("nan")
            rows = [(impl, [pids[impl]])] + ([(f"{impl} all", trees[impl])] if len(trees[impl]) > 1 else [])
            for label, group in rows:
                cpu = 100 * sum(c1[p] - c0[p] for p in group) / (t1 - t0)
                mem = [memory(p) for p in group]
                out[label] = (cpu, sum(m[0] for m in mem), sum(m[1] for m in mem), jitter, len(by_vrid))
        spread = min((phase_apart(phases[a], phases[b]) for a in phases for b in phases if a < b), default=float("nan"))
        return out, spread
    finally:
        for _, ns, cap, r in runs:
            if r.proc.poll() is None:
                r.proc.send_signal(signal.SIGTERM)
                try:
                    r.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    r.kill9()
            cap.stop()
        for k in range(len(runs)):
            sh(f"ip netns del {NS.pop(f'c{k}')}; ip netns del {NS.pop(f'c{k}p')}", check=False)


def main():
    teardown()
    topology()
    try:
        reps = 1 if args.smoke else 5
        versions = [3] if args.smoke else [2, 3]
        if args.only == "cost":
            versions = []
        if versions:
            print(f"== VRRP failover: SIGKILL of the master, last advert to the new master's first advert ({reps}x each)")
            print(f"{'version':8} {'dies':11} {'takes over':11} {'RFC ms':>9} {'median ms':>10} {'max ms':>9} {'vs RFC':>8} {'GARP ms':>9}")
        for version in versions:
            for m, b in [("keepalived", "keepalived"), ("vrrpd", "vrrpd"), ("keepalived", "vrrpd"), ("vrrpd", "keepalived")]:
                down, res = failover(m, b, version, reps)
                if not res:
                    print(f"v{version:<7} {m:11} {b:11} {down:9.1f} {'no result':>10}")
                    continue
                adv = [x[0] for x in res]
                garps = [x[1] for x in res if x[1] is not None]
                med = statistics.median(adv)
                print(f"v{version:<7} {m:11} {b:11} {down:9.1f} {med:10.1f} {max(adv):9.1f} {med - down:+8.1f} "
                      f"{(statistics.median(garps) if garps else float('nan')):9.1f}")
        if args.only == "failover":
            return
        seconds = args.seconds or (3 if args.smoke else 20)
        counts = [int(c) for c in args.counts.split(",")] if args.counts else [1, 50] if args.smoke else [1, 50, 200]
        impls = args.impls.split(",") if args.impls else ["keepalived", "vrrpd"]
        print(f"== VRRP cost: instances as master at advert_int 1, measured over {seconds} s, "
              f"{' and '.join(impls)} running at once (same load), their adverts apart in the second")
        print("(keepalived: its VRRP process; keepalived all: that process and its parent, which VRRP needs with keepalived)")
        print(f"{'program':15} {'instances':>9} {'CPU %':>7} {'RSS MiB':>8} {'PSS MiB':>8} {'jitter ms':>10} {'VRIDs seen':>10}")
        for n in counts:
            result, spread = cost(impls, n, seconds)
            for impl, (cpu, rss, pss, jit, seen) in result.items():
                print(f"{impl:15} {n:9d} {cpu:7.3f} {rss / 1024:8.1f} {pss / 1024:8.1f} {jit:10.3f} {seen:10d}")
            if len(impls) > 1:
                print(f"{'':15} {'':9} (adverts of the two leave {spread * 1000:.0f} ms apart in each second)")
    finally:
        teardown()


main()
