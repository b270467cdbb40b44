// The ipvs-applier executable as the cases run it: alone (as under its
// systemd unit), sandboxed with its own policy, compiling the rendered
// keepalived.conf with kaconf, and spoken to over its peer socket by a test
// peer standing in for checkd (or vrrpd): this process connects with the
// effective uid of checkd's (vrrpd's) user, which is who SO_PEERCRED says it is.
import Foundation
import ConfigModel
import IPVS
import Posix
import TestSupport
import Wire

final class DaemonUnderTest {
    let dir: String
    let confPath: String
    let process: Spawned
    private var channels: [ProgramName: Channel] = [:]
    private var statusChannel: Channel?
    private var nextRequest: UInt64 = 1
    /// Verdicts sent so far (the status says how many arrived).
    private var sent: UInt64 = 0

    /// The built programs sit beside this one.
    static var binDirectory: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
    }
    static var policyDirectory: String {
        var d = URL(fileURLWithPath: binDirectory)
        while d.path != "/" {
            if FileManager.default.fileExists(atPath: d.appendingPathComponent("policies/ipvs-applier.policy").path) {
                return d.appendingPathComponent("policies").path
            }
            d = d.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/policies"
    }

    init(config: KeepalivedConfiguration, dir: String, arguments: [String] = []) throws {
        self.dir = dir
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
        confPath = "\(dir)/keepalived.conf"
        try Render.config(config).write(toFile: confPath, atomically: true, encoding: .utf8)
        chmod(confPath, 0o644)
        process = try Spawned(["\(Self.binDirectory)/ipvs-applier", "-f", confPath, "--runtime-dir", dir,
                               "--no-syslog", "--log-console", "--policy-dir", Self.policyDirectory,
                               "--pid", "\(dir)/ipvs-applier.pid"] + arguments,
                              outputFile: "\(dir)/ipvs-applier.log")
    }

    var log: String { process.output }
    var pid: Int32 { process.pid }

    /// Waits for "started"; throws with the log when the daemon died or hung.
    func waitStarted(timeout: Double = 60) throws {
        let ok = waitUntil(timeout: timeout) { self.log.contains("ipvs-applier started") || !self.process.isRunning }
        guard ok, process.isRunning else {
            throw TestFailure("ipvs-applier did not start: \(log.split(separator: "\n").suffix(12).joined(separator: " | "))")
        }
    }

    /// /proc/PID/status lines of the sandbox: capabilities, no_new_privs, seccomp.
    func sandboxStatus() -> [String] {
        let s = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return s.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("CapEff") || $0.hasPrefix("CapPrm") || $0.hasPrefix("CapBnd") || $0.hasPrefix("CapInh")
                || $0.hasPrefix("CapAmb") || $0.hasPrefix("NoNewPrivs") || $0.hasPrefix("Seccomp:") || $0.hasPrefix("Uid:")
        }.map { $0.replacingOccurrences(of: "\t", with: " ") }
    }

    var socketDirectory: String { "\(dir)/ipvs-applier" }

    /// A connection to the peer socket as `program`'s user.
    func connect(as program: ProgramName = .checkd) throws -> Channel {
        if let c = channels[program], c.isOpen { return c }
        let user = program == .vrrpd ? "keepalived-vrrpd" : "keepalived-checkd"
        guard let pw = getpwnam(user) else { throw TestFailure("no user \(user) (scripts/setup.sh creates it)") }
        let uid = pw.pointee.pw_uid
        guard seteuid(uid) == 0 else { throw TestFailure("seteuid(\(uid)): \(errno)") }
        defer { _ = seteuid(0) }
        let c = Channel(peer: .ipvsApplier, socket: try SeqPacket.connect(to: "\(socketDirectory)/ipvs-applier.sock"))
        channels[program] = c
        // The daemon adopts the connection on its next turn; give it one.
        usleep(100_000)
        return c
    }

    func send(_ m: Message, as program: ProgramName = .checkd) throws {
        let c = try connect(as: program)
        try c.send(m)
        if case .realServerVerdict = m { sent += 1 }
    }

    static func wire(_ v: IPVS.RealServerVerdict) -> Message {
        let key: VirtualServerKey
        switch v.virtualServer.address {
        case .ip(let a, let port):
            let p: TransportProtocol = v.virtualServer.transport == .udp ? .udp : v.virtualServer.transport == .sctp ? .sctp : .tcp
            key = .endpoint(address: WireAddress(bytes: a.bytes)!, port: port, protocol: p)
        case .fwmark(let m): key = .fwmark(m, ipv6: false)
        case .group(let g): key = .group(g)
        }
        return .realServerVerdict(Wire.RealServerVerdict(
            generation: Generation(v.generation), virtualServer: key,
            realServer: RealServerKey(address: WireAddress(bytes: v.realServer.address.bytes)!, port: v.realServer.port),
            up: v.up, weight: Int32(clamping: v.weight), reason: "test peer"))
    }

    /// Sends verdicts as checkd, then waits until the status says they all
    /// arrived (it applies what arrived before it answers).
    @discardableResult
    func verdicts(_ vs: [IPVS.RealServerVerdict], timeout: Double = 30) throws -> StatusReply {
        for v in vs { try send(Self.wire(v)) }
        return try statusAfterVerdicts(timeout: timeout)
    }

    /// Polls the status until every verdict sent so far is counted as received.
    func statusAfterVerdicts(timeout: Double = 30) throws -> StatusReply {
        let end = Date().addingTimeInterval(timeout)
        while true {
            let r = try status()
            let line = r.dumpLines.first { $0.contains("verdicts received = ") } ?? ""
            let got = UInt64(line.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "") ?? 0
            if got >= sent { return r }
            if Date() > end { throw TestFailure("ipvs-applier received \(got) of \(sent) verdicts") }
            usleep(50_000)
        }
    }

    func status(timeout: Double = 30) throws -> StatusReply {
        if statusChannel == nil || !(statusChannel!.isOpen) {
            statusChannel = Channel(peer: .ipvsApplier, socket: try SeqPacket.connect(to: "\(socketDirectory)/status.sock"))
        }
        let c = statusChannel!
        let id = nextRequest
        nextRequest += 1
        try c.send(.statusRequest(StatusRequest(requestID: id, kind: .stats)))
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if case .statusReply(let r)? = try c.receive(), r.requestID == id { return r }
            usleep(5_000)
        }
        throw TestFailure("no status reply from ipvs-applier within \(timeout) s")
    }

    /// Rewrites the configuration and sends SIGHUP; waits for the reload.
    func reload(_ config: KeepalivedConfiguration, timeout: Double = 60) throws {
        let before = log.components(separatedBy: "reloaded to").count
        try Render.config(config).write(toFile: confPath, atomically: true, encoding: .utf8)
        chmod(confPath, 0o644)
        process.signal(SIGHUP)
        guard waitUntil(timeout: timeout, { self.log.components(separatedBy: "reloaded to").count > before || !self.process.isRunning }),
              process.isRunning else {
            throw TestFailure("reload did not finish: \(log.split(separator: "\n").suffix(8).joined(separator: " | "))")
        }
    }

    /// SIGTERM; returns how it ended ("exit 0" when well).
    @discardableResult
    func stop() -> String {
        for c in channels.values { c.close() }
        statusChannel?.close()
        process.stop(grace: 30)
        let p = process.process
        return p.terminationReason == .uncaughtSignal ? "killed by signal \(p.terminationStatus)" : "exit \(p.terminationStatus)"
    }
}
