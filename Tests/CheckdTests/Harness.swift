// Runs the real checkd against real servers: a compiled configuration
// written by the test, a stand-in ipvs-applier on checkd's named socket that
// records every verdict with its arrival time, and the servers from
// Tests/peers/checkd_peers.py.
import Foundation
import Testing
import ConfigModel
import Posix
import TestSupport
import Wire

/// Records what checkd tells ipvs-applier.
final class FakeApplier: @unchecked Sendable {
    struct Received: CustomStringConvertible {
        var at: Date
        var message: Message
        var description: String {
            switch message {
            case .realServerVerdict(let v): return "\(v.realServer) \(v.up ? "UP w=\(v.weight)" : "DOWN") (\(v.reason))"
            case .virtualServerState(let s): return "\(s.virtualServer) quorum=\(s.quorumUp) sorry=\(s.sorryServerActive)"
            case .realServerFullState(let f): return "full state part \(f.part): \(f.verdicts.count) rs"
            default: return "\(message.type)"
            }
        }
    }
    private let lock = NSLock()
    private var _received: [Received] = []
    private var stopFlag = false
    private var thread: Thread?
    let path: String

    init(path: String) throws {
        self.path = path
        let listener = try SeqPacket.listen(at: path, mode: 0o666)
        let lfd = listener.release()
        let t = Thread { [self] in
            var conns: [Channel] = []
            while !self.isStopped {
                var fds = [pollfd(fd: lfd, events: Int16(POLLIN), revents: 0)] + conns.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
                _ = poll(&fds, nfds_t(fds.count), 50)
                if fds[0].revents != 0, let s = try? SeqPacket.accept(on: lfd) { conns.append(Channel(peer: .checkd, socket: s)) }
                var keep: [Channel] = []
                for c in conns {
                    do {
                        while let m = try c.receive() { self.append(Received(at: Date(), message: m)) }
                        keep.append(c)
                    } catch { c.close() }
                }
                conns = keep
            }
            for c in conns { c.close() }
            close(lfd)
        }
        thread = t
        t.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopFlag }
    private func append(_ r: Received) { lock.lock(); _received.append(r); lock.unlock() }
    var received: [Received] { lock.lock(); defer { lock.unlock() }; return _received }
    func stop() { lock.lock(); stopFlag = true; lock.unlock() }

    /// Verdicts for the real server on `port`, in order: incremental ones and
    /// those carried by full states (`full` true).
    func verdicts(port: UInt16, address: String? = nil) -> [(at: Date, up: Bool, reason: String, full: Bool)] {
        received.flatMap { r -> [(Date, Bool, String, Bool)] in
            func match(_ v: RealServerVerdict) -> Bool { v.realServer.port == port && (address == nil || v.realServer.address.description == address) }
            switch r.message {
            case .realServerVerdict(let v) where match(v): return [(r.at, v.up, v.reason, false)]
            case .realServerFullState(let f): return f.verdicts.filter(match).map { (r.at, $0.up, $0.reason, true) }
            default: return []
            }
        }
    }

    func lastState(port: UInt16, address: String? = nil) -> Bool? { verdicts(port: port, address: address).last?.up }

    /// The last sorry-server state of the (only) virtual server.
    func sorryActive() -> Bool? {
        var st: Bool?
        for r in received {
            switch r.message {
            case .virtualServerState(let s): st = s.sorryServerActive
            case .realServerFullState(let f): if let s = f.virtualServers.last { st = s.sorryServerActive }
            default: break
            }
        }
        return st
    }

    func waitFor(timeout: Double, _ cond: () -> Bool) -> Bool { waitUntil(timeout: timeout, cond) }
}

/// A checkd process with its runtime directory and configuration.
final class CheckdRun {
    let dir: TempDirectory
    let applier: FakeApplier
    var process: Spawned!
    let configPath: String
    var netns: Netns?

    init(_ config: KeepalivedConfiguration, scripts: [Script] = [], netns: Netns? = nil, extraArgs: [String] = []) throws {
        dir = try TempDirectory("ka-checkd")
        // checkd drops to its own user: it must create its socket here and read the config.
        chmod(dir.path, 0o1777)
        configPath = dir.file("checkd.kacf")
        self.netns = netns
        try CheckdRun.write(config, scripts: scripts, generation: 1, to: configPath)
        // Where DaemonSupport's PeerSockets look for ipvs-applier.
        try FileManager.default.createDirectory(atPath: dir.file("ipvs-applier"), withIntermediateDirectories: true)
        applier = try FakeApplier(path: dir.file("ipvs-applier/ipvs-applier.sock"))
        let argv = [TestEnvironment.binary("checkd"), "--compiled", configPath, "--runtime-dir", dir.path, "-l", "-D", "-G"] + extraArgs
        if let netns {
            process = try netns.spawn(argv, outputFile: dir.file("checkd.log"))
        } else {
            process = try Spawned(argv, outputFile: dir.file("checkd.log"))
        }
    }

    static func write(_ config: KeepalivedConfiguration, scripts: [Script], generation: UInt64, to path: String) throws {
        var c = CompiledConfig()
        c.generation = generation
        c.config = config
        c.scripts = scripts
        let bytes = try c.serialized()
        try Data(bytes).write(to: URL(fileURLWithPath: path + ".tmp"))
        rename(path + ".tmp", path)
        chmod(path, 0o644)
    }

    func reload(_ config: KeepalivedConfiguration, scripts: [Script] = [], generation: UInt64) throws {
        try CheckdRun.write(config, scripts: scripts, generation: generation, to: configPath)
        process.signal(SIGHUP)
    }

    var log: String { process.output }

    /// Times (relative to `since`) of log lines containing `text`.
    func logLines(containing text: String) -> [String] { log.split(separator: "\n").filter { $0.contains(text) }.map(String.init) }

    func stop() {
        process.signal(SIGTERM)
        if !waitUntil(timeout: 15, { !self.process.isRunning }) { process.signal(SIGKILL) }
        process.process.waitUntilExit()
        applier.stop()
    }

    func cleanup() {
        dir.remove()
    }
}

/// A test peer from Tests/peers/checkd_peers.py, stopped by `stop()`.
final class Peer {
    let process: Spawned
    let port: UInt16
    let log: TempDirectory

    init(_ kind: String, _ extra: [String] = [], netns: Netns? = nil) throws {
        let logDir = try TempDirectory("ka-peer")
        log = logDir
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/peers/checkd_peers.py").path
        let argv = ["/usr/bin/python3", script, kind] + extra
        let out = logDir.file("out")
        let p = try netns.map { try $0.spawn(argv, outputFile: out) } ?? Spawned(argv, outputFile: out)
        process = p
        var found: UInt16?
        _ = p.waitForOutput(timeout: 20) { out in
            for line in out.split(separator: "\n") where line.hasPrefix("PORT ") {
                found = UInt16(line.dropFirst(5))
                return true
            }
            return false
        }
        guard let found else {
            p.signal(SIGKILL)
            throw TestFailure("peer \(kind) did not start: \(p.output)")
        }
        port = found
    }

    var output: String { process.output }

    func stop() {
        // SIGKILL: children of the test runner may inherit a blocked SIGTERM.
        process.signal(SIGKILL)
        process.process.waitUntilExit()
    }
}

enum Cfg {
    static func vs(port: UInt16 = 80, delayLoop: Double = 1, _ reals: [RealServer], _ f: (inout VirtualServer) -> Void = { _ in }) -> VirtualServer {
        var v = VirtualServer(address: .ip(IPAddress("10.9.9.9")!, port: port))
        v.protocol = .tcp
        v.lbAlgo = .rr
        v.lbKind = ForwardingMethod(.nat)
        v.delayLoop = Interval(microseconds: Int64(delayLoop * 1_000_000))
        v.realServers = reals
        f(&v)
        return v
    }

    static func rs(port: UInt16, address: String = "127.0.0.1", _ checkers: [Checker], _ f: (inout RealServer) -> Void = { _ in }) -> RealServer {
        var r = RealServer(address: IPAddress(address)!, port: port)
        r.checkers = checkers
        f(&r)
        return r
    }

    static func common(retry: Int = 0, dbr: Double = 0.5, timeout: Double = 1, warmup: Double = 0, alpha: Bool? = nil) -> CheckerCommon {
        var c = CheckerCommon()
        c.retry = retry
        c.delayBeforeRetry = Interval(microseconds: Int64(dbr * 1_000_000))
        c.connectTimeout = Interval(microseconds: Int64(timeout * 1_000_000))
        c.warmup = Interval(microseconds: Int64(warmup * 1_000_000))
        c.alpha = alpha
        return c
    }

    static func config(_ servers: [VirtualServer], _ f: (inout KeepalivedConfiguration) -> Void = { _ in }) -> KeepalivedConfiguration {
        var c = KeepalivedConfiguration()
        c.global.routerId = "checkd-test"
        c.virtualServers = servers
        f(&c)
        return c
    }
}
