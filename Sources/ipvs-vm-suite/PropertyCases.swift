// Cases that check properties of ours on the real kernel: reload leaves
// unchanged services alone, hostile verdicts change nothing, a restart over
// a stale table corrects ours and leaves the rest, lvs_flush and
// lvs_flush_onstop, typed netlink errors, the sync daemon.
import Foundation
import ConfigModel
import IPVS
import Netlink
import TestSupport

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
    /// Connection attempts: IPVS counts each at its first packet, so they
    /// are cut short rather than waited for.
    func connect(_ address: String, _ port: UInt16, times: Int) {
        for _ in 0..<times {
            _ = try? run(["/usr/bin/ip", "netns", "exec", name, "/usr/bin/timeout", "0.3", "/bin/bash", "-c",
                          "exec 3<>/dev/tcp/\(address)/\(port)"], timeout: 5)
        }
    }
    func remove() {
        _ = try? run(["/usr/bin/ip", "link", "del", "kav0"])
        _ = try? run(["/usr/bin/ip", "netns", "del", name])
    }
}

func countersByService(_ client: IPVSNetlinkClient) throws -> [ServiceKey: (IPVSCounters, [DestinationKey: IPVSCounters])] {
    var out: [ServiceKey: (IPVSCounters, [DestinationKey: IPVSCounters])] = [:]
    let snap = try client.snapshot()
    for s in snap.services {
        var d: [DestinationKey: IPVSCounters] = [:]
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
    var transcript: [String] = []
    let ours = try s.ours(before, transcript: &transcript)
    for v in vips { client.connect(v, 80, times: 3) }
    // The kernel (6.1) folds its per-CPU counters into what a dump reports every 2 s.
    usleep(2_500_000)
    let statsBefore = try Ipvsadm.listing(["--stats"])
    let countersBefore = try countersByService(ours.client)

    // Reload: the third service changes scheduler and gains a server; the first two do not change.
    var after = before
    after.virtualServers[2].lbAlgo = .rr
    after.virtualServers[2].realServers.append(real("192.168.77.5", 9))
    let sentBefore = ours.client.messagesSent
    let snapshot = try ours.client.snapshot()
    var t: [QuorumTransition] = []
    var engine = ours.engine
    let diff = engine.reload(plan: IPVSPlan(after), generation: 2, kernel: snapshot.table, transitions: &t)
    try ours.reload(plan: IPVSPlan(after), generation: 2)
    let sent = ours.client.messagesSent - sentBefore
    // More traffic after the reload: the unchanged services keep counting from where they were.
    for v in vips { client.connect(v, 80, times: 1) }
    usleep(2_500_000)
    let statsAfter = try Ipvsadm.listing(["--stats"])
    let countersAfter = try countersByService(ours.client)
    r.ours = [statsBefore, statsAfter, diff.operations.map(\.description)]

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
            r.details.append("\(d) in \(k): counters reset (\(c.connections) -> \(da[d]?.connections ?? 0))"); ok = false
        }
    }
    if diff.operations.contains(where: { op in unchanged.contains { op.description.contains($0.description) } }) {
        r.details.append("the reload touched an unchanged service: \(diff.operations)"); ok = false
    }
    let expected = ["edit service tcp 10.100.0.3:80 rr", "add 192.168.77.5:9 to tcp 10.100.0.3:80 weight 1"]
    if diff.operations.map(\.description) != expected {
        r.details.append("reload operations \(diff.operations.map(\.description)), expected \(expected)"); ok = false
    }
    r.details.append("netlink requests sent for the reload (dumps included): \(sent)")
    try ours.stop(release: true)
    r.passed = ok
}

func hostileVerdicts(_ s: Suite, _ r: inout CaseResult) throws {
    let config = configuration([
        server("10.110.0.1", 80, [fileChecked("10.111.0.1", 80, "h1", weight: 5), fileChecked("10.111.0.2", 80, "h2")]) {
            $0.sorryServer = SorryServer(address: addr("10.119.0.1"), port: 80)
        },
    ]) { $0.trackFiles = [tracked("h1"), tracked("h2")] }
    var transcript: [String] = []
    let ours = try s.ours(config, transcript: &transcript)
    let before = try Ipvsadm.rules()
    let vs = VirtualServerRef(.ip(addr("10.110.0.1"), port: 80), .tcp)
    let rs1 = RealServerRef(addr("10.111.0.1"), 80)
    let hostile: [(String, RealServerVerdict, Peer)] = [
        ("unknown virtual server", RealServerVerdict(generation: 1, virtualServer: VirtualServerRef(.ip(addr("10.110.0.9"), port: 80), .tcp), realServer: rs1, up: false, weight: 1), .checkd),
        ("wrong protocol", RealServerVerdict(generation: 1, virtualServer: VirtualServerRef(.ip(addr("10.110.0.1"), port: 80), .udp), realServer: rs1, up: false, weight: 1), .checkd),
        ("address not in the config", RealServerVerdict(generation: 1, virtualServer: vs, realServer: RealServerRef(addr("192.0.2.1"), 80), up: true, weight: 1), .checkd),
        ("the sorry server as a real server", RealServerVerdict(generation: 1, virtualServer: vs, realServer: RealServerRef(addr("10.119.0.1"), 80), up: true, weight: 1), .checkd),
        ("weight above the bound", RealServerVerdict(generation: 1, virtualServer: vs, realServer: rs1, up: true, weight: 6), .checkd),
        ("negative weight", RealServerVerdict(generation: 1, virtualServer: vs, realServer: rs1, up: true, weight: -5), .checkd),
        ("huge weight", RealServerVerdict(generation: 1, virtualServer: vs, realServer: rs1, up: true, weight: Int64(UInt32.max) + 7), .checkd),
        ("stale generation", RealServerVerdict(generation: 0, virtualServer: vs, realServer: rs1, up: false, weight: 5), .checkd),
        ("future generation", RealServerVerdict(generation: 9, virtualServer: vs, realServer: rs1, up: false, weight: 5), .checkd),
        ("from vrrpd", RealServerVerdict(generation: 1, virtualServer: vs, realServer: rs1, up: false, weight: 5), .vrrpd),
        ("from another uid", RealServerVerdict(generation: 1, virtualServer: vs, realServer: rs1, up: false, weight: 5), .other(uid: 65534)),
    ]
    let sentBefore = ours.client.messagesSent
    var ok = true
    for (what, v, peer) in hostile {
        switch try ours.handle(v, from: peer) {
        case .success: r.details.append("admitted: \(what)"); ok = false
        case .failure(let refusal): r.details.append("refused \(what): \(refusal)")
        }
    }
    let after = try Ipvsadm.rules()
    let sent = ours.client.messagesSent - sentBefore
    r.ours = [before, after]
    if before != after { r.details += differences(after, before, label: "table changed"); ok = false }
    if sent != 0 { r.details.append("\(sent) netlink messages sent for refused verdicts"); ok = false }
    let counted = ours.engine.counters.refusals.total
    if counted != UInt64(hostile.count) { r.details.append("refusals counted: \(counted) of \(hostile.count)"); ok = false }
    r.details.append("refusals by reason: \(ours.engine.counters.refusals.byReason.sorted { $0.key < $1.key })")
    // A legitimate verdict still works afterwards.
    if case .failure(let e) = try ours.handle(RealServerVerdict(generation: 1, virtualServer: vs, realServer: rs1, up: false, weight: 5), from: .checkd) {
        r.details.append("a valid verdict was refused after the hostile ones: \(e)"); ok = false
    }
    if try Ipvsadm.rules().contains(where: { $0.contains("10.111.0.1") }) { r.details.append("valid down verdict not applied"); ok = false }
    try ours.stop(release: true)
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
    var placed = Ownership()
    placed.destinations = [DestinationRef(.address(.tcp, addr("10.120.0.1"), port: 80), DestinationKey(addr("10.121.0.9"), 80))]
    var transcript: [String] = []
    let ours = try s.ours(config, placed: placed, transcript: &transcript)
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
    r.details += transcript.map { "ours: \($0)" }
    let reported = transcript.filter { $0.hasPrefix("not ours") }
    var ok = after == expected
    if reported.count != 3 { r.details.append("expected 3 foreign entries reported, got \(reported)"); ok = false }
    // Stop: ours removed, the others still there, exactly as they were.
    try ours.stop(release: true)
    let afterStop = try Ipvsadm.rules()
    let foreignOnly = ["-A -f 7777 -s rr", "-A -t 10.120.0.1:80 -s rr", "-A -t 10.120.0.99:80 -s sh",
                       "-a -t 10.120.0.1:80 -r 10.127.7.7:80 -g -w 4", "-a -t 10.120.0.99:80 -r 10.127.7.8:80 -m -w 2"]
    r.ours.append(afterStop)
    r.details += differences(afterStop, foreignOnly, label: "after stop (our service stays while it holds someone else's server)")
    r.passed = ok && afterStop == foreignOnly
}

func flushAtStartAndStop(_ s: Suite, _ r: inout CaseResult) throws {
    try ipvsadm("-A -t 10.130.0.99:80 -s rr")
    try ipvsadm("-a -t 10.130.0.99:80 -r 10.131.0.9:80 -m")
    var config = configuration([server("10.130.0.1", 80, [real("10.131.0.1", 80)])])
    config.global.lvsFlush = true
    config.global.lvsFlushOnstop = false
    var transcript: [String] = []
    let ours = try s.ours(config, transcript: &transcript)
    let started = try Ipvsadm.rules()
    try ipvsadm("-A -t 10.130.0.98:80 -s rr")   // appears while we run
    try ours.stop(release: true)
    let stopped = try Ipvsadm.rules()
    // keepalived on the same config and the same starting table.
    try ipvsadm("-A -t 10.130.0.99:80 -s rr")
    try ipvsadm("-a -t 10.130.0.99:80 -r 10.131.0.9:80 -m")
    let k = try ReferenceKeepalived(config: Render.config(config), in: s.scratch("flush"), name: "flush")
    let refStarted = k.settle(expected: nil)
    let refRules = try Ipvsadm.rules()
    try ipvsadm("-A -t 10.130.0.98:80 -s rr")
    k.stop()
    let refStopped = try Ipvsadm.rules()
    r.ours = [started, stopped]
    r.reference = [refRules, refStopped]
    _ = refStarted
    r.details += differences(started, refRules, label: "after start (lvs_flush)")
    r.details += differences(stopped, refStopped, label: "after stop (lvs_flush_onstop)")
    r.passed = started == refRules && stopped == refStopped && stopped.isEmpty
}

func typedErrors(_ s: Suite, _ r: inout CaseResult) throws {
    let client = try IPVSNetlinkClient()
    let key = ServiceKey.address(.tcp, addr("10.140.0.1"), port: 80)
    let settings = ServiceSettings(scheduler: "rr", netmask: .max)
    var ok = true
    func expect(_ what: String, _ ops: [IPVSOperation], _ want: NetlinkError) throws {
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
        r.details.append("ENOBUFS: \(NetlinkError.noBufferSpace)")
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
