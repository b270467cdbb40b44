// Cases that check properties of ours on the real kernel: reload leaves
// unchanged services alone, hostile verdicts change nothing, a restart over
// a stale table corrects ours and leaves the rest, lvs_flush and
// lvs_flush_onstop, typed netlink errors, the sync daemon.
import Codec
import ConfigModel
import Foundation
import IPVS
import IPVSNetlink
import TestSupport
import Wire

/// A client namespace inside the guest, joined to it by a veth pair
/// (192.168.77.1 here, .2 there): its connections to a virtual address
/// arrive on an interface, as a client's would, so IPVS schedules them and
/// its counters move. (Connections from the guest itself to an address on
/// lo are not reliably seen by IPVS.) The namespace also answers as the real
/// servers 192.168.77.2-5, refusing port 9 at once.
final class ClientNamespace {
    let name = "ipvsclient"
    init() throws {
        for c in ["modprobe veth", "ip netns add \(name)", "ip link add kav0 type veth peer name kav1",
                  "ip link set kav1 netns \(name)", "ip addr add 192.168.77.1/24 dev kav0", "ip link set kav0 up",
                  "ip -n \(name) link set lo up", "ip -n \(name) link set kav1 up",
                  "ip -n \(name) addr add 192.168.77.2/24 dev kav1", "ip -n \(name) addr add 192.168.77.3/24 dev kav1",
                  "ip -n \(name) addr add 192.168.77.4/24 dev kav1", "ip -n \(name) addr add 192.168.77.5/24 dev kav1",
                  "ip -n \(name) route add default via 192.168.77.1"] {
            let r = try run(["/bin/sh", "-c", c])
            if r.status != 0 { throw TestFailure("\(c): \(r.stderr)") }
        }
    }
    /// Connection attempts: IPVS counts each at its first packet, so one
    /// process opens them all without waiting (non-blocking connects send
    /// their SYN at once; no reply comes back through IPVS here).
    func connect(_ address: String, _ port: UInt16, times: Int) {
        let script = "import socket,sys,time\nkeep=[]\nfor i in range(int(sys.argv[3])):\n"
            + "  s=socket.socket(); s.setblocking(False); s.connect_ex((sys.argv[1], int(sys.argv[2]))); keep.append(s)\n"
            + "time.sleep(0.2)\n"
        _ = try? run(["/usr/bin/ip", "netns", "exec", name, "/usr/bin/python3", "-c", script, address, "\(port)", "\(times)"], timeout: 60)
    }
    func remove() {
        _ = try? run(["/usr/bin/ip", "link", "del", "kav0"])
        _ = try? run(["/usr/bin/ip", "netns", "del", name])
    }
}

func countersByService(_ client: IPVSNetlinkClient) throws -> [ServiceKey: (IPVSNetlink.IPVSCounters, [DestinationKey: IPVSNetlink.IPVSCounters])] {
    var out: [ServiceKey: (IPVSNetlink.IPVSCounters, [DestinationKey: IPVSNetlink.IPVSCounters])] = [:]
    let snap = try client.snapshot()
    for s in snap.services {
        var d: [DestinationKey: IPVSNetlink.IPVSCounters] = [:]
        for x in snap.destinations[s.key] ?? [] { d[x.key] = x.counters }
        out[s.key] = (s.counters, d)
    }
    return out
}

func reloadKeepsCounters(_ s: Suite, _ r: inout CaseResult) throws {
    let vips = ["10.100.0.1", "10.100.0.2", "10.100.0.3"]
    let client = try ClientNamespace()
    defer { client.remove() }
    for v in vips { _ = try run(["/sbin/ip", "addr", "add", "\(v)/32", "dev", "lo"]) }
    defer { for v in vips { _ = try? run(["/sbin/ip", "addr", "del", "\(v)/32", "dev", "lo"]) } }
    let before = configuration([
        server("10.100.0.1", 80, [real("192.168.77.2", 9, weight: 2), real("192.168.77.3", 9)]),
        server("10.100.0.2", 80, [real("192.168.77.4", 9)]),
        server("10.100.0.3", 80, algo: .wlc, [real("192.168.77.2", 9)]),
    ])
    let ours = try DaemonUnderTest(config: before, dir: s.scratch("reload"))
    try ours.waitStarted()
    let netlink = try IPVSNetlinkClient()
    for v in vips { client.connect(v, 80, times: 3) }
    // The kernel (6.1) folds its per-CPU counters into what a dump reports every 2 s.
    usleep(2_500_000)
    let statsBefore = try Ipvsadm.listing(["--stats"])
    let countersBefore = try countersByService(netlink)
    let opsBefore = try ours.status().dumpLines.first { $0.contains("operations sent") } ?? ""

    // Reload (SIGHUP, text recompiled by kaconf): the third service changes
    // scheduler and gains a server; the first two do not change.
    var after = before
    after.virtualServers[2].lbAlgo = .rr
    after.virtualServers[2].realServers.append(real("192.168.77.5", 9))
    try ours.reload(after)
    let opsAfter = try ours.status().dumpLines.first { $0.contains("operations sent") } ?? ""
    // More traffic after the reload: the unchanged services keep counting
    // from where they were. (Fewer attempts than before: had a service been
    // re-created, its count would now be below what it was.)
    for v in vips { client.connect(v, 80, times: 2) }
    var countersAfter = try countersByService(netlink)
    _ = waitUntil(timeout: 10) {
        countersAfter = (try? countersByService(netlink)) ?? countersAfter
        return countersAfter.allSatisfy { k, v in v.0.connections > (countersBefore[k]?.0.connections ?? 0) }
    }
    let statsAfter = try Ipvsadm.listing(["--stats"])
    let rules = try Ipvsadm.rules()
    let reloadLine = ours.log.split(separator: "\n").last { $0.contains("reloaded to") }.map(String.init) ?? ""
    r.ours = [statsBefore, statsAfter, rules, [opsBefore, opsAfter, reloadLine]]

    let unchanged = [ServiceKey.address(.tcp, addr("10.100.0.1"), port: 80), .address(.tcp, addr("10.100.0.2"), port: 80)]
    var ok = true
    for k in unchanged {
        guard let (sb, db) = countersBefore[k], let (sa, da) = countersAfter[k] else {
            r.details.append("\(k) missing"); ok = false; continue
        }
        if sb.connections == 0 { r.details.append("\(k): no traffic counted before the reload"); ok = false }
        if sa.connections <= sb.connections || sa.inPackets <= sb.inPackets {
            r.details.append("\(k): counters reset by the reload (\(sb.connections) -> \(sa.connections) conns)"); ok = false
        }
        for (d, c) in db where (da[d]?.inPackets ?? 0) < c.inPackets {
            r.details.append("\(d) in \(k): counters reset (\(c.inPackets) -> \(da[d]?.inPackets ?? 0) packets)"); ok = false
        }
    }
    // Exactly two operations for the reload (edit the service, add a server), none touching the others.
    if !reloadLine.contains("2 operation(s) sent") { r.details.append("reload: \(reloadLine)"); ok = false }
    let expected = ["-A -t 10.100.0.1:80 -s rr", "-A -t 10.100.0.2:80 -s rr", "-A -t 10.100.0.3:80 -s rr",
                    "-a -t 10.100.0.1:80 -r 192.168.77.2:9 -m -w 2", "-a -t 10.100.0.1:80 -r 192.168.77.3:9 -m -w 1",
                    "-a -t 10.100.0.2:80 -r 192.168.77.4:9 -m -w 1", "-a -t 10.100.0.3:80 -r 192.168.77.2:9 -m -w 1",
                    "-a -t 10.100.0.3:80 -r 192.168.77.5:9 -m -w 1"]
    r.details += differences(rules, expected, label: "after the reload")
    let ended = ours.stop()
    if ended != "exit 0" { r.details.append("ipvs-applier ended with \(ended)"); ok = false }
    r.passed = ok && rules == expected
}

/// Sends raw bytes to a socket as another user, through python3.
func sendAs(uid: UInt32, socket path: String, _ records: [[UInt8]]) throws -> RunResult {
    let hex = records.map { $0.map { String(format: "%02x", $0) }.joined() }
    let script = "import socket,sys,time\ns=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\ns.connect(sys.argv[1])\n"
        + "for h in sys.argv[2:]: s.send(bytes.fromhex(h))\ntime.sleep(0.3)\n"
    return try run(["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/usr/bin/python3", "-c", script, path] + hex, timeout: 30)
}

func hostileVerdicts(_ s: Suite, _ r: inout CaseResult) throws {
    let config = configuration([
        server("10.110.0.1", 80, [fileChecked("10.111.0.1", 80, "h1", weight: 5), fileChecked("10.111.0.2", 80, "h2"),
                                  real("10.111.0.3", 80)]) {
            $0.sorryServer = SorryServer(address: addr("10.119.0.1"), port: 80)
        },
    ]) { $0.trackFiles = [tracked("h1"), tracked("h2")] }
    let ours = try DaemonUnderTest(config: config, dir: s.scratch("hostile"))
    try ours.waitStarted()
    let before = try Ipvsadm.rules()
    let vs = VirtualServerRef(.ip(addr("10.110.0.1"), port: 80), .tcp)
    let rs1 = RealServerRef(addr("10.111.0.1"), 80)
    func v(_ vsr: VirtualServerRef = vs, _ rsr: RealServerRef = rs1, up: Bool = false, weight: Int64 = 5) -> Message {
        DaemonUnderTest.wire(IPVS.RealServerVerdict(generation: 1, virtualServer: vsr, realServer: rsr, up: up, weight: weight))
    }
    var ok = true
    // 1. Frames that do not decode: each closes that connection, nothing else.
    let garbage: [(String, [UInt8])] = [
        ("random bytes", Array("GET / HTTP/1.0\r\n\r\n".utf8)),
        ("a truncated frame", Array(try Frame.encode(v()).dropLast(3))),
        ("a frame with a byte too many", try Frame.encode(v()) + [0]),
        ("an unknown message type", { var f = try! Frame.encode(v()); f[6] = 0x7f; f[7] = 0x7f; return f }()),
    ]
    let checkdUID = getpwnam("keepalived-checkd")!.pointee.pw_uid
    let peerSocket = "\(ours.socketDirectory)/ipvs-applier.sock"
    for (what, bytes) in garbage {
        let out = try sendAs(uid: checkdUID, socket: peerSocket, [bytes])
        r.details.append("sent \(what) as checkd (python exit \(out.status))")
    }
    // 2. Well-formed verdicts that overstep, from checkd (root here).
    let hostile: [(String, Message)] = [
        ("unknown virtual server", v(VirtualServerRef(.ip(addr("10.110.0.9"), port: 80), .tcp))),
        ("wrong protocol", v(VirtualServerRef(.ip(addr("10.110.0.1"), port: 80), .udp))),
        ("address not in the config", v(rs1 == rs1 ? vs : vs, RealServerRef(addr("192.0.2.1"), 80), up: true, weight: 1)),
        ("the sorry server as a real server", v(vs, RealServerRef(addr("10.119.0.1"), 80), up: true, weight: 1)),
        ("a server with no checker", v(vs, RealServerRef(addr("10.111.0.3"), 80), up: false, weight: 1)),
        ("weight above the bound", v(up: true, weight: 6)),
        ("negative weight", v(up: true, weight: -5)),
        ("a fwmark that is not configured", .realServerVerdict(Wire.RealServerVerdict(generation: Generation(1), virtualServer: .fwmark(99, ipv6: false),
            realServer: RealServerKey(address: WireAddress(bytes: [10, 111, 0, 1])!, port: 80), up: false, weight: 1, reason: "hostile"))),
        ("a VRRP state change from checkd", .vrrpStateChange(VRRPStateChange(generation: Generation(1), instance: "VI_1", state: .master, priority: 100))),
        ("a shutdown from checkd", .shutdown(Shutdown(reason: .signal))),
    ]
    for (_, m) in hostile { try ours.send(m) }
    // 3. A legitimate verdict, but from another user (nobody): the connection is refused.
    let fromNobody = try sendAs(uid: 65534, socket: peerSocket, [try Frame.encode(v())])
    r.details.append("verdict sent as nobody (python exit \(fromNobody.status))")
    let status = try ours.statusAfterVerdicts()
    let after = try Ipvsadm.rules()
    r.ours = [before, after, status.dumpLines]
    if before != after { r.details += differences(after, before, label: "table changed"); ok = false }
    let counters = status.dumpLines.first { $0.contains("verdicts admitted") } ?? ""
    // Refused by admission: the 8 verdicts from checkd that overstep.
    if !counters.contains("verdicts admitted = 0, refused = 8") { r.details.append("counters: \(counters)"); ok = false }
    if !counters.contains("not-checked=1") || !counters.contains("weight-out-of-range=2") { r.details.append("by reason: \(counters)"); ok = false }
    let log = ours.log
    let closed = log.components(separatedBy: "checkd disconnected: malformed frame").count - 1
    if closed != garbage.count { r.details.append("connections closed for bad frames: \(closed) of \(garbage.count)"); ok = false }
    for what in ["refused verdict from checkd", "vrrp-state-change from checkd refused", "shutdown from checkd refused",
                 "connection from pid"] where !log.contains(what) {
        r.details.append("not logged: \(what)"); ok = false
    }
    if !log.contains("uid 65534") { r.details.append("the connection from nobody was not refused in the log"); ok = false }
    // 4. Still serving: a legitimate verdict from checkd is applied.
    try ours.verdicts([IPVS.RealServerVerdict(generation: 1, virtualServer: vs, realServer: rs1, up: false, weight: 5)])
    if try Ipvsadm.rules().contains(where: { $0.contains("10.111.0.1:80") }) { r.details.append("valid down verdict not applied"); ok = false }
    let ended = ours.stop()
    if ended != "exit 0" { r.details.append("ipvs-applier ended with \(ended)"); ok = false }
    r.details += log.split(separator: "\n").filter { $0.contains("refused") || $0.contains("closed") }.map { "ours: \($0)" }
    r.passed = ok
}

func ipvsadm(_ args: String) throws {
    let out = try run(["/bin/sh", "-c", "/usr/sbin/ipvsadm \(args)"])
    if out.status != 0 { throw TestFailure("ipvsadm \(args): \(out.stderr)") }
}

func restartOverStaleTable(_ s: Suite, _ r: inout CaseResult) throws {
    let config = configuration([
        server("10.120.0.1", 80, [real("10.121.0.1", 80), real("10.121.0.2", 80, weight: 3)]),
        server("10.120.0.2", 53, proto: .udp, [real("10.121.1.1", 53)]),
    ])
    // Left by an earlier run (ours, with drifted settings) and by someone else.
    try ipvsadm("-A -t 10.120.0.1:80 -s wlc -p 50")
    try ipvsadm("-a -t 10.120.0.1:80 -r 10.121.0.1:80 -m -w 9")
    try ipvsadm("-a -t 10.120.0.1:80 -r 10.121.0.9:80 -m -w 1")     // ours earlier, no longer configured
    try ipvsadm("-a -t 10.120.0.1:80 -r 10.127.7.7:80 -g -w 4")     // someone else's, inside our service
    try ipvsadm("-A -t 10.120.0.99:80 -s sh")                        // someone else's service
    try ipvsadm("-a -t 10.120.0.99:80 -r 10.127.7.8:80 -m -w 2")
    try ipvsadm("-A -f 7777 -s rr")                                   // someone else's fwmark service
    let stale = try Ipvsadm.rules()
    // The earlier run's ownership record, as it left it in the runtime directory.
    let dir = s.scratch("restart")
    var placed = Ownership()
    placed.services = [.address(.tcp, addr("10.120.0.1"), port: 80)]
    placed.destinations = [DestinationRef(.address(.tcp, addr("10.120.0.1"), port: 80), DestinationKey(addr("10.121.0.9"), 80)),
                           DestinationRef(.address(.tcp, addr("10.120.0.1"), port: 80), DestinationKey(addr("10.121.0.1"), 80))]
    try? FileManager.default.createDirectory(atPath: "\(dir)/ipvs-applier", withIntermediateDirectories: true)
    try Data(try Codec.encode(placed)).write(to: URL(fileURLWithPath: "\(dir)/ipvs-applier/ipvs-applier.owned"))
    let ours = try DaemonUnderTest(config: config, dir: dir)
    try ours.waitStarted()
    let after = try Ipvsadm.rules()
    r.ours = [stale, after]
    let expected = [
        "-A -f 7777 -s rr",
        "-A -t 10.120.0.1:80 -s rr",
        "-A -t 10.120.0.99:80 -s sh",
        "-A -u 10.120.0.2:53 -s rr",
        "-a -t 10.120.0.1:80 -r 10.121.0.1:80 -m -w 1",
        "-a -t 10.120.0.1:80 -r 10.121.0.2:80 -m -w 3",
        "-a -t 10.120.0.1:80 -r 10.127.7.7:80 -g -w 4",
        "-a -t 10.120.0.99:80 -r 10.127.7.8:80 -m -w 2",
        "-a -u 10.120.0.2:53 -r 10.121.1.1:53 -m -w 1",
    ]
    r.reference = [expected]
    r.details += differences(after, expected, label: "after restart")
    let reported = ours.log.split(separator: "\n").filter { $0.contains("not ours, left alone") }
    r.details += reported.map { "ours: \($0)" }
    var ok = after == expected
    if reported.count != 3 { r.details.append("expected 3 foreign entries reported, got \(reported.count)"); ok = false }
    // Stop: ours removed, the others still there, exactly as they were.
    let ended = ours.stop()
    let afterStop = try Ipvsadm.rules()
    let foreignOnly = ["-A -f 7777 -s rr", "-A -t 10.120.0.1:80 -s rr", "-A -t 10.120.0.99:80 -s sh",
                       "-a -t 10.120.0.1:80 -r 10.127.7.7:80 -g -w 4", "-a -t 10.120.0.99:80 -r 10.127.7.8:80 -m -w 2"]
    r.ours.append(afterStop)
    r.details += differences(afterStop, foreignOnly, label: "after stop (our service stays while it holds someone else's server)")
    if ended != "exit 0" { r.details.append("ipvs-applier ended with \(ended)"); ok = false }
    r.passed = ok && afterStop == foreignOnly
}

func flushAtStartAndStop(_ s: Suite, _ r: inout CaseResult) throws {
    try ipvsadm("-A -t 10.130.0.99:80 -s rr")
    try ipvsadm("-a -t 10.130.0.99:80 -r 10.131.0.9:80 -m")
    var config = configuration([server("10.130.0.1", 80, [real("10.131.0.1", 80)])])
    config.global.lvsFlush = true
    config.global.lvsFlushOnStop = .all
    let ours = try DaemonUnderTest(config: config, dir: s.scratch("flush"))
    try ours.waitStarted()
    let started = try Ipvsadm.rules()
    try ipvsadm("-A -t 10.130.0.98:80 -s rr")   // appears while it runs
    let ended = ours.stop()
    let stopped = try Ipvsadm.rules()
    // keepalived on the same config and the same starting table.
    try ipvsadm("-A -t 10.130.0.99:80 -s rr")
    try ipvsadm("-a -t 10.130.0.99:80 -r 10.131.0.9:80 -m")
    let k = try ReferenceKeepalived(config: Render.config(config), in: s.scratch("flush"), name: "flush")
    _ = k.settle(expected: nil)
    let refRules = try Ipvsadm.rules()
    try ipvsadm("-A -t 10.130.0.98:80 -s rr")
    k.stop()
    let refStopped = try Ipvsadm.rules()
    r.ours = [started, stopped]
    r.reference = [refRules, refStopped]
    r.details += differences(started, refRules, label: "after start (lvs_flush)")
    r.details += differences(stopped, refStopped, label: "after stop (lvs_flush_onstop)")
    if ended != "exit 0" { r.details.append("ipvs-applier ended with \(ended)") }
    r.passed = started == refRules && stopped == refStopped && stopped.isEmpty && ended == "exit 0"
}

func dontRelease(_ s: Suite, _ r: inout CaseResult) throws {
    let config = configuration([server("10.150.0.1", 80, [real("10.151.0.1", 80), real("10.151.0.2", 80, weight: 2)])])
    let dir = s.scratch("dont-release")
    let first = try DaemonUnderTest(config: config, dir: dir, arguments: ["--dont-release-ipvs"])
    try first.waitStarted()
    let running = try Ipvsadm.rules()
    let e1 = first.stop()
    let left = try Ipvsadm.rules()
    // A new run over the table the first left: it is already right, nothing is sent.
    let second = try DaemonUnderTest(config: config, dir: dir)
    try second.waitStarted()
    let ops = try second.status().dumpLines.first { $0.contains("operations sent") } ?? ""
    let e2 = second.stop()
    let released = try Ipvsadm.rules()
    r.ours = [running, left, [ops], released]
    var ok = true
    if left != running || running.count != 3 { r.details += differences(left, running, label: "left by --dont-release-ipvs"); ok = false }
    if !ops.contains("operations sent = 0,") { r.details.append("second run: \(ops)"); ok = false }
    if !released.isEmpty { r.details.append("left after a normal stop: \(released)"); ok = false }
    if e1 != "exit 0" || e2 != "exit 0" { r.details.append("ended with \(e1), \(e2)"); ok = false }
    r.passed = ok
}

func daemonSandbox(_ s: Suite, _ r: inout CaseResult) throws {
    let config = configuration([server("10.160.0.1", 80, [real("10.161.0.1", 80)])])
    let ours = try DaemonUnderTest(config: config, dir: s.scratch("sandbox"))
    try ours.waitStarted()
    let st = ours.sandboxStatus()
    let ended = ours.stop()
    r.ours = [st, [ended]]
    let want = ["CapInh: 0000000000000000", "CapPrm: 0000000000001000", "CapEff: 0000000000001000",
                "CapBnd: 0000000000001000", "CapAmb: 0000000000000000", "NoNewPrivs: 1", "Seccomp: 2"]
    var ok = true
    for w in want where !st.contains(w) { r.details.append("missing: \(w)"); ok = false }
    let uid = getpwnam("keepalived-ipvs").map { $0.pointee.pw_uid }
    if let uid, !st.contains(where: { $0.hasPrefix("Uid: \(uid) \(uid) \(uid) \(uid)") }) { r.details.append("not running as keepalived-ipvs: \(st)"); ok = false }
    if ended != "exit 0" { r.details.append("ended with \(ended)"); ok = false }
    r.details.append(contentsOf: st)
    r.passed = ok
}

func typedErrors(_ s: Suite, _ r: inout CaseResult) throws {
    let client = try IPVSNetlinkClient()
    let key = ServiceKey.address(.tcp, addr("10.140.0.1"), port: 80)
    let settings = ServiceSettings(scheduler: "rr", netmask: .max)
    var ok = true
    func expect(_ what: String, _ ops: [IPVSOperation], _ want: GenericNetlinkError) throws {
        let out = try client.apply(ops)
        let got = out.failures.last?.error
        r.details.append("\(what): \(got.map { "\($0)" } ?? "succeeded")")
        if got != want { r.details.append("  expected \(want)"); ok = false }
    }
    try expect("adding an existing service", [.addService(key, settings), .addService(key, settings)], .exists)
    try expect("deleting a destination that is not there", [.deleteDestination(key, DestinationKey(addr("10.141.0.1"), 80))], .notFound)
    try expect("a scheduler the kernel does not have", [.addService(.address(.tcp, addr("10.140.0.2"), port: 80), ServiceSettings(scheduler: "twos", netmask: .max))], .notFound)
    try expect("editing a service that is not there", [.editService(.address(.udp, addr("10.140.0.3"), port: 1), settings)], .notFound)
    // ENOBUFS: acknowledgements of a large batch overflow a tiny receive queue.
    let small = try IPVSNetlinkClient(receiveBuffer: 2048)
    small.socket.maxBatch = 400
    let many = (1...400).map { IPVSOperation.addDestination(key, DestinationKey(.v4(IPv4Address(0x0A8D_0000 + UInt32($0))), 80),
                                                            DestinationSettings(forwarding: .directRoute, weight: 1)) }
    do {
        _ = try small.apply(many)
        r.details.append("ENOBUFS: a 400-request batch with a 2 KiB receive queue did not overflow"); ok = false
    } catch .noBufferSpace {
        r.details.append("ENOBUFS: \(GenericNetlinkError.noBufferSpace)")
    } catch {
        r.details.append("ENOBUFS expected, got \(error)"); ok = false
    }
    // Whatever the overflow cost, a reconcile over a fresh dump repairs it.
    let config = configuration([server("10.140.0.1", 80, kind: ForwardingMethod(.dr), [real("10.141.0.7", 80)])])
    var transcript: [String] = []
    let ours = try s.ours(config, transcript: &transcript)
    _ = ours
    let after = try Ipvsadm.rules()
    let wanted = ["-A -t 10.140.0.1:80 -s rr", "-a -t 10.140.0.1:80 -r 10.141.0.7:80 -g -w 1"]
    // The batch's own destinations (added outside the plan) stay: they are not ours.
    let ownedLeft = after.filter { $0.contains("-r 10.141.0.7:80 ") || $0.hasPrefix("-A -t 10.140.0.1:80") }
    r.ours = [Array(after.prefix(6)), ["\(after.count) lines in the table"]]
    if ownedLeft != wanted { r.details.append("after reconcile: \(ownedLeft)"); ok = false }
    r.passed = ok
}

/// The interface the sync-daemon cases give their VRRP instance (kaconf
/// refuses lo for VRRP): kasync0, one end of a veth pair with both ends up,
/// and with `address` when the instance must send adverts from it.
func addSyncVeth(address: String?) throws {
    var commands = ["modprobe veth", "ip link add kasync0 type veth peer name kasync1", "ip link set kasync1 up",
                    "ip link set kasync0 up"]
    if let address { commands.append("ip addr add \(address) dev kasync0") }
    for c in commands {
        let out = try run(["/bin/sh", "-c", c])
        if out.status != 0 { throw TestFailure("\(c): \(out.stderr)") }
    }
}

func removeSyncVeth() { _ = try? run(["/usr/bin/ip", "link", "del", "kasync0"]) }

/// One virtual server and the sync daemon on kasync0 following VI_SYNC
/// (VRID 42, which is also the sync id).
func syncDaemonConfiguration(_ vs: String, _ rs: String) -> KeepalivedConfiguration {
    var config = configuration([server(vs, 80, [real(rs, 80)])])
    var vi = VRRPInstance(name: "VI_SYNC")
    vi.interface = "kasync0"
    vi.virtualRouterId = 42
    config.vrrpInstances = [vi]
    var sd = LVSSyncDaemon(interface: "kasync0")
    sd.instance = "VI_SYNC"
    config.global.lvsSyncDaemon = sd
    return config
}

func syncDaemonFollowsVRRP(_ s: Suite, _ r: inout CaseResult) throws {
    try addSyncVeth(address: nil)
    defer { removeSyncVeth() }
    var config = syncDaemonConfiguration("10.170.0.1", "10.171.0.1")
    config.global.lvsSyncDaemon?.ttl = 3
    // This process speaks as vrrpd here.
    let ours = try DaemonUnderTest(config: config, dir: s.scratch("sync-vrrp"))
    try ours.waitStarted()
    func daemons() throws -> String {
        try run(["/usr/sbin/ipvsadm", "-L", "--daemon"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func state(_ st: Wire.VRRPState) throws -> String {
        try ours.send(.vrrpStateChange(VRRPStateChange(generation: Generation(1), instance: "VI_SYNC", state: st, priority: 100)), as: .vrrpd)
        _ = waitUntil(timeout: 10) { ((try? daemons()) ?? "").hasPrefix(st == .master ? "master" : "backup") }
        return try daemons()
    }
    let atStart = try daemons()
    let master = try state(.master)
    let backup = try state(.backup)
    let other = try { () throws -> String in
        try ours.send(.vrrpStateChange(VRRPStateChange(generation: Generation(1), instance: "VI_OTHER", state: .master, priority: 100)), as: .vrrpd)
        usleep(1_000_000)
        return try daemons()
    }()
    let ended = ours.stop()
    let afterStop = try daemons()
    r.ours = [[atStart], [master], [backup], [other], [afterStop]]
    var ok = true
    // The sync id is the instance's VRID (42) when lvs_sync_daemon gives none.
    if !atStart.isEmpty { r.details.append("running before any VRRP state: \(atStart)"); ok = false }
    if !master.hasPrefix("master sync daemon (mcast=kasync0, syncid=42,") || master.contains("backup") { r.details.append("MASTER: \(master)"); ok = false }
    if !backup.hasPrefix("backup sync daemon (mcast=kasync0, syncid=42,") || backup.contains("master") { r.details.append("BACKUP: \(backup)"); ok = false }
    if other != backup { r.details.append("another instance's state changed it: \(other)"); ok = false }
    if !afterStop.isEmpty { r.details.append("still running after stop: \(afterStop)"); ok = false }
    if ended != "exit 0" { r.details.append("ended with \(ended)"); ok = false }
    r.passed = ok
}

func syncDaemon(_ s: Suite, _ r: inout CaseResult) throws {
    let client = try IPVSNetlinkClient()
    var ok = true
    try client.startSyncDaemon(SyncDaemonSettings(state: .master, interface: "lo", syncID: 51, port: 8848, ttl: 2))
    let running = try client.syncDaemons()
    let shown = try run(["/usr/sbin/ipvsadm", "-L", "--daemon"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    r.ours = [[shown], running.map { "\($0.state) \($0.interface) \($0.syncID) port \($0.port ?? 0) ttl \($0.ttl ?? 0)" }]
    if running.count != 1 || running.first?.syncID != 51 || running.first?.interface != "lo" { r.details.append("dump: \(running)"); ok = false }
    if !shown.contains("master sync daemon (mcast=lo, syncid=51,") || !shown.contains("port=8848, ttl=2)") { r.details.append("ipvsadm --daemon: \(shown)"); ok = false }
    do {
        try client.startSyncDaemon(SyncDaemonSettings(state: .master, interface: "lo", syncID: 51))
        r.details.append("a second master daemon was accepted"); ok = false
    } catch {
        r.details.append("second start refused: \(error)")
    }
    try client.stopSyncDaemon(.master)
    let stopped = try client.syncDaemons()
    if !stopped.isEmpty { r.details.append("still running after stop: \(stopped)"); ok = false }
    r.passed = ok
}
