// The VRRP acceptance topology: a bridge, up to three router namespaces
// (10.7.0.1-3, eth0) and an observer (10.7.0.250) that watches the wire.
// Routers run our vrrpd or Debian's keepalived 2.2.7 from the same
// keepalived.conf text. Only processes this lab started are stopped, by pid.
import Foundation
import TestSupport

enum Implementation: String, CustomStringConvertible, Sendable {
    case ours = "vrrpd"
    case keepalived
    /// Our vrrpd under our keepalived supervisor (`keepalived -P`).
    case supervised = "vrrpd under the supervisor"
    var description: String { rawValue }
}

/// One vrrp_instance block, written the same way for both implementations.
struct InstanceConfig: Sendable {
    var name = "VI_1"
    var vrid = 51
    var priority = 100
    var version = 3
    var advertInt = "0.1"
    var vips = ["10.7.0.100/24"]
    var auth: (type: String, pass: String)?
    var unicastPeers: [String] = []
    var unicastSource: String?
    var nopreempt = false
    var preemptDelay: String?
    var state = "BACKUP"

    var text: String {
        var lines = ["vrrp_instance \(name) {", "    state \(state)", "    interface eth0",
                     "    virtual_router_id \(vrid)", "    priority \(priority)", "    version \(version)",
                     "    advert_int \(advertInt)"]
        if nopreempt { lines.append("    nopreempt") }
        if let d = preemptDelay { lines.append("    preempt_delay \(d)") }
        if let a = auth { lines += ["    authentication {", "        auth_type \(a.type)", "        auth_pass \(a.pass)", "    }"] }
        if let s = unicastSource { lines.append("    unicast_src_ip \(s)") }
        if !unicastPeers.isEmpty { lines += ["    unicast_peer {"] + unicastPeers.map { "        \($0)" } + ["    }"] }
        lines += ["    virtual_ipaddress {"] + vips.map { "        \($0)" } + ["    }", "}"]
        return lines.joined(separator: "\n")
    }
}

final class VRRPLab: @unchecked Sendable {
    final class Router: @unchecked Sendable {
        let index: Int
        let ns: Netns
        let address: String
        var process: Spawned?
        var implementation: Implementation = .ours
        var started: Date?
        var logFile = ""
        var runtimeDirectory = ""
        var keepalivedChildPidFile = ""
        var configFile = ""
        init(index: Int, ns: Netns, address: String) {
            self.index = index
            self.ns = ns
            self.address = address
        }
        var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }
    }

    let segment: BridgedSegment
    let observer: Netns
    let capture: FrameCapture
    let dir: TempDirectory
    private(set) var routers: [Router] = []
    private var runs = 0

    init(_ tag: String, routers count: Int, ipv6: Bool = false) throws {
        dir = try TempDirectory("ka-vrrp")
        segment = try BridgedSegment(tag)
        for i in 1...count {
            let ns = try segment.addMember("r\(i)", addresses: ["10.7.0.\(i)/24"])
            routers.append(Router(index: i, ns: ns, address: "10.7.0.\(i)"))
        }
        observer = try segment.addMember("obs", addresses: ["10.7.0.250/24"])
        if ipv6 {
            for ns in routers.map(\.ns) + [observer] {
                _ = TestSupport.waitUntil(timeout: 10) { ((try? ns.sh("ip -6 addr show dev eth0 tentative")) ?? "x").isEmpty }
            }
        }
        capture = try FrameCapture(in: observer, interface: "eth0")
    }

    func close() {
        for r in routers { stop(r.index, signal: SIGKILL) }
        capture.stop()
        segment.remove()
        dir.remove()
    }

    func router(_ i: Int) -> Router { routers[i - 1] }

    // MARK: Processes

    func start(_ i: Int, _ impl: Implementation, _ instances: [InstanceConfig], globals: String = "") throws {
        let r = router(i)
        runs += 1
        let tag = "r\(i)-\(runs)"
        r.implementation = impl
        r.configFile = try dir.write("\(tag).conf", (globals.isEmpty ? "" : "global_defs {\n\(globals)\n}\n")
                                     + instances.map(\.text).joined(separator: "\n") + "\n")
        r.logFile = dir.file("\(tag).log")
        r.runtimeDirectory = dir.file("\(tag).run")
        r.keepalivedChildPidFile = dir.file("\(tag).vrrp.pid")
        let argv: [String]
        switch impl {
        case .ours:
            argv = [TestEnvironment.binary("vrrpd"), "-f", r.configFile, "-l", "--runtime-dir", r.runtimeDirectory]
        case .keepalived:
            argv = ["/usr/sbin/keepalived", "-n", "-l", "-D", "-P", "-f", r.configFile, "-p", dir.file("\(tag).pid"),
                    "-r", r.keepalivedChildPidFile]
        case .supervised:
            let compiled = dir.file("\(tag).kacf")
            try TestSupport.sh("\(TestEnvironment.binary("kaconf")) compile --offline \(r.configFile) -o \(compiled)")
            argv = [TestEnvironment.binary("keepalived"), "-n", "-l", "-G", "-P", "-f", compiled,
                    "-p", dir.file("\(tag).pid"), "-r", r.keepalivedChildPidFile]
        }
        r.started = Date()
        r.process = try r.ns.spawn(argv, outputFile: r.logFile)
    }

    func reconfigure(_ i: Int, _ instances: [InstanceConfig]) throws {
        let r = router(i)
        try instances.map(\.text).joined(separator: "\n").appending("\n").write(toFile: r.configFile, atomically: true, encoding: .utf8)
        r.process?.signal(SIGHUP)
    }

    /// The pid of the supervised vrrpd (from the supervisor's -r pid file).
    func supervisedVrrpd(_ i: Int) -> Int32? {
        (try? String(contentsOfFile: router(i).keepalivedChildPidFile, encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// kill -9 of the process that sends adverts (for keepalived its VRRP
    /// child, with the parent stopped first so it cannot respawn or signal it).
    func kill9(_ i: Int) {
        let r = router(i)
        guard let p = r.process else { return }
        if r.implementation == .supervised, let child = supervisedVrrpd(i) {
            kill(p.pid, SIGKILL)
            kill(child, SIGKILL)
            p.process.waitUntilExit()
            r.process = nil
            return
        }
        if r.implementation == .keepalived {
            kill(p.pid, SIGSTOP)
            if let text = try? String(contentsOfFile: r.keepalivedChildPidFile, encoding: .utf8),
               let child = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(child, SIGKILL)
            }
        }
        kill(p.pid, SIGKILL)
        p.process.waitUntilExit()
        r.process = nil
    }

    /// SIGTERM (or `signal`) and wait for the exit.
    func stop(_ i: Int, signal: Int32 = SIGTERM) {
        let r = router(i)
        guard let p = r.process else { return }
        if signal == SIGKILL { kill9(i); return }
        p.stop(grace: 10)
        r.process = nil
    }

    // MARK: Observations

    func addresses(_ i: Int) -> String { (try? router(i).ns.sh("ip -br addr show dev eth0")) ?? "" }

    /// Routers whose eth0 holds `vip` (address without prefix).
    func holders(of vip: String) -> [Int] {
        routers.filter { r in
            let out = (try? r.ns.sh("ip -br addr show dev eth0")) ?? ""
            return out.split(separator: " ").contains { $0.hasPrefix(vip + "/") }
        }.map(\.index)
    }

    /// Waits until exactly `expected` holds `vip`.
    @discardableResult
    func waitForHolder(_ vip: String, _ expected: [Int], timeout: Double = 10) -> Bool {
        waitUntil(timeout: timeout) { self.holders(of: vip) == expected }
    }

    /// `vrrpd --status` of router i.
    func status(_ i: Int) -> String {
        (try? TestSupport.run([TestEnvironment.binary("vrrpd"), "--status", "--runtime-dir", router(i).runtimeDirectory]).stdout) ?? ""
    }

    /// The instance line's state from `vrrpd --status` (ours only).
    func state(_ i: Int, instance: String = "VI_1") -> String? {
        for line in status(i).split(separator: "\n") where line.hasPrefix("VRRP instance \(instance):") {
            return line.split(separator: " ").dropFirst(3).first.map(String.init)
        }
        return nil
    }

    /// A counter from the status output: `rejected:` reasons or socket drops.
    func counter(_ i: Int, _ name: String) -> Int {
        var total = 0
        for line in status(i).split(separator: "\n") where line.contains("rejected:") || line.contains("dropped on") {
            for word in line.split(separator: " ") where word.hasPrefix(name + "=") {
                total += Int(word.dropFirst(name.count + 1)) ?? 0
            }
        }
        return total
    }

    /// Adverts seen by the observer from a source IPv4 address (or MAC for IPv6).
    func adverts(from address: String, vrid: UInt8? = nil) -> [CapturedFrame] {
        capture.frames.filter { f in
            f.isVRRP && (f.ipv4Source == address || f.sourceMAC == address) && (vrid == nil || f.vrid == vrid)
        }
    }

    func mac(_ i: Int) -> String {
        ((try? router(i).ns.sh("cat /sys/class/net/eth0/address")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func gratuitous(from i: Int) -> [CapturedFrame] {
        let m = mac(i)
        return capture.frames.filter { ($0.isGratuitousARP || $0.isNeighborAdvertisement) && $0.sourceMAC == m }
    }

    /// A line for the test log.
    func report(_ text: String) { print("vrrp-lab: \(text)") }
}

/// The RFC master-down interval in seconds for a priority and advert interval.
func masterDown(priority: Int, interval: Double, version: Int) -> Double {
    let skewUs: Int
    if version == 2 {
        skewUs = (256 - priority) * 1_000_000 / 256
    } else {
        skewUs = (256 - priority) * Int((interval * 100).rounded()) * 625 / 16
    }
    return 3 * interval + Double(skewUs) / 1e6
}
