// The cases. Each compares what our applier leaves in the kernel with what
// Debian's keepalived 2.2.7 leaves from the same configuration in the same
// guest, or checks a property of ours (counters kept over a reload, foreign
// entries untouched, hostile verdicts refused, typed netlink errors).
import ConfigModel
import Foundation
import IPVS
import IPVSNetlink
import TestSupport
import Wire

var allCases: [SuiteCase] {
    parityConfigs.map { name, config in SuiteCase(name: "parity-\(name)") { s, r in try parity(s, &r, name, config) } }
    + [SuiteCase(name: "parity-kernel-refusals") { s, r in try parity(s, &r, "refusals", kernelRefusals, expectFailures: 3) }]
    + sequenceCases.map { sc in SuiteCase(name: "verdicts-\(sc.name)") { s, r in try sequence(s, &r, sc) } }
    + [
        SuiteCase(name: "reload-keeps-unchanged-services", body: reloadKeepsCounters),
        SuiteCase(name: "hostile-verdicts-refused", body: hostileVerdicts),
        SuiteCase(name: "restart-over-stale-table", body: restartOverStaleTable),
        SuiteCase(name: "flush-at-start-and-stop", body: flushAtStartAndStop),
        SuiteCase(name: "stop-with-dont-release-ipvs", body: dontRelease),
        SuiteCase(name: "daemon-sandbox", body: daemonSandbox),
        SuiteCase(name: "netlink-typed-errors", body: typedErrors),
        SuiteCase(name: "sync-daemon", body: syncDaemon),
        SuiteCase(name: "sync-daemon-follows-vrrp", body: syncDaemonFollowsVRRP),
        SuiteCase(name: "stack-checkd-and-applier", body: stackCheckdAndApplier),
        SuiteCase(name: "stack-with-vrrp", body: stackWithVRRP),
        SuiteCase(name: "alone-vrrpd-tells-applier", body: aloneVrrpdTellsApplier),
    ]
}

// MARK: Parity with keepalived, all servers up

func parity(_ s: Suite, _ r: inout CaseResult, _ name: String, _ config: KeepalivedConfiguration, expectFailures: Int = 0) throws {
    let dir = s.scratch(name)
    // Ours: the ipvs-applier program on the rendered text (compiled by kaconf), sandboxed.
    let ours = try DaemonUnderTest(config: config, dir: "\(dir)/ours")
    try ours.waitStarted()
    let status = try ours.status()
    let oursView = try Ipvsadm.everything() + (try timeoutsLine())
    r.ours = [oursView]
    let failed = failedOperations(status)
    // Stopping removes everything it added.
    let ended = ours.stop()
    let afterStop = try Ipvsadm.rules()
    try Ipvsadm.clear()
    if config.global.lvsTimeouts != nil { try resetTimeouts() }

    let k = try ReferenceKeepalived(config: Render.config(config), in: dir, name: name)
    let refView = k.settle(expected: Array(oursView.dropLast())) + (try timeoutsLine())
    k.stop()
    r.reference = [refView]
    r.details += differences(oursView, refView, label: "ipvsadm")
    if !afterStop.isEmpty { r.details.append("left after our stop: \(afterStop)") }
    if ended != "exit 0" { r.details.append("ipvs-applier ended with \(ended)") }
    if failed != expectFailures { r.details.append("kernel refused \(failed) operations, expected \(expectFailures)") }
    r.details += ours.log.split(separator: "\n").filter { $0.contains("warning") || $0.contains("error") || $0.contains("Warning") || $0.contains(": add ") }.map { "ours: \($0)" }
    r.passed = oursView == refView && afterStop.isEmpty && failed == expectFailures && ended == "exit 0"
    if !r.passed {
        r.details.append("ipvs-applier log tail: " + ours.log.split(separator: "\n").suffix(12).joined(separator: " | "))
        r.details.append("keepalived log tail: " + k.log.split(separator: "\n").suffix(15).joined(separator: " | "))
    }
    if config.global.lvsTimeouts != nil { try resetTimeouts() }
}

/// "failed = N" from the daemon's status lines.
func failedOperations(_ s: StatusReply) -> Int {
    for l in s.dumpLines where l.contains("operations sent") {
        if let r = l.range(of: "failed = ") {
            return Int(l[r.upperBound...].prefix { $0.isNumber }) ?? -1
        }
    }
    return -1
}

func timeoutsLine() throws -> [String] {
    let out = try run(["/usr/sbin/ipvsadm", "-L", "--timeout"])
    return [out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]
}

func resetTimeouts() throws {
    // The kernel's defaults (tcp 900, tcpfin 120, udp 300).
    _ = try run(["/usr/sbin/ipvsadm", "--set", "900", "120", "300"])
}

// MARK: Verdict sequences, step by step

/// A verdict sequence: track files both sides follow. keepalived reads them
/// through FILE_CHECK; for ours a test peer standing in for checkd turns
/// each file value into the verdict keepalived's FILE_CHECK would reach
/// (weight 0: non-zero is down; otherwise up at weight + value x weight, at least 0).
struct SequenceCase {
    var name: String
    var config: KeepalivedConfiguration
    /// Files set before start, then each step's writes.
    var initial: [String: Int]
    var steps: [[String: Int]]
}

func trackedServers(_ c: KeepalivedConfiguration) -> [(VirtualServer, RealServer, file: String, weight: Int)] {
    var out: [(VirtualServer, RealServer, file: String, weight: Int)] = []
    for v in c.virtualServers {
        for rs in v.realServers {
            for ch in rs.checkers {
                guard case .file(let f) = ch, let name = f.trackFile,
                      let tf = c.trackFiles.first(where: { $0.name == name }) else { continue }
                out.append((v, rs, name, f.weight ?? tf.weight))
            }
        }
    }
    return out
}

/// What checkd's FILE_CHECK would say about each tracked server, given the files.
func verdicts(_ c: KeepalivedConfiguration, _ values: [String: Int], changed: Set<String>?, generation: UInt64) -> [IPVS.RealServerVerdict] {
    trackedServers(c).compactMap { v, rs, file, w in
        if let changed, !changed.contains(file) { return nil }
        let value = values[file] ?? 0
        let base = Int64(rs.weight ?? v.weight)
        let proto: IPVSTransport? = { if case .fwmark = v.address { return nil }; return IPVSTransport(v.protocol ?? .udp) }()
        var vsPort: UInt16 = 0
        if case .ip(_, let p) = v.address { vsPort = p }
        let up = w == 0 ? value == 0 : true
        let weight = w == 0 ? base : max(0, base + Int64(value) * Int64(w))
        return IPVS.RealServerVerdict(generation: generation, virtualServer: VirtualServerRef(v.address, proto),
                                 realServer: RealServerRef(rs.address, rs.port ?? vsPort), up: up, weight: weight)
    }
}

func sequence(_ s: Suite, _ r: inout CaseResult, _ sc: SequenceCase) throws {
    let dir = s.scratch("seq-\(sc.name)")
    var config = sc.config
    for i in config.trackFiles.indices { config.trackFiles[i].file = "\(dir)/\(config.trackFiles[i].name)" }
    func write(_ values: [String: Int]) throws {
        for (f, v) in values { try "\(v)\n".write(toFile: "\(dir)/\(f)", atomically: false, encoding: .utf8) }
    }

    // Ours: the program, started, then the full state a (re)connecting checkd
    // sends, then each step, all over its socket from the test peer.
    var values = sc.initial
    let ours = try DaemonUnderTest(config: config, dir: "\(dir)/ours")
    try ours.waitStarted()
    var status = try ours.verdicts(verdicts(config, values, changed: nil, generation: 1))
    var oursSteps = [try Ipvsadm.rules()]
    for step in sc.steps {
        values.merge(step) { $1 }
        status = try ours.verdicts(verdicts(config, values, changed: Set(step.keys), generation: 1))
        oursSteps.append(try Ipvsadm.rules())
    }
    let refusals = status.dumpLines.first { $0.contains("verdicts admitted") } ?? ""
    let ended = ours.stop()
    try Ipvsadm.clear()
    r.ours = oursSteps

    // keepalived: the same files, the same steps.
    try write(sc.initial)
    let k = try ReferenceKeepalived(config: Render.config(config), in: dir, name: "keepalived")
    var refSteps: [[String]] = []
    _ = k.settle(expected: nil, timeout: 8)
    refSteps.append(ReferenceKeepalived.settleRules(expected: oursSteps[0]))
    for (i, step) in sc.steps.enumerated() {
        try write(step)
        refSteps.append(ReferenceKeepalived.settleRules(expected: oursSteps[i + 1]))
    }
    k.stop()
    r.reference = refSteps
    for i in oursSteps.indices {
        r.details += differences(oursSteps[i], refSteps[i], label: i == 0 ? "start" : "step \(i) \(sc.steps[i - 1])")
    }
    let refused = !refusals.contains("refused = 0")
    if refused { r.details.append("ours refused some of the test peer's verdicts: \(refusals)") }
    if ended != "exit 0" { r.details.append("ipvs-applier ended with \(ended)") }
    r.passed = oursSteps == refSteps && !refused && ended == "exit 0"
    if !r.passed {
        r.details.append("ipvs-applier log tail: " + ours.log.split(separator: "\n").suffix(12).joined(separator: " | "))
        r.details.append("keepalived log tail: " + k.log.split(separator: "\n").suffix(20).joined(separator: " | "))
    }
}

extension ReferenceKeepalived {
    /// Waits until `ipvsadm -Sn` is stable (and equals `expected`, for at most 4 s).
    static func settleRules(expected: [String], timeout: Double = 4) -> [String] {
        let end = Date().addingTimeInterval(timeout)
        var last = (try? Ipvsadm.rules()) ?? []
        var stableSince = Date()
        while Date() < end {
            usleep(150_000)
            let now = (try? Ipvsadm.rules()) ?? []
            if now != last { last = now; stableSince = Date(); continue }
            if now == expected && Date().timeIntervalSince(stableSince) >= 0.45 { return now }
        }
        return last
    }
}

func tracked(_ name: String, weight: Int = 0) -> TrackFile {
    var t = TrackFile(name: name)
    t.weight = weight
    t.file = "/dev/null"
    return t
}

func fileChecked(_ a: String, _ port: UInt16, _ file: String, weight: Int32? = nil, _ configure: (inout RealServer) -> Void = { _ in }) -> RealServer {
    real(a, port, weight: weight) {
        var f = FileCheck()
        f.trackFile = file
        $0.checkers = [.file(f)]
        configure(&$0)
    }
}

let sequenceCases: [SequenceCase] = [
    SequenceCase(
        name: "down-inhibit-weight",
        config: configuration([
            server("10.90.0.1", 80, algo: .wrr, [fileChecked("10.91.0.1", 80, "a1", weight: 2),
                                                 fileChecked("10.91.0.2", 80, "a2", weight: 2) { $0.inhibitOnFailure = true },
                                                 fileChecked("10.91.0.3", 80, "aw", weight: 3)]),
        ]) { $0.trackFiles = [tracked("a1"), tracked("a2"), tracked("aw", weight: 1)] },
        initial: ["a1": 0, "a2": 0, "aw": 0],
        steps: [["a1": 1], ["a2": 1], ["aw": 5], ["aw": -2], ["aw": -3], ["a1": 0, "a2": 0], ["aw": 0]]),
    SequenceCase(
        name: "quorum-hysteresis-sorry",
        config: configuration([
            server("10.92.0.1", 80, [fileChecked("10.93.0.1", 80, "b1"), fileChecked("10.93.0.2", 80, "b2"),
                                     fileChecked("10.93.0.3", 80, "b3")]) {
                $0.inhibitOnFailure = true; $0.quorum = 2; $0.hysteresis = 1
                $0.sorryServer = SorryServer(address: addr("10.99.0.1"), port: 80)
            },
            server("10.92.0.2", 80, kind: ForwardingMethod(.dr), [fileChecked("10.93.1.1", 80, "c1"), fileChecked("10.93.1.2", 80, "c2")]) {
                $0.quorum = 2; $0.sorryServer = SorryServer(address: addr("10.99.0.2"), port: 80); $0.sorryServerInhibit = true
                $0.sorryServerLvsMethod = ForwardingMethod(.nat)
            },
            server("10.92.0.3", 80, [fileChecked("10.93.2.1", 80, "d1", weight: 3), fileChecked("10.93.2.2", 80, "d2")]) {
                $0.quorum = 4; $0.hysteresis = 1; $0.sorryServer = SorryServer(address: addr("10.99.0.3"), port: 80)
            },
        ]) { $0.trackFiles = [tracked("b1"), tracked("b2"), tracked("b3"), tracked("c1"), tracked("c2"),
                              tracked("d1", weight: 1), tracked("d2")] },
        initial: ["b1": 0, "b2": 0, "b3": 0, "c1": 0, "c2": 0, "d1": 0, "d2": 0],
        steps: [["b1": 1, "c1": 1], ["b2": 1, "d1": -1], ["b3": 1, "c2": 1, "d1": -2], ["b1": 0, "c1": 0], ["b2": 0, "d1": 0],
                ["b3": 0, "c2": 0, "d2": 1], ["d1": 2], ["d2": 0, "d1": 0]]),
    SequenceCase(
        name: "alpha-start-and-recovery",
        config: configuration([
            server("10.94.0.1", 80, [fileChecked("10.95.0.1", 80, "e1"), fileChecked("10.95.0.2", 80, "e2") { $0.inhibitOnFailure = true }]) {
                $0.alpha = true; $0.sorryServer = SorryServer(address: addr("10.99.1.1"), port: 80)
            },
            server("10.94.0.2", 80, [fileChecked("10.95.1.1", 80, "f1"), fileChecked("10.95.1.2", 80, "f2")]) {
                $0.inhibitOnFailure = true; $0.quorum = 2; $0.sorryServer = SorryServer(address: addr("10.99.1.2"), port: 80)
            },
        ]) { $0.trackFiles = [tracked("e1"), tracked("e2"), tracked("f1"), tracked("f2")] },
        initial: ["e1": 1, "e2": 1, "f1": 0, "f2": 0],
        steps: [["e1": 0], ["e2": 0], ["f1": 1], ["e1": 1, "e2": 1, "f1": 0]]),
]
